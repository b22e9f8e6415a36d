package org.kongjava.core.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import org.kongjava.core.listener.PipelineNames;

/**
 * Sends a PROXY protocol header as the very first bytes of an upstream connection (kong-java's
 * {@code upstream_proxy_protocol}), so an upstream that expects one learns the client's address. Installed first
 * in the upstream pipeline (nearest the socket), it puts the header in front of the first bytes written on the
 * connection, whichever handler writes them (the HTTP encoder, or a TLS handler's ClientHello), then removes
 * itself. Not on {@code channelActive}: the connect future's listeners, which send the request, run before it.
 */
public final class UpstreamProxyHeader extends ChannelOutboundHandlerAdapter {
    private final int version;
    private final InetSocketAddress source;
    private final InetSocketAddress destination;

    private UpstreamProxyHeader(int version, InetSocketAddress source, InetSocketAddress destination) {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("version: " + version + " (expected: 1 or 2)");
        }
        this.version = version;
        this.source = Objects.requireNonNull(source, "source");
        this.destination = Objects.requireNonNull(destination, "destination");
    }

    /**
     * Adds the header writer at the front of a not yet connected upstream channel (call from its initializer).
     *
     * @param version     1 (text) or 2 (binary, no TLVs)
     * @param source      the client: its address after the realip step, with the port it connected from
     * @param destination the address the client connected to
     */
    public static void install(Channel ch, int version, InetSocketAddress source, InetSocketAddress destination) {
        ch.pipeline().addFirst(PipelineNames.UPSTREAM_PROXY_PROTOCOL, new UpstreamProxyHeader(version, source,
                destination));
    }

    /**
     * What a connection opened with such a header is good for, for {@code PoolKey#proxyHeader}: the version and
     * the client address (not its port: a reused connection keeps the first request's source port, which
     * upstreams do not act on, and keying on the port would end reuse across client connections).
     */
    public static String identity(int version, InetSocketAddress source) {
        return "v" + version + " " + ProxyHeader.hostPort(source).replaceFirst(":\\d+$", "");
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ByteBuf header = version == 1
                ? ProxyHeaderEncoder.v1(ctx.alloc(), source, destination)
                : ProxyHeaderEncoder.v2(ctx.alloc(), source, destination, List.of());
        // From this context a write only passes the handlers in front of this one: none.
        ctx.write(header, ctx.voidPromise());
        ctx.write(msg, promise);
        ctx.pipeline().remove(this);
    }
}
