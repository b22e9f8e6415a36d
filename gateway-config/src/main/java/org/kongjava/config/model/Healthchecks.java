package org.kongjava.config.model;

import java.util.List;
import java.util.Map;

/**
 * An upstream's {@code healthchecks} record (Kong's {@code upstreams.lua} defaults). Times are seconds
 * (fractions allowed); a counter threshold of 0 disables that criterion.
 *
 * @param threshold balancer health threshold in percent of available weight (0..100)
 */
public record Healthchecks(Active active, Passive passive, double threshold) {

    /** Kong's defaults: every check off. */
    public static final Healthchecks DEFAULTS = new Healthchecks(
            new Active("http", 1, 10, "/", null, true, null,
                    new ActiveHealthy(0, List.of(200, 302), 0),
                    new ActiveUnhealthy(0, List.of(429, 404, 500, 501, 502, 503, 504, 505), 0, 0, 0)),
            new Passive("http",
                    new PassiveHealthy(List.of(200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
                            300, 301, 302, 303, 304, 305, 306, 307, 308), 0),
                    new PassiveUnhealthy(List.of(429, 500, 503), 0, 0, 0)),
            0);

    /**
     * Whether health checking is on for the upstream (Kong's {@code is_upstream_using_healthcheck}): an
     * active interval or a passive failure threshold is non-zero.
     */
    public boolean enabled() {
        return active.healthy.interval != 0 || active.unhealthy.interval != 0
                || passive.unhealthy.tcpFailures != 0 || passive.unhealthy.timeouts != 0
                || passive.unhealthy.httpFailures != 0;
    }

    /** Active probing: {@code type} is tcp, http, https, grpc or grpcs. */
    public record Active(String type, double timeout, long concurrency, String httpPath, String httpsSni,
                         boolean httpsVerifyCertificate, Map<String, List<String>> headers,
                         ActiveHealthy healthy, ActiveUnhealthy unhealthy) {
        public Active {
            headers = headers == null ? null : Map.copyOf(headers);
        }
    }

    /** {@code interval}: seconds between probes of a healthy target (0 = do not probe healthy targets). */
    public record ActiveHealthy(double interval, List<Integer> httpStatuses, int successes) {
        public ActiveHealthy {
            httpStatuses = List.copyOf(httpStatuses);
        }
    }

    /** {@code interval}: seconds between probes of an unhealthy target (0 = do not probe unhealthy targets). */
    public record ActiveUnhealthy(double interval, List<Integer> httpStatuses, int tcpFailures, int timeouts,
                                  int httpFailures) {
        public ActiveUnhealthy {
            httpStatuses = List.copyOf(httpStatuses);
        }
    }

    /** Passive checks: counted on proxied traffic. */
    public record Passive(String type, PassiveHealthy healthy, PassiveUnhealthy unhealthy) {
    }

    public record PassiveHealthy(List<Integer> httpStatuses, int successes) {
        public PassiveHealthy {
            httpStatuses = List.copyOf(httpStatuses);
        }
    }

    public record PassiveUnhealthy(List<Integer> httpStatuses, int tcpFailures, int timeouts, int httpFailures) {
        public PassiveUnhealthy {
            httpStatuses = List.copyOf(httpStatuses);
        }
    }
}
