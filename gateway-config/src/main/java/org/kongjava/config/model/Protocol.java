package org.kongjava.config.model;

import java.util.Locale;

/** Kong's service and route protocols, by their wire names. */
public enum Protocol {
    HTTP, HTTPS, GRPC, GRPCS, TCP, TLS, TLS_PASSTHROUGH, UDP;

    /** The name Kong uses in JSON and kong.conf, e.g. {@code tls_passthrough}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name; null when it is not one of Kong's protocols. */
    public static Protocol fromWire(String s) {
        if (s == null) {
            return null;
        }
        for (Protocol p : values()) {
            if (p.wireName().equals(s)) {
                return p;
            }
        }
        return null;
    }

    public boolean isHttpFamily() {
        return this == HTTP || this == HTTPS || this == GRPC || this == GRPCS;
    }

    public boolean isStream() {
        return this == TCP || this == TLS || this == TLS_PASSTHROUGH || this == UDP;
    }
}
