package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateFileWatcherTest {
    static final TestCerts.Issued A = TestCerts.selfSigned("a.test", true);
    static final TestCerts.Issued B = TestCerts.selfSigned("b.test", true);
    static final TestCerts.Issued C = TestCerts.selfSigned("c.test", true);

    @TempDir
    Path dir;

    private static void write(Path p, String content) throws Exception {
        Files.writeString(p, content);
        // Filesystems with coarse timestamps: make each write visible as a change.
        Files.setLastModifiedTime(p, FileTime.from(Instant.now().plusMillis((long) (Math.random() * 100_000))));
    }

    @Test
    void reloadsChangedFilesAndRefusesBadOnes() throws Exception {
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        write(crt, A.certPem());
        write(key, A.keyPem());
        LinkedBlockingQueue<ServerKeyMaterial> seen = new LinkedBlockingQueue<>();
        try (CertificateFileWatcher w = new CertificateFileWatcher("proxy", List.of(new CertificateFileWatcher.Pair(crt, key)),
                Duration.ofSeconds(2), seen::add);
             LogCapture logs = new LogCapture(CertificateFileWatcher.class)) {
            assertEquals(A.cert(), w.load().leaf());
            assertFalse(w.checkNow());

            // Certificate replaced, key not yet: waits one poll for things to settle, then refuses the mismatch.
            write(crt, B.certPem());
            assertFalse(w.checkNow());
            assertFalse(w.checkNow());
            assertEquals(A.cert(), w.current().leaf());
            assertTrue(seen.isEmpty());
            List<String> warns = logs.lines(Level.WARN);
            assertEquals(1, warns.size(), warns.toString());
            assertTrue(warns.get(0).contains("refused") && warns.get(0).contains("certificate does not match key"),
                    warns.get(0));
            assertFalse(w.checkNow()); // the same bad state is not logged again
            assertEquals(1, logs.lines(Level.WARN).size());

            // The key arrives: loaded after one settling poll.
            write(key, B.keyPem());
            assertFalse(w.checkNow());
            assertTrue(w.checkNow());
            assertEquals(B.cert(), seen.poll().leaf());
            assertEquals(B.cert(), w.current().leaf());

            // Garbage: refused, B stays.
            write(key, "not a key");
            w.checkNow();
            assertFalse(w.checkNow());
            assertEquals(B.cert(), w.current().leaf());
            assertTrue(seen.isEmpty());
            for (String line : logs.lines(Level.WARN)) {
                for (String keyLine : TestCerts.base64Lines(A.keyPem() + B.keyPem())) {
                    assertFalse(line.contains(keyLine), "key material in a log line: " + line);
                }
            }
        }
    }

    @Test
    void followsAKubernetesSymlinkSwap() throws Exception {
        // Secret volume layout: tls.crt -> ..data/tls.crt, ..data -> ..2026_01_01_a (swapped by one rename).
        Path v1 = Files.createDirectory(dir.resolve("..2026_a"));
        write(v1.resolve("tls.crt"), A.certPem());
        write(v1.resolve("tls.key"), A.keyPem());
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path crt = Files.createSymbolicLink(dir.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Path key = Files.createSymbolicLink(dir.resolve("tls.key"), Path.of("..data/tls.key"));

        LinkedBlockingQueue<ServerKeyMaterial> seen = new LinkedBlockingQueue<>();
        try (CertificateFileWatcher w = new CertificateFileWatcher("admin",
                List.of(new CertificateFileWatcher.Pair(crt, key)), Duration.ofMillis(50), seen::add)) {
            assertEquals(A.cert(), w.load().leaf());
            w.start();

            Path v2 = Files.createDirectory(dir.resolve("..2026_b"));
            // Same mtimes as v1: only the symlink target tells the change apart.
            Files.writeString(v2.resolve("tls.crt"), C.certPem());
            Files.writeString(v2.resolve("tls.key"), C.keyPem());
            Path tmpLink = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
            Files.move(tmpLink, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

            ServerKeyMaterial next = seen.poll(5, TimeUnit.SECONDS);
            assertTrue(next != null, "no reload within 5 s");
            assertEquals(C.cert(), next.leaf());
            assertEquals(C.cert(), w.current().leaf());
        }
    }

    @Test
    void dualPairFromTwoFiles() throws Exception {
        TestCerts.Issued rsa = TestCerts.selfSigned("rsa.test", false);
        Path c1 = dir.resolve("rsa.crt"), k1 = dir.resolve("rsa.key"), c2 = dir.resolve("ec.crt"), k2 = dir.resolve("ec.key");
        write(c1, rsa.certPem());
        write(k1, rsa.keyPem());
        write(c2, A.certPem());
        write(k2, A.keyPem());
        try (CertificateFileWatcher w = new CertificateFileWatcher("proxy", List.of(
                new CertificateFileWatcher.Pair(c1, k1), new CertificateFileWatcher.Pair(c2, k2)),
                Duration.ofSeconds(2), m -> { })) {
            ServerKeyMaterial m = w.load();
            assertEquals(rsa.cert(), m.leaf());
            assertEquals(A.cert(), m.altChain().get(0));
        }
    }
}
