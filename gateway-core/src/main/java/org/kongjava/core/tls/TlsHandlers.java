package org.kongjava.core.tls;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.netty.util.AsyncMapping;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The TLS handlers every {@code ssl} listener puts first in its pipeline (after a PROXY protocol decoder). */
public final class TlsHandlers {
    private static final Logger log = LoggerFactory.getLogger(TlsHandlers.class);

    /**
     * The server name the client sent in its ClientHello, lower-cased (Netty normalizes it; null when none), set on
     * the channel when the TLS
     * handler is chosen: for the router's {@code snis} ({@code RequestFacts.sni}) and for logs.
     */
    public static final AttributeKey<String> SNI = AttributeKey.valueOf("gw.tls.sni");

    /** How long a client has for its ClientHello and the whole handshake, as nginx's default client timeouts. */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private TlsHandlers() {
    }

    /**
     * An {@link SniHandler} that picks the server context from the snapshot current at the client's ClientHello:
     * one volatile read per connection, so a certificate added through the Admin API is served on the next
     * handshake, and open connections keep theirs. Add it under {@code PipelineNames.TLS}; it replaces itself by
     * the {@code SslHandler}. Non-TLS bytes make it fail with a {@code NotSslRecordException} (close the channel
     * in {@code exceptionCaught}).
     *
     * @param spec the listen address; its {@link ListenerTls#of key} must have been registered with the compiler
     */
    public static SniHandler sniHandler(SnapshotHolder holder, ListenSpec spec, long handshakeTimeoutMillis) {
        return new RecordingSniHandler(new SnapshotMapping(holder, ListenerTls.of(spec)), handshakeTimeoutMillis);
    }

    /**
     * Starts an {@code ssl} listener's pipeline: the {@link #sniHandler}, then, once the handshake is done, the
     * protocol the client chose by ALPN: {@code http2} builds the HTTP/2 handlers (only offered on {@code http2}
     * addresses), {@code http1} the HTTP/1.1 ones (also for clients without ALPN). A failed handshake, bytes that
     * are not TLS or a timeout close the connection with a DEBUG line, not a WARN: scanners and plain-HTTP clients
     * are not the server's problem.
     * <p>
     * On a connection that reads on demand ({@code AUTO_READ} off) the handshake is still driven here; the handlers
     * added by {@code http1}/{@code http2} then issue their own reads (the channel is already active for them).
     *
     * @param http2 adds the HTTP/2 handlers after the TLS handler; null on listeners without {@code http2}
     */
    public static void addTls(ChannelPipeline p, SnapshotHolder holder, ListenSpec spec, long handshakeTimeoutMillis,
                              Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> http2) {
        Objects.requireNonNull(http1, "http1");
        p.addLast(PipelineNames.TLS, sniHandler(holder, spec, handshakeTimeoutMillis));
        p.addLast(PipelineNames.ALPN, new Negotiation(spec.key(), http1, http2));
    }

    /** After the handshake: HTTP/2 or HTTP/1.1 by ALPN (no ALPN: HTTP/1.1). */
    private static final class Negotiation extends ApplicationProtocolNegotiationHandler {
        private final String listener;
        private final Consumer<ChannelPipeline> http1;
        private final Consumer<ChannelPipeline> http2;
        private boolean readIssued;

        Negotiation(String listener, Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> http2) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.listener = listener;
            this.http1 = http1;
            this.http2 = http2;
        }

        // Connections that read on demand (AUTO_READ off, as the proxy's) need a first read for the ClientHello;
        // the TLS handlers then read until the handshake is done, and the protocol handlers take over.
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
            super.handlerAdded(ctx);
            if (ctx.channel().isActive()) {
                firstRead(ctx);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            firstRead(ctx);
            super.channelActive(ctx);
        }

        private void firstRead(ChannelHandlerContext ctx) {
            if (!readIssued && !ctx.channel().config().isAutoRead()) {
                readIssued = true;
                ctx.read();
            }
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol) && http2 != null) {
                http2.accept(ctx.pipeline());
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                http1.accept(ctx.pipeline());
            } else {
                log.debug("{}: client {} negotiated unsupported protocol '{}'; closing", listener,
                        ctx.channel().remoteAddress(), protocol);
                ctx.close();
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: TLS handshake with {} failed: {}", listener, ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("{}: TLS connection {} failed: {}", listener, ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /** The SNI the client of {@code ch} sent, or null (none sent, not TLS, or the ClientHello not read yet). */
    public static String sni(Channel ch) {
        return ch.attr(SNI).get();
    }

    /** Records the client's SNI on the channel before handing over to the {@code SslHandler}. */
    private static final class RecordingSniHandler extends SniHandler {
        RecordingSniHandler(AsyncMapping<String, SslContext> mapping, long handshakeTimeoutMillis) {
            super(mapping, handshakeTimeoutMillis);
        }

        @Override
        protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext) throws Exception {
            if (hostname != null) {
                ctx.channel().attr(SNI).set(hostname);
            }
            super.replaceHandler(ctx, hostname, sslContext);
        }
    }

    /** SNI name → context through the holder's current snapshot. */
    static final class SnapshotMapping implements AsyncMapping<String, SslContext> {
        private final SnapshotHolder holder;
        private final ListenerTls listener;
        private final AtomicBoolean reported = new AtomicBoolean();

        SnapshotMapping(SnapshotHolder holder, ListenerTls listener) {
            this.holder = Objects.requireNonNull(holder, "holder");
            this.listener = Objects.requireNonNull(listener, "listener");
        }

        @Override
        public Future<SslContext> map(String hostname, Promise<SslContext> promise) {
            SniSelector selector = holder.current().tls().index(listener);
            if (selector == null) {
                // A wiring mistake, not a client's: say it once, refuse every handshake.
                if (reported.compareAndSet(false, true)) {
                    log.error("TLS listener {} has no certificate registered (TlsCompiler.register was not called for {}); "
                            + "TLS connections are closed", listener.name(), listener);
                }
                return promise.setFailure(new IllegalStateException("no certificate registered for " + listener));
            }
            return selector.map(hostname, promise);
        }
    }
}
