package org.kongjava.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a plain {@code http2} proxy address: HTTP/2 with prior knowledge (RFC 9113 §3.3) when the client opens with
 * the connection preface {@code PRI * HTTP/2.0...}, else HTTP/1.1, on the same port. It reads only as many bytes
 * as it takes to tell, builds the chosen pipeline behind itself, announces the connection to it (it held back
 * {@code channelActive}) and removes itself, handing on the bytes it read. A client that sends nothing within
 * {@code client_header_timeout} is closed, as the HTTP/1.1 path would.
 */
final class H2cPrefaceSniffer extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(H2cPrefaceSniffer.class);
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final long timeoutMillis;
    private final Consumer<ChannelPipeline> http1;
    private final Consumer<ChannelPipeline> http2;
    private ScheduledFuture<?> timer;
    private boolean started;

    H2cPrefaceSniffer(long timeoutMillis, Consumer<ChannelPipeline> http1, Consumer<ChannelPipeline> http2) {
        this.timeoutMillis = timeoutMillis;
        this.http1 = http1;
        this.http2 = http2;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx); // not passed on: the handlers that will see it are not there yet
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        timer = ctx.executor().schedule(() -> {
            log.debug("client {} sent no request within client_header_timeout, closing", ctx.channel().remoteAddress());
            ctx.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
        if (!ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n)) {
            choose(ctx, http1);
        } else if (n == PREFACE.readableBytes()) {
            choose(ctx, http2);
        }
        // else: a prefix of the preface so far; the decoder asks for more bytes (AUTO_READ off).
    }

    private void choose(ChannelHandlerContext ctx, Consumer<ChannelPipeline> protocol) {
        timer.cancel(false);
        protocol.accept(ctx.pipeline());
        ctx.fireChannelActive();
        // Removal hands the bytes read so far to the handlers just added.
        ctx.pipeline().remove(this);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
