package org.kongjava.core.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.kongjava.config.model.Certificate;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.tls.CertificateExpiry;
import org.kongjava.tls.PemException;
import org.kongjava.tls.ServerKeyMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repeats the expiry check while the node runs: a certificate loaded long ago enters the 30-day window without
 * being reloaded, and the WARN should come before clients notice. Every {@code interval} (a day in production) it
 * checks the Certificate entities of the current snapshot and the listeners' own certificates, logging one WARN per
 * certificate that expires within {@link CertificateExpiry#WARN_DAYS} days or has expired. Runs on its own daemon
 * thread (PEM parsing stays off the event loops).
 */
public final class ExpiryMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExpiryMonitor.class);

    private final SnapshotHolder holder;
    private final TlsCompiler tls;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gw-certexpiry");
        t.setDaemon(true);
        return t;
    });

    public ExpiryMonitor(SnapshotHolder holder, TlsCompiler tls) {
        this.holder = Objects.requireNonNull(holder, "holder");
        this.tls = Objects.requireNonNull(tls, "tls");
    }

    /** Checks every {@code interval}, the first time after one interval (start-up and writes already check). */
    public void start(Duration interval) {
        long ms = interval.toMillis();
        if (ms <= 0) {
            throw new IllegalArgumentException("interval: " + interval + " (expected > 0)");
        }
        timer.scheduleWithFixedDelay(() -> {
            try {
                checkNow(Instant.now());
            } catch (RuntimeException e) {
                log.error("certificate expiry check failed; it runs again in {}", interval, e);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** One check at {@code now}; returns the number of certificates reported. */
    public int checkNow(Instant now) {
        int warned = 0;
        for (Certificate c : holder.current().entities().certificates().values()) {
            try {
                warned += CertificateExpiry.warnIfExpiringSoon("certificate " + c.id(),
                        ServerKeyMaterial.fromEntity(c).leaves(), now);
            } catch (PemException e) {
                log.debug("certificate {} does not parse ({}); not checked", c.id(), e.getMessage());
            }
        }
        for (var e : tls.registeredMaterial().entrySet()) {
            warned += CertificateExpiry.warnIfExpiringSoon(e.getKey() + " listener certificate", e.getValue().leaves(), now);
        }
        return warned;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
