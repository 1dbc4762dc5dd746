/**
 * mTLS in plain Java: PEM identities and trust bundles, SPIFFE IDs, checked TLS contexts, and the
 * reloading source of a service's material with its file implementation. No framework.
 */
module com.tiktokmall.mtls {
    requires org.bouncycastle.provider;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.util;
    requires org.slf4j;

    exports com.tiktokmall.mtls;
    exports com.tiktokmall.mtls.source;
}
