package org.kongjava.admin;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.kongjava.tls.PemCodec;

/** Self-signed certificates generated per run (no key is committed). */
final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A certificate and its key, in PEM and parsed. */
    record Pair(X509Certificate cert, String certPem, String keyPem) {
        @Override
        public String toString() {
            return "Pair[" + cert.getSubjectX500Principal() + "]";
        }
    }

    private TestPki() {
    }

    static Pair selfSigned(String cn, boolean ec) {
        return selfSigned(cn, ec, Duration.ofDays(365));
    }

    static Pair selfSigned(String cn, boolean ec, Duration validity) {
        return selfSigned(cn, ec, validity, false);
    }

    /** A self-signed CA (basicConstraints CA:TRUE), EC. */
    static Pair ca(String cn) {
        return selfSigned(cn, true, Duration.ofDays(30), true);
    }

    static Pair selfSigned(String cn, boolean ec, Duration validity, boolean isCa) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(ec ? "EC" : "RSA");
            if (ec) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g.initialize(2048);
            }
            KeyPair kp = g.generateKeyPair();
            X500Name name = new X500Name("CN=" + cn);
            Instant now = Instant.now();
            var b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), name, kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(ec ? "SHA256withECDSA" : "SHA256withRSA").build(kp.getPrivate())));
            return new Pair(cert, PemCodec.encodeCertificates(List.of(cert)), PemCodec.encodePrivateKey(kp.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
