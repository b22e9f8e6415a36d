package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.kongjava.config.model.EntitySet;

/**
 * One kind of entity (services, routes) with Kong's write semantics on an {@link EntitySet}: decode and
 * validate a JSON-like input, apply defaults, check primary, unique and foreign keys, and produce the next
 * set. Pure functions of their arguments (the clock is passed in), so they run on the config-writer thread
 * and in plain unit tests alike.
 *
 * @param <T> the model record
 */
public abstract sealed class EntityType<T>
        permits ServiceSchema, RouteSchema, CertificateSchema, SniSchema, UpstreamSchema, TargetSchema,
        CaCertificateSchema, PluginSchema {
    private static final Pattern UUID_RE =
            Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", Pattern.CASE_INSENSITIVE);

    /** The result of a write: the next entity set and the entity as stored. */
    public record Written<T>(EntitySet next, T entity) {
    }

    /** Kong's collection name, e.g. {@code services}. */
    public abstract String name();

    /** The schema engine's definition of this entity. */
    abstract EntitySchema schema();

    /** All entities of this kind in a set, by id. */
    public abstract Map<UUID, T> collection(EntitySet set);

    public abstract UUID id(T entity);

    /** The endpoint key value ({@code name}), or null. */
    public abstract String endpointKey(T entity);

    public abstract long createdAt(T entity);

    public abstract List<String> tags(T entity);

    /** Kong's JSON shape: every field present, null when unset. */
    public abstract Map<String, Object> encode(T entity);

    /** Builds the record from validated, defaulted data. */
    abstract T toRecord(Map<String, Object> data);

    abstract EntitySet with(EntitySet set, T entity);

    abstract EntitySet without(EntitySet set, UUID id);

    /** Entity-specific rewriting before defaults (the service {@code url} shorthand). */
    Map<String, Object> shorthands(Map<String, Object> input) {
        return input;
    }

    /** Entity-specific foreign key resolution (route {@code service} by name). */
    Map<String, Object> resolveForeign(EntitySet set, Map<String, Object> data) {
        return data;
    }

    /** Entity-specific reference checks after validation (foreign key violations). */
    void checkReferences(EntitySet set, T entity) {
    }

    /** Entity-specific delete restrictions (a service still used by routes). */
    void checkDelete(EntitySet set, T entity) {
    }

    /**
     * {@code PATCH}: the stored entity's JSON with the changes applied. Top-level fields replace; entities
     * with record fields (upstream {@code healthchecks}) merge those recursively.
     */
    Map<String, Object> mergeForUpdate(Map<String, Object> stored, Map<String, Object> changes) {
        Map<String, Object> merged = new LinkedHashMap<>(stored);
        merged.putAll(changes);
        return merged;
    }

    /** Whether a path segment is a UUID (then it addresses {@code id}, else the endpoint key). */
    public static boolean isUuid(String s) {
        return s != null && s.length() == 36 && UUID_RE.matcher(s).matches();
    }

    /** Finds by id when {@code idOrKey} is a UUID, else by endpoint key; null when absent. */
    public T find(EntitySet set, String idOrKey) {
        if (isUuid(idOrKey)) {
            return collection(set).get(UUID.fromString(idOrKey));
        }
        for (T e : collection(set).values()) {
            if (idOrKey.equals(endpointKey(e))) {
                return e;
            }
        }
        return null;
    }

    /**
     * Coerces form or query arguments (strings, lists of strings, nested maps from {@link FormArgs}) to
     * the field types, as Kong's {@code arguments.infer} does: numbers via tonumber, booleans from
     * {@code "true"}/{@code "false"}, {@code ""} to null, a single value to a one-element array.
     */
    public Map<String, Object> inferForm(Map<String, Object> args) {
        return FormArgs.infer(args, schema(), extraFormFields());
    }

    /** Write-only fields that forms may carry besides the schema's (shorthands). */
    List<Field> extraFormFields() {
        return List.of();
    }

    /** Validates a complete input as a new entity (no set-level checks); throws {@link SchemaViolation}. */
    public T decode(Map<String, Object> input, long now) {
        Map<String, Object> data = schema().processAutoFields(shorthands(input), EntitySchema.Context.INSERT, now);
        throwIfInvalid(schema().validate(data, true));
        return toRecord(data);
    }

    /**
     * Rebuilds an entity from its stored (or declared) Kong JSON: validated like {@link #decode}, but the
     * given {@code id}, {@code created_at} and {@code updated_at} are kept, so a load reproduces exactly
     * what was written. Missing ones are filled in as on insert.
     */
    public T restore(Map<String, Object> stored, long now) {
        Map<String, Object> data = schema().processAutoFields(shorthands(stored), EntitySchema.Context.INSERT, now);
        Object updated = stored.get("updated_at");
        if (updated != null) {
            data.put("updated_at", updated);
        }
        throwIfInvalid(schema().validate(data, true));
        return toRecord(data);
    }

    /**
     * Rebuilds an entity from a document this code encoded itself ({@link #encode}, every field present) without
     * validating it again: a store's load of 10,000 routes must be fast. A document that does not fit (written
     * by hand, or by another release) goes through {@link #restore}, which validates and names what is wrong.
     */
    public T fromStored(Map<String, Object> doc, long now) {
        try {
            if (doc.get("id") != null && doc.get("created_at") != null && doc.get("updated_at") != null) {
                return toRecord(doc);
            }
        } catch (RuntimeException notOurs) {
            // fall through to the validating path
        }
        return restore(doc, now);
    }

    /** The endpoint key's field name ({@code name} for services and routes). */
    public String endpointKeyField() {
        return "name";
    }

    /**
     * The set with this kind's whole collection replaced (same version): for loaders that build a set in
     * one go instead of one entity at a time.
     */
    public abstract EntitySet withAll(EntitySet set, Map<UUID, T> all);

    /** {@code POST}: creates an entity; missing fields get defaults. */
    public Written<T> insert(EntitySet set, Map<String, Object> input, long now) {
        Map<String, Object> data = schema().processAutoFields(shorthands(input), EntitySchema.Context.INSERT, now);
        data = resolveForeign(set, data);
        throwIfInvalid(schema().validate(data, true));
        T e = toRecord(data);
        if (collection(set).containsKey(id(e))) {
            throw EntityException.primaryKeyViolation(pk(id(e)));
        }
        checkUnique(set, e);
        checkReferences(set, e);
        return new Written<>(with(set, e), e);
    }

    /**
     * {@code PATCH}: given top-level fields replace the stored ones. A missing entity is a not-found error
     * ({@code could not find the entity with primary key '{id="…"}'} or {@code … with '{name="…"}'}).
     */
    public Written<T> update(EntitySet set, String key, Map<String, Object> input, long now) {
        Map<String, Object> changes = schema().processAutoFields(shorthands(input), EntitySchema.Context.UPDATE, now);
        T existing = find(set, key);
        if (existing == null) {
            throw isUuid(key) ? EntityException.notFound(pk(key)) : EntityException.notFoundByField(Map.of(endpointKeyField(), key));
        }
        Map<String, Object> merged = mergeForUpdate(encode(existing), changes);
        merged.put("id", id(existing).toString()); // the primary key is not updatable
        merged = resolveForeign(set, merged);
        throwIfInvalid(schema().validate(merged, false));
        T e = toRecord(merged);
        checkUnique(set, e);
        checkReferences(set, e);
        return new Written<>(with(set, e), e);
    }

    /**
     * {@code PUT}: full replacement, creating when absent. A UUID key upserts by id; any other key upserts
     * by endpoint key (the URL value wins over the body) and keeps the stored entity's id.
     */
    public Written<T> upsert(EntitySet set, String key, Map<String, Object> input, long now) {
        Map<String, Object> data = new LinkedHashMap<>(shorthands(input));
        T existing = find(set, key);
        if (isUuid(key)) {
            data.put("id", key.toLowerCase(java.util.Locale.ROOT));
        } else {
            data.put(endpointKeyField(), key);
            if (existing != null) {
                data.put("id", id(existing).toString());
            }
        }
        data = schema().processAutoFields(data, EntitySchema.Context.UPSERT, now);
        data = resolveForeign(set, data);
        throwIfInvalid(schema().validate(data, true));
        T e = toRecord(data);
        if (existing == null && collection(set).containsKey(id(e))) {
            throw EntityException.primaryKeyViolation(pk(id(e)));
        }
        checkUnique(set, e);
        checkReferences(set, e);
        return new Written<>(with(set, e), e);
    }

    /** {@code DELETE}: the next set without the entity; refuses when others still reference it. */
    public EntitySet delete(EntitySet set, T entity) {
        checkDelete(set, entity);
        return without(set, id(entity));
    }

    /** All entities, ordered by creation time then id: the stable order pages are cut from. */
    public List<T> ordered(EntitySet set) {
        List<T> all = new ArrayList<>(collection(set).values());
        all.sort((a, b) -> {
            int c = Long.compare(createdAt(a), createdAt(b));
            return c != 0 ? c : id(a).toString().compareTo(id(b).toString());
        });
        return all;
    }

    /** Unique-key check on write; targets are unique per upstream, not globally. */
    void checkUnique(EntitySet set, T e) {
        String name = endpointKey(e);
        if (name == null) {
            return;
        }
        for (T other : collection(set).values()) {
            if (!id(other).equals(id(e)) && name.equals(endpointKey(other))) {
                throw EntityException.uniqueViolation(Map.of("name", name));
            }
        }
    }

    static Map<String, Object> pk(Object id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", String.valueOf(id));
        return m;
    }

    static void throwIfInvalid(Map<String, Object> errors) {
        if (!errors.isEmpty()) {
            throw new SchemaViolation(errors);
        }
    }

    // ---------------------------------------------------------------- decoding helpers for toRecord

    static String str(Map<String, Object> d, String k) {
        return (String) d.get(k);
    }

    static int intOf(Map<String, Object> d, String k) {
        return ((Number) d.get(k)).intValue();
    }

    static Integer intOrNull(Map<String, Object> d, String k) {
        Object v = d.get(k);
        return v == null ? null : ((Number) v).intValue();
    }

    static long longOf(Map<String, Object> d, String k) {
        return ((Number) d.get(k)).longValue();
    }

    static boolean bool(Map<String, Object> d, String k) {
        return (Boolean) d.get(k);
    }

    static List<String> strings(Map<String, Object> d, String k) {
        Object v = d.get(k);
        if (v == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object o : (Collection<?>) EntitySchema.asList(v)) {
            out.add((String) o);
        }
        return out;
    }

    static UUID uuid(Object v) {
        return v == null ? null : UUID.fromString((String) v);
    }

    static Map<String, Object> idRef(UUID id) {
        if (id == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id.toString());
        return m;
    }
}
