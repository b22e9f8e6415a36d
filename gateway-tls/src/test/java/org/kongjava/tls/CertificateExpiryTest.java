package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;

class CertificateExpiryTest {
    @Test
    void daysLeftAndWarnings() {
        TestCerts.Issued soon = TestCerts.selfSigned("soon.test", true, Duration.ofDays(10));
        TestCerts.Issued later = TestCerts.selfSigned("later.test", true, Duration.ofDays(100));
        Instant now = Instant.now();
        assertEquals(9, CertificateExpiry.daysUntilExpiry(soon.cert(), now)); // 10 days minus a few ms
        assertEquals(99, CertificateExpiry.daysUntilExpiry(later.cert(), now));
        assertEquals(-1, CertificateExpiry.daysUntilExpiry(soon.cert(), now.plus(Duration.ofDays(10).plusHours(1))));

        try (LogCapture logs = new LogCapture(CertificateExpiry.class)) {
            assertFalse(CertificateExpiry.warnIfExpiringSoon("certificate later", later.cert(), now));
            assertTrue(CertificateExpiry.warnIfExpiringSoon("certificate soon", soon.cert(), now));
            assertTrue(CertificateExpiry.warnIfExpiringSoon("certificate old", soon.cert(), now.plus(Duration.ofDays(11))));
            assertEquals(1, CertificateExpiry.warnIfExpiringSoon("pair", List.of(soon.cert(), later.cert()), now));
            List<String> warns = logs.lines(Level.WARN);
            assertEquals(3, warns.size(), warns.toString());
            assertTrue(warns.get(0).startsWith("certificate soon (CN=soon.test) expires in 9 day(s)"), warns.get(0));
            assertTrue(warns.get(1).startsWith("certificate old (CN=soon.test) expired on"), warns.get(1));
        }
    }
}
