package org.kongjava.tls;

import java.util.List;

/** Which application protocols a TLS listener offers through ALPN. */
public enum AlpnMode {
    /** No ALPN (stream listeners: the payload is not HTTP). */
    NONE(List.of()),
    /** {@code http/1.1} only: an HTTPS listener without the {@code http2} flag. */
    HTTP1(List.of("http/1.1")),
    /** {@code h2} preferred, then {@code http/1.1}: an HTTPS listener with the {@code http2} flag. */
    H2_AND_HTTP1(List.of("h2", "http/1.1"));

    private final List<String> protocols;

    AlpnMode(List<String> protocols) {
        this.protocols = protocols;
    }

    /** The protocol ids offered, in server preference order. */
    public List<String> protocols() {
        return protocols;
    }

    /** The mode of an HTTP listener: {@link #H2_AND_HTTP1} with the {@code http2} flag, else {@link #HTTP1}. */
    public static AlpnMode forHttp(boolean http2) {
        return http2 ? H2_AND_HTTP1 : HTTP1;
    }
}
