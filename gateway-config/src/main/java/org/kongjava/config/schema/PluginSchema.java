package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Plugin;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

/**
 * Kong's Plugin entity ({@code kong/db/schema/entities/plugins.lua}) limited to the one plugin kong-java ships,
 * {@code ip-restriction} ({@code kong/plugins/ip-restriction/schema.lua}):
 * <ul>
 *   <li>{@code name}: any other plugin is {@code plugin '<x>' not enabled; add it to the 'plugins' configuration
 *       property} (as Kong answers for a plugin missing from kong.conf's {@code plugins}).</li>
 *   <li>{@code config}: {@code allow} and {@code deny} (arrays of IPs or CIDR ranges, each checked with
 *       {@code invalid ip or cidr range: '<x>'}), {@code status} (number) and {@code message} (string), all
 *       optional; at least one of {@code config.allow} / {@code config.deny} must be non-empty.</li>
 *   <li>{@code route}, {@code service}: optional scope (foreign keys, by id or name); {@code consumer} is a foreign
 *       key too, but kong-java has no consumers, so any value is a foreign key violation.</li>
 *   <li>Unique: {@code (name, route, service, consumer)} and {@code instance_name}; PATCH merges {@code config}.</li>
 * </ul>
 * Deleting a route or service deletes its plugins ({@link EntitySet#withoutRoute}, {@link EntitySet#withoutService}).
 */
public final class PluginSchema extends EntityType<Plugin> {
    /** The only instance. */
    public static final PluginSchema INSTANCE = new PluginSchema();

    /** The plugins this node has (Kong's {@code plugins} kong.conf property, fixed here). */
    public static final List<String> AVAILABLE = List.of("ip-restriction");

    /** Kong's ip-restriction version and priority, as {@code GET /} lists them under {@code available_on_server}. */
    public static final int IP_RESTRICTION_PRIORITY = 990;

    /** ip-restriction's default {@code protocols}. */
    static final List<String> IP_RESTRICTION_PROTOCOLS = List.of("grpc", "grpcs", "http", "https", "tcp", "tls");

    private static final List<String> CONFIG_FIELDS = List.of("allow", "deny", "status", "message");

    static final EntitySchema SCHEMA = define();

    private PluginSchema() {
    }

    private static EntitySchema define() {
        Field ipOrCidr = Field.string("ip").custom(Validators::ipOrCidr);
        EntitySchema config = new EntitySchema("config", List.of(
                Field.array("allow", ipOrCidr),
                Field.array("deny", ipOrCidr),
                Field.of("status", Field.Type.NUMBER),
                Field.string("message")), List.of(), null, null);
        List<Field> fields = List.of(
                Fields.id(),
                Field.string("name").required(),
                Field.string("instance_name").unique().custom(Validators::utf8Name),
                Fields.timestamp("created_at"),
                Fields.timestamp("updated_at"),
                Field.foreign("route", () -> RouteSchema.SCHEMA),
                Field.foreign("service", () -> ServiceSchema.SCHEMA),
                Field.foreign("consumer", () -> ConsumerRef.SCHEMA),
                Field.record("config", config),
                Field.set("protocols", Fields.protocol("protocol").required()).dflt(IP_RESTRICTION_PROTOCOLS),
                Field.bool("enabled").required().dflt(true),
                Fields.tags(),
                Field.map("ordering", Field.string("phase"), Field.string("plugins")).eqNull());
        EntityCheck allowOrDeny = (input, s, errors) -> {
            Map<String, Object> c = EntitySchema.stringMap(input.get("config"));
            if (c == null || !EntityCheck.isNonEmpty(c.get("allow")) && !EntityCheck.isNonEmpty(c.get("deny"))) {
                EntityCheck.addEntityError(errors, "at least one of these fields must be non-empty: 'config.allow', 'config.deny'");
            }
        };
        return new EntitySchema("plugins", fields, List.of(allowOrDeny), null, null);
    }

    /** Kong's answer for a plugin this node does not have. */
    static String notEnabled(String name) {
        return "plugin '" + name + "' not enabled; add it to the 'plugins' configuration property";
    }

    /** Whether this node can run plugin {@code name}. */
    public static boolean isAvailable(String name) {
        return AVAILABLE.contains(name);
    }

    @Override
    public String name() {
        return "plugins";
    }

    @Override
    EntitySchema schema() {
        return SCHEMA;
    }

    @Override
    public String endpointKeyField() {
        return "instance_name";
    }

    /** An unknown plugin name is refused before anything else: its config is not ip-restriction's to judge. */
    @Override
    Map<String, Object> shorthands(Map<String, Object> input) {
        if (input.get("name") instanceof String n && !isAvailable(n)) {
            throw SchemaViolation.of("name", notEnabled(n));
        }
        return input;
    }

    /** Kong's PATCH merges the {@code config} record: fields not given keep their stored values. */
    @Override
    Map<String, Object> mergeForUpdate(Map<String, Object> stored, Map<String, Object> changes) {
        Map<String, Object> merged = new LinkedHashMap<>(stored);
        merged.putAll(changes);
        Map<String, Object> oldConfig = EntitySchema.stringMap(stored.get("config"));
        Map<String, Object> newConfig = EntitySchema.stringMap(changes.get("config"));
        if (oldConfig != null && newConfig != null) {
            Map<String, Object> c = new LinkedHashMap<>(oldConfig);
            c.putAll(newConfig);
            merged.put("config", c);
        }
        return merged;
    }

    /** {@code route} and {@code service} may be given by name (Kong's {@code resolve_foreign}); no consumers exist. */
    @Override
    Map<String, Object> resolveForeign(EntitySet set, Map<String, Object> data) {
        Map<String, Object> consumer = EntitySchema.stringMap(data.get("consumer"));
        if (consumer != null && !consumer.isEmpty()) {
            throw EntityException.foreignKeyViolation("consumer", consumer, "consumers");
        }
        Map<String, Object> next = data;
        next = byName(next, "route", "routes", set.routes().values().stream().map(r -> new Named(r.id(), r.name())).toList());
        next = byName(next, "service", "services", set.services().values().stream().map(s -> new Named(s.id(), s.name())).toList());
        return next;
    }

    private record Named(UUID id, String name) {
    }

    private static Map<String, Object> byName(Map<String, Object> data, String field, String parent, List<Named> all) {
        Map<String, Object> ref = EntitySchema.stringMap(data.get(field));
        if (ref == null || ref.isEmpty() || ref.get("id") instanceof String s && isUuid(s)) {
            return data;
        }
        if (!(ref.get("name") instanceof String n) || n.isEmpty()) {
            return data;
        }
        Named found = all.stream().filter(x -> n.equals(x.name())).findFirst().orElse(null);
        if (found == null) {
            throw EntityException.foreignKeyUnresolved(field, "name", n, parent);
        }
        Map<String, Object> next = new LinkedHashMap<>(data);
        next.put(field, idRef(found.id()));
        return next;
    }

    @Override
    void checkReferences(EntitySet set, Plugin p) {
        if (p.routeId() != null && !set.routes().containsKey(p.routeId())) {
            throw EntityException.foreignKeyViolation("route", idRef(p.routeId()), "routes");
        }
        if (p.serviceId() != null && !set.services().containsKey(p.serviceId())) {
            throw EntityException.foreignKeyViolation("service", idRef(p.serviceId()), "services");
        }
    }

    @Override
    void checkUnique(EntitySet set, Plugin p) {
        for (Plugin other : set.plugins().values()) {
            if (other.id().equals(p.id())) {
                continue;
            }
            if (p.instanceName() != null && p.instanceName().equals(other.instanceName())) {
                throw EntityException.uniqueViolation(Map.of("instance_name", p.instanceName()));
            }
            if (other.name().equals(p.name()) && Objects.equals(other.routeId(), p.routeId())
                    && Objects.equals(other.serviceId(), p.serviceId())) {
                Map<String, Object> key = new LinkedHashMap<>();
                key.put("consumer", null);
                key.put("name", p.name());
                key.put("route", idRef(p.routeId()));
                key.put("service", idRef(p.serviceId()));
                throw EntityException.uniqueViolation(key);
            }
        }
    }

    /** The plugins scoped to a route, in page order ({@code GET /routes/{r}/plugins}). */
    public List<Plugin> ofRoute(EntitySet set, Route r) {
        return ordered(set).stream().filter(p -> r.id().equals(p.routeId())).toList();
    }

    /** The plugins scoped to a service, in page order ({@code GET /services/{s}/plugins}). */
    public List<Plugin> ofService(EntitySet set, Service s) {
        return ordered(set).stream().filter(p -> s.id().equals(p.serviceId())).toList();
    }

    @Override
    public Map<UUID, Plugin> collection(EntitySet set) {
        return set.plugins();
    }

    @Override
    public UUID id(Plugin p) {
        return p.id();
    }

    @Override
    public String endpointKey(Plugin p) {
        return p.instanceName();
    }

    @Override
    public long createdAt(Plugin p) {
        return p.createdAt();
    }

    @Override
    public List<String> tags(Plugin p) {
        return p.tags();
    }

    @Override
    public EntitySet withAll(EntitySet set, Map<UUID, Plugin> all) {
        return set.withAllPlugins(all);
    }

    @Override
    EntitySet with(EntitySet set, Plugin p) {
        return set.withPlugin(p);
    }

    @Override
    EntitySet without(EntitySet set, UUID id) {
        return set.withoutPlugin(id);
    }

    @Override
    Plugin toRecord(Map<String, Object> d) {
        Map<String, Object> given = EntitySchema.stringMap(d.get("config"));
        Map<String, Object> config = new LinkedHashMap<>();
        for (String k : CONFIG_FIELDS) {
            Object v = given == null ? null : given.get(k);
            config.put(k, v instanceof List<?> l ? List.copyOf(new ArrayList<>(l)) : v);
        }
        return new Plugin(uuid(d.get("id")), str(d, "name"), str(d, "instance_name"), refId(d.get("route")),
                refId(d.get("service")), config, strings(d, "protocols"), bool(d, "enabled"), strings(d, "tags"),
                longOf(d, "created_at"), longOf(d, "updated_at"));
    }

    private static UUID refId(Object ref) {
        Map<String, Object> m = EntitySchema.stringMap(ref);
        return m == null ? null : uuid(m.get("id"));
    }

    @Override
    public Map<String, Object> encode(Plugin p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id().toString());
        m.put("name", p.name());
        m.put("instance_name", p.instanceName());
        m.put("created_at", p.createdAt());
        m.put("updated_at", p.updatedAt());
        m.put("route", idRef(p.routeId()));
        m.put("service", idRef(p.serviceId()));
        m.put("consumer", null);
        m.put("config", new LinkedHashMap<>(p.config()));
        m.put("protocols", p.protocols());
        m.put("enabled", p.enabled());
        m.put("tags", p.tags());
        m.put("ordering", null);
        return m;
    }

    /** The referenced consumers schema, reduced to its primary key. */
    static final class ConsumerRef {
        static final EntitySchema SCHEMA = new EntitySchema("consumers", List.of(Fields.id()), List.of(), null, null);

        private ConsumerRef() {
        }
    }
}
