package org.kongjava.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Objects;

/**
 * One item of a kong.conf certificate list ({@code ssl_cert}, {@code ssl_cert_key}, {@code admin_ssl_cert}, …):
 * PEM text, base64-encoded PEM, or a file path, told apart as Kong does (text that is, or decodes to, PEM is
 * inline; anything else is a path). Only file items can be watched for rotation.
 *
 * @param file   the path, or null for inline PEM
 * @param inline the PEM text, or null for a file
 */
public record ConfPem(Path file, String inline) {

    public ConfPem {
        if ((file == null) == (inline == null)) {
            throw new IllegalArgumentException("exactly one of file and inline must be given");
        }
    }

    /**
     * Classifies a kong.conf list item (already trimmed by the list parser) as Kong does: PEM text is inline; an
     * existing file is a file; text that decodes from base64 to PEM is inline; anything else is taken as a path
     * (and {@link #read} reports it missing). Checks the file system: call at start-up, off the event loops.
     */
    public static ConfPem parse(String item) {
        Objects.requireNonNull(item, "item");
        String v = item.trim();
        if (v.contains("-----BEGIN ")) {
            return new ConfPem(null, v);
        }
        Path path;
        try {
            path = Path.of(v);
            if (Files.isRegularFile(path)) {
                return new ConfPem(path, null);
            }
        } catch (java.nio.file.InvalidPathException e) {
            path = null;
        }
        String decoded = tryBase64(v);
        if (decoded != null && decoded.contains("-----BEGIN ")) {
            return new ConfPem(null, decoded);
        }
        if (path == null) {
            // The value may be key material: describe it, do not quote it.
            throw new IllegalArgumentException("neither PEM text, base64-encoded PEM nor a valid file path");
        }
        return new ConfPem(path, null);
    }

    private static String tryBase64(String v) {
        String compact = v.replaceAll("\\s", "");
        try {
            return new String(Base64.getDecoder().decode(compact), StandardCharsets.ISO_8859_1);
        } catch (IllegalArgumentException e) {
            try {
                return new String(Base64.getUrlDecoder().decode(compact), StandardCharsets.ISO_8859_1);
            } catch (IllegalArgumentException e2) {
                return null;
            }
        }
    }

    /** True for a file item (watchable). */
    public boolean isFile() {
        return file != null;
    }

    /**
     * The PEM text: the inline value, or the file's content (blocking I/O: off the event loops).
     *
     * @param key the kong.conf key, for the message, e.g. {@code ssl_cert}
     * @throws IOException {@code <key>: failed loading certificate from <path>} (or {@code key}) with the reason
     */
    public String read(String key) throws IOException {
        if (inline != null) {
            return inline;
        }
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            String what = key.endsWith("_key") ? "key" : "certificate";
            throw new IOException(key + ": failed loading " + what + " from " + file + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    @Override
    public String toString() {
        // Inline values may be keys: never print them.
        return file != null ? "ConfPem[" + file + "]" : "ConfPem[inline PEM]";
    }
}
