package org.kongjava.config.route;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Regex input with a step budget. Kong evaluates route regexes with Rust's linear-time engine;
 * java.util.regex backtracks, so a pattern such as {@code (a+)+$} and a crafted path or header value
 * could otherwise keep an event loop busy for minutes. Every character read costs one step; when the
 * budget is spent the search stops and counts as "no match".
 */
public final class BoundedInput implements CharSequence {

    /** Thrown (preallocated, no stack trace) when the budget is spent. */
    private static final class Exhausted extends RuntimeException {
        Exhausted() {
            super("regex step budget exhausted", null, false, false);
        }
    }

    private static final Exhausted EXHAUSTED = new Exhausted();

    private final String s;
    private int budget;

    private BoundedInput(String s) {
        this.s = s;
        // generous for any sane pattern (each character is typically read a few times)
        this.budget = 10_000 + 200 * s.length();
    }

    /** {@code find()} of {@code p} in {@code s}; the matcher when found, null when not found or out of budget. */
    public static Matcher find(Pattern p, String s) {
        Matcher m = p.matcher(new BoundedInput(s));
        try {
            return m.find() ? m : null;
        } catch (Exhausted e) {
            return null;
        }
    }

    @Override
    public int length() {
        return s.length();
    }

    @Override
    public char charAt(int index) {
        if (--budget < 0) {
            throw EXHAUSTED;
        }
        return s.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return s.substring(start, end);
    }

    @Override
    public String toString() {
        return s;
    }
}
