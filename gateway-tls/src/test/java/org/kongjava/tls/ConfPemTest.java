package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfPemTest {
    static final TestCerts.Issued C = TestCerts.selfSigned("conf.test", true);

    @TempDir
    Path dir;

    @Test
    void pemBase64AndFiles() throws Exception {
        ConfPem inline = ConfPem.parse(C.certPem());
        assertFalse(inline.isFile());
        assertEquals(C.cert(), PemCodec.parseCertificates(inline.read("ssl_cert")).get(0));

        String b64 = Base64.getEncoder().encodeToString(C.keyPem().getBytes(StandardCharsets.US_ASCII));
        ConfPem decoded = ConfPem.parse(b64);
        assertFalse(decoded.isFile());
        assertEquals("ConfPem[inline PEM]", decoded.toString()); // never the key
        assertTrue(PemCodec.keyMatchesCertificate(C.cert(), PemCodec.parsePrivateKey(decoded.read("ssl_cert_key"))));

        Path f = dir.resolve("c.crt");
        Files.writeString(f, C.certPem());
        ConfPem file = ConfPem.parse(f.toString());
        assertTrue(file.isFile());
        assertEquals(C.certPem(), file.read("ssl_cert"));

        ConfPem missing = ConfPem.parse(dir.resolve("nope.key").toString());
        assertTrue(missing.isFile());
        IOException e = assertThrows(IOException.class, () -> missing.read("admin_ssl_cert_key"));
        assertTrue(e.getMessage().startsWith("admin_ssl_cert_key: failed loading key from " + dir.resolve("nope.key")),
                e.getMessage());
    }
}
