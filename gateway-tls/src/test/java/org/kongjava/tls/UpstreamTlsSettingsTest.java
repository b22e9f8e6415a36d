package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kong.conf's upstream TLS keys as read at start: the bundle, depth, default, the global client certificate. */
class UpstreamTlsSettingsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreTheSystemStoreDepthOneNoVerificationNoClientCertificate() {
        UpstreamTlsSettings s = UpstreamTlsSettings.fromConf(Map.of());
        assertEquals(java.util.List.of("system"), s.trustedSources());
        assertTrue(s.trusted().size() > 10, "the JDK's cacerts holds the public CAs");
        assertEquals(1, s.verifyDepth());
        assertFalse(s.verifyDefault());
        assertNull(s.clientSsl());
    }

    @Test
    void bundleFilesAddToOrReplaceTheSystemStore() throws Exception {
        TestCerts.Issued ca = TestCerts.ca("Bundle CA");
        Path f = Files.writeString(dir.resolve("ca.pem"), ca.certPem());
        UpstreamTlsSettings only = UpstreamTlsSettings.fromConf(Map.of("lua_ssl_trusted_certificate", f.toString(),
                "lua_ssl_verify_depth", "4", "upstream_tls_verify_default", "on"));
        assertEquals(java.util.List.of(ca.cert()), only.trusted());
        assertEquals(4, only.verifyDepth());
        assertTrue(only.verifyDefault());
        UpstreamTlsSettings both = UpstreamTlsSettings.fromConf(Map.of("lua_ssl_trusted_certificate", "system, " + f));
        assertTrue(both.trusted().contains(ca.cert()) && both.trusted().size() > 1);
        assertEquals(java.util.List.of("system", f.toString()), both.trustedSources());
    }

    @Test
    void badFilesNameTheirKey() throws Exception {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> UpstreamTlsSettings.fromConf(Map.of("lua_ssl_trusted_certificate", dir.resolve("nope.pem").toString())));
        assertTrue(missing.getMessage().startsWith("lua_ssl_trusted_certificate: failed loading certificate from "),
                missing.getMessage());
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> UpstreamTlsSettings.fromConf(Map.of("lua_ssl_trusted_certificate", junk.toString())));
        assertTrue(bad.getMessage().startsWith("lua_ssl_trusted_certificate: " + junk), bad.getMessage());
    }

    @Test
    void clientSslLoadsTheGlobalClientCertificate() throws Exception {
        TestCerts.Issued client = TestCerts.selfSigned("gateway-client", true);
        Path cert = Files.writeString(dir.resolve("c.crt"), client.certPem());
        Path key = Files.writeString(dir.resolve("c.key"), client.keyPem());
        UpstreamTlsSettings s = UpstreamTlsSettings.fromConf(Map.of("client_ssl", "on",
                "client_ssl_cert", cert.toString(), "client_ssl_cert_key", key.toString()));
        assertNotNull(s.clientSsl());
        assertEquals(client.cert(), s.clientSsl().chain().get(0));
        // Off: the files are not even read.
        assertNull(UpstreamTlsSettings.fromConf(Map.of("client_ssl", "off", "client_ssl_cert", "/nope")).clientSsl());
        TestCerts.Issued other = TestCerts.selfSigned("other", true);
        Path otherKey = Files.writeString(dir.resolve("o.key"), other.keyPem());
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> UpstreamTlsSettings.fromConf(Map.of("client_ssl", "on", "client_ssl_cert", cert.toString(),
                        "client_ssl_cert_key", otherKey.toString())));
        assertEquals("client_ssl_cert: certificate does not match key", mismatch.getMessage());
    }
}
