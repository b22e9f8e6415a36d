package org.kongjava.core.router;

/**
 * Joins the service path and the request path into the upstream path (routing.md §7,
 * {@code get_upstream_uri_v0} in {@code kong/router/utils.lua}). traditional_compatible applies v0 to
 * every route, including those with {@code path_handling = v1}.
 */
final class UpstreamPath {
    private UpstreamPath() {
    }

    /**
     * @param servicePath the service path, null for {@code /}
     * @param path        the normalized request path (R)
     * @param prefix      the matched prefix or whole regex match when strip_path is on, else null
     * @param stripPath   the route's strip_path
     * @return the upstream path before percent-escaping
     */
    static String v0(String servicePath, String path, String prefix, boolean stripPath) {
        String base = servicePath == null ? "/" : servicePath;
        // Kong strips "/" when there is no matched prefix (strip off, or a route without paths).
        String p = prefix == null ? "/" : prefix;
        String postfix = sanitizePostfix(p.length() < path.length() ? path.substring(p.length()) : "");
        boolean pathEndsWithSlash = !path.isEmpty() && path.charAt(path.length() - 1) == '/';

        if (!base.isEmpty() && base.charAt(base.length() - 1) == '/') {
            if (stripPath) {
                if (postfix.isEmpty()) {
                    if (base.equals("/")) {
                        return "/";
                    }
                    return pathEndsWithSlash ? base : base.substring(0, base.length() - 1);
                }
                if (postfix.charAt(0) == '/') {
                    return base.substring(0, base.length() - 1) + postfix;
                }
                return base + postfix;
            }
            return base + (path.isEmpty() ? "" : path.substring(1));
        }

        if (stripPath) {
            if (postfix.isEmpty()) {
                return path.length() > 1 && pathEndsWithSlash ? base + "/" : base;
            }
            if (postfix.charAt(0) == '/') {
                return base + postfix;
            }
            return base + "/" + postfix;
        }
        return path.equals("/") ? base : base + path;
    }

    /** {@code .} and {@code ..} become empty; a leading {@code ./} or {@code ../} is dropped. */
    static String sanitizePostfix(String x) {
        if (x.isEmpty() || x.charAt(0) != '.') {
            return x;
        }
        if (x.equals(".") || x.equals("..")) {
            return "";
        }
        if (x.startsWith("./")) {
            return x.substring(2);
        }
        if (x.startsWith("../")) {
            return x.substring(3);
        }
        return x;
    }
}
