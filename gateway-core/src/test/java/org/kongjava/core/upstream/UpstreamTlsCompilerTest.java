package org.kongjava.core.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslProvider;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.CaCertificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Service;
import org.kongjava.config.schema.CaCertificateSchema;
import org.kongjava.config.schema.CertificateSchema;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.config.schema.UpstreamSchema;
import org.kongjava.tls.PemCodec;
import org.kongjava.tls.UpstreamSslContexts;
import org.kongjava.tls.UpstreamTlsSettings;

/** Policies per service: precedence of settings, context sharing and reuse across compiles, changes taking effect. */
class UpstreamTlsCompilerTest {
    private static final long NOW = 1_700_000_000L;

    record Pair(X509Certificate cert, KeyPair keys) {
        String certPem() {
            return PemCodec.encodeCertificates(List.of(cert));
        }

        String keyPem() {
            return PemCodec.encodePrivateKey(keys.getPrivate());
        }
    }

    static Pair issue(String cn, boolean ca) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            Instant now = Instant.now();
            var b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + cn), BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(30))),
                    new X500Name("CN=" + cn), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            X509Certificate c = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
            return new Pair(c, kp);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final Pair CA_A = issue("CA A", true);
    static final Pair CA_B = issue("CA B", true);
    static final Pair CLIENT_1 = issue("client one", false);
    static final Pair CLIENT_2 = issue("client two", false);

    private static UpstreamTlsCompiler compiler(boolean verifyDefault, Pair clientSsl) {
        UpstreamTlsSettings.ClientKey global = clientSsl == null ? null
                : UpstreamTlsSettings.ClientKey.parse(clientSsl.certPem(), clientSsl.keyPem(), "client_ssl_cert");
        UpstreamTlsSettings s = new UpstreamTlsSettings(List.of(CA_B.cert()), List.of("/etc/test-bundle.pem"), 1,
                verifyDefault, global);
        return new UpstreamTlsCompiler(s, new UpstreamSslContexts(SslProvider.JDK));
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static EntitySet withCa(EntitySet set, Pair ca) {
        return CaCertificateSchema.STORED.insert(set, map("cert", ca.certPem()), NOW).next();
    }

    private static UUID firstCa(EntitySet set) {
        return set.caCertificates().keySet().iterator().next();
    }

    private static EntitySet withService(EntitySet set, Object... kv) {
        return ServiceSchema.INSTANCE.insert(set, map(kv), NOW).next();
    }

    private static Service service(EntitySet set, String name) {
        return ServiceSchema.INSTANCE.find(set, name);
    }

    @Test
    void plainServicesHaveNoPolicyAndDefaultsComeFromTheConf() {
        EntitySet set = withService(EntitySet.EMPTY, "name", "plain", "url", "http://a.test");
        set = withService(set, "name", "tls", "url", "https://a.test");
        UpstreamTlsContexts off = compiler(false, null).compile(set);
        assertNull(off.policy(service(set, "plain")));
        UpstreamTlsPolicy p = off.policy(service(set, "tls"));
        assertFalse(p.verify());
        assertEquals("upstream_tls_verify_default", p.verifySource());
        UpstreamTlsPolicy on = compiler(true, null).compile(set).policy(service(set, "tls"));
        assertTrue(on.verify());
        assertEquals(1, on.depth());
        assertEquals("lua_ssl_trusted_certificate", on.trustSource());
        assertEquals(List.of("/etc/test-bundle.pem"), on.trustedBundle());
        assertNotEquals(p.identity(), on.identity());
    }

    @Test
    void equalSettingsShareOneContextAcrossServicesAndCompiles() {
        EntitySet set = withCa(EntitySet.EMPTY, CA_A);
        String ca = firstCa(set).toString();
        set = withService(set, "name", "s1", "url", "https://a.test", "tls_verify", true, "ca_certificates", List.of(ca));
        set = withService(set, "name", "s2", "url", "https://b.test", "tls_verify", true, "ca_certificates", List.of(ca));
        set = withService(set, "name", "s3", "url", "https://b.test", "tls_verify", true, "tls_verify_depth", 3,
                "ca_certificates", List.of(ca));
        UpstreamTlsCompiler c = compiler(false, null);
        UpstreamTlsContexts first = c.compile(set);
        UpstreamTlsPolicy p1 = first.policy(service(set, "s1"));
        assertSame(p1.context(), first.policy(service(set, "s2")).context());
        assertNotSame(p1.context(), first.policy(service(set, "s3")).context());
        assertEquals("ca_certificates", p1.trustSource());
        // A later compile of an unchanged set (another entity changed) reuses the contexts, so their sessions too.
        EntitySet later = withService(set, "name", "other", "url", "http://c.test");
        assertSame(p1.context(), c.compile(later).policy(service(later, "s1")).context());
    }

    @Test
    void changingTheCaContentGivesNewConnectionsANewContext() {
        EntitySet set = withCa(EntitySet.EMPTY, CA_A);
        UUID caId = firstCa(set);
        set = withService(set, "name", "s", "url", "https://a.test", "tls_verify", true,
                "ca_certificates", List.of(caId.toString()));
        UpstreamTlsCompiler c = compiler(false, null);
        UpstreamTlsPolicy before = c.compile(set).policy(service(set, "s"));
        EntitySet changed = CaCertificateSchema.STORED.update(set, caId.toString(), map("cert", CA_B.certPem()), NOW + 1).next();
        CaCertificate now = changed.caCertificates().get(caId);
        assertEquals(PemCodec.sha256Hex(CA_B.cert()), now.certDigest());
        UpstreamTlsPolicy after = c.compile(changed).policy(service(changed, "s"));
        assertNotEquals(before.identity(), after.identity());
        assertNotSame(before.context(), after.context());
        // Pooled connections of the old identity are not picked for the new one.
        assertNotEquals(new PoolKey("127.0.0.1", 443).withTls(before.poolIdentity("a.test")),
                new PoolKey("127.0.0.1", 443).withTls(after.poolIdentity("a.test")));
    }

    @Test
    void clientCertificatePrecedenceIsServiceThenUpstreamThenClientSsl() {
        EntitySet set = CertificateSchema.STORED.insert(EntitySet.EMPTY,
                map("cert", CLIENT_1.certPem(), "key", CLIENT_1.keyPem()), NOW).next();
        UUID c1 = set.certificates().keySet().iterator().next();
        var w2 = CertificateSchema.STORED.insert(set, map("cert", CLIENT_2.certPem(), "key", CLIENT_2.keyPem()), NOW);
        set = w2.next();
        UUID c2 = w2.entity().id();
        set = UpstreamSchema.INSTANCE.insert(set, map("name", "pool.test", "client_certificate", map("id", c2.toString())),
                NOW).next();
        set = withService(set, "name", "own", "url", "https://pool.test", "client_certificate", map("id", c1.toString()));
        set = withService(set, "name", "inherits", "url", "https://pool.test");
        set = withService(set, "name", "global", "url", "https://elsewhere.test");
        UpstreamTlsContexts t = compiler(false, CLIENT_1).compile(set);
        assertEquals(c1, t.policy(service(set, "own")).clientCertificate());
        assertEquals("service", t.policy(service(set, "own")).clientCertificateSource());
        assertEquals(c2, t.policy(service(set, "inherits")).clientCertificate());
        assertEquals("upstream", t.policy(service(set, "inherits")).clientCertificateSource());
        assertNull(t.policy(service(set, "global")).clientCertificate());
        assertEquals("client_ssl", t.policy(service(set, "global")).clientCertificateSource());
        assertNull(compiler(false, null).compile(set).policy(service(set, "global")).clientCertificateSource());
        // The upstream's certificate is referenced: it cannot be deleted while the upstream names it.
        EntitySet withoutServices = set;
        for (Service s : set.services().values()) {
            withoutServices = ServiceSchema.INSTANCE.delete(withoutServices, s);
        }
        EntitySet last = withoutServices;
        assertEquals("an existing 'upstreams' entity references this 'certificates' entity", assertThrows(
                org.kongjava.config.schema.EntityException.class,
                () -> CertificateSchema.STORED.delete(last, last.certificates().get(c2))).getMessage());
    }

    @Test
    void unusableClientCertificateFailsItsServiceOnly() throws Exception {
        // A certificate whose key does not match (possible only in a set that skipped the schema's pair check).
        EntitySet set = CertificateSchema.STORED.insert(EntitySet.EMPTY,
                map("cert", CLIENT_1.certPem(), "key", CLIENT_2.keyPem()), NOW).next();
        UUID bad = set.certificates().keySet().iterator().next();
        set = withService(set, "name", "broken", "url", "https://a.test", "client_certificate", map("id", bad.toString()));
        set = withService(set, "name", "fine", "url", "https://a.test");
        EntitySet all = set;
        UpstreamTlsContexts t = compiler(false, null).compile(all);
        UpstreamTlsPolicy broken = t.policy(service(all, "broken"));
        assertNull(broken.context());
        assertTrue(broken.error().contains("does not match"), broken.error());
        assertThrows(SSLException.class, () -> t.newHandler(service(all, "broken"), "a.test", 443, ByteBufAllocator.DEFAULT));
        var h = t.newHandler(service(all, "fine"), "a.test", 443, ByteBufAllocator.DEFAULT);
        assertNotNull(h);
        io.netty.util.ReferenceCountUtil.release(h.engine());
    }
}
