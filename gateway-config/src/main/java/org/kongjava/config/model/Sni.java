package org.kongjava.config.model;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Kong's SNI entity: a server name ({@code example.com}, {@code *.example.com}, {@code example.*}, or {@code *}
 * alone for the default) served with the certificate {@code certificateId}. Names are unique across all SNIs.
 */
public record Sni(
        UUID id,
        String name,
        UUID certificateId,
        List<String> tags,
        long createdAt,
        long updatedAt) {

    public Sni {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(certificateId, "certificateId");
        tags = tags == null ? null : List.copyOf(tags);
    }
}
