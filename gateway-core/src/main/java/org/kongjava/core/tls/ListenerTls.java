package org.kongjava.core.tls;

import java.util.Locale;
import java.util.Objects;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.tls.AlpnMode;

/**
 * Names one kind of TLS listener and the protocols it offers: the key under which its own certificate (kong.conf
 * {@code ssl_cert}, {@code admin_ssl_cert}, … or the generated default) is registered with {@link TlsCompiler} and
 * under which {@link TlsSnapshot} keeps its SNI index.
 *
 * @param name the certificate family: {@code proxy}, {@code admin}, {@code status} (the kong.conf key prefix)
 * @param alpn what the listener offers by ALPN
 */
public record ListenerTls(String name, AlpnMode alpn) {
    public ListenerTls {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(alpn, "alpn");
    }

    /**
     * Whether SNI entities choose the certificate on this kind of listener. Only the proxy's (and stream's): Kong's
     * Admin API and status servers are nginx servers with a fixed {@code ssl_certificate} and no certificate phase,
     * so they always present their own certificate whatever the client's SNI.
     */
    public boolean servesSniEntities() {
        return name.equals("proxy");
    }

    /**
     * The key of a listen address: the family from its kong.conf key ({@code proxy_listen} → {@code proxy},
     * {@code admin_listen} → {@code admin}, {@code status_listen} → {@code status}; {@code stream_listen} shares the
     * proxy certificate without ALPN), ALPN from its {@code http2} flag. Start-up registers and connections look up
     * with this one rule, so the two always agree.
     */
    public static ListenerTls of(ListenSpec spec) {
        String key = spec.key().toLowerCase(Locale.ROOT);
        if (key.startsWith("stream")) {
            return new ListenerTls("proxy", AlpnMode.NONE);
        }
        int cut = key.indexOf('_');
        String family = cut > 0 ? key.substring(0, cut) : key;
        return new ListenerTls(family, AlpnMode.forHttp(spec.http2()));
    }
}
