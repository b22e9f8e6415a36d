package org.kongjava.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Plugin;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.config.schema.PluginSchema;
import org.kongjava.config.schema.RouteSchema;
import org.kongjava.config.schema.ServiceSchema;

/**
 * {@code /plugins} ({@code kong/api/routes/plugins.lua}): the generic collection and entity endpoints,
 * {@code /plugins/enabled}, and the plugins nested under a route or a service. Only {@code ip-restriction}
 * exists on this node; any other name is refused by the schema with Kong's "not enabled" error.
 */
final class PluginEndpoints {
    private static final PluginSchema PLUGINS = PluginSchema.INSTANCE;

    private final AdminContext ctx;
    private final AdminApi api;

    PluginEndpoints(AdminContext ctx, AdminApi api) {
        this.ctx = ctx;
        this.api = api;
    }

    void register(AdminRoutes routes) {
        // Before /plugins/{plugins}: templates match in registration order.
        routes.add("/plugins/enabled", Set.of("GET"), (req, p, b) -> AdminApi.done(AdminResponse.json(200,
                        Map.of("enabled_plugins", PluginSchema.AVAILABLE))))
                .add("/plugins", Set.of("GET", "POST"), (req, p, b) -> api.collection(PLUGINS, req, b, "/plugins"))
                .add("/plugins/{plugins}", Set.of("GET", "PUT", "PATCH", "DELETE"), (req, p, b) -> api.entity(PLUGINS, req, p.get(0), b))
                .add("/routes/{routes}/plugins", Set.of("GET", "POST"), (req, p, b) -> nested(req, p.get(0), b, "route"))
                .add("/services/{services}/plugins", Set.of("GET", "POST"), (req, p, b) -> nested(req, p.get(0), b, "service"))
                .add("/routes/{routes}/plugins/{plugins}", Set.of("GET", "PATCH", "DELETE"),
                        (req, p, b) -> nestedEntity(req, p.get(0), p.get(1), b, "route"))
                .add("/services/{services}/plugins/{plugins}", Set.of("GET", "PATCH", "DELETE"),
                        (req, p, b) -> nestedEntity(req, p.get(0), p.get(1), b, "service"));
    }

    /** {@code GET /}'s {@code plugins}: what this node has, and what the configuration uses. */
    Map<String, Object> nodeInfo() {
        Map<String, Object> available = new LinkedHashMap<>();
        for (String name : PluginSchema.AVAILABLE) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("version", ctx.kongVersion());
            m.put("priority", PluginSchema.IP_RESTRICTION_PRIORITY);
            available.put(name, m);
        }
        Map<String, Object> plugins = new LinkedHashMap<>();
        plugins.put("available_on_server", available);
        plugins.put("enabled_in_cluster", ctx.holder().current().entities().plugins().values().stream()
                .map(Plugin::name).distinct().sorted().toList());
        return plugins;
    }

    /**
     * {@code /routes/{r}/plugins/{p}} and {@code /services/{s}/plugins/{p}}: the plugin must be scoped to that route or
     * service (else 404), then it is read, patched or deleted as by {@code /plugins/{p}}.
     */
    private CompletableFuture<AdminResponse> nestedEntity(AdminRequest req, String parentKey, String key, BodyArgs.Decoded body,
                                                          String field) {
        EntitySet set = ctx.holder().current().entities();
        java.util.UUID parent;
        if (field.equals("route")) {
            Route r = RouteSchema.INSTANCE.find(set, parentKey);
            parent = r == null ? null : r.id();
        } else {
            Service s = ServiceSchema.INSTANCE.find(set, parentKey);
            parent = s == null ? null : s.id();
        }
        Plugin p = parent == null ? null : PLUGINS.find(set, key);
        if (p == null || !parent.equals(field.equals("route") ? p.routeId() : p.serviceId())) {
            return AdminApi.done(AdminResponse.notFound());
        }
        return api.entity(PLUGINS, req, p.id().toString(), body);
    }

    /** {@code /routes/{r}/plugins} and {@code /services/{s}/plugins}: the parent must exist (else 404). */
    private CompletableFuture<AdminResponse> nested(AdminRequest req, String key, BodyArgs.Decoded body, String field) {
        String base = "/" + field + "s/" + key + "/plugins";
        if (AdminApi.isRead(req)) {
            EntitySet set = ctx.holder().current().entities();
            List<Plugin> list;
            if (field.equals("route")) {
                Route r = RouteSchema.INSTANCE.find(set, key);
                list = r == null ? null : PLUGINS.ofRoute(set, r);
            } else {
                Service s = ServiceSchema.INSTANCE.find(set, key);
                list = s == null ? null : PLUGINS.ofService(set, s);
            }
            if (list == null) {
                return AdminApi.done(AdminResponse.notFound());
            }
            return AdminApi.done(AdminResponse.json(200, Paging.page(PLUGINS, list, Paging.query(req), base, false)));
        }
        if (ctx.writer().store() instanceof org.kongjava.config.store.DeclarativeConfigStore) {
            return AdminApi.refused("create", PLUGINS);
        }
        Map<String, Object> args = new LinkedHashMap<>(AdminApi.args(PLUGINS, body));
        long now = AdminApi.now();
        return api.write(cur -> {
            java.util.UUID parent;
            if (field.equals("route")) {
                Route r = RouteSchema.INSTANCE.find(cur, key);
                parent = r == null ? null : r.id();
            } else {
                Service s = ServiceSchema.INSTANCE.find(cur, key);
                parent = s == null ? null : s.id();
            }
            if (parent == null) {
                throw AdminException.notFound();
            }
            args.put(field, AdminApi.ref(parent));
            return PLUGINS.insert(cur, args, now);
        }, p -> AdminResponse.json(201, PLUGINS.encode(p)));
    }
}
