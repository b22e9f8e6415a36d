package org.kongjava.proxy.http;

import java.util.List;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.core.listener.BoundListener;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.router.HttpRouter;
import org.kongjava.core.snapshot.RoutingSnapshot;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.transport.EventLoops;

/** One proxy listener on 127.0.0.1:0 with its own factory (so its own upstream pools) and counters. */
final class ProxyFixture implements AutoCloseable {
    final SnapshotHolder holder;
    final ServerCounters counters = new ServerCounters();
    final HttpProxyPipelineFactory factory;
    private final ListenerManager listeners;
    private final BoundListener bound;

    ProxyFixture(EventLoops loops, HttpProxySettings settings, HttpRouter router) {
        holder = new SnapshotHolder(new RoutingSnapshot(EntitySet.EMPTY, router));
        factory = new HttpProxyPipelineFactory(holder, loops, settings, counters);
        listeners = new ListenerManager(loops);
        bound = listeners.bind(ListenSpec.plain("proxy_listen", "127.0.0.1", 0), factory);
    }

    int port() {
        return bound.localAddress().getPort();
    }

    @Override
    public void close() {
        listeners.close();
        factory.close();
    }

    /** Settings with short timeouts suited to tests; pass 0 to keep a default. */
    static HttpProxySettings settings(long maxBody, long headerTimeout, long bodyTimeout, long keepaliveTimeout,
                                      int keepaliveRequests, int poolSize, long poolIdle) {
        HttpProxySettings d = HttpProxySettings.defaults();
        return new HttpProxySettings(d.headers(), maxBody,
                headerTimeout > 0 ? headerTimeout : d.clientHeaderTimeoutMillis(),
                bodyTimeout > 0 ? bodyTimeout : d.clientBodyTimeoutMillis(),
                keepaliveTimeout > 0 ? keepaliveTimeout : d.keepaliveTimeoutMillis(),
                keepaliveRequests > 0 ? keepaliveRequests : d.keepaliveRequests(),
                d.maxInitialLineLength(), d.maxHeaderSize(),
                poolSize >= 0 ? poolSize : d.upstreamKeepalivePoolSize(), d.upstreamKeepaliveMaxRequests(),
                poolIdle > 0 ? poolIdle : d.upstreamKeepaliveIdleTimeoutMillis());
    }

    /**
     * The routes the tests use: {@code /} → the backend; {@code /noservice}; {@code /secure} (https only,
     * 426); {@code /moved} (https only, 301); {@code /refused} → a closed port; {@code /slow} → the
     * backend with a 300 ms read timeout and no retries; {@code /retry} → the backend with 2 retries.
     */
    static PrefixRouter standardRouter(int backendPort, int closedPort) {
        var backend = PrefixRouter.service("127.0.0.1", backendPort, 5, 2000, 5000, 5000);
        var refused = PrefixRouter.service("127.0.0.1", closedPort, 2, 2000, 5000, 5000);
        var slow = PrefixRouter.service("127.0.0.1", backendPort, 0, 2000, 5000, 300);
        var retry = PrefixRouter.service("127.0.0.1", backendPort, 2, 2000, 5000, 5000);
        List<Protocol> http = List.of(Protocol.HTTP, Protocol.HTTPS);
        return new PrefixRouter()
                .add("/", PrefixRouter.route("all", http, 426, backend.id()), backend)
                .add("/noservice", PrefixRouter.route("orphan", http, 426, null), null)
                .add("/secure", PrefixRouter.route("secure", List.of(Protocol.HTTPS), 426, backend.id()), backend)
                .add("/moved", PrefixRouter.route("moved", List.of(Protocol.HTTPS), 301, backend.id()), backend)
                .add("/refused", PrefixRouter.route("refused", http, 426, refused.id()), refused)
                .add("/slow", PrefixRouter.route("slow", http, 426, slow.id()), slow)
                .add("/retry", PrefixRouter.route("retry", http, 426, retry.id()), retry);
    }
}
