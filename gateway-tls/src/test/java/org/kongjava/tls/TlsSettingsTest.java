package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TlsSettingsTest {
    @Test
    void intermediateIsTheDefault() {
        TlsSettings s = TlsSettings.DEFAULT;
        assertEquals("intermediate", s.suite());
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), s.protocols());
        assertFalse(s.preferServerCiphers());
        assertTrue(s.sessionTickets());
        assertEquals(Duration.ofDays(1), s.sessionTimeout());
        assertEquals(40_960, s.sessionCacheSize());
        assertEquals("ffdhe2048", s.dhparam());
        // Kong's nine TLS 1.2 suites, in Kong's order, after the TLS 1.3 ones.
        assertEquals(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"), s.ciphers());
    }

    @Test
    void presets() {
        TlsSettings modern = TlsSettings.fromConf(Map.of("ssl_cipher_suite", "modern"));
        assertEquals(List.of("TLSv1.3"), modern.protocols());
        assertEquals(TlsSettings.TLS13, modern.ciphers());

        TlsSettings old = TlsSettings.fromConf(Map.of("ssl_cipher_suite", "old"));
        assertEquals(List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"), old.protocols());
        assertTrue(old.preferServerCiphers());
        assertEquals("TLS_RSA_WITH_3DES_EDE_CBC_SHA", old.ciphers().get(old.ciphers().size() - 1));
        assertEquals(3 + 9 + 17, old.ciphers().size());

        TlsSettings fips = TlsSettings.fromConf(Map.of("ssl_cipher_suite", "fips"));
        assertEquals(List.of("TLSv1.2"), fips.protocols());
        assertTrue(fips.ciphers().stream().allMatch(c -> c.contains("AES")), fips.ciphers().toString());
        assertTrue(fips.preferServerCiphers());
    }

    @Test
    void protocolsAndCiphersCountOnlyForCustom() {
        Map<String, String> conf = Map.of("ssl_protocols", "TLSv1.3", "ssl_ciphers", "AES128-SHA",
                "ssl_prefer_server_ciphers", "off");
        TlsSettings intermediate = TlsSettings.fromConf(conf);
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), intermediate.protocols());

        TlsSettings custom = TlsSettings.fromConf(Map.of("ssl_cipher_suite", "custom", "ssl_protocols", "TLSv1.2",
                "ssl_ciphers", "ECDHE-RSA-AES256-GCM-SHA384:TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:!aNULL",
                "ssl_prefer_server_ciphers", "off"));
        assertEquals(List.of("TLSv1.2"), custom.protocols());
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
                custom.ciphers());
        assertFalse(custom.preferServerCiphers());

        TlsSettings customDefaults = TlsSettings.fromConf(Map.of("ssl_cipher_suite", "custom"));
        assertNull(customDefaults.ciphers()); // provider defaults
        assertTrue(customDefaults.preferServerCiphers()); // Kong's default 'on'
    }

    @Test
    void errorsNameTheValue() {
        assertEquals("Undefined cipher suite strong", assertThrows(IllegalArgumentException.class,
                () -> TlsSettings.fromConf(Map.of("ssl_cipher_suite", "strong"))).getMessage());
        String m = assertThrows(IllegalArgumentException.class, () -> TlsSettings.fromConf(
                Map.of("ssl_cipher_suite", "custom", "ssl_protocols", "TLSv1.2 TLSv2"))).getMessage();
        assertTrue(m.startsWith("ssl_protocols: invalid entry 'TLSv2'"), m);
        m = assertThrows(IllegalArgumentException.class, () -> TlsSettings.fromConf(
                Map.of("ssl_cipher_suite", "custom", "ssl_ciphers", "HIGH:!aNULL"))).getMessage();
        assertTrue(m.startsWith("ssl_ciphers: unsupported entry 'HIGH'"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> TlsSettings.fromConf(Map.of("ssl_session_timeout", "1 day"))).getMessage();
        assertTrue(m.startsWith("ssl_session_timeout: invalid time '1 day'"), m);
    }

    @Test
    void nginxTimesAndSizes() {
        assertEquals(Duration.ofSeconds(300), TlsSettings.parseNginxTime("k", "300"));
        assertEquals(Duration.ofMinutes(90), TlsSettings.parseNginxTime("k", "1h30m"));
        assertEquals(Duration.ofMinutes(90), TlsSettings.parseNginxTime("k", "1h 30m"));
        assertEquals(Duration.ofMillis(500), TlsSettings.parseNginxTime("k", "500ms"));
        assertEquals(10L << 20, TlsSettings.parseNginxSize("k", "10m"));
        assertEquals(512L << 10, TlsSettings.parseNginxSize("k", "512K"));
        assertFalse(TlsSettings.fromConf(Map.of("ssl_session_tickets", "yes")).sessionTickets()); // only "on"
    }
}
