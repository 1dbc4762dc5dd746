package com.tiktokmall.mtls;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a TLS handshake failed, in words a person can act on. Meant for failures of a handshake:
 * a connection reset is read as the peer hanging up on this side's certificate. JSSE's messages ("PKIX path building
 * failed", "Received fatal alert: bad_certificate") say little; this turns them into, for example:
 *
 * <ul>
 *   <li>peer presented no certificate</li>
 *   <li>peer certificate 'gateway' is issued by 'Other CA', which ca_cert does not trust</li>
 *   <li>host name localhost is not among the server certificate's SANs [DNS:auth]</li>
 *   <li>peer certificate 'auth' expired at 2026-01-01T00:00:00Z</li>
 *   <li>protocol TLSv1.1 refused</li>
 * </ul>
 *
 * <pre>{@code
 * } catch (ProcessingException e) {
 *     LOG.warn("auth cannot be reached: {}", HandshakeFailure.explain(e));
 * }
 * }</pre>
 */
public final class HandshakeFailure {
    private static final Pattern PROTOCOL_REFUSED = Pattern.compile("Client requested protocol (\\S+) is not enabled");
    private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");
    /** The same alerts as BoringSSL (Conscrypt) names them: SSLV3_ALERT_BAD_CERTIFICATE. */
    private static final Pattern BORINGSSL_ALERT = Pattern.compile("(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)");
    private static final Map<String, String> ALERTS = Map.of(
            "certificate_required", "the peer requires a client certificate and none was sent",
            "bad_certificate", "the peer refused this side's certificate",
            "certificate_unknown", "the peer refused this side's certificate",
            "unknown_ca", "the peer does not trust the CA that issued this side's certificate",
            "certificate_expired", "the peer says this side's certificate has expired",
            "certificate_revoked", "the peer says this side's certificate is revoked",
            "protocol_version", "the peer refused the protocol version (only TLSv1.3 and TLSv1.2 are enabled here)",
            "handshake_failure", "no protocol or cipher suite in common with the peer");

    private HandshakeFailure() {
    }

    /**
     * The reason for {@code failure} (any exception whose causes include the TLS failure), or the
     * innermost message when it is not a TLS failure this class knows.
     */
    public static String explain(Throwable failure) {
        Throwable innermost = failure;
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof PeerCertificateException) {
                return cause.getMessage();
            }
            String known = known(String.valueOf(cause.getMessage()));
            if (known != null) {
                return known;
            }
            innermost = cause;
        }
        return innermost.getMessage() == null ? innermost.getClass().getSimpleName() : innermost.getMessage();
    }

    private static String known(String message) {
        if (message.contains("Empty client certificate chain") || message.contains("Empty server certificate chain")
                || message.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
            return "peer presented no certificate";
        }
        Matcher protocol = PROTOCOL_REFUSED.matcher(message);
        if (protocol.find()) {
            return "protocol " + protocol.group(1) + " refused";
        }
        if (message.contains("No appropriate protocol") || message.contains("UNSUPPORTED_PROTOCOL")) {
            return "no protocol in common with the peer (only TLSv1.3 and TLSv1.2 are enabled here)";
        }
        if (message.contains("Unsupported or unrecognized SSL message") || message.contains("plaintext connection")
                || message.contains("Unable to parse TLS packet header") || message.contains("HTTP_REQUEST")) {
            return "the peer does not speak TLS (plain HTTP sent to a TLS port?)";
        }
        if (message.contains("Broken pipe") || message.contains("Connection reset")
                || message.contains("Remote host terminated the handshake")) {
            return "the peer closed the connection during the handshake: it most likely refused this side's"
                    + " certificate (the peer's log says why)";
        }
        Matcher alert = ALERT.matcher(message);
        if (alert.find()) {
            return ALERTS.getOrDefault(alert.group(1), "the peer ended the handshake with alert " + alert.group(1));
        }
        Matcher boringAlert = BORINGSSL_ALERT.matcher(message);
        if (boringAlert.find()) {
            String name = boringAlert.group(1).toLowerCase(Locale.ROOT);
            return ALERTS.getOrDefault(name, "the peer ended the handshake with alert " + name);
        }
        return null;
    }
}
