package org.kongjava.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.balance.BalanceFacts;
import org.kongjava.core.balance.Balancer;
import org.kongjava.core.balance.Peer;
import org.kongjava.core.balance.Pick;
import org.kongjava.core.balance.TargetHealth;
import org.kongjava.core.accesslog.AccessLog;
import org.kongjava.core.accesslog.AccessLogFormat;
import org.kongjava.core.listener.ConnectionInfo;
import org.kongjava.core.listener.Passthrough;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.proxyprotocol.UpstreamProxyHeader;
import org.kongjava.core.router.HeaderLookup;
import org.kongjava.core.router.RequestFacts;
import org.kongjava.core.tls.TlsHandlers;
import org.kongjava.core.router.RouteMatch;
import org.kongjava.core.snapshot.RoutingSnapshot;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.upstream.HostResolver;
import org.kongjava.core.upstream.PoolKey;
import org.kongjava.core.upstream.UpstreamPool;
import org.kongjava.core.upstream.UpstreamPools;
import org.kongjava.core.upstream.UpstreamTlsPolicy;
import org.kongjava.tls.UpstreamVerificationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the HTTP/1.1 proxy: a state machine running one exchange at a time.
 * <p>
 * Head: route at header time (STYLE #18) on a pinned snapshot; errors (404/426/503/413) cost no body read.
 * Then resolve the service host, take a pooled upstream connection of this event loop or connect one on
 * it (STYLE #7), send the rewritten head and stream the body: the next client chunk is read only after
 * the upstream write finished, and the next upstream read is requested only after the client write
 * finished (STYLE #8). A WebSocket upgrade turns both connections into a byte relay.
 * <p>
 * Ownership (STYLE #9): a message read from one side is either written to the other side (the write
 * releases it) or released here; every branch below does one of the two.
 * <p>
 * All state is touched only by the connection's event loop, which is also the upstreams' loop: no
 * field is volatile. Callbacks from futures compare the exchange they were made for with the current
 * one and do nothing when it has changed.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    private static final int UPSTREAM_MAX_HEADER = 64 * 1024;
    private static final HttpResponseStatus LOOP_DETECTED = new HttpResponseStatus(508, "Loop Detected");

    private enum Wait { HEAD, KEEPALIVE, BODY }

    private final SnapshotHolder holder;
    private final HttpProxySettings settings;
    private final HeaderSettings hs;
    private final ServerCounters counters;
    private final UpstreamPools pools;
    private final HostResolver resolver;
    private final ClientByteCounter clientBytes;
    private final ProxyProtocolOptions ppOptions;
    private final Passthrough passthrough;

    private ChannelHandlerContext ctx;
    private UpstreamPool pool;
    private ConnectionInfo info;
    private int requests;
    /** The exchange in progress, or null between requests. */
    private Exchange ex;
    /** After an early error on a body-less request: drop its (empty) last content, then go on. */
    private boolean discardUntilLast;
    private ScheduledFuture<?> clientTimer;
    private long bytesAtWaitStart;
    private boolean active;
    /** Decoded client messages not yet handed on: the proxy takes one per {@link #requestMessage()}. */
    private final java.util.ArrayDeque<Object> inbound = new java.util.ArrayDeque<>();
    private boolean wanted;
    private boolean draining;
    /**
     * An HTTP/2 stream (child channel) rather than a connection: one exchange, then the stream ends; the
     * connection is counted by {@code Http2ProxyPipeline}; no keep-alive and no WebSocket upgrade.
     */
    private boolean h2;
    /** Where finished exchanges are logged ({@code proxy_access_log}); set by the pipeline factory. */
    AccessLog accessLog = AccessLog.OFF;

    HttpProxyHandler(SnapshotHolder holder, HttpProxySettings settings, ServerCounters counters,
                     UpstreamPools pools, HostResolver resolver, ClientByteCounter clientBytes,
                     ProxyProtocolOptions ppOptions) {
        this(holder, settings, counters, pools, resolver, clientBytes, ppOptions, Passthrough.off());
    }

    HttpProxyHandler(SnapshotHolder holder, HttpProxySettings settings, ServerCounters counters,
                     UpstreamPools pools, HostResolver resolver, ClientByteCounter clientBytes,
                     ProxyProtocolOptions ppOptions, Passthrough passthrough) {
        this.ppOptions = ppOptions;
        this.passthrough = passthrough;
        this.holder = holder;
        this.settings = settings;
        this.hs = settings.headers();
        this.counters = counters;
        this.pools = pools;
        this.resolver = resolver;
        this.clientBytes = clientBytes;
    }

    /** One request/response, from the request head to the last response byte (or the end of a relay). */
    private static final class Exchange {
        final HttpRequest request;
        final String requestId;
        final long startNanos;
        final boolean hasBody;
        RouteMatch match;
        Service service;
        boolean upgradeRequested;
        boolean expectContinue;
        boolean clientKeepAlive;
        HttpRequest upstreamRequest;
        InetSocketAddress target;
        PoolKey key;
        // TLS to the upstream (https/grpcs services): the policy, and the name verified and sent as SNI this try.
        UpstreamTlsPolicy tls;
        String tlsHost;
        // upstream_proxy_protocol: the version sent first on new upstream connections (0 = none) and its addresses.
        int ppVersion;
        InetSocketAddress ppSource;
        InetSocketAddress ppDestination;
        String ppIdentity;
        int triesLeft;
        long balancerDoneNanos;
        // Load balancing (service host names an upstream): the request's pick over its tries.
        Pick pick;
        long tryStartNanos;

        Channel upstream;
        boolean reused;
        boolean clientBodyDone;
        long bodyBytes;
        boolean bodyForwarded;
        boolean requestComplete;
        boolean continueSent;
        boolean responseHeadReceived;
        boolean responseStarted;
        boolean responseComplete;
        boolean upstreamKeepAlive;
        boolean skipInterimLast;
        boolean relaying;
        boolean wroteInBatch;
        ChannelFuture lastClientWrite;
        ScheduledFuture<?> writeTimer;
        ScheduledFuture<?> readTimer;
        boolean finished;
        // Access log: the status and body bytes sent to the client, and the realip-resolved client address.
        int status;
        long bodyBytesSent;
        ClientAddress client;

        Exchange(HttpRequest request, String requestId, long startNanos) {
            this.request = request;
            this.requestId = requestId;
            this.startNanos = startNanos;
            this.hasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        }

        long proxyLatencyMs() {
            return balancerDoneNanos == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(balancerDoneNanos - startNanos);
        }

        long upstreamLatencyMs() {
            return balancerDoneNanos == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - balancerDoneNanos);
        }
    }

    /** A timeout towards the upstream: answered 504. */
    private static final class UpstreamTimeout extends IOException {
        UpstreamTimeout(String what) {
            super(what);
        }
    }

    // ------------------------------------------------------------------ client connection lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        h2 = ctx.channel() instanceof io.netty.handler.codec.http2.Http2StreamChannel;
        if (ctx.channel().isActive() && ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null) {
            // Added after a TLS handshake: the connection has long been active, channelActive will not come.
            activate(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        activate(ctx);
        ctx.fireChannelActive();
    }

    private void activate(ChannelHandlerContext ctx) {
        if (active) {
            return;
        }
        active = true;
        if (!h2) {
            counters.connectionsAccepted.increment();
            counters.connectionsHandled.increment();
            counters.connectionsActive.increment();
        }
        info = ctx.channel().attr(ConnectionInfo.KEY).get();
        pool = pools.forLoop(ctx.channel().eventLoop());
        bytesAtWaitStart = clientBytes.bytes();
        armClientTimer(Wait.HEAD, settings.clientHeaderTimeoutMillis());
        requestMessage();
    }

    /** Whether the client connection is TLS (its listen address has {@code ssl}). */
    private boolean https() {
        return info != null && info.listener() != null && info.listener().ssl();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (active) {
            active = false;
            if (!h2) {
                counters.connectionsActive.decrement();
            }
        }
        cancelClientTimer();
        releaseQueued();
        Exchange e = ex;
        if (e != null) {
            log.debug("client {} closed during request {}", info == null ? null : info.peer(), e.requestId);
            endExchange(e, false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and broken pipes from clients are everyday noise, not bugs (STYLE #13).
        log.debug("client connection {} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Exchange e = ex;
        if (e != null && e.relaying) {
            relayFromClient(e, msg);
            return;
        }
        inbound.add(msg);
        drain();
    }

    /**
     * Asks for the next decoded client message: from the queue when the decoder already produced it,
     * else from the socket.
     */
    private void requestMessage() {
        wanted = true;
        if (!inbound.isEmpty()) {
            drain();
        } else {
            readSoon(ctx.channel());
        }
    }

    /**
     * Requests a socket read as a task of the loop rather than at once. A read() requested while the
     * same channel was still inside its read callbacks (a write to the other side that completed at
     * once, then asking for more) was intermittently never served in tests, leaving the exchange
     * stalled; issued from a fresh task it always is. The cost is one task per read.
     */
    private static void readSoon(Channel ch) {
        ch.eventLoop().execute(ch::read);
    }

    /** Hands queued messages on, one per request; re-entrant calls only flag the wish. */
    private void drain() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            while (wanted && !inbound.isEmpty()) {
                wanted = false;
                dispatch(inbound.poll());
            }
        } finally {
            draining = false;
        }
        if (wanted && inbound.isEmpty()) {
            readSoon(ctx.channel());
        }
    }

    private void releaseQueued() {
        for (Object m; (m = inbound.poll()) != null; ) {
            ReferenceCountUtil.release(m);
        }
    }

    private void dispatch(Object msg) {
        Exchange e = ex;
        if (msg instanceof HttpRequest req && req.decoderResult().isFailure()) {
            try {
                cancelClientTimer();
                if (e != null) {
                    endExchange(e, false);
                }
                rejectMalformed(req, req.decoderResult().cause());
            } finally {
                ReferenceCountUtil.release(msg); // the decoder's stand-in for a broken head may carry a buffer
            }
        } else if (msg instanceof HttpRequest req) {
            if (msg instanceof HttpContent) {
                // The decoder never aggregates; a full request here would be a pipeline bug.
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            onRequestHead(req);
        } else if (msg instanceof HttpContent c) {
            onRequestContent(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    // ------------------------------------------------------------------ request head

    private void onRequestHead(HttpRequest req) {
        cancelClientTimer();
        if (ex != null) {
            // Flow control delivers one message per read and we read no head mid-exchange.
            log.warn("request head during exchange {}; closing", ex.requestId);
            ctx.close();
            return;
        }
        if (req.decoderResult().isFailure()) {
            rejectMalformed(req, req.decoderResult().cause());
            return;
        }
        // On a proxy_protocol listener the PROXY handler replaces the connection facts once the header is read,
        // which is after channelActive; the first request head always comes after it.
        ConnectionInfo latest = ctx.channel().attr(ConnectionInfo.KEY).get();
        if (latest != null) {
            info = latest;
        }
        requests++;
        counters.totalRequests.increment();
        counters.connectionsBusy.increment();
        Exchange e = new Exchange(req, RequestIds.next(), System.nanoTime());
        ex = e;
        e.clientKeepAlive = !h2 && HttpUtil.isKeepAlive(req) && settings.keepaliveTimeoutMillis() > 0
                && (settings.keepaliveRequests() == 0 || requests < settings.keepaliveRequests());

        String problem = headProblem(req);
        if (problem != null) {
            log.info("bad request from {}: {}", info.peer(), problem);
            int status = problem.startsWith("unknown Transfer-Encoding") ? 501 : 400;
            sendError(e, ProxyErrors.nginxError(ctx.alloc(), status, req, e.requestId, hs, -1, -1), true);
            return;
        }

        HttpHeaders h = req.headers();
        String uri = req.uri();
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String rawQuery = q < 0 ? null : uri.substring(q + 1);
        String host = h.get(HttpHeaderNames.HOST);
        if (!rawPath.startsWith("/")) {
            int scheme = rawPath.indexOf("://");
            if (scheme > 0) { // absolute-form: its authority wins over Host (RFC 9112 §3.2.2)
                int slash = rawPath.indexOf('/', scheme + 3);
                host = slash < 0 ? rawPath.substring(scheme + 3) : rawPath.substring(scheme + 3, slash);
                rawPath = slash < 0 ? "/" : rawPath.substring(slash);
            }
        }
        // Transparent listener: the address the client meant stands in for the local one (X-Forwarded-Port,
        // routing by port) and, when the request names no host (HTTP/1.0, or an empty Host), for its Host.
        InetSocketAddress original = info.originalDestination();
        if (original != null && (host == null || host.isBlank())) {
            host = PassthroughTarget.hostFor(original, https());
            h.set(HttpHeaderNames.HOST, host);
        }
        int localPort = original != null ? original.getPort() : info.local().getPort();
        int listenerPort = hs.portMaps() == null ? localPort : hs.portMaps().getOrDefault(localPort, localPort);

        final RoutingSnapshot snap = holder.current(); // pinned for this exchange (STYLE #4)
        HeaderLookup lookup = h::getAll;
        RouteMatch match = snap.httpRouter().select(
                new RequestFacts(req.method().name(), host, rawPath, lookup, TlsHandlers.sni(ctx.channel()), https(),
                        listenerPort));
        if (original != null && log.isDebugEnabled()) {
            log.debug("request {} from {} on transparent listener {}: original destination {}", e.requestId,
                    info.peer(), info.local(), original);
        }
        if (match == null) {
            Passthrough.Decision d = passthrough.decide(info);
            if (d == Passthrough.Decision.LOOP) {
                log.warn("request {} from {}: not forwarded to original destination {}: it is this gateway (loop)",
                        e.requestId, info.peer(), original);
                sendError(e, ProxyErrors.kongError(ctx.alloc(), LOOP_DETECTED,
                        "loop detected: the original destination is this gateway", req, e.requestId, elapsedMs(e), hs),
                        false);
                return;
            }
            if (d != Passthrough.Decision.FORWARD) {
                sendError(e, ProxyErrors.kongError(ctx.alloc(), HttpResponseStatus.NOT_FOUND,
                        "no Route matched with those values", req, e.requestId, elapsedMs(e), hs), false);
                return;
            }
            log.debug("request {}: no route; passthrough to original destination {}", e.requestId, original);
            match = PassthroughTarget.match(original, rawPath);
        }
        e.match = match;
        ClientAddress client = ClientAddressResolver.resolve(info.peer(), info.proxiedSource(), h, hs);
        e.client = client;

        Route route = match.route();
        if (route.protocols().contains(Protocol.HTTPS) && !route.protocols().contains(Protocol.HTTP) && !https()
                && !(client.trustedPeer() && "https".equalsIgnoreCase(h.get("X-Forwarded-Proto")))) {
            int code = route.httpsRedirectStatusCode();
            FullHttpResponse r;
            if (code == 426 || code == 0) {
                r = ProxyErrors.httpsRequired(ctx.alloc(), req, e.requestId, elapsedMs(e), hs);
            } else {
                String redirectHost = client.trustedPeer() && h.contains("X-Forwarded-Host")
                        ? h.get("X-Forwarded-Host") : host;
                r = ProxyErrors.httpsRedirect(ctx.alloc(), code, hostWithoutPort(redirectHost), req.uri(),
                        e.requestId, hs);
            }
            sendError(e, r, false);
            return;
        }
        // Kong's ip-restriction plugin (access phase: after the router and protocol checks, before the service check).
        org.kongjava.core.plugin.IpRestrictionRules.Rule ipRule = snap.ipRestrictions().find(route.id(),
                match.service() == null ? null : match.service().id());
        java.net.InetAddress clientIp = ipRule == null ? null : org.kongjava.config.net.IpAddresses.parseLiteral(client.ip());
        if (ipRule != null && !ipRule.permits(clientIp)) {
            log.info("request {} from {}: refused by ip-restriction plugin {}", e.requestId, client.ip(), ipRule.pluginId());
            boolean known = clientIp != null;
            sendError(e, ProxyErrors.kongError(ctx.alloc(), HttpResponseStatus.valueOf(known ? ipRule.statusOrDefault() : 403),
                    known ? ipRule.messageFor(client.ip())
                            : "Cannot identify the client IP address, unix domain sockets are not supported.",
                    req, e.requestId, elapsedMs(e), hs), false);
            return;
        }
        Service service = match.service();
        if (service == null) {
            sendError(e, ProxyErrors.kongError(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "no Service found with those values", req, e.requestId, elapsedMs(e), hs), false);
            return;
        }
        e.service = service;
        e.tls = snap.upstreamTls().policy(service);
        long declared = HttpUtil.getContentLength(req, -1L);
        if (settings.clientMaxBodySize() > 0 && declared > settings.clientMaxBodySize()) {
            log.info("request {} body of {} bytes exceeds client_max_body_size {}", e.requestId, declared,
                    settings.clientMaxBodySize());
            sendError(e, ProxyErrors.nginxError(ctx.alloc(), 413, req, e.requestId, hs, -1, -1), true);
            return;
        }
        e.expectContinue = req.protocolVersion().equals(HttpVersion.HTTP_1_1) && HttpUtil.is100ContinueExpected(req);
        e.upgradeRequested = !h2 && h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
        int port = service.port() > 0 ? service.port() : (service.protocol() == Protocol.HTTPS ? 443 : 80);
        // The builder maps the port through port_maps itself.
        ForwardContext fwd = new ForwardContext(info.peer(), client, https(), localPort, e.requestId,
                service.host(), port, service.protocol().wireName());
        HttpRequest up = UpstreamRequestBuilder.build(req, match, rawQuery, fwd, hs);
        ppOptions.applyTlvHeaders(up.headers(), info.proxied(), client.trustedPeer());
        e.ppVersion = ppOptions.upstreamVersion(service.name());
        if (e.ppVersion != 0) {
            upstreamProxyAddresses(e, client);
        }
        up.headers().remove(HttpHeaderNames.EXPECT);
        up.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (!h.contains(HttpHeaderNames.CONTENT_LENGTH) && HttpUtil.isTransferEncodingChunked(req)) {
            up.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        e.upstreamRequest = up;
        e.triesLeft = Math.max(0, service.retries());

        if (PassthroughTarget.isPassthrough(match)) { // an address already: no balancer, no DNS
            onResolved(e, ctx.executor().newSucceededFuture(original.getAddress()), port);
            return;
        }
        Balancer balancer = snap.balancer(service.host());
        if (balancer != null) {
            e.pick = balancer.start(new BalanceFacts(client.ip(), lookup, match.normalizedPath(), rawQuery,
                    match.captures(), null));
            pickPeer(e);
            return;
        }
        Future<InetAddress> resolved = resolver.resolve(service.host(), ctx.channel().eventLoop());
        if (resolved.isDone()) {
            onResolved(e, resolved, port);
        } else {
            resolved.addListener(f -> onResolved(e, resolved, port));
        }
    }

    /**
     * The addresses of the PROXY header sent upstream: the client as resolved (with the PROXY header's port and
     * destination when the address came from there, the TCP peer's port when it is the peer, port 0 when it came
     * from a forwarding header) and the address the client connected to.
     */
    private void upstreamProxyAddresses(Exchange e, ClientAddress client) {
        InetSocketAddress proxied = info.proxiedSource();
        InetSocketAddress source;
        InetSocketAddress destination = info.local();
        if (proxied != null && proxied.getAddress() != null
                && client.ip().equals(IpLiterals.format(proxied.getAddress().getAddress()))) {
            source = proxied;
            destination = info.proxied().destination();
        } else if (info.peer().getAddress() != null
                && client.ip().equals(IpLiterals.format(info.peer().getAddress().getAddress()))) {
            source = info.peer();
        } else {
            byte[] b = IpLiterals.parseAddr(client.ip());
            source = b == null ? info.peer() : new InetSocketAddress(IpLiterals.toInet(b), 0);
        }
        e.ppSource = source;
        e.ppDestination = destination;
        e.ppIdentity = UpstreamProxyHeader.identity(e.ppVersion, source);
    }

    /** What nginx refuses in a head that Netty's decoder accepts; null when the head is fine. */
    private static String headProblem(HttpRequest req) {
        HttpHeaders h = req.headers();
        List<String> te = h.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            if (h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                return "Content-Length and Transfer-Encoding in one request";
            }
            if (req.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                return "Transfer-Encoding in an HTTP/1.0 request";
            }
            if (te.size() != 1 || !"chunked".equalsIgnoreCase(te.get(0).trim())) {
                return "unknown Transfer-Encoding " + te;
            }
        }
        List<String> hosts = h.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return "duplicate Host header";
        }
        if (hosts.isEmpty() && req.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return "HTTP/1.1 request without Host header";
        }
        return null;
    }

    private void rejectMalformed(HttpRequest req, Throwable cause) {
        int status = 400;
        if (cause instanceof TooLongHttpLineException) {
            status = 414;
        } else if (cause instanceof TooLongHttpHeaderException) {
            status = 494;
        } else if (cause instanceof RejectedRequestException r) {
            status = r.status();
        } else if (cause instanceof TooLongFrameException) {
            status = 494;
        }
        log.info("malformed request from {} ({}): {}", info.peer(), status, cause.getMessage());
        counters.totalRequests.increment();
        HttpRequest shown = req.method() == null ? minimalRequest() : req;
        String requestId = RequestIds.next();
        FullHttpResponse r = ProxyErrors.nginxError(ctx.alloc(), status, shown, requestId, hs, -1, -1);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (accessLog.enabled()) {
            logAccess(req.method() == null ? null : req, status, r.content().readableBytes(), requestId, null);
        }
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    private static HttpRequest minimalRequest() {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    }

    private static String hostWithoutPort(String host) {
        if (host == null) {
            return "kong";
        }
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    // ------------------------------------------------------------------ connect

    private void onResolved(Exchange e, Future<InetAddress> resolved, int port) {
        if (ex != e) {
            return;
        }
        if (!resolved.isSuccess()) {
            log.warn("request {}: name resolution failed for service host '{}': {}", e.requestId,
                    e.service.host(), resolved.cause().getMessage());
            sendError(e, ProxyErrors.kongError(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "name resolution failed", e.request, e.requestId, elapsedMs(e), hs), !e.clientBodyDone && e.hasBody);
            return;
        }
        InetAddress addr = resolved.getNow();
        e.target = new InetSocketAddress(addr, port);
        e.key = new PoolKey(addr.getHostAddress(), port, e.ppIdentity);
        e.balancerDoneNanos = System.nanoTime();
        attempt(e);
    }

    /**
     * The balancer's next peer for this try: its address and pool key, and the Host sent upstream (the
     * upstream's host_header or the peer's host name, plus the port unless it is the scheme's default)
     * unless the route preserves the client's Host. No peer: 503 as Kong answers it.
     */
    private void pickPeer(Exchange e) {
        Peer p = e.pick.next();
        if (p == null) {
            log.warn("request {}: no peer available in upstream '{}'", e.requestId, e.service.host());
            sendError(e, ProxyErrors.kongError(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "failure to get a peer from the ring-balancer", e.request, e.requestId, elapsedMs(e), hs),
                    !e.clientBodyDone && e.hasBody);
            return;
        }
        e.target = p.address();
        e.key = new PoolKey(p.address().getAddress().getHostAddress(), p.address().getPort(), e.ppIdentity);
        if (!e.match.route().preserveHost()) {
            int port = p.address().getPort();
            String host = e.pick.upstreamHost();
            if (host.indexOf(':') != host.lastIndexOf(':') && !host.startsWith("[")) {
                host = "[" + host + "]"; // an IPv6 literal
            }
            boolean defaultPort = e.service.protocol() == Protocol.HTTPS ? port == 443 : port == 80;
            e.upstreamRequest.headers().set(HttpHeaderNames.HOST, defaultPort ? host : host + ":" + port);
        }
        if (e.balancerDoneNanos == 0) {
            e.balancerDoneNanos = System.nanoTime();
        }
        e.tryStartNanos = System.nanoTime();
        attempt(e);
    }

    private void attempt(Exchange e) {
        io.netty.handler.ssl.SslHandler ssl = null;
        if (e.tls != null) {
            // Kong sends the upstream Host (without port) as SNI and verifies the certificate against it.
            e.tlsHost = hostWithoutPort(e.upstreamRequest.headers().get(HttpHeaderNames.HOST));
            e.key = e.key.withTls(e.tls.poolIdentity(e.tlsHost));
        }
        Channel pooled = pool.acquire(e.key);
        if (pooled != null) {
            attach(e, pooled, true);
            sendHead(e);
            return;
        }
        if (e.tls != null) {
            try {
                ssl = e.tls.newHandler(ctx.alloc(), e.tlsHost, e.target.getPort(), e.service.connectTimeout());
            } catch (javax.net.ssl.SSLException noContext) {
                e.triesLeft = 0; // the configuration is at fault, not the peer: another try cannot succeed
                upstreamFailed(e, noContext, true);
                return;
            }
        }
        final io.netty.handler.ssl.SslHandler tlsHandler = ssl;
        ChannelFuture cf = pools.connect(ctx.channel().eventLoop(), e.target, e.service.connectTimeout(),
                new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tlsHandler != null) {
                            ch.pipeline().addLast(PipelineNames.UPSTREAM_TLS, tlsHandler);
                        }
                        if (e.ppVersion != 0) {
                            // First in the pipeline: the PROXY header precedes the TLS ClientHello on the wire.
                            UpstreamProxyHeader.install(ch, e.ppVersion, e.ppSource, e.ppDestination);
                        }
                        ch.pipeline().addLast(PipelineNames.UPSTREAM_CODEC, new HttpClientCodec(
                                new HttpDecoderConfig()
                                        .setMaxInitialLineLength(UPSTREAM_MAX_HEADER)
                                        .setMaxHeaderSize(UPSTREAM_MAX_HEADER)
                                        .setMaxChunkSize(HttpProxyPipelineFactory.MAX_CHUNK),
                                false, false));
                    }
                });
        cf.addListener((ChannelFuture f) -> {
            if (ex != e || e.finished) {
                f.channel().close();
                return;
            }
            if (f.isSuccess() && tlsHandler != null) {
                tlsHandler.handshakeFuture().addListener(hf -> {
                    if (ex != e || e.finished) {
                        f.channel().close();
                    } else if (hf.isSuccess()) {
                        attach(e, f.channel(), false);
                        sendHead(e);
                    } else {
                        f.channel().close();
                        upstreamFailed(e, tlsFailure(e, hf.cause()), true);
                    }
                });
            } else if (f.isSuccess()) {
                if (PassthroughTarget.isPassthrough(e.match)) {
                    passthrough.track(f.channel()); // captured again by the packet filter = a loop
                }
                attach(e, f.channel(), false);
                sendHead(e);
            } else {
                Throwable cause = f.cause();
                upstreamFailed(e, cause instanceof ConnectTimeoutException
                        ? new UpstreamTimeout("connect timeout after " + e.service.connectTimeout() + " ms") : cause,
                        true);
            }
        });
    }

    /**
     * A failed TLS handshake with the upstream as the failure to report: a timeout (504, as nginx's handshake is bounded
     * by the connect timeout), or an error naming the reason (expired, unknown CA, name mismatch, depth exceeded).
     */
    private static Throwable tlsFailure(Exchange e, Throwable cause) {
        if (cause instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) {
            return new UpstreamTimeout("TLS handshake timeout after " + e.service.connectTimeout() + " ms");
        }
        UpstreamVerificationException v = UpstreamVerificationException.find(cause);
        String why = v != null
                ? "upstream certificate verify error (" + v.reason().name().toLowerCase(java.util.Locale.ROOT) + "): "
                        + v.getMessage()
                : cause.getMessage() == null ? cause.toString() : cause.getMessage();
        return new IOException("TLS handshake with '" + e.tlsHost + "' failed: " + why, cause);
    }

    private void attach(Exchange e, Channel ch, boolean reused) {
        e.upstream = ch;
        e.reused = reused;
        e.requestComplete = false;
        e.responseHeadReceived = false;
        ch.pipeline().addLast(PipelineNames.UPSTREAM_HANDLER, new UpstreamHandler(e));
    }

    private void sendHead(Exchange e) {
        Channel up = e.upstream;
        if (e.clientBodyDone) {
            // A retry of a body-less request: its (empty) end was already read from the client.
            up.write(e.upstreamRequest);
            upstreamWrite(e, LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFuture f) -> {
                if (ex == e && e.upstream == f.channel()) {
                    if (f.isSuccess()) {
                        onRequestSent(e);
                    } else {
                        upstreamFailed(e, f.cause(), false);
                    }
                }
            });
        } else if (!e.hasBody && !e.expectContinue) {
            // No body: the head waits for the (empty) end, already decoded, and both leave in one flush: one
            // write, and over TLS one record instead of two.
            up.write(e.upstreamRequest).addListener((ChannelFuture f) -> {
                if (ex == e && e.upstream == f.channel() && !f.isSuccess()) {
                    upstreamFailed(e, f.cause(), false);
                }
            });
            readClientBody();
        } else {
            upstreamWrite(e, e.upstreamRequest).addListener((ChannelFuture f) -> {
                if (ex != e || e.upstream != f.channel()) {
                    return;
                }
                if (!f.isSuccess()) {
                    upstreamFailed(e, f.cause(), false);
                    return;
                }
                if (e.expectContinue && e.hasBody && !e.continueSent) {
                    e.continueSent = true;
                    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
                }
                readClientBody();
            });
        }
        up.read(); // notice an early response or a close while the request is still going out
    }

    // ------------------------------------------------------------------ request body

    private void readClientBody() {
        armClientTimer(Wait.BODY, settings.clientBodyTimeoutMillis());
        requestMessage();
    }

    private void onRequestContent(HttpContent c) {
        Exchange e = ex;
        if (e == null) {
            ReferenceCountUtil.release(c);
            if (discardUntilLast) {
                if (c instanceof LastHttpContent) {
                    discardUntilLast = false;
                    awaitNextRequest();
                } else {
                    requestMessage();
                }
            }
            return;
        }
        if (e.clientBodyDone) { // cannot happen with one read per message; defensive
            ReferenceCountUtil.release(c);
            return;
        }
        cancelClientTimer();
        boolean last = c instanceof LastHttpContent;
        if (c.decoderResult().isFailure()) {
            ReferenceCountUtil.release(c);
            log.info("request {}: bad request body from {}: {}", e.requestId, info.peer(),
                    c.decoderResult().cause().toString());
            failClientSide(e, 400);
            return;
        }
        e.bodyBytes += c.content().readableBytes();
        if (settings.clientMaxBodySize() > 0 && e.bodyBytes > settings.clientMaxBodySize()) {
            ReferenceCountUtil.release(c);
            log.info("request {}: body exceeds client_max_body_size {}", e.requestId, settings.clientMaxBodySize());
            failClientSide(e, 413);
            return;
        }
        if (last) {
            e.clientBodyDone = true;
        }
        Channel up = e.upstream;
        if (up == null || e.responseComplete) {
            // The upstream already answered (or is gone): the rest of the body has nowhere to go.
            ReferenceCountUtil.release(c);
            if (!last) {
                readClientBody();
            }
            return;
        }
        if (c.content().isReadable()) {
            e.bodyForwarded = true;
        }
        upstreamWrite(e, c).addListener((ChannelFuture f) -> {
            if (ex != e || e.upstream != f.channel()) {
                return;
            }
            if (!f.isSuccess()) {
                upstreamFailed(e, f.cause(), false);
            } else if (last) {
                onRequestSent(e);
            } else {
                readClientBody();
            }
        });
    }

    /** The client broke the request (bad chunk, too large, too slow): answer if we still can, then close. */
    private void failClientSide(Exchange e, int status) {
        e.upstreamKeepAlive = false;
        if (e.responseStarted) {
            endExchange(e, false);
            ctx.close();
        } else {
            sendError(e, ProxyErrors.nginxError(ctx.alloc(), status, e.request, e.requestId, hs,
                    e.upstream == null ? -1 : e.proxyLatencyMs(), 0), true);
        }
    }

    private void onRequestSent(Exchange e) {
        e.requestComplete = true;
        if (e.responseComplete) {
            return; // finishing waits for the client write of the last response chunk
        }
        readUpstream(e);
    }

    private ChannelFuture upstreamWrite(Exchange e, Object msg) {
        ChannelFuture f = e.upstream.writeAndFlush(msg);
        if (!f.isDone()) {
            cancel(e.writeTimer);
            long ms = e.service.writeTimeout();
            e.writeTimer = ctx.channel().eventLoop().schedule(() -> {
                if (ex == e && !f.isDone()) {
                    upstreamFailed(e, new UpstreamTimeout("write timeout after " + ms + " ms"), false);
                }
            }, ms, TimeUnit.MILLISECONDS);
            f.addListener(x -> cancel(e.writeTimer));
        }
        return f;
    }

    private void readUpstream(Exchange e) {
        Channel up = e.upstream;
        if (up == null) {
            return;
        }
        if (e.requestComplete || e.responseStarted) {
            cancel(e.readTimer);
            long ms = e.service.readTimeout();
            e.readTimer = ctx.channel().eventLoop().schedule(() -> {
                if (ex == e && e.upstream == up && !e.responseComplete) {
                    upstreamFailed(e, new UpstreamTimeout("read timeout after " + ms + " ms"), false);
                }
            }, ms, TimeUnit.MILLISECONDS);
        }
        up.read();
    }

    // ------------------------------------------------------------------ response

    /** Inbound end of one upstream connection, bound to one exchange while it uses the connection. */
    private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
        private final Exchange e;

        UpstreamHandler(Exchange e) {
            this.e = e;
        }

        private boolean current(ChannelHandlerContext uctx) {
            return ex == e && e.upstream == uctx.channel() && !e.finished;
        }

        @Override
        public void channelRead(ChannelHandlerContext uctx, Object msg) {
            if (!current(uctx)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            cancel(e.readTimer);
            if (e.relaying) {
                relayFromUpstream(e, msg);
            } else if (msg instanceof HttpResponse r) {
                onResponseHead(e, r);
                if (msg instanceof HttpContent c) { // never produced by the decoder; keep ownership rules anyway
                    onResponseContent(e, c);
                }
            } else if (msg instanceof HttpContent c) {
                onResponseContent(e, c);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext uctx) {
            if (!current(uctx) || e.relaying) {
                return;
            }
            if (e.wroteInBatch) {
                e.wroteInBatch = false;
                ctx.flush();
                if (!e.responseComplete) {
                    e.lastClientWrite.addListener((ChannelFuture f) -> {
                        if (f.isSuccess() && ex == e && !e.responseComplete) {
                            readUpstream(e);
                        }
                    });
                }
            } else if (!e.responseComplete && (e.responseHeadReceived || e.skipInterimLast)) {
                readUpstream(e);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext uctx) {
            if (current(uctx)) {
                upstreamFailed(e, new IOException("upstream closed the connection"), false);
            }
            uctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext uctx, Throwable cause) {
            if (current(uctx)) {
                upstreamFailed(e, cause, false);
            } else {
                log.debug("upstream connection {} failed: {}", uctx.channel(), cause.toString());
            }
            uctx.close();
        }
    }

    private void onResponseHead(Exchange e, HttpResponse r) {
        if (r.decoderResult().isFailure()) {
            log.warn("request {}: invalid response from upstream {}: {}", e.requestId, e.key,
                    r.decoderResult().cause().getMessage());
            e.triesLeft = 0; // a malformed response is not retried
            upstreamFailed(e, new IOException("invalid response"), false);
            return;
        }
        int code = r.status().code();
        if (code == 101) {
            if (!e.upgradeRequested || e.hasBody) {
                e.triesLeft = 0;
                upstreamFailed(e, new IOException("unexpected 101 from upstream"), false);
                return;
            }
            startRelay(e, r);
            return;
        }
        if (code >= 100 && code < 200) {
            e.skipInterimLast = true; // 100/102/103 are not passed on: we answered Expect ourselves
            return;
        }
        e.responseHeadReceived = true;
        e.status = code;
        if (e.pick != null) {
            e.pick.responded(code);
            if (e.pick.setCookie() != null) {
                r.headers().add(HttpHeaderNames.SET_COOKIE, e.pick.setCookie());
            }
        }
        long upstreamMs = e.upstreamLatencyMs();
        e.upstreamKeepAlive = HttpUtil.isKeepAlive(r) && !r.protocolVersion().equals(HttpVersion.HTTP_1_0);
        boolean hadLength = r.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
        ResponseHeaderRewriter.rewriteProxied(r, e.request, e.upgradeRequested, e.proxyLatencyMs(), upstreamMs,
                e.requestId, e.match, hs);
        boolean noBody = e.request.method().equals(HttpMethod.HEAD) || code == 204 || code == 304;
        r.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (!noBody && !hadLength) {
            if (e.request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                e.clientKeepAlive = false; // HTTP/1.0 client: the end of the body is the end of the connection
            }
        }
        if (!e.clientBodyDone) {
            e.clientKeepAlive = false; // answered before the body ended: the rest of it is not read
        }
        r.setProtocolVersion(HttpVersion.HTTP_1_1);
        r.headers().set(HttpHeaderNames.CONNECTION,
                e.clientKeepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        e.responseStarted = true;
        e.lastClientWrite = ctx.write(r);
        e.wroteInBatch = true;
    }

    private void onResponseContent(Exchange e, HttpContent c) {
        if (e.skipInterimLast) {
            ReferenceCountUtil.release(c);
            if (c instanceof LastHttpContent) {
                e.skipInterimLast = false;
            }
            return;
        }
        if (!e.responseStarted) {
            ReferenceCountUtil.release(c);
            return;
        }
        if (c.decoderResult().isFailure()) {
            ReferenceCountUtil.release(c);
            log.warn("request {}: upstream {} response body broken: {}", e.requestId, e.key,
                    c.decoderResult().cause().toString());
            upstreamFailed(e, new IOException("broken response body"), false);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        e.bodyBytesSent += c.content().readableBytes();
        e.lastClientWrite = ctx.write(c);
        e.wroteInBatch = true;
        if (last) {
            e.responseComplete = true;
            cancel(e.readTimer);
            e.lastClientWrite.addListener((ChannelFuture f) -> {
                if (ex != e) {
                    return;
                }
                if (f.isSuccess()) {
                    finishExchange(e);
                } else {
                    endExchange(e, false);
                    ctx.close();
                }
            });
        }
    }

    /** The last response byte reached the client socket. */
    private void finishExchange(Exchange e) {
        boolean reusable = e.upstreamKeepAlive && e.requestComplete && e.responseComplete;
        boolean keepClient = e.clientKeepAlive && e.clientBodyDone;
        endExchange(e, reusable);
        if (keepClient) {
            awaitNextRequest();
        } else {
            ctx.close();
        }
    }

    /**
     * Ends the exchange: cancels its timers and gives the upstream connection back to the pool
     * ({@code reusable}) or closes it.
     */
    private void endExchange(Exchange e, boolean reusable) {
        if (e.finished) {
            return;
        }
        e.finished = true;
        if (accessLog.enabled()) {
            logAccess(e.request, e.status == 0 ? 499 : e.status, e.bodyBytesSent, e.requestId, e.client);
        }
        cancel(e.readTimer);
        cancel(e.writeTimer);
        if (e.pick != null) {
            // Connect + response time of the last try feeds the latency algorithm; frees the in-flight slot.
            e.pick.release(e.responseComplete ? System.nanoTime() - e.tryStartNanos : -1);
        }
        Channel up = e.upstream;
        e.upstream = null;
        if (up != null) {
            if (up.pipeline().get(PipelineNames.UPSTREAM_HANDLER) != null) {
                up.pipeline().remove(PipelineNames.UPSTREAM_HANDLER);
            }
            if (reusable && !e.relaying && up.isActive()) {
                pool.release(e.key, up);
            } else if (e.relaying) {
                up.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else {
                up.close();
            }
        }
        if (ex == e) {
            ex = null;
            counters.connectionsBusy.decrement();
        }
    }

    private void awaitNextRequest() {
        bytesAtWaitStart = clientBytes.bytes();
        armClientTimer(Wait.KEEPALIVE, settings.keepaliveTimeoutMillis());
        requestMessage();
    }

    // ------------------------------------------------------------------ failures

    /**
     * The upstream failed: connect error, write error, close or reset, timeout, bad response.
     * Retried (same target) when nothing reached the client and either the connection never opened or
     * the request is idempotent and has no body; otherwise 502/504, or a closed client connection when
     * the response had already started.
     */
    private void upstreamFailed(Exchange e, Throwable cause, boolean connectFailure) {
        if (ex != e || e.finished) {
            return;
        }
        Channel up = e.upstream;
        e.upstream = null;
        cancel(e.readTimer);
        cancel(e.writeTimer);
        if (up != null) {
            if (up.pipeline().get(PipelineNames.UPSTREAM_HANDLER) != null) {
                up.pipeline().remove(PipelineNames.UPSTREAM_HANDLER);
            }
            up.close();
        }
        if (e.relaying) {
            endExchange(e, false);
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (e.responseStarted) {
            log.warn("request {}: upstream {} failed mid-response: {}", e.requestId, e.key, cause.getMessage());
            endExchange(e, false);
            ctx.close();
            return;
        }
        boolean timeout = cause instanceof UpstreamTimeout;
        if (e.pick != null) {
            e.pick.failed(timeout ? TargetHealth.Failure.TIMEOUT : TargetHealth.Failure.TCP);
        }
        boolean retryable = e.triesLeft > 0
                && (connectFailure || (isIdempotent(e.request.method()) && !e.hasBody && !e.bodyForwarded));
        if (retryable) {
            e.triesLeft--;
            log.info("request {}: upstream {} failed ({}), retrying; {} retries left", e.requestId, e.key,
                    cause.getMessage(), e.triesLeft);
            if (e.pick != null) {
                pickPeer(e); // another peer when there is one
            } else {
                attempt(e);
            }
            return;
        }
        log.warn("request {}: upstream {} failed: {}", e.requestId, e.key, cause.getMessage());
        int status = timeout ? 504 : 502;
        sendError(e, ProxyErrors.nginxError(ctx.alloc(), status, e.request, e.requestId, hs, e.proxyLatencyMs(),
                e.upstreamLatencyMs()), !e.clientBodyDone && e.hasBody);
    }

    private static boolean isIdempotent(HttpMethod m) {
        return !(m.equals(HttpMethod.POST) || m.equals(HttpMethod.PATCH) || "LOCK".equals(m.name()));
    }

    /**
     * Sends a response Kong (or nginx) produced instead of the upstream, ending the exchange. The client
     * connection stays open when it may: keep-alive asked for, not {@code mustClose}, and no unread body.
     */
    private void sendError(Exchange e, FullHttpResponse r, boolean mustClose) {
        boolean unreadBody = !e.clientBodyDone && e.hasBody;
        boolean keep = e.clientKeepAlive && !mustClose && !unreadBody;
        r.headers().set(HttpHeaderNames.CONNECTION, keep ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        e.responseStarted = true;
        e.status = r.status().code();
        e.bodyBytesSent = r.content().readableBytes();
        boolean bodyDone = e.clientBodyDone;
        endExchange(e, false);
        cancelClientTimer();
        ctx.writeAndFlush(r).addListener((ChannelFuture f) -> {
            if (!f.isSuccess() || !keep) {
                ctx.close();
            } else if (bodyDone) {
                awaitNextRequest();
            } else {
                discardUntilLast = true; // a body-less request: its empty end is still queued
                requestMessage();
            }
        });
    }

    // ------------------------------------------------------------------ client timeouts

    private void armClientTimer(Wait kind, long ms) {
        cancelClientTimer();
        if (ms <= 0) {
            return;
        }
        clientTimer = ctx.channel().eventLoop().schedule(() -> clientTimeout(kind), ms, TimeUnit.MILLISECONDS);
    }

    private void cancelClientTimer() {
        cancel(clientTimer);
        clientTimer = null;
    }

    private void clientTimeout(Wait kind) {
        clientTimer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        switch (kind) {
            case KEEPALIVE -> {
                if (clientBytes.bytes() == bytesAtWaitStart) {
                    log.debug("client {} idle for keepalive_timeout, closing", info.peer());
                    ctx.close();
                } else { // a new head started arriving: from now on it is a header wait
                    armClientTimer(Wait.HEAD, settings.clientHeaderTimeoutMillis());
                }
            }
            case HEAD -> {
                if (clientBytes.bytes() == bytesAtWaitStart) {
                    log.debug("client {} sent nothing within client_header_timeout, closing", info.peer());
                    ctx.close();
                } else {
                    log.info("client {} too slow sending request head (client_header_timeout)", info.peer());
                    FullHttpResponse r = ProxyErrors.nginxError(ctx.alloc(), 408, minimalRequest(), RequestIds.next(),
                            hs, -1, -1);
                    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                }
            }
            case BODY -> {
                Exchange e = ex;
                if (e != null) {
                    log.info("request {}: client too slow sending body (client_body_timeout)", e.requestId);
                    failClientSide(e, 408);
                } else {
                    ctx.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------ WebSocket relay

    private void startRelay(Exchange e, HttpResponse r) {
        ResponseHeaderRewriter.rewriteProxied(r, e.request, true, e.proxyLatencyMs(), e.upstreamLatencyMs(),
                e.requestId, e.match, hs);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        r.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        r.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        r.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
        e.relaying = true;
        e.responseStarted = true;
        e.status = 101;
        e.skipInterimLast = false;
        cancelClientTimer();
        cancel(e.readTimer);
        Channel up = e.upstream;
        // The write runs the encoder synchronously on this loop, so the codecs can go right after it.
        ctx.writeAndFlush(r).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                readSoon(ctx.channel());
                readSoon(up);
            } else if (ex == e) {
                endExchange(e, false);
                ctx.close();
            }
        });
        releaseQueued(); // nothing can be queued after the upgrade request's end; defensive
        // Removing the decoders hands their leftover bytes on as raw buffers; relay mode forwards them.
        ctx.pipeline().remove(PipelineNames.HTTP_CODEC);
        up.pipeline().remove(PipelineNames.UPSTREAM_CODEC);
        log.debug("request {}: upgraded to websocket, relaying {} <-> {}", e.requestId, info.peer(), e.key);
    }

    private void relayFromClient(Exchange e, Object msg) {
        Channel up = e.upstream;
        if (!(msg instanceof ByteBuf) || up == null) {
            ReferenceCountUtil.release(msg);
            return;
        }
        up.writeAndFlush(msg).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                readSoon(ctx.channel());
            } else if (ex == e) {
                endExchange(e, false);
                ctx.close();
            }
        });
    }

    private void relayFromUpstream(Exchange e, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg); // the decoder's end marker after the 101
            return;
        }
        Channel up = e.upstream;
        e.bodyBytesSent += ((ByteBuf) msg).readableBytes();
        ctx.writeAndFlush(msg).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                if (up != null) {
                    readSoon(up);
                }
            } else if (ex == e) {
                endExchange(e, false);
                ctx.close();
            }
        });
    }

    // ------------------------------------------------------------------ helpers

    /**
     * One {@code proxy_access_log} line ({@code kong_log_format}, plus the connection's PROXY TLVs). {@code client}
     * is the realip-resolved address when routing got that far; else it is resolved here.
     */
    private void logAccess(HttpRequest req, int status, long bodyBytes, String requestId, ClientAddress client) {
        ConnectionInfo ci = info != null ? info : ctx.channel().attr(ConnectionInfo.KEY).get();
        String addr;
        if (client != null) {
            addr = client.ip();
        } else if (ci != null && ci.peer() != null) {
            addr = req == null ? AccessLogFormat.address(ci.peer().getAddress())
                    : ClientAddressResolver.resolve(ci.peer(), ci.proxiedSource(), req.headers(), hs).ip();
        } else {
            addr = null;
        }
        HttpHeaders h = req == null ? null : req.headers();
        accessLog.write(AccessLogFormat.http(addr, h == null ? null : h.get(HttpHeaderNames.AUTHORIZATION),
                System.currentTimeMillis(), req == null ? null : req.method().name(), req == null ? null : req.uri(),
                h2 ? "HTTP/2.0" : req == null ? null : req.protocolVersion().text(), status, bodyBytes,
                h == null ? null : h.get(HttpHeaderNames.REFERER), h == null ? null : h.get(HttpHeaderNames.USER_AGENT),
                AccessLogFormat.COMBINED.equals(accessLog.format()) ? null : requestId,
                ci == null || ci.proxied() == null ? null : ci.proxied().tlvs()));
    }

    private static long elapsedMs(Exchange e) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - e.startNanos);
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
