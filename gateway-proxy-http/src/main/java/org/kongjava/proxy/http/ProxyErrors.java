package org.kongjava.proxy.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/** Kong- and nginx-generated responses. */
public final class ProxyErrors {
    private ProxyErrors() {
    }

    /** A Kong-generated error. */
    public static FullHttpResponse kongError(ByteBufAllocator alloc, HttpResponseStatus status, String message,
                                             HttpRequest request, String requestId, long responseLatencyMs,
                                             HeaderSettings s) {
        throw new UnsupportedOperationException("not yet");
    }

    /** An nginx-generated error. */
    public static FullHttpResponse nginxError(ByteBufAllocator alloc, int status, HttpRequest request,
                                              String requestId, HeaderSettings s, long proxyLatencyMs,
                                              long upstreamLatencyMs) {
        throw new UnsupportedOperationException("not yet");
    }

    /** 426 Please use HTTPS protocol. */
    public static FullHttpResponse httpsRequired(ByteBufAllocator alloc, HttpRequest request, String requestId,
                                                 long responseLatencyMs, HeaderSettings s) {
        throw new UnsupportedOperationException("not yet");
    }

    /** A redirect to https. */
    public static FullHttpResponse httpsRedirect(ByteBufAllocator alloc, int status, String host, String rawUri,
                                                 String requestId, HeaderSettings s) {
        throw new UnsupportedOperationException("not yet");
    }
}
