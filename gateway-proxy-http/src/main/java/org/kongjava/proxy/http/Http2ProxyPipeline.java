package org.kongjava.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.kongjava.core.listener.ConnectionInfo;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.tls.TlsHandlers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 on an {@code http2} proxy address (h2 by ALPN on {@code ssl}, prior-knowledge h2c on plain ones). The
 * connection pipeline is
 * {@code [tls] → http2Connection (count, idle close) → httpCodec (Http2FrameCodec) → httpProxy (Http2MultiplexHandler)};
 * every stream is a child channel on the connection's event loop with
 * {@code httpCodec (frames ↔ HTTP objects) → http2Stream → httpProxy}, the same {@link HttpProxyHandler} as on HTTP/1.1,
 * so routing, Kong's headers and errors, retries and streaming are one implementation. Upstreams stay HTTP/1.1,
 * from the pools of the connection's loop.
 * <p>
 * Flow control: a stream reads (and so returns window to the client) only when the proxy asks for the next body
 * chunk, that is after the previous one was written upstream; the next upstream read is issued only once the
 * previous response chunk left on the stream, which happens only when the client's windows allow it. The
 * connection reads all the time (it multiplexes), bounded by the windows we grant: {@value #STREAM_WINDOW}
 * bytes per stream and {@value #CONNECTION_WINDOW} per connection.
 */
final class Http2ProxyPipeline {
    private static final Logger log = LoggerFactory.getLogger(Http2ProxyPipeline.class);

    /** nginx's {@code http2_max_concurrent_streams} default. */
    static final int MAX_CONCURRENT_STREAMS = 128;
    /**
     * Per-stream receive window: twice nginx's {@code http2_body_preread_size}, so an upload keeps moving while a
     * chunk is written upstream.
     */
    static final int STREAM_WINDOW = 128 * 1024;
    /** Receive window of the whole connection: what one client connection may have buffered here at most. */
    static final int CONNECTION_WINDOW = 1024 * 1024;

    private final HttpProxySettings settings;
    private final ServerCounters counters;
    private final Supplier<HttpProxyHandler> handlers;
    private final Http2StreamFrameToHttpObjectCodec streamCodec = new Http2StreamFrameToHttpObjectCodec(true);

    /** @param handlers a new proxy handler for each stream */
    Http2ProxyPipeline(HttpProxySettings settings, ServerCounters counters, Supplier<HttpProxyHandler> handlers) {
        this.settings = settings;
        this.counters = counters;
        this.handlers = handlers;
    }

    /** The SETTINGS the proxy announces. The header list bound is the HTTP/1.1 request head bound. */
    Http2Settings initialSettings() {
        return Http2Settings.defaultSettings()
                .maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                .maxHeaderListSize((long) settings.maxHeaderSize() * HttpProxySettings.HEADER_BUFFERS)
                .initialWindowSize(STREAM_WINDOW);
    }

    /** Turns an active connection (TLS done, or h2c preface seen) into an HTTP/2 proxy connection. */
    void addTo(ChannelPipeline p) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(initialSettings())
                .build();
        p.addLast(PipelineNames.HTTP2_CONNECTION, new ConnectionGuard(codec, counters, settings.keepaliveTimeoutMillis()));
        p.addLast(PipelineNames.HTTP_CODEC, codec);
        p.addLast(PipelineNames.HTTP_PROXY, new Http2MultiplexHandler(
                new StreamInitializer(new Http2StreamAdapter.FlushCoalescer(p.channel()))));
        p.addLast(new ConnectionErrors());
        // A stream-less WINDOW_UPDATE raises the connection window (RFC 9113 §6.9.2: SETTINGS cannot).
        p.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE));
        // The connection multiplexes: it must keep reading; each stream reads on demand.
        p.channel().config().setAutoRead(true);
    }

    /** One stream: the connection's facts, then frames ↔ HTTP objects → HTTP/2 adjustments → the proxy. */
    private final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
        private final Http2StreamAdapter.FlushCoalescer flusher;

        StreamInitializer(Http2StreamAdapter.FlushCoalescer flusher) {
            this.flusher = flusher;
        }

        @Override
        protected void initChannel(Http2StreamChannel stream) {
            Channel conn = stream.parent();
            // Attributes are per channel: the proxy reads the client address, listener and SNI from its own.
            stream.attr(ConnectionInfo.KEY).set(conn.attr(ConnectionInfo.KEY).get());
            String sni = TlsHandlers.sni(conn);
            if (sni != null) {
                stream.attr(TlsHandlers.SNI).set(sni);
            }
            stream.config().setAutoRead(false);
            ChannelPipeline p = stream.pipeline();
            p.addLast(PipelineNames.HTTP_CODEC, streamCodec);
            p.addLast(PipelineNames.HTTP2_STREAM, new Http2StreamAdapter(flusher));
            p.addLast(PipelineNames.HTTP_PROXY, handlers.get());
        }
    }

    /**
     * Counts the connection once (streams are not connections) and closes it with GOAWAY after
     * {@code keepalive_timeout} without a stream and without a byte from the client, as nginx does.
     */
    static final class ConnectionGuard extends ChannelDuplexHandler {
        private final Http2FrameCodec codec;
        private final ServerCounters counters;
        private final long idleMillis;
        // Not volatile: only the connection's event loop touches them.
        private boolean counted;
        private long lastReadNanos;
        private ScheduledFuture<?> timer;

        ConnectionGuard(Http2FrameCodec codec, ServerCounters counters, long idleMillis) {
            this.codec = codec;
            this.counters = counters;
            this.idleMillis = idleMillis;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (ctx.channel().isActive()) {
                start(ctx);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            start(ctx);
            ctx.fireChannelActive();
        }

        private void start(ChannelHandlerContext ctx) {
            if (counted) {
                return;
            }
            counted = true;
            counters.connectionsAccepted.increment();
            counters.connectionsHandled.increment();
            counters.connectionsActive.increment();
            lastReadNanos = System.nanoTime();
            schedule(ctx, idleMillis);
        }

        private void schedule(ChannelHandlerContext ctx, long ms) {
            if (idleMillis > 0) {
                timer = ctx.executor().schedule(() -> check(ctx), ms, TimeUnit.MILLISECONDS);
            }
        }

        private void check(ChannelHandlerContext ctx) {
            if (!ctx.channel().isActive()) {
                return;
            }
            long idle = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastReadNanos);
            if (idle >= idleMillis && codec.connection().numActiveStreams() == 0) {
                log.debug("HTTP/2 client {} idle for keepalive_timeout, closing", ctx.channel().remoteAddress());
                ctx.channel().close(); // through the codec: GOAWAY first
            } else {
                schedule(ctx, Math.max(1, idleMillis - idle));
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            lastReadNanos = System.nanoTime();
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timer != null) {
                timer.cancel(false);
            }
            if (counted) {
                counted = false;
                counters.connectionsActive.decrement();
            }
            ctx.fireChannelInactive();
        }
    }

    /** The end of the connection pipeline: connection errors are client noise (STYLE #13), logged at DEBUG. */
    private static final class ConnectionErrors extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("HTTP/2 connection {} failed: {}", ctx.channel(), cause.toString());
            ctx.close();
        }
    }
}
