package org.kongjava.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.router.RouteMatch;

/**
 * Adjusts the head of a response the upstream produced (proxy-behaviour.md §4), in place: hop-by-hop
 * removal (nginx and Kong), Via, Server, the latency / upstream-status / request-id headers, and the
 * {@code allow_debug_header} headers.
 */
public final class ResponseHeaderRewriter {
    static final AsciiString X_KONG_UPSTREAM_LATENCY = AsciiString.cached("X-Kong-Upstream-Latency");
    static final AsciiString X_KONG_PROXY_LATENCY = AsciiString.cached("X-Kong-Proxy-Latency");
    static final AsciiString X_KONG_RESPONSE_LATENCY = AsciiString.cached("X-Kong-Response-Latency");
    static final AsciiString X_KONG_UPSTREAM_STATUS = AsciiString.cached("X-Kong-Upstream-Status");
    static final AsciiString X_KONG_REQUEST_ID = AsciiString.cached("X-Kong-Request-Id");
    static final AsciiString KONG_DEBUG = AsciiString.cached("Kong-Debug");
    static final AsciiString KONG_ROUTE_ID = AsciiString.cached("Kong-Route-Id");
    static final AsciiString KONG_ROUTE_NAME = AsciiString.cached("Kong-Route-Name");
    static final AsciiString KONG_SERVICE_ID = AsciiString.cached("Kong-Service-Id");
    static final AsciiString KONG_SERVICE_NAME = AsciiString.cached("Kong-Service-Name");
    private static final AsciiString X_PAD = AsciiString.cached("X-Pad");
    private static final String X_ACCEL = "x-accel-";

    private ResponseHeaderRewriter() {
    }

    /**
     * Rewrites the upstream response head for the client.
     *
     * @param upstream          the upstream's response head; its headers are changed in place. Connection,
     *                          Keep-Alive and Transfer-Encoding are removed: the caller sets Connection (Upgrade for
     *                          a 101) and re-frames the body
     * @param clientRequest     the client's request head (TE, Kong-Debug)
     * @param upgradeRequested  Kong sent {@code Upgrade: websocket} upstream
     * @param proxyLatencyMs    request start to the end of balancing
     * @param upstreamLatencyMs end of balancing to the first response byte
     * @param requestId         the request id
     * @param match             the matched route (service protocol for Via, debug headers)
     * @param s                 header settings
     */
    public static void rewriteProxied(HttpResponse upstream, HttpRequest clientRequest, boolean upgradeRequested,
                                      long proxyLatencyMs, long upstreamLatencyMs, String requestId,
                                      RouteMatch match, HeaderSettings s) {
        HttpHeaders h = upstream.headers();

        // Headers the upstream names in Connection (nginx joins repeated lines with ", ").
        List<String> connection = h.getAll(HttpHeaderNames.CONNECTION);
        if (!connection.isEmpty()) {
            for (String name : UpstreamRequestBuilder.connectionListed(String.join(", ", connection))) {
                h.remove(name);
            }
        }
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(HttpHeaderNames.KEEP_ALIVE);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(X_PAD);
        removeAccelHeaders(h);
        String upgrade = h.get(HttpHeaderNames.UPGRADE);
        if (upgrade != null && !(upgradeRequested && "websocket".equalsIgnoreCase(upgrade))) {
            h.remove(HttpHeaderNames.UPGRADE);
        }
        if (!UpstreamRequestBuilder.clientAcceptsTrailers(clientRequest)) {
            h.remove(HttpHeaderNames.TRAILER);
        }

        if (s.enabled(HeaderSettings.UPSTREAM_STATUS)) {
            h.set(X_KONG_UPSTREAM_STATUS, Integer.toString(upstream.status().code()));
        }
        if (s.enabled(HeaderSettings.UPSTREAM_LATENCY)) {
            h.set(X_KONG_UPSTREAM_LATENCY, Long.toString(Math.max(0, upstreamLatencyMs)));
        }
        if (s.enabled(HeaderSettings.PROXY_LATENCY)) {
            h.set(X_KONG_PROXY_LATENCY, Long.toString(Math.max(0, proxyLatencyMs)));
        }
        if (s.enabled(HeaderSettings.VIA)) {
            Service service = match.service();
            boolean grpc = service != null
                    && (service.protocol() == Protocol.GRPC || service.protocol() == Protocol.GRPCS);
            String kongVia = (grpc ? "2 " : "1.1 ") + s.serverToken();
            List<String> via = h.getAll(HttpHeaderNames.VIA);
            h.set(HttpHeaderNames.VIA, via.isEmpty() ? kongVia : String.join(", ", via) + ", " + kongVia);
        }
        if (s.enabled(HeaderSettings.SERVER) && !h.contains(HttpHeaderNames.SERVER)) {
            h.set(HttpHeaderNames.SERVER, s.serverToken());
        }
        if (s.enabled(HeaderSettings.REQUEST_ID) && requestId != null) {
            h.set(X_KONG_REQUEST_ID, requestId);
        }
        addDebugHeaders(h, clientRequest, match, s);
    }

    /**
     * Adds Kong-Route-Id/-Name and Kong-Service-Id/-Name when {@code allow_debug_header} is on and the
     * client sent a {@code Kong-Debug} header (any value). Kong adds them as soon as a route matched, so
     * Kong-generated responses after the match (503 no service, 426, plugin exits) get them too.
     */
    public static void addDebugHeaders(HttpHeaders out, HttpRequest clientRequest, RouteMatch match,
                                       HeaderSettings s) {
        if (!s.allowDebugHeader() || match == null || !clientRequest.headers().contains(KONG_DEBUG)) {
            return;
        }
        Route route = match.route();
        if (route != null) {
            if (route.id() != null) {
                out.set(KONG_ROUTE_ID, route.id().toString());
            }
            if (route.name() != null) {
                out.set(KONG_ROUTE_NAME, route.name());
            }
        }
        Service service = match.service();
        if (service != null) {
            if (service.id() != null) {
                out.set(KONG_SERVICE_ID, service.id().toString());
            }
            if (service.name() != null) {
                out.set(KONG_SERVICE_NAME, service.name());
            }
        }
    }

    private static void removeAccelHeaders(HttpHeaders h) {
        List<CharSequence> accel = null;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            if (name.length() > X_ACCEL.length() && AsciiString.regionMatches(name, true, 0, X_ACCEL, 0, X_ACCEL.length())) {
                if (accel == null) {
                    accel = new ArrayList<>(2);
                }
                accel.add(name);
            }
        }
        if (accel != null) {
            for (CharSequence name : accel) {
                h.remove(name);
            }
        }
    }
}
