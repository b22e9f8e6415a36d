package org.kongjava.core.router;

/**
 * The request attributes the matchers compare (routing.md §2), derived once per {@code select}:
 * normalized path, Host split into host and destination port. Confined to the calling thread.
 */
final class RequestContext {
    final String method;
    /** The Host header without its port; null when the request had none. */
    final String host;
    /** The Host header's port if it had one, else the listener port. */
    final int dstPort;
    final String path;
    final HeaderLookup headers;
    final boolean https;
    final String sni;

    RequestContext(RequestFacts f, String normalizedPath) {
        this.method = f.method();
        this.path = normalizedPath;
        this.headers = f.headers() == null ? HeaderLookup.NONE : f.headers();
        this.https = f.https();
        this.sni = f.sni();
        String h = f.host();
        int port = f.listenerPort();
        if (h != null) {
            // Kong's split_host_port: first ':' and a numeric rest; otherwise the whole value is the
            // host (so a bracketed IPv6 literal keeps its port and uses the listener port).
            int colon = h.indexOf(':');
            if (colon >= 0) {
                int p = RouteSpec.parsePort(h, colon + 1);
                if (p >= 0) {
                    port = p;
                    h = h.substring(0, colon);
                }
            }
        }
        this.host = h;
        this.dstPort = port;
    }
}
