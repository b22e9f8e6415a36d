package org.kongjava.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Plugin;

class IpRestrictionRulesTest {
    private static final UUID R1 = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final UUID R2 = UUID.fromString("00000000-0000-4000-8000-000000000002");
    private static final UUID S1 = UUID.fromString("00000000-0000-4000-8000-0000000000a1");
    private static final UUID S2 = UUID.fromString("00000000-0000-4000-8000-0000000000a2");
    private static final List<String> ALL = List.of("grpc", "grpcs", "http", "https", "tcp", "tls");

    private static Plugin plugin(UUID route, UUID service, List<String> deny, List<String> protocols, boolean enabled) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("allow", null);
        config.put("deny", deny);
        config.put("status", null);
        config.put("message", null);
        return new Plugin(UUID.randomUUID(), "ip-restriction", null, route, service, config, protocols, enabled, null, 1, 1);
    }

    private static EntitySet set(Plugin... plugins) {
        Map<UUID, Plugin> m = new LinkedHashMap<>();
        for (Plugin p : plugins) {
            m.put(p.id(), p);
        }
        return new EntitySet(1, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), m);
    }

    @Test
    void mostSpecificPluginWins() throws Exception {
        Plugin both = plugin(R1, S1, List.of("10.0.0.1"), ALL, true);
        Plugin route = plugin(R1, null, List.of("10.0.0.2"), ALL, true);
        Plugin service = plugin(null, S1, List.of("10.0.0.3"), ALL, true);
        Plugin global = plugin(null, null, List.of("10.0.0.4"), ALL, true);
        IpRestrictionRules rules = IpRestrictionRules.compile(set(both, route, service, global));
        assertEquals(both.id(), rules.find(R1, S1).pluginId());
        assertEquals(route.id(), rules.find(R1, S2).pluginId());
        assertEquals(service.id(), rules.find(R2, S1).pluginId());
        assertEquals(global.id(), rules.find(R2, S2).pluginId());
        assertEquals(global.id(), rules.find(null, null).pluginId());
        IpRestrictionRules.Rule r = rules.find(R1, S2);
        assertFalse(r.permits(InetAddress.getByName("10.0.0.2")));
        assertTrue(r.permits(InetAddress.getByName("10.0.0.1")));
        assertFalse(r.permits(null));
    }

    @Test
    void disabledAndOtherSubsystemPluginsDoNotApply() {
        Plugin httpOnly = plugin(R1, null, List.of("10.0.0.1"), List.of("http", "https"), true);
        Plugin off = plugin(null, S1, List.of("10.0.0.1"), ALL, false);
        IpRestrictionRules rules = IpRestrictionRules.compile(set(httpOnly, off));
        assertEquals(httpOnly.id(), rules.of(IpRestrictionRules.Subsystem.HTTP).find(R1, S1).pluginId());
        assertNull(rules.of(IpRestrictionRules.Subsystem.STREAM).find(R1, S1));
        assertTrue(rules.of(IpRestrictionRules.Subsystem.STREAM).isEmpty());
        assertSame(IpRestrictionRules.NONE, IpRestrictionRules.compile(EntitySet.EMPTY));
    }

    @Test
    void allowListAndKongsDefaults() throws Exception {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("allow", List.of("192.0.2.0/24", "::1"));
        config.put("deny", List.of("192.0.2.7"));
        config.put("status", 401);
        config.put("message", null);
        Plugin p = new Plugin(UUID.randomUUID(), "ip-restriction", null, null, null, config, ALL, true, null, 1, 1);
        IpRestrictionRules.Rule r = IpRestrictionRules.compile(set(p)).find(R1, S1);
        assertTrue(r.permits(InetAddress.getByName("192.0.2.8")));
        assertTrue(r.permits(InetAddress.getByName("::1")));
        assertFalse(r.permits(InetAddress.getByName("192.0.2.7")), "deny is checked before allow");
        assertFalse(r.permits(InetAddress.getByName("198.51.100.1")));
        assertEquals(401, r.statusOrDefault());
        assertEquals("IP address not allowed: 198.51.100.1", r.messageFor("198.51.100.1"));
    }
}
