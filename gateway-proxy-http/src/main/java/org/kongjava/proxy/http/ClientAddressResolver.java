package org.kongjava.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/** nginx realip semantics. */
public final class ClientAddressResolver {
    private ClientAddressResolver() {
    }

    /** Resolves the client address. */
    public static ClientAddress resolve(InetSocketAddress peer, HttpHeaders headers, HeaderSettings s) {
        throw new UnsupportedOperationException("not yet");
    }
}
