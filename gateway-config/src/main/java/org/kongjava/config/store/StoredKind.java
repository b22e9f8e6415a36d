package org.kongjava.config.store;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
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
 * How one entity type is kept in a SQL store: one table per type with the id as primary key, the endpoint
 * key as a UNIQUE column (targets: unique per upstream), each foreign key as a real column with its ON DELETE rule, and the entity's
 * Kong JSON as a document column. Adding an entity type is one entry in {@link #ALL} plus a migration
 * creating its table.
 *
 * @param type        the schema that encodes and restores the entity
 * @param table       the table (Kong's collection name)
 * @param foreignKeys foreign keys, each stored in column {@code <field>_id}
 */
record StoredKind<T>(EntityType<T> type, String table, List<ForeignKey> foreignKeys) {

    /** A foreign key field (e.g. route {@code service}) referencing {@code parentTable}. */
    record ForeignKey(String field, String parentTable) {
        String column() {
            return field + "_id";
        }
    }

    /** Stored kinds, parents before children: loads and inserts go forward, deletes backward. */
    static final List<StoredKind<?>> ALL = List.of(
            // Before services: a service's ca_certificates must name stored CAs (checked by the schema, no SQL key).
            new StoredKind<>(CaCertificateSchema.STORED, "ca_certificates", List.of()),
            new StoredKind<>(ServiceSchema.INSTANCE, "services", List.of()),
            new StoredKind<>(RouteSchema.INSTANCE, "routes", List.of(new ForeignKey("service", "services"))),
            new StoredKind<>(CertificateSchema.STORED, "certificates", List.of()),
            new StoredKind<>(SniSchema.INSTANCE, "snis", List.of(new ForeignKey("certificate", "certificates"))),
            new StoredKind<>(UpstreamSchema.INSTANCE, "upstreams", List.of()),
            // A target's endpoint key (host:port) is unique per upstream, so its name column is UNIQUE together
            // with upstream_id; the writer frees and reuses it exactly as it does a global name.
            new StoredKind<>(TargetSchema.INSTANCE, "targets", List.of(new ForeignKey("upstream", "upstreams"))),
            // After routes and services; name is instance_name. The database cascades too, but the schema's
            // delete already removed a route's or service's plugins from the set, so the writer deletes them first.
            new StoredKind<>(PluginSchema.INSTANCE, "plugins",
                    List.of(new ForeignKey("route", "routes"), new ForeignKey("service", "services"))));

    Map<UUID, T> collection(EntitySet set) {
        return type.collection(set);
    }
}
