package org.kongjava.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * Between the stream's frame codec and the {@link HttpProxyHandler}: makes an HTTP/2 request look like what the
 * proxy expects of a client head, and keeps HTTP/1.1 connection headers out of HTTP/2 responses.
 * <ul>
 * <li>The request head says {@code HTTP/2.0}: the proxy then keeps no connection state (no keep-alive wait, no
 * {@code 100 Continue}, no chunked framing downstream), Via says {@code 2} and gRPC errors are recognised.</li>
 * <li>A head that ends the stream (the codec's {@link FullHttpRequest}) becomes a head plus an empty last content,
 * the two messages the proxy takes one at a time.</li>
 * <li>The codec's own {@code x-http2-*} headers are dropped: they are not the client's.</li>
 * <li>Responses lose {@code Connection}, {@code Keep-Alive}, {@code Transfer-Encoding}, {@code Upgrade},
 * {@code Proxy-Connection}: connection-specific, forbidden in HTTP/2 (RFC 9113 §8.2.2).</li>
 * <li>Flushes are coalesced per connection: see {@link FlushCoalescer}.</li>
 * </ul>
 */
final class Http2StreamAdapter extends ChannelDuplexHandler {
    /** The version HTTP/2 request heads carry towards the proxy. */
    static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");

    private final FlushCoalescer flusher;

    Http2StreamAdapter(FlushCoalescer flusher) {
        this.flusher = flusher;
    }

    /**
     * One connection flush per event-loop turn for all its streams. A stream's flush is a flush of the whole
     * connection (the codec then walks every stream's flow-control state and the TLS handler writes a record):
     * when many streams' responses arrive in one turn, one flush after them does the work of all, as nginx
     * writes once per event. The write futures complete after it, so backpressure is unchanged.
     */
    static final class FlushCoalescer implements Runnable {
        private final Channel conn;
        // Not volatile: only the connection's event loop (its streams' loop too) touches it.
        private boolean scheduled;

        FlushCoalescer(Channel conn) {
            this.conn = conn;
        }

        void request() {
            if (!scheduled) {
                scheduled = true;
                conn.eventLoop().execute(this);
            }
        }

        @Override
        public void run() {
            scheduled = false;
            conn.flush();
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        flusher.request();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest full) {
            HttpRequest head = new DefaultHttpRequest(HTTP_2, full.method(), full.uri(), full.headers());
            clean(head.headers());
            ctx.fireChannelRead(head);
            // The content (empty: the head ended the stream) moves to the last content, which now owns it.
            ctx.fireChannelRead(new DefaultLastHttpContent(full.content()));
        } else if (msg instanceof HttpRequest head) {
            head.setProtocolVersion(HTTP_2);
            clean(head.headers());
            ctx.fireChannelRead(head);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private static void clean(HttpHeaders h) {
        h.remove(HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text());
        h.remove(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r) {
            HttpHeaders h = r.headers();
            h.remove(HttpHeaderNames.CONNECTION);
            h.remove(HttpHeaderNames.KEEP_ALIVE);
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            h.remove(HttpHeaderNames.UPGRADE);
            h.remove(HttpHeaderNames.PROXY_CONNECTION);
        }
        ctx.write(msg, promise);
    }
}
