package com.tiktokmall.mtls.dropwizard.server;

import com.fasterxml.jackson.annotation.JsonTypeName;
import com.tiktokmall.mtls.TlsException;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.ServerFactory;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.jetty.ConnectorFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The connectors of a {@code server} block, and the rule that with TLS on every one is {@code type: mtls}. */
public final class MtlsConnectors {
    private MtlsConnectors() {
    }

    /**
     * Every application and admin connector, each {@code type: mtls}.
     *
     * @throws TlsException naming the first connector of another type (it would not require client
     *                      certificates), or a server type whose connectors are unknown
     */
    public static List<MtlsConnectorFactory> requireMtls(ServerFactory server) {
        return bySetting(server).entrySet().stream().map(entry -> {
            if (entry.getValue() instanceof MtlsConnectorFactory mtls) {
                return mtls;
            }
            throw TlsException.inSetting(entry.getKey() + ".type", "is " + typeOf(entry.getValue()) + ", which does not"
                    + " require client certificates, while tls.enabled is true", "change it to type: mtls, or set"
                    + " tls.enabled: false");
        }).toList();
    }

    /** The {@code type: mtls} connectors among them, whatever the others are. */
    public static List<MtlsConnectorFactory> mtls(ServerFactory server) {
        return bySetting(server).values().stream().filter(MtlsConnectorFactory.class::isInstance)
                .map(MtlsConnectorFactory.class::cast).toList();
    }

    /**
     * The {@code type: mtls} application connectors: the ports where peers need a role. A
     * {@code simple} server serves the admin paths on its one port too, so it has none.
     */
    public static List<MtlsConnectorFactory> application(ServerFactory server) {
        if (server instanceof DefaultServerFactory factory) {
            return factory.getApplicationConnectors().stream().filter(MtlsConnectorFactory.class::isInstance)
                    .map(MtlsConnectorFactory.class::cast).toList();
        }
        return List.of();
    }

    /**
     * The {@code type: mtls} connectors that serve the application: the application connectors of
     * a {@code default} server, the one connector of a {@code simple} one.
     */
    public static List<MtlsConnectorFactory> serving(ServerFactory server) {
        return server instanceof SimpleServerFactory ? mtls(server) : application(server);
    }

    /** The connectors by the setting that declares them, e.g. {@code server.adminConnectors[0]}. */
    private static Map<String, ConnectorFactory> bySetting(ServerFactory server) {
        Map<String, ConnectorFactory> connectors = new LinkedHashMap<>();
        if (server instanceof DefaultServerFactory factory) {
            add(connectors, "server.applicationConnectors", factory.getApplicationConnectors());
            add(connectors, "server.adminConnectors", factory.getAdminConnectors());
        } else if (server instanceof SimpleServerFactory factory) {
            connectors.put("server.connector", factory.getConnector());
        } else {
            throw TlsException.inSetting("server.type", "server type " + server.getClass().getSimpleName()
                    + " is not supported", "use server type default or simple");
        }
        return connectors;
    }

    private static void add(Map<String, ConnectorFactory> connectors, String setting, List<ConnectorFactory> list) {
        for (int i = 0; i < list.size(); i++) {
            connectors.put(setting + "[" + i + "]", list.get(i));
        }
    }

    private static String typeOf(ConnectorFactory connector) {
        JsonTypeName name = connector.getClass().getAnnotation(JsonTypeName.class);
        return name == null ? connector.getClass().getSimpleName() : name.value();
    }
}
