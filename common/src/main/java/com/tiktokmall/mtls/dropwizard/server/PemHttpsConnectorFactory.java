package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.reload.TlsMaterial;
import com.tiktokmall.mtls.reload.TlsMaterialSource;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.dropwizard.jetty.HttpsConnectorFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * An HTTPS connector whose TLS comes from the {@code tls} block instead of a key store: the
 * server {@link MtlsContext} of the current {@link TlsMaterial}, client certificates required,
 * renegotiation off. Every other setting (port, bind host, timeouts...) is copied from the
 * plain {@code http} connector it replaces.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NONE)
public final class PemHttpsConnectorFactory extends HttpsConnectorFactory {
    private TlsMaterialSource material;
    private PeerTrustEnforcer enforcer;

    /** The HTTPS twin of {@code http}, copied property by property through Jackson. */
    public static PemHttpsConnectorFactory replacing(HttpConnectorFactory http, TlsMaterialSource material,
                                              ObjectMapper mapper) {
        ObjectNode properties = mapper.valueToTree(http);
        properties.remove("type");
        PemHttpsConnectorFactory https = mapper.convertValue(properties, PemHttpsConnectorFactory.class);
        // Clients check who the server is (its SPIFFE ID, or the host name in its SANs); Jetty's
        // check that the Host header names the certificate would refuse URI-only SVIDs.
        https.setDisableSniHostCheck(true);
        https.material = material;
        https.enforcer = new PeerTrustEnforcer(material);
        return https;
    }

    @Override
    public Connector build(Server server, MetricRegistry metrics, String name, ThreadPool threadPool) {
        ServerConnector connector = (ServerConnector) super.build(server, metrics, name, threadPool);
        connector.addBean(new HandshakeMonitor(connector, metrics));
        connector.addBean(enforcer);
        return connector;
    }

    @Override
    protected HttpConfiguration buildHttpConfiguration() {
        HttpConfiguration configuration = super.buildHttpConfiguration();
        configuration.addCustomizer(enforcer);
        return configuration;
    }

    @Override
    public boolean isValidKeyStorePath() {
        return true;
    }

    @Override
    public boolean isValidKeyStorePassword() {
        return true;
    }

    @Override
    protected SslContextFactory.Server configureSslContextFactory(SslContextFactory ignored) {
        SslContextFactory.Server factory = new SslContextFactory.Server();
        apply(factory, material.current().server());
        factory.setNeedClientAuth(true);
        factory.setRenegotiationAllowed(false);
        factory.setEndpointIdentificationAlgorithm(null);
        // Jetty first, so that a peer whose connection is closed below cannot reconnect under the old trust.
        material.onChange(next -> {
            reload(factory, next.server());
            enforcer.enforce(next);
        });
        return factory;
    }

    private static void apply(SslContextFactory factory, MtlsContext context) {
        factory.setSslContext(context.sslContext());
        factory.setIncludeProtocols(context.protocols().toArray(String[]::new));
        factory.setIncludeCipherSuites(context.cipherSuites().toArray(String[]::new));
    }

    private static void reload(SslContextFactory factory, MtlsContext context) {
        try {
            factory.reload(f -> apply(f, context));
        } catch (Exception e) {
            throw new IllegalStateException("Jetty refused the new TLS context", e);
        }
    }
}
