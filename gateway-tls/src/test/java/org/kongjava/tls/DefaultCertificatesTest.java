package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultCertificatesTest {
    @TempDir
    Path prefix;

    @Test
    void generatesKongsPairsOnceAndReusesThem() throws Exception {
        ServerKeyMaterial first = DefaultCertificates.ensure(prefix, DefaultCertificates.Target.PROXY);
        DefaultCertificates.Paths p = DefaultCertificates.Paths.of(prefix, DefaultCertificates.Target.PROXY);
        assertEquals(prefix.resolve("ssl/kong-default.crt"), p.rsaCert());
        assertEquals(prefix.resolve("ssl/kong-default-ecdsa.key"), p.ecdsaKey());
        for (Path f : List.of(p.rsaCert(), p.rsaKey(), p.ecdsaCert(), p.ecdsaKey())) {
            assertTrue(Files.isRegularFile(f), f.toString());
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.rsaKey())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.ecdsaKey())));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(p.rsaCert())));
        try (var s = Files.list(p.rsaCert().getParent())) {
            assertEquals(4, s.count(), "no temp files left behind");
        }

        X509Certificate rsa = first.leaf();
        assertEquals(2048, ((RSAPublicKey) rsa.getPublicKey()).getModulus().bitLength());
        assertTrue(rsa.getSubjectX500Principal().getName().contains("CN=localhost"));
        assertEquals(rsa.getSubjectX500Principal(), rsa.getIssuerX500Principal());
        assertEquals(-1, rsa.getBasicConstraints()); // not a CA
        assertTrue(rsa.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1")); // serverAuth
        Duration validity = Duration.between(rsa.getNotBefore().toInstant(), rsa.getNotAfter().toInstant());
        assertEquals(20 * 365, validity.toDays());
        X509Certificate ec = first.altChain().get(0);
        assertEquals("secp256r1", curveName((ECPublicKey) ec.getPublicKey()));
        assertTrue(first.hasAlt());

        // Second start: same files, same certificates.
        byte[] before = Files.readAllBytes(p.rsaKey());
        var mtime = Files.getLastModifiedTime(p.ecdsaCert());
        ServerKeyMaterial second = DefaultCertificates.ensure(prefix, DefaultCertificates.Target.PROXY);
        assertEquals(first.leaf(), second.leaf());
        assertEquals(first.altChain(), second.altChain());
        assertArrayEquals(before, Files.readAllBytes(p.rsaKey()));
        assertEquals(mtime, Files.getLastModifiedTime(p.ecdsaCert()));
        assertFalse(CertificateExpiry.daysUntilExpiry(rsa, Instant.now()) < 365);
    }

    private static String curveName(ECPublicKey k) {
        // The JDK names P-256 "secp256r1 [NIST P-256,X9.62 prime256v1] (1.2.840.10045.3.1.7)".
        return k.getParams().toString().split(" ")[0];
    }

    @Test
    void adminHasItsOwnFiles() throws Exception {
        ServerKeyMaterial proxy = DefaultCertificates.ensure(prefix, DefaultCertificates.Target.PROXY);
        ServerKeyMaterial admin = DefaultCertificates.ensure(prefix, DefaultCertificates.Target.ADMIN);
        assertTrue(Files.exists(prefix.resolve("ssl/admin-kong-default.crt")));
        assertTrue(Files.exists(prefix.resolve("ssl/admin-kong-default-ecdsa.key")));
        assertFalse(proxy.leaf().equals(admin.leaf()));
    }

    @Test
    void halfAPairIsAnErrorNotASilentRegeneration() throws Exception {
        DefaultCertificates.ensure(prefix, DefaultCertificates.Target.PROXY);
        Path key = prefix.resolve("ssl/kong-default.key");
        Files.delete(key);
        IOException e = assertThrows(IOException.class,
                () -> DefaultCertificates.ensure(prefix, DefaultCertificates.Target.PROXY));
        assertTrue(e.getMessage().contains("kong-default.crt exists but") && e.getMessage().contains(key.toString()),
                e.getMessage());
    }

    @Test
    void aCorruptFileIsNamed() throws Exception {
        DefaultCertificates.ensure(prefix, DefaultCertificates.Target.STATUS);
        Files.writeString(prefix.resolve("ssl/status-kong-default-ecdsa.key"), "garbage");
        IOException e = assertThrows(IOException.class,
                () -> DefaultCertificates.ensure(prefix, DefaultCertificates.Target.STATUS));
        assertTrue(e.getMessage().contains("key_alt: invalid key"), e.getMessage());
        assertTrue(e.getMessage().contains("status-kong-default"), e.getMessage());
    }
}
