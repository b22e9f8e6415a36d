package org.kongjava.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kong's fallback certificates: when a TLS listener has no {@code ssl_cert} (resp. {@code admin_ssl_cert}, …),
 * an RSA 2048 and an ECDSA P-256 self-signed pair (CN=localhost, 20 years, not a CA, serverAuth+clientAuth) are
 * generated into {@code <prefix>/ssl/} on first start and reused on later starts, so clients that pinned the
 * certificate keep working across restarts.
 *
 * <p>Keys are written with mode 0600 through a temporary file and an atomic rename, so a crash never leaves a
 * half-written or world-readable key. Blocking file I/O and key generation: call it at start-up, off the
 * event loops.
 */
public final class DefaultCertificates {
    private static final Logger log = LoggerFactory.getLogger(DefaultCertificates.class);

    /** Validity of generated certificates (Kong: 20 × 365 days). */
    static final Duration VALIDITY = Duration.ofDays(20L * 365);

    /** Whose default pair: each listener kind has its own files, as in Kong. */
    public enum Target {
        PROXY("kong-default"),
        ADMIN("admin-kong-default"),
        ADMIN_GUI("admin-gui-kong-default"),
        STATUS("status-kong-default");

        private final String baseName;

        Target(String baseName) {
            this.baseName = baseName;
        }

        /** File name stem in {@code <prefix>/ssl}, e.g. {@code admin-kong-default}. */
        public String baseName() {
            return baseName;
        }
    }

    /** Where a target's two pairs live. */
    public record Paths(Path rsaCert, Path rsaKey, Path ecdsaCert, Path ecdsaKey) {
        /** The {@code <prefix>/ssl/<base>{,-ecdsa}.{crt,key}} paths of {@code target}. */
        public static Paths of(Path prefix, Target target) {
            Path ssl = prefix.resolve("ssl");
            String b = target.baseName();
            return new Paths(ssl.resolve(b + ".crt"), ssl.resolve(b + ".key"),
                    ssl.resolve(b + "-ecdsa.crt"), ssl.resolve(b + "-ecdsa.key"));
        }
    }

    private DefaultCertificates() {
    }

    /**
     * Makes sure {@code target}'s two pairs exist under {@code prefix} (generating the missing ones) and returns
     * them loaded, RSA as the main pair and ECDSA as the alternative.
     *
     * @throws IOException when a file cannot be written or read, only one file of a pair exists, or an existing
     *                     file does not hold a valid pair (the message names the file)
     */
    public static ServerKeyMaterial ensure(Path prefix, Target target) throws IOException {
        Paths p = Paths.of(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(target, "target"));
        Files.createDirectories(p.rsaCert().getParent());
        ensurePair(p.rsaCert(), p.rsaKey(), false, target);
        ensurePair(p.ecdsaCert(), p.ecdsaKey(), true, target);
        try {
            return ServerKeyMaterial.fromPem(read(p.rsaCert()), read(p.rsaKey()), read(p.ecdsaCert()),
                    read(p.ecdsaKey()));
        } catch (PemException e) {
            throw new IOException("default certificate in " + p.rsaCert().getParent() + " is unusable: "
                    + e.getMessage() + " (delete the " + target.baseName() + "* files to regenerate them)");
        }
    }

    private static void ensurePair(Path cert, Path key, boolean ecdsa, Target target) throws IOException {
        boolean certExists = Files.exists(cert);
        boolean keyExists = Files.exists(key);
        if (certExists && keyExists) {
            log.debug("{} default certificate found at {}", target, cert);
            return;
        }
        if (certExists || keyExists) {
            throw new IOException("default certificate: " + (certExists ? cert : key) + " exists but "
                    + (certExists ? key : cert) + " does not (delete the other file to regenerate the pair)");
        }
        log.info("generating {} default {} certificate {} and key {}", target, ecdsa ? "ECDSA" : "RSA", cert, key);
        Generated g = generate(ecdsa);
        // Key first: a certificate without its key would block regeneration on the next start.
        writeAtomically(key, g.keyPem(), true);
        writeAtomically(cert, g.certPem(), false);
    }

    /** A generated self-signed pair in PEM. */
    record Generated(String certPem, String keyPem) {
        @Override
        public String toString() {
            return "Generated[key hidden]";
        }
    }

    /** A self-signed CN=localhost pair like Kong's; RSA 2048 or ECDSA P-256. */
    static Generated generate(boolean ecdsa) {
        try {
            KeyPairGenerator kpg;
            if (ecdsa) {
                kpg = KeyPairGenerator.getInstance("EC");
                kpg.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                kpg = KeyPairGenerator.getInstance("RSA");
                kpg.initialize(2048);
            }
            KeyPair kp = kpg.generateKeyPair();
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.C, "US").addRDN(BCStyle.ST, "California").addRDN(BCStyle.L, "San Francisco")
                    .addRDN(BCStyle.O, "Kong").addRDN(BCStyle.OU, "IT Department").addRDN(BCStyle.CN, "localhost")
                    .build();
            Instant now = Instant.now();
            byte[] serial = new byte[16];
            new SecureRandom().nextBytes(serial);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(1, serial),
                    Date.from(now), Date.from(now.plus(VALIDITY)), name, kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            String sigAlg = ecdsa ? "SHA256withECDSA" : "SHA256withRSA";
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(sigAlg).build(kp.getPrivate())));
            return new Generated(PemCodec.encodeCertificates(List.of(cert)), PemCodec.encodePrivateKey(kp.getPrivate()));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("could not generate the default " + (ecdsa ? "ECDSA" : "RSA")
                    + " certificate: " + e, e);
        }
    }

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC_READ = PosixFilePermissions.fromString("rw-r--r--");

    /** Writes through a sibling temp file created with its final mode, then renames it into place. */
    static void writeAtomically(Path target, String content, boolean secret) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp;
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        if (posix) {
            // Created 0600 from the start: the key is never readable by others, not even for a moment.
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        }
        try {
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            if (posix && !secret) {
                Files.setPosixFilePermissions(tmp, PUBLIC_READ);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.ISO_8859_1);
    }
}
