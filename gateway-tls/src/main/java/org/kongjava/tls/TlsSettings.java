package org.kongjava.tls;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Server TLS parameters from kong.conf: {@code ssl_cipher_suite} with its presets (or {@code custom} with
 * {@code ssl_ciphers}, {@code ssl_protocols}, {@code ssl_prefer_server_ciphers}), and session settings.
 *
 * <p>Kong's presets name ciphers the OpenSSL way; here they are IANA names ({@code TLS_ECDHE_RSA_WITH_…}),
 * which both Netty providers accept (Netty maps them to OpenSSL names for BoringSSL). TLS 1.3 suites are listed
 * whenever TLS 1.3 is enabled, because the JDK provider disables TLS 1.3 when none is in the list (OpenSSL keeps
 * its TLS 1.3 suites apart from {@code ssl_ciphers}, so Kong's lists do not mention them). Suites a provider lacks
 * are dropped when the context is built: BoringSSL has no DHE and no 3DES-by-default, the JDK disables 3DES and TLS
 * 1.0/1.1 through {@code jdk.tls.disabledAlgorithms}.
 *
 * @param suite               the preset name ({@code modern}, {@code intermediate}, {@code old}, {@code fips},
 *                            {@code custom})
 * @param protocols           Netty/JDK protocol names ({@code TLSv1.2}, {@code TLSv1.3}, …), never empty
 * @param ciphers             IANA cipher suite names in preference order; null means the provider's defaults
 * @param preferServerCiphers server order wins when true (nginx {@code ssl_prefer_server_ciphers})
 * @param sessionTickets      RFC 5077 tickets (OpenSSL provider; the JDK decides through its own properties)
 * @param sessionTimeout      session lifetime ({@code ssl_session_timeout}, default 1 day)
 * @param sessionCacheSize    sessions kept per context; nginx's {@code 10m} of shared memory ≈ 40 000 sessions
 * @param dhparam             {@code ssl_dhparam} as given, or null; recorded only: the JDK and BoringSSL pick
 *                            standard groups themselves and BoringSSL has no DHE suites
 */
public record TlsSettings(
        String suite,
        List<String> protocols,
        List<String> ciphers,
        boolean preferServerCiphers,
        boolean sessionTickets,
        Duration sessionTimeout,
        long sessionCacheSize,
        String dhparam) {

    static final List<String> TLS13 = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    /** OpenSSL cipher names used by Kong's presets (and common in {@code ssl_ciphers}) to IANA names. */
    static final Map<String, String> OPENSSL_TO_IANA = openSslNames();

    private static final List<String> INTERMEDIATE = List.of(
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
            "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305");
    private static final List<String> OLD_EXTRA = List.of(
            "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA",
            "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
            "DHE-RSA-AES128-SHA256", "DHE-RSA-AES256-SHA256", "AES128-GCM-SHA256", "AES256-GCM-SHA384",
            "AES128-SHA256", "AES256-SHA256", "AES128-SHA", "AES256-SHA", "DES-CBC3-SHA");
    // Kong's "TLSv1.2+FIPS:kRSA+FIPS:!eNULL:!aNULL" spelled out: the FIPS-approved TLS 1.2 suites (AES with
    // ECDHE or RSA key exchange, SHA-2 MACs or GCM). BoringSSL and the JDK do not understand the FIPS keyword.
    private static final List<String> FIPS = List.of(
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
            "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384",
            "AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-SHA256", "AES256-SHA256");

    private static final List<String> KNOWN_PROTOCOLS = List.of("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    public TlsSettings {
        Objects.requireNonNull(suite, "suite");
        protocols = List.copyOf(protocols);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("protocols: empty (expected at least one of " + KNOWN_PROTOCOLS + ")");
        }
        ciphers = ciphers == null ? null : List.copyOf(ciphers);
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        if (sessionCacheSize < 0) {
            throw new IllegalArgumentException("sessionCacheSize: " + sessionCacheSize + " (expected: >= 0)");
        }
    }

    /**
     * Builds the settings from kong.conf values ({@code ssl_cipher_suite}, {@code ssl_ciphers},
     * {@code ssl_protocols}, {@code ssl_prefer_server_ciphers}, {@code ssl_session_tickets},
     * {@code ssl_session_timeout}, {@code ssl_session_cache_size}, {@code ssl_dhparam}); absent keys take Kong's
     * defaults. As in Kong, {@code ssl_ciphers}, {@code ssl_protocols} and {@code ssl_prefer_server_ciphers} count
     * only with {@code ssl_cipher_suite = custom}.
     *
     * @throws IllegalArgumentException {@code Undefined cipher suite <v>}, or a message naming the bad key and value
     */
    public static TlsSettings fromConf(Map<String, String> conf) {
        String suite = conf.getOrDefault("ssl_cipher_suite", "intermediate").trim();
        boolean tickets = ngxBoolean(conf.getOrDefault("ssl_session_tickets", "on"));
        Duration timeout = parseNginxTime("ssl_session_timeout", conf.getOrDefault("ssl_session_timeout", "1d"));
        long cacheSessions = parseNginxSize("ssl_session_cache_size", conf.getOrDefault("ssl_session_cache_size", "10m"))
                / 256;
        String dhparam = blankToNull(conf.get("ssl_dhparam"));
        return switch (suite) {
            case "modern" -> new TlsSettings(suite, List.of("TLSv1.3"), TLS13, false, tickets, timeout, cacheSessions,
                    null);
            case "intermediate" -> new TlsSettings(suite, List.of("TLSv1.2", "TLSv1.3"), withTls13(INTERMEDIATE),
                    false, tickets, timeout, cacheSessions, "ffdhe2048");
            case "old" -> {
                List<String> names = new ArrayList<>(INTERMEDIATE);
                names.addAll(OLD_EXTRA);
                yield new TlsSettings(suite, List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"), withTls13(names),
                        true, tickets, timeout, cacheSessions, dhparam);
            }
            case "fips" -> new TlsSettings(suite, List.of("TLSv1.2"), toIana(FIPS), true, tickets, timeout,
                    cacheSessions, null);
            case "custom" -> custom(conf, tickets, timeout, cacheSessions, dhparam);
            default -> throw new IllegalArgumentException("Undefined cipher suite " + suite);
        };
    }

    private static TlsSettings custom(Map<String, String> conf, boolean tickets, Duration timeout, long cache,
                                      String dhparam) {
        List<String> protocols = new ArrayList<>();
        for (String p : conf.getOrDefault("ssl_protocols", "TLSv1.2 TLSv1.3").trim().split("\\s+")) {
            if (p.isEmpty()) {
                continue;
            }
            if (!KNOWN_PROTOCOLS.contains(p)) {
                throw new IllegalArgumentException("ssl_protocols: invalid entry '" + p + "' (expected a space-separated "
                        + "list of " + String.join(", ", KNOWN_PROTOCOLS) + ")");
            }
            protocols.add(p);
        }
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("ssl_protocols: empty (expected e.g. 'TLSv1.2 TLSv1.3')");
        }
        List<String> ciphers = null;
        String raw = blankToNull(conf.get("ssl_ciphers"));
        if (raw != null) {
            ciphers = new ArrayList<>();
            for (String token : raw.split("[:,\\s]+")) {
                if (token.isEmpty() || token.startsWith("!") || token.startsWith("-")) {
                    // Exclusions only matter to OpenSSL's cipher-string algebra; an explicit list needs none.
                    continue;
                }
                String iana = OPENSSL_TO_IANA.get(token);
                if (iana != null) {
                    ciphers.add(iana);
                } else if (token.startsWith("TLS_") || token.startsWith("SSL_")) {
                    ciphers.add(token);
                } else {
                    throw new IllegalArgumentException("ssl_ciphers: unsupported entry '" + token + "' (expected "
                            + "cipher suite names separated by ':', OpenSSL style like ECDHE-RSA-AES128-GCM-SHA256 or "
                            + "IANA style like TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; keywords such as HIGH are not "
                            + "supported)");
                }
            }
            if (protocols.contains("TLSv1.3") && ciphers.stream().noneMatch(TLS13::contains)) {
                ciphers.addAll(TLS13);
            }
        }
        boolean prefer = ngxBoolean(conf.getOrDefault("ssl_prefer_server_ciphers", "on"));
        return new TlsSettings("custom", protocols, ciphers, prefer, tickets, timeout, cache, dhparam);
    }

    private static List<String> withTls13(List<String> openSslNames) {
        List<String> out = new ArrayList<>(TLS13);
        out.addAll(toIana(openSslNames));
        return out;
    }

    private static List<String> toIana(List<String> openSslNames) {
        List<String> out = new ArrayList<>(openSslNames.size());
        for (String n : openSslNames) {
            out.add(Objects.requireNonNull(OPENSSL_TO_IANA.get(n), n));
        }
        return out;
    }

    /** nginx's "on" is the only true value (Kong's ngx_boolean). */
    static boolean ngxBoolean(String v) {
        return v != null && v.trim().equals("on");
    }

    private static final Pattern TIME_PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|M|y)?");

    /** nginx time: {@code 300}, {@code 10m}, {@code 1d}, {@code 1h 30m}; bare numbers are seconds. */
    static Duration parseNginxTime(String key, String value) {
        String v = value.trim();
        if (v.isEmpty()) {
            throw new IllegalArgumentException(key + ": empty (expected an nginx time such as 300, 10m, 1d)");
        }
        Duration total = Duration.ZERO;
        for (String part : v.split("\\s+")) {
            Matcher m = TIME_PART.matcher(part);
            int pos = 0;
            while (pos < part.length()) {
                if (!m.find(pos) || m.start() != pos) {
                    throw new IllegalArgumentException(key + ": invalid time '" + value
                            + "' (expected an nginx time such as 300, 10m, 1h30m, 1d)");
                }
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                total = total.plus(switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    case "w" -> Duration.ofDays(7 * n);
                    case "M" -> Duration.ofDays(30 * n);
                    default -> Duration.ofDays(365 * n);
                });
                pos = m.end();
            }
        }
        return total;
    }

    /** nginx size in bytes: {@code 512}, {@code 8k}, {@code 10m}, {@code 1g}. */
    static long parseNginxSize(String key, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = Pattern.compile("(\\d+)([kmg]?)").matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException(key + ": invalid size '" + value + "' (expected e.g. 512k or 10m)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "k" -> n << 10;
            case "m" -> n << 20;
            case "g" -> n << 30;
            default -> n;
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static Map<String, String> openSslNames() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kx : List.of("ECDSA", "RSA")) {
            m.put("ECDHE-" + kx + "-AES128-GCM-SHA256", "TLS_ECDHE_" + kx + "_WITH_AES_128_GCM_SHA256");
            m.put("ECDHE-" + kx + "-AES256-GCM-SHA384", "TLS_ECDHE_" + kx + "_WITH_AES_256_GCM_SHA384");
            m.put("ECDHE-" + kx + "-CHACHA20-POLY1305", "TLS_ECDHE_" + kx + "_WITH_CHACHA20_POLY1305_SHA256");
            m.put("ECDHE-" + kx + "-AES128-SHA256", "TLS_ECDHE_" + kx + "_WITH_AES_128_CBC_SHA256");
            m.put("ECDHE-" + kx + "-AES256-SHA384", "TLS_ECDHE_" + kx + "_WITH_AES_256_CBC_SHA384");
            m.put("ECDHE-" + kx + "-AES128-SHA", "TLS_ECDHE_" + kx + "_WITH_AES_128_CBC_SHA");
            m.put("ECDHE-" + kx + "-AES256-SHA", "TLS_ECDHE_" + kx + "_WITH_AES_256_CBC_SHA");
        }
        m.put("DHE-RSA-AES128-GCM-SHA256", "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256");
        m.put("DHE-RSA-AES256-GCM-SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
        m.put("DHE-RSA-CHACHA20-POLY1305", "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
        m.put("DHE-RSA-AES128-SHA256", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256");
        m.put("DHE-RSA-AES256-SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256");
        m.put("DHE-RSA-AES128-SHA", "TLS_DHE_RSA_WITH_AES_128_CBC_SHA");
        m.put("DHE-RSA-AES256-SHA", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA");
        m.put("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256");
        m.put("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384");
        m.put("AES128-SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA256");
        m.put("AES256-SHA256", "TLS_RSA_WITH_AES_256_CBC_SHA256");
        m.put("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA");
        m.put("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA");
        m.put("DES-CBC3-SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
        // TLS 1.3 suites keep their IANA names in OpenSSL too.
        for (String s : TLS13) {
            m.put(s, s);
        }
        return Map.copyOf(m);
    }

    // Last static field: fromConf needs the tables and patterns above to be initialised.
    /** Kong's default: {@code intermediate}, tickets on, 1 day, 10m. */
    public static final TlsSettings DEFAULT = fromConf(Map.of());
}
