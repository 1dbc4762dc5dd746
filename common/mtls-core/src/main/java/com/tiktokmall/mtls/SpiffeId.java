package com.tiktokmall.mtls;


import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A workload's identity, {@code spiffe://<trust domain>/<path>}, as carried by the single URI SAN
 * of its certificate (the SPIFFE X.509-SVID rule). Only this is used to decide what a caller may
 * do; the subject CN never is.
 *
 * <pre>{@code
 * Optional<SpiffeId> caller = SpiffeId.fromCertificate(peerLeaf, "tiktokmall.local");
 * caller.map(SpiffeId::path);   // "order"
 * }</pre>
 */
public final class SpiffeId {
    private static final String SCHEME = "spiffe://";
    private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]+");
    /** Segments of letters, digits, '.', '-', '_', but never "." or ".." (the SPIFFE ID standard, 2.2). */
    private static final Pattern PATH = Pattern.compile("(/(?!\\.\\.?(/|$))[A-Za-z0-9._-]+)+");

    private final String trustDomain;
    private final String path;

    private SpiffeId(String trustDomain, String path) {
        this.trustDomain = trustDomain;
        this.path = path;
    }

    /**
     * Parses {@code spiffe://<trust domain>/<path>}: a lowercase trust domain, and a path of one or
     * more non-empty segments of letters, digits, dots, dashes and underscores, none of them
     * {@code .} or {@code ..}.
     *
     * @throws TlsException saying what is wrong with {@code value}
     */
    public static SpiffeId parse(String value) {
        if (value == null || !value.startsWith(SCHEME)) {
            throw TlsException.invalid("'" + value + "' is not a SPIFFE ID", "write spiffe://<trust domain>/<service>");
        }
        String rest = value.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        String domain = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        if (!TRUST_DOMAIN.matcher(domain).matches() || !PATH.matcher(path).matches()) {
            throw TlsException.invalid("'" + value + "' is not a valid SPIFFE ID (trust domain: lowercase letters,"
                    + " digits, '.', '-', '_'; path: one or more /segments, none of them . or ..)", "write spiffe://<trust domain>/<service>");
        }
        return new SpiffeId(domain, path.substring(1));
    }

    /**
     * The identity of a certificate in {@code trustDomain}: present only when the certificate has
     * exactly one URI SAN and it is a SPIFFE ID of that trust domain.
     */
    public static Optional<SpiffeId> fromCertificate(X509Certificate certificate, String trustDomain) {
        List<String> uris = Certificates.uriSans(certificate);
        if (uris.size() != 1 || !uris.get(0).startsWith(SCHEME)) {
            return Optional.empty();
        }
        try {
            SpiffeId id = parse(uris.get(0));
            return id.trustDomain.equals(trustDomain) ? Optional.of(id) : Optional.empty();
        } catch (TlsException malformed) {
            return Optional.empty();
        }
    }

    public String trustDomain() {
        return trustDomain;
    }

    /** The path without its leading slash: the service name for this project's certificates. */
    public String path() {
        return path;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SpiffeId id && id.trustDomain.equals(trustDomain) && id.path.equals(path);
    }

    @Override
    public int hashCode() {
        return Objects.hash(trustDomain, path);
    }

    @Override
    public String toString() {
        return SCHEME + trustDomain + "/" + path;
    }
}
