package org.kongjava.admin;

import static org.kongjava.admin.AdminApi.args;
import static org.kongjava.admin.AdminApi.done;
import static org.kongjava.admin.AdminApi.isRead;
import static org.kongjava.admin.AdminApi.now;
import static org.kongjava.admin.AdminApi.ref;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.kongjava.config.model.Certificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Service;
import org.kongjava.config.model.Sni;
import org.kongjava.config.schema.CertificateSchema;
import org.kongjava.config.schema.EntityType;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.config.schema.SniSchema;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.tls.TlsPemChecks;

/**
 * {@code /certificates}, {@code /certificates/{c}}, {@code /certificates/{c}/snis[/{n}]}, {@code /snis},
 * {@code /snis/{n}}, {@code /snis/{n}/certificate} and {@code /services/{s}/client_certificate}, as Kong's {@code kong/api/routes/certificates.lua} shapes
 * them over the generic endpoints:
 * <ul>
 *   <li>{@code {c}} is a certificate id or the name of one of its SNIs. An unknown name is
 *       {@code 404 {"message":"SNI not found"}}, except for PUT, which creates a certificate with a new id and that
 *       name among its {@code snis}.</li>
 *   <li>Every certificate in a response carries its sorted {@code snis} and kong-java's read-only
 *       {@code expires_at}.</li>
 * </ul>
 * As in {@link AdminApi}, lookups that decide a write run inside the config mutation.
 */
final class CertificateEndpoints {
    static final CertificateSchema CERTS = new CertificateSchema(TlsPemChecks.INSTANCE);
    private static final SniSchema SNIS = SniSchema.INSTANCE;
    private static final Set<String> COLLECTION = Set.of("GET", "POST");
    private static final Set<String> ENTITY = Set.of("GET", "PUT", "PATCH", "DELETE");

    private final AdminContext ctx;

    CertificateEndpoints(AdminContext ctx) {
        this.ctx = ctx;
    }

    void register(AdminRoutes routes) {
        routes.add("/certificates", COLLECTION, guard(CERTS, (req, p, b) -> certificates(req, b)))
                .add("/certificates/{certificates}", ENTITY, guard(CERTS, (req, p, b) -> certificate(req, p.get(0), b)))
                .add("/certificates/{certificates}/snis", COLLECTION, guard(SNIS, (req, p, b) -> certificateSnis(req, p.get(0), b)))
                .add("/certificates/{certificates}/snis/{snis}", ENTITY,
                        guard(SNIS, (req, p, b) -> certificateSni(req, p.get(0), p.get(1), b)))
                .add("/snis", COLLECTION, guard(SNIS, (req, p, b) -> snis(req, b)))
                .add("/snis/{snis}", ENTITY, guard(SNIS, (req, p, b) -> sni(req, p.get(0), b)))
                .add("/snis/{snis}/certificate", ENTITY, guard(CERTS, (req, p, b) -> sniCertificate(req, p.get(0), b)))
                .add("/services/{services}/client_certificate", ENTITY,
                        guard(CERTS, (req, p, b) -> serviceCertificate(req, p.get(0), b)));
    }

    /** DB-less mode: reads work, every write is Kong's 405 (code 12); the configuration changes only by /config. */
    private AdminRoutes.Handler guard(EntityType<?> type, AdminRoutes.Handler h) {
        return (req, p, b) -> {
            if (!isRead(req) && ctx.writer().store() instanceof org.kongjava.config.store.DeclarativeConfigStore) {
                String op = switch (req.method()) {
                    case "POST" -> "create";
                    case "PUT" -> "create or update";
                    case "PATCH" -> "update";
                    default -> "remove";
                };
                return AdminApi.refused(op, type);
            }
            return h.handle(req, p, b);
        };
    }

    // ------------------------------------------------------------------ /certificates

    private CompletableFuture<AdminResponse> certificates(AdminRequest req, BodyArgs.Decoded body) {
        if (isRead(req)) {
            EntitySet set = current();
            Map<UUID, List<String>> names = CertificateSchema.sniNamesByCertificate(set);
            return done(AdminResponse.json(200, Paging.page(CERTS, CERTS.ordered(set), Paging.query(req), "/certificates", true,
                    c -> CERTS.encode(c, names.getOrDefault(c.id(), List.of())))));
        }
        Map<String, Object> args = certArgs(body);
        long now = now();
        return writeCert(cur -> CERTS.insert(cur, args, now), 201);
    }

    private CompletableFuture<AdminResponse> certificate(AdminRequest req, String key, BodyArgs.Decoded body) {
        long now = now();
        switch (req.method()) {
            case "PUT" -> {
                Map<String, Object> args = certArgs(body);
                return writeCert(cur -> {
                    Resolved r = resolve(cur, key, true);
                    if (r.sniName() != null) {
                        addName(args, r.sniName());
                    }
                    return CERTS.upsert(cur, r.id().toString(), args, now);
                }, 200);
            }
            case "PATCH" -> {
                Map<String, Object> args = certArgs(body);
                return writeCert(cur -> CERTS.update(cur, resolve(cur, key, false).id().toString(), args, now), 200);
            }
            case "DELETE" -> {
                return ctx.writer().<Boolean>submit(cur -> {
                    Certificate c = CERTS.collection(cur).get(resolve(cur, key, false).id());
                    return c == null ? ConfigWriter.Result.unchanged(Boolean.FALSE)
                            : new ConfigWriter.Result<>(CERTS.delete(cur, c), Boolean.TRUE);
                }).thenApply(x -> AdminResponse.empty(204));
            }
            default -> {
                EntitySet set = current();
                Certificate c = CERTS.collection(set).get(resolve(set, key, false).id());
                return done(c == null ? AdminResponse.notFound() : AdminResponse.json(200, CERTS.encode(set, c)));
            }
        }
    }

    // ------------------------------------------------------------------ /certificates/{c}/snis[/{n}]

    private CompletableFuture<AdminResponse> certificateSnis(AdminRequest req, String certKey, BodyArgs.Decoded body) {
        if (isRead(req)) {
            EntitySet set = current();
            Certificate c = requireCertificate(set, certKey);
            return done(AdminResponse.json(200, Paging.page(SNIS, SNIS.ofCertificate(set, c.id()), Paging.query(req),
                    "/certificates/" + certKey + "/snis", false)));
        }
        Map<String, Object> args = new LinkedHashMap<>(args(SNIS, body));
        long now = now();
        return writeSni(cur -> {
            args.put("certificate", ref(requireCertificate(cur, certKey).id()));
            return SNIS.insert(cur, args, now);
        }, 201);
    }

    private CompletableFuture<AdminResponse> certificateSni(AdminRequest req, String certKey, String sniKey, BodyArgs.Decoded body) {
        long now = now();
        switch (req.method()) {
            case "PUT" -> {
                Map<String, Object> args = new LinkedHashMap<>(args(SNIS, body));
                return writeSni(cur -> {
                    Certificate c = requireCertificate(cur, certKey);
                    Sni existing = SNIS.find(cur, sniKey);
                    if (existing != null && !c.id().equals(existing.certificateId())) {
                        throw AdminException.notFound();
                    }
                    args.put("certificate", ref(c.id()));
                    return SNIS.upsert(cur, sniKey, args, now);
                }, 200);
            }
            case "PATCH" -> {
                Map<String, Object> args = new LinkedHashMap<>(args(SNIS, body));
                return writeSni(cur -> {
                    Certificate c = requireCertificate(cur, certKey);
                    Sni s = requireSniOf(cur, c, sniKey);
                    args.putIfAbsent("certificate", ref(c.id()));
                    return SNIS.update(cur, s.id().toString(), args, now);
                }, 200);
            }
            case "DELETE" -> {
                return ctx.writer().<Boolean>submit(cur -> {
                    Sni s = requireSniOf(cur, requireCertificate(cur, certKey), sniKey);
                    return new ConfigWriter.Result<>(SNIS.delete(cur, s), Boolean.TRUE);
                }).thenApply(x -> AdminResponse.empty(204));
            }
            default -> {
                EntitySet set = current();
                Sni s = requireSniOf(set, requireCertificate(set, certKey), sniKey);
                return done(AdminResponse.json(200, SNIS.encode(s)));
            }
        }
    }

    // ------------------------------------------------------------------ /snis

    private CompletableFuture<AdminResponse> snis(AdminRequest req, BodyArgs.Decoded body) {
        if (isRead(req)) {
            EntitySet set = current();
            return done(AdminResponse.json(200, Paging.page(SNIS, SNIS.ordered(set), Paging.query(req), "/snis", true)));
        }
        Map<String, Object> args = args(SNIS, body);
        long now = now();
        return writeSni(cur -> SNIS.insert(cur, args, now), 201);
    }

    private CompletableFuture<AdminResponse> sni(AdminRequest req, String key, BodyArgs.Decoded body) {
        long now = now();
        switch (req.method()) {
            case "PUT" -> {
                Map<String, Object> args = args(SNIS, body);
                return writeSni(cur -> SNIS.upsert(cur, key, args, now), 200);
            }
            case "PATCH" -> {
                Map<String, Object> args = args(SNIS, body);
                return writeSni(cur -> SNIS.update(cur, key, args, now), 200);
            }
            case "DELETE" -> {
                return ctx.writer().<Boolean>submit(cur -> {
                    Sni s = SNIS.find(cur, key);
                    return s == null ? ConfigWriter.Result.unchanged(Boolean.FALSE)
                            : new ConfigWriter.Result<>(SNIS.delete(cur, s), Boolean.TRUE);
                }).thenApply(x -> AdminResponse.empty(204));
            }
            default -> {
                Sni s = SNIS.find(current(), key);
                return done(s == null ? AdminResponse.notFound() : AdminResponse.json(200, SNIS.encode(s)));
            }
        }
    }

    /** {@code /snis/{n}/certificate}: the certificate an SNI points to (always set: the key is required). */
    private CompletableFuture<AdminResponse> sniCertificate(AdminRequest req, String key, BodyArgs.Decoded body) {
        long now = now();
        switch (req.method()) {
            case "PUT", "PATCH" -> {
                Map<String, Object> args = certArgs(body);
                boolean put = req.method().equals("PUT");
                return writeCert(cur -> {
                    Sni s = SNIS.find(cur, key);
                    if (s == null) {
                        throw AdminException.notFound();
                    }
                    String id = s.certificateId().toString();
                    return put ? CERTS.upsert(cur, id, args, now) : CERTS.update(cur, id, args, now);
                }, 200);
            }
            default -> {
                EntitySet set = current();
                Sni s = SNIS.find(set, key);
                Certificate c = s == null ? null : set.certificates().get(s.certificateId());
                if (c == null) {
                    return done(AdminResponse.notFound());
                }
                if (req.method().equals("DELETE")) {
                    return done(AdminResponse.methodNotAllowed());
                }
                return done(AdminResponse.json(200, CERTS.encode(set, c)));
            }
        }
    }

    // ------------------------------------------------------------------ /services/{s}/client_certificate

    /**
     * The certificate a service presents to its upstream. PUT on a service without one creates a certificate and
     * points the service to it (Kong's generated foreign-key endpoint); DELETE is 405.
     */
    private CompletableFuture<AdminResponse> serviceCertificate(AdminRequest req, String serviceKey, BodyArgs.Decoded body) {
        long now = now();
        switch (req.method()) {
            case "PUT" -> {
                Map<String, Object> args = certArgs(body);
                return writeCert(cur -> {
                    Service s = ServiceSchema.INSTANCE.find(cur, serviceKey);
                    if (s == null) {
                        throw AdminException.notFound();
                    }
                    if (s.clientCertificate() != null) {
                        return CERTS.upsert(cur, s.clientCertificate().toString(), args, now);
                    }
                    EntityType.Written<Certificate> created = CERTS.upsert(cur, UUID.randomUUID().toString(), args, now);
                    Map<String, Object> link = new LinkedHashMap<>();
                    link.put("client_certificate", ref(created.entity().id()));
                    EntitySet linked = ServiceSchema.INSTANCE.update(created.next(), s.id().toString(), link, now).next();
                    return new EntityType.Written<>(linked, created.entity());
                }, 200);
            }
            case "PATCH" -> {
                Map<String, Object> args = certArgs(body);
                return writeCert(cur -> {
                    Service s = ServiceSchema.INSTANCE.find(cur, serviceKey);
                    if (s == null || s.clientCertificate() == null) {
                        throw AdminException.notFound();
                    }
                    return CERTS.update(cur, s.clientCertificate().toString(), args, now);
                }, 200);
            }
            default -> {
                EntitySet set = current();
                Service s = ServiceSchema.INSTANCE.find(set, serviceKey);
                Certificate c = s == null || s.clientCertificate() == null ? null : set.certificates().get(s.clientCertificate());
                if (c == null) {
                    return done(AdminResponse.notFound());
                }
                if (req.method().equals("DELETE")) {
                    return done(AdminResponse.methodNotAllowed());
                }
                return done(AdminResponse.json(200, CERTS.encode(set, c)));
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A certificate key resolved: its id, and the SNI name when the key was a name. */
    private record Resolved(UUID id, String sniName) {
    }

    /**
     * Kong's {@code prepare_params}: a UUID is the id; a name is looked up among SNIs. An unknown name is
     * {@code 404 SNI not found}, or a new id for PUT ({@code creating}).
     */
    private static Resolved resolve(EntitySet set, String key, boolean creating) {
        if (EntityType.isUuid(key)) {
            return new Resolved(UUID.fromString(key), null);
        }
        Sni s = SNIS.find(set, key);
        if (s != null) {
            return new Resolved(s.certificateId(), key);
        }
        if (!creating) {
            throw new AdminException(AdminResponse.message(404, "SNI not found"));
        }
        return new Resolved(UUID.randomUUID(), key);
    }

    private static Certificate requireCertificate(EntitySet set, String key) {
        Certificate c = CERTS.collection(set).get(resolve(set, key, false).id());
        if (c == null) {
            throw AdminException.notFound();
        }
        return c;
    }

    private static Sni requireSniOf(EntitySet set, Certificate c, String key) {
        Sni s = SNIS.find(set, key);
        if (s == null || !c.id().equals(s.certificateId())) {
            throw AdminException.notFound();
        }
        return s;
    }

    /** The body for a certificate write; a single {@code snis} string is a one-name list, as Kong reads it. */
    private static Map<String, Object> certArgs(BodyArgs.Decoded body) {
        Map<String, Object> args = new LinkedHashMap<>(args(CERTS, body));
        if (args.get("snis") instanceof String s) {
            args.put("snis", new ArrayList<>(List.of(s)));
        }
        return args;
    }

    /** PUT by SNI name: the name joins {@code snis} (the whole list when none is given). */
    private static void addName(Map<String, Object> args, String name) {
        Object v = args.get("snis");
        if (v instanceof List<?> l) {
            if (!l.contains(name)) {
                List<Object> next = new ArrayList<>(l);
                next.add(name);
                args.put("snis", next);
            }
        } else if (v == null) {
            args.put("snis", new ArrayList<>(List.of(name)));
        }
    }

    private EntitySet current() {
        return ctx.holder().current().entities();
    }

    @FunctionalInterface
    private interface Step<T> {
        EntityType.Written<T> apply(EntitySet current);
    }

    /** A certificate write; the response (with the SNIs of the new set) is encoded on the writer thread. */
    private CompletableFuture<AdminResponse> writeCert(Step<Certificate> step, int status) {
        return ctx.writer().<Map<String, Object>>submit(cur -> {
            EntityType.Written<Certificate> w = step.apply(cur);
            return new ConfigWriter.Result<>(w.next(), CERTS.encode(w.next(), w.entity()));
        }).thenApply(m -> AdminResponse.json(status, m));
    }

    private CompletableFuture<AdminResponse> writeSni(Step<Sni> step, int status) {
        return ctx.writer().<Sni>submit(cur -> {
            EntityType.Written<Sni> w = step.apply(cur);
            return new ConfigWriter.Result<>(w.next(), w.entity());
        }).thenApply(s -> AdminResponse.json(status, SNIS.encode(s)));
    }
}
