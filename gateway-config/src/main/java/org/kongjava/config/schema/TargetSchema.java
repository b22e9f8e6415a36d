package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Target;

/**
 * Kong's Target entity ({@code kong/db/schema/entities/targets.lua} and {@code kong/db/dao/targets.lua}):
 * {@code target} is normalized before validation ({@code host:port}, {@code [ipv6]:port}, port 8000 when
 * omitted), {@code weight} is 0..65535 (default 100), and {@code (upstream, target)} is unique.
 * <p>
 * Unlike other entities, targets keep millisecond timestamps: the {@code now} passed to this type's
 * {@code insert}/{@code update}/{@code upsert} is in <b>milliseconds</b>, and JSON shows seconds with a
 * millisecond fraction ({@code 1700000000.123}), as Kong does.
 */
public final class TargetSchema extends EntityType<Target> {
    /** The only instance. */
    public static final TargetSchema INSTANCE = new TargetSchema();

    /** Kong's default target port. */
    public static final int DEFAULT_PORT = 8000;

    static final String INVALID = "Invalid target; not a valid hostname or ip address";

    static final EntitySchema SCHEMA = define();

    private TargetSchema() {
    }

    private static EntitySchema define() {
        Field millis = Field.of("ts", Field.Type.NUMBER).timestamp().auto();
        List<Field> fields = List.of(
                Fields.id(),
                millis.named("created_at"),
                millis.named("updated_at"),
                Field.foreign("upstream", () -> UpstreamRef.SCHEMA).required(),
                Field.string("target").required().custom(TargetSchema::validateTarget),
                Field.integer("weight").dflt(100L).between(0, 65535),
                Fields.tags());
        return new EntitySchema("targets", fields, List.of(), null, null);
    }

    static String validateTarget(String target) {
        if (Validators.normalizeIp(target).error() == null) {
            return null;
        }
        return Validators.validUtf8(target) ? "Invalid target ('" + target + "'); not a valid hostname or ip address"
                : INVALID;
    }

    /**
     * Kong's {@code format_target}: {@code host:port} with port 8000 when omitted; IPv4 without leading
     * zeros, IPv6 fully expanded, lower-case and in brackets; names as given. Null when not a valid target.
     */
    public static String normalize(String target) {
        if (target == null) {
            return null;
        }
        Validators.Normalized n = Validators.normalizeIp(target);
        if (n.error() != null) {
            return null;
        }
        long port = n.value().port() == null ? DEFAULT_PORT : n.value().port();
        String host = n.value().host();
        return switch (n.value().kind()) {
            case "ipv4" -> {
                int colon = host.indexOf(':');
                String[] p = (colon < 0 ? host : host.substring(0, colon)).split("\\.");
                yield Integer.parseInt(p[0]) + "." + Integer.parseInt(p[1]) + "." + Integer.parseInt(p[2]) + "."
                        + Integer.parseInt(p[3]) + ":" + port;
            }
            case "ipv6" -> "[" + expandIpv6(host) + "]:" + port;
            default -> host + ":" + port;
        };
    }

    /** The full form Kong stores ({@code 0000:...:0001}); the address was validated before. */
    static String expandIpv6(String s) {
        StringBuilder out = new StringBuilder();
        for (String g : Validators.ipv6Groups(s)) {
            if (!out.isEmpty()) {
                out.append(':');
            }
            out.append("0".repeat(4 - g.length())).append(g);
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    @Override
    public String name() {
        return "targets";
    }

    @Override
    EntitySchema schema() {
        return SCHEMA;
    }

    /**
     * The DAO's formatting step, before the schema sees the input: the target is normalized (an invalid one
     * is {@code Invalid target; not a valid hostname or ip address}); given timestamps (seconds) become millis.
     */
    @Override
    Map<String, Object> shorthands(Map<String, Object> input) {
        Map<String, Object> data = new LinkedHashMap<>(input);
        if (data.get("target") instanceof String t) {
            String n = normalize(t);
            if (n == null) {
                throw SchemaViolation.of("target", INVALID);
            }
            data.put("target", n);
        }
        for (String k : List.of("created_at", "updated_at")) {
            if (data.get(k) instanceof Number n) {
                data.put(k, toMillis(n));
            }
        }
        return data;
    }

    /**
     * A target timestamp in milliseconds. JSON carries seconds (with a millisecond fraction); values that are
     * already milliseconds (this type's clock, above 10^11, i.e. after 1973) are kept, so every path (insert,
     * update, restore from a store, a loader passing seconds as "now") ends in milliseconds.
     */
    static long toMillis(Number n) {
        double d = n.doubleValue();
        return d < 1e11 ? Math.round(d * 1000) : Math.round(d);
    }

    @Override
    Map<String, Object> mergeForUpdate(Map<String, Object> stored, Map<String, Object> changes) {
        Map<String, Object> merged = new LinkedHashMap<>(stored);
        merged.put("created_at", toMillis((Number) stored.get("created_at")));
        merged.putAll(changes);
        return merged;
    }

    @Override
    public EntitySet withAll(EntitySet set, Map<UUID, Target> all) {
        return set.withAllTargets(all);
    }

    @Override
    public String endpointKeyField() {
        return "target";
    }

    @Override
    void checkUnique(EntitySet set, Target t) {
        for (Target other : set.targets().values()) {
            if (!other.id().equals(t.id()) && other.upstreamId().equals(t.upstreamId()) && other.target().equals(t.target())) {
                Map<String, Object> key = new LinkedHashMap<>();
                key.put("target", t.target());
                key.put("upstream", idRef(t.upstreamId()));
                throw EntityException.uniqueViolation(key);
            }
        }
    }

    @Override
    void checkReferences(EntitySet set, Target t) {
        if (!set.upstreams().containsKey(t.upstreamId())) {
            throw EntityException.foreignKeyViolation("upstream", idRef(t.upstreamId()), "upstreams");
        }
    }

    /** The targets of one upstream, newest first (Kong's {@code GET /upstreams/{u}/targets} order). */
    public List<Target> ofUpstream(EntitySet set, UUID upstreamId) {
        List<Target> out = new ArrayList<>();
        for (Target t : set.targets().values()) {
            if (t.upstreamId().equals(upstreamId)) {
                out.add(t);
            }
        }
        out.sort(Comparator.comparingLong(Target::createdAtMillis).thenComparing(t -> t.id().toString()).reversed());
        return out;
    }

    /** A target of the upstream by id, or by {@code host[:port]} (normalized first); null when absent. */
    public Target findIn(EntitySet set, UUID upstreamId, String idOrTarget) {
        if (isUuid(idOrTarget)) {
            Target t = set.targets().get(UUID.fromString(idOrTarget));
            return t != null && t.upstreamId().equals(upstreamId) ? t : null;
        }
        String n = normalize(idOrTarget);
        if (n == null) {
            return null;
        }
        for (Target t : ofUpstream(set, upstreamId)) {
            if (t.target().equals(n)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public Map<UUID, Target> collection(EntitySet set) {
        return set.targets();
    }

    @Override
    public UUID id(Target t) {
        return t.id();
    }

    @Override
    public String endpointKey(Target t) {
        return t.target();
    }

    @Override
    public long createdAt(Target t) {
        return t.createdAtMillis();
    }

    @Override
    public List<String> tags(Target t) {
        return t.tags();
    }

    @Override
    EntitySet with(EntitySet set, Target t) {
        return set.withTarget(t);
    }

    @Override
    EntitySet without(EntitySet set, UUID id) {
        return set.withoutTarget(id);
    }

    @Override
    Target toRecord(Map<String, Object> d) {
        return new Target(
                uuid(d.get("id")),
                uuid(((Map<?, ?>) d.get("upstream")).get("id")),
                str(d, "target"),
                intOf(d, "weight"),
                strings(d, "tags"),
                toMillis((Number) d.get("created_at")),
                toMillis((Number) d.get("updated_at")));
    }

    @Override
    public Map<String, Object> encode(Target t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id().toString());
        m.put("created_at", seconds(t.createdAtMillis()));
        m.put("updated_at", seconds(t.updatedAtMillis()));
        m.put("upstream", idRef(t.upstreamId()));
        m.put("target", t.target());
        m.put("weight", t.weight());
        m.put("tags", t.tags());
        return m;
    }

    /** Seconds with a millisecond fraction; whole seconds print as an integer, like Lua's JSON encoder. */
    static Object seconds(long millis) {
        if (millis % 1000 == 0) {
            return millis / 1000;
        }
        return new java.math.BigDecimal(millis).movePointLeft(3).doubleValue();
    }

    /** The referenced upstreams schema, reduced to its primary key. */
    static final class UpstreamRef {
        static final EntitySchema SCHEMA = new EntitySchema("upstreams", List.of(Fields.id()), List.of(), null, null);

        private UpstreamRef() {
        }
    }
}
