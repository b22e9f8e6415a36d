package org.kongjava.config.schema;

/**
 * Kong's URI path normalization ({@code kong/tools/uri.lua}, routing.md §2), used here only to check
 * that route prefix paths are already normalized. The data plane has its own copy in gateway-core;
 * gateway-config cannot depend on core.
 * <ol>
 *   <li>{@code %XX} of a reserved character ({@code !*'();:@&=+$,/?%#[]}) is kept, upper-cased; any other is decoded;</li>
 *   <li>dot segments are removed;</li>
 *   <li>with {@code mergeSlashes}, repeated slashes are merged.</li>
 * </ol>
 */
public final class PathNormalization {
    private static final String RESERVED = "!*'();:@&=+$,/?%#[]";

    private PathNormalization() {
    }

    /** Normalizes a path the way Kong's router does before matching. */
    public static String normalize(String uri, boolean mergeSlashes) {
        if (uri.isEmpty() || uri.equals("/")) {
            return uri;
        }
        if (uri.indexOf('%') >= 0) {
            uri = decodeUnreserved(uri);
        }
        if (uri.indexOf('.') < 0 && (!mergeSlashes || !uri.contains("//"))) {
            return uri;
        }
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        while (!uri.isEmpty()) {
            if (uri.equals("/.")) {
                uri = "/";
            } else if (uri.equals("/..")) {
                uri = "/";
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
            } else if (uri.equals(".") || uri.equals("..")) {
                uri = "";
            } else if (uri.startsWith("../")) {
                uri = uri.substring(3);
            } else if (uri.startsWith("./")) {
                uri = uri.substring(2);
            } else if (uri.startsWith("/./")) {
                uri = uri.substring(2);
            } else if (uri.startsWith("/../")) {
                uri = uri.substring(3);
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
            } else if (mergeSlashes && uri.startsWith("//")) {
                uri = uri.substring(1);
            } else {
                int i = uri.indexOf('/', 1);
                if (i >= 0) {
                    out.add(uri.substring(0, i));
                    uri = uri.substring(i);
                } else {
                    out.add(uri);
                    uri = "";
                }
            }
        }
        return String.join("", out);
    }

    private static String decodeUnreserved(String uri) {
        StringBuilder sb = new StringBuilder(uri.length());
        java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '%' && i + 2 < uri.length() && isHex(uri.charAt(i + 1)) && isHex(uri.charAt(i + 2))) {
                int b = Integer.parseInt(uri.substring(i + 1, i + 3), 16);
                if (b < 0x80 && RESERVED.indexOf((char) b) >= 0) {
                    flush(sb, pending);
                    sb.append('%').append(Character.toUpperCase(uri.charAt(i + 1))).append(Character.toUpperCase(uri.charAt(i + 2)));
                } else {
                    pending.write(b); // decoded bytes may form a multi-byte UTF-8 character
                }
                i += 2;
            } else {
                flush(sb, pending);
                sb.append(c);
            }
        }
        flush(sb, pending);
        return sb.toString();
    }

    private static void flush(StringBuilder sb, java.io.ByteArrayOutputStream pending) {
        if (pending.size() > 0) {
            sb.append(pending.toString(java.nio.charset.StandardCharsets.UTF_8));
            pending.reset();
        }
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
