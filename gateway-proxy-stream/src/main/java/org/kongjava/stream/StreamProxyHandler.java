package org.kongjava.stream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.balance.Balancer;
import org.kongjava.core.balance.BalanceFacts;
import org.kongjava.core.balance.Peer;
import org.kongjava.core.balance.Pick;
import org.kongjava.core.balance.TargetHealth;
import org.kongjava.core.listener.ConnectionInfo;
import org.kongjava.core.listener.Passthrough;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.proxyprotocol.UpstreamProxyHeader;
import org.kongjava.core.router.ConnectionFacts;
import org.kongjava.core.router.StreamMatch;
import org.kongjava.core.snapshot.RoutingSnapshot;
import org.kongjava.core.upstream.UpstreamTlsContexts;
import org.kongjava.core.tls.TlsHandlers;
import org.kongjava.core.upstream.HostResolver;
import org.kongjava.tls.ClientHelloPeeker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream connection until its bytes flow: PROXY header (when flagged), ClientHello preread (when the port
 * needs an SNI), route, preread hooks, TLS termination (on {@code ssl} ports, for {@code tls} routes), upstream
 * choice and connect with retries; then it hands both connections to a {@link Relay} and leaves the pipeline.
 * <p>
 * Reads happen only when this handler asks ({@code AUTO_READ} off): while looking for a ClientHello it reads until
 * one is complete (at most {@link StreamSettings#maxClientHelloBytes()} bytes), then it stops reading until the
 * upstream is connected, so a client cannot make it buffer more than the ClientHello and one read. Bytes read
 * ahead are replayed to the upstream first, untouched (passthrough) or decrypted (termination).
 * <p>
 * Which routes a connection may take depends on what was read (a deliberate, documented narrowing of Kong's
 * post-match checks so that a higher-priority route of another kind never shadows a usable one):
 * <ul>
 *   <li>{@code ssl} port, ClientHello with SNI: {@code tls} (terminate) or {@code tls_passthrough} routes;
 *       without SNI: {@code tls} routes; not TLS: closed;</li>
 *   <li>plain port, ClientHello with SNI: {@code tcp} or {@code tls_passthrough} routes; anything else (no
 *       ClientHello, no SNI, timeout): {@code tcp} routes.</li>
 * </ul>
 * Everything runs on the connection's event loop; the upstream connection is made on the same loop.
 */
final class StreamProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StreamProxyHandler.class);
    static final String NAME = "gw.streamProxy";

    private static final Set<Protocol> SSL_WITH_SNI = EnumSet.of(Protocol.TLS, Protocol.TLS_PASSTHROUGH);
    private static final Set<Protocol> SSL_NO_SNI = EnumSet.of(Protocol.TLS);
    private static final Set<Protocol> PLAIN_WITH_SNI = EnumSet.of(Protocol.TCP, Protocol.TLS_PASSTHROUGH);
    private static final Set<Protocol> PLAIN = EnumSet.of(Protocol.TCP);

    private enum State { PROXY_HEADER, PEEK, HANDSHAKE, CONNECTING, DONE }

    private final StreamPipelineFactory factory;
    private final ListenSpec spec;
    private ChannelHandlerContext ctx;
    private State state;
    private ByteBuf pending;
    private ScheduledFuture<?> timer;
    private boolean clientInputEnded;
    private boolean started;

    private RoutingSnapshot snap;
    private StreamAccessLog accessLog;
    private InetSocketAddress client;
    private InetSocketAddress destination;
    private String sni;
    private Route route;
    private Service service;
    private boolean terminate;
    private Pick pick;
    private List<InetAddress> resolved;
    private int tries;

    StreamProxyHandler(StreamPipelineFactory factory, ListenSpec spec) {
        this.factory = factory;
        this.spec = spec;
    }

    // ------------------------------------------------------------------ client connection lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    private void start() {
        if (started) {
            return;
        }
        started = true;
        factory.counters().connectionsAccepted.increment();
        factory.counters().connectionsHandled.increment();
        factory.counters().connectionsActive.increment();
        accessLog = new StreamAccessLog(spec.key() + " " + spec.address(), (InetSocketAddress) ctx.channel().remoteAddress(),
                factory.accessLog());
        if (ctx.pipeline().get(PipelineNames.PROXY_PROTOCOL) != null) {
            state = State.PROXY_HEADER;
            ctx.read(); // the PROXY reader removes itself once the header is in; see channelReadComplete
            return;
        }
        begin();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b) || state == State.DONE) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (pending == null) {
            pending = ctx.alloc().buffer(Math.max(256, b.readableBytes()));
        }
        pending.writeBytes(b);
        b.release();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == null) {
            ctx.fireChannelReadComplete();
            return;
        }
        switch (state) {
            case PROXY_HEADER -> {
                if (ctx.pipeline().get(PipelineNames.PROXY_PROTOCOL) == null) {
                    begin();
                } else {
                    ctx.read();
                }
            }
            case PEEK -> examine();
            case HANDSHAKE -> {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                if (ssl == null || !ssl.handshakeFuture().isDone()) {
                    ctx.read();
                }
            }
            default -> {
                // CONNECTING: nothing is read until the upstream is there.
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            clientInputEnded = true;
            if (state == State.PROXY_HEADER || state == State.PEEK) {
                // No more bytes will come: decide with what there is.
                if (state == State.PROXY_HEADER) {
                    if (ctx.pipeline().get(PipelineNames.PROXY_PROTOCOL) != null) {
                        ctx.close();
                        return;
                    }
                    begin();
                }
                if (state == State.PEEK) {
                    peekEnded("client ended its output");
                }
            } else if (state == State.HANDSHAKE) {
                reject(400, "client ended its output during the TLS handshake");
            } else if (state == State.DONE && ctx.channel().isActive()) {
                ctx.close(); // a refused client read the reply and closed its side: done draining
            }
            return;
        }
        if (evt instanceof SslHandshakeCompletionEvent hs && state == State.HANDSHAKE) {
            if (hs.isSuccess()) {
                connect();
            } else {
                reject(400, "TLS handshake failed: " + hs.cause());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.DONE) {
            accessLog.fail(499, "client closed the connection before it was relayed");
            finish();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.DONE) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        reject(400, "client connection failed: " + cause);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
        releasePending();
    }

    // ------------------------------------------------------------------ preread

    /** Called once the PROXY header (if any) is in: pins the snapshot and decides whether to wait for a ClientHello. */
    private void begin() {
        snap = factory.holder().current();
        ConnectionInfo info = ctx.channel().attr(ConnectionInfo.KEY).get();
        client = factory.clientAddress(info, (InetSocketAddress) ctx.channel().remoteAddress());
        accessLog.client = client;
        if (info != null && info.proxied() != null) {
            accessLog.tlvs = info.proxied().tlvs();
        }
        destination = Destinations.of(ctx.channel());
        if (!spec.ssl() && !snap.streamRouter().wantsSni(destination)) {
            route(null, false); // no SNI route can match this port: never wait (server-speaks-first protocols)
            return;
        }
        state = State.PEEK;
        long wait = spec.ssl() ? factory.settings().handshakeTimeoutMillis() : factory.settings().sniWaitMillis();
        timer = ctx.executor().schedule(() -> {
            timer = null;
            if (state == State.PEEK) {
                peekEnded("no ClientHello within " + wait + " ms");
            }
        }, wait, TimeUnit.MILLISECONDS);
        examine();
    }

    private void examine() {
        if (state != State.PEEK) {
            return;
        }
        if (pending == null || !pending.isReadable()) {
            if (clientInputEnded) {
                peekEnded("client ended its output");
            } else {
                ctx.read();
            }
            return;
        }
        ClientHelloPeeker.Result r = ClientHelloPeeker.peek(pending, factory.settings().maxClientHelloBytes());
        switch (r.status()) {
            case NEED_MORE -> {
                if (clientInputEnded) {
                    peekEnded("client ended its output inside its ClientHello");
                } else {
                    ctx.read();
                }
            }
            case CLIENT_HELLO -> {
                cancelTimer();
                route(r.sni(), true);
            }
            case NOT_TLS -> {
                cancelTimer();
                if (spec.ssl()) {
                    reject(400, "not a TLS connection on an ssl stream_listen address");
                } else {
                    route(null, false);
                }
            }
            case TOO_LONG -> {
                cancelTimer();
                if (spec.ssl()) {
                    reject(400, "ClientHello larger than " + factory.settings().maxClientHelloBytes() + " bytes");
                } else {
                    route(null, false);
                }
            }
        }
    }

    /** The wait for a ClientHello is over without one. */
    private void peekEnded(String why) {
        cancelTimer();
        if (spec.ssl()) {
            reject(400, why + " on an ssl stream_listen address");
        } else {
            route(null, false);
        }
    }

    // ------------------------------------------------------------------ routing

    private void route(String clientSni, boolean sawClientHello) {
        state = State.CONNECTING;
        sni = clientSni;
        accessLog.sni = sni;
        Set<Protocol> accepted;
        if (spec.ssl()) {
            accepted = sni != null ? SSL_WITH_SNI : SSL_NO_SNI;
        } else {
            accepted = sawClientHello && sni != null ? PLAIN_WITH_SNI : PLAIN;
        }
        ConnectionFacts facts = new ConnectionFacts(client, destination, sni);
        StreamMatch m = snap.streamRouter().select(facts, accepted);
        if (m == null) {
            ConnectionInfo info = ctx.channel().attr(ConnectionInfo.KEY).get();
            Passthrough.Decision d = info == null ? Passthrough.Decision.NO_ROUTE : factory.passthrough().decide(info);
            if (d == Passthrough.Decision.LOOP) {
                reject(500, "not forwarded to original destination " + StreamAccessLog.hostPort(info.originalDestination())
                        + ": it is this gateway (loop)");
                return;
            }
            if (d == Passthrough.Decision.FORWARD) {
                route = OriginalDestinationTarget.ROUTE;
                service = OriginalDestinationTarget.service(info.originalDestination());
                accessLog.route = route;
                accessLog.service = service;
                accessLog.mode = "original-destination";
                connect();
                return;
            }
            reject(500, "no Route found with those values (source " + StreamAccessLog.hostPort(client) + ", destination "
                    + StreamAccessLog.hostPort(destination) + ", sni " + (sni == null ? "none" : sni) + ", accepting "
                    + accepted.toString().toLowerCase(java.util.Locale.ROOT) + ")");
            return;
        }
        route = m.route();
        accessLog.route = route;
        service = m.service();
        if (service == null) {
            reject(500, "no Service found with those values (route " + route.id() + ")");
            return;
        }
        accessLog.service = service;
        PrereadContext pc = new PrereadContext(ctx.channel(), spec, client, destination, sni, route, service, snap);
        for (StreamPrereadHook hook : factory.hooks()) {
            StreamPrereadHook.Verdict v;
            try {
                v = hook.preread(pc);
            } catch (RuntimeException e) {
                log.warn("stream preread hook {} failed: {}", hook.getClass().getName(), e.toString());
                v = StreamPrereadHook.Verdict.deny("preread hook failed");
            }
            if (v == null || !v.allowed()) {
                // A connection the gateway would terminate TLS for gets no plain-text reply: the client speaks TLS.
                boolean plain = !(spec.ssl() && route.protocols().contains(Protocol.TLS));
                reject(403, v == null ? "preread hook refused" : v.reason(), v != null && plain ? v.reply() : null);
                return;
            }
        }
        terminate = spec.ssl() && route.protocols().contains(Protocol.TLS);
        if (terminate) {
            accessLog.mode = "terminate";
            startHandshake();
        } else {
            accessLog.mode = sni != null && route.protocols().contains(Protocol.TLS_PASSTHROUGH) ? "passthrough" : "tcp";
            connect();
        }
    }

    /** Terminates TLS with the certificate chosen by SNI, exactly as HTTPS does, replaying the bytes read ahead. */
    private void startHandshake() {
        state = State.HANDSHAKE;
        ctx.pipeline().addBefore(ctx.name(), PipelineNames.TLS,
                TlsHandlers.sniHandler(factory.holder(), spec, factory.settings().handshakeTimeoutMillis()));
        ByteBuf ahead = pending;
        pending = null;
        if (ahead != null) {
            // Through the TLS handler (the PROXY reader, if any, is gone): it sees the ClientHello as if just read.
            ctx.pipeline().fireChannelRead(ahead);
            ctx.pipeline().fireChannelReadComplete();
        } else {
            ctx.read();
        }
    }

    // ------------------------------------------------------------------ upstream

    private void connect() {
        state = State.CONNECTING;
        Balancer balancer = snap.balancer(service.host());
        if (balancer != null) {
            pick = balancer.start(BalanceFacts.ofClient(client.getAddress() == null ? null : client.getAddress().getHostAddress()));
            nextPeer();
            return;
        }
        InetAddress literal = HostResolver.literal(service.host());
        if (literal != null) {
            resolved = List.of(literal);
            tryConnect(new InetSocketAddress(literal, service.port()), null);
            return;
        }
        factory.resolve(service.host()).whenComplete((addrs, err) -> ctx.executor().execute(() -> {
            if (state != State.CONNECTING) {
                return;
            }
            if (err != null || addrs == null || addrs.isEmpty()) {
                reject(503, "name resolution failed for '" + service.host() + "'" + (err == null ? "" : ": " + err.getMessage()));
                return;
            }
            resolved = addrs;
            tryConnect(new InetSocketAddress(addrs.get(0), service.port()), null);
        }));
    }

    private void nextPeer() {
        Peer p = pick.next();
        if (p == null) {
            reject(503, "failure to get a peer from the ring-balancer");
            return;
        }
        tryConnect(p.address(), pick.upstreamHost());
    }

    private void tryConnect(InetSocketAddress target, String upstreamHost) {
        tries++;
        accessLog.upstream = target;
        Service svc = service;
        boolean tls = svc.protocol() == Protocol.TLS;
        UpstreamTlsContexts tlsPolicies = snap.upstreamTls();
        Integer ppVersion = svc.name() == null ? null : factory.settings().upstreamProxyProtocol().get(svc.name());
        String upstreamSni = tls ? upstreamSni(upstreamHost) : null;
        Bootstrap b = factory.upstreamBootstrap().clone(ctx.channel().eventLoop())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, svc.connectTimeout()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) throws Exception {
                        EpollHalfCloseFix.apply(ch);
                        if (ppVersion != null) {
                            // Closest to the socket: the header precedes everything, a TLS ClientHello included.
                            UpstreamProxyHeader.install(ch, ppVersion, client, destination);
                        }
                        if (tls) {
                            // The service's upstream TLS policy (verify, CAs, depth, client certificate) of the
                            // connection's snapshot; an unusable policy throws, failing this connect.
                            SslHandler h = tlsPolicies.newHandler(svc, upstreamSni, target.getPort(), ch.alloc());
                            h.setHandshakeTimeoutMillis(Math.max(1, svc.connectTimeout()));
                            ch.pipeline().addLast(PipelineNames.UPSTREAM_HANDLER + ".tls", h);
                        }
                    }
                });
        ChannelFuture cf = b.connect(target);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                upstreamFailed(target, f.cause());
                return;
            }
            Channel up = cf.channel();
            if (ppVersion != null && !tls) {
                // The header leaves on the first write (a TLS service's ClientHello carries it out); send it now, as an upstream may speak first (SMTP, MySQL)
                // and would wait for it while the client waits for the greeting.
                up.writeAndFlush(Unpooled.EMPTY_BUFFER);
            }
            SslHandler h = up.pipeline().get(SslHandler.class);
            if (h == null) {
                upstreamReady(up);
                return;
            }
            up.read(); // the handshake needs reads; AUTO_READ is off
            h.handshakeFuture().addListener((Future<Channel> hf) -> {
                if (hf.isSuccess()) {
                    upstreamReady(up);
                } else {
                    up.close();
                    upstreamFailed(target, hf.cause());
                }
            });
        });
    }

    /** Upstream SNI for {@code tls} services (Kong): the client's SNI with {@code preserve_host}, else the target host. */
    private String upstreamSni(String upstreamHost) {
        if (route.preserveHost() && sni != null) {
            return sni;
        }
        return upstreamHost != null ? upstreamHost : service.host();
    }

    private void upstreamFailed(InetSocketAddress target, Throwable cause) {
        if (state != State.CONNECTING) {
            return; // the client went away meanwhile
        }
        String what = cause instanceof ConnectTimeoutException ? "connect timeout" : String.valueOf(cause);
        if (pick != null) {
            pick.failed(cause instanceof ConnectTimeoutException ? TargetHealth.Failure.TIMEOUT : TargetHealth.Failure.TCP);
        }
        if (tries <= service.retries()) {
            log.debug("stream upstream {} failed ({}), try {} of {}", target, what, tries, service.retries() + 1);
            if (pick != null) {
                nextPeer();
            } else {
                // A host name: the next address of the answer (wrapping), as nginx does for a multi-address name.
                InetAddress next = resolved.get(tries % resolved.size());
                tryConnect(new InetSocketAddress(next, service.port()), null);
            }
            return;
        }
        reject(502, "upstream " + StreamAccessLog.hostPort(target) + " failed after " + tries + " tr"
                + (tries == 1 ? "y" : "ies") + ": " + what);
    }

    private void upstreamReady(Channel up) {
        if (state != State.CONNECTING || !ctx.channel().isActive()) {
            up.close();
            if (pick != null) {
                pick.release(-1);
            }
            return;
        }
        if (OriginalDestinationTarget.is(route)) {
            factory.passthrough().track(up); // captured again by the packet filter = a loop
        }
        state = State.DONE;
        cancelTimer();
        ByteBuf ahead = pending;
        pending = null;
        if (ahead != null && ahead.isReadable()) {
            accessLog.bytesFromClient += ahead.readableBytes();
            up.write(ahead, up.voidPromise());
        } else if (ahead != null) {
            ahead.release();
        }
        up.flush();
        Pick p = pick;
        Relay.link(ctx.channel(), up, accessLog, Math.max(service.readTimeout(), service.writeTimeout()),
                clientInputEnded, () -> {
                    if (p != null) {
                        p.release(-1);
                    }
                    factory.counters().connectionsActive.decrement();
                });
        ctx.pipeline().remove(this);
    }

    // ------------------------------------------------------------------ endings

    /** Closes the client connection without sending a byte, and logs why. */
    private void reject(int status, String reason) {
        reject(status, reason, null);
    }

    /** Logs and closes; {@code reply}, when given, is written first (a preread hook's answer to the client). */
    private void reject(int status, String reason, byte[] reply) {
        if (state == State.DONE) {
            return;
        }
        accessLog.fail(status, reason);
        factory.rejected(status, reason, client != null ? client : (InetSocketAddress) ctx.channel().remoteAddress(), spec);
        finish();
        if (reply != null && reply.length > 0 && ctx.channel() instanceof io.netty.channel.socket.DuplexChannel duplex) {
            // Reply, then FIN, then drain (reads are released once DONE) until a short deadline: closing with the
            // client's unread bytes in the buffer would reset the connection and could destroy the reply.
            ctx.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(reply)).addListener(w -> {
                if (!w.isSuccess()) {
                    ctx.close();
                    return;
                }
                duplex.shutdownOutput();
                ctx.channel().config().setAutoRead(true);
                ctx.executor().schedule(() -> ctx.close(), 2, java.util.concurrent.TimeUnit.SECONDS);
            });
        } else {
            ctx.close();
        }
    }

    private void finish() {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        cancelTimer();
        releasePending();
        if (pick != null) {
            pick.release(-1);
        }
        accessLog.write();
        factory.counters().connectionsActive.decrement();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
