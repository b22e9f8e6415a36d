package org.kongjava.core.accesslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogWriterTest {
    @TempDir
    Path dir;

    @Test
    void appendsLinesAndFlushesEverythingOnClose() throws IOException {
        Path f = dir.resolve("logs/access.log");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "old line\n");
        AccessLogWriter w = new AccessLogWriter(f, 100_000);
        for (int i = 0; i < 50_000; i++) {
            assertTrue(w.offer("line " + i));
        }
        w.close();
        List<String> lines = Files.readAllLines(f);
        assertEquals(50_001, lines.size());
        assertEquals("old line", lines.get(0));
        assertEquals("line 0", lines.get(1));
        assertEquals("line 49999", lines.get(50_000));
        assertEquals(50_000, w.written());
        assertEquals(0, w.dropped());
        assertFalse(w.offer("after close"));
        assertEquals(1, w.dropped());
    }

    @Test
    void fullQueueDropsAndCountsWithoutBlocking() throws Exception {
        Path f = dir.resolve("a.log");
        AccessLogWriter w = new AccessLogWriter(f, 4);
        int accepted = 0;
        long start = System.nanoTime();
        // Far faster than the writer thread can take them: most find the 4-line queue full.
        for (int i = 0; i < 200_000; i++) {
            if (w.offer("x".repeat(100) + i)) {
                accepted++;
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        w.close();
        assertTrue(w.dropped() > 0, "nothing dropped");
        assertEquals(200_000, accepted + w.dropped());
        assertEquals(accepted, Files.readAllLines(f).size());
        assertTrue(ms < 20_000, "offer blocked: " + ms + " ms");
    }

    @Test
    void logsShareOneWriterPerFileAndOffCostsNothing() throws IOException {
        try (AccessLogs logs = new AccessLogs()) {
            AccessLog a = logs.open(AccessLogSpec.parse("proxy_access_log", "logs/access.log", dir));
            AccessLog b = logs.open(AccessLogSpec.parse("proxy_stream_access_log", "logs/access.log basic", dir, "basic"));
            assertSame(a.writer(), b.writer());
            assertEquals("basic", b.format());
            assertEquals(null, a.format());
            AccessLog off = logs.open(AccessLogSpec.parse("admin_access_log", "off", dir));
            assertSame(AccessLog.OFF, off);
            assertFalse(off.enabled());
            off.write("ignored");
            a.write("one");
            b.write(new StringBuilder("two"));
            logs.close();
            assertEquals(List.of("one", "two"), Files.readAllLines(dir.resolve("logs/access.log")));
        }
    }
}
