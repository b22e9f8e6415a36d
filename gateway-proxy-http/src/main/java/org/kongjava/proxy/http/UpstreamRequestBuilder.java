package org.kongjava.proxy.http;

import io.netty.handler.codec.http.HttpRequest;
import org.kongjava.core.router.RouteMatch;

/** Builds the request sent upstream. */
public final class UpstreamRequestBuilder {
    private UpstreamRequestBuilder() {
    }

    /** Builds the upstream request head. */
    public static HttpRequest build(HttpRequest client, RouteMatch match, String rawQuery, ForwardContext ctx,
                                    HeaderSettings s) {
        throw new UnsupportedOperationException("not yet");
    }
}
