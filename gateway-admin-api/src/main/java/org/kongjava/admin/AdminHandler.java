package org.kongjava.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.kongjava.config.schema.EntityException;
import org.kongjava.core.accesslog.AccessLog;
import org.kongjava.core.accesslog.AccessLogFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's Admin API handler. Parses the aggregated request on the event loop, dispatches it,
 * and writes the response on the same loop when the (possibly asynchronous) result is ready.
 * <p>
 * One request at a time per connection: while a response is pending the channel stops reading, and
 * requests already decoded from the same read wait in {@link #queued}, so pipelined requests are
 * answered in order and a read after a write sees that write.
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String JSON = "application/json; charset=utf-8";

    private final AdminContext ctx;
    private final AdminApi api;
    // Not volatile: only this channel's event loop touches them.
    private final ArrayDeque<FullHttpRequest> queued = new ArrayDeque<>();
    private boolean busy;

    private final AccessLog accessLog;
    /** The request being answered, for its access-log line (null when the log is off). */
    private RequestFacts pending;

    /** What the {@code combined} access-log line needs of a request, copied before the request is released. */
    private record RequestFacts(String method, String uri, String protocol, String authorization, String referer,
                                String userAgent) {
    }

    AdminHandler(AdminContext ctx, AdminApi api) {
        this(ctx, api, AccessLog.OFF);
    }

    AdminHandler(AdminContext ctx, AdminApi api, AccessLog accessLog) {
        this.ctx = ctx;
        this.api = api;
        this.accessLog = accessLog;
    }

    // Connections are counted by AdminServer's first handler: this one may be added after the TLS handshake
    // (channelActive already past) or once per HTTP/2 stream.

    @Override
    public void channelInactive(ChannelHandlerContext c) throws Exception {
        FullHttpRequest q;
        while ((q = queued.poll()) != null) {
            q.release();
        }
        super.channelInactive(c);
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg); // the aggregator only emits full requests; anything else is dropped
            return;
        }
        if (busy) {
            queued.add(req);
            return;
        }
        handle(c, req);
    }

    /** Handles one request; the request is released here once its facts are copied out. */
    private void handle(ChannelHandlerContext c, FullHttpRequest req) {
        busy = true;
        try {
            start(c, req);
        } finally {
            req.release();
        }
    }

    private void start(ChannelHandlerContext c, FullHttpRequest req) {
        long start = System.nanoTime();
        ctx.counters().totalRequests.increment();
        ctx.counters().connectionsBusy.increment();
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        boolean head = req.method().name().equals("HEAD");
        if (accessLog.enabled()) {
            var h = req.headers();
            pending = new RequestFacts(req.method().name(), req.uri(),
                    c.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel ? "HTTP/2.0"
                            : req.protocolVersion().text(),
                    h.get(HttpHeaderNames.AUTHORIZATION), h.get(HttpHeaderNames.REFERER),
                    h.get(HttpHeaderNames.USER_AGENT));
        }
        CompletableFuture<AdminResponse> result;
        try {
            result = dispatch(req);
        } catch (Throwable t) {
            result = CompletableFuture.failedFuture(t);
        }
        if (!result.isDone()) {
            c.channel().config().setAutoRead(false); // no next request until this one is answered
        }
        result.whenComplete((resp, err) -> {
            AdminResponse r = err == null ? resp : toResponse(err);
            if (c.executor().inEventLoop()) {
                safeWrite(c, r, keepAlive, origin, head, start);
            } else {
                c.executor().execute(() -> safeWrite(c, r, keepAlive, origin, head, start));
            }
        });
    }

    private CompletableFuture<AdminResponse> dispatch(FullHttpRequest req) {
        if (req.decoderResult().isFailure()) {
            return CompletableFuture.completedFuture(AdminResponse.message(400, "Bad request"));
        }
        QueryStringDecoder qs = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8, true, BodyArgs.MAX_ARGS + 1);
        List<String> segments = segments(qs.rawPath());
        AdminRoutes.Match m = api.routes().find(segments);
        if (m == null) {
            return CompletableFuture.completedFuture(AdminResponse.notFound());
        }
        String method = req.method().name();
        if (method.equals("OPTIONS")) {
            return CompletableFuture.completedFuture(options(m, req));
        }
        if (!m.endpoint().methods().contains(method)) {
            return CompletableFuture.completedFuture(AdminResponse.methodNotAllowed());
        }
        int queryArgs = qs.parameters().values().stream().mapToInt(List::size).sum();
        if (queryArgs > BodyArgs.MAX_ARGS) {
            return CompletableFuture.completedFuture(AdminResponse.message(400, "Too many arguments"));
        }
        boolean hasBody = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        BodyArgs.Decoded body = !hasBody ? new BodyArgs.Decoded(new LinkedHashMap<>(), false)
                : m.endpoint().template().equals("/config") ? BodyArgs.decodeConfig(req) : BodyArgs.decode(req);
        AdminRequest ar = new AdminRequest(method, segments, qs.parameters(), body.args(),
                req.headers().get(HttpHeaderNames.ORIGIN), req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS));
        return m.endpoint().handler().handle(ar, m.params(), body);
    }

    /** Decoded path segments; a trailing slash is tolerated ({@code /services/} is {@code /services}). */
    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        // Netty keeps request-line bytes as ISO-8859-1 chars; raw (unescaped) UTF-8 names need re-decoding.
        String p = rawPath.chars().anyMatch(ch -> ch > 0x7F)
                ? new String(rawPath.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8) : rawPath;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty() || p.equals("/")) {
            return out;
        }
        for (String s : p.substring(1).split("/", -1)) {
            out.add(QueryStringDecoder.decodeComponent(s.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static AdminResponse options(AdminRoutes.Match m, FullHttpRequest req) {
        String allowed = String.join(", ", m.endpoint().methods());
        String requested = req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Allow", allowed);
        h.put("Access-Control-Allow-Methods", allowed);
        h.put("Access-Control-Allow-Headers", requested != null ? requested : "Content-Type");
        return new AdminResponse(204, null, h);
    }

    private static AdminResponse toResponse(Throwable err) {
        Throwable t = err;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof EntityException e) {
            if (e.httpStatus() >= 500) {
                log.error("admin API: database error: {}", e.getMessage());
                return AdminResponse.unexpected();
            }
            return AdminResponse.json(e.httpStatus(), e.toJsonMap());
        }
        if (t instanceof AdminException a) {
            return a.response();
        }
        if (t instanceof IllegalArgumentException e) {
            // Refused by the snapshot compiler (e.g. a route the router cannot use): the caller's input.
            return AdminResponse.message(400, String.valueOf(e.getMessage()));
        }
        log.error("admin API: unexpected error", t);
        return AdminResponse.unexpected();
    }

    /** Writes the response; a failure while encoding it still answers (500) rather than leaving the client waiting. */
    private void safeWrite(ChannelHandlerContext c, AdminResponse r, boolean keepAlive, String origin, boolean head, long start) {
        try {
            write(c, r, keepAlive, origin, head, start);
        } catch (RuntimeException e) {
            log.error("admin API: cannot write response", e);
            write(c, AdminResponse.unexpected(), keepAlive, origin, head, start);
        }
    }

    private void write(ChannelHandlerContext c, AdminResponse r, boolean keepAlive, String origin, boolean head, long start) {
        byte[] bytes = r.body() == null ? new byte[0] : AdminJson.write(r.body());
        ctx.counters().connectionsBusy.decrement();
        ByteBuf content = head || bytes.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()), content);
        var h = resp.headers();
        if (r.body() != null) {
            h.set(HttpHeaderNames.CONTENT_TYPE, JSON);
        }
        h.set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin != null ? origin : "*");
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        if (ctx.sendServerHeader()) {
            h.set(HttpHeaderNames.SERVER, "kong/" + ctx.kongVersion());
        }
        if (ctx.sendLatencyHeader()) {
            h.set("X-Kong-Admin-Latency", (System.nanoTime() - start) / 1_000_000);
        }
        r.headers().forEach(h::set);
        if (r.status() == 204 || r.status() == 304) {
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (pending != null) {
            logAccess(c, pending, r.status(), head ? 0 : bytes.length);
            pending = null;
        }
        var f = c.writeAndFlush(resp);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        busy = false;
        FullHttpRequest next = queued.poll();
        if (next != null) {
            handle(c, next);
        } else if (!c.channel().config().isAutoRead()) {
            c.channel().config().setAutoRead(true);
        }
    }

    /** One {@code admin_access_log} line (nginx {@code combined}); the client is the TCP peer, as in Kong. */
    private void logAccess(ChannelHandlerContext c, RequestFacts q, int status, long bodyBytes) {
        java.net.SocketAddress peer = c.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel s
                ? s.parent().remoteAddress() : c.channel().remoteAddress();
        String addr = peer instanceof java.net.InetSocketAddress isa ? AccessLogFormat.address(isa.getAddress()) : null;
        accessLog.write(AccessLogFormat.http(addr, q.authorization(), System.currentTimeMillis(), q.method(), q.uri(),
                q.protocol(), status, bodyBytes, q.referer(), q.userAgent(), null, null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        log.debug("admin connection {} failed: {}", c.channel(), cause.toString());
        c.close();
    }
}
