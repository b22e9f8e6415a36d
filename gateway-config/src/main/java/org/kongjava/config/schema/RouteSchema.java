package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.kongjava.config.model.CidrPort;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

/**
 * Kong's Route entity ({@code kong/db/schema/entities/routes.lua} and {@code routes_subschemas.lua},
 * router flavor {@code traditional_compatible}): fields, the per-protocol subschemas and their checks,
 * and the {@code service} foreign key, which may be given by id or by name.
 */
public final class RouteSchema extends EntityType<Route> {
    /** The only instance. */
    public static final RouteSchema INSTANCE = new RouteSchema();

    static final EntitySchema SCHEMA = define();

    private static final List<String> SNI_PROTOCOLS = List.of("grpcs", "https", "tls", "tls_passthrough");

    private RouteSchema() {
    }

    private static EntitySchema define() {
        Field hostElement = Field.string("host")
                .matchAll("^[^*]*\\*?[^*]*$", "invalid wildcard: must have at most one wildcard")
                .matchAny(List.of("^\\*\\.", "\\.\\*$", "^[^*]*$"), "invalid wildcard: must be placed at leftmost or rightmost label")
                .custom(Validators::hostWithWildcards);
        Field pathElement = Field.string("path")
                .matchAny(List.of("^/", "^~/"), "should start with: / (fixed path) or ~/ (regex path)")
                .matchNone("//", "must not have empty segments")
                .custom(Validators::routerPath);
        Field headerName = Field.string("header")
                .matchNone("^[Hh][Oo][Ss][Tt]$", "cannot contain 'host' header, which must be specified in the 'hosts' attribute")
                .custom(Validators::headerName);
        EntitySchema cidrPort = new EntitySchema("cidr_port",
                List.of(Field.string("ip").custom(Validators::ipOrCidr), Fields.port("port")),
                List.of(EntityCheck.atLeastOneOf(List.of("ip", "port"))), null, null);
        Field sources = Field.set("sources", Field.record("source", cidrPort));
        Field destinations = Field.set("destinations", Field.record("destination", cidrPort));
        Field methods = Field.set("methods", Field.string("method").match("^[A-Z]+$"));
        Field hosts = Field.array("hosts", hostElement);
        Field paths = Field.array("paths", pathElement);
        Field headers = Field.map("headers", headerName, Field.array("values", Field.string("value")));
        Field stripPath = Field.bool("strip_path").required().dflt(true);

        List<Field> fields = List.of(
                Fields.id(),
                Fields.timestamp("created_at"),
                Fields.timestamp("updated_at"),
                Fields.utf8Name(),
                Field.set("protocols", Fields.protocol("protocol")).lenMin(1).required()
                        .mutuallyExclusiveSubsets(List.of(List.of("http", "https"), List.of("tcp", "tls", "udp"),
                                List.of("tls_passthrough"), List.of("grpc", "grpcs")))
                        .dflt(List.of("http", "https")),
                Field.integer("https_redirect_status_code").oneOf(List.of(426L, 301L, 302L, 307L, 308L)).required().dflt(426L),
                stripPath,
                Field.bool("preserve_host").required().dflt(false),
                Field.bool("request_buffering").required().dflt(true),
                Field.bool("response_buffering").required().dflt(true),
                Fields.tags(),
                Field.foreign("service", () -> ServiceSchema.SCHEMA),
                Field.set("snis", Field.string("sni").custom(Validators::wildcardHost)),
                sources,
                destinations,
                methods,
                hosts,
                paths,
                headers,
                // Kong allows any integer; the model keeps an int.
                Field.integer("regex_priority").between(Integer.MIN_VALUE, Integer.MAX_VALUE).dflt(0L),
                Field.string("path_handling").dflt("v0").oneOf(List.of("v0", "v1")));

        Predicate<Object> noSniProtocol = v -> v instanceof List<?> l && l.stream().noneMatch(SNI_PROTOCOLS::contains);
        List<EntityCheck> checks = List.of(EntityCheck.conditional("protocols", noSniProtocol, "snis", f -> f.lenEq(0),
                "'snis' can only be set when 'protocols' is 'grpcs', 'https', 'tls' or 'tls_passthrough'"),
                RouteSchema::routerExpressionCheck);

        String httpOnly = "'http' or 'https'";
        EntitySchema.Subschema http = new EntitySchema.Subschema(
                Map.of("sources", sources.eqNull().err("cannot set 'sources' when 'protocols' is " + httpOnly),
                        "destinations", destinations.eqNull().err("cannot set 'destinations' when 'protocols' is " + httpOnly)),
                List.of(EntityCheck.conditionalAtLeastOneOf("protocols", contains("https"),
                        List.of("methods", "hosts", "headers", "paths", "snis"), "must set one of %s when 'protocols' is 'https'",
                        contains("http"), List.of("methods", "hosts", "headers", "paths"), "must set one of %s when 'protocols' is 'http'")));
        String streamP = "'tcp', 'tls', 'tls_passthrough' or 'udp'";
        EntitySchema.Subschema stream = new EntitySchema.Subschema(
                Map.of("methods", methods.eqNull().err("cannot set 'methods' when 'protocols' is " + streamP),
                        "hosts", hosts.eqNull().err("cannot set 'hosts' when 'protocols' is " + streamP),
                        "paths", paths.eqNull().err("cannot set 'paths' when 'protocols' is " + streamP),
                        "headers", headers.eqNull().err("cannot set 'headers' when 'protocols' is " + streamP)),
                List.of(EntityCheck.conditionalAtLeastOneOf("protocols", allIn(List.of("tcp", "tls", "udp")),
                                List.of("sources", "destinations", "snis"), "must set one of %s when 'protocols' is 'tcp', 'tls' or 'udp'",
                                null, null, null),
                        EntityCheck.conditionalAtLeastOneOf("protocols", allIn(List.of("tls_passthrough")),
                                List.of("snis"), "must set snis when 'protocols' is 'tls_passthrough'", null, null, null)));
        String grpcP = "'grpc' or 'grpcs'";
        EntitySchema.Subschema grpc = new EntitySchema.Subschema(
                Map.of("strip_path", Field.bool("strip_path").required().dflt(false).ne(true)
                                .err("cannot set 'strip_path' when 'protocols' is " + grpcP),
                        "methods", methods.eqNull().err("cannot set 'methods' when 'protocols' is " + grpcP),
                        "sources", sources.eqNull().err("cannot set 'sources' when 'protocols' is " + grpcP),
                        "destinations", destinations.eqNull().err("cannot set 'destinations' when 'protocols' is " + grpcP)),
                List.of(EntityCheck.conditionalAtLeastOneOf("protocols", contains("grpcs"),
                        List.of("hosts", "headers", "paths", "snis"), "must set one of %s when 'protocols' is 'grpcs'",
                        contains("grpc"), List.of("hosts", "headers", "paths"), "must set one of %s when 'protocols' is 'grpc'")));
        Map<String, EntitySchema.Subschema> subschemas = Map.of("http", http, "https", http, "tcp", stream, "tls", stream,
                "udp", stream, "tls_passthrough", stream, "grpc", grpc, "grpcs", grpc);
        return new EntitySchema("routes", fields, checks, "protocols", subschemas);
    }

    /**
     * traditional_compatible compiles each route for the ATC router, whose regex engine (Rust's
     * {@code regex} crate) has no look-around, back-references or atomic groups; Kong refuses such
     * paths at write time. Runs only when the fields themselves are valid, as Kong's check does.
     */
    private static void routerExpressionCheck(Map<String, Object> input, EntitySchema schema, Map<String, Object> errors) {
        if (!errors.isEmpty() || !(input.get("paths") instanceof List<?> paths)) {
            return;
        }
        for (Object o : paths) {
            if (o instanceof String p && p.startsWith("~")) {
                String why = RegexDialect.unsupported(p.substring(1));
                if (why != null) {
                    EntityCheck.addEntityError(errors, "Router Expression failed validation: regex parse error: " + why);
                    return;
                }
            }
        }
    }

    private static Predicate<Object> contains(String p) {
        return v -> v instanceof List<?> l && l.contains(p);
    }

    private static Predicate<Object> allIn(List<String> options) {
        return v -> v instanceof List<?> l && l.stream().allMatch(options::contains);
    }

    @Override
    public String name() {
        return "routes";
    }

    @Override
    EntitySchema schema() {
        return SCHEMA;
    }

    /** The routes of one service, in page order. */
    public List<Route> ofService(EntitySet set, UUID serviceId) {
        return ordered(set).stream().filter(r -> serviceId.equals(r.serviceId())).toList();
    }

    /**
     * Kong's {@code resolve_foreign}: a {@code service} given without a valid id but with a valid
     * {@code name} is looked up by name; no match is a "foreign keys unresolved" error (code 13).
     */
    @Override
    Map<String, Object> resolveForeign(EntitySet set, Map<String, Object> data) {
        Map<String, Object> ref = EntitySchema.stringMap(data.get("service"));
        if (ref == null || ref.isEmpty()) {
            return data;
        }
        Object id = ref.get("id");
        if (id instanceof String s && isUuid(s)) {
            return data;
        }
        Object name = ref.get("name");
        if (!(name instanceof String n) || n.isEmpty() || Validators.utf8Name(n) != null) {
            return data;
        }
        Service found = set.services().values().stream().filter(s -> n.equals(s.name())).findFirst().orElse(null);
        if (found == null) {
            throw EntityException.foreignKeyUnresolved("service", "name", n, "services");
        }
        Map<String, Object> next = new LinkedHashMap<>(data);
        next.put("service", idRef(found.id()));
        return next;
    }

    @Override
    void checkReferences(EntitySet set, Route r) {
        if (r.serviceId() != null && !set.services().containsKey(r.serviceId())) {
            throw EntityException.foreignKeyViolation("service", idRef(r.serviceId()), "services");
        }
    }

    @Override
    public Map<UUID, Route> collection(EntitySet set) {
        return set.routes();
    }

    @Override
    public UUID id(Route r) {
        return r.id();
    }

    @Override
    public String endpointKey(Route r) {
        return r.name();
    }

    @Override
    public long createdAt(Route r) {
        return r.createdAt();
    }

    @Override
    public List<String> tags(Route r) {
        return r.tags();
    }

    @Override
    EntitySet with(EntitySet set, Route r) {
        return set.withRoute(r);
    }

    @Override
    EntitySet without(EntitySet set, UUID id) {
        return set.withoutRoute(id);
    }

    @Override
    public EntitySet withAll(EntitySet set, Map<UUID, Route> all) {
        return set.withAllRoutes(all);
    }

    @Override
    Route toRecord(Map<String, Object> d) {
        Map<String, List<String>> headers = null;
        Map<String, Object> h = EntitySchema.stringMap(d.get("headers"));
        if (d.get("headers") != null && h != null) {
            headers = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : h.entrySet()) {
                List<String> values = new ArrayList<>();
                for (Object o : EntitySchema.asList(e.getValue())) {
                    values.add((String) o);
                }
                // The router compares names case-insensitively; one lower-cased key per header.
                headers.merge(e.getKey().toLowerCase(Locale.ROOT), values, (a, b) -> {
                    List<String> all = new ArrayList<>(a);
                    all.addAll(b);
                    return all;
                });
            }
        }
        Map<String, Object> svc = EntitySchema.stringMap(d.get("service"));
        return new Route(
                uuid(d.get("id")),
                str(d, "name"),
                strings(d, "protocols").stream().map(Protocol::fromWire).toList(),
                strings(d, "methods"),
                strings(d, "hosts"),
                strings(d, "paths"),
                headers,
                strings(d, "snis"),
                cidrPorts(d.get("sources")),
                cidrPorts(d.get("destinations")),
                intOf(d, "https_redirect_status_code"),
                intOf(d, "regex_priority"),
                bool(d, "strip_path"),
                str(d, "path_handling"),
                bool(d, "preserve_host"),
                bool(d, "request_buffering"),
                bool(d, "response_buffering"),
                d.get("service") == null || svc == null ? null : uuid(svc.get("id")),
                strings(d, "tags"),
                longOf(d, "created_at"),
                longOf(d, "updated_at"));
    }

    private static List<CidrPort> cidrPorts(Object v) {
        if (v == null) {
            return null;
        }
        List<CidrPort> out = new ArrayList<>();
        for (Object o : EntitySchema.asList(v)) {
            Map<String, Object> m = EntitySchema.stringMap(o);
            Object port = m.get("port");
            out.add(new CidrPort((String) m.get("ip"), port == null ? null : ((Number) port).intValue()));
        }
        return out;
    }

    @Override
    public Map<String, Object> encode(Route r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id().toString());
        m.put("created_at", r.createdAt());
        m.put("updated_at", r.updatedAt());
        m.put("name", r.name());
        m.put("protocols", r.protocols().stream().map(Protocol::wireName).toList());
        m.put("methods", r.methods());
        m.put("hosts", r.hosts());
        m.put("paths", r.paths());
        m.put("headers", r.headers() == null ? null : new LinkedHashMap<>(new java.util.TreeMap<>(r.headers())));
        m.put("https_redirect_status_code", r.httpsRedirectStatusCode());
        m.put("regex_priority", r.regexPriority());
        m.put("strip_path", r.stripPath());
        m.put("path_handling", r.pathHandling());
        m.put("preserve_host", r.preserveHost());
        m.put("request_buffering", r.requestBuffering());
        m.put("response_buffering", r.responseBuffering());
        m.put("snis", r.snis());
        m.put("sources", encodeCidrPorts(r.sources()));
        m.put("destinations", encodeCidrPorts(r.destinations()));
        m.put("tags", r.tags());
        m.put("service", idRef(r.serviceId()));
        return m;
    }

    private static List<Map<String, Object>> encodeCidrPorts(List<CidrPort> list) {
        if (list == null) {
            return null;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (CidrPort c : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ip", c.ip());
            m.put("port", c.port());
            out.add(m);
        }
        return out;
    }
}
