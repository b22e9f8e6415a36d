package org.kongjava.config.model;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Kong's CA Certificate entity, already validated: one PEM CA certificate that services list in their
 * {@code ca_certificates} to verify their upstreams with. {@code certDigest} is the lower-case hex SHA-256 of the
 * certificate's DER encoding, unique across CA certificates (adding the same CA twice is a unique violation).
 */
public record CaCertificate(
        UUID id,
        String cert,
        String certDigest,
        List<String> tags,
        long createdAt,
        long updatedAt) {

    public CaCertificate {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(certDigest, "certDigest");
        tags = tags == null ? null : List.copyOf(tags);
    }
}
