package com.tiktokmall.mtls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Who this side is in a TLS handshake: a certificate chain (leaf first) and the leaf's private key.
 *
 * <pre>{@code
 * Identity auth = Identity.fromPem(Path.of("certs/auth-cert.pem"), Path.of("certs/auth-key.pem"));
 * }</pre>
 *
 * <p>Loading checks that the key is RSA (2048 bits or more) or EC (P-256, P-384, P-521), that it
 * belongs to the leaf certificate, and that the chain is in order. Whether the certificate is
 * currently valid, trusted and fit for a role is checked by {@link MtlsContext.Builder#build()}.
 * Instances are immutable; the key is kept in memory only.
 */
public final class Identity {
    private final List<X509Certificate> chain;
    private final PrivateKey privateKey;
    private final Path certFile;
    private final Path keyFile;

    private Identity(List<X509Certificate> chain, PrivateKey privateKey, Path certFile, Path keyFile) {
        this.chain = List.copyOf(chain);
        this.privateKey = privateKey;
        this.certFile = certFile;
        this.keyFile = keyFile;
        requireOrdered();
        Keys.requireSupported(privateKey, keyFile);
        Keys.requireMatch(privateKey, certificate(), keyFile, certFile);
    }

    /** Reads an unencrypted key and its certificate chain from PEM files. */
    public static Identity fromPem(Path certFile, Path keyFile) {
        return fromPem(certFile, keyFile, null);
    }

    /**
     * Reads a key (PKCS#8, PKCS#1 or SEC1; encrypted when {@code keyPassword} is given) and its
     * certificate chain (leaf first, then intermediates) from PEM files.
     */
    public static Identity fromPem(Path certFile, Path keyFile, char[] keyPassword) {
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile, keyPassword);
        return new Identity(chain, key, certFile, keyFile);
    }

    /**
     * An identity from a chain and key already read from {@code certFile} and {@code keyFile},
     * which messages name; checked as {@link #fromPem(Path, Path, char[])} checks.
     */
    public static Identity of(PrivateKey privateKey, List<X509Certificate> chain, Path certFile, Path keyFile) {
        if (chain.isEmpty()) {
            throw TlsException.inFile(certFile, "the file holds no certificate", null);
        }
        return new Identity(chain, privateKey, certFile, keyFile);
    }

    /** An identity from objects already in memory. */
    public static Identity of(PrivateKey privateKey, List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            throw TlsException.invalid("an identity needs at least one certificate", null);
        }
        return new Identity(chain, privateKey, null, null);
    }

    /** The leaf certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The leaf followed by any intermediates. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /**
     * A key manager that presents this identity whenever its key type fits, even when a server's
     * list of acceptable issuers does not name its CA (so that the server can say why it refuses it).
     */
    public X509ExtendedKeyManager keyManager() {
        return new SingleIdentityKeyManager(privateKey, chain);
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    /** The PEM file the chain came from, if any. */
    public Optional<Path> certFile() {
        return Optional.ofNullable(certFile);
    }

    /** The PEM file the key came from, if any. */
    public Optional<Path> keyFile() {
        return Optional.ofNullable(keyFile);
    }

    @Override
    public String toString() {
        return "Identity[" + Certificates.name(certificate()) + ", " + Keys.describe(privateKey) + "]";
    }

    private void requireOrdered() {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate child = chain.get(i);
            X509Certificate parent = chain.get(i + 1);
            if (!child.getIssuerX500Principal().equals(parent.getSubjectX500Principal())) {
                throw TlsException.inFile(certFile, "the certificates are out of order: " + Certificates.name(child)
                        + " is not issued by the next one, " + Certificates.name(parent),
                        "put the leaf certificate first, then each issuer in turn");
            }
        }
    }
}
