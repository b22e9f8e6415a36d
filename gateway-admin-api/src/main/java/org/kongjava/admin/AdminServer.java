package org.kongjava.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.listener.PipelineFactory;
import org.kongjava.core.listener.PipelineNames;

/**
 * Kong's Admin API on an {@code admin_listen} socket: HTTP codec, keep-alive, a body aggregator bounded
 * by the admin body limit (413 with a JSON body when exceeded), then the Admin API handler. Plugs into
 * {@code ListenerManager} like every listener kind; shares the gateway's event loops.
 */
public final class AdminServer implements PipelineFactory {
    private final AdminContext context;
    private final AdminApi api;
    private final int maxBody;

    public AdminServer(AdminContext context) {
        this.context = context;
        this.api = new AdminApi(context);
        this.maxBody = context.maxBodyBytes() <= 0 || context.maxBodyBytes() > Integer.MAX_VALUE
                ? Integer.MAX_VALUE : (int) context.maxBodyBytes();
    }

    @Override
    public void initChannel(Channel ch, ListenSpec listener) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec());
        p.addLast(PipelineNames.HTTP_KEEPALIVE, new HttpServerKeepAliveHandler());
        p.addLast(PipelineNames.ADMIN_AGGREGATOR, new JsonLimitAggregator(maxBody, context));
        p.addLast(PipelineNames.ADMIN, new AdminHandler(context, api));
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
