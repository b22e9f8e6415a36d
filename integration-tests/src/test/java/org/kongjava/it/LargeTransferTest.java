package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.NginxPeer;
import org.kongjava.it.support.RawHttp;

/**
 * 1 GiB up and 1 GiB down through a gateway whose heap is capped at 128 MB (JAVA_OPTS=-Xmx128m): only a gateway
 * that streams bodies with backpressure can do it. nginx is the upstream (WebDAV PUT stores the upload, GET serves
 * the same file back), and a CRC of every byte is compared end to end.
 */
class LargeTransferTest {

    static final long SIZE = 1L << 30;
    static final int BLOCK = 64 * 1024;

    static NginxPeer nginx;
    static Gateway gw;

    @BeforeAll
    static void start() {
        nginx = NginxPeer.start("location /big/ { dav_methods PUT; create_full_put_path on; }");
        gw = Gateway.builder().javaOpts("-Xmx128m").start();
        var admin = gw.admin();
        admin.create("/services", Map.of("name", "nginx", "url", nginx.url()));
        admin.create("/services/nginx/routes", Map.of("paths", List.of("/big"), "strip_path", false));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, nginx);
    }

    @Test
    void oneGigabyteUpAndDownWith128MbHeap() throws IOException {
        List<String> jvmArgs = ProcessHandle.of(gw.pid()).flatMap(h -> h.info().arguments()).map(List::of)
                .orElse(List.of());
        assertTrue(jvmArgs.contains("-Xmx128m"), "the bin script honours JAVA_OPTS: " + jvmArgs);

        long t0 = System.nanoTime();
        long sentCrc = upload("/big/file.bin");
        long upMs = (System.nanoTime() - t0) / 1_000_000;
        Path stored = nginx.root().resolve("big/file.bin");
        assertEquals(SIZE, Files.size(stored), "nginx stored every byte");

        t0 = System.nanoTime();
        long receivedCrc = download("/big/file.bin");
        long downMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(sentCrc, receivedCrc, "the bytes that came back are the bytes that went up");
        System.out.printf("1 GiB upload %d ms (%.0f MB/s), download %d ms (%.0f MB/s) through a -Xmx128m gateway%n",
                upMs, SIZE / 1e6 / (upMs / 1e3), downMs, SIZE / 1e6 / (downMs / 1e3));

        assertTrue(gw.isAlive(), gw::output);
        assertFalse(gw.output().contains("OutOfMemoryError"), gw::output);
        Files.delete(stored);
    }

    /** PUT of SIZE deterministic bytes with Content-Length; returns their CRC32. */
    private long upload(String path) throws IOException {
        CRC32 crc = new CRC32();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gw.proxyPort()));
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("PUT " + path + " HTTP/1.1\r\nHost: big.test\r\nContent-Length: " + SIZE + "\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] block = new byte[BLOCK];
            new Random(42).nextBytes(block);
            ByteBuffer index = ByteBuffer.wrap(block);
            for (long i = 0; i < SIZE / BLOCK; i++) {
                index.putLong(0, i); // every block differs: a reordered or repeated block changes the CRC
                crc.update(block);
                out.write(block);
            }
            out.flush();
            RawHttp.Response r = readResponse(s.getInputStream());
            assertTrue(r.status() == 201 || r.status() == 204, () -> "PUT answered " + r + "\n" + gw.output()
                    + nginx.log());
        }
        return crc.getValue();
    }

    /** GET streaming the body into a CRC32, checking Content-Length and the byte count. */
    private long download(String path) throws IOException {
        CRC32 crc = new CRC32();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gw.proxyPort()));
            s.setSoTimeout(60_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: big.test\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 1 << 16);
            String status = line(in);
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
            long length = -1;
            boolean chunked = false;
            String h;
            while (!(h = line(in)).isEmpty()) {
                String lower = h.toLowerCase();
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).strip());
                }
                chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
            }
            long total = chunked ? readChunked(in, crc) : readAll(in, crc);
            assertEquals(SIZE, total, "bytes received");
            if (!chunked) {
                assertEquals(SIZE, length, "Content-Length");
            }
        }
        return crc.getValue();
    }

    private static long readAll(InputStream in, CRC32 crc) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        int n;
        while (total < SIZE && (n = in.read(buf)) > 0) {
            crc.update(buf, 0, n);
            total += n;
        }
        return total;
    }

    private static long readChunked(InputStream in, CRC32 crc) throws IOException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        while (true) {
            long size = Long.parseLong(line(in).split(";")[0].strip(), 16);
            if (size == 0) {
                return total;
            }
            long left = size;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    return total;
                }
                crc.update(buf, 0, n);
                left -= n;
                total += n;
            }
            line(in);
        }
    }

    private static RawHttp.Response readResponse(InputStream in) throws IOException {
        String status = line(in);
        StringBuilder rest = new StringBuilder();
        String h;
        long length = 0;
        while ((h = line(in)) != null && !h.isEmpty()) {
            rest.append(h).append('\n');
            if (h.toLowerCase().startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).strip());
            }
        }
        byte[] body = in.readNBytes((int) Math.min(length, 1 << 20));
        String[] p = status.split(" ", 3);
        return new RawHttp.Response(Integer.parseInt(p[1]), p.length > 2 ? p[2] : "", List.of(List.of("raw", rest.toString())),
                body);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        if (b < 0 && sb.isEmpty()) {
            throw new java.io.EOFException("connection closed");
        }
        return sb.toString();
    }
}
