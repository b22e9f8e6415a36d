package org.kongjava.config.conf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads kong.conf text the way Kong does (Penlight {@code pl.config} with Kong's comment stripping):
 * <ul>
 *   <li>blank lines and lines whose first non-blank character is {@code #} or {@code ;} are skipped, even
 *       between continued lines;</li>
 *   <li>a line ending in {@code \} (trailing blanks allowed) is joined with the next kept line, without a
 *       separator;</li>
 *   <li>{@code key = value}: split at the first {@code =}; blanks around it dropped; every non-alphanumeric
 *       character of the key becomes {@code _}; a later line for the same key wins;</li>
 *   <li>in the value, an unescaped {@code #} and everything after it (with the blanks before it) is a comment;
 *       then {@code \#} becomes {@code #}.</li>
 * </ul>
 * Deviations, all louder than Kong: a {@code [section]} line is an error (pl.config would silently move every
 * later key into a sub-table that Kong then ignores); a line without {@code =} or with an empty key is ignored
 * with a warning; a {@code \} on the last line keeps the text instead of dropping it.
 */
final class ConfFileParser {

    private ConfFileParser() {
    }

    /** A value and the line it came from (the last line, for continued lines). */
    record Entry(String value, int line) {
    }

    record Result(Map<String, Entry> entries, List<String> problems, List<String> warnings) {
    }

    static Result parse(String text, String sourceName) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        StringBuilder pending = null;
        int pendingLine = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNo = i + 1;
            if (isBlankOrComment(line)) {
                continue;
            }
            int cont = continuationIndex(line);
            if (cont >= 0) {
                if (pending == null) {
                    pending = new StringBuilder();
                }
                pending.append(line, 0, cont);
                pendingLine = lineNo;
                continue;
            }
            if (pending != null) {
                line = pending.append(line).toString();
                pending = null;
            }
            handleLine(line, lineNo, sourceName, entries, problems, warnings);
        }
        if (pending != null) {
            handleLine(pending.toString(), pendingLine, sourceName, entries, problems, warnings);
        }
        return new Result(entries, problems, warnings);
    }

    private static void handleLine(String line, int lineNo, String source, Map<String, Entry> entries,
                                   List<String> problems, List<String> warnings) {
        String l = stripLeading(line);
        if (l.startsWith("[")) {
            problems.add(source + ":" + lineNo + ": sections are not supported in kong.conf, got '"
                    + Strings.trim(l) + "' (expected key = value)");
            return;
        }
        int eq = l.indexOf('=');
        if (eq < 0) {
            warnings.add(source + ":" + lineNo + ": ignored line without '=': '" + Strings.trim(l) + "'");
            return;
        }
        String key = variabilize(Strings.trim(l.substring(0, eq)));
        if (key.isEmpty()) {
            warnings.add(source + ":" + lineNo + ": ignored line without a key: '" + Strings.trim(l) + "'");
            return;
        }
        String value = stripComment(Strings.trim(l.substring(eq + 1)));
        entries.remove(key); // keep file order of the winning line
        entries.put(key, new Entry(value, lineNo));
    }

    static boolean isBlankOrComment(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (!Strings.isSpace(c)) {
                return c == '#' || c == ';';
            }
        }
        return true;
    }

    /** Index of a trailing {@code \} (blanks after it allowed), or -1. */
    private static int continuationIndex(String line) {
        int end = line.length();
        while (end > 0 && Strings.isSpace(line.charAt(end - 1))) {
            end--;
        }
        return end > 0 && line.charAt(end - 1) == '\\' ? end - 1 : -1;
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && Strings.isSpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    /** Penlight turns every non-alphanumeric key character into {@code _}. */
    static String variabilize(String key) {
        StringBuilder sb = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            sb.append(alnum ? c : '_');
        }
        return sb.toString();
    }

    /**
     * Drops an inline comment: the first {@code #} not preceded by {@code \}, the blanks before it and the rest
     * of the line; then unescapes {@code \#}. Applied to file values only, never to environment values (as Kong).
     */
    static String stripComment(String value) {
        int hash = -1;
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) == '#' && (i == 0 || value.charAt(i - 1) != '\\')) {
                hash = i;
                break;
            }
        }
        String v = value;
        if (hash >= 0) {
            int end = hash;
            while (end > 0 && Strings.isSpace(v.charAt(end - 1))) {
                end--;
            }
            v = v.substring(0, end);
        }
        return v.replace("\\#", "#");
    }
}
