package org.kongjava.config.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Sni;

/**
 * Kong's SNI entity ({@code kong/db/schema/entities/snis.lua}): a unique {@code name} with the wildcard-host rules
 * of route {@code snis} ({@code *.example.com}, {@code example.*}; {@code *} alone is the default certificate), and
 * the required {@code certificate} foreign key. The endpoint key is {@code name}.
 */
public final class SniSchema extends EntityType<Sni> {
    /** The only instance. */
    public static final SniSchema INSTANCE = new SniSchema();

    static final EntitySchema SCHEMA = define();

    private SniSchema() {
    }

    private static EntitySchema define() {
        List<Field> fields = List.of(
                Fields.id(),
                Field.string("name").required().unique().custom(Validators::wildcardHost),
                Fields.timestamp("created_at"),
                Fields.timestamp("updated_at"),
                Fields.tags(),
                Field.foreign("certificate", () -> ServiceSchema.CertificateRef.SCHEMA).required());
        return new EntitySchema("snis", fields, List.of(), null, null);
    }

    @Override
    public String name() {
        return "snis";
    }

    @Override
    EntitySchema schema() {
        return SCHEMA;
    }

    /** The SNIs of one certificate, in page order. */
    public List<Sni> ofCertificate(EntitySet set, UUID certificateId) {
        return ordered(set).stream().filter(s -> certificateId.equals(s.certificateId())).toList();
    }

    @Override
    void checkReferences(EntitySet set, Sni s) {
        if (!set.certificates().containsKey(s.certificateId())) {
            throw EntityException.foreignKeyViolation("certificate", idRef(s.certificateId()), "certificates");
        }
    }

    @Override
    public Map<UUID, Sni> collection(EntitySet set) {
        return set.snis();
    }

    @Override
    public UUID id(Sni s) {
        return s.id();
    }

    @Override
    public String endpointKey(Sni s) {
        return s.name();
    }

    @Override
    public long createdAt(Sni s) {
        return s.createdAt();
    }

    @Override
    public List<String> tags(Sni s) {
        return s.tags();
    }

    @Override
    public EntitySet withAll(EntitySet set, Map<UUID, Sni> all) {
        return set.withAllSnis(all);
    }

    @Override
    EntitySet with(EntitySet set, Sni s) {
        return set.withSni(s);
    }

    @Override
    EntitySet without(EntitySet set, UUID id) {
        return set.withoutSni(id);
    }

    @Override
    Sni toRecord(Map<String, Object> d) {
        Map<String, Object> cert = EntitySchema.stringMap(d.get("certificate"));
        return new Sni(uuid(d.get("id")), str(d, "name"), uuid(cert.get("id")), strings(d, "tags"),
                longOf(d, "created_at"), longOf(d, "updated_at"));
    }

    @Override
    public Map<String, Object> encode(Sni s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id().toString());
        m.put("name", s.name());
        m.put("created_at", s.createdAt());
        m.put("updated_at", s.updatedAt());
        m.put("tags", s.tags());
        m.put("certificate", idRef(s.certificateId()));
        return m;
    }
}
