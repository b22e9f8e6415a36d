package org.kongjava.config.schema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A schema as data ({@code kong/db/schema/init.lua}, reduced to what kong-java's entities use): fields,
 * entity checks, and subschemas chosen by a key field (routes pick one by their first protocol).
 * <p>
 * Values follow the JSON model: {@code String}, {@code Number}, {@code Boolean}, {@code List}, {@code Map}.
 * In an input map a key that is present with a null value is Kong's {@code ngx.null} (explicitly cleared);
 * an absent key is Lua's {@code nil} (not given).
 */
final class EntitySchema {

    /** Where a write comes from: defaults are applied on insert and upsert, not on update. */
    enum Context { INSERT, UPDATE, UPSERT }

    /** Field overrides and extra checks that apply when the subschema key selects this subschema. */
    record Subschema(Map<String, Field> fields, List<EntityCheck> checks) {
    }

    private final String name;
    private final List<Field> fields;
    private final Map<String, Field> byName = new LinkedHashMap<>();
    private final List<EntityCheck> checks;
    private final String subschemaKey;
    private final Map<String, Subschema> subschemas;

    EntitySchema(String name, List<Field> fields, List<EntityCheck> checks, String subschemaKey, Map<String, Subschema> subschemas) {
        this.name = name;
        this.fields = List.copyOf(fields);
        for (Field f : fields) {
            byName.put(f.name(), f);
        }
        this.checks = List.copyOf(checks);
        this.subschemaKey = subschemaKey;
        this.subschemas = subschemas == null ? Map.of() : Map.copyOf(subschemas);
    }

    String name() {
        return name;
    }

    List<Field> fields() {
        return fields;
    }

    Field field(String fieldName) {
        return byName.get(fieldName);
    }

    /** The field as the input's subschema defines it. */
    Field field(String fieldName, Map<String, Object> input) {
        return resolve(fieldName, subschema(input));
    }

    private Field resolve(String fieldName, Subschema ss) {
        if (ss != null && ss.fields().containsKey(fieldName)) {
            return ss.fields().get(fieldName);
        }
        return byName.get(fieldName);
    }

    /** The subschema for the first value of the key field that has one (Kong's {@code get_subschema}). */
    Subschema subschema(Map<String, Object> input) {
        if (subschemaKey == null) {
            return null;
        }
        Object key = input.get(subschemaKey);
        if (key instanceof String s) {
            return subschemas.get(s);
        }
        if (key instanceof List<?> l) {
            for (Object o : l) {
                Subschema ss = o instanceof String s ? subschemas.get(s) : null;
                if (ss != null) {
                    return ss;
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- auto fields and defaults

    /**
     * Kong's {@code process_auto_fields}: generates {@code id}, sets {@code created_at} (insert/upsert, when
     * not given) and {@code updated_at} (every write), fills defaults (insert/upsert), de-duplicates sets.
     * Returns a new map; the input is untouched.
     */
    Map<String, Object> processAutoFields(Map<String, Object> input, Context ctx, long now) {
        Map<String, Object> data = new LinkedHashMap<>(input);
        Subschema ss = subschema(input);
        boolean creating = ctx != Context.UPDATE;
        for (Field base : fields) {
            Field f = resolve(base.name(), ss);
            String k = f.name();
            boolean present = data.containsKey(k);
            Object v = data.get(k);
            if (f.isAuto()) {
                if (k.equals("id") && creating && v == null) {
                    data.put(k, UUID.randomUUID().toString());
                    continue;
                }
                if (k.equals("created_at") && v == null) {
                    if (creating) {
                        data.put(k, now);
                    } else {
                        data.remove(k); // an update keeps the stored creation time
                    }
                    continue;
                }
                if (k.equals("updated_at")) {
                    data.put(k, now);
                    continue;
                }
            }
            if (present && v == null && f.hasDefault() && f.defaultValue() != null) {
                // kong-java's model has no "unset" for these (retries, timeouts, regex_priority, ...):
                // clearing one means going back to its default.
                data.put(k, f.defaultValue());
                continue;
            }
            if (!present) {
                if (creating) {
                    if (f.hasDefault()) {
                        data.put(k, f.defaultValue());
                    } else if (!f.isRequired()) {
                        data.put(k, null);
                    }
                }
                continue;
            }
            if (f.type() == Field.Type.SET && v instanceof List<?> l) {
                data.put(k, new ArrayList<>(new LinkedHashSet<>(l)));
            }
        }
        return data;
    }

    // ---------------------------------------------------------------- validation

    /**
     * Kong's {@code Schema:validate}: field validation, required fields, entity checks, subschema checks.
     *
     * @param full whether absent required fields are errors (insert/upsert); on update only explicit nulls are
     * @return the error table; empty when the input is valid
     */
    Map<String, Object> validate(Map<String, Object> input, boolean full) {
        Map<String, Object> errors = new LinkedHashMap<>();
        if (subschemaKey != null) {
            Object key = input.get(subschemaKey);
            if (key == null) {
                errors.put(subschemaKey, "required field missing");
                return errors;
            }
            if (subschema(input) == null) {
                Object first = key instanceof List<?> l ? (l.isEmpty() ? null : l.get(0)) : key;
                if (key instanceof List<?> l && l.isEmpty()) {
                    errors.put(subschemaKey, "length must be at least 1");
                } else {
                    errors.put(subschemaKey, "unknown type: " + first);
                }
                return errors;
            }
        }
        Subschema ss = subschema(input);
        for (Map.Entry<String, Object> e : input.entrySet()) {
            Field f = resolve(e.getKey(), ss);
            if (f == null) {
                errors.put(e.getKey(), "unknown field");
                continue;
            }
            Object err = validateField(f, e.getValue());
            if (err != null) {
                errors.put(e.getKey(), err);
            }
        }
        for (Field f : fields) {
            if (f.isRequired() && (input.containsKey(f.name()) ? input.get(f.name()) == null : full)) {
                errors.put(f.name(), "required field missing");
            }
        }
        for (EntityCheck c : checks) {
            c.run(input, this, errors);
        }
        if (ss != null) {
            for (EntityCheck c : ss.checks()) {
                c.run(input, this, errors);
            }
        }
        return errors;
    }

    /**
     * Kong's {@code Schema:validate_field}: null handling, type check, then the field's validators in order.
     *
     * @return null when valid; else a message, a list of element errors (null where valid), or a map of
     *         nested field errors
     */
    Object validateField(Field f, Object v) {
        if (v == null) {
            return f.isRequired() ? "required field missing" : null;
        }
        if (f.isEqNull()) {
            return f.errOverride() != null ? f.errOverride() : "value must be null";
        }
        switch (f.type()) {
            case ARRAY, SET -> {
                List<?> list = asList(v);
                if (list == null) {
                    return f.type() == Field.Type.ARRAY ? "expected an array" : "expected a set";
                }
                Field el = f.elements().required();
                List<Object> errs = new ArrayList<>();
                boolean ok = true;
                for (Object o : list) {
                    Object err = validateField(el, o);
                    errs.add(err);
                    ok &= err == null;
                }
                if (!ok) {
                    int last = errs.size();
                    while (last > 0 && errs.get(last - 1) == null) {
                        last--;
                    }
                    return new ArrayList<>(errs.subList(0, last));
                }
                v = list;
            }
            case MAP -> {
                Map<?, ?> m = asMap(v);
                if (m == null) {
                    return "expected a map";
                }
                Field kf = f.keys().required();
                Field vf = f.values().required();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    Object err = validateField(kf, e.getKey());
                    if (err == null) {
                        err = validateField(vf, e.getValue());
                    }
                    if (err != null) {
                        return err;
                    }
                }
                v = m;
            }
            case RECORD -> {
                Map<String, Object> m = stringMap(v);
                if (m == null) {
                    return "expected a record";
                }
                EntitySchema rs = f.recordSchema();
                Map<String, Object> errs = rs.validate(rs.processAutoFields(m, Context.INSERT, 0), true);
                if (!errs.isEmpty()) {
                    return errs;
                }
            }
            case FOREIGN -> {
                return validateForeign(f, v);
            }
            case INTEGER -> {
                if (!isInteger(v)) {
                    return "expected an integer";
                }
            }
            case NUMBER -> {
                if (!(v instanceof Number)) {
                    return "expected a number";
                }
            }
            case STRING -> {
                if (!(v instanceof String s)) {
                    return "expected a string";
                }
                if (!Validators.validUtf8(s)) {
                    return "invalid utf-8 character sequence";
                }
            }
            case BOOLEAN -> {
                if (!(v instanceof Boolean)) {
                    return "expected a boolean";
                }
            }
        }
        for (Field.Rule r : f.rules()) {
            String err = r.check().apply(v);
            if (err != null) {
                return f.errOverride() != null ? f.errOverride() : err;
            }
        }
        return null;
    }

    /** A foreign key must carry the referenced primary key; else its own fields' errors, else the key's. */
    private Object validateForeign(Field f, Object v) {
        EntitySchema ref = f.reference();
        Map<String, Object> m = stringMap(v);
        Map<String, Object> pkErrors = new LinkedHashMap<>();
        if (m == null || !m.containsKey("id")) {
            pkErrors.put("id", "missing primary key");
        } else if (m.get("id") == null) {
            pkErrors.put("id", "required field missing");
        } else {
            Object err = ref.validateField(ref.field("id"), m.get("id"));
            if (err != null) {
                pkErrors.put("id", err);
            }
        }
        if (pkErrors.isEmpty()) {
            return null;
        }
        if (m != null) {
            Map<String, Object> own = ref.validate(m, false);
            if (!own.isEmpty()) {
                return own;
            }
        }
        return pkErrors;
    }

    // ---------------------------------------------------------------- JSON value helpers

    static boolean isInteger(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte || v instanceof BigInteger) {
            return true;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return !Double.isInfinite(d) && !Double.isNaN(d) && d == Math.floor(d);
        }
        if (v instanceof BigDecimal b) {
            return b.stripTrailingZeros().scale() <= 0;
        }
        return false;
    }

    static List<?> asList(Object v) {
        if (v instanceof List<?> l) {
            return l;
        }
        if (v instanceof Map<?, ?> m && m.isEmpty()) {
            return List.of(); // Lua cannot tell {} from []
        }
        return null;
    }

    static Map<?, ?> asMap(Object v) {
        if (v instanceof Map<?, ?> m) {
            return m;
        }
        if (v instanceof List<?> l && l.isEmpty()) {
            return Map.of();
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> stringMap(Object v) {
        Map<?, ?> m = asMap(v);
        if (m == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        ((Map<Object, Object>) m).forEach((k, val) -> out.put(String.valueOf(k), val));
        return out;
    }
}
