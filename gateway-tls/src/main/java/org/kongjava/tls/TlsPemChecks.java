package org.kongjava.tls;

import java.util.List;

import org.kongjava.config.schema.PemChecks;

/**
 * {@link PemChecks} over {@link PemCodec}: what the Certificate schema in {@code gateway-config} uses to validate
 * PEM fields, with Kong's messages. Stateless.
 */
public final class TlsPemChecks implements PemChecks {
    /** The only instance. */
    public static final TlsPemChecks INSTANCE = new TlsPemChecks();

    private TlsPemChecks() {
    }

    @Override
    public String certificate(String pem) {
        return PemCodec.validateCertificate(pem).orElse(null);
    }

    @Override
    public String key(String pem) {
        return PemCodec.validateKey(pem).orElse(null);
    }

    @Override
    public List<String> pair(String cert, String key, String certAlt, String keyAlt) {
        return PemCodec.checkCertificateEntity(cert, key, certAlt, keyAlt);
    }

    @Override
    public Long notAfter(String pem) {
        try {
            return PemCodec.parseCertificates(pem).get(0).getNotAfter().toInstant().getEpochSecond();
        } catch (PemException e) {
            return null;
        }
    }

    @Override
    public String caCertificate(String pem, long nowSeconds) {
        return PemCodec.checkCaCertificate(pem, java.time.Instant.ofEpochSecond(nowSeconds)).orElse(null);
    }
}
