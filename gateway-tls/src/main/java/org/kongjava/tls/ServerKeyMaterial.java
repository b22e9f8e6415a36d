package org.kongjava.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.kongjava.config.model.Certificate;

/**
 * What a TLS server presents: a certificate chain with its key, and optionally a second chain/key of the other
 * key type (RSA + ECDSA), the handshake choosing by what the client supports. Validated on construction: each key
 * matches its leaf and the two pairs are of different types.
 *
 * <p>{@link #toString()} shows subjects and key types only; the keys never reach a log through this record.
 *
 * @param chain    leaf first, never empty
 * @param key      the leaf's private key
 * @param altChain the alternative chain, or null
 * @param altKey   its key, or null (null exactly when {@code altChain} is)
 */
public record ServerKeyMaterial(List<X509Certificate> chain, PrivateKey key,
                                List<X509Certificate> altChain, PrivateKey altKey) {

    public ServerKeyMaterial {
        Objects.requireNonNull(key, "key");
        chain = List.copyOf(Objects.requireNonNull(chain, "chain"));
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain: empty (expected at least the leaf certificate)");
        }
        if ((altChain == null) != (altKey == null)) {
            throw new IllegalArgumentException("altChain/altKey: both or neither must be given");
        }
        altChain = altChain == null ? null : List.copyOf(altChain);
        if (altChain != null && altChain.isEmpty()) {
            throw new IllegalArgumentException("altChain: empty (expected at least the leaf certificate)");
        }
        if (!PemCodec.keyMatchesCertificate(chain.get(0), key)) {
            throw new IllegalArgumentException(PemCodec.CERT_KEY_MISMATCH);
        }
        if (altChain != null) {
            if (!PemCodec.keyMatchesCertificate(altChain.get(0), altKey)) {
                throw new IllegalArgumentException(PemCodec.ALT_CERT_KEY_MISMATCH);
            }
            if (PemCodec.sameKeyType(chain.get(0).getPublicKey(), altChain.get(0).getPublicKey())) {
                throw new IllegalArgumentException(PemCodec.SAME_TYPE);
            }
        }
    }

    /** One pair, no alternative. */
    public static ServerKeyMaterial of(List<X509Certificate> chain, PrivateKey key) {
        return new ServerKeyMaterial(chain, key, null, null);
    }

    /**
     * Parses PEM texts ({@code certAlt}/{@code keyAlt} may be null).
     *
     * @throws PemException with Kong's wording ({@code invalid certificate: …}, {@code invalid key: …},
     *                      {@code certificate does not match key}, …) naming which field failed
     */
    public static ServerKeyMaterial fromPem(String cert, String key, String certAlt, String keyAlt) throws PemException {
        List<X509Certificate> chain = certs("cert", cert);
        PrivateKey pk = key("key", key);
        List<X509Certificate> altChain = certAlt == null ? null : certs("cert_alt", certAlt);
        PrivateKey altPk = keyAlt == null ? null : key("key_alt", keyAlt);
        try {
            return new ServerKeyMaterial(chain, pk, altChain, altPk);
        } catch (IllegalArgumentException e) {
            throw new PemException(e.getMessage());
        }
    }

    /** The material of a Certificate entity. */
    public static ServerKeyMaterial fromEntity(Certificate c) throws PemException {
        return fromPem(c.cert(), c.key(), c.certAlt(), c.keyAlt());
    }

    /**
     * Kong's {@code ssl_cert}/{@code ssl_cert_key} lists (one or two pairs, the second of the other key type) as
     * PEM texts already read from their files.
     */
    public static ServerKeyMaterial fromPemPairs(List<String> certs, List<String> keys) throws PemException {
        if (certs.size() != keys.size()) {
            throw new PemException("ssl_cert was specified " + certs.size() + " times while ssl_cert_key was specified "
                    + keys.size() + " times");
        }
        if (certs.isEmpty() || certs.size() > 2) {
            throw new PemException("expected one or two certificate/key pairs (RSA and ECDSA), got " + certs.size());
        }
        return certs.size() == 1
                ? fromPem(certs.get(0), keys.get(0), null, null)
                : fromPem(certs.get(0), keys.get(0), certs.get(1), keys.get(1));
    }

    /** True when an alternative pair is present. */
    public boolean hasAlt() {
        return altChain != null;
    }

    /** The leaf certificate. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** Every leaf: the main one and the alternative's, if any (for expiry checks). */
    public List<X509Certificate> leaves() {
        List<X509Certificate> out = new ArrayList<>(2);
        out.add(chain.get(0));
        if (altChain != null) {
            out.add(altChain.get(0));
        }
        return out;
    }

    private static List<X509Certificate> certs(String field, String pem) throws PemException {
        try {
            return PemCodec.parseCertificates(pem);
        } catch (PemException e) {
            throw new PemException(field + ": invalid certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey key(String field, String pem) throws PemException {
        try {
            return PemCodec.parsePrivateKey(pem);
        } catch (PemException e) {
            throw new PemException(field + ": invalid key: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ServerKeyMaterial[")
                .append(PemCodec.KeyType.of(key)).append(' ').append(leaf().getSubjectX500Principal().getName())
                .append(", chain=").append(chain.size());
        if (altChain != null) {
            sb.append(", alt=").append(PemCodec.KeyType.of(altKey)).append(' ')
                    .append(altChain.get(0).getSubjectX500Principal().getName());
        }
        return sb.append(']').toString();
    }
}
