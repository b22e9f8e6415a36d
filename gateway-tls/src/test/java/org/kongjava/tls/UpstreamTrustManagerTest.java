package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kongjava.tls.UpstreamVerificationException.Reason;

/** The upstream verification checks and the reason each failure is classified as. */
class UpstreamTrustManagerTest {
    static final TestCerts.Issued ROOT = TestCerts.ca("Test Root");
    static final TestCerts.Issued INTER = TestCerts.intermediate("Test Intermediate", ROOT);
    static final TestCerts.Issued DIRECT = TestCerts.leaf("direct.test", ROOT, Duration.ofDays(30));
    static final TestCerts.Issued VIA_INTER = TestCerts.leaf("chained.test", INTER, Duration.ofDays(30));
    static final TestCerts.Issued OTHER_ROOT = TestCerts.ca("Other Root");

    private static Reason reason(UpstreamTrustManager tm, X509Certificate[] chain, String host) {
        UpstreamVerificationException e = assertThrows(UpstreamVerificationException.class, () -> tm.verify(chain, host));
        return e.reason();
    }

    @Test
    void leafIssuedByTrustedCaWithMatchingNamePasses() {
        UpstreamTrustManager tm = new UpstreamTrustManager(List.of(ROOT.cert()), 0, true);
        assertDoesNotThrow(() -> tm.verify(new X509Certificate[] {DIRECT.cert()}, "direct.test"));
        assertDoesNotThrow(() -> tm.verify(new X509Certificate[] {DIRECT.cert()}, "DIRECT.test"));
    }

    @Test
    void unknownCaIsRefusedAndNamed() throws Exception {
        UpstreamTrustManager tm = new UpstreamTrustManager(List.of(OTHER_ROOT.cert()), 4, true);
        UpstreamVerificationException e = assertThrows(UpstreamVerificationException.class,
                () -> tm.verify(new X509Certificate[] {DIRECT.cert()}, "direct.test"));
        assertEquals(Reason.UNKNOWN_CA, e.reason());
        assertTrue(e.getMessage().contains("CN=Test Root"), e.getMessage());
        // No CA at all (tls_verify on, nothing trusted): Kong's "verification fails" case.
        assertEquals(Reason.UNKNOWN_CA, reason(new UpstreamTrustManager(List.of(), 4, true),
                new X509Certificate[] {DIRECT.cert()}, "direct.test"));
    }

    @Test
    void depthCountsIntermediatesAsOpenSslDoes() {
        X509Certificate[] chain = {VIA_INTER.cert(), INTER.cert()};
        assertEquals(Reason.DEPTH_EXCEEDED, reason(new UpstreamTrustManager(List.of(ROOT.cert()), 0, true), chain,
                "chained.test"));
        assertDoesNotThrow(() -> new UpstreamTrustManager(List.of(ROOT.cert()), 1, true).verify(chain, "chained.test"));
        // Without the intermediate in the chain the path cannot be built at all: unknown issuer, not depth.
        assertEquals(Reason.UNKNOWN_CA, reason(new UpstreamTrustManager(List.of(ROOT.cert()), 5, true),
                new X509Certificate[] {VIA_INTER.cert()}, "chained.test"));
    }

    @Test
    void expiredLeafIsNamedExpired() {
        TestCerts.Issued old = TestCerts.leaf("old.test", ROOT, Duration.ofMinutes(-1));
        assertEquals(Reason.EXPIRED, reason(new UpstreamTrustManager(List.of(ROOT.cert()), 1, true),
                new X509Certificate[] {old.cert()}, "old.test"));
    }

    @Test
    void nameMismatchIsRefusedUnlessNameCheckIsOff() {
        UpstreamTrustManager tm = new UpstreamTrustManager(List.of(ROOT.cert()), 1, true);
        UpstreamVerificationException e = assertThrows(UpstreamVerificationException.class,
                () -> tm.verify(new X509Certificate[] {DIRECT.cert()}, "other.test"));
        assertEquals(Reason.NAME_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("other.test") && e.getMessage().contains("direct.test"), e.getMessage());
        assertEquals(Reason.NAME_MISMATCH, reason(tm, new X509Certificate[] {DIRECT.cert()}, "127.0.0.1"));
        assertDoesNotThrow(() -> new UpstreamTrustManager(List.of(ROOT.cert()), 1, false)
                .verify(new X509Certificate[] {DIRECT.cert()}, "other.test"));
    }

    @Test
    void wildcardsMatchOneLeftMostLabel() {
        assertTrue(HostnameMatcher.matchesPattern("*.example.com", "a.example.com"));
        assertFalse(HostnameMatcher.matchesPattern("*.example.com", "a.b.example.com"));
        assertFalse(HostnameMatcher.matchesPattern("*.example.com", "example.com"));
        assertFalse(HostnameMatcher.matchesPattern("*.com", "example.com"));
        assertTrue(HostnameMatcher.matchesPattern("api.example.com", "api.example.com"));
    }
}
