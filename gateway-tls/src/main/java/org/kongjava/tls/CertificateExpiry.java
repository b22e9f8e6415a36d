package org.kongjava.tls;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Certificate expiry: days left, and a WARN line for certificates that expire within {@link #WARN_DAYS} days (or
 * already have), so an operator sees it in the log before clients do. Kong itself does not check expiry of served
 * certificates; this only warns and never refuses.
 */
public final class CertificateExpiry {
    private static final Logger log = LoggerFactory.getLogger(CertificateExpiry.class);

    /** Certificates expiring in fewer days than this are reported. */
    public static final int WARN_DAYS = 30;

    private CertificateExpiry() {
    }

    /** Whole days from {@code now} until "Not After", rounded down; negative once expired. */
    public static long daysUntilExpiry(X509Certificate cert, Instant now) {
        Duration left = Duration.between(now, cert.getNotAfter().toInstant());
        return left.isNegative() ? -Math.ceilDiv(-left.getSeconds(), 86_400L) : left.toDays();
    }

    /**
     * Logs a WARN when {@code cert} expires within {@link #WARN_DAYS} days of {@code now} or has expired.
     *
     * @param what names the certificate for the operator, e.g. {@code certificate 3f2… (SNI example.com)} or
     *             {@code ssl_cert /etc/kong/tls.crt}
     * @return true when a warning was logged
     */
    public static boolean warnIfExpiringSoon(String what, X509Certificate cert, Instant now) {
        long days = daysUntilExpiry(cert, now);
        if (days >= WARN_DAYS) {
            return false;
        }
        String subject = cert.getSubjectX500Principal().getName();
        if (now.isAfter(cert.getNotAfter().toInstant())) {
            log.warn("{} ({}) expired on {}", what, subject, cert.getNotAfter().toInstant());
        } else {
            log.warn("{} ({}) expires in {} day(s), on {}", what, subject, days, cert.getNotAfter().toInstant());
        }
        return true;
    }

    /** {@link #warnIfExpiringSoon(String, X509Certificate, Instant)} for several certificates; returns the count warned. */
    public static int warnIfExpiringSoon(String what, Collection<X509Certificate> certs, Instant now) {
        int n = 0;
        for (X509Certificate c : certs) {
            if (warnIfExpiringSoon(what, c, now)) {
                n++;
            }
        }
        return n;
    }
}
