package org.kongjava.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.kongjava.config.model.Certificate;

/** Certificates generated per run with bcpkix; no key is ever committed. */
final class TestCerts {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A certificate with its key pair and PEM forms (key in PKCS#8). */
    record Issued(X509Certificate cert, KeyPair keys, String certPem, String keyPem) {
        PrivateKey key() {
            return keys.getPrivate();
        }

        @Override
        public String toString() {
            return "Issued[" + cert.getSubjectX500Principal() + "]";
        }
    }

    private TestCerts() {
    }

    static KeyPair keyPair(boolean ec) {
        try {
            KeyPairGenerator g;
            if (ec) {
                g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static Issued selfSigned(String cn, boolean ec) {
        return issue(cn, keyPair(ec), null, Duration.ofDays(365), false);
    }

    static Issued selfSigned(String cn, boolean ec, Duration validity) {
        return issue(cn, keyPair(ec), null, validity, false);
    }

    static Issued ca(String cn) {
        return issue(cn, keyPair(true), null, Duration.ofDays(365), true);
    }

    /** A CA valid for {@code validity} from 5 minutes ago (negative: already expired). */
    static Issued ca(String cn, Duration validity) {
        return issue(cn, keyPair(true), null, validity, true);
    }

    /** An intermediate CA signed by {@code issuer} (certPem: the intermediate only). */
    static Issued intermediate(String cn, Issued issuer) {
        return issue(cn, keyPair(true), issuer, Duration.ofDays(365), true);
    }

    /** A leaf for DNS name {@code cn} signed by {@code issuer}, valid for {@code validity}; certPem: the leaf only. */
    static Issued leaf(String cn, Issued issuer, Duration validity) {
        return issue(cn, keyPair(true), issuer, validity, false);
    }

    /** A leaf signed by {@code issuer}; certPem holds the leaf then the issuer (a chain). */
    static Issued signedBy(String cn, boolean ec, Issued issuer) {
        Issued leaf = issue(cn, keyPair(ec), issuer, Duration.ofDays(365), false);
        return new Issued(leaf.cert(), leaf.keys(), leaf.certPem() + issuer.certPem(), leaf.keyPem());
    }

    private static Issued issue(String cn, KeyPair kp, Issued issuer, Duration validity, boolean isCa) {
        try {
            X500Name subject = new X500Name("CN=" + cn);
            X500Name issuerName = issuer == null ? subject
                    : X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName,
                    new BigInteger(64, RANDOM), Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)),
                    subject, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            if (!isCa) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, cn)));
            }
            PrivateKey signer = issuer == null ? kp.getPrivate() : issuer.key();
            String alg = signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(signer)));
            return new Issued(cert, kp, PemCodec.encodeCertificates(List.of(cert)),
                    PemCodec.encodePrivateKey(kp.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    /** Traditional OpenSSL form: {@code RSA PRIVATE KEY} (PKCS#1) or {@code EC PRIVATE KEY} (SEC1). */
    static String traditional(KeyPair kp) {
        try {
            // Through BC's key classes: the JDK's EC encoding leaves the curve out of the inner SEC1 structure,
            // which OpenSSL would not write either.
            PrivateKey k = KeyFactory.getInstance(kp.getPrivate().getAlgorithm(), BC)
                    .generatePrivate(new PKCS8EncodedKeySpec(kp.getPrivate().getEncoded()));
            return pem(k);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Legacy encrypted PEM ({@code Proc-Type: 4,ENCRYPTED}). */
    static String encryptedTraditional(KeyPair kp) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(kp, new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BC).build("secret".toCharArray()));
        }
        return out.toString();
    }

    /** {@code ENCRYPTED PRIVATE KEY} (PKCS#8 with PBES2). */
    static String encryptedPkcs8(PrivateKey key) throws Exception {
        var enc = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                .setProvider(BC).setPassword("secret".toCharArray()).build();
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaPKCS8Generator(key, enc).generate());
        }
        return out.toString();
    }

    private static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    static Certificate entity(UUID id, Issued main, Issued alt) {
        return new Certificate(id, main.certPem(), main.keyPem(), alt == null ? null : alt.certPem(),
                alt == null ? null : alt.keyPem(), null, 0, 0);
    }

    static Certificate entity(Issued main) {
        return entity(UUID.randomUUID(), main, null);
    }

    static List<String> base64Lines(String pem) {
        List<String> out = new ArrayList<>();
        for (String line : pem.split("\n")) {
            if (!line.startsWith("-----") && line.length() > 20) {
                out.add(line.trim());
            }
        }
        return out;
    }
}
