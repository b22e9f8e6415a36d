package org.kongjava.config.route;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A route's regex path ({@code ~<regex>}) compiled the way traditional_compatible evaluates it:
 * {@code ^} is prepended (anchored at the start only; like Kong, an unparenthesised alternation leaves
 * later branches unanchored) and the regex is searched in the normalized request path.
 * <p>
 * Kong accepts Rust-style {@code (?P<name>…)} and {@code (?<name>…)} groups whose names may contain
 * {@code _}; java.util.regex allows neither, so named groups are renamed internally and mapped back in
 * {@link #captures}. Immutable and thread-safe.
 */
public final class PathRegex {
    private final String routePath;
    private final Pattern pattern;
    /** names[i] is the route's name of the internal group internal[i] ({@code kj<i>}). */
    private final String[] names;
    private final String[] internal;
    private final String literalPrefix;

    private PathRegex(String routePath, Pattern pattern, String[] names, String literalPrefix) {
        this.routePath = routePath;
        this.pattern = pattern;
        this.names = names;
        this.internal = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            internal[i] = "kj" + i;
        }
        this.literalPrefix = literalPrefix;
    }

    /**
     * Compiles a route path of the form {@code ~regex}.
     *
     * @throws IllegalArgumentException when the path does not start with {@code ~} or the regex does not compile;
     *                                  the message names the path and the reason
     */
    public static PathRegex compile(String routePath) {
        if (routePath == null || routePath.isEmpty() || routePath.charAt(0) != '~') {
            throw new IllegalArgumentException("regex path: '" + routePath + "' (expected: '~' followed by a regex)");
        }
        String re = routePath.substring(1);
        List<String> names = new ArrayList<>();
        String javaRe = renameGroups(re, names);
        Pattern p;
        try {
            p = Pattern.compile("^" + javaRe);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("invalid regex: '" + re + "' (" + e.getDescription()
                    + " near index " + e.getIndex() + ")", e);
        }
        return new PathRegex(routePath, p, names.toArray(String[]::new), literalPrefix(javaRe));
    }

    /** The route path this was compiled from, including the leading {@code ~}. */
    public String routePath() {
        return routePath;
    }

    /**
     * A string every path this regex matches must start with (possibly empty): lets the router index
     * regex routes in its prefix trie. Conservative: stops at the first metacharacter, drops a literal
     * made optional by a following quantifier, and is empty whenever the regex has an alternation.
     */
    public String literalPrefix() {
        return literalPrefix;
    }

    /** Searches the path; null when there is no match (or the search exceeds its step budget, see {@link BoundedInput}). */
    public Matcher match(String normalizedPath) {
        return BoundedInput.find(pattern, normalizedPath);
    }

    /**
     * Kong's {@code uri_captures} for a match: "0" = whole match, "1".."n" for participating groups,
     * plus named groups by name; empty when the regex has no groups (Kong then has no captures).
     */
    public Map<String, String> captures(Matcher m) {
        int count = m.groupCount();
        if (count == 0) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i <= count; i++) {
            String g = m.group(i);
            if (g != null) {
                out.put(Integer.toString(i), g);
            }
        }
        for (int i = 0; i < names.length; i++) {
            String g = m.group(internal[i]);
            if (g != null) {
                out.put(names[i], g);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** Rewrites {@code (?P<name>} and {@code (?<name>} outside character classes to {@code (?<kjN>}. */
    private static String renameGroups(String re, List<String> names) {
        if (re.indexOf("(?") < 0) {
            return re;
        }
        StringBuilder out = new StringBuilder(re.length() + 8);
        int depth = 0; // character-class nesting
        int n = re.length();
        int i = 0;
        while (i < n) {
            char c = re.charAt(i);
            if (c == '\\') {
                out.append(c);
                if (i + 1 < n) {
                    out.append(re.charAt(i + 1));
                }
                i += 2;
                continue;
            }
            if (depth > 0) {
                if (c == '[') {
                    depth++;
                } else if (c == ']') {
                    depth--;
                }
                out.append(c);
                i++;
                continue;
            }
            if (c == '[') {
                depth = 1;
                out.append(c);
                i++;
                // a ']' right after '[' or '[^' is a literal, not the end of the class
                if (i < n && re.charAt(i) == '^') {
                    out.append('^');
                    i++;
                }
                if (i < n && re.charAt(i) == ']') {
                    out.append(']');
                    i++;
                }
                continue;
            }
            if (c == '(' && re.startsWith("(?", i)) {
                int nameStart = re.startsWith("(?P<", i) ? i + 4 : re.startsWith("(?<", i) ? i + 3 : -1;
                if (nameStart > 0 && nameStart < n && isNameStart(re.charAt(nameStart))) {
                    int j = nameStart + 1;
                    while (j < n && isNameChar(re.charAt(j))) {
                        j++;
                    }
                    if (j < n && re.charAt(j) == '>') {
                        out.append("(?<kj").append(names.size()).append('>');
                        names.add(re.substring(nameStart, j));
                        i = j + 1;
                        continue;
                    }
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static boolean isNameStart(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isNameChar(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }

    private static String literalPrefix(String re) {
        if (re.indexOf('|') >= 0) {
            return "";
        }
        int n = re.length();
        int i = 0;
        while (i < n && ".^$?*+()[]{}\\".indexOf(re.charAt(i)) < 0) {
            i++;
        }
        if (i < n && i > 0) {
            char q = re.charAt(i);
            if (q == '?' || q == '*' || q == '{') {
                i--; // the preceding literal may be absent
                if (i > 0 && Character.isHighSurrogate(re.charAt(i - 1))) {
                    i--; // never keep half of a surrogate pair
                }
            }
        }
        return re.substring(0, i);
    }
}
