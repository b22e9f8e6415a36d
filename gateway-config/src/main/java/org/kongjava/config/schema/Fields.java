package org.kongjava.config.schema;

import java.util.List;

/** Field definitions shared by several entities (Kong's {@code typedefs.lua}). */
final class Fields {
    /** Kong's {@code constants.PROTOCOLS}, sorted as Kong prints them. */
    static final List<String> PROTOCOLS = List.of("grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp");

    private Fields() {
    }

    static Field id() {
        return Field.uuid("id").auto();
    }

    static Field timestamp(String name) {
        return Field.integer(name).timestamp().auto();
    }

    static Field utf8Name() {
        return Field.string("name").unique().custom(Validators::utf8Name);
    }

    static Field tags() {
        return Field.set("tags", Field.string("tag").required().custom(Validators::tag));
    }

    static Field protocol(String name) {
        return Field.string(name).oneOf(PROTOCOLS);
    }

    static Field port(String name) {
        return Field.integer(name).between(0, 65535);
    }
}
