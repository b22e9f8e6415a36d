package org.kongjava.proxy.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.kongjava.config.conf.KongConfLoader;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.router.RouteMatch;

/** Test values for the header and error helpers. */
final class HeaderFixtures {
    static final UUID ROUTE_ID = UUID.fromString("11111111-2222-3333-4444-555555555555");
    static final UUID SERVICE_ID = UUID.fromString("66666666-7777-8888-9999-000000000000");
    static final String RID = "0123456789abcdef0123456789abcdef";
    static final HttpVersion HTTP_2 = HttpVersion.valueOf("HTTP/2.0");

    private HeaderFixtures() {
    }

    static Route route(boolean preserveHost) {
        return new Route(ROUTE_ID, "my-route", List.of(Protocol.HTTP, Protocol.HTTPS), null, null, List.of("/"),
                null, null, null, null, 426, 0, true, "v0", preserveHost, true, true, SERVICE_ID, null, 0, 0);
    }

    static Service service(Protocol protocol) {
        return new Service(SERVICE_ID, "my-service", protocol, "upstream.test", 80, null, 5, 60000, 60000, 60000,
                true, null, null, null, null, null, 0, 0);
    }

    static RouteMatch match(boolean preserveHost, String strippedPrefix, String upstreamPath) {
        return new RouteMatch(route(preserveHost), service(Protocol.HTTP), upstreamPath, strippedPrefix, upstreamPath,
                Map.of());
    }

    static RouteMatch match() {
        return match(false, null, "/");
    }

    static HttpRequest get(String uri, String... headerPairs) {
        return request(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, headerPairs);
    }

    static HttpRequest request(HttpVersion version, HttpMethod method, String uri, String... headerPairs) {
        HttpRequest r = new DefaultHttpRequest(version, method, uri);
        for (int i = 0; i < headerPairs.length; i += 2) {
            r.headers().add(headerPairs[i], headerPairs[i + 1]);
        }
        return r;
    }

    static InetSocketAddress peer(String ip) {
        return new InetSocketAddress(addr(ip), 40000);
    }

    static InetAddress addr(String ip) {
        byte[] b = IpLiterals.parseAddr(ip);
        if (b == null) {
            throw new IllegalArgumentException("not an IP literal: " + ip);
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Exact-address trust (enough for the tests; CIDR matching belongs to the config layer). */
    static Predicate<InetAddress> trust(String... ips) {
        Set<InetAddress> set = new java.util.HashSet<>();
        for (String ip : ips) {
            set.add(addr(ip));
        }
        return set::contains;
    }

    static HeaderSettings settings(Predicate<InetAddress> trusted, String realIpHeader, boolean recursive) {
        HeaderSettings d = HeaderSettings.kongDefaults();
        return new HeaderSettings(d.enabledHeaders(), d.requestIdUpstream(), d.errorDefaultType(), trusted,
                realIpHeader, recursive, d.portMaps(), d.allowDebugHeader(), d.kongVersion());
    }

    static HeaderSettings withHeaders(List<String> headersConf) {
        HeaderSettings d = HeaderSettings.kongDefaults();
        return new HeaderSettings(
                HeaderSettings.enabledFrom(KongConfLoader.load(null, Map.of("KONG_HEADERS", String.join(",", headersConf)),
                        Map.of())), d.requestIdUpstream(),
                d.errorDefaultType(), d.trustedIps(), d.realIpHeader(), d.realIpRecursive(), d.portMaps(),
                d.allowDebugHeader(), d.kongVersion());
    }
}
