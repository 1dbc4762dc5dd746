package com.tiktokmall.mtls.dropwizard.db;

import com.tiktokmall.mtls.HandshakeFailure;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import com.tiktokmall.mtls.Certificates;
import com.tiktokmall.mtls.source.TlsSource;

import java.net.ConnectException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.net.ssl.SSLException;

/**
 * One secured database setting: the TLS material its connections use, the pools built from it
 * (retired when the material changes), and the words for a refusal. pgjdbc creates its
 * {@code sslfactory} by class name, so the factory finds this through a registry keyed by a
 * random id that travels in {@code sslfactoryarg}: two services in one JVM never share material.
 */
final class DatabaseTls {
    private static final Map<String, DatabaseTls> REGISTERED = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final TlsSource source;
    private final String url;
    private final String user;
    private final Set<RetiringDataSource> pools = ConcurrentHashMap.newKeySet();

    private DatabaseTls(TlsSource source, String url, String user) {
        this.source = source;
        this.url = url;
        this.user = user;
    }

    static DatabaseTls register(TlsSource source, String url, String user) {
        DatabaseTls tls = new DatabaseTls(source, url, user);
        // After the swap: connections made from now on already use the new material.
        source.onChange(material -> tls.pools.forEach(RetiringDataSource::retireConnections));
        REGISTERED.put(tls.id, tls);
        return tls;
    }

    /** @throws IllegalStateException when nothing is registered under {@code id} (any more) */
    static DatabaseTls registered(String id) {
        DatabaseTls tls = id == null ? null : REGISTERED.get(id);
        if (tls == null) {
            throw new IllegalStateException("no TLS material is registered for the database connection '" + id
                    + "': the sslfactory " + PostgresSocketFactory.class.getName() + " is set up by"
                    + " MtlsBundle.database(), and only while its service runs");
        }
        return tls;
    }

    void unregister() {
        REGISTERED.remove(id);
    }

    String id() {
        return id;
    }

    TlsSource source() {
        return source;
    }

    void track(RetiringDataSource pool) {
        pools.add(pool);
    }

    void untrack(RetiringDataSource pool) {
        pools.remove(pool);
    }

    /**
     * {@code failure} to connect, explained in one line when it is a refusal (a handshake that
     * failed, PostgreSQL refusing the certificate, nothing listening): a new exception of the same
     * SQL state whose cause is a {@link SettingException}, so that the start-up error is that
     * line. Anything else is returned as it is.
     */
    SQLException explain(SQLException failure) {
        SettingException explained = explanation(failure);
        if (explained == null) {
            return failure;
        }
        explained.initCause(failure);
        return new SQLException(explained.getMessage(), failure.getSQLState(), failure.getErrorCode(), explained);
    }

    private SettingException explanation(SQLException failure) {
        String state = failure.getSQLState() == null ? "" : failure.getSQLState();
        if (has(failure, CertificateException.class)) { // this side's trust manager refused the server
            return new SettingException("database", "PostgreSQL at " + server() + " is not trusted: "
                    + HandshakeFailure.explain(failure), "give PostgreSQL a certificate from a CA in " + setting("ca_cert") + " that"
                    + " names the host of database.url in its SANs (scripts/postgres.sh start issues one)");
        }
        if (has(failure, SSLException.class)) {
            return new SettingException("database", "the TLS handshake with PostgreSQL at " + server() + " failed: "
                    + HandshakeFailure.explain(failure), "PostgreSQL must trust the CA of " + setting("client_cert") + " (its"
                    + " ssl_ca_file) and speak TLS 1.3 or 1.2");
        }
        if (state.startsWith("28")) {
            X509Certificate certificate = source.current().client().identity().certificate();
            return new SettingException("database", "PostgreSQL at " + server() + " refused the client certificate "
                    + Certificates.name(certificate) + " (" + setting("client_cert") + ", serial "
                    + certificate.getSerialNumber().toString(16) + ") for user \"" + user + "\": "
                    + firstLine(failure), "PostgreSQL takes the database user from the certificate's CN: set"
                    + " database.user to it, and allow it in pg_hba.conf with a hostssl ... cert line"
                    + " (scripts/postgres.sh sets up auth, order and payment)"
                    + (!hasNoCommonName(certificate) ? "" : setting("client_cert").startsWith("tls.database.")
                    ? "; this certificate has no CN: tls.database.client_cert needs one whose CN is the role"
                    : "; this certificate has no CN (an SVID): give the database connection one that has, in tls.database"));
        }
        if (has(failure, ConnectException.class)) {
            return new SettingException("database", "nothing answers at " + server() + ": " + firstLine(failure),
                    "start PostgreSQL (scripts/postgres.sh start) or correct database.url");
        }
        return null;
    }

    /** The key of the tls block the connection's {@code file} comes from: tls.database's own files, or the source's. */
    private String setting(String file) {
        // only tls.database's material is a client's alone
        boolean own = !source.current().certificates().containsKey("server_cert");
        return (own ? "tls.database." : "tls.") + file;
    }

    private static boolean hasNoCommonName(X509Certificate certificate) {
        try {
            return new LdapName(certificate.getSubjectX500Principal().getName()).getRdns().stream()
                    .noneMatch(rdn -> rdn.getType().equalsIgnoreCase("CN"));
        } catch (InvalidNameException e) {
            return false;
        }
    }

    private static String firstLine(Throwable failure) {
        return String.valueOf(failure.getMessage()).lines().findFirst().orElse("").strip();
    }

    /** host:port of the URL, for messages. */
    private String server() {
        String rest = url.substring(url.indexOf(':', "jdbc:".length()) + 1);
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
        }
        int end = rest.indexOf('/');
        return end < 0 ? rest : rest.substring(0, end);
    }

    private static boolean has(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }
}
