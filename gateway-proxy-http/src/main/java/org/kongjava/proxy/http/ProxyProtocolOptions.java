package org.kongjava.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.kongjava.core.proxyprotocol.ProxyHeader;

/**
 * kong-java's PROXY protocol extensions on the HTTP proxy (none of them in Kong; all off by default).
 *
 * @param tlvHeaders       {@code proxy_protocol_tlv_headers}: TLV name as in {@code ProxyTlvs.named()} (e.g.
 *                         {@code aws_vpce_id}) to the request header that carries its value upstream
 * @param upstreamVersions {@code upstream_proxy_protocol}: service name to the PROXY version (1 or 2) sent first
 *                         on every connection to that service's upstream
 */
public record ProxyProtocolOptions(Map<String, String> tlvHeaders, Map<String, Integer> upstreamVersions) {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final ProxyProtocolOptions NONE = new ProxyProtocolOptions(Map.of(), Map.of());

    public ProxyProtocolOptions {
        tlvHeaders = Map.copyOf(new LinkedHashMap<>(Objects.requireNonNull(tlvHeaders, "tlvHeaders")));
        upstreamVersions = Map.copyOf(Objects.requireNonNull(upstreamVersions, "upstreamVersions"));
        for (String h : tlvHeaders.values()) {
            if (!TOKEN.matcher(h).matches()) {
                throw new IllegalArgumentException("proxy_protocol_tlv_headers: '" + h
                        + "' is not a header name (expected a token such as X-Amzn-Vpce-Id)");
            }
        }
        upstreamVersions.forEach((service, v) -> {
            if (v != 1 && v != 2) {
                throw new IllegalArgumentException("upstream_proxy_protocol: " + service + ":v" + v
                        + " (expected v1 or v2)");
            }
        });
    }

    /** Everything off, as in Kong. */
    public static ProxyProtocolOptions none() {
        return NONE;
    }

    /** The PROXY version to send to the upstream of the service named {@code serviceName}, or 0 for none. */
    public int upstreamVersion(String serviceName) {
        Integer v = serviceName == null ? null : upstreamVersions.get(serviceName);
        return v == null ? 0 : v;
    }

    /**
     * Sets the configured TLV headers on an upstream request: every header named in {@code tlvHeaders} is first
     * removed (a client cannot send its own), then set from the connection's PROXY header when the TCP peer is
     * trusted (a TLV is the balancer's claim, believed on the same terms as its source address) and carries it.
     *
     * @param upstream    the upstream request headers, client headers already copied
     * @param proxied     the connection's PROXY header, or null
     * @param trustedPeer whether the TCP peer is in {@code trusted_ips}
     */
    public void applyTlvHeaders(HttpHeaders upstream, ProxyHeader proxied, boolean trustedPeer) {
        if (tlvHeaders.isEmpty()) {
            return;
        }
        Map<String, String> named = trustedPeer && proxied != null ? proxied.tlvs().named() : Map.of();
        tlvHeaders.forEach((tlv, header) -> {
            upstream.remove(header);
            String value = named.get(tlv);
            if (value != null) {
                upstream.set(header, value);
            }
        });
    }
}
