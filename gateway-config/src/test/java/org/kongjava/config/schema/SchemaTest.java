package org.kongjava.config.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

class SchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW = 1_700_000_000L;
    private static final ServiceSchema SERVICES = ServiceSchema.INSTANCE;
    private static final RouteSchema ROUTES = RouteSchema.INSTANCE;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String s) {
        try {
            return JSON.readValue(s.replace('\'', '"'), LinkedHashMap.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static EntityException serviceError(String body) {
        return assertThrows(EntityException.class, () -> SERVICES.insert(EntitySet.EMPTY, json(body), NOW));
    }

    private static EntityException routeError(EntitySet set, String body) {
        return assertThrows(EntityException.class, () -> ROUTES.insert(set, json(body), NOW));
    }

    private static String body(EntityException e) throws Exception {
        return JSON.writeValueAsString(e.toJsonMap());
    }

    // ------------------------------------------------------------------ services

    @Test
    void serviceDefaultsAndEncoding() {
        Service s = SERVICES.insert(EntitySet.EMPTY, json("{'host':'example.test'}"), NOW).entity();
        assertEquals(Protocol.HTTP, s.protocol());
        assertEquals(80, s.port());
        assertEquals(5, s.retries());
        assertEquals(60000, s.connectTimeout());
        assertTrue(s.enabled());
        assertEquals(NOW, s.createdAt());
        Map<String, Object> m = SERVICES.encode(s);
        assertEquals(18, m.size());
        assertTrue(m.containsKey("path") && m.get("path") == null);
        assertTrue(m.containsKey("client_certificate") && m.get("client_certificate") == null);
        assertEquals(80, m.get("port"));
    }

    @Test
    void serviceMissingHost() throws Exception {
        EntityException e = serviceError("{}");
        assertEquals(400, e.httpStatus());
        assertEquals("{\"code\":2,\"name\":\"schema violation\",\"message\":\"schema violation (host: required field missing)\","
                + "\"fields\":{\"host\":\"required field missing\"}}", body(e));
    }

    @Test
    void serviceBadProtocol() {
        EntityException e = serviceError("{'host':'example.test','protocol':'foo'}");
        assertEquals("schema violation (protocol: expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp)",
                e.getMessage());
    }

    @Test
    void serviceInvalidUrlShorthand() {
        EntityException e = serviceError("{'url':'invalid url'}");
        assertEquals("2 schema violations (host: required field missing; path: should start with: /)", e.getMessage());
        assertEquals(Map.of("host", "required field missing", "path", "should start with: /"), e.fields());
    }

    @ParameterizedTest
    @CsvSource({
            "http://example.test, http, example.test, 80, ",
            "https://example.test, https, example.test, 443, ",
            "grpc://example.test, grpc, example.test, 80, ",
            "https://example.test:8443/a/b?q=1, https, example.test, 8443, /a/b",
            "//example.test:443/, https, example.test, 443, /",
            "http://user@[::1]:9000/x, http, ::1, 9000, /x"})
    void serviceUrlShorthand(String url, String protocol, String host, int port, String path) {
        Service s = SERVICES.insert(EntitySet.EMPTY, json("{'url':'" + url + "'}"), NOW).entity();
        assertEquals(protocol, s.protocol().wireName());
        assertEquals(host, s.host());
        assertEquals(port, s.port());
        assertEquals(path, s.path());
    }

    @Test
    void serviceHostWithPortAndBadHost() {
        assertEquals("schema violation (host: must not have a port)", serviceError("{'host':'example.test:80'}").getMessage());
        assertEquals("schema violation (host: invalid value: exa mple)", serviceError("{'host':'exa mple'}").getMessage());
        assertEquals("schema violation (host: invalid value: 300.1.1.1)", serviceError("{'host':'300.1.1.1'}").getMessage());
    }

    @Test
    void servicePathRules() {
        assertEquals("schema violation (path: must not have empty segments)",
                serviceError("{'host':'a.test','path':'/a//b'}").getMessage());
        assertEquals("schema violation (path: invalid url-encoded value: '%zz')",
                serviceError("{'host':'a.test','path':'/a%zz'}").getMessage());
        assertEquals("schema violation (path: invalid path: '/a b' (characters outside of the reserved list of RFC 3986 found))",
                serviceError("{'host':'a.test','path':'/a b'}").getMessage());
    }

    @Test
    void servicePathForbiddenForTcp() throws Exception {
        EntityException e = serviceError("{'host':'a.test','protocol':'tcp','path':'/x'}");
        assertEquals("2 schema violations (failed conditional validation given value of field 'protocol'; path: value must be null)",
                e.getMessage());
        assertEquals("{\"@entity\":[\"failed conditional validation given value of field 'protocol'\"],\"path\":\"value must be null\"}",
                JSON.writeValueAsString(new java.util.TreeMap<>(e.fields())));
    }

    @Test
    void serviceTlsVerifyOnlyForHttps() {
        EntityException e = serviceError("{'host':'a.test','tls_verify':true}");
        assertEquals("2 schema violations (failed conditional validation given value of field 'protocol'; tls_verify: value must be null)",
                e.getMessage());
        Service ok = SERVICES.insert(EntitySet.EMPTY, json("{'host':'a.test','protocol':'https','tls_verify':true,'tls_verify_depth':3}"),
                NOW).entity();
        assertEquals(Boolean.TRUE, ok.tlsVerify());
        assertEquals(3, ok.tlsVerifyDepth());
    }

    @Test
    void serviceRangesTypesAndUnknown() {
        assertEquals("schema violation (port: value should be between 0 and 65535)",
                serviceError("{'host':'a.test','port':70000}").getMessage());
        assertEquals("schema violation (connect_timeout: value should be between 1 and 2147483646)",
                serviceError("{'host':'a.test','connect_timeout':0}").getMessage());
        assertEquals("schema violation (retries: expected an integer)",
                serviceError("{'host':'a.test','retries':'5'}").getMessage());
        assertEquals("schema violation (foo: unknown field)", serviceError("{'host':'a.test','foo':1}").getMessage());
        assertEquals("schema violation (enabled: expected a boolean)",
                serviceError("{'host':'a.test','enabled':'yes'}").getMessage());
        assertEquals("schema violation (id: expected a valid UUID)", serviceError("{'host':'a.test','id':'nope'}").getMessage());
    }

    @Test
    void serviceNameAndTags() throws Exception {
        assertEquals("schema violation (name: invalid value 'a b': the only accepted ascii characters are alphanumerics or ., -, _, and ~)",
                serviceError("{'host':'a.test','name':'a b'}").getMessage());
        EntityException e = serviceError("{'host':'a.test','tags':['ok','a,b']}");
        assertEquals("schema violation (tags.2: invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences)",
                e.getMessage());
        assertEquals("{\"tags\":[null,\"invalid tag 'a,b': expected printable ascii (except `,` and `/`) or valid utf-8 sequences\"]}",
                JSON.writeValueAsString(e.fields()));
        Service s = SERVICES.insert(EntitySet.EMPTY, json("{'host':'a.test','name':'ünï-code~1','tags':['x','x','y']}"), NOW).entity();
        assertEquals(List.of("x", "y"), s.tags());
    }

    @Test
    void uniqueNameAndPrimaryKey() throws Exception {
        EntitySet set = SERVICES.insert(EntitySet.EMPTY, json("{'host':'a.test','name':'svc'}"), NOW).next();
        EntityException e = assertThrows(EntityException.class, () -> SERVICES.insert(set, json("{'host':'b.test','name':'svc'}"), NOW));
        assertEquals(409, e.httpStatus());
        assertEquals("{\"code\":5,\"name\":\"unique constraint violation\",\"message\":\"UNIQUE violation detected on '{name=\\\"svc\\\"}'\","
                + "\"fields\":{\"name\":\"svc\"}}", body(e));
        UUID id = set.services().keySet().iterator().next();
        EntityException pk = assertThrows(EntityException.class,
                () -> SERVICES.insert(set, json("{'host':'b.test','id':'" + id + "'}"), NOW));
        assertEquals(3, pk.code());
        assertEquals("primary key violation on key '{id=\"" + id + "\"}'", pk.getMessage());
    }

    @Test
    void upsertReplacesAndPatchMerges() {
        EntitySet set = SERVICES.insert(EntitySet.EMPTY, json("{'host':'a.test','name':'svc','retries':9,'path':'/p'}"), NOW).next();
        Service patched = SERVICES.update(set, "svc", json("{'port':8080}"), NOW + 5).entity();
        assertEquals(9, patched.retries());
        assertEquals("/p", patched.path());
        assertEquals(8080, patched.port());
        assertEquals(NOW + 5, patched.updatedAt());
        Service put = SERVICES.upsert(set, "svc", json("{'host':'b.test','name':'ignored'}"), NOW + 9).entity();
        assertEquals("svc", put.name());
        assertEquals(5, put.retries());
        assertNull(put.path());
        assertEquals(set.services().keySet().iterator().next(), put.id());
        EntityException nf = assertThrows(EntityException.class, () -> SERVICES.update(set, "nope", json("{}"), NOW));
        assertEquals("could not find the entity with '{name=\"nope\"}'", nf.getMessage());
        assertEquals(404, nf.httpStatus());
    }

    @Test
    void nullsForFieldsWithDefaultsMeanTheDefault() {
        EntitySet set = SERVICES.insert(EntitySet.EMPTY, json("{'host':'a.test','name':'svc','retries':9,'id':null}"), NOW).next();
        Service s = SERVICES.update(set, "svc", json("{'retries':null,'created_at':null,'read_timeout':null}"), NOW + 1).entity();
        assertEquals(5, s.retries());
        assertEquals(60000, s.readTimeout());
        assertEquals(NOW, s.createdAt());
        assertEquals("schema violation (host: required field missing)",
                assertThrows(EntityException.class, () -> SERVICES.update(set, "svc", json("{'host':null}"), NOW)).getMessage());
        Route r = ROUTES.insert(EntitySet.EMPTY, json("{'paths':['/'],'regex_priority':null,'path_handling':null}"), NOW).entity();
        assertEquals(0, r.regexPriority());
        assertEquals("v0", r.pathHandling());
    }

    @Test
    void deleteReferencedService() throws Exception {
        EntitySet set = SERVICES.insert(EntitySet.EMPTY, json("{'host':'a.test','name':'svc'}"), NOW).next();
        EntitySet withRoute = ROUTES.insert(set, json("{'paths':['/'],'service':{'name':'svc'}}"), NOW).next();
        Service s = set.services().values().iterator().next();
        EntityException e = assertThrows(EntityException.class, () -> SERVICES.delete(withRoute, s));
        assertEquals("{\"code\":4,\"name\":\"foreign key violation\",\"message\":\"an existing 'routes' entity references this 'services' entity\","
                + "\"fields\":{\"@referenced_by\":\"routes\"}}", body(e));
    }

    // ------------------------------------------------------------------ routes

    @Test
    void routeNeedsMatchingFields() throws Exception {
        EntityException e = routeError(EntitySet.EMPTY, "{}");
        assertEquals("schema violation (must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https')",
                e.getMessage());
        assertEquals("{\"@entity\":[\"must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'\"]}",
                JSON.writeValueAsString(e.fields()));
        assertEquals("schema violation (must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http')",
                routeError(EntitySet.EMPTY, "{'protocols':['http']}").getMessage());
    }

    @Test
    void routeDefaults() {
        Route r = ROUTES.insert(EntitySet.EMPTY, json("{'paths':['/a'],'methods':['GET','GET']}"), NOW).entity();
        assertEquals(List.of(Protocol.HTTP, Protocol.HTTPS), r.protocols());
        assertEquals(List.of("GET"), r.methods());
        assertTrue(r.stripPath());
        assertEquals(426, r.httpsRedirectStatusCode());
        assertEquals("v0", r.pathHandling());
        assertNull(r.serviceId());
        Map<String, Object> m = ROUTES.encode(r);
        assertEquals(21, m.size());
        assertTrue(m.containsKey("service") && m.get("service") == null);
    }

    @Test
    void routeProtocolErrors() throws Exception {
        EntityException e = routeError(EntitySet.EMPTY, "{'methods':['GET'],'protocols':['foo','http']}");
        assertEquals("schema violation (protocols.1: expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp)",
                e.getMessage());
        assertEquals("{\"protocols\":[\"expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp\"]}",
                JSON.writeValueAsString(e.fields()));
        EntityException nested = routeError(EntitySet.EMPTY, "{'methods':['GET'],'protocols':['foo','http'],'service':{'protocol':'foo'}}");
        assertEquals("2 schema violations (protocols.1: expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp; "
                + "service.protocol: expected one of: grpc, grpcs, http, https, tcp, tls, tls_passthrough, udp)", nested.getMessage());
        assertEquals("schema violation (protocols: these sets are mutually exclusive: ('http', 'https'), ('tcp', 'tls', 'udp'))",
                routeError(EntitySet.EMPTY, "{'protocols':['http','tcp'],'paths':['/']}").getMessage());
    }

    @Test
    void routeServiceReference() throws Exception {
        EntityException unresolved = routeError(EntitySet.EMPTY, "{'methods':['GET'],'service':{'name':'non-existing'}}");
        assertEquals(13, unresolved.code());
        assertEquals("{\"code\":13,\"name\":\"foreign keys unresolved\",\"message\":\"foreign key unresolved (service.name: the foreign key "
                + "cannot be resolved with '{name=\\\"non-existing\\\"}' for an existing 'services' entity)\",\"fields\":{\"service\":{\"name\":"
                + "\"the foreign key cannot be resolved with '{name=\\\"non-existing\\\"}' for an existing 'services' entity\"}}}",
                body(unresolved));
        assertEquals("schema violation (service.id: missing primary key)",
                routeError(EntitySet.EMPTY, "{'methods':['GET'],'service':{'name':null}}").getMessage());
        assertEquals("schema violation (service.id: missing primary key)",
                routeError(EntitySet.EMPTY, "{'methods':['GET'],'service':{'protocol':'http'}}").getMessage());
        String missing = UUID.randomUUID().toString();
        EntityException fk = routeError(EntitySet.EMPTY, "{'methods':['GET'],'service':{'id':'" + missing + "'}}");
        assertEquals("the foreign key '{id=\"" + missing + "\"}' does not reference an existing 'services' entity.", fk.getMessage());
        assertEquals(4, fk.code());
    }

    @Test
    void routeHostsAndSnis() {
        assertEquals("schema violation (hosts.1: invalid wildcard: must have at most one wildcard)",
                routeError(EntitySet.EMPTY, "{'hosts':['*.a.*']}").getMessage());
        assertEquals("schema violation (hosts.2: invalid wildcard: must be placed at leftmost or rightmost label)",
                routeError(EntitySet.EMPTY, "{'hosts':['ok.test','a.*b.c']}").getMessage());
        Route r = ROUTES.insert(EntitySet.EMPTY, json("{'hosts':['*.a.test','a.*','b.test:8080']}"), NOW).entity();
        assertEquals(3, r.hosts().size());
        assertEquals("2 schema violations ('snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'; "
                        + "snis: length must be 0)",
                routeError(EntitySet.EMPTY, "{'protocols':['http'],'hosts':['a.test'],'snis':['a.test']}").getMessage());
        assertEquals("schema violation (snis.1: must not be an IP)",
                routeError(EntitySet.EMPTY, "{'protocols':['https'],'snis':['10.0.0.1']}").getMessage());
        assertEquals("schema violation (snis.1: wildcard must be leftmost or rightmost character)",
                routeError(EntitySet.EMPTY, "{'protocols':['https'],'snis':['a.*.test']}").getMessage());
    }

    @Test
    void routePaths() {
        assertEquals("schema violation (paths.1: should start with: / (fixed path) or ~/ (regex path))",
                routeError(EntitySet.EMPTY, "{'paths':['foo']}").getMessage());
        assertEquals("schema violation (paths.1: must not have empty segments)",
                routeError(EntitySet.EMPTY, "{'paths':['/a//b']}").getMessage());
        assertEquals("schema violation (paths.1: non-normalized path, consider use '/a/c' instead)",
                routeError(EntitySet.EMPTY, "{'paths':['/a/b/../c']}").getMessage());
        assertEquals("schema violation (paths.1: non-normalized path, consider use '/~user' instead)",
                routeError(EntitySet.EMPTY, "{'paths':['/%7euser']}").getMessage());
        String regex = routeError(EntitySet.EMPTY, "{'paths':['~/(a']}").getMessage();
        assertTrue(regex.startsWith("schema violation (paths.1: invalid regex: '/(a' (PCRE returned: "), regex);
        Route ok = ROUTES.insert(EntitySet.EMPTY, json("{'paths':['/%2F','~/v\\\\d+/(?<id>[a-z]+)$']}"), NOW).entity();
        assertEquals(2, ok.paths().size());
    }

    @Test
    void routeRegexMustSuitTheRouterEngine() throws Exception {
        EntityException e = routeError(EntitySet.EMPTY, "{'paths':['~/(?=a)b']}");
        assertEquals("schema violation (Router Expression failed validation: regex parse error: look-around, including look-ahead and "
                + "look-behind, is not supported)", e.getMessage());
        assertTrue(e.fields().containsKey("@entity"));
        assertEquals("schema violation (Router Expression failed validation: regex parse error: backreferences are not supported)",
                routeError(EntitySet.EMPTY, "{'paths':['~/(a)\\\\1']}").getMessage());
        ROUTES.insert(EntitySet.EMPTY, json("{'paths':['~/[(?=]x\\\\d+']}"), NOW);
    }

    @Test
    void routeHeaders() {
        assertEquals("schema violation (headers: cannot contain 'host' header, which must be specified in the 'hosts' attribute)",
                routeError(EntitySet.EMPTY, "{'headers':{'Host':['a']}}").getMessage());
        assertEquals("schema violation (headers: bad header name 'a b', allowed characters are A-Z, a-z, 0-9, '_', and '-')",
                routeError(EntitySet.EMPTY, "{'headers':{'a b':['a']}}").getMessage());
        Route r = ROUTES.insert(EntitySet.EMPTY, json("{'headers':{'X-Version':['v1','~*v2']}}"), NOW).entity();
        assertEquals(Map.of("x-version", List.of("v1", "~*v2")), r.headers());
    }

    @Test
    void routeProtocolSpecificFields() {
        assertEquals("schema violation (strip_path: cannot set 'strip_path' when 'protocols' is 'grpc' or 'grpcs')",
                routeError(EntitySet.EMPTY, "{'protocols':['grpc'],'paths':['/'],'strip_path':true}").getMessage());
        assertEquals("schema violation (methods: cannot set 'methods' when 'protocols' is 'grpc' or 'grpcs')",
                routeError(EntitySet.EMPTY, "{'protocols':['grpc'],'paths':['/'],'methods':['GET']}").getMessage());
        Route grpc = ROUTES.insert(EntitySet.EMPTY, json("{'protocols':['grpc'],'paths':['/']}"), NOW).entity();
        assertEquals(false, grpc.stripPath());
        assertEquals("schema violation (sources: cannot set 'sources' when 'protocols' is 'http' or 'https')",
                routeError(EntitySet.EMPTY, "{'paths':['/'],'sources':[{'ip':'10.0.0.0/8'}]}").getMessage());
        assertEquals("schema violation (must set one of 'sources', 'destinations', 'snis' when 'protocols' is 'tcp', 'tls' or 'udp')",
                routeError(EntitySet.EMPTY, "{'protocols':['tcp']}").getMessage());
        assertEquals("schema violation (must set snis when 'protocols' is 'tls_passthrough')",
                routeError(EntitySet.EMPTY, "{'protocols':['tls_passthrough']}").getMessage());
        assertEquals("schema violation (paths: cannot set 'paths' when 'protocols' is 'tcp', 'tls', 'tls_passthrough' or 'udp')",
                routeError(EntitySet.EMPTY, "{'protocols':['tcp'],'paths':['/'],'destinations':[{'port':80}]}").getMessage());
        Route tcp = ROUTES.insert(EntitySet.EMPTY, json("{'protocols':['tcp'],'sources':[{'ip':'10.0.0.0/8','port':5000}]}"), NOW).entity();
        assertEquals("10.0.0.0/8", tcp.sources().get(0).ip());
        EntityException bad = routeError(EntitySet.EMPTY, "{'protocols':['tcp'],'sources':[{}]}");
        assertEquals("schema violation (sources.1: {\n  [\"@entity\"] = {\n    \"at least one of these fields must be non-empty: 'ip', 'port'\"\n  }\n})",
                bad.getMessage());
    }

    @Test
    void routeMiscFieldRules() {
        assertEquals("schema violation (https_redirect_status_code: expected one of: 426, 301, 302, 307, 308)",
                routeError(EntitySet.EMPTY, "{'paths':['/'],'https_redirect_status_code':400}").getMessage());
        assertEquals("schema violation (regex_priority: expected an integer)",
                routeError(EntitySet.EMPTY, "{'paths':['/'],'regex_priority':'a'}").getMessage());
        assertEquals("schema violation (methods.1: invalid value: get)",
                routeError(EntitySet.EMPTY, "{'methods':['get']}").getMessage());
        assertEquals("schema violation (path_handling: expected one of: v0, v1)",
                routeError(EntitySet.EMPTY, "{'paths':['/'],'path_handling':'v2'}").getMessage());
    }

    @Test
    void violationMessageOrdering() {
        Map<String, Object> errors = new LinkedHashMap<>();
        errors.put("foo", "expected an integer");
        errors.put("bar", "length must be 5");
        errors.put("baz", "unknown field");
        errors.put("@entity", new java.util.ArrayList<>(List.of("at least one of plim or plum is needed",
                "the check function errored out", "an extra error")));
        errors.put("external_entity", Map.of("id", "missing primary key"));
        SchemaViolation v = new SchemaViolation(errors);
        assertEquals("7 schema violations (at least one of plim or plum is needed; the check function errored out; an extra error; "
                + "bar: length must be 5; baz: unknown field; external_entity.id: missing primary key; foo: expected an integer)",
                v.getMessage());
        assertEquals("schema violation (the check function errored out)",
                new SchemaViolation(Map.of("@entity", List.of("the check function errored out"))).getMessage());
        assertEquals("invalid primary key: '{id=\"missing\",id2=\"missing2\"}'",
                EntityException.invalidPrimaryKey(new LinkedHashMap<>(Map.of("id2", "missing2", "id", "missing"))).getMessage());
    }

    /** Whatever a client sends, the outcome is an entity or a Kong error, never another exception (a 500). */
    @Test
    void anyValueInAnyFieldIsAcceptedOrAKongError() {
        List<Object> values = new java.util.ArrayList<>(java.util.Arrays.asList(null, "", "x", "/", "~/a", "GET", "a.test", "http", 0, -1,
                1.5, 99999999999L, true, List.of(), Map.of(), List.of("x"), List.of(1), List.of(Map.of()), Map.of("a", 1),
                Map.of("id", "nope"), Map.of("name", "x"), List.of(Map.of("ip", 1))));
        int outcomes = 0;
        for (EntityType<?> type : List.of(SERVICES, ROUTES)) {
            List<String> names = new java.util.ArrayList<>(type.schema().fields().stream().map(Field::name).toList());
            names.add("url");
            for (String field : names) {
                for (Object v : values) {
                    Map<String, Object> input = new LinkedHashMap<>(type == SERVICES ? json("{'host':'a.test'}") : json("{'paths':['/']}"));
                    input.put(field, v);
                    Map<String, Object> change = new LinkedHashMap<>();
                    change.put(field, v);
                    for (int op = 0; op < 3; op++) {
                        try {
                            switch (op) {
                                case 0 -> type.insert(EntitySet.EMPTY, input, NOW);
                                case 1 -> type.upsert(EntitySet.EMPTY, "by-name", input, NOW);
                                default -> type.update(type.insert(EntitySet.EMPTY, json(type == SERVICES
                                        ? "{'host':'a.test','name':'n'}" : "{'paths':['/'],'name':'n'}"), NOW).next(), "n", change, NOW);
                            }
                            outcomes++;
                        } catch (EntityException expected) {
                            outcomes++;
                        } catch (RuntimeException e) {
                            throw new AssertionError(type.name() + "." + field + " = " + v + " (op " + op + ") -> " + e, e);
                        }
                    }
                }
            }
        }
        assertTrue(outcomes > 2400, "cases run: " + outcomes);
    }

    // ------------------------------------------------------------------ forms

    @Test
    void formDecodingAndCoercion() {
        Map<String, List<String>> flat = new LinkedHashMap<>();
        flat.put("methods", List.of("GET", "POST"));
        flat.put("paths[]", List.of("/a"));
        flat.put("hosts[1]", List.of("a.test"));
        flat.put("hosts[2]", List.of("b.test"));
        flat.put("service.id", List.of("7b5d2c76-7c5e-4a5e-9b55-2b1f3e0c9a11"));
        flat.put("headers.x-version", List.of("v1"));
        flat.put("headers[x-env]", List.of("prod"));
        flat.put("strip_path", List.of("false"));
        flat.put("regex_priority", List.of("7"));
        flat.put("name", List.of(""));
        Map<String, Object> args = ROUTES.inferForm(FormArgs.decode(flat));
        assertEquals(List.of("GET", "POST"), args.get("methods"));
        assertEquals(List.of("/a"), args.get("paths"));
        assertEquals(List.of("a.test", "b.test"), args.get("hosts"));
        assertEquals(Map.of("id", "7b5d2c76-7c5e-4a5e-9b55-2b1f3e0c9a11"), args.get("service"));
        assertEquals(Map.of("x-version", List.of("v1"), "x-env", List.of("prod")), args.get("headers"));
        assertEquals(Boolean.FALSE, args.get("strip_path"));
        assertEquals(7L, args.get("regex_priority"));
        assertTrue(args.containsKey("name") && args.get("name") == null);

        Map<String, Object> svc = SERVICES.inferForm(FormArgs.decode(Map.of("port", List.of("8080"), "retries", List.of("x"),
                "url", List.of("http://a.test"))));
        assertEquals(8080L, svc.get("port"));
        assertEquals("x", svc.get("retries"));
        assertEquals("http://a.test", svc.get("url"));
    }

    @Test
    void formOddShapesNeverThrow() {
        Map<String, List<String>> flat = new LinkedHashMap<>();
        flat.put("a", List.of("1"));
        flat.put("a.b", List.of("2"));
        flat.put("c[]", List.of("x"));
        flat.put("c.d", List.of("y"));
        flat.put("e[99999]", List.of("z"));
        flat.put("sources[1].ip", List.of("10.0.0.1"));
        flat.put("sources[1].port", List.of("80"));
        flat.put("hosts[2]", List.of("b.test"));
        Map<String, Object> args = ROUTES.inferForm(FormArgs.decode(flat));
        assertEquals(Map.of("b", "2"), args.get("a"));
        assertEquals(Map.of("99999", "z"), args.get("e"));
        assertEquals(List.of(Map.of("ip", "10.0.0.1", "port", 80L)), args.get("sources"));
        assertEquals(java.util.Arrays.asList(null, "b.test"), args.get("hosts"));
    }

    @ParameterizedTest
    @CsvSource({
            "/a/./b, /a/b",
            "/a/../../b, /b",
            "/a//b, /a/b",
            "/%41%2f, /A%2F",
            "/caf%C3%A9, /café",
            "/, /"})
    void normalization(String in, String out) {
        assertEquals(out, org.kongjava.config.route.PathNormalizer.normalize(in));
    }
}
