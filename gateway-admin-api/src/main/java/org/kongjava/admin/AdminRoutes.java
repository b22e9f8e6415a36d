package org.kongjava.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The Admin API's path table: each template (Kong's {@code /endpoints} spelling, e.g.
 * {@code /services/{services}/routes}) with the methods it supports and its handler.
 */
final class AdminRoutes {

    /** Handles a matched request; {@code params} are the template's {@code {name}} segments in order. */
    @FunctionalInterface
    interface Handler {
        CompletableFuture<AdminResponse> handle(AdminRequest req, List<String> params, BodyArgs.Decoded body);
    }

    /** One template and what it answers. */
    record Endpoint(String template, List<String> parts, Set<String> methods, Handler handler) {
        Endpoint {
            methods = withImplicit(methods);
        }

        private static Set<String> withImplicit(Set<String> declared) {
            Set<String> all = new TreeSet<>(declared);
            if (all.contains("GET")) {
                all.add("HEAD");
            }
            all.add("OPTIONS");
            return all;
        }

        /** The {@code {param}} values, or null when the path does not fit. */
        List<String> match(List<String> segments) {
            if (segments.size() != parts.size()) {
                return null;
            }
            List<String> params = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                String p = parts.get(i);
                String s = segments.get(i);
                if (p.startsWith("{")) {
                    if (s.isEmpty()) {
                        return null;
                    }
                    params.add(s);
                } else if (!p.equals(s)) {
                    return null;
                }
            }
            return params;
        }
    }

    /** A request resolved to its endpoint. */
    record Match(Endpoint endpoint, List<String> params) {
    }

    private final List<Endpoint> endpoints = new ArrayList<>();

    AdminRoutes add(String template, Set<String> methods, Handler handler) {
        List<String> parts = template.equals("/") ? List.of() : List.of(template.substring(1).split("/"));
        endpoints.add(new Endpoint(template, parts, methods, handler));
        return this;
    }

    Match find(List<String> segments) {
        for (Endpoint e : endpoints) {
            List<String> params = e.match(segments);
            if (params != null) {
                return new Match(e, params);
            }
        }
        return null;
    }

    /** Sorted templates for {@code GET /endpoints}. */
    List<String> templates() {
        return endpoints.stream().map(Endpoint::template).sorted().toList();
    }
}
