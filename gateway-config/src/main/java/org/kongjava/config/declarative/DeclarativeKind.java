package org.kongjava.config.declarative;

import java.util.List;
import org.kongjava.config.schema.CaCertificateSchema;
import org.kongjava.config.schema.CertificateSchema;
import org.kongjava.config.schema.EntityType;
import org.kongjava.config.schema.PluginSchema;
import org.kongjava.config.schema.RouteSchema;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.config.schema.SniSchema;
import org.kongjava.config.schema.TargetSchema;
import org.kongjava.config.schema.UpstreamSchema;

/**
 * How one entity type appears in a declarative file: its top-level key, the children that may be nested in
 * it (and the foreign key nesting fills in), and its foreign keys that may be written as references.
 * Adding an entity type to the declarative format is one entry in {@link #SUPPORTED}.
 *
 * @param key             top-level key and table name, e.g. {@code services}
 * @param type            the schema used to validate and build the entity
 * @param nested          children written inside this entity
 * @param refs            foreign keys of this entity
 * @param nestedNotYet    children Kong allows nested here whose type kong-java does not support yet
 * @param keyScope        the foreign key within whose parent the endpoint key is unique (targets: {@code upstream}),
 *                        or null when it is unique globally
 */
record DeclarativeKind<T>(String key, EntityType<T> type, List<Nested> nested, List<Ref> refs, List<String> nestedNotYet,
                          String keyScope) {

    /** Kong's singular name ({@code service}), used in {@code flattened_errors}. */
    String singular() {
        return key.substring(0, key.length() - 1);
    }

    /**
     * The field holding the endpoint key (references by it, Kong's UUIDv5 ids, uniqueness), or null for
     * certificates and CA certificates, which Kong addresses only by id (their SNI names are separate entities).
     */
    String endpointKeyField() {
        return key.equals("certificates") || key.equals("ca_certificates") ? null : type.endpointKeyField();
    }

    /** A child kind nested under this one; {@code foreignKey} is the child's field pointing to the parent. */
    record Nested(String childKey, String foreignKey) {
    }

    /** A foreign-key field and the kind it references. */
    record Ref(String field, String parentKey) {
    }

    /** Supported kinds, parents before children (the order of loading and export). */
    static final List<DeclarativeKind<?>> SUPPORTED = List.of(
            // Before services, whose ca_certificates list their ids.
            new DeclarativeKind<>("ca_certificates", CaCertificateSchema.STORED, List.of(), List.of(), List.of(), null),
            new DeclarativeKind<>("services", ServiceSchema.INSTANCE,
                    List.of(new Nested("routes", "service"), new Nested("plugins", "service")), List.of(), List.of(), null),
            new DeclarativeKind<>("routes", RouteSchema.INSTANCE,
                    List.of(new Nested("plugins", "route")), List.of(new Ref("service", "services")), List.of(), null),
            // Only plugins this node has (ip-restriction) are loaded; the others are skipped and reported.
            new DeclarativeKind<>("plugins", PluginSchema.INSTANCE,
                    List.of(), List.of(new Ref("route", "routes"), new Ref("service", "services")), List.of(), null),
            new DeclarativeKind<>("upstreams", UpstreamSchema.INSTANCE,
                    List.of(new Nested("targets", "upstream")), List.of(), List.of(), null),
            new DeclarativeKind<>("targets", TargetSchema.INSTANCE,
                    List.of(), List.of(new Ref("upstream", "upstreams")), List.of(), "upstream"),
            // PEM texts are checked only when the caller passes a PemChecks (DeclarativeConfig.parse with one);
            // this module cannot parse PEM itself, gateway-tls can.
            new DeclarativeKind<>("certificates", CertificateSchema.STORED,
                    List.of(new Nested("snis", "certificate")), List.of(), List.of(), null),
            new DeclarativeKind<>("snis", SniSchema.INSTANCE,
                    List.of(), List.of(new Ref("certificate", "certificates")), List.of(), null));

    /**
     * Entity keys Kong 3.x accepts that kong-java does not store yet: a file containing them loads, and the
     * loader reports what it skipped. A type moves from here to {@link #SUPPORTED} when it is implemented.
     */
    static final List<String> NOT_YET_SUPPORTED = List.of(
            "consumers", "vaults", "keys", "key_sets", "filter_chains",
            "acls", "basicauth_credentials", "hmacauth_credentials", "jwt_secrets", "keyauth_credentials",
            "oauth2_credentials", "oauth2_authorization_codes", "oauth2_tokens", "workspaces", "parameters");

    static DeclarativeKind<?> find(String key) {
        for (DeclarativeKind<?> k : SUPPORTED) {
            if (k.key().equals(key)) {
                return k;
            }
        }
        return null;
    }
}
