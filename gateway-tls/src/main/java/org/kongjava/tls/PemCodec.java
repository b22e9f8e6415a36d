package org.kongjava.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM certificates and private keys: parsing, Kong's validation messages, key/certificate matching, key types.
 *
 * <p>Accepted keys: PKCS#1 ({@code RSA PRIVATE KEY}), PKCS#8 ({@code PRIVATE KEY}) and SEC1
 * ({@code EC PRIVATE KEY}, with or without a leading {@code EC PARAMETERS} block). Encrypted keys are refused:
 * Kong cannot take a passphrase for them either. Certificates: one or more {@code CERTIFICATE} blocks, leaf first.
 *
 * <p>Key material never appears in a message: errors about keys name the problem, not the content.
 * All methods are pure (no I/O) and thread-safe.
 */
public final class PemCodec {

    /** The key families Kong tells apart for {@code cert}/{@code cert_alt}: one of each may be served. */
    public enum KeyType {
        RSA, EC, OTHER;

        /** The family of a public or private key. RSASSA-PSS keys count as RSA. */
        public static KeyType of(java.security.Key key) {
            String alg = key.getAlgorithm().toUpperCase(Locale.ROOT);
            if (alg.equals("RSA") || alg.equals("RSASSA-PSS")) {
                return RSA;
            }
            if (alg.equals("EC") || alg.equals("ECDSA")) {
                return EC;
            }
            return OTHER;
        }
    }

    static final String CERT_KEY_MISMATCH = "certificate does not match key";
    static final String ALT_CERT_KEY_MISMATCH = "alternative certificate does not match key";
    static final String SAME_TYPE = "certificate and alternative certificate need to have different type "
            + "(e.g. RSA and ECDSA), the provided certificates were both of the same type";
    static final String ALT_BOTH_OR_NONE = "all or none of these fields must be set: 'cert_alt', 'key_alt'";

    private static final SecureRandom RANDOM = new SecureRandom();

    private PemCodec() {
    }

    /**
     * Parses every {@code CERTIFICATE} block of {@code pem}, in order (leaf first for a chain). Other PEM blocks
     * (a key bundled in the same file, parameters) are skipped, as OpenSSL's certificate reader does.
     *
     * @throws PemException when the text holds no certificate or a certificate block is malformed
     */
    public static List<X509Certificate> parseCertificates(String pem) throws PemException {
        if (pem == null || pem.isBlank()) {
            throw new PemException("no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)");
        }
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder h) {
                    out.add(converter.getCertificate(h));
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            // Certificates are public: the library's reason is safe to show and helps the operator.
            throw new PemException("could not parse PEM certificate: " + reason(e), e);
        }
        if (out.isEmpty()) {
            throw new PemException("no PEM certificate found (expected a -----BEGIN CERTIFICATE----- block)");
        }
        return List.copyOf(out);
    }

    /**
     * Parses the first private key in {@code pem}. Certificate, public-key and parameter blocks are skipped.
     *
     * @throws PemException when there is no key, the key is encrypted, malformed, or of an unsupported algorithm
     */
    public static PrivateKey parsePrivateKey(String pem) throws PemException {
        if (pem == null || pem.isBlank()) {
            throw new PemException("no PEM private key found (expected a -----BEGIN PRIVATE KEY-----, "
                    + "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY----- block)");
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        Object o;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            while ((o = parser.readObject()) != null) {
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new PemException("encrypted private keys are not supported "
                            + "(decrypt it first, e.g. openssl pkey -in enc.key -out plain.key)");
                }
                if (o instanceof PEMKeyPair kp) {
                    // Only the private half: SEC1 keys may omit the public key.
                    return toKey(() -> converter.getPrivateKey(kp.getPrivateKeyInfo()), kp.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return toKey(() -> converter.getPrivateKey(info), info);
                }
                // Anything else (a certificate, a public key, EC PARAMETERS) is not a private key: keep looking.
            }
        } catch (PemException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // No cause and no library text: a parser message could quote part of the key.
            throw new PemException("could not parse PEM private key (malformed or truncated key block)");
        }
        throw new PemException("no PEM private key found (expected a -----BEGIN PRIVATE KEY-----, "
                + "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY----- block)");
    }

    private interface KeyConversion {
        PrivateKey convert() throws IOException;
    }

    private static PrivateKey toKey(KeyConversion conversion, PrivateKeyInfo info) throws PemException {
        try {
            return conversion.convert();
        } catch (IOException | RuntimeException e) {
            String oid = info == null ? "?" : info.getPrivateKeyAlgorithm().getAlgorithm().getId();
            throw new PemException("unsupported or malformed private key (algorithm " + oid + ")");
        }
    }

    /** Kong's field check for {@code cert}/{@code cert_alt}: empty when valid, else {@code invalid certificate: <why>}. */
    public static Optional<String> validateCertificate(String pem) {
        try {
            parseCertificates(pem);
            return Optional.empty();
        } catch (PemException e) {
            return Optional.of("invalid certificate: " + e.getMessage());
        }
    }

    /** Kong's field check for {@code key}/{@code key_alt}: empty when valid, else {@code invalid key: <why>}. */
    public static Optional<String> validateKey(String pem) {
        try {
            parsePrivateKey(pem);
            return Optional.empty();
        } catch (PemException e) {
            return Optional.of("invalid key: " + e.getMessage());
        }
    }

    /**
     * Kong's entity-level checks of a Certificate, in Kong's order, for fields that passed
     * {@link #validateCertificate}/{@link #validateKey}: alt pair both-or-none, {@code certificate does not match key},
     * {@code alternative certificate does not match key}, and the different-key-type rule. Empty when all pass.
     * Unparseable fields are skipped here (their field errors are reported by the field checks).
     */
    public static List<String> checkCertificateEntity(String cert, String key, String certAlt, String keyAlt) {
        List<String> errors = new ArrayList<>();
        if ((certAlt == null) != (keyAlt == null)) {
            errors.add(ALT_BOTH_OR_NONE);
        }
        X509Certificate leaf = leafOrNull(cert);
        PrivateKey pk = keyOrNull(key);
        if (leaf != null && pk != null && !keyMatchesCertificate(leaf, pk)) {
            errors.add(CERT_KEY_MISMATCH);
        }
        X509Certificate altLeaf = leafOrNull(certAlt);
        if (certAlt != null && keyAlt != null) {
            PrivateKey altKey = keyOrNull(keyAlt);
            if (altLeaf != null && altKey != null && !keyMatchesCertificate(altLeaf, altKey)) {
                errors.add(ALT_CERT_KEY_MISMATCH);
            }
        }
        if (leaf != null && altLeaf != null && sameKeyType(leaf.getPublicKey(), altLeaf.getPublicKey())) {
            errors.add(SAME_TYPE);
        }
        return List.copyOf(errors);
    }

    private static X509Certificate leafOrNull(String pem) {
        if (pem == null) {
            return null;
        }
        try {
            return parseCertificates(pem).get(0);
        } catch (PemException e) {
            return null;
        }
    }

    private static PrivateKey keyOrNull(String pem) {
        if (pem == null) {
            return null;
        }
        try {
            return parsePrivateKey(pem);
        } catch (PemException e) {
            return null;
        }
    }

    /** True when both keys are of one family (RSA/RSA, EC/EC, or the same other algorithm). */
    static boolean sameKeyType(PublicKey a, PublicKey b) {
        KeyType ta = KeyType.of(a);
        KeyType tb = KeyType.of(b);
        if (ta != KeyType.OTHER || tb != KeyType.OTHER) {
            return ta == tb;
        }
        return a.getAlgorithm().equalsIgnoreCase(b.getAlgorithm());
    }

    /**
     * True when {@code key} is the private half of the leaf certificate's public key. RSA compares the modulus
     * and exponent; other algorithms sign a random challenge and verify it with the certificate's key.
     */
    public static boolean keyMatchesCertificate(X509Certificate cert, PrivateKey key) {
        PublicKey pub = cert.getPublicKey();
        if (pub instanceof RSAPublicKey rsaPub) {
            if (!(key instanceof RSAPrivateKey rsaKey)) {
                return false;
            }
            if (!rsaPub.getModulus().equals(rsaKey.getModulus())) {
                return false;
            }
            return !(key instanceof RSAPrivateCrtKey crt) || crt.getPublicExponent().equals(rsaPub.getPublicExponent());
        }
        if (KeyType.of(pub) != KeyType.of(key) || (KeyType.of(pub) == KeyType.OTHER
                && !pub.getAlgorithm().equalsIgnoreCase(key.getAlgorithm()))) {
            return false;
        }
        String alg = switch (KeyType.of(pub)) {
            case EC -> "SHA256withECDSA";
            case RSA -> "SHA256withRSA";
            case OTHER -> switch (pub.getAlgorithm().toUpperCase(Locale.ROOT)) {
                case "DSA" -> "SHA256withDSA";
                default -> pub.getAlgorithm(); // Ed25519, Ed448: the algorithm is its own signature name
            };
        };
        try {
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            Signature signer = Signature.getInstance(alg);
            signer.initSign(key);
            signer.update(challenge);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(alg);
            verifier.initVerify(pub);
            verifier.update(challenge);
            return verifier.verify(sig);
        } catch (InvalidKeyException e) {
            return false; // e.g. keys on different curves
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Kong's entity check of a CA Certificate ({@code ca_certificates.cert}), for a {@code cert} that passed
     * {@link #validateCertificate}: exactly one certificate, not expired at {@code now}, basicConstraints CA.
     * Empty when valid, else Kong's message.
     */
    public static Optional<String> checkCaCertificate(String pem, Instant now) {
        String tag = "-----BEGIN CERTIFICATE-----";
        int first = pem.indexOf(tag);
        if (first >= 0 && pem.indexOf(tag, first + tag.length()) >= 0) {
            return Optional.of("please submit only one certificate at a time");
        }
        X509Certificate cert = leafOrNull(pem);
        if (cert == null) {
            return Optional.empty(); // the field check reports it
        }
        if (isExpired(cert, now)) {
            return Optional.of("certificate expired, \"Not After\" time is in the past");
        }
        if (!isCa(cert)) {
            return Optional.of("certificate does not appear to be a CA because it is missing the \"CA\" basic constraint");
        }
        return Optional.empty();
    }

    /** True when the certificate has the basicConstraints CA flag (Kong's CA certificate rule). */
    public static boolean isCa(X509Certificate cert) {
        return cert.getBasicConstraints() >= 0;
    }

    /** True when {@code now} is after the certificate's "Not After" time. */
    public static boolean isExpired(X509Certificate cert, Instant now) {
        return now.isAfter(cert.getNotAfter().toInstant());
    }

    /** Lower-case hex SHA-256 of the DER encoding (Kong's {@code cert_digest}). */
    public static String sha256Hex(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("SHA-256 of a parsed certificate failed", e);
        }
    }

    /** Lower-case hex SHA-256 of a string (content hashes for caches; safe to log, reveals nothing of a key). */
    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** PEM text of certificates, in order. */
    public static String encodeCertificates(List<X509Certificate> certs) {
        return write(certs.toArray());
    }

    /** PEM text of a private key in PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}). */
    public static String encodePrivateKey(PrivateKey key) {
        try {
            return write(new JcaPKCS8Generator(key, null).generate());
        } catch (IOException e) {
            throw new IllegalStateException("PKCS#8 encoding of a private key failed", e);
        }
    }

    private static String write(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        return out.toString();
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
