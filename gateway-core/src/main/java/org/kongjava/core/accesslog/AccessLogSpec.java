package org.kongjava.core.accesslog;

import java.nio.file.Path;

/**
 * A parsed access-log setting: {@code off}, or a path (relative to the prefix) with an optional format name,
 * as Kong writes {@code proxy_stream_access_log = logs/access.log basic}.
 *
 * @param file   the absolute file, or null for {@code off}
 * @param format the format name, or null for the server's default
 */
public record AccessLogSpec(Path file, String format) {

    /** Whether logging is off. */
    public boolean off() {
        return file == null;
    }

    /**
     * Parses {@code value} of {@code key}.
     *
     * @param formats the format names this server knows (the first is the default)
     * @throws IllegalArgumentException naming the key and the expected form
     */
    public static AccessLogSpec parse(String key, String value, Path prefix, String... formats) {
        String v = value == null ? "" : value.strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException(key + ": empty (expected: a file path, optionally followed by a format"
                    + " name, or 'off')");
        }
        if (v.equals("off")) {
            return new AccessLogSpec(null, null);
        }
        String[] parts = v.split("\\s+");
        if (parts.length > 2) {
            throw new IllegalArgumentException(key + ": '" + value + "' (expected: a file path, optionally followed by"
                    + " a format name, or 'off')");
        }
        String format = null;
        if (parts.length == 2) {
            format = parts[1];
            if (!java.util.List.of(formats).contains(format)) {
                throw new IllegalArgumentException(key + ": unknown log format '" + format + "' (expected: "
                        + (formats.length == 0 ? "no format name" : String.join(" or ", formats)) + ")");
            }
        }
        Path p = Path.of(parts[0]);
        Path file = (p.isAbsolute() ? p : prefix.resolve(p)).toAbsolutePath().normalize();
        return new AccessLogSpec(file, format);
    }
}
