package org.kongjava.proxy.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kongjava.core.router.RouteMatch;

/**
 * Builds the request head Kong sends upstream (proxy-behaviour.md §3): Host, X-Real-IP, the
 * X-Forwarded-* family, Via, X-Kong-Request-Id, Connection/Upgrade/TE, and hop-by-hop removal.
 * Framing is the caller's: Transfer-Encoding is never copied, Content-Length only as the client sent it.
 */
public final class UpstreamRequestBuilder {
    static final AsciiString X_REAL_IP = AsciiString.cached("X-Real-IP");
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
    static final AsciiString X_FORWARDED_PORT = AsciiString.cached("X-Forwarded-Port");
    static final AsciiString X_FORWARDED_PATH = AsciiString.cached("X-Forwarded-Path");
    static final AsciiString X_FORWARDED_PREFIX = AsciiString.cached("X-Forwarded-Prefix");
    static final AsciiString X_KONG_REQUEST_ID = AsciiString.cached("X-Kong-Request-Id");
    static final AsciiString PROXY = AsciiString.cached("Proxy");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("Proxy-Connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString KEEP_ALIVE_UPGRADE = AsciiString.cached("keep-alive, Upgrade");
    private static final AsciiString WEBSOCKET = AsciiString.cached("websocket");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");

    /** Client headers never copied: Kong sets them itself, or they are hop-by-hop (nginx and Kong). */
    private static final AsciiString[] NOT_COPIED = {
        HttpHeaderNames.HOST, HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE, HttpHeaderNames.TE,
        HttpHeaderNames.VIA, X_REAL_IP, X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST, X_FORWARDED_PORT,
        X_FORWARDED_PATH, X_FORWARDED_PREFIX, HttpHeaderNames.KEEP_ALIVE, PROXY, PROXY_CONNECTION,
        HttpHeaderNames.EXPECT, HttpHeaderNames.TRANSFER_ENCODING,
    };

    private UpstreamRequestBuilder() {
    }

    /**
     * Builds a new HTTP/1.1 request head for the upstream.
     *
     * @param client   the client's request head (HTTP/2 clients: protocolVersion with major version 2)
     * @param match    the router's match (upstream path, stripped prefix, route's preserve_host)
     * @param rawQuery the raw query string; null when the client URI had no {@code ?}, "" for a bare {@code ?}
     * @param ctx      connection and target facts
     * @param s        header settings
     * @return a new request; the caller adds framing (Content-Length / Transfer-Encoding) for the body it sends
     */
    public static HttpRequest build(HttpRequest client, RouteMatch match, String rawQuery, ForwardContext ctx,
                                    HeaderSettings s) {
        HttpHeaders in = client.headers();
        String uri = rawQuery == null ? match.upstreamPath() : match.upstreamPath() + "?" + rawQuery;
        DefaultHttpRequest out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, client.method(), uri);
        HttpHeaders h = out.headers();
        boolean trusted = ctx.client().trustedPeer();
        boolean websocket = isWebSocketUpgrade(client);

        String host = match.route().preserveHost() ? in.get(HttpHeaderNames.HOST) : null;
        h.set(HttpHeaderNames.HOST, host != null ? host : hostHeader(ctx.targetHost(), ctx.targetPort(), ctx.targetScheme()));
        h.set(HttpHeaderNames.CONNECTION, websocket ? KEEP_ALIVE_UPGRADE : KEEP_ALIVE);
        if (websocket) {
            h.set(HttpHeaderNames.UPGRADE, WEBSOCKET);
        }
        if (clientAcceptsTrailers(client)) {
            h.set(HttpHeaderNames.TE, TRAILERS);
        }
        String via = in.get(HttpHeaderNames.VIA);
        String kongVia = viaVersion(client.protocolVersion()) + " " + s.serverToken();
        h.set(HttpHeaderNames.VIA, via == null ? kongVia : via + ", " + kongVia);

        // X-Forwarded-For appends the original peer, not the realip client (Kong, handler.lua).
        String xff = in.get(X_FORWARDED_FOR);
        setNonEmpty(h, X_FORWARDED_FOR, xff == null ? ctx.client().ip() : xff + ", " + peerText(ctx.peer()));
        String proto = trusted ? in.get(X_FORWARDED_PROTO) : null;
        setNonEmpty(h, X_FORWARDED_PROTO, proto != null ? proto : ctx.https() ? "https" : "http");
        String fwdHost = trusted ? in.get(X_FORWARDED_HOST) : null;
        setNonEmpty(h, X_FORWARDED_HOST, fwdHost != null ? fwdHost : nginxHost(client));
        String port = trusted ? in.get(X_FORWARDED_PORT) : null;
        setNonEmpty(h, X_FORWARDED_PORT, port != null ? port : Integer.toString(s.mappedPort(ctx.listenerPort())));
        String path = trusted ? in.get(X_FORWARDED_PATH) : null;
        setNonEmpty(h, X_FORWARDED_PATH, path != null ? path : rawPath(client.uri()));
        String prefix = trusted ? in.get(X_FORWARDED_PREFIX) : null;
        if (prefix == null && match.strippedPrefix() != null && !"/".equals(match.strippedPrefix())) {
            prefix = match.strippedPrefix();
        }
        setNonEmpty(h, X_FORWARDED_PREFIX, prefix);
        setNonEmpty(h, X_REAL_IP, ctx.client().ip());
        if (s.requestIdUpstream()) {
            h.set(X_KONG_REQUEST_ID, ctx.requestId());
        }

        List<String> listed = connectionListed(in.get(HttpHeaderNames.CONNECTION));
        boolean http2 = client.protocolVersion().majorVersion() == 2;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = in.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (notCopied(name, listed, s.requestIdUpstream(), http2)) {
                continue;
            }
            h.add(name, e.getValue());
        }
        return out;
    }

    /**
     * The Host Kong sends when preserve_host is off: the target host (IPv6 literals in brackets) plus
     * {@code :port} unless the port is 80 for http/grpc or 443 for https/grpcs. Recompute it on each retry.
     */
    public static String hostHeader(String targetHost, int targetPort, String targetScheme) {
        String host = targetHost.indexOf(':') >= 0 && !targetHost.startsWith("[") ? "[" + targetHost + "]" : targetHost;
        String scheme = targetScheme.toLowerCase(Locale.ROOT);
        boolean defaultPort = targetPort == 80 && (scheme.equals("http") || scheme.equals("grpc"))
                || targetPort == 443 && (scheme.equals("https") || scheme.equals("grpcs"));
        return defaultPort ? host : host + ":" + targetPort;
    }

    /** Whether the client asks for a WebSocket upgrade (first {@code Upgrade} value is {@code websocket}). */
    public static boolean isWebSocketUpgrade(HttpRequest client) {
        String upgrade = client.headers().get(HttpHeaderNames.UPGRADE);
        return upgrade != null && WEBSOCKET.contentEqualsIgnoreCase(upgrade);
    }

    /** Whether the client's first {@code TE} header lists {@code trailers} (Kong then forwards TE: trailers). */
    static boolean clientAcceptsTrailers(HttpRequest client) {
        String te = client.headers().get(HttpHeaderNames.TE);
        if (te == null) {
            return false;
        }
        if (te.equals("trailers")) {
            return true;
        }
        for (String token : csv(te)) {
            if (token.equals("trailers")) {
                return true;
            }
        }
        return false;
    }

    /**
     * nginx's {@code $host}: the host of an absolute-form request target, else the Host header, lower-cased,
     * without port or trailing dot; {@code kong} (Kong's server_name) when there is none.
     */
    static String nginxHost(HttpRequest client) {
        String uri = client.uri();
        String authority = null;
        int schemeEnd = uri.startsWith("/") ? -1 : uri.indexOf("://");
        if (schemeEnd > 0) {
            int start = schemeEnd + 3;
            int end = start;
            while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
                end++;
            }
            authority = uri.substring(start, end);
        }
        if (authority == null || authority.isEmpty()) {
            authority = client.headers().get(HttpHeaderNames.HOST);
        }
        if (authority == null) {
            return "kong";
        }
        int end = authority.length();
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            int colon = authority.indexOf(':');
            end = colon < 0 ? end : colon;
        }
        if (end > 0 && authority.charAt(end - 1) == '.') {
            end--;
        }
        return end == 0 ? "kong" : authority.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /** The raw request path as the client sent it: absolute-form authority and the query removed. */
    static String rawPath(String uri) {
        int start = 0;
        if (!uri.startsWith("/")) {
            int schemeEnd = uri.indexOf("://");
            if (schemeEnd > 0) {
                start = schemeEnd + 3;
                while (start < uri.length() && uri.charAt(start) != '/' && uri.charAt(start) != '?') {
                    start++;
                }
                if (start == uri.length() || uri.charAt(start) == '?') {
                    return "/";
                }
            }
        }
        // Like Kong: a '?' in the first position is not a query separator.
        int q = uri.indexOf('?', start + 1);
        return q < 0 ? uri.substring(start) : uri.substring(start, q);
    }

    /** {@code 1.1}, {@code 2}, {@code 1} (HTTP/1.0): the version as Lua prints ngx.req.http_version(). */
    static String viaVersion(HttpVersion v) {
        if (v.minorVersion() == 0) {
            return Integer.toString(v.majorVersion());
        }
        return v.majorVersion() + "." + v.minorVersion();
    }

    static String peerText(InetSocketAddress peer) {
        if (peer.getAddress() != null) {
            return IpLiterals.format(peer.getAddress().getAddress());
        }
        byte[] b = IpLiterals.parseAddr(peer.getHostString());
        return b == null ? peer.getHostString() : IpLiterals.format(b);
    }

    /**
     * Lower-case header names listed in a Connection value, per Kong: nothing when the value is exactly
     * {@code keep-alive}, {@code close} or {@code upgrade}; the tokens {@code close}, {@code keep-alive}
     * and {@code upgrade} themselves name no header to drop.
     */
    static List<String> connectionListed(String connection) {
        if (connection == null || connection.equals("keep-alive") || connection.equals("close")
                || connection.equals("upgrade")) {
            return List.of();
        }
        List<String> out = new ArrayList<>(4);
        for (String token : csv(connection)) {
            if (!token.equals("close") && !token.equals("keep-alive") && !token.equals("upgrade")) {
                out.add(token);
            }
        }
        return out;
    }

    /** Kong's csv(): lower-cased, comma-separated, trimmed, empties dropped; a lone close/upgrade/keep-alive is empty. */
    static List<String> csv(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.isEmpty() || lower.equals("close") || lower.equals("upgrade") || lower.equals("keep-alive")) {
            return List.of();
        }
        List<String> out = new ArrayList<>(4);
        for (String part : lower.split(",")) {
            String t = part.strip();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    private static boolean notCopied(CharSequence name, List<String> listed, boolean requestIdUpstream,
                                     boolean http2) {
        for (AsciiString n : NOT_COPIED) {
            if (n.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        if (requestIdUpstream && X_KONG_REQUEST_ID.contentEqualsIgnoreCase(name)) {
            return true;
        }
        // Netty's HTTP/2 -> HTTP/1 conversion adds x-http2-* extension headers; they are not the client's.
        if (http2 && AsciiString.regionMatches(name, true, 0, "x-http2-", 0, 8)) {
            return true;
        }
        // Connection cannot remove the body's framing: nginx frames the upstream body itself.
        if (listed.isEmpty() || HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
            return false;
        }
        for (int i = 0; i < listed.size(); i++) {
            if (AsciiString.contentEqualsIgnoreCase(listed.get(i), name)) {
                return true;
            }
        }
        return false;
    }

    // nginx's proxy_set_header sends no header whose value is empty.
    private static void setNonEmpty(HttpHeaders h, AsciiString name, String value) {
        if (value != null && !value.isEmpty()) {
            h.set(name, value);
        }
    }
}
