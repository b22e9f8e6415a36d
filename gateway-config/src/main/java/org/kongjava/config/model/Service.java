package org.kongjava.config.model;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Kong's Service entity, already validated. Timeouts are milliseconds; {@code path} is null when unset.
 * Fields that are null in Kong's JSON are null here too (tlsVerify, tlsVerifyDepth, caCertificates, ...).
 */
public record Service(
        UUID id,
        String name,
        Protocol protocol,
        String host,
        int port,
        String path,
        int retries,
        int connectTimeout,
        int writeTimeout,
        int readTimeout,
        boolean enabled,
        Boolean tlsVerify,
        Integer tlsVerifyDepth,
        List<UUID> caCertificates,
        UUID clientCertificate,
        List<String> tags,
        long createdAt,
        long updatedAt) {

    public Service {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(host, "host");
        tags = tags == null ? null : List.copyOf(tags);
        caCertificates = caCertificates == null ? null : List.copyOf(caCertificates);
    }
}
