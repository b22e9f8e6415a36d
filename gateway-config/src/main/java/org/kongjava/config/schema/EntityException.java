package org.kongjava.config.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A database or schema error shaped like Kong's {@code kong/db/errors.lua}: a numeric {@code code}, a
 * {@code name}, a {@code message} and, for most kinds, a {@code fields} (or {@code options}) table. The
 * Admin API turns it into a response with {@link #httpStatus()} and {@link #toJsonMap()}.
 * <p>
 * Extends {@link IllegalArgumentException} because every kind is the caller's mistake, never a bug: the
 * config writer reports those to the caller instead of logging them as errors.
 */
public class EntityException extends IllegalArgumentException {
    public static final int INVALID_PRIMARY_KEY = 1;
    public static final int SCHEMA_VIOLATION = 2;
    public static final int PRIMARY_KEY_VIOLATION = 3;
    public static final int FOREIGN_KEY_VIOLATION = 4;
    public static final int UNIQUE_VIOLATION = 5;
    public static final int NOT_FOUND = 6;
    public static final int INVALID_OFFSET = 7;
    public static final int DATABASE_ERROR = 8;
    public static final int INVALID_SIZE = 9;
    public static final int INVALID_OPTIONS = 11;
    public static final int OPERATION_UNSUPPORTED = 12;
    public static final int FOREIGN_KEYS_UNRESOLVED = 13;
    public static final int INVALID_DECLARATIVE_CONFIGURATION = 14;
    public static final int REFERENCED_BY_OTHERS = 19;

    private final int code;
    private final String errorName;
    private final Map<String, Object> fields;
    private transient List<Map<String, Object>> flattenedErrors = List.of();

    EntityException(int code, String errorName, String message, Map<String, Object> fields) {
        super(message);
        this.code = code;
        this.errorName = errorName;
        this.fields = fields;
    }

    /** Kong's numeric error code (2 = schema violation, 5 = unique violation, ...). */
    public int code() {
        return code;
    }

    /** Kong's error name, e.g. {@code "schema violation"}. */
    public String errorName() {
        return errorName;
    }

    /** The HTTP status the Admin API answers with, per {@code kong/api/endpoints.lua}. */
    public int httpStatus() {
        return switch (code) {
            case UNIQUE_VIOLATION -> 409;
            case NOT_FOUND -> 404;
            case OPERATION_UNSUPPORTED -> 405;
            case DATABASE_ERROR -> 500;
            default -> 400;
        };
    }

    /** The field table, or null when this kind has none. */
    public Map<String, Object> fields() {
        return fields;
    }

    /** The response body: {@code code}, {@code name}, {@code message} and {@code fields}/{@code options} when present. */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("code", code);
        m.put("name", errorName);
        m.put("message", getMessage());
        if (fields != null) {
            m.put(code == INVALID_OPTIONS ? "options" : "fields", fields);
        }
        return m;
    }

    /** {@code invalid primary key: '{id="x"}'} (code 1). */
    public static EntityException invalidPrimaryKey(Map<String, Object> pk) {
        return new EntityException(INVALID_PRIMARY_KEY, "invalid primary key",
                "invalid primary key: '" + LuaPretty.inline(pk) + "'", new LinkedHashMap<>(pk));
    }

    /** {@code primary key violation on key '{id="…"}'} (code 3). */
    public static EntityException primaryKeyViolation(Map<String, Object> pk) {
        return new EntityException(PRIMARY_KEY_VIOLATION, "primary key violation",
                "primary key violation on key '" + LuaPretty.inline(pk) + "'", new LinkedHashMap<>(pk));
    }

    /** A foreign key that names no existing entity (code 4), e.g. {@code service = {id="…"}}. */
    public static EntityException foreignKeyViolation(String field, Map<String, Object> foreignKey, String parent) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(field, new LinkedHashMap<>(foreignKey));
        return new EntityException(FOREIGN_KEY_VIOLATION, "foreign key violation",
                "the foreign key '" + LuaPretty.inline(foreignKey) + "' does not reference an existing '" + parent + "' entity.", f);
    }

    /** Deleting a parent that children still reference (code 4, {@code @referenced_by}). */
    public static EntityException foreignKeyRestricted(String parent, String child) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("@referenced_by", child);
        return new EntityException(FOREIGN_KEY_VIOLATION, "foreign key violation",
                "an existing '" + child + "' entity references this '" + parent + "' entity", f);
    }

    /**
     * Deleting an entity that others reference by a plain id list rather than a foreign key (code 19, HTTP 400),
     * e.g. {@code ca certificate <id> is still referenced by services (id = <id>)}.
     */
    public static EntityException referencedByOthers(String message) {
        return new EntityException(REFERENCED_BY_OTHERS, "referenced by others", message, null);
    }

    /** {@code UNIQUE violation detected on '{name="svc"}'} (code 5, HTTP 409). */
    public static EntityException uniqueViolation(Map<String, Object> key) {
        return new EntityException(UNIQUE_VIOLATION, "unique constraint violation",
                "UNIQUE violation detected on '" + LuaPretty.inline(key) + "'", new LinkedHashMap<>(key));
    }

    /** Update of a missing entity by primary key (code 6). */
    public static EntityException notFound(Map<String, Object> pk) {
        return new EntityException(NOT_FOUND, "not found",
                "could not find the entity with primary key '" + LuaPretty.inline(pk) + "'", new LinkedHashMap<>(pk));
    }

    /** Update of a missing entity by endpoint key, e.g. name (code 6). */
    public static EntityException notFoundByField(Map<String, Object> filter) {
        return new EntityException(NOT_FOUND, "not found",
                "could not find the entity with '" + LuaPretty.inline(filter) + "'", new LinkedHashMap<>(filter));
    }

    /**
     * A write refused in DB-less mode (code 12, HTTP 405): {@code cannot create 'routes' entities when not
     * using a database}; {@code operation} is {@code create}, {@code update}, {@code create or update} or {@code remove}.
     */
    public static EntityException operationUnsupported(String operation, String entities) {
        return new EntityException(OPERATION_UNSUPPORTED, "operation unsupported",
                "cannot " + operation + " '" + entities + "' entities when not using a database", null);
    }

    /** A database failure (code 8, HTTP 500); the message is for the log, never for the client. */
    public static EntityException databaseError(String message) {
        return new EntityException(DATABASE_ERROR, "database error", message, null);
    }

    /**
     * A declarative configuration that does not parse or validate (code 14): {@code fields} is the error
     * tree (entity type → list by position or map by endpoint key → field errors).
     */
    public static EntityException invalidDeclarative(Map<String, Object> fields) {
        return invalidDeclarative(fields, List.of());
    }

    /**
     * As {@link #invalidDeclarative(Map)}, with Kong's {@code flattened_errors} items (one per entity with schema
     * errors: {@code entity_type}, {@code entity_name}, {@code entity_id}, {@code entity_tags}, {@code entity},
     * {@code errors}), which {@code POST /config?flatten_errors=1} adds to the body.
     */
    public static EntityException invalidDeclarative(Map<String, Object> fields, List<Map<String, Object>> flattened) {
        EntityException e = new EntityException(INVALID_DECLARATIVE_CONFIGURATION, "invalid declarative configuration",
                "declarative config is invalid: " + LuaPretty.inline(fields), fields);
        e.flattenedErrors = List.copyOf(flattened);
        return e;
    }

    /** Kong's {@code flattened_errors} for a declarative configuration error; empty for other kinds. */
    public List<Map<String, Object>> flattenedErrors() {
        return flattenedErrors;
    }

    /** {@code 'x' is not a valid offset: bad base64 encoding} (code 7). */
    public static EntityException invalidOffset(String offset, String why) {
        return new EntityException(INVALID_OFFSET, "invalid offset", "'" + offset + "' is not a valid offset: " + why, null);
    }

    /** {@code size must be a number} and friends (code 9). */
    public static EntityException invalidSize(String message) {
        return new EntityException(INVALID_SIZE, "invalid size", message, null);
    }

    /** {@code invalid option (tags: invalid filter syntax)} (code 11); the table goes under {@code options}. */
    public static EntityException invalidOptions(Map<String, String> options) {
        Map<String, Object> sorted = new TreeMap<>(options);
        List<String> parts = sorted.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList();
        String message = parts.size() == 1 ? "invalid option (" + parts.get(0) + ")"
                : parts.size() + " option violations (" + String.join("; ", parts) + ")";
        return new EntityException(INVALID_OPTIONS, "invalid options", message, new LinkedHashMap<>(sorted));
    }

    /**
     * A foreign key given by a unique field that matches nothing (code 13), e.g.
     * {@code foreign key unresolved (service.name: the foreign key cannot be resolved with '{name="x"}' for an existing 'services' entity)}.
     */
    public static EntityException foreignKeyUnresolved(String field, String uniqueField, Object value, String parent) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put(uniqueField, value);
        String why = "the foreign key cannot be resolved with '" + LuaPretty.inline(key) + "' for an existing '" + parent + "' entity";
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put(uniqueField, why);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put(field, inner);
        return new EntityException(FOREIGN_KEYS_UNRESOLVED, "foreign keys unresolved",
                "foreign key unresolved (" + field + "." + uniqueField + ": " + why + ")", f);
    }
}
