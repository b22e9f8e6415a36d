package org.kongjava.config.declarative;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/** Name-based UUIDs (RFC 9562 version 5, SHA-1), as Kong derives declarative ids. */
final class Uuid5 {
    /** Kong's namespace for declarative ids ({@code kong/db/declarative/import.lua}). */
    static final UUID KONG_NAMESPACE = UUID.fromString("fd02801f-0957-4a15-a55a-c8d9606f30b5");

    private Uuid5() {
    }

    static UUID of(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
        ByteBuffer ns = ByteBuffer.allocate(16);
        ns.putLong(namespace.getMostSignificantBits()).putLong(namespace.getLeastSignificantBits());
        sha1.update(ns.array());
        byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        h[6] = (byte) ((h[6] & 0x0f) | 0x50); // version 5
        h[8] = (byte) ((h[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer b = ByteBuffer.wrap(h, 0, 16);
        return new UUID(b.getLong(), b.getLong());
    }

    /** {@code uuidv5(uuidv5(KONG_NAMESPACE, table), key)}: the id Kong gives an entity declared by its endpoint key. */
    static UUID forEntity(String table, String endpointKey) {
        return of(of(KONG_NAMESPACE, table), endpointKey);
    }
}
