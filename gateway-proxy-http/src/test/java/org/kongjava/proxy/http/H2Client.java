package org.kongjava.proxy.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Netty HTTP/2 client for the proxy tests: one connection (h2 by ALPN over TLS, or h2c with prior knowledge),
 * streams opened on demand, each seen as HTTP objects.
 */
final class H2Client implements AutoCloseable {
    /** A response as received on one stream: body kept up to 1 MB, hashed and counted whole. */
    record Response(int status, HttpHeaders headers, String body, long bytes, String sha256) {
    }

    /** The client's stream window; the connection window is four times that. */
    static final int WINDOW = 1 << 20;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final Channel conn;
    final String alpn;

    H2Client(int port, boolean tls) throws Exception {
        this(port, tls, WINDOW);
    }

    /** @param window the stream window; the connection window is four times that */
    H2Client(int port, boolean tls, int window) throws Exception {
        SslContext ssl = tls ? SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build() : null;
        conn = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "h2.test", port));
                        }
                        // Windows as browsers size them (MBs, not the 64 KB default), so transfers are not window-bound.
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(window)).build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                }).connect("127.0.0.1", port).sync().channel();
        if (window > Http2CodecUtil.DEFAULT_WINDOW_SIZE) {
            conn.writeAndFlush(new DefaultHttp2WindowUpdateFrame(4 * window - Http2CodecUtil.DEFAULT_WINDOW_SIZE)).sync();
        }
        if (ssl != null) {
            SslHandler h = conn.pipeline().get(SslHandler.class);
            h.handshakeFuture().sync();
            alpn = h.applicationProtocol();
        } else {
            alpn = null;
        }
    }

    /** A new stream decoding to HTTP objects, delivered to {@code handler}; {@code autoRead} off to stall it. */
    Http2StreamChannel open(ChannelInboundHandlerAdapter handler, boolean autoRead) throws InterruptedException {
        return new Http2StreamChannelBootstrap(conn).option(ChannelOption.AUTO_READ, autoRead)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel s) {
                        s.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
                        s.pipeline().addLast(handler);
                    }
                }).open().sync().getNow();
    }

    static HttpRequest head(HttpMethod method, String path) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, path);
        r.headers().set(HttpHeaderNames.HOST, "h2.test");
        return r;
    }

    /** A body-less request; waits for the whole response. */
    Response get(String path, String... headers) throws Exception {
        DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        r.headers().set(HttpHeaderNames.HOST, "h2.test");
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        Collector c = new Collector();
        open(c, true).writeAndFlush(r);
        try {
            return c.result.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no whole response to " + path + " within 20 s; " + c.bytes.get() + " body bytes so far", e);
        }
    }

    /**
     * A request with {@code total} bytes of {@link TestBackend#pattern} in 16 KB chunks, each written when the
     * previous one left (so the proxy's flow control paces it); {@code chunked} leaves out Content-Length.
     */
    Response upload(String path, long total, boolean chunked) throws Exception {
        Collector c = new Collector();
        Http2StreamChannel s = open(c, true);
        HttpRequest h = head(HttpMethod.POST, path);
        if (!chunked) {
            HttpUtil.setContentLength(h, total);
        }
        s.write(h);
        long sent = 0;
        while (sent < total) {
            int n = (int) Math.min(16 * 1024, total - sent);
            ByteBuf b = Unpooled.buffer(n);
            for (int i = 0; i < n; i++) {
                b.writeByte(TestBackend.pattern(sent + i));
            }
            sent += n;
            ChannelFuture f = s.writeAndFlush(new DefaultHttpContent(b));
            if (!f.await(20, TimeUnit.SECONDS) || !f.isSuccess()) {
                throw new AssertionError("upload stalled or failed at " + sent + " bytes", f.cause());
            }
        }
        s.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        return c.result.get(30, TimeUnit.SECONDS);
    }

    /** The SHA-256 of {@code n} bytes of {@link TestBackend#pattern}. */
    static String patternSha(long n) {
        MessageDigest md = TestBackend.newDigest();
        byte[] block = new byte[26 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = TestBackend.pattern(i);
        }
        long left = n;
        while (left > 0) {
            int k = (int) Math.min(block.length, left);
            md.update(block, 0, k);
            left -= k;
        }
        return TestBackend.sha256(md);
    }

    /** Collects one response; completes exceptionally when the stream ends without one. */
    static class Collector extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Response> result = new CompletableFuture<>();
        final AtomicLong bytes = new AtomicLong();
        private final MessageDigest md = TestBackend.newDigest();
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private HttpResponse head;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse r) {
                    head = r;
                }
                if (msg instanceof HttpContent c) {
                    ByteBuf b = c.content();
                    bytes.addAndGet(b.readableBytes());
                    md.update(b.nioBuffer());
                    if (kept.size() < (1 << 20)) {
                        byte[] a = new byte[b.readableBytes()];
                        b.getBytes(b.readerIndex(), a);
                        kept.writeBytes(a);
                    }
                    if (c instanceof LastHttpContent && head != null) {
                        result.complete(new Response(head.status().code(), head.headers(),
                                kept.toString(StandardCharsets.UTF_8), bytes.get(), TestBackend.sha256(md)));
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new AssertionError("stream closed without a whole response"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }
    }

    @Override
    public void close() {
        conn.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
