package org.kongjava.config.schema;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Renders values the way Penlight's {@code pretty.write} does in Kong's error messages: {@code {name="x"}},
 * nested {@code {service={id="…"}}}, {@code null} for JSON null, keys sorted.
 */
final class LuaPretty {
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private LuaPretty() {
    }

    /** The compact form ({@code pretty.write(t, "")}). */
    static String inline(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, null, "");
        return sb.toString();
    }

    /** The indented form ({@code pretty.write(t)}), used for nested error tables in messages. */
    static String multiline(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, "  ", "");
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, String indent, String current) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        } else if (v instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>();
            m.forEach((k, val) -> sorted.put(String.valueOf(k), val));
            open(sb, indent);
            boolean first = true;
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                first = separator(sb, first, indent, current);
                String key = e.getKey();
                sb.append(IDENT.matcher(key).matches() ? key : "[\"" + key + "\"]").append(indent == null ? "=" : " = ");
                write(sb, e.getValue(), indent, indent == null ? "" : current + indent);
            }
            close(sb, indent, current, sorted.isEmpty());
        } else if (v instanceof List<?> l) {
            open(sb, indent);
            boolean first = true;
            for (Object o : l) {
                first = separator(sb, first, indent, current);
                write(sb, o, indent, indent == null ? "" : current + indent);
            }
            close(sb, indent, current, l.isEmpty());
        } else {
            sb.append(v);
        }
    }

    private static void open(StringBuilder sb, String indent) {
        sb.append('{');
    }

    private static boolean separator(StringBuilder sb, boolean first, String indent, String current) {
        if (!first) {
            sb.append(',');
        }
        if (indent != null) {
            sb.append('\n').append(current).append(indent);
        }
        return false;
    }

    private static void close(StringBuilder sb, String indent, String current, boolean empty) {
        if (indent != null && !empty) {
            sb.append('\n').append(current);
        }
        sb.append('}');
    }
}
