package org.kongjava.stream;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.kongjava.config.model.Route;
import org.kongjava.core.accesslog.AccessLog;
import org.kongjava.core.accesslog.AccessLogFormat;
import org.kongjava.core.proxyprotocol.ProxyTlvs;
import org.kongjava.config.model.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream connection's access-log line, written once when the connection ends: to
 * {@code proxy_stream_access_log} in Kong's {@code basic} format (plus the PROXY v2 TLVs, see
 * {@link AccessLogFormat}), and with the routing details (listener, SNI, route, service, upstream, mode, reason)
 * to the logger {@code org.kongjava.stream.access} at DEBUG. Status codes are nginx stream's {@code $status}: 200 relayed,
 * 400 bad client input (not TLS on an {@code ssl} port, failed handshake), 403 refused by a preread hook,
 * 500 no route / no service, 502 upstream unreachable, 503 no upstream address (balancer or DNS).
 * <p>
 * Mutable, and touched only by the connection's event loop.
 */
final class StreamAccessLog {
    private static final Logger log = LoggerFactory.getLogger("org.kongjava.stream.access");

    private final long startNanos = System.nanoTime();
    private final String listener;
    private final AccessLog sink;
    /** The connection's PROXY v2 TLVs, once its header is in; else null. */
    ProxyTlvs tlvs;
    InetSocketAddress client;
    String sni;
    Route route;
    Service service;
    InetSocketAddress upstream;
    String mode = "-";
    long bytesFromClient;
    long bytesFromUpstream;
    int status = 200;
    String reason;
    private boolean written;

    StreamAccessLog(String listener, InetSocketAddress client) {
        this(listener, client, AccessLog.OFF);
    }

    StreamAccessLog(String listener, InetSocketAddress client, AccessLog sink) {
        this.sink = sink;
        this.listener = listener;
        this.client = client;
    }

    /** Records a failure before the relay started; the first one sticks. */
    void fail(int code, String why) {
        if (reason == null) {
            status = code;
            reason = why;
        }
    }

    long durationMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Writes the line (once). */
    void write() {
        if (written) {
            return;
        }
        written = true;
        if (sink.enabled()) {
            sink.write(AccessLogFormat.stream(client == null ? null : AccessLogFormat.address(client.getAddress()),
                    System.currentTimeMillis(), "TCP", status, bytesFromUpstream, bytesFromClient, durationMillis(),
                    tlvs));
        }
        if (!log.isDebugEnabled()) {
            return;
        }
        log.debug("{} {} status={} sni={} route={} service={} upstream={} mode={} bytes_in={} bytes_out={} duration_ms={}{}",
                listener, client == null ? "-" : hostPort(client), status, sni == null ? "-" : sni,
                route == null ? "-" : route.name() != null ? route.name() : route.id(),
                service == null ? "-" : service.name() != null ? service.name() : service.id(),
                upstream == null ? "-" : hostPort(upstream), mode, bytesFromClient, bytesFromUpstream, durationMillis(),
                reason == null ? "" : " reason=\"" + reason + "\"");
    }

    static String hostPort(InetSocketAddress a) {
        String h = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
    }
}
