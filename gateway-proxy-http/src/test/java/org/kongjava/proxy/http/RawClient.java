package org.kongjava.proxy.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A blocking HTTP/1.1 client on a plain socket: tests control every byte sent and see every byte back. */
final class RawClient implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;

    record Response(int status, String statusLine, List<String[]> headers, byte[] body, long bodyBytes, String sha256) {
        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    RawClient send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    Response get(String path) throws IOException {
        send("GET " + path + " HTTP/1.1\r\nHost: example.test\r\n\r\n");
        return read(false);
    }

    Response read() throws IOException {
        return read(false);
    }

    /** Reads one response; with {@code hashOnly} the body is hashed, not kept (big downloads). */
    Response read(boolean hashOnly) throws IOException {
        return read(hashOnly, false);
    }

    Response read(boolean hashOnly, boolean headRequest) throws IOException {
        String statusLine = line();
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        List<String[]> headers = new ArrayList<>();
        for (String l = line(); !l.isEmpty(); l = line()) {
            int c = l.indexOf(':');
            headers.add(new String[] {l.substring(0, c).trim(), l.substring(c + 1).trim()});
        }
        Response head = new Response(status, statusLine, headers, new byte[0], 0, null);
        MessageDigest md = TestBackend.newDigest();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long n = 0;
        if (headRequest || status / 100 == 1 || status == 204 || status == 304) {
            return head;
        }
        String te = head.header("Transfer-Encoding");
        String cl = head.header("Content-Length");
        byte[] buf = new byte[64 * 1024];
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                String size = line();
                int semi = size.indexOf(';');
                long len = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (len == 0) {
                    while (!line().isEmpty()) {
                        // trailers
                    }
                    break;
                }
                n += copy(len, buf, md, hashOnly ? null : body);
                line();
            }
        } else if (cl != null) {
            n += copy(Long.parseLong(cl), buf, md, hashOnly ? null : body);
        } else {
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
                if (!hashOnly) {
                    body.write(buf, 0, r);
                }
                n += r;
            }
        }
        return new Response(status, statusLine, headers, body.toByteArray(), n, TestBackend.sha256(md));
    }

    private long copy(long len, byte[] buf, MessageDigest md, ByteArrayOutputStream keep) throws IOException {
        long left = len;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new EOFException("body ended " + left + " bytes early");
            }
            md.update(buf, 0, r);
            if (keep != null) {
                keep.write(buf, 0, r);
            }
            left -= r;
        }
        return len;
    }

    String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (sb.isEmpty()) {
                    throw new EOFException("connection closed");
                }
                return sb.toString();
            }
            if (b == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) b);
        }
    }

    /** True when the server closed the connection (EOF or reset) within the socket timeout. */
    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
