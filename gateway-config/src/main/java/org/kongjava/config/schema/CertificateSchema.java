package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.kongjava.config.model.Certificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Sni;

/**
 * Kong's Certificate entity ({@code kong/db/schema/entities/certificates.lua} with the DAO in
 * {@code kong/db/dao/certificates.lua}): PEM fields checked through {@link PemChecks}, and the write-only
 * {@code snis} list, which creates and replaces {@link Sni} entities in the same change.
 * <ul>
 *   <li>{@code snis} on POST/PUT/PATCH: a repeated name is {@code snis: <n> is duplicated}; a name owned by another
 *       certificate is {@code snis: <n> already associated with existing certificate '<id>'}; each name is then
 *       validated as an SNI entity. PUT without {@code snis} removes the certificate's SNIs (full replacement);
 *       PATCH without it leaves them.</li>
 *   <li>Deleting a certificate deletes its SNIs; a certificate a service uses as {@code client_certificate} cannot
 *       be deleted.</li>
 *   <li>Reads through {@link #encode(EntitySet, Certificate)} carry the sorted {@code snis} and kong-java's read-only
 *       {@code expires_at} (the earliest "Not After" of {@code cert} and {@code cert_alt}, Unix seconds). Both are
 *       ignored when sent back, so a GET body can be PUT again as Kong allows.</li>
 * </ul>
 * Not a singleton (unlike the other schemas): it needs a {@link PemChecks}, which only {@code gateway-tls} provides.
 */
public final class CertificateSchema extends EntityType<Certificate> {
    /** The kong-java read-only field with the expiry time. */
    public static final String EXPIRES_AT = "expires_at";

    private final PemChecks pem;
    private final EntitySchema schema;
    private final Map<UUID, Expiry> expiry = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * For reloading documents the gateway wrote itself (SQL stores): they were checked when written, and
     * {@link #fromStored} does not check complete documents again. Never use it for input from users.
     */
    public static final CertificateSchema STORED = new CertificateSchema(PemChecks.ALREADY_CHECKED);

    public CertificateSchema(PemChecks pem) {
        this.pem = Objects.requireNonNull(pem, "pem");
        this.schema = define(pem);
    }

    private static EntitySchema define(PemChecks pem) {
        Field cert = Field.string("cert").custom(pem::certificate);
        Field key = Field.string("key").custom(pem::key);
        List<Field> fields = List.of(
                Fields.id(),
                Fields.timestamp("created_at"),
                Fields.timestamp("updated_at"),
                cert.required(),
                key.required(),
                cert.named("cert_alt"),
                key.named("key_alt"),
                Fields.tags());
        EntityCheck pair = (input, s, errors) -> {
            for (String message : pem.pair(text(input, "cert", errors), text(input, "key", errors),
                    presence(input, "cert_alt", errors), presence(input, "key_alt", errors))) {
                EntityCheck.addEntityError(errors, message);
            }
        };
        return new EntitySchema("certificates", fields, List.of(pair), null, null);
    }

    /** The PEM text of a field that passed its own checks, else null (the field error is already reported). */
    private static String text(Map<String, Object> input, String field, Map<String, Object> errors) {
        return !errors.containsKey(field) && input.get(field) instanceof String s ? s : null;
    }

    /**
     * For the alternative pair the both-or-neither rule needs to know a field was given even when it is invalid;
     * an invalid one is passed as text the checker cannot parse, so it only counts as present.
     */
    private static String presence(Map<String, Object> input, String field, Map<String, Object> errors) {
        Object v = input.get(field);
        if (v == null) {
            return null;
        }
        return !errors.containsKey(field) && v instanceof String s ? s : "";
    }

    @Override
    public String name() {
        return "certificates";
    }

    @Override
    EntitySchema schema() {
        return schema;
    }

    @Override
    List<Field> extraFormFields() {
        return List.of(Field.set("snis", Field.string("sni")), Field.integer(EXPIRES_AT));
    }

    @Override
    Map<String, Object> shorthands(Map<String, Object> input) {
        if (!input.containsKey("snis") && !input.containsKey(EXPIRES_AT)) {
            return input;
        }
        // Handled by the overrides below (snis) or read-only (expires_at): never part of the stored entity.
        Map<String, Object> data = new LinkedHashMap<>(input);
        data.remove("snis");
        data.remove(EXPIRES_AT);
        return data;
    }

    // ------------------------------------------------------------------ writes with the snis list

    @Override
    public Written<Certificate> insert(EntitySet set, Map<String, Object> input, long now) {
        List<String> names = nameList(input);
        if (names != null) {
            checkListIsNew(set, names, null);
        }
        Written<Certificate> w = super.insert(set, input, now);
        return names == null ? w : new Written<>(replaceSnis(w.next(), w.entity().id(), names, now), w.entity());
    }

    @Override
    public Written<Certificate> update(EntitySet set, String key, Map<String, Object> input, long now) {
        List<String> names = nameList(input);
        if (names != null) {
            checkListIsNew(set, names, isUuid(key) ? UUID.fromString(key) : null);
        }
        Written<Certificate> w = super.update(set, key, input, now);
        return names == null ? w : new Written<>(replaceSnis(w.next(), w.entity().id(), names, now), w.entity());
    }

    /** PUT: without {@code snis} the certificate keeps no SNI (full replacement, as Kong's endpoint sends null). */
    @Override
    public Written<Certificate> upsert(EntitySet set, String key, Map<String, Object> input, long now) {
        List<String> names = nameList(input);
        if (names == null) {
            names = List.of();
        }
        checkListIsNew(set, names, isUuid(key) ? UUID.fromString(key) : null);
        Written<Certificate> w = super.upsert(set, key, input, now);
        return new Written<>(replaceSnis(w.next(), w.entity().id(), names, now), w.entity());
    }

    /**
     * The {@code snis} input as a sorted list: null when absent, empty for an explicit null; a repeated name is a
     * schema violation.
     */
    static List<String> nameList(Map<String, Object> input) {
        if (!input.containsKey("snis")) {
            return null;
        }
        Object v = input.get("snis");
        if (v == null) {
            return List.of();
        }
        List<?> list = EntitySchema.asList(v);
        if (list == null) {
            throw SchemaViolation.of("snis", "expected an array");
        }
        Set<String> seen = new HashSet<>();
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw SchemaViolation.of("snis", "expected an array of strings");
            }
            if (!seen.add(s)) {
                throw SchemaViolation.of("snis", s + " is duplicated");
            }
            out.add(s);
        }
        out.sort(null);
        return out;
    }

    /** Every name is free or already belongs to {@code owner}. */
    private static void checkListIsNew(EntitySet set, List<String> names, UUID owner) {
        for (String n : names) {
            Sni existing = SniSchema.INSTANCE.find(set, n);
            if (existing != null && !existing.certificateId().equals(owner)) {
                throw SchemaViolation.of("snis", n + " already associated with existing certificate '"
                        + existing.certificateId() + "'");
            }
        }
    }

    /** Makes {@code names} the certificate's SNIs: removes the others, creates the missing ones (validated as SNIs). */
    private static EntitySet replaceSnis(EntitySet set, UUID certId, List<String> names, long now) {
        EntitySet next = set;
        Set<String> wanted = new TreeSet<>(names);
        for (Sni s : set.snis().values()) {
            if (s.certificateId().equals(certId) && !wanted.remove(s.name())) {
                next = next.withoutSni(s.id());
            }
        }
        for (String n : wanted) {
            Map<String, Object> sni = new LinkedHashMap<>();
            sni.put("name", n);
            sni.put("certificate", idRef(certId));
            next = SniSchema.INSTANCE.insert(next, sni, now).next();
        }
        return next;
    }

    // ------------------------------------------------------------------ delete

    @Override
    void checkDelete(EntitySet set, Certificate c) {
        boolean referenced = set.services().values().stream().anyMatch(s -> c.id().equals(s.clientCertificate()));
        if (referenced) {
            throw EntityException.foreignKeyRestricted("certificates", "services");
        }
        if (set.upstreams().values().stream().anyMatch(u -> c.id().equals(u.clientCertificate()))) {
            throw EntityException.foreignKeyRestricted("certificates", "upstreams");
        }
    }

    // ------------------------------------------------------------------ reads

    /** The names of the certificate's SNIs, sorted. */
    public static List<String> sniNames(EntitySet set, UUID certId) {
        List<String> names = new ArrayList<>();
        for (Sni s : set.snis().values()) {
            if (s.certificateId().equals(certId)) {
                names.add(s.name());
            }
        }
        names.sort(null);
        return names;
    }

    /** Every certificate's SNI names, sorted (one pass, for lists). */
    public static Map<UUID, List<String>> sniNamesByCertificate(EntitySet set) {
        Map<UUID, List<String>> out = new java.util.HashMap<>();
        for (Sni s : set.snis().values()) {
            out.computeIfAbsent(s.certificateId(), k -> new ArrayList<>()).add(s.name());
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }

    /** Kong's response shape: the entity with its sorted {@code snis}, plus kong-java's {@code expires_at}. */
    public Map<String, Object> encode(EntitySet set, Certificate c) {
        return encode(c, sniNames(set, c.id()));
    }

    /** {@link #encode(EntitySet, Certificate)} with the names already known. */
    public Map<String, Object> encode(Certificate c, List<String> sniNames) {
        Map<String, Object> m = encode(c);
        m.put("snis", sniNames);
        m.put(EXPIRES_AT, expiresAt(c));
        return m;
    }

    /**
     * The earliest "Not After" of {@code cert} and {@code cert_alt} (Unix seconds), or null if neither parses.
     * Remembered per certificate while its texts are the same objects, so listing certificates on an event loop
     * parses each PEM once, not on every read.
     */
    public Long expiresAt(Certificate c) {
        Expiry e = expiry.get(c.id());
        if (e != null && e.cert() == c.cert() && e.certAlt() == c.certAlt()) {
            return e.at();
        }
        Long a = pem.notAfter(c.cert());
        Long b = c.certAlt() == null ? null : pem.notAfter(c.certAlt());
        Long at = a == null ? b : b == null ? a : Long.valueOf(Math.min(a, b));
        expiry.put(c.id(), new Expiry(c.cert(), c.certAlt(), at));
        return at;
    }

    /** A computed expiry and the texts it was computed from (compared by identity). */
    private record Expiry(String cert, String certAlt, Long at) {
    }

    @Override
    public Map<UUID, Certificate> collection(EntitySet set) {
        return set.certificates();
    }

    @Override
    public UUID id(Certificate c) {
        return c.id();
    }

    /** Certificates have no endpoint key (SNI names address them, resolved by the Admin API). */
    @Override
    public String endpointKey(Certificate c) {
        return null;
    }

    @Override
    public long createdAt(Certificate c) {
        return c.createdAt();
    }

    @Override
    public List<String> tags(Certificate c) {
        return c.tags();
    }

    @Override
    public EntitySet withAll(EntitySet set, Map<UUID, Certificate> all) {
        return set.withAllCertificates(all);
    }

    @Override
    EntitySet with(EntitySet set, Certificate c) {
        return set.withCertificate(c);
    }

    /** Deletes the certificate and, as Kong does, its SNIs. */
    @Override
    EntitySet without(EntitySet set, UUID id) {
        expiry.remove(id);
        EntitySet next = set;
        for (Sni s : set.snis().values()) {
            if (s.certificateId().equals(id)) {
                next = next.withoutSni(s.id());
            }
        }
        return next.withoutCertificate(id);
    }

    @Override
    Certificate toRecord(Map<String, Object> d) {
        return new Certificate(uuid(d.get("id")), str(d, "cert"), str(d, "key"), str(d, "cert_alt"), str(d, "key_alt"),
                strings(d, "tags"), longOf(d, "created_at"), longOf(d, "updated_at"));
    }

    /** The stored fields only (no {@code snis}); responses use {@link #encode(EntitySet, Certificate)}. */
    @Override
    public Map<String, Object> encode(Certificate c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id().toString());
        m.put("created_at", c.createdAt());
        m.put("updated_at", c.updatedAt());
        m.put("cert", c.cert());
        m.put("key", c.key());
        m.put("cert_alt", c.certAlt());
        m.put("key_alt", c.keyAlt());
        m.put("tags", c.tags());
        return m;
    }
}
