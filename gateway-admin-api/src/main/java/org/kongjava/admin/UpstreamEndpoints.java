package org.kongjava.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;
import org.kongjava.config.schema.EntityException;
import org.kongjava.config.schema.EntityType;
import org.kongjava.config.schema.TargetSchema;
import org.kongjava.config.schema.UpstreamSchema;
import org.kongjava.core.balance.BalancerRegistry;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.RoutingSnapshot;

/**
 * {@code /upstreams} and their targets, health and health overrides ({@code kong/api/routes/upstreams.lua}).
 * Targets are only reachable through their upstream; {@code GET .../targets} lists newest first with Kong's
 * numeric offsets, {@code .../targets/all} is the raw list; {@code PUT} on a target acts like {@code PATCH}.
 */
final class UpstreamEndpoints {
    private static final UpstreamSchema UPSTREAMS = UpstreamSchema.INSTANCE;
    private static final TargetSchema TARGETS = TargetSchema.INSTANCE;
    private static final Set<String> HEALTH_METHODS = Set.of("PUT", "POST");

    private final AdminContext ctx;
    private final AdminApi api;

    UpstreamEndpoints(AdminContext ctx, AdminApi api) {
        this.ctx = ctx;
        this.api = api;
    }

    void register(AdminRoutes routes) {
        routes.add("/upstreams", Set.of("GET", "POST"), (req, p, b) -> api.collection(UPSTREAMS, req, b, "/upstreams"))
                .add("/upstreams/{upstreams}", Set.of("GET", "PUT", "PATCH", "DELETE"), this::upstream)
                .add("/upstreams/{upstreams}/health", Set.of("GET"), this::health)
                .add("/upstreams/{upstreams}/targets", Set.of("GET", "POST"), this::targets)
                .add("/upstreams/{upstreams}/targets/all", Set.of("GET"), this::allTargets)
                .add("/upstreams/{upstreams}/targets/{targets}", Set.of("GET", "PUT", "PATCH", "DELETE"), this::target)
                .add("/upstreams/{upstreams}/targets/{targets}/healthy", HEALTH_METHODS, (req, p, b) -> setHealth(p, null, true))
                .add("/upstreams/{upstreams}/targets/{targets}/unhealthy", HEALTH_METHODS, (req, p, b) -> setHealth(p, null, false))
                .add("/upstreams/{upstreams}/targets/{targets}/{address}/healthy", HEALTH_METHODS,
                        (req, p, b) -> setHealth(p, p.get(2), true))
                .add("/upstreams/{upstreams}/targets/{targets}/{address}/unhealthy", HEALTH_METHODS,
                        (req, p, b) -> setHealth(p, p.get(2), false));
    }

    private CompletableFuture<AdminResponse> upstream(AdminRequest req, List<String> p, BodyArgs.Decoded body) {
        String key = p.get(0);
        if (req.method().equals("PUT") && !EntityType.isUuid(key)) {
            String err = UpstreamSchema.validateName(key);
            if (err != null) {
                return done(AdminResponse.message(400, err));
            }
        }
        return api.entity(UPSTREAMS, req, key, body);
    }

    // ------------------------------------------------------------------ targets

    private CompletableFuture<AdminResponse> targets(AdminRequest req, List<String> p, BodyArgs.Decoded body) {
        String key = p.get(0);
        if (isRead(req)) {
            EntitySet set = current().entities();
            Upstream u = UPSTREAMS.find(set, key);
            if (u == null) {
                return done(AdminResponse.notFound());
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Target t : TARGETS.ofUpstream(set, u.id())) {
                rows.add(TARGETS.encode(t));
            }
            return done(AdminResponse.json(200, numericPage(rows, req, "/upstreams/" + key + "/targets", null)));
        }
        Map<String, Object> args = new LinkedHashMap<>(args(body));
        long nowMillis = System.currentTimeMillis();
        return api.write(cur -> {
            Upstream u = requireUpstream(cur, key);
            args.put("upstream", ref(u.id()));
            return TARGETS.insert(cur, args, nowMillis);
        }, t -> AdminResponse.json(201, TARGETS.encode(t)));
    }

    private CompletableFuture<AdminResponse> allTargets(AdminRequest req, List<String> p, BodyArgs.Decoded body) {
        EntitySet set = current().entities();
        Upstream u = UPSTREAMS.find(set, p.get(0));
        if (u == null) {
            return done(AdminResponse.notFound());
        }
        List<Target> asc = new ArrayList<>(TARGETS.ofUpstream(set, u.id()));
        java.util.Collections.reverse(asc);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Target t : asc) {
            rows.add(TARGETS.encode(t));
        }
        return done(AdminResponse.json(200, numericPage(rows, req, "/upstreams/" + p.get(0) + "/targets/all", null)));
    }

    private CompletableFuture<AdminResponse> target(AdminRequest req, List<String> p, BodyArgs.Decoded body) {
        String upstreamKey = p.get(0);
        String targetKey = p.get(1);
        switch (req.method()) {
            case "PUT", "PATCH" -> {
                Map<String, Object> args = new LinkedHashMap<>(args(body));
                long nowMillis = System.currentTimeMillis();
                return api.write(cur -> {
                    Upstream u = requireUpstream(cur, upstreamKey);
                    Target t = requireTarget(cur, u, targetKey);
                    args.put("upstream", ref(u.id()));
                    return TARGETS.update(cur, t.id().toString(), args, nowMillis);
                }, t -> AdminResponse.json(200, TARGETS.encode(t)));
            }
            case "DELETE" -> {
                return ctx.writer().<Boolean>submit(cur -> {
                    Upstream u = requireUpstream(cur, upstreamKey);
                    Target t = requireTarget(cur, u, targetKey);
                    return new ConfigWriter.Result<>(TARGETS.delete(cur, t), Boolean.TRUE);
                }).thenApply(x -> AdminResponse.empty(204));
            }
            default -> {
                EntitySet set = current().entities();
                Upstream u = UPSTREAMS.find(set, upstreamKey);
                Target t = u == null ? null : TARGETS.findIn(set, u.id(), targetKey);
                return done(t == null ? AdminResponse.notFound() : AdminResponse.json(200, TARGETS.encode(t)));
            }
        }
    }

    // ------------------------------------------------------------------ health

    private CompletableFuture<AdminResponse> health(AdminRequest req, List<String> p, BodyArgs.Decoded body) {
        RoutingSnapshot snap = current();
        Upstream u = UPSTREAMS.find(snap.entities(), p.get(0));
        if (u == null) {
            return done(AdminResponse.notFound());
        }
        BalancerRegistry reg = snap.balancers().registry();
        if ("1".equals(req.queryArg("balancer_health"))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", reg == null ? null : reg.balancerReport(u.id()));
            m.put("next", null);
            m.put("node_id", ctx.nodeId());
            return done(AdminResponse.json(200, m));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Target t : TARGETS.ofUpstream(snap.entities(), u.id())) {
            Map<String, Object> row = TARGETS.encode(t);
            BalancerRegistry.TargetReport r = reg == null ? null : reg.report(u.id(), t);
            if (r != null) {
                row.put("health", r.health());
                row.put("data", r.data());
            }
            rows.add(row);
        }
        return done(AdminResponse.json(200, numericPage(rows, req, "/upstreams/" + p.get(0) + "/health", ctx.nodeId())));
    }

    private CompletableFuture<AdminResponse> setHealth(List<String> p, String address, boolean healthy) {
        RoutingSnapshot snap = current();
        Upstream u = UPSTREAMS.find(snap.entities(), p.get(0));
        Target t = u == null ? null : TARGETS.findIn(snap.entities(), u.id(), p.get(1));
        if (t == null) {
            return done(AdminResponse.notFound());
        }
        BalancerRegistry reg = snap.balancers().registry();
        String err = reg == null ? "Upstream " + u.name() + " has no balancer" : reg.setHealth(u.id(), t, address, healthy);
        return done(err == null ? AdminResponse.empty(204) : AdminResponse.message(400, err));
    }

    // ------------------------------------------------------------------ helpers

    /** Kong's targets pages: {@code offset} is the index of the first row of the next page. */
    private static Map<String, Object> numericPage(List<Map<String, Object>> rows, AdminRequest req, String base, String nodeId) {
        Paging.Query q = Paging.query(req);
        int start = 0;
        if (q.offset() != null) {
            try {
                start = Integer.parseInt(q.offset());
            } catch (NumberFormatException e) {
                throw EntityException.invalidOffset(q.offset(), "bad offset");
            }
            start = Math.max(0, Math.min(start, rows.size()));
        }
        int end = Math.min(rows.size(), start + q.size());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", new ArrayList<>(rows.subList(start, end)));
        if (end < rows.size()) {
            m.put("offset", String.valueOf(end));
            m.put("next", base + "?offset=" + end);
        } else {
            m.put("next", null);
        }
        if (nodeId != null) {
            m.put("node_id", nodeId);
        }
        return m;
    }

    private static Upstream requireUpstream(EntitySet set, String key) {
        Upstream u = UPSTREAMS.find(set, key);
        if (u == null) {
            throw AdminException.notFound();
        }
        return u;
    }

    private static Target requireTarget(EntitySet set, Upstream u, String key) {
        Target t = TARGETS.findIn(set, u.id(), key);
        if (t == null) {
            throw AdminException.notFound();
        }
        return t;
    }

    private RoutingSnapshot current() {
        return ctx.holder().current();
    }

    private static Map<String, Object> args(BodyArgs.Decoded body) {
        return body.fromForm() ? TARGETS.inferForm(body.args()) : body.args();
    }

    private static Map<String, Object> ref(UUID id) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id.toString());
        return m;
    }

    private static boolean isRead(AdminRequest req) {
        return req.method().equals("GET") || req.method().equals("HEAD");
    }

    private static CompletableFuture<AdminResponse> done(AdminResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}
