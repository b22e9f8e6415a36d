package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.Certificate;

class ServerTlsContextsTest {
    static final TestCerts.Issued A = TestCerts.selfSigned("a.test", true);
    static final TestCerts.Issued B = TestCerts.selfSigned("b.test", true);

    @Test
    void unchangedCertificateIsNotRebuilt() throws Exception {
        ServerTlsContexts contexts = new ServerTlsContexts(TlsSettings.DEFAULT);
        UUID id = UUID.randomUUID();
        Certificate v1 = TestCerts.entity(id, A, null);
        SslContext first = contexts.forCertificate(v1, AlpnMode.HTTP1);
        // A new entity object with the same content (e.g. after an unrelated config change): same context.
        Certificate sameContent = new Certificate(id, A.certPem(), A.keyPem(), null, null, List.of("t"), 0, 9);
        assertSame(first, contexts.forCertificate(sameContent, AlpnMode.HTTP1));
        // Another ALPN mode is another context.
        assertNotSame(first, contexts.forCertificate(v1, AlpnMode.H2_AND_HTTP1));
        // New content under the same id: rebuilt, and the new one is cached.
        Certificate v2 = TestCerts.entity(id, B, null);
        SslContext second = contexts.forCertificate(v2, AlpnMode.HTTP1);
        assertNotSame(first, second);
        assertSame(second, contexts.forCertificate(v2, AlpnMode.HTTP1));
        assertEquals(2, contexts.cachedCount());

        contexts.retainOnly(List.of());
        assertEquals(0, contexts.cachedCount());
    }

    @Test
    void newContentIsCheckedForExpiryOnce() throws Exception {
        ServerTlsContexts contexts = new ServerTlsContexts(TlsSettings.DEFAULT);
        TestCerts.Issued soon = TestCerts.selfSigned("soon.test", true, java.time.Duration.ofDays(5));
        Certificate c = TestCerts.entity(UUID.randomUUID(), soon, null);
        try (LogCapture logs = new LogCapture(CertificateExpiry.class)) {
            contexts.forCertificate(c, AlpnMode.HTTP1);
            contexts.forCertificate(c, AlpnMode.H2_AND_HTTP1);
            contexts.forCertificate(c, AlpnMode.HTTP1);
            contexts.forCertificate(TestCerts.entity(A), AlpnMode.HTTP1); // far from expiry: silent
            var warns = logs.lines(ch.qos.logback.classic.Level.WARN);
            assertEquals(1, warns.size(), warns.toString());
            assertTrue(warns.get(0).startsWith("certificate " + c.id() + " (CN=soon.test) expires in 4 day(s)"),
                    warns.get(0));
        }
    }

    @Test
    void invalidEntityIsReportedNotCached() {
        ServerTlsContexts contexts = new ServerTlsContexts(TlsSettings.DEFAULT);
        Certificate bad = new Certificate(UUID.randomUUID(), A.certPem(), B.keyPem(), null, null, null, 0, 0);
        PemException e = assertThrows(PemException.class, () -> contexts.forCertificate(bad, AlpnMode.HTTP1));
        assertEquals("certificate does not match key", e.getMessage());
        assertEquals(0, contexts.cachedCount());
    }

    @Test
    void settingsReachTheContext() throws Exception {
        ServerTlsContexts contexts = new ServerTlsContexts(TlsSettings.fromConf(Map.of(
                "ssl_session_timeout", "5m", "ssl_session_cache_size", "1m")));
        SslContext ctx = contexts.build(ServerKeyMaterial.of(List.of(A.cert()), A.key()), AlpnMode.HTTP1);
        assertEquals(300, ctx.sessionTimeout());
        assertEquals(4096, ctx.sessionCacheSize());
        assertTrue(ctx.cipherSuites().contains("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), ctx.cipherSuites().toString());
        assertTrue(ctx.cipherSuites().stream().noneMatch(c -> c.contains("CBC")), ctx.cipherSuites().toString());
    }
}
