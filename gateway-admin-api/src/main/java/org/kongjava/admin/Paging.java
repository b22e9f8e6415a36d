package org.kongjava.admin;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.kongjava.config.schema.EntityException;
import org.kongjava.config.schema.EntityType;

/**
 * Collection pages as Kong serves them: {@code size} (default 100, 1..1000), an opaque {@code offset}
 * naming the last entity of the previous page, and {@code tags} filters ({@code a,b} = all, {@code a/b} = any).
 * Entities are ordered by creation time then id, so a page boundary stays put while others are added.
 */
final class Paging {
    static final int DEFAULT_SIZE = 100;
    static final int MAX_SIZE = 1000;
    private static final int MAX_TAGS = 5;
    // Printable ASCII except ',' and '/', or any non-ASCII character.
    private static final String TAG_CHARS = "[\\x20-\\x2B\\x2D\\x2E\\x30-\\x7E\\x{80}-\\x{10FFFF}]";
    private static final Pattern TAGS_AND = Pattern.compile("^(" + TAG_CHARS + "+(?:,|$))+$");
    private static final Pattern TAGS_OR = Pattern.compile("^(" + TAG_CHARS + "+(?:/|$))+$");

    /** What a list request asks for. */
    record Query(int size, String offset, List<String> tags, boolean anyTag, String rawTags, String rawSize) {
    }

    private Paging() {
    }

    /** Reads and checks {@code tags}, {@code size} and {@code offset}, in Kong's order. */
    static Query query(AdminRequest req) {
        List<String> tags = null;
        boolean any = false;
        String rawTags = req.queryArg("tags");
        if (req.hasQueryArg("tags")) {
            if (rawTags == null || rawTags.isEmpty()) {
                throw EntityException.invalidOptions(Map.of("tags", "cannot be null"));
            }
            if (TAGS_AND.matcher(rawTags).matches()) {
                tags = List.of(rawTags.split(",", -1));
            } else if (TAGS_OR.matcher(rawTags).matches()) {
                tags = List.of(rawTags.split("/", -1));
                any = true;
            } else {
                throw EntityException.invalidOptions(Map.of("tags", "invalid filter syntax"));
            }
            tags = tags.stream().filter(t -> !t.isEmpty()).toList();
            if (tags.size() > MAX_TAGS) {
                throw EntityException.invalidOptions(Map.of("tags", "cannot query more than 5 tags"));
            }
        }
        int size = DEFAULT_SIZE;
        String rawSize = req.queryArg("size");
        if (rawSize != null) {
            double d;
            try {
                d = Double.parseDouble(rawSize.trim());
            } catch (NumberFormatException e) {
                throw EntityException.invalidSize("size must be a number");
            }
            if (d != Math.floor(d) || d < 1 || d > MAX_SIZE) {
                throw EntityException.invalidSize("size must be an integer between 1 and " + MAX_SIZE);
            }
            size = (int) d;
        }
        return new Query(size, req.queryArg("offset"), tags, any, rawTags, rawSize);
    }

    /**
     * Cuts one page from {@code ordered} (already in page order).
     *
     * @param nextBase the path {@code next} points to, e.g. {@code /services}
     * @param propagate whether {@code next} repeats {@code tags} and {@code size} (top-level lists do, nested ones do not)
     */
    static <T> Map<String, Object> page(EntityType<T> type, List<T> ordered, Query q, String nextBase, boolean propagate) {
        return page(type, ordered, q, nextBase, propagate, type::encode);
    }

    /** {@link #page(EntityType, List, Query, String, boolean)} with another encoder (certificates add their SNIs). */
    static <T> Map<String, Object> page(EntityType<T> type, List<T> ordered, Query q, String nextBase, boolean propagate,
                                        Function<T, Map<String, Object>> enc) {
        List<T> filtered = ordered;
        if (q.tags() != null) {
            filtered = new ArrayList<>();
            for (T e : ordered) {
                List<String> have = type.tags(e);
                if (have == null) {
                    continue;
                }
                boolean match = q.anyTag() ? q.tags().stream().anyMatch(have::contains) : have.containsAll(q.tags());
                if (match) {
                    filtered.add(e);
                }
            }
        }
        int start = 0;
        if (q.offset() != null) {
            Cursor c = Cursor.decode(q.offset());
            while (start < filtered.size() && !c.before(type.createdAt(filtered.get(start)), type.id(filtered.get(start)).toString())) {
                start++;
            }
        }
        int end = Math.min(filtered.size(), start + q.size());
        List<Map<String, Object>> data = new ArrayList<>();
        for (T e : filtered.subList(start, end)) {
            data.add(enc.apply(e));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", data);
        if (end < filtered.size()) {
            T last = filtered.get(end - 1);
            String offset = new Cursor(type.createdAt(last), type.id(last).toString()).encode();
            StringBuilder next = new StringBuilder(nextBase).append("?offset=").append(offset);
            if (propagate && q.rawTags() != null) {
                next.append("&tags=").append(escape(q.rawTags()));
            }
            if (propagate && q.rawSize() != null) {
                next.append("&size=").append(escape(q.rawSize()));
            }
            body.put("offset", offset);
            body.put("next", next.toString());
        } else {
            body.put("next", null);
        }
        return body;
    }

    /** nginx's {@code escape_uri} for a URI component: everything but unreserved characters is %XX-escaped. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return sb.toString();
    }

    /** The position after which the next page starts: the last entity's (created_at, id). */
    record Cursor(long createdAt, String id) {
        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((createdAt + "|" + id).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String offset) {
            String text;
            try {
                text = new String(Base64.getUrlDecoder().decode(offset), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw EntityException.invalidOffset(offset, "bad base64 encoding");
            }
            int bar = text.indexOf('|');
            try {
                if (bar < 1) {
                    throw new NumberFormatException();
                }
                return new Cursor(Long.parseLong(text.substring(0, bar)), text.substring(bar + 1));
            } catch (NumberFormatException e) {
                throw EntityException.invalidOffset(offset, "bad json encoding");
            }
        }

        /** Whether this cursor sorts before the entity (so the entity belongs to the next page). */
        boolean before(long otherCreatedAt, String otherId) {
            int c = Long.compare(createdAt, otherCreatedAt);
            return c < 0 || (c == 0 && id.compareTo(otherId) < 0);
        }
    }
}
