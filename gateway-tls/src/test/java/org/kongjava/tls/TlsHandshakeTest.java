package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Mapping;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kongjava.config.model.Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Real handshakes on 127.0.0.1 with a JDK client: certificate by SNI, ALPN, RSA+ECDSA by client capability. */
class TlsHandshakeTest {
    private static final Logger log = LoggerFactory.getLogger(TlsHandshakeTest.class);

    static final TestCerts.Issued DEFAULT = TestCerts.selfSigned("default.test", true);
    static final TestCerts.Issued EXACT = TestCerts.selfSigned("api.example.com", true);
    static final TestCerts.Issued PREFIX = TestCerts.selfSigned("wild-prefix.example.com", true);
    static final TestCerts.Issued SUFFIX = TestCerts.selfSigned("wild-suffix.example", true);
    static final TestCerts.Issued STAR = TestCerts.selfSigned("star.test", true);
    static final TestCerts.Issued RSA = TestCerts.selfSigned("dual.test", false);
    static final TestCerts.Issued EC = TestCerts.selfSigned("dual.test", true);

    private static Mapping<String, SslContext> index(ServerTlsContexts contexts, AlpnMode alpn) throws Exception {
        Certificate dual = TestCerts.entity(UUID.randomUUID(), RSA, EC);
        Map<String, SslContext> names = Map.of(
                "api.example.com", contexts.forCertificate(TestCerts.entity(EXACT), alpn),
                "*.example.com", contexts.forCertificate(TestCerts.entity(PREFIX), alpn),
                "www.example.*", contexts.forCertificate(TestCerts.entity(SUFFIX), alpn),
                "*", contexts.forCertificate(TestCerts.entity(STAR), alpn),
                "dual.test", contexts.forCertificate(dual, alpn));
        return byName(names, contexts.build(ServerKeyMaterial.of(List.of(DEFAULT.cert()), DEFAULT.key()), alpn));
    }

    /**
     * Kong's SNI lookup order, just enough for these handshakes (the gateway's own selection is core's
     * SniSelector): exact name, {@code *.rest}, {@code head.*}, {@code *}, else the listener's default; no SNI
     * gets the listener's default.
     */
    private static Mapping<String, SslContext> byName(Map<String, SslContext> names, SslContext listenerDefault) {
        return host -> {
            if (host == null || host.isEmpty()) {
                return listenerDefault;
            }
            String h = host.toLowerCase(Locale.ROOT);
            int first = h.indexOf('.');
            int last = h.lastIndexOf('.');
            List<String> probes = new ArrayList<>(List.of(h));
            if (first > 0 && first != last) {
                probes.add("*" + h.substring(first));
            }
            if (last > 0) {
                probes.add(h.substring(0, last + 1) + "*");
            }
            probes.add("*");
            for (String p : probes) {
                SslContext c = names.get(p);
                if (c != null) {
                    return c;
                }
            }
            return listenerDefault;
        };
    }

    private static Mapping<String, SslContext> only(SslContext ctx) {
        return host -> ctx;
    }

    private static ServerTlsContexts contexts(SslProvider provider) {
        if (provider == SslProvider.OPENSSL) {
            assumeTrue(ServerTlsContexts.openSslAvailable(), "netty-tcnative not loadable here");
        }
        return new ServerTlsContexts(TlsSettings.DEFAULT, provider);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void servesTheCertificateChosenBySni(SslProvider provider) throws Exception {
        ServerTlsContexts contexts = contexts(provider);
        try (TlsTestServer server = new TlsTestServer(index(contexts, AlpnMode.HTTP1))) {
            assertServed(server, "api.example.com", EXACT);
            assertServed(server, "API.Example.COM", EXACT);
            assertServed(server, "other.example.com", PREFIX);
            assertServed(server, "www.example.org", SUFFIX);
            assertServed(server, "unknown.test", STAR);
            assertServed(server, null, DEFAULT); // no SNI: the listener's default, not the '*' SNI
        }
    }

    private static void assertServed(TlsTestServer server, String sni, TestCerts.Issued expected) throws Exception {
        TlsTestServer.Result r = server.handshake(TlsTestServer.Client.sni(sni));
        assertEquals(expected.cert(), r.peer(), "SNI " + sni + " got " + r.peer().getSubjectX500Principal());
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void alpnOffersH2OnlyWhenHttp2IsOn(SslProvider provider) throws Exception {
        ServerTlsContexts contexts = contexts(provider);
        try (TlsTestServer h2 = new TlsTestServer(index(contexts, AlpnMode.H2_AND_HTTP1));
             TlsTestServer h1 = new TlsTestServer(index(contexts, AlpnMode.HTTP1))) {
            assertEquals("h2", h2.handshake(TlsTestServer.Client.sni("api.example.com").alpn("h2", "http/1.1")).alpn());
            assertEquals("http/1.1", h2.handshake(TlsTestServer.Client.sni("api.example.com").alpn("http/1.1")).alpn());
            assertEquals("http/1.1", h1.handshake(TlsTestServer.Client.sni("api.example.com").alpn("h2", "http/1.1")).alpn());
            // The dual certificate's context also carries ALPN.
            assertEquals("h2", h2.handshake(TlsTestServer.Client.sni("dual.test").alpn("h2")).alpn());
        }
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void dualCertificateFollowsWhatTheClientCanVerify(SslProvider provider) throws Exception {
        ServerTlsContexts contexts = contexts(provider);
        try (TlsTestServer server = new TlsTestServer(index(contexts, AlpnMode.HTTP1))) {
            TlsTestServer.Client dual = TlsTestServer.Client.sni("dual.test");
            // TLS 1.2: the cipher suite names the signature algorithm.
            var ec12 = server.handshake(dual.protocols("TLSv1.2").ciphers("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
            assertEquals(EC.cert(), ec12.peer());
            var rsa12 = server.handshake(dual.protocols("TLSv1.2").ciphers("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
            assertEquals(RSA.cert(), rsa12.peer());
            // TLS 1.3: the signature_algorithms extension decides.
            var ec13 = server.handshake(dual.protocols("TLSv1.3").signatureSchemes("ecdsa_secp256r1_sha256"));
            assertEquals("TLSv1.3", ec13.protocol());
            assertEquals(EC.cert(), ec13.peer());
            // rsa_pkcs1_sha256 lets the client accept the certificate's own signature; TLS 1.3 handshakes use PSS.
            var rsa13 = server.handshake(dual.protocols("TLSv1.3").signatureSchemes("rsa_pss_rsae_sha256",
                    "rsa_pkcs1_sha256"));
            assertEquals(RSA.cert(), rsa13.peer());
            // A client that can verify both gets ECDSA (cheaper handshakes), as with nginx and two certificates.
            assertEquals(EC.cert(), server.handshake(dual).peer());
            assertEquals(EC.cert(), server.handshake(dual.protocols("TLSv1.2")).peer());
            log.info("{}: dual certificate handshakes ok ({}, {})", provider, ec13.cipher(), rsa12.cipher());
        }
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void preferServerCiphersDecidesWhoseOrderWins(SslProvider provider) throws Exception {
        if (provider == SslProvider.OPENSSL) {
            assumeTrue(ServerTlsContexts.openSslAvailable());
        }
        // Server order (intermediate): AES128-GCM before AES256-GCM. The client asks for AES256 first.
        TlsTestServer.Client client = TlsTestServer.Client.sni("x.test").protocols("TLSv1.2").ciphers(
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        ServerKeyMaterial m = ServerKeyMaterial.of(List.of(DEFAULT.cert()), DEFAULT.key());
        ServerTlsContexts clientOrder = new ServerTlsContexts(TlsSettings.DEFAULT, provider); // prefer off
        ServerTlsContexts serverOrder = new ServerTlsContexts(TlsSettings.fromConf(java.util.Map.of(
                "ssl_cipher_suite", "custom", "ssl_ciphers",
                "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384", "ssl_prefer_server_ciphers", "on")),
                provider);
        try (TlsTestServer off = new TlsTestServer(only(clientOrder.build(m, AlpnMode.HTTP1)));
             TlsTestServer on = new TlsTestServer(only(serverOrder.build(m, AlpnMode.HTTP1)))) {
            assertEquals("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", off.handshake(client).cipher());
            assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", on.handshake(client).cipher());
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @org.junit.jupiter.params.provider.CsvSource({
            "modern, OPENSSL, TLSv1.3", "modern, JDK, TLSv1.3",
            "intermediate, OPENSSL, TLSv1.3", "intermediate, JDK, TLSv1.3",
            "old, OPENSSL, TLSv1.3", "old, JDK, TLSv1.3",
            "fips, OPENSSL, TLSv1.2", "fips, JDK, TLSv1.2"})
    void everyPresetBuildsAndNegotiates(String suite, SslProvider provider, String expectedProtocol) throws Exception {
        if (provider == SslProvider.OPENSSL) {
            assumeTrue(ServerTlsContexts.openSslAvailable());
        }
        ServerTlsContexts contexts = new ServerTlsContexts(
                TlsSettings.fromConf(java.util.Map.of("ssl_cipher_suite", suite)), provider);
        ServerKeyMaterial rsa = ServerKeyMaterial.of(List.of(RSA.cert()), RSA.key());
        try (TlsTestServer server = new TlsTestServer(
                only(contexts.build(rsa, AlpnMode.H2_AND_HTTP1)))) {
            TlsTestServer.Result r = server.handshake(TlsTestServer.Client.sni("x.test").alpn("h2"));
            assertEquals(expectedProtocol, r.protocol());
            assertEquals("h2", r.alpn());
            if (suite.equals("modern")) {
                // A TLS 1.2-only client is turned away.
                org.junit.jupiter.api.Assertions.assertThrows(javax.net.ssl.SSLException.class,
                        () -> server.handshake(TlsTestServer.Client.sni("x.test").protocols("TLSv1.2")));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void openSslProviderIsInUseOnThisMachine() throws Exception {
        assertTrue(ServerTlsContexts.openSslAvailable(),
                "netty-tcnative-boringssl-static should load on linux-x86_64: "
                        + io.netty.handler.ssl.OpenSsl.unavailabilityCause());
        ServerTlsContexts contexts = new ServerTlsContexts(TlsSettings.DEFAULT);
        assertEquals(SslProvider.OPENSSL, contexts.provider());
        SslContext ctx = contexts.build(ServerKeyMaterial.of(List.of(DEFAULT.cert()), DEFAULT.key()), AlpnMode.HTTP1);
        javax.net.ssl.SSLEngine engine = ctx.newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
        try {
            assertTrue(engine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine, engine.getClass().getName());
            log.info("OpenSSL provider in use: {} (engine {})", io.netty.handler.ssl.OpenSsl.versionString(),
                    engine.getClass().getSimpleName());
        } finally {
            io.netty.util.ReferenceCountUtil.release(engine);
        }
    }
}
