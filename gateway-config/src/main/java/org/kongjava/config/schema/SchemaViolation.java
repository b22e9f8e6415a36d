package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kong's "schema violation" (code 2, HTTP 400). The message lists entity-level errors first, then
 * {@code field: msg} sorted by field; nested tables (records, arrays) contribute {@code field.sub: msg}
 * per sorted sub-key (array positions are 1-based, as in Lua): {@code schema violation (host: required field missing)}
 * or {@code 2 schema violations (a; b)}.
 * <p>
 * {@link #fields()} holds the error tree: a message string per field, a nested map for records, a list
 * (null where an element was valid) for arrays and sets, and {@code "@entity"} → list of entity-check messages.
 */
public final class SchemaViolation extends EntityException {

    public SchemaViolation(Map<String, Object> errors) {
        super(SCHEMA_VIOLATION, "schema violation", messageOf(errors), errors);
    }

    /** One field with one message: {@code schema violation (field: message)}. */
    public static SchemaViolation of(String field, String message) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put(field, message);
        return new SchemaViolation(m);
    }

    static String messageOf(Map<String, Object> errors) {
        List<String> buf = new ArrayList<>();
        Object entity = errors.get("@entity");
        if (entity instanceof List<?> l) {
            for (Object o : l) {
                buf.add(String.valueOf(o));
            }
        }
        for (Map.Entry<String, Object> e : new TreeMap<>(errors).entrySet()) {
            if (e.getKey().equals("@entity")) {
                continue;
            }
            Object v = e.getValue();
            if (v instanceof Map<?, ?> sub) {
                for (Map.Entry<?, ?> s : new TreeMap<>(sub).entrySet()) {
                    buf.add(e.getKey() + "." + s.getKey() + ": " + render(s.getValue()));
                }
            } else if (v instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    if (list.get(i) != null) {
                        buf.add(e.getKey() + "." + (i + 1) + ": " + render(list.get(i)));
                    }
                }
            } else {
                buf.add(e.getKey() + ": " + v);
            }
        }
        if (buf.size() == 1) {
            return "schema violation (" + buf.get(0) + ")";
        }
        return buf.size() + " schema violations (" + String.join("; ", buf) + ")";
    }

    private static String render(Object v) {
        return v instanceof Map<?, ?> || v instanceof List<?> ? LuaPretty.multiline(v) : String.valueOf(v);
    }
}
