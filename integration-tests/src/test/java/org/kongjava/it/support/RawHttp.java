package org.kongjava.it.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP/1.1 over one plain socket, byte for byte: for keep-alive checks (one connection, many requests) and hostile
 * input that no well-behaved client library would send.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 16384);
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:port with a 10 s read timeout. */
    public static RawHttp connect(int port) {
        try {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            s.setTcpNoDelay(true);
            s.setSoTimeout(10_000);
            return new RawHttp(s);
        } catch (IOException e) {
            throw new AssertionError("cannot connect to 127.0.0.1:" + port + ": " + e, e);
        }
    }

    /** One parsed response. */
    public record Response(int status, String reason, List<List<String>> headers, byte[] body) {
        public String header(String name) {
            for (List<String> h : headers) {
                if (h.get(0).equalsIgnoreCase(name)) {
                    return h.get(1);
                }
            }
            return null;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + reason + " " + headers + " " + bodyText();
        }
    }

    public void setReadTimeout(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** A GET with keep-alive on this connection. */
    public Response get(String path, String host) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        return readResponse(false);
    }

    /** Reads one response (skipping 1xx unless {@code keepInterim}); EOFException when the peer closed first. */
    public Response readResponse(boolean keepInterim) throws IOException {
        return readResponse(keepInterim, false);
    }

    /** As above; {@code toHead} = the request was HEAD, so no body follows whatever the headers say. */
    public Response readResponse(boolean keepInterim, boolean toHead) throws IOException {
        while (true) {
            String statusLine = readLine();
            if (statusLine == null) {
                throw new EOFException("connection closed before a status line");
            }
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("bad status line: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            List<List<String>> headers = new ArrayList<>();
            String line;
            while ((line = readLine()) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                headers.add(List.of(line.substring(0, Math.max(colon, 0)), line.substring(colon + 1).strip()));
            }
            Response head = new Response(status, parts.length > 2 ? parts[2] : "", headers, new byte[0]);
            if (status >= 100 && status < 200) {
                if (keepInterim || status == 101) {
                    return head;
                }
                continue;
            }
            return new Response(status, head.reason(), headers, toHead ? new byte[0] : readBody(head));
        }
    }

    private byte[] readBody(Response head) throws IOException {
        if (head.status() == 204 || head.status() == 304) {
            return new byte[0];
        }
        String te = head.header("transfer-encoding");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String sizeLine = readLine();
                if (sizeLine == null) {
                    throw new EOFException("eof in chunked body");
                }
                int semi = sizeLine.indexOf(';');
                int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).strip(), 16);
                if (size == 0) {
                    String t;
                    while ((t = readLine()) != null && !t.isEmpty()) {
                        // trailers ignored
                    }
                    return body.toByteArray();
                }
                body.write(in.readNBytes(size));
                readLine();
            }
        }
        String cl = head.header("content-length");
        if (cl != null) {
            int n = Integer.parseInt(cl.strip());
            byte[] b = in.readNBytes(n);
            if (b.length != n) {
                throw new EOFException("body cut at " + b.length + " of " + n);
            }
            return b;
        }
        return in.readAllBytes(); // until close
    }

    /** Reads the next line (CRLF or LF), or null at EOF. */
    public String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads exactly {@code n} bytes. */
    public byte[] readBytes(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("got " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /**
     * Reads (and discards) until the peer closes; true if it closed within {@code timeout}, false if the connection
     * is still open then. Bytes seen are returned through {@code seen} when not null.
     */
    public boolean awaitClose(Duration timeout, ByteArrayOutputStream seen) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buf = new byte[4096];
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, left));
            try {
                int n = in.read(buf);
                if (n < 0) {
                    return true;
                }
                if (seen != null) {
                    seen.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset counts as closed
            }
        }
    }

    public boolean isClosedLocally() {
        return socket.isClosed();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
