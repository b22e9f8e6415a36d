package org.kongjava.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Counts the bytes a client sends, before any decoding, so the header timeout can tell a silent
 * connection (closed without a word) from a slow request head (answered 408, as nginx logs it).
 */
final class ClientByteCounter extends ChannelInboundHandlerAdapter {
    // Not volatile: read and written only on the connection's event loop.
    private long bytes;

    long bytes() {
        return bytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            bytes += b.readableBytes();
        }
        ctx.fireChannelRead(msg);
    }
}
