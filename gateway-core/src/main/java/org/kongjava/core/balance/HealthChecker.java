package org.kongjava.core.balance;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.kongjava.config.model.Healthchecks;
import org.kongjava.config.model.Upstream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of one upstream (lua-resty-healthcheck's behaviour): every
 * {@code active.healthy.interval} seconds the healthy addresses are probed, every
 * {@code active.unhealthy.interval} seconds the unhealthy ones, at most {@code active.concurrency} probes at a
 * time. A probe is a TCP connect ({@code tcp}) or {@code GET http_path HTTP/1.0} over plain or TLS
 * ({@code http}/{@code https}; grpc types are probed like http/https), judged by the status line. Everything
 * runs on one event loop, so the queue and counters need no locks.
 */
final class HealthChecker {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
    private static final int MAX_STATUS_LINE = 1024;

    private final UpstreamState state;
    private final EventLoop loop;
    private final Class<? extends SocketChannel> channelType;
    // Only touched on `loop`.
    private final ArrayDeque<Peer> queue = new ArrayDeque<>();
    private int running;
    private ScheduledFuture<?> healthyTimer;
    private ScheduledFuture<?> unhealthyTimer;
    private volatile boolean stopped;
    private SslContext ssl;

    HealthChecker(UpstreamState state, EventLoop loop, Class<? extends SocketChannel> channelType) {
        this.state = state;
        this.loop = loop;
        this.channelType = channelType;
    }

    void start() {
        loop.execute(() -> {
            Healthchecks.Active a = state.upstream().healthchecks().active();
            if (a.healthy().interval() > 0) {
                healthyTimer = schedule(a.healthy().interval(), true);
            }
            if (a.unhealthy().interval() > 0) {
                unhealthyTimer = schedule(a.unhealthy().interval(), false);
            }
        });
    }

    private ScheduledFuture<?> schedule(double seconds, boolean healthyOnes) {
        long ms = Math.max(1, Math.round(seconds * 1000));
        return loop.scheduleAtFixedRate(() -> tick(healthyOnes), ms, ms, TimeUnit.MILLISECONDS);
    }

    void stop() {
        stopped = true;
        loop.execute(() -> {
            if (healthyTimer != null) {
                healthyTimer.cancel(false);
            }
            if (unhealthyTimer != null) {
                unhealthyTimer.cancel(false);
            }
            queue.clear();
        });
    }

    private void tick(boolean healthyOnes) {
        if (stopped) {
            return;
        }
        for (Peer p : state.allPeers()) {
            if (p.weight > 0 && p.health().isHealthy() == healthyOnes && !queue.contains(p)) {
                queue.add(p);
            }
        }
        drain();
    }

    private void drain() {
        long limit = state.upstream().healthchecks().active().concurrency();
        while (running < limit && !queue.isEmpty() && !stopped) {
            Peer p = queue.poll();
            running++;
            probe(p);
        }
    }

    private void finished() {
        running--;
        drain();
    }

    private void probe(Peer p) {
        Upstream u = state.upstream();
        Healthchecks.Active a = u.healthchecks().active();
        int timeoutMs = (int) Math.max(1, Math.round(a.timeout() * 1000));
        boolean tls = a.type().equals("https") || a.type().equals("grpcs");
        boolean tcpOnly = a.type().equals("tcp");
        Probe handler = new Probe(p);
        Bootstrap b = new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeoutMs)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) throws SSLException {
                        if (tls) {
                            String sni = a.httpsSni() != null ? a.httpsSni() : hostOnly(u.hostHeader(), p.hostname());
                            SslHandler h = context(a.httpsVerifyCertificate()).newHandler(ch.alloc(), sni, p.address().getPort());
                            ch.pipeline().addLast(h);
                        }
                        ch.pipeline().addLast(handler);
                    }
                });
        ChannelFuture cf = b.connect(p.address());
        handler.timeout = loop.schedule(() -> handler.done(Outcome.TIMEOUT, 0), timeoutMs, TimeUnit.MILLISECONDS);
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                boolean timedOut = f.cause() instanceof io.netty.channel.ConnectTimeoutException;
                handler.done(timedOut ? Outcome.TIMEOUT : Outcome.TCP_FAILURE, 0);
                return;
            }
            if (tcpOnly) {
                handler.done(Outcome.SUCCESS, 0);
                return;
            }
            Channel ch = cf.channel();
            StringBuilder req = new StringBuilder();
            req.append("GET ").append(a.httpPath()).append(" HTTP/1.0\r\n");
            if (a.headers() != null) {
                for (Map.Entry<String, List<String>> h : a.headers().entrySet()) {
                    for (String v : h.getValue()) {
                        req.append(h.getKey()).append(": ").append(v).append("\r\n");
                    }
                }
            }
            req.append("Host: ").append(u.hostHeader() != null ? u.hostHeader() : p.hostname()).append("\r\n\r\n");
            ch.writeAndFlush(Unpooled.copiedBuffer(req, StandardCharsets.ISO_8859_1)).addListener(w -> {
                if (!w.isSuccess()) {
                    handler.done(Outcome.TCP_FAILURE, 0);
                }
            });
        });
    }

    private static String hostOnly(String hostHeader, String hostname) {
        String h = hostHeader != null ? hostHeader : hostname;
        int colon = h.lastIndexOf(':');
        return colon > 0 && h.indexOf(':') == colon ? h.substring(0, colon) : h;
    }

    private SslContext context(boolean verify) throws SSLException {
        if (ssl == null) {
            SslContextBuilder b = SslContextBuilder.forClient();
            if (!verify) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE);
            }
            ssl = b.build();
        }
        return ssl;
    }

    private enum Outcome { SUCCESS, STATUS, TCP_FAILURE, TIMEOUT }

    /** One probe's connection: collects the status line, then judges and closes. */
    private final class Probe extends ChannelInboundHandlerAdapter {
        private final Peer peer;
        private final StringBuilder line = new StringBuilder();
        private ChannelHandlerContext ctx;
        private boolean finished;
        ScheduledFuture<?> timeout;

        Probe(Peer peer) {
            this.peer = peer;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (finished || !(msg instanceof ByteBuf buf)) {
                    return;
                }
                while (buf.isReadable() && line.length() < MAX_STATUS_LINE) {
                    char c = (char) buf.readByte();
                    if (c == '\n') {
                        judge();
                        return;
                    }
                    line.append(c);
                }
                if (line.length() >= MAX_STATUS_LINE) {
                    done(Outcome.TCP_FAILURE, 0);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void judge() {
            String[] parts = line.toString().trim().split(" ");
            int status = -1;
            if (parts.length >= 2 && parts[0].startsWith("HTTP/")) {
                try {
                    status = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    status = -1;
                }
            }
            done(status < 0 ? Outcome.TCP_FAILURE : Outcome.STATUS, status);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!finished) {
                if (line.length() > 0) {
                    judge();
                } else {
                    done(Outcome.TCP_FAILURE, 0);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done(Outcome.TCP_FAILURE, 0);
        }

        void done(Outcome o, int status) {
            if (finished) {
                return;
            }
            finished = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (ctx != null) {
                ctx.channel().close();
            }
            if (!stopped && !state.isClosed()) {
                TargetHealth h = peer.health();
                switch (o) {
                    case SUCCESS -> h.reportSuccess(TargetHealth.Source.ACTIVE);
                    case STATUS -> h.reportHttpStatus(TargetHealth.Source.ACTIVE, status);
                    case TCP_FAILURE -> h.reportFailure(TargetHealth.Source.ACTIVE, TargetHealth.Failure.TCP);
                    case TIMEOUT -> h.reportFailure(TargetHealth.Source.ACTIVE, TargetHealth.Failure.TIMEOUT);
                }
                log.debug("[healthchecks] active probe of {}: {} {}", peer, o, status);
            }
            finished();
        }
    }
}
