package org.kongjava.config.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Healthchecks;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;

class UpstreamSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW = 1_700_000_000L;
    private static final UpstreamSchema UPSTREAMS = UpstreamSchema.INSTANCE;
    private static final TargetSchema TARGETS = TargetSchema.INSTANCE;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String s) {
        try {
            return JSON.readValue(s.replace('\'', '"'), LinkedHashMap.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static EntityException upstreamError(String body) {
        return assertThrows(EntityException.class, () -> UPSTREAMS.insert(EntitySet.EMPTY, json(body), NOW));
    }

    @Test
    void defaultsMatchKong() throws Exception {
        Upstream u = UPSTREAMS.insert(EntitySet.EMPTY, json("{'name':'my.upstream'}"), NOW).entity();
        assertEquals(Upstream.Algorithm.ROUND_ROBIN, u.algorithm());
        assertEquals(Upstream.HashOn.NONE, u.hashOn());
        assertEquals(10000, u.slots());
        assertEquals(Healthchecks.DEFAULTS, u.healthchecks());
        Map<String, Object> enc = UPSTREAMS.encode(u);
        String hc = JSON.writeValueAsString(enc.get("healthchecks"));
        assertEquals("{\"active\":{\"type\":\"http\",\"timeout\":1,\"concurrency\":10,\"http_path\":\"/\",\"https_sni\":null,"
                + "\"https_verify_certificate\":true,\"headers\":null,\"healthy\":{\"interval\":0,\"http_statuses\":[200,302],"
                + "\"successes\":0},\"unhealthy\":{\"interval\":0,\"http_statuses\":[429,404,500,501,502,503,504,505],"
                + "\"tcp_failures\":0,\"timeouts\":0,\"http_failures\":0}},\"passive\":{\"type\":\"http\",\"healthy\":"
                + "{\"http_statuses\":[200,201,202,203,204,205,206,207,208,226,300,301,302,303,304,305,306,307,308],"
                + "\"successes\":0},\"unhealthy\":{\"http_statuses\":[429,500,503],\"tcp_failures\":0,\"timeouts\":0,"
                + "\"http_failures\":0}},\"threshold\":0}", hc);
        assertEquals("/", enc.get("hash_on_cookie_path"));
        assertEquals(false, enc.get("use_srv_name"));
        assertTrue(enc.containsKey("host_header") && enc.get("host_header") == null);
    }

    @Test
    void partialHealthchecksGetTheRestFromDefaultsAndPatchMerges() {
        EntityType.Written<Upstream> w = UPSTREAMS.insert(EntitySet.EMPTY,
                json("{'name':'u1','healthchecks':{'active':{'healthy':{'interval':5}},'passive':{'unhealthy':{'tcp_failures':3}}}}"), NOW);
        Healthchecks h = w.entity().healthchecks();
        assertEquals(5.0, h.active().healthy().interval());
        assertEquals(List.of(200, 302), h.active().healthy().httpStatuses());
        assertEquals(3, h.passive().unhealthy().tcpFailures());
        assertTrue(h.enabled());
        Upstream patched = UPSTREAMS.update(w.next(), "u1", json("{'healthchecks':{'active':{'timeout':2.5}}}"), NOW + 1).entity();
        assertEquals(2.5, patched.healthchecks().active().timeout());
        assertEquals(5.0, patched.healthchecks().active().healthy().interval(), "PATCH merges records recursively");
        assertEquals(3, patched.healthchecks().passive().unhealthy().tcpFailures());
    }

    @Test
    void shorthandsForceAlgorithmAndHashOn() {
        Upstream a = UPSTREAMS.insert(EntitySet.EMPTY, json("{'name':'a','hash_on':'ip'}"), NOW).entity();
        assertEquals(Upstream.Algorithm.CONSISTENT_HASHING, a.algorithm());
        Upstream b = UPSTREAMS.insert(EntitySet.EMPTY, json("{'name':'b','algorithm':'consistent-hashing','hash_on':'none'}"), NOW).entity();
        assertEquals(Upstream.Algorithm.ROUND_ROBIN, b.algorithm());
        Upstream c = UPSTREAMS.insert(EntitySet.EMPTY, json("{'name':'c','algorithm':'least-connections','hash_on':'ip'}"), NOW).entity();
        assertEquals(Upstream.Algorithm.LEAST_CONNECTIONS, c.algorithm());
        assertEquals(Upstream.HashOn.NONE, c.hashOn());
        Upstream d = UPSTREAMS.insert(EntitySet.EMPTY, json("{'name':'d','algorithm':'latency'}"), NOW).entity();
        assertEquals(Upstream.Algorithm.LATENCY, d.algorithm());
    }

    @Test
    void badInputNamesTheField() throws Exception {
        assertEquals("{\"name\":\"Invalid name ('some invalid host name'); must be a valid hostname\"}",
                JSON.writeValueAsString(upstreamError("{'name':'some invalid host name'}").fields()));
        assertEquals("Invalid name ('1.2.3.4'); no ip addresses allowed", upstreamError("{'name':'1.2.3.4'}").fields().get("name"));
        assertEquals("Invalid name ('a.b:80'); no port allowed", upstreamError("{'name':'a.b:80'}").fields().get("name"));
        assertEquals("value should be between 10 and 65536", upstreamError("{'name':'u','slots':9}").fields().get("slots"));
        assertEquals("expected one of: consistent-hashing, least-connections, round-robin, latency",
                upstreamError("{'name':'u','algorithm':'random'}").fields().get("algorithm"));
        assertEquals("expected one of: none, consumer, ip, header, cookie, path, query_arg, uri_capture",
                upstreamError("{'name':'u','hash_on':'x'}").fields().get("hash_on"));
        EntityException fb = upstreamError("{'name':'u','hash_on':'consumer','hash_fallback':'consumer'}");
        assertEquals("expected one of: none, ip, header, cookie, path, query_arg, uri_capture", fb.fields().get("hash_fallback"));
        assertEquals(List.of("failed conditional validation given value of field 'hash_on'"), fb.fields().get("@entity"));
        assertEquals("required field missing", upstreamError("{'name':'u','hash_on':'header'}").fields().get("hash_on_header"));
        assertEquals(List.of("values of these fields must be distinct: 'hash_on_header', 'hash_fallback_header'"),
                upstreamError("{'name':'u','hash_on':'header','hash_on_header':'a','hash_fallback':'header','hash_fallback_header':'a'}")
                        .fields().get("@entity"));
        assertEquals("expected one of: none",
                upstreamError("{'name':'u','hash_on':'cookie','hash_on_cookie':'c','hash_fallback':'ip'}").fields().get("hash_fallback"));
        assertEquals("should start with: /", upstreamError("{'name':'u','hash_on_cookie_path':'x'}").fields().get("hash_on_cookie_path"));
        // Health-check fields out of range: the error tree names the nested field.
        EntityException hc = upstreamError("{'name':'u','healthchecks':{'active':{'timeout':70000,'unhealthy':{'tcp_failures':300}},"
                + "'threshold':101}}");
        Map<?, ?> tree = (Map<?, ?>) hc.fields().get("healthchecks");
        assertEquals("value should be between 0 and 100", tree.get("threshold"));
        Map<?, ?> active = (Map<?, ?>) tree.get("active");
        assertEquals("value should be between 0 and 65535", active.get("timeout"));
        assertEquals("value should be between 0 and 255", ((Map<?, ?>) active.get("unhealthy")).get("tcp_failures"));
        assertEquals("expected one of: tcp, http, https, grpc, grpcs",
                ((Map<?, ?>) ((Map<?, ?>) upstreamError("{'name':'u','healthchecks':{'active':{'type':'udp'}}}").fields()
                        .get("healthchecks")).get("active")).get("type"));
        assertEquals("value should be between 100 and 999", ((List<?>) ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) upstreamError(
                "{'name':'u','healthchecks':{'passive':{'healthy':{'http_statuses':[200,1000]}}}}").fields().get("healthchecks"))
                .get("passive")).get("healthy")).get("http_statuses")).get(1));
        assertEquals("value should be between 1 and 2147483648", ((Map<?, ?>) ((Map<?, ?>) upstreamError(
                "{'name':'u','healthchecks':{'active':{'concurrency':0}}}").fields().get("healthchecks")).get("active")).get("concurrency"));
    }

    @Test
    void formArgumentsReachNestedHealthcheckFields() {
        Map<String, List<String>> flat = new LinkedHashMap<>();
        flat.put("name", List.of("form.upstream"));
        flat.put("slots", List.of("20"));
        flat.put("healthchecks.active.healthy.interval", List.of("2.5"));
        flat.put("healthchecks.active.unhealthy.http_statuses", List.of("500", "502"));
        flat.put("healthchecks.passive.unhealthy.tcp_failures", List.of("3"));
        flat.put("healthchecks.active.https_verify_certificate", List.of("false"));
        Map<String, Object> args = UPSTREAMS.inferForm(FormArgs.decode(flat));
        Upstream u = UPSTREAMS.insert(EntitySet.EMPTY, args, NOW).entity();
        assertEquals(20, u.slots());
        assertEquals(2.5, u.healthchecks().active().healthy().interval());
        assertEquals(List.of(500, 502), u.healthchecks().active().unhealthy().httpStatuses());
        assertEquals(3, u.healthchecks().passive().unhealthy().tcpFailures());
        assertEquals(false, u.healthchecks().active().httpsVerifyCertificate());
    }

    @Test
    void uniqueNameAndCascadingDelete() {
        EntitySet s = UPSTREAMS.insert(EntitySet.EMPTY, json("{'name':'u'}"), NOW).next();
        EntityException dup = assertThrows(EntityException.class, () -> UPSTREAMS.insert(s, json("{'name':'u'}"), NOW));
        assertEquals(409, dup.httpStatus());
        Upstream u = UPSTREAMS.find(s, "u");
        EntitySet withTarget = TARGETS.insert(s, json("{'target':'10.0.0.1','upstream':{'id':'" + u.id() + "'}}"), NOW * 1000).next();
        assertEquals(1, withTarget.targets().size());
        assertEquals(0, UPSTREAMS.delete(withTarget, u).targets().size());
    }

    private static EntitySet withUpstream() {
        return UPSTREAMS.insert(EntitySet.EMPTY, json("{'name':'u'}"), NOW).next();
    }

    private static Map<String, Object> targetArgs(EntitySet s, String body) {
        Map<String, Object> m = json(body);
        m.put("upstream", Map.of("id", UPSTREAMS.find(s, "u").id().toString()));
        return m;
    }

    @Test
    void targetsAreNormalizedAndValidated() throws Exception {
        EntitySet s = withUpstream();
        long nowMs = 1_700_000_000_123L;
        Target t = TARGETS.insert(s, targetArgs(s, "{'target':'010.000.000.001'}"), nowMs).entity();
        assertEquals("10.0.0.1:8000", t.target());
        assertEquals(100, t.weight());
        assertEquals(1700000000.123, TARGETS.encode(t).get("created_at"));
        assertEquals("[0000:0000:0000:0000:0000:0000:0000:0001]:9000",
                TARGETS.insert(s, targetArgs(s, "{'target':'[::1]:9000'}"), nowMs).entity().target());
        assertEquals("example.test:80", TARGETS.insert(s, targetArgs(s, "{'target':'example.test:80'}"), nowMs).entity().target());
        for (String bad : List.of("host:99999", "", "some invalid host name", "[::1", "a..b")) {
            EntityException e = assertThrows(EntityException.class,
                    () -> TARGETS.insert(s, targetArgs(s, "{'target':'" + bad + "'}"), nowMs), bad);
            assertEquals("Invalid target; not a valid hostname or ip address", e.fields().get("target"), bad);
            assertEquals(400, e.httpStatus());
        }
        assertEquals("required field missing",
                assertThrows(EntityException.class, () -> TARGETS.insert(s, targetArgs(s, "{}"), nowMs)).fields().get("target"));
        assertEquals("value should be between 0 and 65535", assertThrows(EntityException.class,
                () -> TARGETS.insert(s, targetArgs(s, "{'target':'a.test','weight':65536}"), nowMs)).fields().get("weight"));
    }

    @Test
    void storedJsonRoundTrips() {
        EntitySet s = withUpstream();
        Target t = TARGETS.insert(s, targetArgs(s, "{'target':'10.0.0.1:80','tags':['a']}"), 1_700_000_000_123L).entity();
        assertEquals(t, TARGETS.fromStored(TARGETS.encode(t), NOW));
        assertEquals(t, TARGETS.restore(TARGETS.encode(t), NOW));
        Upstream u = UPSTREAMS.find(s, "u");
        assertEquals(u, UPSTREAMS.fromStored(UPSTREAMS.encode(u), NOW));
        assertEquals(u, UPSTREAMS.restore(UPSTREAMS.encode(u), NOW));
        // withAll of any kind keeps the others.
        EntitySet withT = TARGETS.insert(s, targetArgs(s, "{'target':'10.0.0.2'}"), 1_700_000_000_000L).next();
        assertEquals(1, ServiceSchema.INSTANCE.withAll(withT, Map.of()).targets().size());
        assertEquals(1, RouteSchema.INSTANCE.withAll(withT, Map.of()).upstreams().size());
    }

    @Test
    void targetsAreUniquePerUpstreamAndUpdatable() {
        EntitySet s = withUpstream();
        EntityType.Written<Target> w = TARGETS.insert(s, targetArgs(s, "{'target':'10.0.0.1:80'}"), 1_700_000_001_000L);
        EntityException dup = assertThrows(EntityException.class,
                () -> TARGETS.insert(w.next(), targetArgs(s, "{'target':'10.0.0.1:80'}"), 1_700_000_002_000L));
        assertEquals(409, dup.httpStatus());
        // Same target on another upstream is fine.
        EntitySet two = UPSTREAMS.insert(w.next(), json("{'name':'v'}"), NOW).next();
        Map<String, Object> other = json("{'target':'10.0.0.1:80'}");
        other.put("upstream", Map.of("id", UPSTREAMS.find(two, "v").id().toString()));
        TARGETS.insert(two, other, 1_700_000_003_000L);
        Target re = TARGETS.update(w.next(), w.entity().id().toString(), json("{'weight':0}"), 1_700_000_005_000L).entity();
        assertEquals(0, re.weight());
        assertEquals(1_700_000_001_000L, re.createdAtMillis(), "an update keeps the creation time");
        assertEquals(1_700_000_005_000L, re.updatedAtMillis());
        assertEquals(w.entity().id(), TARGETS.findIn(w.next(), w.entity().upstreamId(), "10.0.0.1:80").id());
        assertEquals(w.entity().id(), TARGETS.findIn(w.next(), w.entity().upstreamId(), "10.0.0.1:80").id());
    }
}
