package org.kongjava.config.schema;

/**
 * What Rust's {@code regex} crate (Kong's router engine) rejects that {@code java.util.regex} accepts:
 * look-around, back-references, atomic groups and possessive quantifiers.
 */
final class RegexDialect {

    private RegexDialect() {
    }

    /** The reason the pattern is unsupported, or null when the router can use it. */
    static String unsupported(String regex) {
        boolean inClass = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char n = regex.charAt(i + 1);
                if (!inClass && ((n >= '1' && n <= '9') || n == 'k')) {
                    return "backreferences are not supported";
                }
                i++;
                continue;
            }
            if (inClass) {
                inClass = c != ']';
                continue;
            }
            if (c == '[') {
                inClass = true;
            } else if (c == '(' && regex.startsWith("(?", i)) {
                String rest = regex.substring(i + 2);
                if (rest.startsWith("=") || rest.startsWith("!") || rest.startsWith("<=") || rest.startsWith("<!")) {
                    return "look-around, including look-ahead and look-behind, is not supported";
                }
                if (rest.startsWith(">")) {
                    return "atomic groups are not supported";
                }
            } else if (c == '+' && i > 0 && "*+?}".indexOf(regex.charAt(i - 1)) >= 0 && (i < 2 || regex.charAt(i - 2) != '\\')) {
                return "possessive quantifiers are not supported";
            }
        }
        return null;
    }
}
