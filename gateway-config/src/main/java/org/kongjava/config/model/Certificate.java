package org.kongjava.config.model;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Kong's Certificate entity, already validated: a PEM certificate (chain) with its private key and an
 * optional alternative pair of the other key type (RSA and ECDSA served side by side). {@code certAlt} and
 * {@code keyAlt} are both null or both set. The SNI names attached to it are separate {@link Sni} entities.
 *
 * <p>{@link #toString()} leaves the keys out so that a logged entity never carries key material.
 */
public record Certificate(
        UUID id,
        String cert,
        String key,
        String certAlt,
        String keyAlt,
        List<String> tags,
        long createdAt,
        long updatedAt) {

    public Certificate {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(key, "key");
        tags = tags == null ? null : List.copyOf(tags);
    }

    @Override
    public String toString() {
        return "Certificate[id=" + id + ", alt=" + (certAlt != null) + ", tags=" + tags
                + ", createdAt=" + createdAt + ", updatedAt=" + updatedAt + "]";
    }
}
