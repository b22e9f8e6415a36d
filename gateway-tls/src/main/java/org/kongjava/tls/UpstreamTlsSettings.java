package org.kongjava.tls;

import java.io.IOException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The gateway-wide upstream TLS settings from kong.conf:
 * <ul>
 *   <li>{@code lua_ssl_trusted_certificate}: the CA bundle a verifying service without {@code ca_certificates}
 *       trusts; {@code system} is the JDK's trust store (its {@code cacerts}), other items are PEM files or inline
 *       PEM, as Kong accepts them. Default {@code system}.</li>
 *   <li>{@code lua_ssl_verify_depth}: the verify depth of services that leave {@code tls_verify_depth} null (1).</li>
 *   <li>{@code client_ssl}, {@code client_ssl_cert}, {@code client_ssl_cert_key}: the client certificate presented
 *       to upstreams when neither the service nor its upstream names one.</li>
 *   <li>{@code upstream_tls_verify_default} (kong-java): the {@code tls_verify} of services that leave it null;
 *       off, as in Kong.</li>
 * </ul>
 *
 * @param trusted        the global bundle's certificates
 * @param trustedSources the bundle's items as configured ({@code system}, paths; inline PEM shown as {@code inline})
 * @param verifyDepth    the default depth
 * @param verifyDefault  the default of {@code tls_verify}
 * @param clientSsl      the global client certificate, or null
 */
public record UpstreamTlsSettings(List<X509Certificate> trusted, List<String> trustedSources, int verifyDepth,
                                  boolean verifyDefault, ClientKey clientSsl) {

    /** A client certificate chain and its key; {@code digest} identifies the content (caches, pool keys, logs). */
    public record ClientKey(PrivateKey key, List<X509Certificate> chain, String digest) {
        public ClientKey {
            Objects.requireNonNull(key, "key");
            chain = List.copyOf(chain);
            Objects.requireNonNull(digest, "digest");
        }

        /** Parses a PEM pair (a Certificate entity, or client_ssl files); {@code what} names the source in errors. */
        public static ClientKey parse(String certPem, String keyPem, String what) {
            try {
                List<X509Certificate> chain = PemCodec.parseCertificates(certPem);
                PrivateKey key = PemCodec.parsePrivateKey(keyPem);
                if (!PemCodec.keyMatchesCertificate(chain.get(0), key)) {
                    throw new IllegalArgumentException(what + ": certificate does not match key");
                }
                return new ClientKey(key, chain, PemCodec.sha256Hex(certPem + '\0' + keyPem));
            } catch (PemException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            return "ClientKey[" + chain.get(0).getSubjectX500Principal().getName() + "]";
        }
    }

    public UpstreamTlsSettings {
        trusted = List.copyOf(trusted);
        trustedSources = List.copyOf(trustedSources);
        if (verifyDepth < 0) {
            throw new IllegalArgumentException("lua_ssl_verify_depth: " + verifyDepth + " (expected: >= 0)");
        }
    }

    /** Kong's defaults: the system trust store, depth 1, no verification, no client certificate. */
    public static UpstreamTlsSettings defaults() {
        return new UpstreamTlsSettings(systemTrust(), List.of("system"), 1, false, null);
    }

    /**
     * Reads the settings from kong.conf values (blocking file reads: at start, off the event loops).
     *
     * @throws IllegalArgumentException naming the key, e.g. {@code lua_ssl_trusted_certificate: failed loading
     *                                  certificate from /x (NoSuchFileException: /x)}
     */
    public static UpstreamTlsSettings fromConf(Map<String, String> conf) {
        List<X509Certificate> trusted = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        String bundle = conf.getOrDefault("lua_ssl_trusted_certificate", "system");
        for (String item : bundle == null ? List.<String>of() : splitList(bundle)) {
            if (item.equals("system")) {
                trusted.addAll(systemTrust());
                sources.add("system");
                continue;
            }
            ConfPem pem = parse("lua_ssl_trusted_certificate", item);
            try {
                trusted.addAll(PemCodec.parseCertificates(pem.read("lua_ssl_trusted_certificate")));
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            } catch (PemException e) {
                throw new IllegalArgumentException("lua_ssl_trusted_certificate: " + where(pem) + ": " + e.getMessage(), e);
            }
            sources.add(pem.isFile() ? pem.file().toString() : "inline");
        }
        String depthText = conf.getOrDefault("lua_ssl_verify_depth", "1");
        int depth;
        try {
            depth = Integer.parseInt(depthText == null ? "1" : depthText.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("lua_ssl_verify_depth: '" + depthText + "' (expected an integer >= 0)");
        }
        boolean verifyDefault = on(conf.get("upstream_tls_verify_default"));
        ClientKey client = null;
        if (on(conf.get("client_ssl"))) {
            String certItem = conf.get("client_ssl_cert");
            String keyItem = conf.get("client_ssl_cert_key");
            if (certItem == null || keyItem == null) {
                throw new IllegalArgumentException((certItem == null ? "client_ssl_cert" : "client_ssl_cert_key")
                        + " must be specified when client_ssl is on");
            }
            try {
                String certPem = parse("client_ssl_cert", certItem).read("client_ssl_cert");
                String keyPem = parse("client_ssl_cert_key", keyItem).read("client_ssl_cert_key");
                client = ClientKey.parse(certPem, keyPem, "client_ssl_cert");
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        return new UpstreamTlsSettings(trusted, sources, depth, verifyDefault, client);
    }

    private static ConfPem parse(String key, String item) {
        try {
            return ConfPem.parse(item);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    private static String where(ConfPem pem) {
        return pem.isFile() ? pem.file().toString() : "inline PEM";
    }

    private static boolean on(String v) {
        return v != null && (v.trim().equals("on") || v.trim().equals("true"));
    }

    private static List<String> splitList(String v) {
        List<String> out = new ArrayList<>();
        for (String s : v.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    /** The JDK's default trust store (cacerts, or javax.net.ssl.trustStore when set). */
    static List<X509Certificate> systemTrust() {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    return List.of(x.getAcceptedIssuers());
                }
            }
            return List.of();
        } catch (NoSuchAlgorithmException | KeyStoreException e) {
            throw new IllegalStateException("lua_ssl_trusted_certificate: the system trust store cannot be read: "
                    + e.getMessage(), e);
        }
    }
}
