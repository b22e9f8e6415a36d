package org.kongjava.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.kongjava.core.accesslog.AccessLog;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.listener.PipelineFactory;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.proxyprotocol.ProxyProtocolPipeline;
import org.kongjava.core.proxyprotocol.ProxyProtocolSettings;
import org.kongjava.core.tls.TlsHandlers;

/**
 * Kong's Admin API on an {@code admin_listen} socket: HTTP codec, keep-alive, a body aggregator bounded
 * by the admin body limit (413 with a JSON body when exceeded), then the Admin API handler. Plugs into
 * {@code ListenerManager} like every listener kind; shares the gateway's event loops.
 * <p>
 * On an {@code ssl} address the connection starts with TLS: the certificate comes from the current snapshot's SNI
 * index for the admin listener ({@code admin_ssl_cert} or the generated admin certificate unless an SNI entity
 * matches), then ALPN picks the protocol: {@code h2} when the address has {@code http2} (one HTTP/2 stream per
 * request, each through the same aggregator and handler), else HTTP/1.1. Bytes that are not TLS, or a handshake
 * that does not finish within the timeout, close the connection.
 */
public final class AdminServer implements PipelineFactory {
    private final AdminContext context;
    private final AdminApi api;
    private final int maxBody;
    private final long handshakeTimeoutMillis;
    private final ConnectionCounter counter;
    private final ProxyProtocolSettings proxyProtocol;
    private volatile AccessLog accessLog = AccessLog.OFF;

    public AdminServer(AdminContext context) {
        this(context, TlsHandlers.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS);
    }

    /** @param handshakeTimeoutMillis how long a TLS client has for its ClientHello and the handshake */
    public AdminServer(AdminContext context, long handshakeTimeoutMillis) {
        this(context, handshakeTimeoutMillis, ProxyProtocolSettings.strict());
    }

    /** @param proxyProtocol how {@code admin_listen} entries with {@code proxy_protocol} read the PROXY header */
    public AdminServer(AdminContext context, long handshakeTimeoutMillis, ProxyProtocolSettings proxyProtocol) {
        this.proxyProtocol = proxyProtocol;
        this.context = context;
        this.api = new AdminApi(context);
        this.maxBody = context.maxBodyBytes() <= 0 || context.maxBodyBytes() > Integer.MAX_VALUE
                ? Integer.MAX_VALUE : (int) context.maxBodyBytes();
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.counter = new ConnectionCounter(context);
    }

    /** Sets where answered requests are logged ({@code admin_access_log}); call before binding listeners. */
    public AdminServer accessLog(AccessLog log) {
        this.accessLog = java.util.Objects.requireNonNull(log, "log");
        return this;
    }

    @Override
    public void initChannel(Channel ch, ListenSpec listener) {
        ChannelPipeline p = ch.pipeline();
        // The PROXY header precedes everything, the TLS ClientHello included. As in Kong, it is required but the
        // Admin API does not take the client address from it.
        ProxyProtocolPipeline.install(ch, listener, proxyProtocol);
        p.addLast(counter);
        if (!listener.ssl()) {
            addHttp1(p);
            return;
        }
        TlsHandlers.addTls(p, context.holder(), listener, handshakeTimeoutMillis, this::addHttp1,
                listener.http2() ? this::addHttp2 : null);
    }

    private void addHttp1(ChannelPipeline p) {
        p.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec());
        p.addLast(PipelineNames.HTTP_KEEPALIVE, new HttpServerKeepAliveHandler());
        p.addLast(PipelineNames.ADMIN_AGGREGATOR, new JsonLimitAggregator(maxBody, context));
        p.addLast(PipelineNames.ADMIN, new AdminHandler(context, api, accessLog));
    }

    private void addHttp2(ChannelPipeline p) {
        p.addLast(PipelineNames.HTTP_CODEC, Http2FrameCodecBuilder.forServer().build());
        p.addLast(PipelineNames.ADMIN, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                // Each stream is one request/response, seen by the handler as HTTP/1.1 objects.
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                stream.pipeline().addLast(PipelineNames.ADMIN_AGGREGATOR, new JsonLimitAggregator(maxBody, context));
                stream.pipeline().addLast(PipelineNames.ADMIN, new AdminHandler(context, api, accessLog));
            }
        }));
    }

    /** Counts connections for {@code GET /status}, once per connection whatever the protocol. */
    @ChannelHandler.Sharable
    private static final class ConnectionCounter extends ChannelInboundHandlerAdapter {
        private final AdminContext context;

        ConnectionCounter(AdminContext context) {
            this.context = context;
        }

        @Override
        public void channelActive(ChannelHandlerContext c) throws Exception {
            context.counters().connectionsAccepted.increment();
            context.counters().connectionsHandled.increment();
            context.counters().connectionsActive.increment();
            super.channelActive(c);
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) throws Exception {
            context.counters().connectionsActive.decrement();
            super.channelInactive(c);
        }
    }

    /** The aggregator, answering an oversized body with Kong-style JSON instead of Netty's empty 413. */
    private static final class JsonLimitAggregator extends HttpObjectAggregator {
        private static final byte[] TOO_LARGE = "{\"message\":\"Payload too large\"}".getBytes(StandardCharsets.UTF_8);
        private final AdminContext context;

        JsonLimitAggregator(int max, AdminContext context) {
            super(max);
            this.context = context;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    Unpooled.wrappedBuffer(TOO_LARGE));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
            resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, TOO_LARGE.length);
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            resp.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            if (context.sendServerHeader()) {
                resp.headers().set(HttpHeaderNames.SERVER, "kong/" + context.kongVersion());
            }
            // The rest of the body is not read: answer and close.
            ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
