package org.kongjava.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.List;
import java.util.Map;

/**
 * Responses Kong and nginx generate themselves (proxy-behaviour.md §4 "Kong-generated", §6; routing.md §6, §8).
 * Each response is complete, carries Content-Length and the Kong-generated headers; the caller sets
 * Connection (except {@link #httpsRequired}, which sets {@code Connection: Upgrade} as Kong does) and owns
 * the returned message (write it or release it).
 */
public final class ProxyErrors {
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final String APPLICATION_GRPC = "application/grpc";

    /** nginx error_page statuses -> Kong's error handler messages (kong/error_handlers.lua). */
    private static final Map<Integer, String> NGINX_MESSAGES = Map.ofEntries(
            Map.entry(400, "Bad request"),
            Map.entry(404, "Not found"),
            Map.entry(405, "Method not allowed"),
            Map.entry(408, "Request timeout"),
            Map.entry(411, "Length required"),
            Map.entry(412, "Precondition failed"),
            Map.entry(413, "Payload too large"),
            Map.entry(414, "URI too long"),
            Map.entry(417, "Expectation failed"),
            Map.entry(494, "Request header or cookie too large"),
            Map.entry(500, "An unexpected error occurred"),
            Map.entry(502, "An invalid response was received from the upstream server"),
            Map.entry(503, "The upstream server is currently unavailable"),
            Map.entry(504, "The upstream server is timing out"));

    /** kong.response.error's default messages (kong/pdk/response.lua). */
    private static final Map<Integer, String> PDK_MESSAGES = Map.ofEntries(
            Map.entry(400, "Bad request"), Map.entry(401, "Unauthorized"), Map.entry(402, "Payment required"),
            Map.entry(403, "Forbidden"), Map.entry(404, "Not found"), Map.entry(405, "Method not allowed"),
            Map.entry(406, "Not acceptable"), Map.entry(407, "Proxy authentication required"),
            Map.entry(408, "Request timeout"), Map.entry(409, "Conflict"), Map.entry(410, "Gone"),
            Map.entry(411, "Length required"), Map.entry(412, "Precondition failed"),
            Map.entry(413, "Payload too large"), Map.entry(414, "URI too long"),
            Map.entry(415, "Unsupported media type"), Map.entry(416, "Range not satisfiable"),
            Map.entry(417, "Expectation failed"), Map.entry(418, "I'm a teapot"),
            Map.entry(421, "Misdirected request"), Map.entry(422, "Unprocessable entity"), Map.entry(423, "Locked"),
            Map.entry(424, "Failed dependency"), Map.entry(425, "Too early"), Map.entry(426, "Upgrade required"),
            Map.entry(428, "Precondition required"), Map.entry(429, "Too many requests"),
            Map.entry(431, "Request header fields too large"), Map.entry(451, "Unavailable for legal reasons"),
            Map.entry(494, "Request header or cookie too large"), Map.entry(500, "An unexpected error occurred"),
            Map.entry(501, "Not implemented"),
            Map.entry(502, "An invalid response was received from the upstream server"),
            Map.entry(503, "The upstream server is currently unavailable"),
            Map.entry(504, "The upstream server is timing out"), Map.entry(505, "HTTP version not supported"),
            Map.entry(506, "Variant also negotiates"), Map.entry(507, "Insufficient storage"),
            Map.entry(508, "Loop detected"), Map.entry(510, "Not extended"),
            Map.entry(511, "Network authentication required"));

    private static final Map<Integer, Integer> HTTP_TO_GRPC = Map.ofEntries(
            Map.entry(200, 0), Map.entry(400, 3), Map.entry(401, 16), Map.entry(403, 7), Map.entry(404, 5),
            Map.entry(409, 6), Map.entry(429, 8), Map.entry(499, 1), Map.entry(500, 13), Map.entry(501, 12),
            Map.entry(503, 14), Map.entry(504, 4));

    private static final String[] GRPC_MESSAGES = {"OK", "Canceled", "Unknown", "InvalidArgument",
        "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted",
        "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss",
        "Unauthenticated"};

    private ProxyErrors() {
    }

    /**
     * A Kong-logic error ({@code kong.response.error}): 404 no route, 503 no service, balancer errors, ...
     * The format comes from the request's Accept header only (missing or unknown: JSON); gRPC requests
     * (HTTP/2 with an {@code application/grpc} Content-Type) get an empty body with grpc-status/grpc-message.
     *
     * @param message           the message, or null for Kong's default for the status
     * @param request           the client request, or null when there is none (JSON then)
     * @param requestId         the request id (null is printed as empty, like Kong)
     * @param responseLatencyMs request start until now, for X-Kong-Response-Latency
     */
    public static FullHttpResponse kongError(ByteBufAllocator alloc, HttpResponseStatus status, String message,
                                             HttpRequest request, String requestId, long responseLatencyMs,
                                             HeaderSettings s) {
        String msg = message != null ? message : defaultMessage(PDK_MESSAGES, status.code());
        FullHttpResponse r;
        if (isGrpcRequest(request)) {
            r = grpc(status, GRPC_MESSAGES[grpcStatus(status.code())], true);
        } else {
            // kong.response.error reads every Accept line, joined with commas.
            List<String> accept = request == null ? List.of() : request.headers().getAll(HttpHeaderNames.ACCEPT);
            ErrorFormat f = ErrorFormat.forAccept(accept.isEmpty() ? null : String.join(",", accept));
            r = withBody(alloc, status, f.contentType, f.render(msg, requestId == null ? "" : requestId), isHead(request));
        }
        addKongGenerated(r.headers(), requestId, responseLatencyMs, s);
        return r;
    }

    /**
     * An nginx-level error handled by Kong's error handler (kong/error_handlers.lua): malformed requests,
     * timeouts, size limits, and upstream failures (502/504) after proxying started. The format comes from
     * Accept, else the request Content-Type, else {@code error_default_type}; 494 is sent as 400.
     *
     * @param status            the nginx status (400, 404, 405, 408, 411, 412, 413, 414, 417, 494, 500, 502, 503, 504, ...)
     * @param request           the request, or null when it could not be parsed
     * @param proxyLatencyMs    -1 when Kong had not started proxying (then X-Kong-Response-Latency, reported as 0);
     *                          otherwise the response counts as proxied: X-Kong-Proxy-Latency, Via
     * @param upstreamLatencyMs X-Kong-Upstream-Latency when proxied; -1 for none
     */
    public static FullHttpResponse nginxError(ByteBufAllocator alloc, int status, HttpRequest request,
                                              String requestId, HeaderSettings s, long proxyLatencyMs,
                                              long upstreamLatencyMs) {
        String msg = defaultMessage(NGINX_MESSAGES, status);
        HttpResponseStatus sent = HttpResponseStatus.valueOf(status == 494 ? 400 : status);
        String accept = null;
        if (request != null) {
            accept = request.headers().get(HttpHeaderNames.ACCEPT);
            if (accept == null) {
                accept = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
            }
        }
        if (accept == null) {
            accept = s.errorDefaultType();
        }
        String rid = requestId == null ? "" : requestId;
        FullHttpResponse r;
        if (accept.startsWith(APPLICATION_GRPC)) {
            // Kong answers with a {message = ...} table: grpc-message on gRPC requests, JSON otherwise.
            r = isGrpcRequest(request)
                    ? grpc(sent, msg, false)
                    : withBody(alloc, sent, "application/json; charset=utf-8",
                            "{\"message\":\"" + msg + "\"}", isHead(request));
        } else {
            ErrorFormat f = ErrorFormat.forAccept(accept);
            r = withBody(alloc, sent, f.contentType, f.render(msg, rid), isHead(request));
        }
        HttpHeaders h = r.headers();
        if (proxyLatencyMs < 0) {
            addKongGenerated(h, requestId, 0, s);
            return r;
        }
        if (s.enabled(HeaderSettings.UPSTREAM_STATUS)) {
            h.set(ResponseHeaderRewriter.X_KONG_UPSTREAM_STATUS, Integer.toString(sent.code()));
        }
        if (s.enabled(HeaderSettings.UPSTREAM_LATENCY) && upstreamLatencyMs >= 0) {
            h.set(ResponseHeaderRewriter.X_KONG_UPSTREAM_LATENCY, Long.toString(upstreamLatencyMs));
        }
        if (s.enabled(HeaderSettings.PROXY_LATENCY)) {
            h.set(ResponseHeaderRewriter.X_KONG_PROXY_LATENCY, Long.toString(proxyLatencyMs));
        }
        if (s.enabled(HeaderSettings.VIA)) {
            h.set(HttpHeaderNames.VIA, "1.1 " + s.serverToken());
        }
        if (s.enabled(HeaderSettings.SERVER)) {
            h.set(HttpHeaderNames.SERVER, s.serverToken());
        }
        if (s.enabled(HeaderSettings.REQUEST_ID) && requestId != null) {
            h.set(ResponseHeaderRewriter.X_KONG_REQUEST_ID, requestId);
        }
        return r;
    }

    /**
     * 426 {@code Please use HTTPS protocol} for an https-only route reached over http (routing.md §6),
     * formatted like {@link #kongError}, with {@code Connection: Upgrade} and {@code Upgrade: TLS/1.2, HTTP/1.1}.
     */
    public static FullHttpResponse httpsRequired(ByteBufAllocator alloc, HttpRequest request, String requestId,
                                                 long responseLatencyMs, HeaderSettings s) {
        FullHttpResponse r = kongError(alloc, HttpResponseStatus.UPGRADE_REQUIRED, "Please use HTTPS protocol",
                request, requestId, responseLatencyMs, s);
        r.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
        r.headers().set(HttpHeaderNames.UPGRADE, "TLS/1.2, HTTP/1.1");
        return r;
    }

    /**
     * The https redirect of an https-only route reached over http: {@code status} with
     * {@code Location: https://<host><rawUri>} and an empty body. X-Kong-Response-Latency is reported as 0
     * (see the overload taking the latency).
     *
     * @param status 301, 302, 307 or 308
     * @param host   the request host without port (or the trusted X-Forwarded-Host)
     * @param rawUri the raw request URI including the query
     */
    public static FullHttpResponse httpsRedirect(ByteBufAllocator alloc, int status, String host, String rawUri,
                                                 String requestId, HeaderSettings s) {
        return httpsRedirect(alloc, status, host, rawUri, requestId, 0, s);
    }

    /** {@link #httpsRedirect(ByteBufAllocator, int, String, String, String, HeaderSettings)} with the response latency. */
    public static FullHttpResponse httpsRedirect(ByteBufAllocator alloc, int status, String host, String rawUri,
                                                 String requestId, long responseLatencyMs, HeaderSettings s) {
        if (status != 301 && status != 302 && status != 307 && status != 308) {
            throw new IllegalArgumentException("https_redirect_status_code: " + status + " (expected: 301, 302, 307 or 308)");
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.EMPTY_BUFFER);
        r.headers().set(HttpHeaderNames.LOCATION, "https://" + host + rawUri);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        addKongGenerated(r.headers(), requestId, responseLatencyMs, s);
        return r;
    }

    /**
     * Adds the headers of a Kong-generated response: X-Kong-Response-Latency, Server (removed when not
     * enabled) and X-Kong-Request-Id, each when enabled.
     */
    public static void addKongGenerated(HttpHeaders h, String requestId, long responseLatencyMs, HeaderSettings s) {
        if (s.enabled(HeaderSettings.RESPONSE_LATENCY)) {
            h.set(ResponseHeaderRewriter.X_KONG_RESPONSE_LATENCY, Long.toString(Math.max(0, responseLatencyMs)));
        }
        if (s.enabled(HeaderSettings.SERVER)) {
            h.set(HttpHeaderNames.SERVER, s.serverToken());
        } else {
            h.remove(HttpHeaderNames.SERVER);
        }
        if (s.enabled(HeaderSettings.REQUEST_ID) && requestId != null) {
            h.set(ResponseHeaderRewriter.X_KONG_REQUEST_ID, requestId);
        }
    }

    /** The message nginx's error handler uses for a status ({@code The upstream server responded with <status>} otherwise). */
    public static String nginxMessage(int status) {
        return defaultMessage(NGINX_MESSAGES, status);
    }

    private static String defaultMessage(Map<Integer, String> table, int status) {
        String m = table.get(status);
        return m != null ? m : "The upstream server responded with " + status;
    }

    // HEAD: nginx sends the headers Kong set, Content-Length of the body included, and no body.
    private static FullHttpResponse withBody(ByteBufAllocator alloc, HttpResponseStatus status, String contentType,
                                             String body, boolean head) {
        int length = ByteBufUtil.utf8Bytes(body);
        ByteBuf content = head || length == 0 ? Unpooled.EMPTY_BUFFER : ByteBufUtil.writeUtf8(alloc, body);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        return r;
    }

    private static FullHttpResponse grpc(HttpResponseStatus status, String grpcMessage, boolean grpcContentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        if (grpcContentType) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
        }
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        r.headers().set(GRPC_STATUS, Integer.toString(grpcStatus(status.code())));
        r.headers().set(GRPC_MESSAGE, grpcMessage);
        return r;
    }

    private static int grpcStatus(int http) {
        Integer g = HTTP_TO_GRPC.get(http);
        if (g != null) {
            return g;
        }
        if (http >= 500 && http <= 599) {
            return 13;
        }
        if (http >= 400 && http <= 499) {
            return 3;
        }
        return http >= 200 && http <= 299 ? 0 : 2;
    }

    // Kong's is_grpc_request(): HTTP/2 and a Content-Type starting with application/grpc.
    private static boolean isGrpcRequest(HttpRequest request) {
        if (request == null || request.protocolVersion().majorVersion() != 2) {
            return false;
        }
        String ct = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return ct != null && ct.startsWith(APPLICATION_GRPC);
    }

    private static boolean isHead(HttpRequest request) {
        return request != null && HttpMethod.HEAD.equals(request.method());
    }
}
