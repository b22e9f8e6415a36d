package org.kongjava.config.schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Service;

/**
 * Kong's Service entity ({@code kong/db/schema/entities/services.lua}): fields, protocol-dependent checks
 * and the write-only {@code url} shorthand.
 */
public final class ServiceSchema extends EntityType<Service> {
    /** The only instance. */
    public static final ServiceSchema INSTANCE = new ServiceSchema();

    static final EntitySchema SCHEMA = define();

    private ServiceSchema() {
    }

    private static EntitySchema define() {
        Field timeout = Field.integer("timeout").between(1, 2147483646L).dflt(60000L);
        List<Field> fields = List.of(
                Fields.id(),
                Fields.timestamp("created_at"),
                Fields.timestamp("updated_at"),
                Fields.utf8Name(),
                Field.integer("retries").between(0, 32767).dflt(5L),
                Fields.protocol("protocol").required().dflt("http"),
                Field.string("host").required().custom(Validators::host),
                Fields.port("port").required().dflt(80L),
                Field.string("path").startsWith("/").matchNone("//", "must not have empty segments").custom(Validators::path),
                timeout.named("connect_timeout"),
                timeout.named("write_timeout"),
                timeout.named("read_timeout"),
                Fields.tags(),
                Field.foreign("client_certificate", () -> CertificateRef.SCHEMA),
                Field.bool("tls_verify"),
                Field.integer("tls_verify_depth").between(0, 64),
                Field.array("ca_certificates", Field.uuid("ca_certificate")),
                Field.bool("enabled").required().dflt(true));
        Predicate<Object> stream = v -> List.of("tcp", "tls", "udp", "grpc", "grpcs").contains(v);
        Predicate<Object> notTls = v -> !List.of("https", "tls").contains(v);
        List<EntityCheck> checks = List.of(
                EntityCheck.conditional("protocol", stream, "path", Field::eqNull, null),
                EntityCheck.conditional("protocol", notTls, "client_certificate", Field::eqNull, null),
                EntityCheck.conditional("protocol", notTls, "tls_verify", Field::eqNull, null),
                EntityCheck.conditional("protocol", notTls, "tls_verify_depth", Field::eqNull, null),
                EntityCheck.conditional("protocol", notTls, "ca_certificates", Field::eqNull, null));
        return new EntitySchema("services", fields, checks, null, null);
    }

    @Override
    public String name() {
        return "services";
    }

    @Override
    EntitySchema schema() {
        return SCHEMA;
    }

    @Override
    List<Field> extraFormFields() {
        return List.of(Field.string("url"));
    }

    /**
     * The {@code url} shorthand: scheme → protocol (none: port 443 → https, else http), host, port
     * (explicit; else 80 for http, 443 for https, 80 otherwise), path (null when the URL has none).
     */
    @Override
    Map<String, Object> shorthands(Map<String, Object> input) {
        if (!input.containsKey("url")) {
            return input;
        }
        Map<String, Object> data = new LinkedHashMap<>(input);
        Object url = data.remove("url");
        if (url == null) {
            return data;
        }
        if (!(url instanceof String s)) {
            throw SchemaViolation.of("url", "expected a string");
        }
        SocketUrl u = SocketUrl.parse(s);
        if (u == null) {
            return data;
        }
        Long port = null;
        if (u.port() != null) {
            try {
                port = Long.parseLong(u.port());
            } catch (NumberFormatException e) {
                port = null;
            }
        }
        String prot = port == null ? null : port == 80 ? "http" : port == 443 ? "https" : null;
        String protocol = u.scheme() != null ? u.scheme() : prot != null ? prot : "http";
        data.put("protocol", protocol);
        data.put("host", u.host());
        Object p = port != null ? port : u.port() != null ? u.port() : protocol.equals("https") ? 443L : 80L;
        data.put("port", p);
        data.put("path", u.path());
        return data;
    }

    @Override
    public Map<UUID, Service> collection(EntitySet set) {
        return set.services();
    }

    @Override
    public UUID id(Service s) {
        return s.id();
    }

    @Override
    public String endpointKey(Service s) {
        return s.name();
    }

    @Override
    public long createdAt(Service s) {
        return s.createdAt();
    }

    @Override
    public List<String> tags(Service s) {
        return s.tags();
    }

    @Override
    EntitySet with(EntitySet set, Service s) {
        return set.withService(s);
    }

    @Override
    EntitySet without(EntitySet set, UUID id) {
        return set.withoutService(id);
    }

    @Override
    public EntitySet withAll(EntitySet set, Map<UUID, Service> all) {
        return set.withAllServices(all);
    }

    @Override
    void checkReferences(EntitySet set, Service s) {
        if (s.clientCertificate() != null && !set.certificates().containsKey(s.clientCertificate())) {
            throw EntityException.foreignKeyViolation("client_certificate", idRef(s.clientCertificate()), "certificates");
        }
        if (s.caCertificates() != null) {
            for (UUID ca : s.caCertificates()) {
                if (!set.caCertificates().containsKey(ca)) {
                    throw EntityException.foreignKeyViolation("ca_certificates", idRef(ca), "ca_certificates");
                }
            }
        }
    }

    @Override
    void checkDelete(EntitySet set, Service s) {
        boolean referenced = set.routes().values().stream().anyMatch(r -> s.id().equals(r.serviceId()));
        if (referenced) {
            throw EntityException.foreignKeyRestricted("services", "routes");
        }
    }

    @Override
    Service toRecord(Map<String, Object> d) {
        List<String> ca = strings(d, "ca_certificates");
        Object cc = d.get("client_certificate");
        return new Service(
                uuid(d.get("id")),
                str(d, "name"),
                Protocol.fromWire(str(d, "protocol")),
                str(d, "host"),
                intOf(d, "port"),
                str(d, "path"),
                intOf(d, "retries"),
                intOf(d, "connect_timeout"),
                intOf(d, "write_timeout"),
                intOf(d, "read_timeout"),
                bool(d, "enabled"),
                (Boolean) d.get("tls_verify"),
                intOrNull(d, "tls_verify_depth"),
                ca == null ? null : ca.stream().map(UUID::fromString).toList(),
                cc == null ? null : uuid(((Map<?, ?>) cc).get("id")),
                strings(d, "tags"),
                longOf(d, "created_at"),
                longOf(d, "updated_at"));
    }

    @Override
    public Map<String, Object> encode(Service s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id().toString());
        m.put("created_at", s.createdAt());
        m.put("updated_at", s.updatedAt());
        m.put("name", s.name());
        m.put("retries", s.retries());
        m.put("protocol", s.protocol().wireName());
        m.put("host", s.host());
        m.put("port", s.port());
        m.put("path", s.path());
        m.put("connect_timeout", s.connectTimeout());
        m.put("write_timeout", s.writeTimeout());
        m.put("read_timeout", s.readTimeout());
        m.put("tags", s.tags());
        m.put("client_certificate", idRef(s.clientCertificate()));
        m.put("tls_verify", s.tlsVerify());
        m.put("tls_verify_depth", s.tlsVerifyDepth());
        m.put("ca_certificates", s.caCertificates() == null ? null : s.caCertificates().stream().map(UUID::toString).toList());
        m.put("enabled", s.enabled());
        return m;
    }

    /** The referenced certificates schema, reduced to its primary key (enough to validate a reference). */
    static final class CertificateRef {
        static final EntitySchema SCHEMA = new EntitySchema("certificates", List.of(Fields.id()), List.of(), null, null);

        private CertificateRef() {
        }
    }
}
