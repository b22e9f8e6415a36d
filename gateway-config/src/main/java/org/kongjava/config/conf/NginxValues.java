package org.kongjava.config.conf;

import java.util.List;

/** nginx value syntax: sizes ({@code 10m}), times ({@code 1m 30s}, {@code 500ms}), buffer specs ({@code 4 8k}). */
final class NginxValues {

    private NginxValues() {
    }

    /** Parsed {@code large_client_header_buffers}: how many, and how big each is. */
    record Buffers(int count, int size) {
    }

    /**
     * Bytes for an nginx size: digits with an optional {@code k}, {@code m} or {@code g} (either case). 0 allowed.
     *
     * @throws IllegalArgumentException with the expected form
     */
    static long parseSize(String raw) {
        String s = Strings.trim(raw);
        long unit = 1;
        String digits = s;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k', 'K' -> unit = 1024L;
                case 'm', 'M' -> unit = 1024L * 1024;
                case 'g', 'G' -> unit = 1024L * 1024 * 1024;
                default -> unit = 1;
            }
            if (unit != 1) {
                digits = s.substring(0, s.length() - 1);
            }
        }
        long n = parseDigits(digits);
        if (n < 0 || n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException("'" + raw + "' is not a size (expected a number with an optional k, m or g"
                    + " suffix, e.g. 8k or 10m)");
        }
        return n * unit;
    }

    /**
     * Milliseconds for an nginx time: one or more {@code <number><unit>} parts, largest unit first, units
     * {@code y M w d h m s ms}; a number without a unit means seconds.
     *
     * @throws IllegalArgumentException with the expected form
     */
    static long parseTimeMillis(String raw) {
        String s = Strings.trim(raw);
        IllegalArgumentException bad = new IllegalArgumentException("'" + raw + "' is not a time (expected a number"
                + " of seconds or a value with units ms, s, m, h, d, w, M, y, e.g. 60s, 500ms or 1m 30s)");
        if (s.isEmpty()) {
            throw bad;
        }
        long total = 0;
        int lastRank = Integer.MAX_VALUE;
        int i = 0;
        boolean sawPart = false;
        while (i < s.length()) {
            if (Strings.isSpace(s.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == start || i - start > 12) {
                throw bad;
            }
            long n = Long.parseLong(s.substring(start, i));
            long unitMillis;
            int rank;
            if (i == s.length() || Strings.isSpace(s.charAt(i))) {
                if (sawPart) {
                    throw bad; // "1m 30" is ambiguous; nginx rejects it too
                }
                unitMillis = 1000;
                rank = 1;
            } else {
                char u = s.charAt(i++);
                switch (u) {
                    case 'y' -> { unitMillis = 365L * 86_400_000; rank = 8; }
                    case 'M' -> { unitMillis = 30L * 86_400_000; rank = 7; }
                    case 'w' -> { unitMillis = 7L * 86_400_000; rank = 6; }
                    case 'd' -> { unitMillis = 86_400_000; rank = 5; }
                    case 'h' -> { unitMillis = 3_600_000; rank = 4; }
                    case 'm' -> {
                        if (i < s.length() && s.charAt(i) == 's') {
                            i++;
                            unitMillis = 1;
                            rank = 0;
                        } else {
                            unitMillis = 60_000;
                            rank = 3;
                        }
                    }
                    case 's' -> { unitMillis = 1000; rank = 2; }
                    default -> throw bad;
                }
            }
            if (rank >= lastRank) {
                throw bad;
            }
            lastRank = rank;
            sawPart = true;
            total += n * unitMillis;
        }
        return total;
    }

    /** {@code <count> <size>}, e.g. {@code 4 8k}; count and size must be positive. */
    static Buffers parseBuffers(String raw) {
        List<String> parts = Strings.tokens(raw);
        IllegalArgumentException bad = new IllegalArgumentException("'" + raw + "' is not a buffer setting (expected"
                + " '<number> <size>', e.g. '4 8k')");
        if (parts.size() != 2) {
            throw bad;
        }
        long count = parseDigits(parts.get(0));
        long size;
        try {
            size = parseSize(parts.get(1));
        } catch (IllegalArgumentException e) {
            throw bad;
        }
        if (count < 1 || count > Integer.MAX_VALUE || size < 1 || size > Integer.MAX_VALUE) {
            throw bad;
        }
        return new Buffers((int) count, (int) size);
    }

    /** Decimal digits only (up to 18), or -1. */
    static long parseDigits(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
