package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Healthchecks;
import org.kongjava.config.model.Upstream;

/**
 * Kong's Upstream entity ({@code kong/db/schema/entities/upstreams.lua}): fields with Kong's defaults, the
 * {@code healthchecks} record tree, the hashing checks, and the {@code algorithm}/{@code hash_on} shorthands
 * (hashing forces {@code consistent-hashing}; {@code least-connections} and {@code latency} force
 * {@code hash_on = none}).
 */
public final class UpstreamSchema extends EntityType<Upstream> {
    /** The only instance. */
    public static final UpstreamSchema INSTANCE = new UpstreamSchema();

    static final List<String> HASH_ON = List.of("none", "consumer", "ip", "header", "cookie", "path", "query_arg", "uri_capture");
    private static final Pattern COOKIE_NAME = Pattern.compile("^[a-zA-Z0-9_-]+$");

    static final EntitySchema SCHEMA = define();

    private UpstreamSchema() {
    }

    private static EntitySchema define() {
        Field hashOn = Field.string("hash_on").dflt("none").oneOf(HASH_ON);
        Field simpleParam = Field.string("param");
        List<Field> fields = List.of(
                Fields.id(),
                Fields.timestamp("created_at"),
                Field.string("name").required().unique().custom(UpstreamSchema::validateName),
                Fields.timestamp("updated_at"),
                Field.string("algorithm").dflt("round-robin")
                        .oneOf(List.of("consistent-hashing", "least-connections", "round-robin", "latency")),
                hashOn,
                hashOn.named("hash_fallback"),
                Field.string("hash_on_header").custom(Validators::headerName),
                Field.string("hash_fallback_header").custom(Validators::headerName),
                Field.string("hash_on_cookie").custom(UpstreamSchema::cookieName),
                Field.string("hash_on_cookie_path").dflt("/").startsWith("/")
                        .matchNone("//", "must not have empty segments").custom(Validators::path),
                simpleParam.named("hash_on_query_arg"),
                simpleParam.named("hash_fallback_query_arg"),
                simpleParam.named("hash_on_uri_capture"),
                simpleParam.named("hash_fallback_uri_capture"),
                Field.integer("slots").dflt(10000L).between(10, 65536),
                Field.record("healthchecks", HealthchecksSchema.SCHEMA).dflt(HealthchecksSchema.encode(Healthchecks.DEFAULTS)),
                Fields.tags(),
                Field.string("host_header").custom(UpstreamSchema::hostWithOptionalPort),
                Field.foreign("client_certificate", () -> ServiceSchema.CertificateRef.SCHEMA),
                Field.bool("use_srv_name").dflt(false));
        List<EntityCheck> checks = List.of(
                requiredWhen("hash_on", "header", "hash_on_header"),
                requiredWhen("hash_fallback", "header", "hash_fallback_header"),
                requiredWhen("hash_on", "cookie", "hash_on_cookie"),
                requiredWhen("hash_fallback", "cookie", "hash_on_cookie"),
                fallbackOneOf("none", List.of("none")),
                fallbackOneOf("cookie", List.of("none")),
                fallbackOneOf("consumer", List.of("none", "ip", "header", "cookie", "path", "query_arg", "uri_capture")),
                fallbackOneOf("ip", List.of("none", "consumer", "header", "cookie", "path", "query_arg", "uri_capture")),
                fallbackOneOf("path", List.of("none", "consumer", "header", "cookie", "query_arg", "ip", "uri_capture")),
                distinct("hash_on_header", "hash_fallback_header"),
                requiredWhen("hash_on", "query_arg", "hash_on_query_arg"),
                requiredWhen("hash_fallback", "query_arg", "hash_fallback_query_arg"),
                distinct("hash_on_query_arg", "hash_fallback_query_arg"),
                requiredWhen("hash_on", "uri_capture", "hash_on_uri_capture"),
                requiredWhen("hash_fallback", "uri_capture", "hash_fallback_uri_capture"),
                distinct("hash_on_uri_capture", "hash_fallback_uri_capture"));
        return new EntitySchema("upstreams", fields, checks, null, null);
    }

    private static EntityCheck requiredWhen(String ifField, String value, String thenField) {
        return EntityCheck.conditional(ifField, value::equals, thenField, Field::required, null);
    }

    private static EntityCheck fallbackOneOf(String hashOn, List<String> allowed) {
        return EntityCheck.conditional("hash_on", hashOn::equals, "hash_fallback", f -> f.oneOf(allowed), null);
    }

    /** Kong's {@code distinct}: both set and equal is an entity error. */
    private static EntityCheck distinct(String a, String b) {
        return (input, schema, errors) -> {
            Object va = input.get(a);
            Object vb = input.get(b);
            if (va != null && vb != null && va.equals(vb)) {
                EntityCheck.addEntityError(errors, "values of these fields must be distinct: '" + a + "', '" + b + "'");
            }
        };
    }

    /** Upstream names are host names: no IP, no port. Returns Kong's message, or null when valid. */
    public static String validateName(String name) {
        String prefix = Validators.validUtf8(name) ? "Invalid name ('" + name + "')" : "Invalid name";
        Validators.Normalized n = Validators.normalizeIp(name);
        if (n.error() != null) {
            return prefix + "; must be a valid hostname";
        }
        if (!n.value().kind().equals("name")) {
            return prefix + "; no ip addresses allowed";
        }
        if (n.value().port() != null) {
            return prefix + "; no port allowed";
        }
        return null;
    }

    static String cookieName(String name) {
        return COOKIE_NAME.matcher(name).matches() ? null
                : "bad cookie name '" + name + "', allowed characters are A-Z, a-z, 0-9, '_', and '-'";
    }

    static String hostWithOptionalPort(String host) {
        return Validators.normalizeIp(host).error() == null ? null : "invalid value: " + host;
    }

    @Override
    public String name() {
        return "upstreams";
    }

    @Override
    EntitySchema schema() {
        return SCHEMA;
    }

    /**
     * Kong's shorthand fields, in Kong's order: {@code algorithm} = least-connections or latency clears
     * {@code hash_on}; then {@code hash_on} = none forces round-robin, any other value consistent-hashing.
     */
    @Override
    Map<String, Object> shorthands(Map<String, Object> input) {
        Map<String, Object> data = new LinkedHashMap<>(input);
        if (data.get("algorithm") instanceof String alg && (alg.equals("least-connections") || alg.equals("latency"))) {
            data.put("hash_on", null);
        }
        if (data.containsKey("hash_on")) {
            Object h = data.get("hash_on");
            if (h == null) {
                data.put("hash_on", "none");
            } else if (h.equals("none")) {
                data.put("algorithm", "round-robin");
            } else if (h instanceof String) {
                data.put("algorithm", "consistent-hashing");
            }
        }
        return data;
    }

    /** {@code PATCH} merges records ({@code healthchecks}) recursively, as Kong does. */
    @Override
    Map<String, Object> mergeForUpdate(Map<String, Object> stored, Map<String, Object> changes) {
        Map<String, Object> merged = new LinkedHashMap<>(stored);
        for (Map.Entry<String, Object> e : changes.entrySet()) {
            merged.put(e.getKey(), deepMerge(stored.get(e.getKey()), e.getValue()));
        }
        return merged;
    }

    @SuppressWarnings("unchecked")
    private static Object deepMerge(Object stored, Object change) {
        if (stored instanceof Map<?, ?> s && change instanceof Map<?, ?> c && !c.isEmpty()) {
            Map<String, Object> out = new LinkedHashMap<>((Map<String, Object>) s);
            for (Map.Entry<?, ?> e : c.entrySet()) {
                String k = String.valueOf(e.getKey());
                out.put(k, deepMerge(out.get(k), e.getValue()));
            }
            return out;
        }
        return change;
    }

    @Override
    public Map<UUID, Upstream> collection(EntitySet set) {
        return set.upstreams();
    }

    @Override
    public UUID id(Upstream u) {
        return u.id();
    }

    @Override
    public String endpointKey(Upstream u) {
        return u.name();
    }

    @Override
    public long createdAt(Upstream u) {
        return u.createdAt();
    }

    @Override
    public List<String> tags(Upstream u) {
        return u.tags();
    }

    @Override
    EntitySet with(EntitySet set, Upstream u) {
        return set.withUpstream(u);
    }

    @Override
    EntitySet without(EntitySet set, UUID id) {
        return set.withoutUpstream(id);
    }

    @Override
    public EntitySet withAll(EntitySet set, Map<UUID, Upstream> all) {
        return set.withAllUpstreams(all);
    }

    @Override
    void checkReferences(EntitySet set, Upstream u) {
        if (u.clientCertificate() != null && !set.certificates().containsKey(u.clientCertificate())) {
            throw EntityException.foreignKeyViolation("client_certificate", idRef(u.clientCertificate()), "certificates");
        }
    }

    @Override
    Upstream toRecord(Map<String, Object> d) {
        Object cc = d.get("client_certificate");
        return new Upstream(
                uuid(d.get("id")),
                str(d, "name"),
                Upstream.Algorithm.fromWire(str(d, "algorithm")),
                Upstream.HashOn.fromWire(str(d, "hash_on")),
                Upstream.HashOn.fromWire(str(d, "hash_fallback")),
                str(d, "hash_on_header"),
                str(d, "hash_fallback_header"),
                str(d, "hash_on_cookie"),
                str(d, "hash_on_cookie_path"),
                str(d, "hash_on_query_arg"),
                str(d, "hash_fallback_query_arg"),
                str(d, "hash_on_uri_capture"),
                str(d, "hash_fallback_uri_capture"),
                intOf(d, "slots"),
                HealthchecksSchema.decode(EntitySchema.stringMap(d.get("healthchecks"))),
                str(d, "host_header"),
                cc == null ? null : uuid(((Map<?, ?>) cc).get("id")),
                bool(d, "use_srv_name"),
                strings(d, "tags"),
                longOf(d, "created_at"),
                longOf(d, "updated_at"));
    }

    @Override
    public Map<String, Object> encode(Upstream u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", u.id().toString());
        m.put("created_at", u.createdAt());
        m.put("updated_at", u.updatedAt());
        m.put("name", u.name());
        m.put("algorithm", u.algorithm().wireName());
        m.put("hash_on", u.hashOn().wireName());
        m.put("hash_fallback", u.hashFallback().wireName());
        m.put("hash_on_header", u.hashOnHeader());
        m.put("hash_fallback_header", u.hashFallbackHeader());
        m.put("hash_on_cookie", u.hashOnCookie());
        m.put("hash_on_cookie_path", u.hashOnCookiePath());
        m.put("hash_on_query_arg", u.hashOnQueryArg());
        m.put("hash_fallback_query_arg", u.hashFallbackQueryArg());
        m.put("hash_on_uri_capture", u.hashOnUriCapture());
        m.put("hash_fallback_uri_capture", u.hashFallbackUriCapture());
        m.put("slots", u.slots());
        m.put("healthchecks", HealthchecksSchema.encode(u.healthchecks()));
        m.put("tags", u.tags());
        m.put("host_header", u.hostHeader());
        m.put("client_certificate", idRef(u.clientCertificate()));
        m.put("use_srv_name", u.useSrvName());
        return m;
    }

    /** The {@code healthchecks} record tree: schema, defaults, and conversion to and from the model. */
    static final class HealthchecksSchema {
        static final EntitySchema SCHEMA = define();

        private HealthchecksSchema() {
        }

        private static EntitySchema define() {
            Healthchecks d = Healthchecks.DEFAULTS;
            Field seconds = Field.of("seconds", Field.Type.NUMBER).between(0, 65535);
            Field oneByte = Field.integer("counter").between(0, 255);
            Field statuses = Field.array("http_statuses", Field.integer("status").between(100, 999));
            Field type = Field.string("type").oneOf(List.of("tcp", "http", "https", "grpc", "grpcs")).dflt("http");
            EntitySchema activeHealthy = record("healthy",
                    seconds.named("interval").dflt(d.active().healthy().interval()),
                    statuses.dflt(d.active().healthy().httpStatuses()),
                    oneByte.named("successes").dflt((long) d.active().healthy().successes()));
            EntitySchema activeUnhealthy = record("unhealthy",
                    seconds.named("interval").dflt(d.active().unhealthy().interval()),
                    statuses.dflt(d.active().unhealthy().httpStatuses()),
                    oneByte.named("tcp_failures").dflt(0L),
                    oneByte.named("timeouts").dflt(0L),
                    oneByte.named("http_failures").dflt(0L));
            EntitySchema active = record("active",
                    type,
                    seconds.named("timeout").dflt(d.active().timeout()),
                    Field.integer("concurrency").between(1, 1L << 31).dflt(d.active().concurrency()),
                    Field.string("http_path").dflt("/").startsWith("/")
                            .matchNone("//", "must not have empty segments").custom(Validators::path),
                    Field.string("https_sni").custom(Validators::wildcardHost),
                    Field.bool("https_verify_certificate").required().dflt(true),
                    Field.map("headers", Field.string("header").custom(Validators::headerName),
                            Field.array("values", Field.string("value"))),
                    Field.record("healthy", activeHealthy).dflt(encodeActiveHealthy(d.active().healthy())),
                    Field.record("unhealthy", activeUnhealthy).dflt(encodeActiveUnhealthy(d.active().unhealthy())));
            EntitySchema passiveHealthy = record("healthy",
                    statuses.dflt(d.passive().healthy().httpStatuses()),
                    oneByte.named("successes").dflt(0L));
            EntitySchema passiveUnhealthy = record("unhealthy",
                    statuses.dflt(d.passive().unhealthy().httpStatuses()),
                    oneByte.named("tcp_failures").dflt(0L),
                    oneByte.named("timeouts").dflt(0L),
                    oneByte.named("http_failures").dflt(0L));
            EntitySchema passive = record("passive",
                    type,
                    Field.record("healthy", passiveHealthy).dflt(encodePassiveHealthy(d.passive().healthy())),
                    Field.record("unhealthy", passiveUnhealthy).dflt(encodePassiveUnhealthy(d.passive().unhealthy())));
            return record("healthchecks",
                    Field.record("active", active).dflt(encodeActive(d.active())),
                    Field.record("passive", passive).dflt(encodePassive(d.passive())),
                    Field.of("threshold", Field.Type.NUMBER).between(0, 100).dflt(0.0));
        }

        private static EntitySchema record(String name, Field... fields) {
            return new EntitySchema(name, List.of(fields), List.of(), null, null);
        }

        // ------------------------------------------------------------ model -> JSON

        static Map<String, Object> encode(Healthchecks h) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("active", encodeActive(h.active()));
            m.put("passive", encodePassive(h.passive()));
            m.put("threshold", number(h.threshold()));
            return m;
        }

        private static Map<String, Object> encodeActive(Healthchecks.Active a) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", a.type());
            m.put("timeout", number(a.timeout()));
            m.put("concurrency", a.concurrency());
            m.put("http_path", a.httpPath());
            m.put("https_sni", a.httpsSni());
            m.put("https_verify_certificate", a.httpsVerifyCertificate());
            m.put("headers", a.headers() == null ? null : new LinkedHashMap<>(a.headers()));
            m.put("healthy", encodeActiveHealthy(a.healthy()));
            m.put("unhealthy", encodeActiveUnhealthy(a.unhealthy()));
            return m;
        }

        private static Map<String, Object> encodeActiveHealthy(Healthchecks.ActiveHealthy h) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("interval", number(h.interval()));
            m.put("http_statuses", new ArrayList<>(h.httpStatuses()));
            m.put("successes", h.successes());
            return m;
        }

        private static Map<String, Object> encodeActiveUnhealthy(Healthchecks.ActiveUnhealthy h) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("interval", number(h.interval()));
            m.put("http_statuses", new ArrayList<>(h.httpStatuses()));
            m.put("tcp_failures", h.tcpFailures());
            m.put("timeouts", h.timeouts());
            m.put("http_failures", h.httpFailures());
            return m;
        }

        private static Map<String, Object> encodePassive(Healthchecks.Passive p) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", p.type());
            m.put("healthy", encodePassiveHealthy(p.healthy()));
            m.put("unhealthy", encodePassiveUnhealthy(p.unhealthy()));
            return m;
        }

        private static Map<String, Object> encodePassiveHealthy(Healthchecks.PassiveHealthy h) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("http_statuses", new ArrayList<>(h.httpStatuses()));
            m.put("successes", h.successes());
            return m;
        }

        private static Map<String, Object> encodePassiveUnhealthy(Healthchecks.PassiveUnhealthy h) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("http_statuses", new ArrayList<>(h.httpStatuses()));
            m.put("tcp_failures", h.tcpFailures());
            m.put("timeouts", h.timeouts());
            m.put("http_failures", h.httpFailures());
            return m;
        }

        /** Whole numbers print without a fraction, as Lua's JSON encoder does. */
        private static Object number(double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
        }

        // ------------------------------------------------------------ JSON (validated, maybe partial) -> model

        static Healthchecks decode(Map<String, Object> m) {
            Healthchecks d = Healthchecks.DEFAULTS;
            if (m == null) {
                return d;
            }
            Map<String, Object> a = sub(m, "active");
            Map<String, Object> ah = sub(a, "healthy");
            Map<String, Object> au = sub(a, "unhealthy");
            Map<String, Object> p = sub(m, "passive");
            Map<String, Object> ph = sub(p, "healthy");
            Map<String, Object> pu = sub(p, "unhealthy");
            Healthchecks.Active da = d.active();
            Healthchecks.Passive dp = d.passive();
            return new Healthchecks(
                    new Healthchecks.Active(
                            s(a, "type", da.type()),
                            dbl(a, "timeout", da.timeout()),
                            lng(a, "concurrency", da.concurrency()),
                            s(a, "http_path", da.httpPath()),
                            a.containsKey("https_sni") ? (String) a.get("https_sni") : null,
                            a.get("https_verify_certificate") instanceof Boolean b ? b : da.httpsVerifyCertificate(),
                            headers(a.get("headers")),
                            new Healthchecks.ActiveHealthy(
                                    dbl(ah, "interval", da.healthy().interval()),
                                    ints(ah, "http_statuses", da.healthy().httpStatuses()),
                                    (int) lng(ah, "successes", da.healthy().successes())),
                            new Healthchecks.ActiveUnhealthy(
                                    dbl(au, "interval", da.unhealthy().interval()),
                                    ints(au, "http_statuses", da.unhealthy().httpStatuses()),
                                    (int) lng(au, "tcp_failures", 0),
                                    (int) lng(au, "timeouts", 0),
                                    (int) lng(au, "http_failures", 0))),
                    new Healthchecks.Passive(
                            s(p, "type", dp.type()),
                            new Healthchecks.PassiveHealthy(
                                    ints(ph, "http_statuses", dp.healthy().httpStatuses()),
                                    (int) lng(ph, "successes", 0)),
                            new Healthchecks.PassiveUnhealthy(
                                    ints(pu, "http_statuses", dp.unhealthy().httpStatuses()),
                                    (int) lng(pu, "tcp_failures", 0),
                                    (int) lng(pu, "timeouts", 0),
                                    (int) lng(pu, "http_failures", 0))),
                    dbl(m, "threshold", d.threshold()));
        }

        private static Map<String, Object> sub(Map<String, Object> m, String k) {
            Map<String, Object> s = EntitySchema.stringMap(m.get(k));
            return s == null ? Map.of() : s;
        }

        private static String s(Map<String, Object> m, String k, String dflt) {
            return m.get(k) instanceof String v ? v : dflt;
        }

        private static double dbl(Map<String, Object> m, String k, double dflt) {
            return m.get(k) instanceof Number n ? n.doubleValue() : dflt;
        }

        private static long lng(Map<String, Object> m, String k, long dflt) {
            return m.get(k) instanceof Number n ? n.longValue() : dflt;
        }

        private static List<Integer> ints(Map<String, Object> m, String k, List<Integer> dflt) {
            List<?> l = m.get(k) == null ? null : EntitySchema.asList(m.get(k));
            if (l == null) {
                return dflt;
            }
            List<Integer> out = new ArrayList<>();
            for (Object o : l) {
                out.add(((Number) o).intValue());
            }
            return out;
        }

        private static Map<String, List<String>> headers(Object v) {
            Map<String, Object> m = v == null ? null : EntitySchema.stringMap(v);
            if (m == null) {
                return null;
            }
            Map<String, List<String>> out = new LinkedHashMap<>();
            m.forEach((k, vals) -> {
                List<String> l = new ArrayList<>();
                List<?> list = EntitySchema.asList(vals);
                if (list != null) {
                    list.forEach(o -> l.add(String.valueOf(o)));
                } else {
                    l.add(String.valueOf(vals));
                }
                out.put(k, l);
            });
            return out;
        }
    }
}
