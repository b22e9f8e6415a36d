package org.kongjava.proxy.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small upstream for the proxy tests. It records every request head it receives (tests read them
 * from {@link #requests}), counts connections, and by path:
 * <ul>
 * <li>{@code /download?bytes=N[&chunked=1]}: streams N bytes of {@link #pattern} with backpressure;</li>
 * <li>{@code /delay?ms=N}: answers after N ms;</li>
 * <li>{@code /close}: closes the connection without answering;</li>
 * <li>{@code /garbage}: answers with bytes that are not HTTP;</li>
 * <li>{@code /conn-close}: answers with {@code Connection: close};</li>
 * <li>{@code /ws}: answers 101 and then echoes raw bytes;</li>
 * <li>anything else: 200, body {@code <bytes> <sha256>} of the request body, which is streamed (hashed, not kept).</li>
 * </ul>
 */
final class TestBackend implements AutoCloseable {
    record Received(HttpRequest head, long bodyBytes, String sha256) {
    }

    final BlockingQueue<HttpRequest> requests = new LinkedBlockingQueue<>();
    final BlockingQueue<Received> completed = new LinkedBlockingQueue<>();
    final AtomicInteger connections = new AtomicInteger();
    /** Connections closed (by the proxy: the backend closes only on {@code /close} and {@code /garbage}). */
    final AtomicInteger closedConnections = new AtomicInteger();
    /** System.nanoTime() when the first body byte of the latest request arrived. */
    final AtomicLong firstBodyByteNanos = new AtomicLong();
    /** System.nanoTime() when the latest download's last byte was written. */
    final AtomicLong downloadDoneNanos = new AtomicLong();
    /** Body bytes of downloads handed to the socket so far, all downloads together. */
    final AtomicLong downloadSent = new AtomicLong();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    TestBackend() throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                // Without it, Nagle on this side and delayed ACKs on the proxy's side cost ~40 ms per chunk.
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(f -> closedConnections.incrementAndGet());
                        ch.pipeline().addLast("codec", new HttpServerCodec());
                        ch.pipeline().addLast("app", new App());
                        ch.read();
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    static byte pattern(long i) {
        return (byte) ('a' + (i % 26));
    }

    static String sha256(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    private final class App extends ChannelInboundHandlerAdapter {
        private HttpRequest head;
        private MessageDigest md;
        private long bytes;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest r) {
                    head = r;
                    requests.add(r);
                    md = newDigest();
                    bytes = 0;
                    firstBodyByteNanos.set(0);
                }
                if (msg instanceof HttpContent c) {
                    if (c.content().isReadable()) {
                        firstBodyByteNanos.compareAndSet(0, System.nanoTime());
                        bytes += c.content().readableBytes();
                        md.update(c.content().nioBuffer());
                    }
                    if (c instanceof LastHttpContent) {
                        String sha = sha256(md);
                        completed.add(new Received(head, bytes, sha));
                        respond(ctx, head, bytes + " " + sha);
                        return;
                    }
                }
                ctx.read();
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private void respond(ChannelHandlerContext ctx, HttpRequest head, String summary) {
        QueryStringDecoder q = new QueryStringDecoder(head.uri());
        String path = q.path();
        switch (path.substring(path.lastIndexOf('/'))) {
            case "/close" -> ctx.close();
            case "/garbage" -> {
                ctx.pipeline().remove("codec"); // raw bytes, past the encoder
                ctx.writeAndFlush(Unpooled.copiedBuffer("NOT HTTP AT ALL\r\n\r\n", StandardCharsets.US_ASCII))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            case "/delay" -> ctx.executor().schedule(() -> send(ctx, head, summary, false),
                    Long.parseLong(q.parameters().get("ms").get(0)), TimeUnit.MILLISECONDS);
            case "/conn-close" -> send(ctx, head, summary, true);
            case "/download" -> download(ctx, Long.parseLong(q.parameters().get("bytes").get(0)),
                    q.parameters().containsKey("chunked"));
            case "/ws" -> {
                HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
                r.headers().set(HttpHeaderNames.UPGRADE, "websocket").set(HttpHeaderNames.CONNECTION, "Upgrade")
                        .set(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
                ctx.writeAndFlush(r).addListener(f -> {
                    ctx.pipeline().replace("app", "echo", new RawEcho());
                    ctx.pipeline().remove("codec");
                    ctx.read();
                });
            }
            default -> send(ctx, head, summary, false);
        }
    }

    private void send(ChannelHandlerContext ctx, HttpRequest head, String body, boolean close) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        r.headers().set("X-Backend-Uri", head.uri());
        HttpUtil.setContentLength(r, r.content().readableBytes());
        if (close) {
            r.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        ChannelFuture f = ctx.writeAndFlush(r);
        if (close) {
            f.addListener(ChannelFutureListener.CLOSE);
        } else {
            f.addListener(x -> ctx.read());
        }
    }

    private void download(ChannelHandlerContext ctx, long total, boolean chunked) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        if (chunked) {
            HttpUtil.setTransferEncodingChunked(r, true);
        } else {
            HttpUtil.setContentLength(r, total);
        }
        ctx.write(r);
        writeChunk(ctx, 0, total);
    }

    private void writeChunk(ChannelHandlerContext ctx, long sent, long total) {
        if (sent >= total) {
            downloadDoneNanos.set(System.nanoTime());
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(x -> ctx.read());
            return;
        }
        int n = (int) Math.min(32 * 1024, total - sent);
        // Filled as an array, then copied once: with paranoid leak detection every ByteBuf call on a pooled
        // buffer records a stack trace, and 32k writeByte calls per chunk paced downloads at ~250 KB/s.
        byte[] chunk = new byte[n];
        for (int i = 0; i < n; i++) {
            chunk[i] = pattern(sent + i);
        }
        ByteBuf b = ctx.alloc().buffer(n);
        b.writeBytes(chunk);
        ctx.writeAndFlush(new DefaultHttpContent(b)).addListener(f -> {
            if (f.isSuccess()) {
                downloadSent.addAndGet(n);
                writeChunk(ctx, sent + n, total);
            }
        });
    }

    /** After a 101: echo every byte back, reading the next bytes once the echo is written. */
    private static final class RawEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg).addListener(f -> ctx.read());
        }
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpHeaders headersOf(HttpRequest r) {
        return r.headers();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
