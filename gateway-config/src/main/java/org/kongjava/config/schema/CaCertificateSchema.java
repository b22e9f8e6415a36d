package org.kongjava.config.schema;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.kongjava.config.model.CaCertificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Service;

/**
 * Kong's CA Certificate entity ({@code kong/db/schema/entities/ca_certificates.lua}, DAO
 * {@code kong/db/dao/ca_certificates.lua}):
 * <ul>
 *   <li>{@code cert}: required PEM, checked as a certificate ({@code cert: invalid certificate: ...}), then as a CA
 *       by an entity check with Kong's messages (one certificate only, not expired, basicConstraints CA).</li>
 *   <li>{@code cert_digest}: computed on every write (hex SHA-256 of the DER), whatever the input says; unique, so
 *       adding the same CA twice is {@code UNIQUE violation detected on '{cert_digest="..."}'} (409).</li>
 *   <li>Delete of a CA a service lists in {@code ca_certificates}:
 *       {@code ca certificate <id> is still referenced by services (id = <id>)} (code 19, 400).</li>
 * </ul>
 * Not a singleton: the PEM checks come from {@code gateway-tls} ({@link PemChecks}).
 */
public final class CaCertificateSchema extends EntityType<CaCertificate> {
    /** For documents the gateway wrote itself (SQL stores, exports): never for user input. */
    public static final CaCertificateSchema STORED = new CaCertificateSchema(PemChecks.ALREADY_CHECKED);

    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
    private static final String END = "-----END CERTIFICATE-----";

    private final EntitySchema schema;

    public CaCertificateSchema(PemChecks pem) {
        Objects.requireNonNull(pem, "pem");
        this.schema = define(pem);
    }

    private static EntitySchema define(PemChecks pem) {
        List<Field> fields = List.of(
                Fields.id(),
                Fields.timestamp("created_at"),
                Fields.timestamp("updated_at"),
                Field.string("cert").custom(pem::certificate).required(),
                Field.string("cert_digest"),
                Fields.tags());
        EntityCheck ca = (input, s, errors) -> {
            if (!errors.containsKey("cert") && input.get("cert") instanceof String cert) {
                String message = pem.caCertificate(cert, System.currentTimeMillis() / 1000);
                if (message != null) {
                    EntityCheck.addEntityError(errors, message);
                }
            }
        };
        return new EntitySchema("ca_certificates", fields, List.of(ca), null, null);
    }

    /**
     * Kong's {@code cert_digest}: lower-case hex SHA-256 of the DER of the first certificate in {@code pem}; null when
     * there is no decodable certificate block.
     */
    public static String digest(String pem) {
        if (pem == null) {
            return null;
        }
        int b = pem.indexOf(BEGIN);
        int e = b < 0 ? -1 : pem.indexOf(END, b);
        if (e < 0) {
            return null;
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + BEGIN.length(), e).getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (IllegalArgumentException | NoSuchAlgorithmException bad) {
            return null;
        }
    }

    @Override
    public String name() {
        return "ca_certificates";
    }

    @Override
    EntitySchema schema() {
        return schema;
    }

    @Override
    Map<String, Object> shorthands(Map<String, Object> input) {
        if (!input.containsKey("cert_digest")) {
            return input;
        }
        // Computed from cert on every write (Kong's transformation); a given value is not trusted.
        Map<String, Object> data = new LinkedHashMap<>(input);
        data.remove("cert_digest");
        return data;
    }

    @Override
    void checkUnique(EntitySet set, CaCertificate c) {
        for (CaCertificate other : set.caCertificates().values()) {
            if (!other.id().equals(c.id()) && other.certDigest().equals(c.certDigest())) {
                throw EntityException.uniqueViolation(Map.of("cert_digest", c.certDigest()));
            }
        }
    }

    @Override
    void checkDelete(EntitySet set, CaCertificate c) {
        for (Service s : set.services().values()) {
            if (s.caCertificates() != null && s.caCertificates().contains(c.id())) {
                throw EntityException.referencedByOthers("ca certificate " + c.id()
                        + " is still referenced by services (id = " + s.id() + ")");
            }
        }
    }

    @Override
    public Map<UUID, CaCertificate> collection(EntitySet set) {
        return set.caCertificates();
    }

    @Override
    public UUID id(CaCertificate c) {
        return c.id();
    }

    /** CA certificates are addressed by id only. */
    @Override
    public String endpointKey(CaCertificate c) {
        return null;
    }

    @Override
    public long createdAt(CaCertificate c) {
        return c.createdAt();
    }

    @Override
    public List<String> tags(CaCertificate c) {
        return c.tags();
    }

    @Override
    public EntitySet withAll(EntitySet set, Map<UUID, CaCertificate> all) {
        return set.withAllCaCertificates(all);
    }

    @Override
    EntitySet with(EntitySet set, CaCertificate c) {
        return set.withCaCertificate(c);
    }

    @Override
    EntitySet without(EntitySet set, UUID id) {
        return set.withoutCaCertificate(id);
    }

    @Override
    CaCertificate toRecord(Map<String, Object> d) {
        String cert = str(d, "cert");
        String digest = digest(cert);
        if (digest == null) {
            // Only a document that skipped the PEM checks gets here; keep what it says rather than fail the load.
            digest = d.get("cert_digest") instanceof String s ? s : "";
        }
        return new CaCertificate(uuid(d.get("id")), cert, digest, strings(d, "tags"), longOf(d, "created_at"),
                longOf(d, "updated_at"));
    }

    @Override
    public Map<String, Object> encode(CaCertificate c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id().toString());
        m.put("created_at", c.createdAt());
        m.put("updated_at", c.updatedAt());
        m.put("cert", c.cert());
        m.put("cert_digest", c.certDigest());
        m.put("tags", c.tags());
        return m;
    }
}
