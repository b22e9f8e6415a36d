package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kongjava.config.model.Sni;

class SniCertificateIndexTest {
    // One distinct context per certificate id; which context came back tells which SNI won.
    static final Map<String, UUID> CERT_OF = new HashMap<>();
    static final Map<UUID, SslContext> CONTEXTS = new HashMap<>();
    static SslContext listenerDefault;

    @BeforeAll
    static void contexts() throws Exception {
        TestCerts.Issued c = TestCerts.selfSigned("index.test", true);
        ServerTlsContexts contexts = new ServerTlsContexts(TlsSettings.DEFAULT);
        ServerKeyMaterial m = ServerKeyMaterial.of(List.of(c.cert()), c.key());
        for (String label : List.of("exact", "prefix", "suffix", "star", "other")) {
            UUID id = UUID.randomUUID();
            CERT_OF.put(label, id);
            CONTEXTS.put(id, contexts.build(m, AlpnMode.HTTP1));
        }
        listenerDefault = contexts.build(m, AlpnMode.HTTP1);
    }

    private static Sni sni(String name, String cert) {
        return new Sni(UUID.randomUUID(), name, CERT_OF.get(cert), null, 0, 0);
    }

    private static SniCertificateIndex index(List<Sni> snis) {
        return SniCertificateIndex.build(snis, CONTEXTS::get, listenerDefault);
    }

    private static List<Sni> all() {
        return List.of(
            sni("a.example.com", "exact"), sni("*.example.com", "prefix"), sni("a.example.*", "suffix"),
            sni("*", "star"), sni("b.example.*", "other"));
    }

    private static String winner(SniCertificateIndex idx, String host) {
        SniCertificateIndex.Selection s = idx.select(host);
        if (s.isListenerDefault()) {
            assertSame(listenerDefault, s.context());
            return "default";
        }
        assertSame(CONTEXTS.get(s.certificateId()), s.context());
        for (var e : CERT_OF.entrySet()) {
            if (e.getValue().equals(s.certificateId())) {
                return e.getKey();
            }
        }
        throw new AssertionError("unknown certificate " + s.certificateId());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "a.example.com, exact",
            "A.EXAMPLE.COM, exact",       // case-insensitive
            "x.example.com, prefix",      // *.example.com
            "a.example.org, suffix",      // a.example.*
            "b.example.net, other",
            "x.y.example.com, star",      // a certificate wildcard covers one label only
            "example.com, star",          // two labels: no *.com probe
            "localhost, star",
    })
    void precedenceWithEveryLevelPresent(String host, String expected) {
        assertEquals(expected, winner(index(all()), host));
    }

    @Test
    void eachLevelWinsOverTheNextOne() {
        // Remove the winner level by level: exact > prefix wildcard > suffix wildcard > '*' > listener default.
        List<Sni> snis = new ArrayList<>(List.of(
                sni("a.example.com", "exact"), sni("*.example.com", "prefix"), sni("a.example.*", "suffix"),
                sni("*", "star")));
        List<String> order = new ArrayList<>();
        while (true) {
            String w = winner(index(snis), "a.example.com");
            order.add(w);
            if (w.equals("default")) {
                break;
            }
            snis.removeIf(s -> s.certificateId().equals(CERT_OF.get(w)));
        }
        assertEquals(List.of("exact", "prefix", "suffix", "star", "default"), order);
    }

    @Test
    void noSniGetsTheListenerDefaultEvenWithAStarSni() {
        SniCertificateIndex idx = index(all());
        assertEquals("default", winner(idx, null));
        assertEquals("default", winner(idx, ""));
        assertSame(listenerDefault, idx.map(null));
    }

    @Test
    void storedNamesAreCaseInsensitiveToo() {
        assertEquals("exact", winner(index(List.of(sni("API.Example.COM", "exact"))), "api.example.com"));
    }

    @Test
    void sniWithoutAContextIsLeftOutAndOthersStillWork() {
        Sni dangling = new Sni(UUID.randomUUID(), "gone.test", UUID.randomUUID(), null, 0, 0);
        SniCertificateIndex idx = index(List.of(dangling, sni("ok.test", "exact")));
        assertEquals(1, idx.size());
        assertEquals("default", winner(idx, "gone.test"));
        assertEquals("exact", winner(idx, "ok.test"));
    }

    @Test
    void withDefaultKeepsEntries() {
        SniCertificateIndex idx = index(all());
        SslContext other = CONTEXTS.get(CERT_OF.get("other"));
        SniCertificateIndex admin = idx.withDefault(other);
        assertSame(other, admin.map(null));
        assertEquals("exact", winner(admin, "a.example.com"));
        assertTrue(SniCertificateIndex.defaultOnly(listenerDefault).map("a.example.com") == listenerDefault);
    }

    @Test
    void wildcardCandidates() {
        assertEquals("*.b.c", SniCertificateIndex.wildcardPrefix("a.b.c"));
        assertNull(SniCertificateIndex.wildcardPrefix("b.c"));
        assertEquals("a.b.*", SniCertificateIndex.wildcardSuffix("a.b.c"));
        assertEquals("b.*", SniCertificateIndex.wildcardSuffix("b.c"));
        assertNull(SniCertificateIndex.wildcardSuffix("localhost"));
    }
}
