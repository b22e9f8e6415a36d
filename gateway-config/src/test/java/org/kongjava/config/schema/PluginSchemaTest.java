package org.kongjava.config.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Plugin;

class PluginSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW = 1_700_000_000L;
    private static final PluginSchema PLUGINS = PluginSchema.INSTANCE;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String s) {
        try {
            return JSON.readValue(s.replace('\'', '"'), LinkedHashMap.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static EntitySet base() {
        EntitySet set = ServiceSchema.INSTANCE.insert(EntitySet.EMPTY, json("{'name':'svc','url':'tcp://db:5432'}"), NOW).next();
        return RouteSchema.INSTANCE.insert(set, json("{'name':'r1','protocols':['tcp'],'destinations':[{'port':5432}],"
                + "'service':{'name':'svc'}}"), NOW).next();
    }

    private static EntityException error(EntitySet set, String body) {
        return assertThrows(EntityException.class, () -> PLUGINS.insert(set, json(body), NOW));
    }

    @Test
    void defaultsAndShapeMatchKong() throws Exception {
        Plugin p = PLUGINS.insert(base(), json("{'name':'ip-restriction','config':{'allow':['10.0.0.0/8']}}"), NOW).entity();
        assertTrue(p.enabled());
        assertTrue(p.isGlobal());
        assertEquals(List.of("grpc", "grpcs", "http", "https", "tcp", "tls"), p.protocols());
        assertEquals("{\"allow\":[\"10.0.0.0/8\"],\"deny\":null,\"status\":null,\"message\":null}",
                JSON.writeValueAsString(PLUGINS.encode(p).get("config")));
        Map<String, Object> enc = PLUGINS.encode(p);
        for (String k : List.of("instance_name", "route", "service", "consumer", "tags", "ordering")) {
            assertTrue(enc.containsKey(k) && enc.get(k) == null, k);
        }
    }

    @Test
    void unknownPluginIsNotEnabled() {
        EntityException e = error(base(), "{'name':'rate-limiting','config':{'minute':5}}");
        assertEquals(2, e.code());
        assertEquals("schema violation (name: plugin 'rate-limiting' not enabled; add it to the 'plugins' configuration property)",
                e.getMessage());
    }

    @Test
    void allowOrDenyIsRequiredAndEntriesAreChecked() {
        assertEquals("schema violation (at least one of these fields must be non-empty: 'config.allow', 'config.deny')",
                error(base(), "{'name':'ip-restriction','config':{'status':403}}").getMessage());
        assertEquals("schema violation (at least one of these fields must be non-empty: 'config.allow', 'config.deny')",
                error(base(), "{'name':'ip-restriction'}").getMessage());
        EntityException bad = error(base(), "{'name':'ip-restriction','config':{'deny':['10.0.0.1','10.0.0.300/8']}}");
        assertEquals(Map.of("deny", java.util.Arrays.asList(null, "invalid ip or cidr range: '10.0.0.300/8'")),
                bad.fields().get("config"));
        assertEquals(2, error(base(), "{'name':'ip-restriction','config':{'allow':['::1'],'nope':1}}").code());
    }

    @Test
    void foreignKeysAreCheckedAndResolvedByName() {
        EntitySet set = base();
        Plugin p = PLUGINS.insert(set, json("{'name':'ip-restriction','route':{'name':'r1'},'config':{'deny':['::1']}}"), NOW).entity();
        assertEquals(RouteSchema.INSTANCE.find(set, "r1").id(), p.routeId());
        assertNull(p.serviceId());
        EntityException missing = error(set, "{'name':'ip-restriction','service':{'id':'6c3f4b5e-0000-4000-8000-000000000001'},"
                + "'config':{'deny':['::1']}}");
        assertEquals(4, missing.code());
        assertEquals(13, error(set, "{'name':'ip-restriction','route':{'name':'nope'},'config':{'deny':['::1']}}").code());
        assertEquals(4, error(set, "{'name':'ip-restriction','consumer':{'id':'6c3f4b5e-0000-4000-8000-000000000001'},"
                + "'config':{'deny':['::1']}}").code());
    }

    @Test
    void onePluginPerNameAndScope() {
        EntitySet set = PLUGINS.insert(base(), json("{'name':'ip-restriction','route':{'name':'r1'},'config':{'deny':['::1']}}"), NOW).next();
        EntityException dup = error(set, "{'name':'ip-restriction','route':{'name':'r1'},'config':{'allow':['::1']}}");
        assertEquals(5, dup.code());
        assertTrue(dup.getMessage().startsWith("UNIQUE violation detected on '{consumer=null,name=\"ip-restriction\",route={id=\""),
                dup.getMessage());
        // The same plugin on the service, or global, is another scope.
        set = PLUGINS.insert(set, json("{'name':'ip-restriction','service':{'name':'svc'},'config':{'deny':['::1']}}"), NOW).next();
        set = PLUGINS.insert(set, json("{'name':'ip-restriction','config':{'deny':['::1']}}"), NOW).next();
        assertEquals(3, set.plugins().size());
        assertEquals(5, error(set, "{'name':'ip-restriction','config':{'deny':['::2']}}").code());
    }

    @Test
    void patchMergesConfigAndDeletingTheRouteDeletesItsPlugins() {
        EntityType.Written<Plugin> w = PLUGINS.insert(base(),
                json("{'name':'ip-restriction','route':{'name':'r1'},'config':{'deny':['127.0.0.1'],'message':'go away'}}"), NOW);
        EntityType.Written<Plugin> u = PLUGINS.update(w.next(), w.entity().id().toString(),
                json("{'config':{'deny':null,'allow':['127.0.0.1']}}"), NOW + 1);
        assertEquals(List.of("127.0.0.1"), u.entity().config().get("allow"));
        assertNull(u.entity().config().get("deny"));
        assertEquals("go away", u.entity().config().get("message"));
        EntitySet gone = RouteSchema.INSTANCE.delete(u.next(), RouteSchema.INSTANCE.find(u.next(), "r1"));
        assertTrue(gone.plugins().isEmpty());
    }
}
