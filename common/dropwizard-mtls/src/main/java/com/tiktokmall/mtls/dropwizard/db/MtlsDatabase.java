package com.tiktokmall.mtls.dropwizard.db;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.lifecycle.setup.LifecycleEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The database connection of a service over its {@code tls} block. For a PostgreSQL
 * {@code database} ({@code url: jdbc:postgresql:...}) every connection presents
 * {@code client_cert}, trusts only {@code ca_cert} (and its CRLs), speaks TLS 1.3 or 1.2 and
 * checks that the server's certificate names the host dialled ({@code sslmode=verify-full}),
 * through pgjdbc's {@code sslfactory} reading the same {@link TlsSource} as the
 * connectors and clients. New connections use reloaded material at once; pooled connections made
 * with the old material are closed (idle ones at once, busy ones when they are returned). A
 * refusal (the server's certificate, or PostgreSQL refusing this one) is told in one line
 * naming the cause. Other databases are left as they are; an embedded H2 file needs no TLS.
 *
 * <p>Services reach this through {@code MtlsBundle.database(configuration, database)}.
 */
public final class MtlsDatabase {
    private static final Logger LOG = LoggerFactory.getLogger(MtlsDatabase.class);
    private static final String POSTGRESQL = "jdbc:postgresql:";
    /** pgjdbc settings that choose the certificate, the trust or the checks: the tls block decides those. */
    private static final Set<String> TLS_SETTINGS = Set.of("ssl", "sslmode", "sslfactory", "sslfactoryarg", "sslcert",
            "sslkey", "sslrootcert", "sslpassword", "sslpasswordcallback", "sslhostnameverifier");

    private MtlsDatabase() {
    }

    /**
     * {@code database} secured by the material of {@code source} when it is PostgreSQL, otherwise
     * {@code database} itself. Build every data source (migrations too) from what this returns.
     *
     * @param source    the service's TLS material; asked for only when the database is PostgreSQL
     * @param lifecycle where to end the registration when the service stops; {@code null} for a
     *                  command that ends with the process
     * @throws SettingException when {@code database.url} or {@code database.properties} set TLS
     *                          options of their own
     */
    public static DataSourceFactory secure(DataSourceFactory database, Supplier<TlsSource> source,
                                           ObjectMapper mapper, LifecycleEnvironment lifecycle) {
        String url = database.getUrl();
        if (url == null || !url.startsWith(POSTGRESQL)) {
            if (url != null && !isEmbeddedH2(url)) {
                LOG.warn("database.url {} is not PostgreSQL: the tls block does not protect this database connection",
                        url);
            }
            return database;
        }
        refuseOwnTlsSettings(url, database.getProperties());
        DatabaseTls tls = DatabaseTls.register(source.get(), url, database.getUser());
        if (lifecycle != null) {
            lifecycle.manage(new Managed() {
                @Override
                public void stop() {
                    tls.unregister();
                }
            });
        }
        Map<String, String> properties = new HashMap<>(database.getProperties());
        properties.put("sslmode", "verify-full");
        properties.put("sslfactory", PostgresSocketFactory.class.getName());
        properties.put("sslfactoryarg", tls.id());
        MtlsDataSourceFactory secured = MtlsDataSourceFactory.copyOf(database, mapper, tls);
        secured.setProperties(properties);
        return secured;
    }

    private static void refuseOwnTlsSettings(String url, Map<String, String> properties) {
        int query = url.indexOf('?');
        if (query >= 0) {
            for (String parameter : url.substring(query + 1).split("&")) {
                String name = parameter.split("=", 2)[0];
                if (TLS_SETTINGS.contains(name.toLowerCase(Locale.ROOT))) {
                    throw new SettingException("database.url", "sets " + name + ", but with tls.enabled the tls block"
                            + " decides the certificate, the trust and the checks of the database connection",
                            "remove " + name + " from the URL");
                }
            }
        }
        for (String name : properties.keySet()) {
            if (TLS_SETTINGS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new SettingException("database.properties", "sets " + name + ", but with tls.enabled the tls"
                        + " block decides the certificate, the trust and the checks of the database connection",
                        "remove " + name);
            }
        }
    }

    private static boolean isEmbeddedH2(String url) {
        return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:tcp:") && !url.startsWith("jdbc:h2:ssl:");
    }
}
