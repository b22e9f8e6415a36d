package org.kongjava.config.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kongjava.config.schema.EntityException;

/** Renders a declarative error tree as indented lines naming entity, position and field. */
public final class DeclarativeErrors {
    private DeclarativeErrors() {
    }

    /** One line per error, e.g. {@code   services[2].routes[1].paths: should start with: / ...}. */
    public static String format(EntityException e) {
        List<String> lines = new ArrayList<>();
        if (e.fields() == null) {
            lines.add(e.getMessage());
        } else {
            walk("", e.fields(), lines);
        }
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append("  ").append(l).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    private static void walk(String path, Object v, List<String> out) {
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String k = String.valueOf(e.getKey());
                if (k.startsWith("@") && e.getValue() instanceof List<?> l) {
                    // entity-level checks belong to the entity itself
                    for (Object o : l) {
                        out.add((path.isEmpty() ? k : path) + ": " + o);
                    }
                } else {
                    walk(path.isEmpty() ? k : path + "." + k, e.getValue(), out);
                }
            }
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                if (l.get(i) != null) {
                    walk(path + "[" + (i + 1) + "]", l.get(i), out);
                }
            }
        } else {
            out.add(path + ": " + v);
        }
    }
}
