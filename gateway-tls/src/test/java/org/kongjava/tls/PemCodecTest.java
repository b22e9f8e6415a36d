package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class PemCodecTest {
    static final TestCerts.Issued RSA = TestCerts.selfSigned("rsa.test", false);
    static final TestCerts.Issued EC = TestCerts.selfSigned("ec.test", true);
    static final TestCerts.Issued EC2 = TestCerts.selfSigned("ec2.test", true);

    @Test
    void parsesPkcs8Pkcs1AndSec1Keys() throws Exception {
        assertEquals("RSA", PemCodec.parsePrivateKey(RSA.keyPem()).getAlgorithm());
        assertTrue(RSA.keyPem().contains("BEGIN PRIVATE KEY"));

        String pkcs1 = TestCerts.traditional(RSA.keys());
        assertTrue(pkcs1.contains("BEGIN RSA PRIVATE KEY"), pkcs1.substring(0, 40));
        PrivateKey k1 = PemCodec.parsePrivateKey(pkcs1);
        assertTrue(PemCodec.keyMatchesCertificate(RSA.cert(), k1));

        String sec1 = TestCerts.traditional(EC.keys());
        assertTrue(sec1.contains("BEGIN EC PRIVATE KEY"));
        assertTrue(PemCodec.keyMatchesCertificate(EC.cert(), PemCodec.parsePrivateKey(sec1)));

        // `openssl ecparam -genkey` writes an EC PARAMETERS block first.
        String withParams = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + sec1;
        assertTrue(PemCodec.keyMatchesCertificate(EC.cert(), PemCodec.parsePrivateKey(withParams)));

        // A combined file (certificate then key) works for both readers.
        String combined = EC.certPem() + EC.keyPem();
        assertEquals(EC.cert(), PemCodec.parseCertificates(combined).get(0));
        assertTrue(PemCodec.keyMatchesCertificate(EC.cert(), PemCodec.parsePrivateKey(combined)));
    }

    @Test
    void encryptedKeysAreRefusedWithAClearMessage() throws Exception {
        for (String pem : List.of(TestCerts.encryptedPkcs8(RSA.key()), TestCerts.encryptedTraditional(EC.keys()))) {
            Optional<String> err = PemCodec.validateKey(pem);
            assertTrue(err.isPresent());
            assertTrue(err.get().startsWith("invalid key: encrypted private keys are not supported"), err.get());
        }
    }

    @Test
    void validationMessagesFollowKong() {
        assertEquals(Optional.empty(), PemCodec.validateCertificate(RSA.certPem()));
        assertEquals(Optional.empty(), PemCodec.validateKey(RSA.keyPem()));

        String noCert = PemCodec.validateCertificate("hello").orElseThrow();
        assertTrue(noCert.startsWith("invalid certificate: no PEM certificate found"), noCert);

        String badBody = PemCodec.validateCertificate(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").orElseThrow();
        assertTrue(badBody.startsWith("invalid certificate: could not parse PEM certificate"), badBody);

        assertTrue(PemCodec.validateKey(null).orElseThrow().startsWith("invalid key: no PEM private key found"));
        // A certificate is not a key.
        assertTrue(PemCodec.validateKey(RSA.certPem()).orElseThrow().startsWith("invalid key: no PEM private key"));
    }

    @Test
    void malformedKeyMessageDoesNotQuoteTheKey() {
        String pem = RSA.keyPem();
        List<String> lines = TestCerts.base64Lines(pem);
        // Corrupt the DER inside a real key: truncate the body.
        String broken = "-----BEGIN PRIVATE KEY-----\n" + lines.get(0) + "\n" + lines.get(1)
                + "\n-----END PRIVATE KEY-----\n";
        PemException e = assertThrows(PemException.class, () -> PemCodec.parsePrivateKey(broken));
        assertNull(e.getCause(), "no cause: a library message might quote the key");
        for (String line : lines) {
            assertFalse(e.getMessage().contains(line.substring(0, 16)), e.getMessage());
        }
        String msg = PemCodec.validateKey(broken).orElseThrow();
        assertTrue(msg.startsWith("invalid key: "), msg);
    }

    @Test
    void keyMismatchAndEntityChecks() {
        assertFalse(PemCodec.keyMatchesCertificate(EC.cert(), EC2.key()));
        assertFalse(PemCodec.keyMatchesCertificate(RSA.cert(), EC.key()));
        assertFalse(PemCodec.keyMatchesCertificate(EC.cert(), RSA.key()));
        assertTrue(PemCodec.keyMatchesCertificate(EC2.cert(), EC2.key()));

        assertEquals(List.of(), PemCodec.checkCertificateEntity(RSA.certPem(), RSA.keyPem(), EC.certPem(), EC.keyPem()));
        assertEquals(List.of("certificate does not match key"),
                PemCodec.checkCertificateEntity(EC.certPem(), EC2.keyPem(), null, null));
        assertEquals(List.of("alternative certificate does not match key"),
                PemCodec.checkCertificateEntity(RSA.certPem(), RSA.keyPem(), EC.certPem(), EC2.keyPem()));
        assertEquals(List.of("certificate and alternative certificate need to have different type (e.g. RSA and "
                        + "ECDSA), the provided certificates were both of the same type"),
                PemCodec.checkCertificateEntity(EC.certPem(), EC.keyPem(), EC2.certPem(), EC2.keyPem()));
        assertEquals(List.of("all or none of these fields must be set: 'cert_alt', 'key_alt'"),
                PemCodec.checkCertificateEntity(RSA.certPem(), RSA.keyPem(), EC.certPem(), null));
    }

    @Test
    void caCertificateChecks() {
        TestCerts.Issued ca = TestCerts.ca("Check CA");
        Instant now = Instant.now();
        assertEquals(Optional.empty(), PemCodec.checkCaCertificate(ca.certPem(), now));
        assertEquals(Optional.of("please submit only one certificate at a time"),
                PemCodec.checkCaCertificate(ca.certPem() + RSA.certPem(), now));
        assertEquals(Optional.of("certificate expired, \"Not After\" time is in the past"),
                PemCodec.checkCaCertificate(ca.certPem(), now.plus(Duration.ofDays(400))));
        assertEquals(Optional.of("certificate does not appear to be a CA because it is missing the \"CA\" basic "
                + "constraint"), PemCodec.checkCaCertificate(RSA.certPem(), now));
    }

    @Test
    void keyTypes() {
        assertEquals(PemCodec.KeyType.RSA, PemCodec.KeyType.of(RSA.cert().getPublicKey()));
        assertEquals(PemCodec.KeyType.EC, PemCodec.KeyType.of(EC.key()));
    }

    @Test
    void chainsCaFlagExpiryAndDigest() throws Exception {
        TestCerts.Issued ca = TestCerts.ca("Test CA");
        TestCerts.Issued leaf = TestCerts.signedBy("leaf.test", false, ca);
        List<X509Certificate> chain = PemCodec.parseCertificates(leaf.certPem());
        assertEquals(2, chain.size());
        assertEquals(leaf.cert(), chain.get(0));
        assertEquals(ca.cert(), chain.get(1));
        assertTrue(PemCodec.isCa(chain.get(1)));
        assertFalse(PemCodec.isCa(chain.get(0)));

        assertFalse(PemCodec.isExpired(leaf.cert(), Instant.now()));
        assertTrue(PemCodec.isExpired(leaf.cert(), Instant.now().plus(Duration.ofDays(400))));
        String d = PemCodec.sha256Hex(ca.cert());
        assertTrue(d.matches("[0-9a-f]{64}"), d);
        // Round trip through our own encoder.
        assertEquals(chain, PemCodec.parseCertificates(PemCodec.encodeCertificates(chain)));
    }

    @Test
    void keyMaterialValidatesAndHidesKeys() throws Exception {
        ServerKeyMaterial m = ServerKeyMaterial.fromPem(RSA.certPem(), RSA.keyPem(), EC.certPem(), EC.keyPem());
        assertTrue(m.hasAlt());
        assertEquals(2, m.leaves().size());
        String s = m.toString();
        assertTrue(s.contains("RSA") && s.contains("EC"), s);
        assertFalse(s.toLowerCase().contains("exponent") || s.contains("modulus"), s);

        PemException e = assertThrows(PemException.class,
                () -> ServerKeyMaterial.fromPem(RSA.certPem(), EC.keyPem(), null, null));
        assertEquals("certificate does not match key", e.getMessage());
        e = assertThrows(PemException.class, () -> ServerKeyMaterial.fromPem(RSA.certPem(), "junk", null, null));
        assertTrue(e.getMessage().startsWith("key: invalid key: no PEM private key found"), e.getMessage());
        e = assertThrows(PemException.class,
                () -> ServerKeyMaterial.fromPemPairs(List.of(RSA.certPem()), List.of(RSA.keyPem(), EC.keyPem())));
        assertEquals("ssl_cert was specified 1 times while ssl_cert_key was specified 2 times", e.getMessage());
    }
}
