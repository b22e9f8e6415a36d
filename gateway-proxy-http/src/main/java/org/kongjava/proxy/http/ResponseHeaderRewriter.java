package org.kongjava.proxy.http;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import org.kongjava.core.router.RouteMatch;

/** Rewrites a proxied response head. */
public final class ResponseHeaderRewriter {
    private ResponseHeaderRewriter() {
    }

    /** Rewrites the upstream response headers in place. */
    public static void rewriteProxied(HttpResponse upstream, HttpRequest clientRequest, boolean upgradeRequested,
                                      long proxyLatencyMs, long upstreamLatencyMs, String requestId,
                                      RouteMatch match, HeaderSettings s) {
        throw new UnsupportedOperationException("not yet");
    }
}
