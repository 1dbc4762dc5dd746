package com.tiktokmall.mtls;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads certificates, private keys and CRLs from PEM files with Bouncy Castle.
 *
 * <pre>{@code
 * PrivateKey signingKey = Pem.privateKey(Path.of("certs/token-signing-key.pem"), null);
 * }</pre>
 *
 * <p>Every failure (missing, unreadable or empty file, not PEM, nothing of the wanted kind,
 * wrong password) is a {@link TlsException} that names the file. Keys become JDK key objects,
 * so the JDK's own TLS stack uses them; no security provider is registered JVM-wide.
 */
public final class Pem {
    /** The largest file read: PEM material is a few KiB; a bigger file is a mistake or an attack. */
    public static final int MAX_FILE_BYTES = 1024 * 1024;
    private static final String GENERATE = "make the files with scripts/generate_certs.sh";
    /** Used for key decryption only (OpenSSL's key derivations), never registered JVM-wide. */
    private static final Provider DECRYPTION = new BouncyCastleProvider();

    private Pem() {
    }

    /** Every certificate in the file, in file order (for a chain: leaf first). At least one. */
    public static List<X509Certificate> certificates(Path file) {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<Object> objects = objects(file);
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object object : objects) {
            if (object instanceof X509CertificateHolder holder) {
                try {
                    certificates.add(converter.getCertificate(holder));
                } catch (CertificateException e) {
                    throw TlsException.inFile(file, "a certificate in the file cannot be decoded (" + e.getMessage() + ")",
                            GENERATE, e);
                }
            }
        }
        if (certificates.isEmpty()) {
            throw TlsException.inFile(file, "the file holds no certificate (found " + describe(objects) + ")",
                    "point this setting at a PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(certificates);
    }

    /**
     * The one private key in the file: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), either unencrypted or
     * encrypted (PKCS#8 or OpenSSL traditional) with {@code password}.
     */
    public static PrivateKey privateKey(Path file, char[] password) {
        List<Object> objects = objects(file);
        List<Object> keys = objects.stream().filter(Pem::isKey).toList();
        if (keys.isEmpty()) {
            throw TlsException.inFile(file, "the file holds no private key (found " + describe(objects) + ")",
                    "point this setting at a PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        if (keys.size() > 1) {
            throw TlsException.inFile(file, "the file holds " + keys.size() + " private keys, expected one",
                    "keep only the key that belongs to the certificate");
        }
        return convert(file, keys.get(0), password);
    }

    /** Every CRL in the file. At least one. */
    public static List<X509CRL> crls(Path file) {
        JcaX509CRLConverter converter = new JcaX509CRLConverter();
        List<Object> objects = objects(file);
        List<X509CRL> crls = new ArrayList<>();
        for (Object object : objects) {
            if (object instanceof X509CRLHolder holder) {
                try {
                    crls.add(converter.getCRL(holder));
                } catch (CRLException e) {
                    throw TlsException.inFile(file, "a CRL in the file cannot be decoded (" + e.getMessage() + ")",
                            "regenerate it with openssl ca -gencrl", e);
                }
            }
        }
        if (crls.isEmpty()) {
            throw TlsException.inFile(file, "the file holds no CRL (found " + describe(objects) + ")",
                    "point this setting at a PEM CRL (-----BEGIN X509 CRL-----)");
        }
        return List.copyOf(crls);
    }

    /**
     * The raw bytes of a readable, non-empty regular file of at most {@value #MAX_FILE_BYTES} bytes,
     * with the usual failures named. A FIFO or device is refused before it is opened: reading one
     * could block forever.
     */
    static byte[] read(Path file) {
        if (!Files.exists(file)) {
            throw TlsException.inFile(file, "the file does not exist (working directory: "
                    + Paths.get("").toAbsolutePath() + ")", "check the path, or " + GENERATE);
        }
        if (Files.isDirectory(file)) {
            throw TlsException.inFile(file, "this is a directory, not a PEM file", "point the setting at a file");
        }
        if (!Files.isRegularFile(file)) {
            throw TlsException.inFile(file, "this is not a regular file (a pipe, socket or device?)",
                    "point the setting at a PEM file");
        }
        if (!Files.isReadable(file)) {
            throw TlsException.inFile(file, "the file is not readable by this process",
                    "check its owner and permissions (keys are mode 0600: run the service as their owner)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            if (bytes.length > MAX_FILE_BYTES) {
                throw TlsException.inFile(file, "the file is larger than " + MAX_FILE_BYTES / 1024
                        + " KiB, far more than any PEM certificate, key or CRL", "point the setting at the right file");
            }
            if (new String(bytes, StandardCharsets.US_ASCII).isBlank()) {
                throw TlsException.inFile(file, "the file is empty", GENERATE);
            }
            return bytes;
        } catch (IOException e) {
            throw TlsException.inFile(file, "the file cannot be read (" + e.getMessage() + ")",
                    "check the file and its permissions", e);
        }
    }

    private static List<Object> objects(Path file) {
        String text = new String(read(file), StandardCharsets.US_ASCII);
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object object = parser.readObject(); object != null; object = parser.readObject()) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            throw TlsException.inFile(file, "the file is not valid PEM (" + e.getMessage() + ")",
                    "check that it was copied whole; " + GENERATE, e);
        }
        if (objects.isEmpty()) {
            throw TlsException.inFile(file, "the file is not PEM: no -----BEGIN ...----- block found",
                    "use PEM files, not DER or PKCS#12 (openssl x509 -inform der -in FILE -out FILE.pem converts)");
        }
        return objects;
    }

    private static boolean isKey(Object object) {
        return object instanceof PrivateKeyInfo || object instanceof PEMKeyPair
                || object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo;
    }

    private static PrivateKey convert(Path file, Object key, char[] password) {
        boolean encrypted = key instanceof PEMEncryptedKeyPair || key instanceof PKCS8EncryptedPrivateKeyInfo;
        if (encrypted && (password == null || password.length == 0)) {
            throw TlsException.inFile(file, "the private key is encrypted and no key password is set",
                    "give its password (for the tls block: tls.key_password, e.g. ${KEY_PASSWORD}) or use an unencrypted key");
        }
        PrivateKeyInfo info;
        try {
            info = plain(key, password);
        } catch (Exception e) {
            throw TlsException.inFile(file, "the private key cannot be decrypted: the key password is wrong",
                    "check the password (for the tls block: tls.key_password)", e);
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (Exception e) {
            throw TlsException.inFile(file, "the private key cannot be decoded (" + e.getMessage() + ")",
                    "use an RSA or EC key in PKCS#8, PKCS#1 or SEC1 PEM", e);
        }
    }

    private static PrivateKeyInfo plain(Object key, char[] password) throws Exception {
        if (key instanceof PrivateKeyInfo info) {
            return info;
        }
        if (key instanceof PEMKeyPair pair) {
            return pair.getPrivateKeyInfo();
        }
        if (key instanceof PEMEncryptedKeyPair pair) {
            return pair.decryptKeyPair(new JcePEMDecryptorProviderBuilder().setProvider(DECRYPTION).build(password))
                    .getPrivateKeyInfo();
        }
        return ((PKCS8EncryptedPrivateKeyInfo) key).decryptPrivateKeyInfo(
                new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(DECRYPTION).build(password));
    }

    private static String describe(List<Object> objects) {
        return objects.stream().map(Pem::describe).distinct().reduce((a, b) -> a + ", " + b).orElse("nothing");
    }

    private static String describe(Object object) {
        if (object instanceof X509CertificateHolder) {
            return "a certificate";
        }
        if (isKey(object)) {
            return "a private key";
        }
        if (object instanceof X509CRLHolder) {
            return "a CRL";
        }
        if (object instanceof ASN1ObjectIdentifier) {
            return "EC parameters";
        }
        return object.getClass().getSimpleName();
    }
}
