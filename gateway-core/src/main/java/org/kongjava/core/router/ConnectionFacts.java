package org.kongjava.core.router;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * What the stream router sees of one connection (routing.md §9). Pure data.
 *
 * @param source      the client address (the PROXY header's source when the peer is trusted, else the TCP peer)
 * @param destination the address the client connected to (the listener's local address, or an original
 *                    destination on {@code transparent} listeners)
 * @param sni         the server name of the client's ClientHello, lower-cased; null when none was read. Its
 *                    presence makes the connection's scheme {@code tls} (only then are route {@code snis} checked)
 */
public record ConnectionFacts(InetSocketAddress source, InetSocketAddress destination, String sni) {
    public ConnectionFacts {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        sni = sni == null || sni.isEmpty() ? null : sni.toLowerCase(Locale.ROOT);
    }

    /** Kong's {@code net.protocol} for a TCP stream connection: {@code tls} when an SNI is known, else {@code tcp}. */
    public String scheme() {
        return sni == null ? "tcp" : "tls";
    }
}
