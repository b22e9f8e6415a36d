package org.kongjava.config.schema;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * URL parsing as LuaSocket's {@code socket.url.parse} does it (Kong parses the service {@code url}
 * shorthand with it): lenient, component by component, so {@code "invalid url"} becomes a path.
 */
record SocketUrl(String scheme, String host, String port, String path) {
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z0-9][A-Za-z0-9+.-]*):");
    private static final Pattern AUTHORITY = Pattern.compile("^//([^/?#]*)");
    private static final Pattern PORT = Pattern.compile(":([^:\\]]*)$");

    /** Null for an empty string, as LuaSocket returns nil for it. */
    static SocketUrl parse(String url) {
        if (url == null || url.isEmpty()) {
            return null;
        }
        String rest = url;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        String scheme = null;
        Matcher m = SCHEME.matcher(rest);
        if (m.find()) {
            scheme = m.group(1);
            rest = rest.substring(m.end());
        }
        String authority = null;
        m = AUTHORITY.matcher(rest);
        if (m.find()) {
            authority = m.group(1);
            rest = rest.substring(m.end());
        }
        int q = rest.indexOf('?');
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        int semi = rest.indexOf(';');
        if (semi >= 0) {
            rest = rest.substring(0, semi);
        }
        String path = rest.isEmpty() ? null : rest;
        String host = null;
        String port = null;
        if (authority != null) {
            int at = authority.indexOf('@');
            if (at >= 0) {
                authority = authority.substring(at + 1);
            }
            m = PORT.matcher(authority);
            if (m.find()) {
                port = m.group(1);
                authority = authority.substring(0, m.start());
            }
            if (!authority.isEmpty()) {
                host = authority.startsWith("[") && authority.endsWith("]") && authority.length() > 2
                        ? authority.substring(1, authority.length() - 1) : authority;
            }
        }
        return new SocketUrl(scheme, host, port, path);
    }
}
