package com.tiktokmall.mtls.testing;

import com.tiktokmall.mtls.Identity;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import java.io.IOException;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.util.List;

/** A certificate chain (leaf first) and its private key, as issued by a {@link TestCa}. */
public final class TestCert {
    /** How a private key is written. */
    public enum KeyFormat {
        /** -----BEGIN PRIVATE KEY----- */
        PKCS8,
        /** -----BEGIN RSA PRIVATE KEY----- (PKCS#1) or -----BEGIN EC PRIVATE KEY----- (SEC1) */
        TRADITIONAL,
        /** -----BEGIN ENCRYPTED PRIVATE KEY----- (PBES2, AES-256-CBC) */
        PKCS8_ENCRYPTED,
        /** Traditional with Proc-Type: 4,ENCRYPTED and DEK-Info (AES-128-CBC) */
        TRADITIONAL_ENCRYPTED
    }

    private static final Provider BC = new BouncyCastleProvider();

    private final List<X509Certificate> chain;
    private final PrivateKey privateKey;

    TestCert(List<X509Certificate> chain, PrivateKey privateKey) {
        this.chain = List.copyOf(chain);
        this.privateKey = privateKey;
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    public List<X509Certificate> chain() {
        return chain;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public Identity identity() {
        return Identity.of(privateKey, chain);
    }

    /** Writes the chain as PEM and returns {@code file}. */
    public Path writeCertificate(Path file) {
        return writePem(file, chain.toArray());
    }

    /** Writes the key as unencrypted PKCS#8 and returns {@code file}. */
    public Path writeKey(Path file) {
        return writeKey(file, KeyFormat.PKCS8, null);
    }

    /** Writes the key in {@code format}, encrypted with {@code password} for the encrypted formats. */
    public Path writeKey(Path file, KeyFormat format, char[] password) {
        try {
            Object pem = switch (format) {
                case PKCS8 -> new JcaPKCS8Generator(privateKey, null);
                case TRADITIONAL -> new JcaMiscPEMGenerator(traditional());
                case PKCS8_ENCRYPTED -> new JcaPKCS8Generator(privateKey,
                        new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(BC)
                                .setPassword(password).build());
                case TRADITIONAL_ENCRYPTED -> new JcaMiscPEMGenerator(traditional(),
                        new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BC).build(password));
            };
            return writePem(file, pem);
        } catch (OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot encode a test key", e);
        }
    }

    /**
     * The key as OpenSSL writes it in PKCS#1 or SEC1: for EC that means with the curve and the
     * public key inside, which the JDK's own encoding leaves out.
     */
    private PrivateKeyInfo traditional() throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(privateKey.getEncoded());
        if (!(privateKey instanceof ECPrivateKey ec)) {
            return info;
        }
        org.bouncycastle.asn1.sec.ECPrivateKey bare = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                info.parsePrivateKey());
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(certificate().getPublicKey().getEncoded());
        return new PrivateKeyInfo(info.getPrivateKeyAlgorithm(), new org.bouncycastle.asn1.sec.ECPrivateKey(
                ec.getParams().getOrder().bitLength(), bare.getKey(), publicKey.getPublicKeyData(),
                info.getPrivateKeyAlgorithm().getParameters()));
    }

    /**
     * A raw JSSE client context that presents this certificate and trusts {@code trusted},
     * without any of the library's checks: for clients that are meant to be refused.
     */
    public SSLContext rawClientContext(X509Certificate... trusted) {
        return jsseContext(new KeyManager[] {presenting(privateKey, chain)}, trusted);
    }

    /** Presents the chain whatever the peer asks for, in either role, as the library's own key manager does. */
    private static X509ExtendedKeyManager presenting(PrivateKey key, List<X509Certificate> chain) {
        return new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[] {"test"};
            }

            @Override
            public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
                return "test";
            }

            @Override
            public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
                return "test";
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return new String[] {"test"};
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return "test";
            }

            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                return "test";
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                return chain.toArray(X509Certificate[]::new);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                return key;
            }
        };
    }

    /** A raw JSSE client context with no certificate of its own, trusting {@code trusted}. */
    public static SSLContext anonymousClientContext(X509Certificate... trusted) {
        return jsseContext(new KeyManager[0], trusted);
    }

    private static SSLContext jsseContext(KeyManager[] keys, X509Certificate... trusted) {
        try {
            KeyStore anchors = KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            for (int i = 0; i < trusted.length; i++) {
                anchors.setCertificateEntry("ca" + i, trusted[i]);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
            trust.init(anchors);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code crls} to one PEM file. */
    public static Path writeCrls(Path file, java.security.cert.X509CRL... crls) {
        return writePem(file, (Object[]) crls);
    }

    /** Writes {@code certificates} to one PEM file, in the order given. */
    public static Path writeCertificates(Path file, X509Certificate... certificates) {
        return writePem(file, (Object[]) certificates);
    }

    static Path writePem(Path file, Object... objects) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (Object object : objects) {
                writer.writeObject(object);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, text.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file, e);
        }
    }
}
