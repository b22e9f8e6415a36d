package org.kongjava.core.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.listener.ConnectionInfo;
import org.kongjava.core.proxyprotocol.ProxyHeaderDecoder.Kind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of a {@code proxy_protocol} listener: reads one PROXY header (v1 or v2, told apart by the
 * first bytes), records it in {@link ConnectionInfo#proxied()}, and removes itself; bytes after the header
 * go on to the next handler untouched (a TLS ClientHello, an HTTP request).
 *
 * <p>Strict by default (STYLE #12): no valid header within the deadline closes the connection and logs
 * the peer. Only peers in {@link ProxyProtocolSettings#headerOptionalFrom()} may skip the header, and only
 * when their first bytes cannot start one. A peer that closes without sending a byte (a balancer's TCP
 * health check) is counted and logged at debug, not as an error (STYLE #13).
 */
final class ProxyProtocolHandler extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(ProxyProtocolHandler.class);
    private static final int HEX_PREFIX = 16;
    private static final LogBudget LOG_BUDGET = new LogBudget(20);

    private final ListenSpec listener;
    private final ProxyProtocolSettings settings;
    // Not volatile: only this channel's event loop touches these.
    private HeaderDeadlines.Entry deadline;
    private boolean finished;
    private boolean sawBytes;

    ProxyProtocolHandler(ListenSpec listener, ProxyProtocolSettings settings) {
        this.listener = listener;
        this.settings = settings;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            startDeadline(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startDeadline(ctx);
        super.channelActive(ctx);
    }

    private void startDeadline(ChannelHandlerContext ctx) {
        if (deadline == null && !finished) {
            deadline = HeaderDeadlines.add(ctx.executor(), settings.headerTimeoutMillis(), () -> onDeadline(ctx));
        }
    }

    private void onDeadline(ChannelHandlerContext ctx) {
        if (finished || ctx.isRemoved()) {
            return;
        }
        finished = true;
        settings.stats().timedOut.increment();
        int have = actualReadableBytes();
        if (LOG_BUDGET.tryAcquire()) {
            log.info("{}: closing connection from {}: no complete PROXY header within {} ms ({} byte(s) received{}){}",
                    where(ctx), peerText(ctx.channel()), settings.headerTimeoutMillis(), have,
                    have == 0 ? "" : ", first bytes " + hexPrefix(internalBuffer()), LOG_BUDGET.takeSuppressedNote());
        }
        ctx.close();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (finished) {
            in.skipBytes(in.readableBytes()); // closing: nothing more is parsed or forwarded
            return;
        }
        sawBytes |= in.isReadable();
        if (ProxyHeaderDecoder.detect(in) == Kind.NOT_PROXY && mayOmitHeader(ctx.channel())) {
            finished = true;
            cancelDeadline();
            settings.stats().withoutHeaderTrusted.increment();
            log.debug("{}: trusted peer {} connected without a PROXY header", where(ctx), peerText(ctx.channel()));
            ctx.pipeline().remove(this); // the buffered bytes are passed on as they are
            return;
        }
        ProxyHeader header;
        try {
            header = ProxyHeaderDecoder.decode(in, settings.maxV2Length());
        } catch (ProxyProtocolException e) {
            reject(ctx, in, e.getMessage());
            return;
        }
        if (header == null) {
            return; // wait for more bytes (the deadline bounds how long)
        }
        finished = true;
        cancelDeadline();
        count(header);
        Channel ch = ctx.channel();
        ConnectionInfo info = ch.attr(ConnectionInfo.KEY).get();
        if (info == null) {
            info = new ConnectionInfo(inet(ch.remoteAddress()), inet(ch.localAddress()), listener);
        }
        ch.attr(ConnectionInfo.KEY).set(info.withProxied(header));
        if (log.isDebugEnabled()) {
            log.debug("{}: {} from {}", where(ctx), header, peerText(ch));
        }
        boolean more = in.isReadable();
        ctx.pipeline().remove(this); // ByteToMessageDecoder hands any bytes after the header to the next handler
        if (!more && !ch.config().isAutoRead()) {
            // This read was all header: nothing reaches the next handler, so nothing there asks for the bytes
            // that follow (a TLS ClientHello sent in its own segment would wait forever). Ask on its behalf.
            ctx.read();
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // The peer closed. decode() already saw every byte, so an unfinished header stays unfinished.
        if (finished) {
            in.skipBytes(in.readableBytes());
            return;
        }
        finished = true;
        cancelDeadline();
        if (!sawBytes) {
            settings.stats().closedEmpty.increment();
            log.debug("{}: {} closed before sending a PROXY header", where(ctx), peerText(ctx.channel()));
        } else {
            settings.stats().rejected.increment();
            if (LOG_BUDGET.tryAcquire()) {
                log.info("{}: connection from {} closed after {} byte(s), before a complete PROXY header; first bytes {}{}",
                        where(ctx), peerText(ctx.channel()), in.readableBytes(), hexPrefix(in),
                        LOG_BUDGET.takeSuppressedNote());
            }
        }
        in.skipBytes(in.readableBytes());
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelDeadline();
    }

    private void reject(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        finished = true;
        cancelDeadline();
        settings.stats().rejected.increment();
        if (LOG_BUDGET.tryAcquire()) {
            log.info("{}: closing connection from {}: bad PROXY header: {}; first bytes {}{}",
                    where(ctx), peerText(ctx.channel()), reason, hexPrefix(in), LOG_BUDGET.takeSuppressedNote());
        } else {
            log.debug("{}: closing connection from {}: bad PROXY header: {}", where(ctx), peerText(ctx.channel()), reason);
        }
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    private boolean mayOmitHeader(Channel ch) {
        return !settings.headerOptionalFrom().isEmpty() && ch.remoteAddress() instanceof InetSocketAddress peer
                && settings.headerOptionalFrom().contains(peer.getAddress());
    }

    private void count(ProxyHeader h) {
        (h.version() == 1 ? settings.stats().v1 : settings.stats().v2).increment();
        if (!h.hasAddresses()) {
            settings.stats().withoutAddress.increment();
        }
    }

    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel();
            deadline = null;
        }
    }

    private String where(ChannelHandlerContext ctx) {
        // The bound address: the spec says port 0 when the port was chosen at bind time.
        return listener.key() + " " + (ctx.channel().localAddress() instanceof InetSocketAddress local
                ? ProxyHeader.hostPort(local) : listener.address());
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i : null;
    }

    private static String peerText(Channel ch) {
        SocketAddress a = ch.remoteAddress();
        return a instanceof InetSocketAddress i ? ProxyHeader.hostPort(i) : String.valueOf(a);
    }

    private static String hexPrefix(ByteBuf in) {
        if (in == null || !in.isReadable()) {
            return "(none)";
        }
        int n = Math.min(HEX_PREFIX, in.readableBytes());
        return ByteBufUtil.hexDump(in, in.readerIndex(), n) + (in.readableBytes() > n ? "..." : "");
    }
}
