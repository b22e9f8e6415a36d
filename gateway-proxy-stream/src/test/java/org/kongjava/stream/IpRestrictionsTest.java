package org.kongjava.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

class IpRestrictionsTest {
    static final Service SSH = new Service(UUID.randomUUID(), "ssh", Protocol.TCP, "10.0.0.1", 22, null, 5, 1, 1, 1, true,
            null, null, null, null, null, 0, 0);
    static final Route PG = route("pg");
    static final Route OTHER = route("other");

    static Route route(String name) {
        return new Route(UUID.randomUUID(), name, List.of(Protocol.TCP), null, null, null, null, null, null,
                List.of(new org.kongjava.config.model.CidrPort(null, 5432)), 426, 0, true, "v0", false, true, true,
                SSH.id(), null, 0, 0);
    }

    static boolean allowed(IpRestrictions r, Route route, String ip) {
        return r.preread(new PrereadContext(null, null, new InetSocketAddress(ip, 1), new InetSocketAddress("127.0.0.1", 2),
                null, route, SSH)).allowed();
    }

    @Test
    void routeRuleReplacesTheServiceRule() {
        IpRestrictions r = IpRestrictions.parse("route:pg allow 10.0.0.0/8 192.168.1.1; service:ssh deny 203.0.113.0/24");
        assertTrue(allowed(r, PG, "10.2.3.4"));
        assertTrue(allowed(r, PG, "192.168.1.1"));
        assertFalse(allowed(r, PG, "192.168.1.2"));
        // The route rule replaces the service's: 203.0.113.5 is not in pg's allow list, denied for that reason.
        assertFalse(allowed(r, PG, "203.0.113.5"));
        // Another route of the service: the service rule applies.
        assertFalse(allowed(r, OTHER, "203.0.113.5"));
        assertTrue(allowed(r, OTHER, "8.8.8.8"));
    }

    @Test
    void denyWinsOverAllowAndIdsWork() {
        IpRestrictions r = IpRestrictions.parse("route:" + PG.id() + " allow 10.0.0.0/8 deny 10.1.0.0/16");
        assertTrue(allowed(r, PG, "10.2.0.1"));
        assertFalse(allowed(r, PG, "10.1.0.1"));
        assertTrue(allowed(r, OTHER, "1.1.1.1"));
        assertTrue(IpRestrictions.parse("  ").isEmpty());
    }

    @Test
    void badRulesNameTheKeyAndTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IpRestrictions.parse("route:pg allow 10.0.0.300"));
        assertTrue(e.getMessage().startsWith("stream_ip_restrictions: rule 'route:pg allow 10.0.0.300'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IpRestrictions.parse("pg allow 10.0.0.0/8"));
        assertThrows(IllegalArgumentException.class, () -> IpRestrictions.parse("route:pg 10.0.0.0/8"));
        assertThrows(IllegalArgumentException.class, () -> IpRestrictions.parse("route:pg allow"));
        assertEquals("route:pg", IpRestrictions.parse("route:pg deny ::1").forRoute(PG).target());
    }
}
