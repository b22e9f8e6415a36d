package org.kongjava.config.conf;

import java.util.ArrayList;
import java.util.List;

/** Text helpers with Lua's notion of blanks ({@code %s}: space, tab, CR, LF, VT, FF), not Unicode's. */
final class Strings {

    private Strings() {
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\u000B' || c == '\f';
    }

    static String trim(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    /** Kong's list rule: split on commas, trim items, drop empty items. */
    static List<String> splitList(String raw) {
        List<String> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        for (String item : raw.split(",", -1)) {
            String t = trim(item);
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    /** Whitespace-separated tokens. */
    static List<String> tokens(String raw) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < raw.length()) {
            while (i < raw.length() && isSpace(raw.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < raw.length() && !isSpace(raw.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(raw.substring(start, i));
            }
        }
        return out;
    }
}
