package org.kongjava.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream on 127.0.0.1:0 that answers every request with what it received, as JSON:
 * {@code {"method","uri","version","headers":[[name,value],...],"body_length","connection"}}.
 *
 * <p>Written on raw sockets so header names, order and duplicates arrive exactly as the gateway sent them. Request
 * headers steer it: {@code X-Echo-Delay: <ms>} waits before answering, {@code X-Echo-Hold: <key>} waits until
 * {@link #release(String)}, {@code X-Echo-Status: <code>} sets the status, {@code X-Echo-Chunked-Hold: <key>} answers
 * with a chunked body whose first chunk ({@code first\n}) comes at once and the rest ({@code rest\n}) after
 * {@link #release(String)}.
 * {@code Upgrade: websocket} is answered with 101, a greeting line {@value #WS_GREETING} and then every byte read is
 * echoed back. {@link #failNextRequests(int)} makes the next requests close the connection without an answer (for
 * retries).
 */
public final class EchoServer implements AutoCloseable {

    /** First bytes the upstream sends after a 101, before it has read anything. */
    public static final String WS_GREETING = "upstream-hello\n";

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger webSockets = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong bodyBytes = new java.util.concurrent.atomic.AtomicLong();
    private final ConcurrentLinkedDeque<EchoRequest> received = new ConcurrentLinkedDeque<>();
    private final ConcurrentHashMap<String, CountDownLatch> holds = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private EchoServer(ServerSocket server) {
        this.server = server;
    }

    /** Starts a server on an ephemeral loopback port. */
    public static EchoServer start() {
        try {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
            EchoServer echo = new EchoServer(ss);
            Thread t = new Thread(echo::acceptLoop, "echo-accept-" + ss.getLocalPort());
            t.setDaemon(true);
            t.start();
            return echo;
        } catch (IOException e) {
            throw new AssertionError("cannot start echo server", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>} (no path). */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    /** TCP connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Requests whose headers were read so far (including failed ones). */
    public int requests() {
        return requests.get();
    }

    /** Requests read but not yet answered. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Request body bytes read so far, over all requests (grows while a body streams in). */
    public long bodyBytesRead() {
        return bodyBytes.get();
    }

    /** WebSocket connections currently open. */
    public int openWebSockets() {
        return webSockets.get();
    }

    /** The most recent requests (up to 1,000), oldest first. */
    public List<EchoRequest> received() {
        return new ArrayList<>(received);
    }

    /** Answers the requests that carry {@code X-Echo-Hold: <key>} (they wait until then, at most 60 s). */
    public void release(String key) {
        holdLatch(key).countDown();
    }

    private CountDownLatch holdLatch(String key) {
        return holds.computeIfAbsent(key, k -> new CountDownLatch(1));
    }

    /** The next {@code n} requests are read and then the connection is closed with no response. */
    public void failNextRequests(int n) {
        failNext.set(n);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                int id = connections.incrementAndGet();
                open.add(s);
                threads.execute(() -> serve(s, id));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("echo accept failed: " + e);
                }
                return;
            }
        }
    }

    private void serve(Socket s, int connectionId) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
            OutputStream out = s.getOutputStream();
            while (!closed) {
                List<String> head = readHead(in);
                if (head == null) {
                    return;
                }
                requests.incrementAndGet();
                inFlight.incrementAndGet();
                try {
                    if (!handle(head, in, out, connectionId, s)) {
                        return;
                    }
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        } catch (IOException e) {
            // Peer went away mid-request: nothing to answer.
        } finally {
            open.remove(s);
        }
    }

    /** Returns false when the connection must be closed after this exchange. */
    private boolean handle(List<String> head, InputStream in, OutputStream out, int connectionId, Socket s)
            throws IOException {
        String[] line = head.get(0).split(" ", 3);
        if (line.length != 3) {
            writeSimple(out, 400, "bad request line: " + head.get(0));
            return false;
        }
        List<String[]> headers = new ArrayList<>();
        for (String h : head.subList(1, head.size())) {
            int colon = h.indexOf(':');
            headers.add(colon < 0 ? new String[] {h, ""}
                    : new String[] {h.substring(0, colon), h.substring(colon + 1).strip()});
        }
        EchoRequest req = new EchoRequest(line[0], line[1], line[2], toLists(headers), 0, connectionId);
        if (failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            remember(req);
            return false;
        }
        if ("websocket".equalsIgnoreCase(req.header("upgrade"))) {
            remember(req);
            webSocket(req, in, out);
            return false;
        }
        if ("100-continue".equalsIgnoreCase(req.header("expect"))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        long bodyLength = readBody(req, in);
        req = new EchoRequest(req.method(), req.uri(), req.version(), req.headers(), bodyLength, connectionId);
        remember(req);
        String delay = req.header("x-echo-delay");
        if (delay != null) {
            sleep(Long.parseLong(delay));
        }
        String hold = req.header("x-echo-hold");
        if (hold != null) {
            try {
                holdLatch(hold).await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        String chunkedHold = req.header("x-echo-chunked-hold");
        if (chunkedHold != null) {
            // Streams a chunked answer: the first chunk at once, the rest after release(key).
            out.write(("HTTP/1.1 200 Echo\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "6\r\nfirst\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            try {
                holdLatch(chunkedHold).await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            out.write("5\r\nrest\n\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return true;
        }
        String statusHeader = req.header("x-echo-status");
        int status = statusHeader == null ? 200 : Integer.parseInt(statusHeader);
        byte[] body = req.toJson().getBytes(StandardCharsets.UTF_8);
        boolean close = "close".equalsIgnoreCase(req.header("connection")) || req.version().equals("HTTP/1.0");
        String response = "HTTP/1.1 " + status + " Echo\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "X-Echo-Port: " + port() + "\r\n"
                + (close ? "Connection: close\r\n" : "")
                + "\r\n";
        out.write(response.getBytes(StandardCharsets.US_ASCII));
        if (!req.method().equals("HEAD")) {
            out.write(body);
        }
        out.flush();
        return !close;
    }

    private void webSocket(EchoRequest req, InputStream in, OutputStream out) throws IOException {
        String key = req.header("sec-websocket-key");
        String accept = key == null ? "" : acceptKey(key);
        String response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n" + WS_GREETING;
        out.write(response.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        webSockets.incrementAndGet();
        try {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } finally {
            webSockets.decrementAndGet();
        }
    }

    static String acceptKey(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key.strip() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                    .getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void remember(EchoRequest req) {
        received.addLast(req);
        while (received.size() > 1000) {
            received.pollFirst();
        }
    }

    private long readBody(EchoRequest req, InputStream in) throws IOException {
        String te = req.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            long total = 0;
            while (true) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    throw new EOFException("eof in chunk size");
                }
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip(), 16);
                if (size == 0) {
                    // trailers until the empty line
                    String t;
                    while ((t = readLine(in)) != null && !t.isEmpty()) {
                        // trailer field ignored
                    }
                    return total;
                }
                skip(in, size);
                total += size;
                readLine(in); // CRLF after the chunk
            }
        }
        String cl = req.header("content-length");
        if (cl != null) {
            long n = Long.parseLong(cl.strip());
            skip(in, n);
            return n;
        }
        return 0;
    }

    private void skip(InputStream in, long n) throws IOException {
        byte[] buf = new byte[16384];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new EOFException("eof with " + left + " body bytes missing");
            }
            left -= r;
            bodyBytes.addAndGet(r);
        }
    }

    /** Request line and header lines, or null at a clean EOF before any byte. */
    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine(in);
            if (line == null) {
                if (lines.isEmpty()) {
                    return null;
                }
                throw new EOFException("eof in request head");
            }
            if (line.isEmpty()) {
                if (lines.isEmpty()) {
                    continue; // tolerate CRLF between requests
                }
                return lines;
            }
            lines.add(line);
            if (lines.size() > 500) {
                throw new IOException("too many header lines");
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            if (line.size() > 65536) {
                throw new IOException("line too long");
            }
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private static void writeSimple(OutputStream out, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private static List<List<String>> toLists(List<String[]> headers) {
        List<List<String>> out = new ArrayList<>();
        for (String[] h : headers) {
            out.add(List.of(h[0], h[1]));
        }
        return out;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }

    /** One request as the echo server received it. */
    public record EchoRequest(String method, String uri, String version, List<List<String>> headers,
            long bodyLength, int connection) {

        /** First value of the header, case-insensitive, or null. */
        public String header(String name) {
            for (List<String> h : headers) {
                if (h.get(0).equalsIgnoreCase(name)) {
                    return h.get(1);
                }
            }
            return null;
        }

        /** Every value of the header, in order. */
        public List<String> headerValues(String name) {
            List<String> out = new ArrayList<>();
            for (List<String> h : headers) {
                if (h.get(0).equalsIgnoreCase(name)) {
                    out.add(h.get(1));
                }
            }
            return out;
        }

        /** Short form for failure messages: method, URI and header names, each cut at 100 characters. */
        public String summary() {
            String u = uri.length() > 100 ? uri.substring(0, 100) + "...(" + uri.length() + " chars)" : uri;
            return method + " " + u + " " + headers.stream().map(h -> h.get(0)).toList();
        }

        String toJson() {
            ObjectNode n = Admin.JSON.createObjectNode();
            n.put("method", method).put("uri", uri).put("version", version);
            ArrayNode hs = n.putArray("headers");
            for (List<String> h : headers) {
                hs.addArray().add(h.get(0)).add(h.get(1));
            }
            n.put("body_length", bodyLength).put("connection", connection);
            return n.toString();
        }

        /** Parses the JSON body the echo server answered with. */
        public static EchoRequest parse(String json) {
            JsonNode n;
            try {
                n = Admin.JSON.readTree(json);
            } catch (IOException e) {
                throw new AssertionError("not an echo response: " + json, e);
            }
            if (n == null || !n.has("uri")) {
                throw new AssertionError("not an echo response: " + json);
            }
            List<List<String>> hs = new ArrayList<>();
            for (JsonNode h : n.path("headers")) {
                hs.add(List.of(h.get(0).asText(), h.get(1).asText()));
            }
            return new EchoRequest(n.path("method").asText(), n.path("uri").asText(), n.path("version").asText(),
                    hs, n.path("body_length").asLong(), n.path("connection").asInt());
        }
    }
}
