/** TLS material from the SPIFFE Workload API (a SPIRE agent's socket), as a source of mtls-core. */
module com.tiktokmall.mtls.spiffe {
    requires transitive com.tiktokmall.mtls;
    requires io.grpc;
    requires io.grpc.stub;
    requires java.spiffe.core;
    requires org.slf4j;
    requires com.google.protobuf;

    exports com.tiktokmall.mtls.spiffe;
}
