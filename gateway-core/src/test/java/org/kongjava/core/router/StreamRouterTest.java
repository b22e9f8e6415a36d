package org.kongjava.core.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.CidrPort;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

class StreamRouterTest {
    private static final Service SVC = new Service(UUID.nameUUIDFromBytes("s".getBytes()), "s", Protocol.TCP,
            "127.0.0.1", 9000, null, 5, 60000, 60000, 60000, true, null, null, null, null, null, 0, 0);
    private static final Service OFF = new Service(UUID.nameUUIDFromBytes("off".getBytes()), "off", Protocol.TCP,
            "127.0.0.1", 9000, null, 5, 60000, 60000, 60000, false, null, null, null, null, null, 0, 0);

    private static Route route(String id, List<Protocol> protocols, List<String> snis, List<CidrPort> src,
                               List<CidrPort> dst) {
        return route(id, protocols, snis, src, dst, SVC.id());
    }

    private static Route route(String id, List<Protocol> protocols, List<String> snis, List<CidrPort> src,
                               List<CidrPort> dst, UUID service) {
        return new Route(UUID.fromString(id), null, protocols, null, null, null, null, snis, src, dst, 426, 0, true,
                "v0", false, true, true, service, null, 0, 0);
    }

    private static StreamRouter router(Route... routes) {
        Map<UUID, Route> rs = new LinkedHashMap<>();
        for (Route r : routes) {
            rs.put(r.id(), r);
        }
        return StreamRouter.compile(new EntitySet(1, Map.of(SVC.id(), SVC, OFF.id(), OFF), rs));
    }

    private static InetSocketAddress a(String ip, int port) {
        return new InetSocketAddress(ip, port);
    }

    private static ConnectionFacts facts(String src, int srcPort, String dst, int dstPort, String sni) {
        return new ConnectionFacts(a(src, srcPort), a(dst, dstPort), sni);
    }

    private static UUID id(StreamMatch m) {
        return m == null ? null : m.route().id();
    }

    static final String A = "00000000-0000-0000-0000-00000000000a";
    static final String B = "00000000-0000-0000-0000-00000000000b";
    static final String C = "00000000-0000-0000-0000-00000000000c";
    static final String D = "00000000-0000-0000-0000-00000000000d";
    static final List<Protocol> TCP = List.of(Protocol.TCP);
    static final List<Protocol> PASS = List.of(Protocol.TLS_PASSTHROUGH);

    @Test
    void sourcesAndDestinationsMatchIpCidrAndPort() {
        StreamRouter r = router(
                route(A, TCP, null, List.of(new CidrPort("10.0.0.0/8", null)), null),
                route(B, TCP, null, null, List.of(new CidrPort(null, 7000))),
                route(C, TCP, null, List.of(new CidrPort("192.168.1.5", 1234)), null));
        assertEquals(UUID.fromString(A), id(r.select(facts("10.1.2.3", 5555, "127.0.0.1", 6000, null))));
        assertEquals(UUID.fromString(B), id(r.select(facts("172.16.0.1", 5555, "127.0.0.1", 7000, null))));
        // IP and port in one entry are AND-ed: the right IP from another port does not match C.
        assertNull(r.select(facts("192.168.1.5", 9999, "127.0.0.1", 6000, null)));
        assertEquals(UUID.fromString(C), id(r.select(facts("192.168.1.5", 1234, "127.0.0.1", 6000, null))));
        assertNull(r.select(facts("11.0.0.1", 1, "127.0.0.1", 6000, null)));
    }

    @Test
    void acceptedProtocolsFilterBeforePriority() {
        StreamRouter r = router(
                route(A, PASS, List.of("a.test"), null, null),
                route(B, TCP, null, null, List.of(new CidrPort(null, 5000))));
        ConnectionFacts plain = facts("1.1.1.1", 1, "127.0.0.1", 5000, null);
        // Kong's match alone picks the higher-priority SNI route for a plain connection...
        assertEquals(UUID.fromString(A), id(r.select(plain)));
        // ...the proxy, serving it as tcp, gets the tcp route instead.
        assertEquals(UUID.fromString(B), id(r.select(plain, java.util.EnumSet.of(Protocol.TCP))));
        assertNull(r.select(facts("1.1.1.1", 1, "127.0.0.1", 6000, null), java.util.EnumSet.of(Protocol.TCP)));
    }

    @Test
    void ipv6Cidr() {
        StreamRouter r = router(route(A, TCP, null, List.of(new CidrPort("2001:db8::/32", null)), null));
        assertNotNull(r.select(facts("2001:db8::7", 1, "::1", 5000, null)));
        assertNull(r.select(facts("2001:db9::7", 1, "::1", 5000, null)));
    }

    @Test
    void snisOnlyCheckedWhenTheConnectionCarriesOne() {
        StreamRouter r = router(
                route(A, PASS, List.of("a.example.com"), null, null),
                route(B, TCP, null, null, List.of(new CidrPort(null, 5000))));
        assertEquals(UUID.fromString(A), id(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, "a.example.com"))));
        // Another name: A's snis fail, B matches by port.
        assertEquals(UUID.fromString(B), id(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, "b.example.com"))));
        // No SNI (scheme tcp): Kong skips the snis condition, and A has the higher priority (bit 61).
        assertEquals(UUID.fromString(A), id(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, null))));
    }

    @Test
    void sniWildcardsAndTrailingDot() {
        StreamRouter r = router(
                route(A, PASS, List.of("*.example.com"), null, null),
                route(B, PASS, List.of("db.*"), null, null),
                route(C, PASS, List.of("exact.test."), null, null));
        assertEquals(UUID.fromString(A), id(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, "x.y.example.com"))));
        assertEquals(UUID.fromString(B), id(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, "db.internal"))));
        assertEquals(UUID.fromString(C), id(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, "EXACT.test"))));
        assertNull(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, "other.org")));
    }

    @Test
    void priorityFollowsKongStreamGetPriority() {
        List<CidrPort> ip = List.of(new CidrPort("127.0.0.1", null));
        List<CidrPort> cidr = List.of(new CidrPort("127.0.0.0/8", null));
        List<CidrPort> port = List.of(new CidrPort(null, 5000));
        assertEquals(StreamRouter.SNI_BIT, StreamRouter.priority(route(A, PASS, List.of("x"), null, null)));
        assertEquals(StreamRouter.SNI_BIT | (8 << 4) | 4, StreamRouter.priority(route(A, TCP, null, ip, port)));
        assertEquals(1 << 4, StreamRouter.priority(route(A, TCP, null, cidr, null)));
        assertEquals(8 | 4 | 1, StreamRouter.priority(route(A, TCP, null, null,
                List.of(new CidrPort("127.0.0.1", 5000), new CidrPort("10.0.0.0/8", null)))));

        // Exact source IP (8<<4) beats source CIDR (1<<4); destination-only port (4) loses to both.
        StreamRouter r = router(route(A, TCP, null, null, port), route(B, TCP, null, cidr, null),
                route(C, TCP, null, ip, null));
        assertEquals(List.of(UUID.fromString(C), UUID.fromString(B), UUID.fromString(A)),
                r.order().stream().map(Route::id).toList());
        // sources + destinations together rank with snis (bit 61), above an exact source alone.
        StreamRouter r2 = router(route(A, TCP, null, ip, null), route(B, TCP, null, cidr, port));
        assertEquals(UUID.fromString(B), id(r2.select(facts("127.0.0.1", 1, "127.0.0.1", 5000, null))));
    }

    @Test
    void equalPriorityTiesGoToTheGreaterId() {
        List<CidrPort> port = List.of(new CidrPort(null, 5000));
        StreamRouter r = router(route(A, TCP, null, null, port), route(D, TCP, null, null, port),
                route(B, TCP, null, null, port));
        assertEquals(UUID.fromString(D), id(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, null))));
    }

    @Test
    void httpRoutesDisabledServicesAndUdpOnlyAreLeftOut() {
        Route http = new Route(UUID.fromString(A), null, List.of(Protocol.HTTP), null, null, List.of("/"), null, null,
                null, null, 426, 0, true, "v0", false, true, true, SVC.id(), null, 0, 0);
        Route udp = route(B, List.of(Protocol.UDP), null, null, List.of(new CidrPort(null, 5000)));
        Route disabled = route(C, TCP, null, null, List.of(new CidrPort(null, 5000)), OFF.id());
        Route orphan = route(D, TCP, null, null, List.of(new CidrPort(null, 6000)), null);
        StreamRouter r = router(http, udp, disabled, orphan);
        assertEquals(1, r.size());
        assertNull(r.select(facts("1.1.1.1", 1, "127.0.0.1", 5000, null)));
        StreamMatch m = r.select(facts("1.1.1.1", 1, "127.0.0.1", 6000, null));
        assertEquals(UUID.fromString(D), id(m));
        assertNull(m.service());
    }

    @Test
    void wantsSniOnlyWhereAnSniRouteCouldMatchTheDestination() {
        StreamRouter none = router(route(A, TCP, null, null, List.of(new CidrPort(null, 5000))));
        assertFalse(none.wantsSni(a("127.0.0.1", 5000)));
        StreamRouter scoped = router(route(A, PASS, List.of("x.test"), null, List.of(new CidrPort(null, 5001))));
        assertTrue(scoped.wantsSni(a("127.0.0.1", 5001)));
        assertFalse(scoped.wantsSni(a("127.0.0.1", 5000)));
        StreamRouter global = router(route(A, PASS, List.of("x.test"), null, null));
        assertTrue(global.wantsSni(a("127.0.0.1", 1)));
        assertFalse(StreamRouter.EMPTY.wantsSni(a("127.0.0.1", 1)));
        // A tls-only SNI route is for ssl listeners: it makes no plain port wait.
        StreamRouter terminating = router(route(A, List.of(Protocol.TLS), List.of("x.test"), null, null));
        assertFalse(terminating.wantsSni(a("127.0.0.1", 1)));
        assertTrue(Arrays.asList(global.order().toArray()).size() == 1);
    }
}
