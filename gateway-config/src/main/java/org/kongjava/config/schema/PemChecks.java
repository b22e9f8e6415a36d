package org.kongjava.config.schema;

import java.util.List;

/**
 * The PEM parsing the Certificate schema needs, kept behind an interface because parsing lives in
 * {@code gateway-tls}, which depends on this module (not the other way round). {@code org.kongjava.tls.TlsPemChecks}
 * is the implementation; whoever builds a {@link CertificateSchema} passes it in. Implementations must be pure and
 * thread-safe, and must never put key material in a message.
 */
public interface PemChecks {

    /** Kong's {@code cert}/{@code cert_alt} field check: null when valid, else {@code invalid certificate: <why>}. */
    String certificate(String pem);

    /** Kong's {@code key}/{@code key_alt} field check: null when valid, else {@code invalid key: <why>}. */
    String key(String pem);

    /**
     * Kong's entity checks over fields that passed the field checks, in Kong's order: {@code cert_alt}/{@code key_alt}
     * both or neither, {@code certificate does not match key}, {@code alternative certificate does not match key},
     * different key types. Empty when all pass.
     */
    List<String> pair(String cert, String key, String certAlt, String keyAlt);

    /** "Not After" of the first certificate in {@code pem}, in Unix seconds; null when it does not parse. */
    Long notAfter(String pem);

    /**
     * Kong's entity check of a CA Certificate's {@code cert} (a text that passed {@link #certificate}): exactly one
     * certificate, not expired at {@code nowSeconds}, with the basicConstraints CA flag. Null when valid, else Kong's
     * message.
     */
    String caCertificate(String pem, long nowSeconds);

    /**
     * Accepts any text and knows no expiry: only for documents that were checked with real checks when they were
     * written ({@link CertificateSchema#STORED}).
     */
    PemChecks ALREADY_CHECKED = new PemChecks() {
        @Override
        public String certificate(String pem) {
            return null;
        }

        @Override
        public String key(String pem) {
            return null;
        }

        @Override
        public List<String> pair(String cert, String key, String certAlt, String keyAlt) {
            return List.of();
        }

        @Override
        public Long notAfter(String pem) {
            return null;
        }

        @Override
        public String caCertificate(String pem, long nowSeconds) {
            return null;
        }
    };
}
