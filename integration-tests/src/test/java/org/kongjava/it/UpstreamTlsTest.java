package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.NginxPeer;
import org.kongjava.it.support.Poll;
import org.kongjava.tls.PemCodec;

/**
 * Upstream TLS end to end: the real gateway proxies to nginx over TLS, nginx's certificates issued per run by a test
 * CA (a root, an intermediate, leaves for {@code upstream.test} and 127.0.0.1, a client certificate for mTLS).
 */
class UpstreamTlsTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    record Issued(X509Certificate cert, KeyPair keys) {
        String certPem() {
            return PemCodec.encodeCertificates(List.of(cert));
        }

        String keyPem() {
            return PemCodec.encodePrivateKey(keys.getPrivate());
        }
    }

    static Issued issue(String cn, Issued issuer, boolean ca) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + cn);
            X500Name issuerName = issuer == null ? subject
                    : X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded());
            var b = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(64, RANDOM),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(30))), subject,
                    kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (!ca) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, cn), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            }
            var signer = issuer == null ? kp.getPrivate() : issuer.keys().getPrivate();
            X509Certificate c = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
            return new Issued(c, kp);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final Issued ROOT = issue("Upstream Test Root", null, true);
    static final Issued INTER = issue("Upstream Test Intermediate", ROOT, true);
    static final Issued OTHER = issue("Some Other Root", null, true);
    static final Issued DIRECT = issue("upstream.test", ROOT, false);
    static final Issued CHAINED = issue("upstream.test", INTER, false);
    static final Issued CLIENT_CA = issue("Client Test CA", null, true);
    static final Issued CLIENT = issue("gateway-client", CLIENT_CA, false);

    static Path dir;
    static NginxPeer direct;
    static NginxPeer chained;
    static NginxPeer mtls;
    static Gateway gw;
    static Admin admin;

    static String write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p.toString();
    }

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("upstream-tls-it");
        String echo = "location / { add_header X-Upstream-SNI \"$ssl_server_name\" always;"
                + " add_header X-Client-DN \"$ssl_client_s_dn\" always; return 200 \"tls ok\\n\"; }";
        direct = NginxPeer.start("ssl_certificate " + write("direct.pem", DIRECT.certPem()) + "; ssl_certificate_key "
                + write("direct.key", DIRECT.keyPem()) + "; " + echo, true);
        chained = NginxPeer.start("ssl_certificate " + write("chained.pem", CHAINED.certPem() + INTER.certPem())
                + "; ssl_certificate_key " + write("chained.key", CHAINED.keyPem()) + "; " + echo, true);
        mtls = NginxPeer.start("ssl_certificate " + dir.resolve("direct.pem") + "; ssl_certificate_key "
                + dir.resolve("direct.key") + "; ssl_verify_client on; ssl_client_certificate "
                + write("client-ca.pem", CLIENT_CA.certPem()) + "; " + echo, true);
        // The global bundle: the system store plus the test root (a service with tls_verify and no CAs uses it).
        gw = Gateway.builder()
                .conf("lua_ssl_trusted_certificate", "system," + write("bundle.pem", ROOT.certPem()))
                .conf("log_level", "info")
                .start();
        admin = gw.admin();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {gw, direct, chained, mtls}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
    }

    private static String caId(Issued ca) {
        return admin.create("/ca_certificates", Map.of("cert", ca.certPem())).get("id").asText();
    }

    private static String rootId() {
        return existingOrNew(ROOT);
    }

    /** A service named {@code name} to {@code url} with {@code fields}, and a route {@code /name}. */
    private static JsonNode service(String name, String url, Map<String, Object> fields) {
        Map<String, Object> body = new LinkedHashMap<>(fields);
        body.put("name", name);
        body.put("url", url);
        body.put("retries", 0);
        JsonNode s = admin.create("/services", body);
        admin.create("/services/" + name + "/routes", Map.of("paths", List.of("/" + name)));
        return s;
    }

    private static Curl.Result get(String path, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(extra));
        args.add(gw.proxyUrl(path));
        return Curl.run(args.toArray(String[]::new));
    }

    private static void assertLogged(String text) {
        Poll.until(Duration.ofSeconds(5), () -> gw.output().contains(text), () -> "log line '" + text + "'\n" + gw.output());
    }

    private static String ip(NginxPeer p) {
        return "https://127.0.0.1:" + p.port();
    }

    @Test
    void unverifiedByDefaultAsKong() {
        service("plain", ip(direct), Map.of());
        Curl.Result r = get("/plain");
        assertEquals(200, r.status(), r::toString);
        assertEquals("tls ok\n", r.body());
        // Kong's default is off: the effective settings say so, and where it comes from.
        JsonNode tls = admin.get("/services/plain/tls").expect(200).json();
        assertEquals(false, tls.get("verify").asBoolean());
        assertEquals("upstream_tls_verify_default", tls.get("verify_source").asText());
    }

    @Test
    void untrustedUpstreamIs502WithTheReasonLogged() {
        service("untrusted", ip(direct), Map.of("tls_verify", true, "ca_certificates", List.of(caId(OTHER))));
        Curl.Result r = get("/untrusted");
        assertEquals(502, r.status(), r::toString);
        assertTrue(r.body().contains("An invalid response was received from the upstream server"), r.body());
        assertLogged("upstream certificate verify error (unknown_ca)");
    }

    @Test
    void perServiceCaVerifiesAndTheUpstreamHostIsTheSni() {
        String root = rootId();
        // Through an upstream entity whose host_header names the certificate's host: SNI and name check use it.
        admin.create("/upstreams", Map.of("name", "tls-pool", "host_header", "upstream.test"));
        admin.create("/upstreams/tls-pool/targets", Map.of("target", "127.0.0.1:" + direct.port()));
        service("trusted", "https://tls-pool", Map.of("tls_verify", true, "ca_certificates", List.of(root)));
        Curl.Result r = get("/trusted");
        assertEquals(200, r.status(), () -> r + "\n" + gw.output());
        assertEquals("upstream.test", r.header("X-Upstream-SNI"));
        JsonNode tls = admin.get("/services/trusted/tls").expect(200).json();
        assertEquals("ca_certificates", tls.get("trust").get("source").asText());
        assertEquals(root, tls.get("trust").get("ca_certificates").get(0).asText());
        assertEquals(1, tls.get("verify_depth").asInt());
        // An IP host is checked against the certificate's IP subjectAltName (and sent without SNI).
        service("trusted-ip", ip(direct), Map.of("tls_verify", true, "ca_certificates", List.of(root)));
        Curl.Result byIp = get("/trusted-ip");
        assertEquals(200, byIp.status(), byIp::toString);
        assertEquals("", byIp.header("X-Upstream-SNI") == null ? "" : byIp.header("X-Upstream-SNI"));
    }

    @Test
    void wrongHostnameIs502() {
        // preserve_host: the client's Host is sent upstream and is the name the certificate must carry.
        JsonNode s = admin.create("/services", Map.of("name", "wrong-name", "url", "https://upstream.test",
                "retries", 0, "tls_verify", true, "ca_certificates", List.of(rootId())));
        admin.create("/routes", Map.of("paths", List.of("/wrong-name"), "preserve_host", true,
                "service", Map.of("id", s.get("id").asText())));
        // upstream.test does not resolve: point it at nginx through an upstream entity instead of DNS.
        admin.create("/upstreams", Map.of("name", "upstream.test"));
        admin.create("/upstreams/upstream.test/targets", Map.of("target", "127.0.0.1:" + direct.port()));
        Curl.Result ok = get("/wrong-name", "-H", "Host: upstream.test");
        assertEquals(200, ok.status(), () -> ok + "\n" + gw.output());
        Curl.Result r = get("/wrong-name", "-H", "Host: wrong.test");
        assertEquals(502, r.status(), r::toString);
        assertLogged("upstream certificate verify error (name_mismatch)");
    }

    @Test
    void depthTooSmallForTheIntermediateIs502() {
        String rootId = rootId();
        service("depth0", ip(chained), Map.of("tls_verify", true, "tls_verify_depth", 0, "ca_certificates", List.of(rootId)));
        Curl.Result r = get("/depth0");
        assertEquals(502, r.status(), r::toString);
        assertLogged("upstream certificate verify error (depth_exceeded)");
        service("depth1", ip(chained), Map.of("tls_verify", true, "tls_verify_depth", 1, "ca_certificates", List.of(rootId)));
        Curl.Result ok = get("/depth1");
        assertEquals(200, ok.status(), () -> ok + "\n" + gw.output());
    }

    /** The id of the CA entity holding {@code ca}, creating it when absent (the digest is unique). */
    private static String existingOrNew(Issued ca) {
        String digest = PemCodec.sha256Hex(ca.cert());
        for (JsonNode c : admin.get("/ca_certificates").expect(200).json().get("data")) {
            if (c.get("cert_digest").asText().equals(digest)) {
                return c.get("id").asText();
            }
        }
        return caId(ca);
    }

    @Test
    void mutualTlsPresentsTheServicesClientCertificate() {
        String certId = admin.create("/certificates", Map.of("cert", CLIENT.certPem(), "key", CLIENT.keyPem()))
                .get("id").asText();
        service("mtls", ip(mtls), Map.of("client_certificate", Map.of("id", certId)));
        Curl.Result r = get("/mtls");
        assertEquals(200, r.status(), () -> r + "\n" + gw.output());
        assertEquals("CN=gateway-client", r.header("X-Client-DN"));
        service("no-client-cert", ip(mtls), Map.of());
        Curl.Result refused = get("/no-client-cert");
        assertEquals(400, refused.status(), refused::toString);
        assertTrue(refused.body().contains("No required SSL certificate was sent"), refused.body());
    }

    @Test
    void globalTrustedBundleVerifiesServicesWithoutCas() {
        service("global", ip(direct), Map.of("tls_verify", true));
        Curl.Result r = get("/global");
        assertEquals(200, r.status(), () -> r + "\n" + gw.output());
        JsonNode tls = admin.get("/services/global/tls").expect(200).json();
        assertEquals("lua_ssl_trusted_certificate", tls.get("trust").get("source").asText());
        assertEquals("system", tls.get("trust").get("bundle").get(0).asText());
    }

    @Test
    void adminChangeOfTheCaAppliesWithoutRestart() {
        String ca = caId(issue("Rotating CA", null, true));
        service("rotating", ip(chained), Map.of("tls_verify", true, "ca_certificates", List.of(ca)));
        assertEquals(502, get("/rotating").status());
        // The CA entity now holds the intermediate that issued nginx's certificate: new connections trust it.
        admin.patch("/ca_certificates/" + ca, Map.of("cert", INTER.certPem())).expect(200);
        Poll.until(Duration.ofSeconds(5), () -> get("/rotating").status() == 200, () -> "rotated CA applies\n" + gw.output());
    }

    @Test
    void caCertificatesEndpointValidatesAndProtectsReferencedCas() {
        Admin.Response notCa = admin.post("/ca_certificates", Map.of("cert", DIRECT.certPem()));
        assertEquals(400, notCa.status(), notCa::toString);
        assertEquals("schema violation (certificate does not appear to be a CA because it is missing the \"CA\" basic"
                + " constraint)", notCa.json().get("message").asText());
        String ca = caId(issue("Referenced CA", null, true));
        Admin.Response dup = admin.post("/ca_certificates", Map.of("cert", admin.get("/ca_certificates/" + ca).json()
                .get("cert").asText()));
        assertEquals(409, dup.status(), dup::toString);
        JsonNode s = service("holds-ca", ip(direct), Map.of("ca_certificates", List.of(ca)));
        Admin.Response del = admin.delete("/ca_certificates/" + ca);
        assertEquals(400, del.status(), del::toString);
        assertEquals("ca certificate " + ca + " is still referenced by services (id = " + s.get("id").asText() + ")",
                del.json().get("message").asText());
        Admin.Response unknown = admin.post("/services", Map.of("name", "dangling", "url", ip(direct),
                "ca_certificates", List.of("5f2b1a6e-6c4e-4f43-9a53-0d6f3e1b2c10")));
        assertEquals(400, unknown.status(), unknown::toString);
    }

    @Test
    void checkNamesABadTrustedCertificateFile() throws IOException {
        Path conf = Files.writeString(dir.resolve("bad.conf"), "lua_ssl_trusted_certificate = system, "
                + dir.resolve("missing-ca.pem") + "\nclient_ssl = on\n");
        org.kongjava.it.support.KongJava.Result r = org.kongjava.it.support.KongJava.run(Duration.ofSeconds(60), Map.of(),
                "check", conf.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.output().contains("client_ssl_cert must be specified when client_ssl is on"), r::toString);
        Path conf2 = Files.writeString(dir.resolve("bad2.conf"), "lua_ssl_trusted_certificate = system, "
                + dir.resolve("missing-ca.pem") + "\n");
        org.kongjava.it.support.KongJava.Result r2 = org.kongjava.it.support.KongJava.run(Duration.ofSeconds(60), Map.of(),
                "check", conf2.toString());
        assertEquals(1, r2.exit(), r2::toString);
        assertTrue(r2.output().contains("lua_ssl_trusted_certificate: failed loading certificate from "
                + dir.resolve("missing-ca.pem")), r2::toString);
    }
}
