package org.kongjava.config.model;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Kong's Upstream entity, already validated: a virtual host name that services point to, balanced over
 * its {@link Target}s. Fields that are null in Kong's JSON are null here too.
 */
public record Upstream(
        UUID id,
        String name,
        Algorithm algorithm,
        HashOn hashOn,
        HashOn hashFallback,
        String hashOnHeader,
        String hashFallbackHeader,
        String hashOnCookie,
        String hashOnCookiePath,
        String hashOnQueryArg,
        String hashFallbackQueryArg,
        String hashOnUriCapture,
        String hashFallbackUriCapture,
        int slots,
        Healthchecks healthchecks,
        String hostHeader,
        UUID clientCertificate,
        boolean useSrvName,
        List<String> tags,
        long createdAt,
        long updatedAt) {

    public Upstream {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(hashOn, "hashOn");
        Objects.requireNonNull(hashFallback, "hashFallback");
        Objects.requireNonNull(healthchecks, "healthchecks");
        tags = tags == null ? null : List.copyOf(tags);
    }

    /** The balancing algorithm, by Kong's wire name. */
    public enum Algorithm {
        ROUND_ROBIN("round-robin"),
        CONSISTENT_HASHING("consistent-hashing"),
        LEAST_CONNECTIONS("least-connections"),
        LATENCY("latency");

        private final String wire;

        Algorithm(String wire) {
            this.wire = wire;
        }

        public String wireName() {
            return wire;
        }

        public static Algorithm fromWire(String s) {
            for (Algorithm a : values()) {
                if (a.wire.equals(s)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("algorithm: " + s + " (expected: round-robin, consistent-hashing, "
                    + "least-connections, latency)");
        }
    }

    /** Where a consistent-hashing key comes from. */
    public enum HashOn {
        NONE("none"), CONSUMER("consumer"), IP("ip"), HEADER("header"), COOKIE("cookie"), PATH("path"),
        QUERY_ARG("query_arg"), URI_CAPTURE("uri_capture");

        private final String wire;

        HashOn(String wire) {
            this.wire = wire;
        }

        public String wireName() {
            return wire;
        }

        public static HashOn fromWire(String s) {
            for (HashOn h : values()) {
                if (h.wire.equals(s)) {
                    return h;
                }
            }
            throw new IllegalArgumentException("hash_on: " + s
                    + " (expected: none, consumer, ip, header, cookie, path, query_arg, uri_capture)");
        }
    }
}
