package org.kongjava.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes between a client connection and its upstream connection, both on one event loop, both with
 * {@code AUTO_READ} off:
 * <ul>
 *   <li>backpressure: after a read is written to the other side, the next read is issued only while that side is
 *       writable (below its write-buffer high-water mark); otherwise when it becomes writable again. At most one
 *       socket read plus one high-water mark is buffered per direction, whatever the transfer size;</li>
 *   <li>half-close: the end of one side's input ({@code ALLOW_HALF_CLOSURE}) shuts down the other side's output
 *       once the bytes before it are flushed (TLS sides send {@code close_notify} first); when both inputs have
 *       ended, both connections close;</li>
 *   <li>idle timeout: no byte in either direction for the service's {@code max(read_timeout, write_timeout)}
 *       closes both (nginx stream's {@code proxy_timeout}, which Kong sets from the service timeouts);</li>
 *   <li>any error or a full close of one side closes the other after a flush.</li>
 * </ul>
 */
final class Relay extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);
    static final String NAME = "gw.streamRelay";
    static final String IDLE = "gw.streamIdle";

    private final Session session;
    private final boolean clientSide;
    private Relay other;
    private Channel self;
    private boolean waitingForPeerWritable;
    private boolean inputShut;

    private Relay(Session session, boolean clientSide) {
        this.session = session;
        this.clientSide = clientSide;
    }

    /** State shared by the two halves of one relay. */
    static final class Session {
        final StreamAccessLog accessLog;
        final Runnable onEnd;
        private int closed;

        Session(StreamAccessLog accessLog, Runnable onEnd) {
            this.accessLog = accessLog;
            this.onEnd = onEnd;
        }

        private void channelClosed() {
            if (++closed == 2) {
                accessLog.write();
                onEnd.run();
            }
        }
    }

    /**
     * Installs the relay on both connections (last in each pipeline) and starts reading both. The caller has
     * already written any bytes it read ahead to {@code upstream}.
     *
     * @param idleMillis         close after this long without traffic in either direction; 0 = never
     * @param clientInputEnded   the client half-closed before the relay started: shut the upstream's output now
     */
    static void link(Channel client, Channel upstream, StreamAccessLog accessLog, long idleMillis,
                     boolean clientInputEnded, Runnable onEnd) {
        Session s = new Session(accessLog, onEnd);
        Relay c = new Relay(s, true);
        Relay u = new Relay(s, false);
        c.other = u;
        u.other = c;
        c.self = client;
        u.self = upstream;
        if (idleMillis > 0) {
            upstream.pipeline().addLast(IDLE, new IdleStateHandler(false, 0, 0, idleMillis, TimeUnit.MILLISECONDS));
        }
        upstream.pipeline().addLast(NAME, u);
        client.pipeline().addLast(NAME, c);
        client.closeFuture().addListener(f -> s.channelClosed());
        upstream.closeFuture().addListener(f -> s.channelClosed());
        if (!upstream.isActive()) {
            client.close();
            return;
        }
        if (!client.isActive()) {
            upstream.close();
            return;
        }
        if (clientInputEnded) {
            c.inputShut = true;
            shutdownOutput(upstream);
        } else {
            client.read();
        }
        upstream.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (clientSide) {
            session.accessLog.bytesFromClient += b.readableBytes();
        } else {
            session.accessLog.bytesFromUpstream += b.readableBytes();
        }
        other.self.write(b, other.self.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel peer = other.self;
        peer.flush();
        if (inputShut) {
            return;
        }
        if (peer.isWritable()) {
            ctx.read();
        } else {
            waitingForPeerWritable = true;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && other.waitingForPeerWritable) {
            other.waitingForPeerWritable = false;
            if (!other.inputShut) {
                other.self.read();
            }
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShut = true;
            if (other.inputShut) {
                // Both directions ended: close after what is queued has gone out.
                flushAndClose(self);
                flushAndClose(other.self);
            } else {
                shutdownOutput(other.self);
            }
            return;
        }
        if (evt instanceof IdleStateEvent) {
            session.accessLog.fail(200, "idle timeout");
            log.debug("stream {} idle for too long; closing", ctx.channel());
            closeBoth();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Flushes what is queued for {@code ch}, then ends its output (after {@code close_notify} on TLS). */
    private static void shutdownOutput(Channel ch) {
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        if (ssl != null) {
            ch.flush();
            ssl.closeOutbound().addListener(f -> halfClose(ch));
            return;
        }
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> halfClose(ch));
    }

    private static void halfClose(Channel ch) {
        if (ch instanceof DuplexChannel d && ch.isActive()) {
            d.shutdownOutput().addListener(f -> {
                if (!f.isSuccess()) {
                    ch.close();
                }
            });
        } else {
            ch.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        flushAndClose(other.self);
        ctx.fireChannelInactive();
    }

    private static void flushAndClose(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("stream {} connection {} failed: {}", clientSide ? "client" : "upstream", ctx.channel(), cause.toString());
        closeBoth();
    }

    private void closeBoth() {
        self.close();
        other.self.close();
    }
}
