package org.kongjava.config.schema;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Form, multipart and query arguments the way Kong's {@code arguments_decoder.lua} and
 * {@code arguments.lua} read them. {@link #decode} nests flat keys: repeated keys, {@code x[]} and
 * {@code x[1]} make arrays; {@code a.b} and {@code a[b]} make maps/records. {@link #infer} then coerces
 * the strings to each field's type.
 */
public final class FormArgs {

    private FormArgs() {
    }

    /**
     * Nests flat arguments.
     *
     * @param flat each key with its values in arrival order
     * @return a JSON-like tree: strings, lists and maps
     */
    public static Map<String, Object> decode(Map<String, List<String>> flat) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : flat.entrySet()) {
            List<String> path = parseKey(e.getKey());
            for (String value : e.getValue()) {
                insert(root, path, value);
            }
        }
        return root;
    }

    /** {@code a[b][]} → [a, b, ""]; {@code a.b} → [a, b]; a key with no delimiters → [key]. */
    static List<String> parseKey(String key) {
        List<String> path = new ArrayList<>();
        int first = -1;
        for (int i = 1; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.' || c == '[') {
                first = i;
                break;
            }
        }
        if (first < 0 || key.endsWith(".")) {
            path.add(key);
            return path;
        }
        path.add(key.substring(0, first));
        int i = first;
        while (i < key.length()) {
            char c = key.charAt(i);
            if (c == '.') {
                int j = i + 1;
                while (j < key.length() && key.charAt(j) != '.' && key.charAt(j) != '[') {
                    j++;
                }
                if (j == i + 1) {
                    return List.of(key); // an empty ".." segment: not a nested key
                }
                path.add(key.substring(i + 1, j));
                i = j;
            } else if (c == '[') {
                int close = key.indexOf(']', i);
                if (close < 0) {
                    return List.of(key);
                }
                path.add(key.substring(i + 1, close));
                i = close + 1;
            } else {
                return List.of(key); // text after "]" that is not a new segment
            }
        }
        return path;
    }

    @SuppressWarnings("unchecked")
    private static void insert(Map<String, Object> root, List<String> path, String value) {
        Object container = root;
        for (int i = 0; i < path.size(); i++) {
            String seg = path.get(i);
            boolean last = i == path.size() - 1;
            boolean index = i > 0 && (seg.isEmpty() || isDigits(seg));
            if (index) {
                // the parent slot holds a list
                List<Object> list = (List<Object>) container;
                int pos = seg.isEmpty() ? (last ? list.size() : 0) : Math.max(0, Integer.parseInt(seg) - 1);
                while (list.size() <= pos) {
                    list.add(null);
                }
                if (last) {
                    list.set(pos, value);
                    return;
                }
                Object next = list.get(pos);
                if (next == null) {
                    next = nextIsIndex(path, i) ? new ArrayList<>() : new LinkedHashMap<String, Object>();
                    list.set(pos, next);
                }
                container = next;
            } else {
                Map<String, Object> map = (Map<String, Object>) container;
                if (last) {
                    Object existing = map.get(seg);
                    if (existing == null && !map.containsKey(seg)) {
                        map.put(seg, value);
                    } else if (existing instanceof List<?> l) {
                        ((List<Object>) l).add(value);
                    } else {
                        List<Object> both = new ArrayList<>();
                        both.add(existing);
                        both.add(value);
                        map.put(seg, both);
                    }
                    return;
                }
                Object next = map.get(seg);
                boolean wantList = nextIsIndex(path, i);
                if (wantList && !(next instanceof List)) {
                    List<Object> l = new ArrayList<>();
                    if (next != null && !(next instanceof Map)) {
                        l.add(next);
                    }
                    next = l;
                    map.put(seg, next);
                } else if (!wantList && !(next instanceof Map)) {
                    next = new LinkedHashMap<String, Object>();
                    map.put(seg, next);
                }
                container = next;
            }
        }
    }

    private static boolean nextIsIndex(List<String> path, int i) {
        String n = path.get(i + 1);
        return n.isEmpty() || isDigits(n);
    }

    /** An array index: 1..1000 (a larger "index" is kept as a map key, so no request can make a huge list). */
    private static boolean isDigits(String s) {
        if (s.isEmpty() || s.length() > 4) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return Integer.parseInt(s) <= 1000;
    }

    /** Kong's {@code infer}: coerces every known field; unknown keys pass through (and fail validation). */
    static Map<String, Object> infer(Map<String, Object> args, EntitySchema schema, List<Field> extra) {
        Map<String, Object> out = new LinkedHashMap<>(args);
        for (Map.Entry<String, Object> e : args.entrySet()) {
            Field f = schema.field(e.getKey(), args);
            if (f == null) {
                f = extra.stream().filter(x -> x.name().equals(e.getKey())).findFirst().orElse(null);
            }
            if (f != null) {
                out.put(e.getKey(), inferValue(e.getValue(), f));
            }
        }
        return out;
    }

    static Object inferValue(Object value, Field f) {
        if (value == null || "".equals(value)) {
            return null;
        }
        switch (f.type()) {
            case INTEGER, NUMBER -> {
                return value instanceof String s ? toNumber(s) : value;
            }
            case BOOLEAN -> {
                if ("true".equals(value)) {
                    return Boolean.TRUE;
                }
                if ("false".equals(value)) {
                    return Boolean.FALSE;
                }
                return value;
            }
            case ARRAY, SET -> {
                List<?> list = value instanceof List<?> l ? l : List.of(value);
                List<Object> out = new ArrayList<>();
                for (Object o : list) {
                    out.add(inferValue(o, f.elements()));
                }
                return out;
            }
            case FOREIGN -> {
                Map<String, Object> m = EntitySchema.stringMap(value);
                return m == null || value instanceof List ? value : infer(m, f.reference(), List.of());
            }
            case MAP -> {
                if (value instanceof Map<?, ?> m) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    m.forEach((k, v) -> out.put(String.valueOf(k), inferValue(v, f.values())));
                    return out;
                }
                return value;
            }
            case RECORD -> {
                if (value instanceof Map<?, ?> m) {
                    return infer(EntitySchema.stringMap(m), f.recordSchema(), List.of());
                }
                return value;
            }
            default -> {
                return value;
            }
        }
    }

    /** Lua's tonumber for decimal input: the string when it is not a number. */
    private static Object toNumber(String s) {
        String t = s.trim();
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException ignored) {
            // not an integer; maybe a decimal
        }
        try {
            BigDecimal d = new BigDecimal(t);
            return d.doubleValue();
        } catch (NumberFormatException ignored) {
            return s;
        }
    }
}
