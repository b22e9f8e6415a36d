package org.kongjava.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.kongjava.config.declarative.DeclarativeConfig;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.config.schema.CaCertificateSchema;
import org.kongjava.config.schema.EntityException;
import org.kongjava.config.schema.EntityType;
import org.kongjava.config.schema.RouteSchema;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.config.store.DeclarativeConfigStore;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.tls.TlsPemChecks;

/**
 * The endpoints: node information, and CRUD for services and routes built from their schemas (as Kong's
 * {@code kong/api/endpoints.lua} builds them), including the nested {@code /services/{s}/routes} and
 * {@code /routes/{r}/service} forms.
 * <p>
 * Reads run on the event loop against {@code holder.current()}. Writes are {@link ConfigWriter} mutations:
 * lookups that decide the outcome (does the service exist? does the route belong to it?) run inside the
 * mutation, on the writer thread, so they see the same set the change is applied to.
 */
final class AdminApi {
    private static final ServiceSchema SERVICES = ServiceSchema.INSTANCE;
    private static final RouteSchema ROUTES = RouteSchema.INSTANCE;
    // CA certificates are checked with gateway-tls's PEM parsing (CA flag, expiry) on every write.
    private static final CaCertificateSchema CA_CERTIFICATES = new CaCertificateSchema(TlsPemChecks.INSTANCE);
    private static final Set<String> COLLECTION = Set.of("GET", "POST");
    private static final Set<String> ENTITY = Set.of("GET", "PUT", "PATCH", "DELETE");

    private final AdminContext ctx;
    private final AdminRoutes routes = new AdminRoutes();
    private final PluginEndpoints plugins;

    AdminApi(AdminContext ctx) {
        this.ctx = ctx;
        routes.add("/", Set.of("GET"), (req, p, b) -> done(AdminResponse.json(200, nodeInfo())))
                .add("/status", Set.of("GET"), (req, p, b) -> done(AdminResponse.json(200, status())))
                .add("/endpoints", Set.of("GET"), (req, p, b) -> done(AdminResponse.json(200, Map.of("data", routes.templates()))))
                .add("/config", COLLECTION, (req, p, b) -> config(req, b))
                .add("/services", COLLECTION, (req, p, b) -> collection(SERVICES, req, b, "/services"))
                .add("/services/{services}", ENTITY, (req, p, b) -> entity(SERVICES, req, p.get(0), b))
                .add("/services/{services}/routes", COLLECTION, this::serviceRoutes)
                .add("/services/{services}/routes/{routes}", ENTITY, this::serviceRoute)
                .add("/routes", COLLECTION, (req, p, b) -> collection(ROUTES, req, b, "/routes"))
                .add("/routes/{routes}", ENTITY, (req, p, b) -> entity(ROUTES, req, p.get(0), b))
                .add("/routes/{routes}/service", ENTITY, this::routeService)
                .add("/ca_certificates", COLLECTION, (req, p, b) -> collection(CA_CERTIFICATES, req, b, "/ca_certificates"))
                .add("/ca_certificates/{ca_certificates}", ENTITY, (req, p, b) -> entity(CA_CERTIFICATES, req, p.get(0), b))
                .add("/services/{services}/tls", Set.of("GET"), (req, p, b) -> serviceTls(p.get(0)));
        new UpstreamEndpoints(ctx, this).register(routes);
        new CertificateEndpoints(ctx).register(routes);
        plugins = new PluginEndpoints(ctx, this);
        plugins.register(routes);
    }

    AdminRoutes routes() {
        return routes;
    }

    // ------------------------------------------------------------------ node

    private Map<String, Object> nodeInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tagline", "Welcome to kong");
        m.put("version", ctx.kongVersion());
        m.put("edition", "community");
        m.put("hostname", ctx.hostname());
        m.put("node_id", ctx.nodeId());
        m.put("timers", Map.of("running", 0, "pending", 0));
        m.put("plugins", plugins.nodeInfo());
        long pid = ProcessHandle.current().pid();
        m.put("pids", Map.of("master", pid, "workers", List.of(pid)));
        m.put("lua_version", "kong-java " + ctx.kongJavaVersion());
        m.put("configuration", ctx.configurationForDisplay());
        m.put("kong_java_version", ctx.kongJavaVersion());
        List<Map<String, Object>> clientAddress = ctx.clientAddress().get();
        if (!clientAddress.isEmpty()) {
            m.put("client_address", clientAddress);
        }
        return m;
    }

    private Map<String, Object> status() {
        ServerCounters c = ctx.counters();
        long active = c.connectionsActive.sum();
        long busy = c.connectionsBusy.sum();
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("connections_active", active);
        server.put("connections_reading", 0);
        server.put("connections_writing", busy);
        server.put("connections_waiting", Math.max(0, active - busy));
        server.put("connections_accepted", c.connectionsAccepted.sum());
        server.put("connections_handled", c.connectionsHandled.sum());
        server.put("total_requests", c.totalRequests.sum());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("server", server);
        if (ctx.proxyProtocolStats() != null) {
            m.put("proxy_protocol", ctx.proxyProtocolStats().snapshot());
        }
        DeclarativeConfigStore dbless = dbless();
        if (dbless == null) {
            m.put("database", Map.of("reachable", ctx.writer().store().reachable()));
        } else {
            m.put("configuration_hash", dbless.hash());
        }
        return m;
    }

    // ------------------------------------------------------------------ generic CRUD

    <T> CompletableFuture<AdminResponse> collection(EntityType<T> type, AdminRequest req, BodyArgs.Decoded body, String base) {
        if (isRead(req)) {
            Paging.Query q = Paging.query(req);
            EntitySet set = ctx.holder().current().entities();
            return done(AdminResponse.json(200, Paging.page(type, type.ordered(set), q, base, true)));
        }
        if (dbless() != null) {
            return refused("create", type);
        }
        Map<String, Object> args = args(type, body);
        long now = now();
        return write(cur -> type.insert(cur, args, now), e -> AdminResponse.json(201, type.encode(e)));
    }

    <T> CompletableFuture<AdminResponse> entity(EntityType<T> type, AdminRequest req, String key, BodyArgs.Decoded body) {
        long now = now();
        switch (req.method()) {
            case "PUT" -> {
                if (dbless() != null) {
                    return refused("create or update", type);
                }
                Map<String, Object> args = args(type, body);
                return write(cur -> type.upsert(cur, key, args, now), e -> AdminResponse.json(200, type.encode(e)));
            }
            case "PATCH" -> {
                if (dbless() != null) {
                    return refused("update", type);
                }
                Map<String, Object> args = args(type, body);
                return write(cur -> type.update(cur, key, args, now), e -> AdminResponse.json(200, type.encode(e)));
            }
            case "DELETE" -> {
                if (dbless() != null) {
                    // Kong looks the entity up first: deleting nothing succeeds even without a database.
                    return type.find(ctx.holder().current().entities(), key) == null
                            ? done(AdminResponse.empty(204)) : refused("remove", type);
                }
                return ctx.writer().<Boolean>submit(cur -> {
                    T e = type.find(cur, key);
                    return e == null ? ConfigWriter.Result.unchanged(Boolean.FALSE)
                            : new ConfigWriter.Result<>(type.delete(cur, e), Boolean.TRUE);
                }).thenApply(x -> AdminResponse.empty(204));
            }
            default -> {
                T e = type.find(ctx.holder().current().entities(), key);
                return done(e == null ? AdminResponse.notFound() : AdminResponse.json(200, type.encode(e)));
            }
        }
    }

    // ------------------------------------------------------------------ /services/{s}/tls (kong-java)

    /**
     * The effective upstream TLS settings of a service, as the current snapshot applies them: verification and where
     * it comes from, depth, trust source, client certificate, and how the SNI is chosen. A kong-java extension; Kong
     * has no such endpoint. A service that does not use TLS upstream answers {@code {"tls": false}}.
     */
    private CompletableFuture<AdminResponse> serviceTls(String key) {
        var snap = ctx.holder().current();
        Service s = SERVICES.find(snap.entities(), key);
        if (s == null) {
            return done(AdminResponse.notFound());
        }
        var policy = snap.upstreamTls().policy(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("service", Map.of("id", s.id().toString()));
        m.put("protocol", s.protocol().wireName());
        m.put("tls", policy != null);
        if (policy != null) {
            m.putAll(policy.describe());
            var upstream = snap.entities().upstreams().values().stream()
                    .filter(u -> u.name().equals(s.host())).findFirst().orElse(null);
            String sni;
            if (upstream != null && upstream.hostHeader() != null) {
                sni = "upstream host_header '" + upstream.hostHeader() + "' (the client's Host with preserve_host)";
            } else if (upstream != null) {
                sni = "the target's host (the client's Host with preserve_host)";
            } else {
                sni = "'" + s.host() + "' (the client's Host with preserve_host)";
            }
            m.put("sni", sni);
        }
        return done(AdminResponse.json(200, m));
    }

    // ------------------------------------------------------------------ /services/{s}/routes[/{r}]

    private CompletableFuture<AdminResponse> serviceRoutes(AdminRequest req, List<String> params, BodyArgs.Decoded body) {
        String key = params.get(0);
        if (isRead(req)) {
            EntitySet set = ctx.holder().current().entities();
            Service s = SERVICES.find(set, key);
            if (s == null) {
                return done(AdminResponse.notFound());
            }
            Paging.Query q = Paging.query(req);
            String base = "/services/" + key + "/routes";
            return done(AdminResponse.json(200, Paging.page(ROUTES, ROUTES.ofService(set, s.id()), q, base, false)));
        }
        if (dbless() != null) {
            return refused("create", ROUTES);
        }
        Map<String, Object> args = new LinkedHashMap<>(args(ROUTES, body));
        long now = now();
        return write(cur -> {
            Service s = requireService(cur, key);
            args.put("service", ref(s.id()));
            return ROUTES.insert(cur, args, now);
        }, r -> AdminResponse.json(201, ROUTES.encode(r)));
    }

    private CompletableFuture<AdminResponse> serviceRoute(AdminRequest req, List<String> params, BodyArgs.Decoded body) {
        String serviceKey = params.get(0);
        String routeKey = params.get(1);
        long now = now();
        if (dbless() != null && !isRead(req)) {
            String op = switch (req.method()) {
                case "PUT" -> "create or update";
                case "PATCH" -> "update";
                default -> "remove";
            };
            return refused(op, ROUTES);
        }
        switch (req.method()) {
            case "PUT" -> {
                Map<String, Object> args = new LinkedHashMap<>(args(ROUTES, body));
                return write(cur -> {
                    Service s = requireService(cur, serviceKey);
                    Route existing = ROUTES.find(cur, routeKey);
                    if (existing != null && !s.id().equals(existing.serviceId())) {
                        throw AdminException.notFound();
                    }
                    args.put("service", ref(s.id()));
                    return ROUTES.upsert(cur, routeKey, args, now);
                }, r -> AdminResponse.json(200, ROUTES.encode(r)));
            }
            case "PATCH" -> {
                Map<String, Object> args = new LinkedHashMap<>(args(ROUTES, body));
                return write(cur -> {
                    Service s = requireService(cur, serviceKey);
                    Route r = requireRouteOf(cur, s, routeKey);
                    args.putIfAbsent("service", ref(s.id()));
                    return ROUTES.update(cur, r.id().toString(), args, now);
                }, r -> AdminResponse.json(200, ROUTES.encode(r)));
            }
            case "DELETE" -> {
                return ctx.writer().<Boolean>submit(cur -> {
                    Service s = requireService(cur, serviceKey);
                    Route r = requireRouteOf(cur, s, routeKey);
                    return new ConfigWriter.Result<>(ROUTES.delete(cur, r), Boolean.TRUE);
                }).thenApply(x -> AdminResponse.empty(204));
            }
            default -> {
                EntitySet set = ctx.holder().current().entities();
                Service s = SERVICES.find(set, serviceKey);
                Route r = s == null ? null : ROUTES.find(set, routeKey);
                if (r == null || !s.id().equals(r.serviceId())) {
                    return done(AdminResponse.notFound());
                }
                return done(AdminResponse.json(200, ROUTES.encode(r)));
            }
        }
    }

    // ------------------------------------------------------------------ /routes/{r}/service

    private CompletableFuture<AdminResponse> routeService(AdminRequest req, List<String> params, BodyArgs.Decoded body) {
        String routeKey = params.get(0);
        long now = now();
        if (dbless() != null && (req.method().equals("PUT") || req.method().equals("PATCH"))) {
            return refused(req.method().equals("PUT") ? "create or update" : "update", SERVICES);
        }
        switch (req.method()) {
            case "PUT" -> {
                Map<String, Object> args = args(SERVICES, body);
                return write(cur -> {
                    Route r = ROUTES.find(cur, routeKey);
                    if (r == null) {
                        throw AdminException.notFound();
                    }
                    if (r.serviceId() != null) {
                        return SERVICES.upsert(cur, r.serviceId().toString(), args, now);
                    }
                    // A route without a service gets a new one, then points to it (Kong's "associate").
                    EntityType.Written<Service> created = SERVICES.upsert(cur, UUID.randomUUID().toString(), args, now);
                    Map<String, Object> link = new LinkedHashMap<>();
                    link.put("service", ref(created.entity().id()));
                    EntityType.Written<Route> linked = ROUTES.update(created.next(), r.id().toString(), link, now);
                    return new EntityType.Written<>(linked.next(), created.entity());
                }, s -> AdminResponse.json(200, SERVICES.encode(s)));
            }
            case "PATCH" -> {
                Map<String, Object> args = args(SERVICES, body);
                return write(cur -> {
                    Route r = ROUTES.find(cur, routeKey);
                    if (r == null || r.serviceId() == null) {
                        throw AdminException.notFound();
                    }
                    return SERVICES.update(cur, r.serviceId().toString(), args, now);
                }, s -> AdminResponse.json(200, SERVICES.encode(s)));
            }
            default -> {
                EntitySet set = ctx.holder().current().entities();
                Route r = ROUTES.find(set, routeKey);
                Service s = r == null || r.serviceId() == null ? null : set.services().get(r.serviceId());
                if (s == null) {
                    return done(AdminResponse.notFound());
                }
                if (req.method().equals("DELETE")) {
                    return done(AdminResponse.methodNotAllowed());
                }
                return done(AdminResponse.json(200, SERVICES.encode(s)));
            }
        }
    }

    // ------------------------------------------------------------------ /config (DB-less)

    private static final String ONLY_DBLESS = "this endpoint is only available when Kong is configured to not use a database";

    private CompletableFuture<AdminResponse> config(AdminRequest req, BodyArgs.Decoded body) {
        DeclarativeConfigStore store = dbless();
        if (store == null) {
            return done(AdminResponse.message(400, ONLY_DBLESS));
        }
        if (isRead(req)) {
            String yaml = DeclarativeConfig.exportYaml(ctx.holder().current().entities());
            return done(AdminResponse.json(200, Map.of("config", yaml)));
        }
        Map<String, Object> args = body.args();
        String text = null;
        Object doc = null;
        if (body.raw() != null && !body.raw().isBlank()) {
            text = body.raw();
        } else if (args.containsKey("_format_version")) {
            doc = args;
        } else if (args.get("config") instanceof String s && !s.isBlank()) {
            text = s;
        } else if (args.get("config") instanceof Map<?, ?> m) {
            doc = m;
        }
        if (text == null && doc == null) {
            return done(AdminResponse.message(400, "expected a declarative configuration"));
        }
        if (text != null && isTrue(req.queryArg("check_hash")) && DeclarativeConfig.md5(text).equals(store.hash())) {
            return done(AdminResponse.empty(304));
        }
        String source = text;
        Object object = doc;
        long now = now();
        boolean flatten = isTrue(req.queryArg("flatten_errors"));
        // Parsing a large file is real work: it runs on the config writer thread, never on the event loop.
        return ctx.writer().<DeclarativeConfig.Result>submit(cur -> {
            DeclarativeConfig.Result r = source != null
                    ? DeclarativeConfig.parse(source, DeclarativeConfig.Syntax.AUTO, cur.version() + 1, now, TlsPemChecks.INSTANCE)
                    : DeclarativeConfig.fromDocument(object, cur.version() + 1, now, TlsPemChecks.INSTANCE);
            store.stage(r.hash());
            return new ConfigWriter.Result<>(r.entities(), r);
        }).handle((r, err) -> {
            if (err == null) {
                return AdminResponse.json(201, flattened(r.entities()));
            }
            Throwable t = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
            if (flatten && t instanceof EntityException e && e.code() == EntityException.INVALID_DECLARATIVE_CONFIGURATION) {
                Map<String, Object> out = e.toJsonMap();
                out.put("flattened_errors", e.flattenedErrors());
                return AdminResponse.json(400, out);
            }
            throw err instanceof java.util.concurrent.CompletionException c ? c : new java.util.concurrent.CompletionException(t);
        });
    }

    /** {@code POST /config}'s answer: every entity by type, then by id. */
    private static Map<String, Object> flattened(EntitySet set) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("services", byId(SERVICES, set));
        out.put("routes", byId(ROUTES, set));
        out.put("plugins", byId(org.kongjava.config.schema.PluginSchema.INSTANCE, set));
        return out;
    }

    private static <T> Map<String, Object> byId(EntityType<T> type, EntitySet set) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (T e : type.ordered(set)) {
            m.put(type.id(e).toString(), type.encode(e));
        }
        return m;
    }

    private static boolean isTrue(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("on") || v.equalsIgnoreCase("yes"));
    }

    /** The DB-less store, or null when the node has a database. */
    private DeclarativeConfigStore dbless() {
        return ctx.writer().store() instanceof DeclarativeConfigStore d ? d : null;
    }

    /** Kong's DB-less refusal of a write (405, code 12). */
    static CompletableFuture<AdminResponse> refused(String operation, EntityType<?> type) {
        return CompletableFuture.failedFuture(EntityException.operationUnsupported(operation, type.name()));
    }

    // ------------------------------------------------------------------ helpers

    private static Service requireService(EntitySet set, String key) {
        Service s = SERVICES.find(set, key);
        if (s == null) {
            throw AdminException.notFound();
        }
        return s;
    }

    private static Route requireRouteOf(EntitySet set, Service s, String key) {
        Route r = ROUTES.find(set, key);
        if (r == null || !s.id().equals(r.serviceId())) {
            throw AdminException.notFound();
        }
        return r;
    }

    static Map<String, Object> ref(UUID id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id.toString());
        return m;
    }

    static boolean isRead(AdminRequest req) {
        return req.method().equals("GET") || req.method().equals("HEAD");
    }

    static <T> Map<String, Object> args(EntityType<T> type, BodyArgs.Decoded body) {
        return body.fromForm() ? type.inferForm(body.args()) : body.args();
    }

    /** Runs a write on the config writer; the response is built once the new snapshot is live. */
    <T> CompletableFuture<AdminResponse> write(WriteStep<T> step, Function<T, AdminResponse> ok) {
        return ctx.writer().<T>submit(cur -> {
            EntityType.Written<T> w = step.apply(cur);
            return new ConfigWriter.Result<>(w.next(), w.entity());
        }).thenApply(ok);
    }

    @FunctionalInterface
    interface WriteStep<T> {
        EntityType.Written<T> apply(EntitySet current);
    }

    static CompletableFuture<AdminResponse> done(AdminResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }
}
