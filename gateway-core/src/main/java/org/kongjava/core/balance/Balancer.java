package org.kongjava.core.balance;

import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.kongjava.config.model.Upstream;

/**
 * The balancer of one upstream as one routing snapshot sees it: the upstream's configuration at that
 * version, over the upstream's live state (peers, health, DNS answers) kept by {@link BalancerRegistry}.
 * Picking reads one volatile reference and takes no lock; it never blocks and never resolves DNS.
 */
public final class Balancer {
    private final Upstream upstream;
    final UpstreamState state;

    Balancer(Upstream upstream, UpstreamState state) {
        this.upstream = upstream;
        this.state = state;
    }

    public Upstream upstream() {
        return upstream;
    }

    /** Starts balancing one request: the hash key (consistent hashing) is computed once, here. */
    public Pick start(BalanceFacts facts) {
        if (upstream.algorithm() != Upstream.Algorithm.CONSISTENT_HASHING && upstream.hashOn() == Upstream.HashOn.NONE) {
            return new Pick(state, null, null);
        }
        String[] cookie = new String[1];
        String key = hashValue(upstream, facts, cookie);
        return new Pick(state, key == null ? "" : key, cookie[0]);
    }

    /** One pick for a request that will not be retried; null when no peer is available. */
    public Peer pick(BalanceFacts facts) {
        return start(facts).next();
    }

    /** Whether the balancer currently has enough available weight (healthchecks.threshold). */
    public boolean isHealthy() {
        return state.ring().healthy;
    }

    /** All current addresses, with their health. */
    public List<Peer> peers() {
        return List.of(state.ring().peers);
    }

    public UUID id() {
        return upstream.id();
    }

    /**
     * Kong's {@code get_value_to_hash}: the {@code hash_on} source, else the {@code hash_fallback} source, else
     * null (hashes as the empty string). A missing hash cookie is generated and returned in {@code cookieOut[0]}
     * as a Set-Cookie value.
     */
    static String hashValue(Upstream u, BalanceFacts f, String[] cookieOut) {
        Upstream.HashOn on = u.hashOn();
        String header = u.hashOnHeader();
        String queryArg = u.hashOnQueryArg();
        String capture = u.hashOnUriCapture();
        for (int round = 0; round < 2; round++) {
            String id = switch (on) {
                case NONE -> null;
                case CONSUMER -> f.consumerId();
                case IP -> f.clientIp();
                case HEADER -> header(f, header);
                case COOKIE -> {
                    String v = cookie(f, u.hashOnCookie());
                    if (v == null) {
                        v = UUID.randomUUID().toString();
                        cookieOut[0] = u.hashOnCookie() + "=" + v + "; Path="
                                + (u.hashOnCookiePath() == null ? "/" : u.hashOnCookiePath()) + "; Same-Site=Lax; HttpOnly";
                    }
                    yield v;
                }
                case PATH -> f.path();
                case QUERY_ARG -> queryArg(f.query(), queryArg);
                case URI_CAPTURE -> capture == null ? null : f.uriCaptures().get(capture);
            };
            if (id != null) {
                return id;
            }
            on = u.hashFallback();
            if (on == Upstream.HashOn.NONE) {
                return null;
            }
            header = u.hashFallbackHeader();
            queryArg = u.hashFallbackQueryArg();
            capture = u.hashFallbackUriCapture();
        }
        return null;
    }

    private static String header(BalanceFacts f, String name) {
        if (name == null) {
            return null;
        }
        List<String> vs = f.headers().getAll(name.toLowerCase(Locale.ROOT));
        if (vs == null || vs.isEmpty()) {
            return null;
        }
        // nginx joins repeated headers into one variable.
        return vs.size() == 1 ? vs.get(0) : String.join(", ", vs);
    }

    static String cookie(BalanceFacts f, String name) {
        if (name == null) {
            return null;
        }
        for (String line : f.headers().getAll("cookie")) {
            for (String part : line.split(";")) {
                String p = part.trim();
                int eq = p.indexOf('=');
                if (eq > 0 && p.substring(0, eq).trim().equals(name)) {
                    return p.substring(eq + 1).trim();
                }
            }
        }
        return null;
    }

    /** The argument's value; repeated arguments sorted and joined with {@code ,} (Kong); null when absent. */
    static String queryArg(String query, String name) {
        if (query == null || name == null || query.isEmpty()) {
            return null;
        }
        List<String> values = new java.util.ArrayList<>();
        for (String part : query.split("&")) {
            int eq = part.indexOf('=');
            String k = decode(eq < 0 ? part : part.substring(0, eq));
            if (k.equals(name)) {
                values.add(eq < 0 ? "" : decode(part.substring(eq + 1)));
            }
        }
        if (values.isEmpty()) {
            return null;
        }
        values.sort(null);
        return String.join(",", values);
    }

    private static String decode(String s) {
        try {
            return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
