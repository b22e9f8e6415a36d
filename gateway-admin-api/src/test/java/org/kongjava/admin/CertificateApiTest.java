package org.kongjava.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.store.MemoryConfigStore;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.tls.ListenerTls;
import org.kongjava.core.tls.TlsCompiler;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.tls.CertificateExpiry;
import org.kongjava.tls.DefaultCertificates;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.TlsSettings;

/** {@code /certificates} and {@code /snis} over a real Admin API server (plain HTTP; TLS is {@link AdminTlsTest}). */
@ExtendWith(LeakCheck.class)
class CertificateApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static java.nio.file.Path dir;

    private static EventLoops loops;
    private static ListenerManager listeners;
    private static ConfigWriter writer;
    private static URI base;
    private static HttpClient client;
    private static TestPki.Pair rsa;
    private static TestPki.Pair rsa2;
    private static TestPki.Pair ec;

    @BeforeAll
    static void start() throws Exception {
        rsa = TestPki.selfSigned("rsa.test", false);
        rsa2 = TestPki.selfSigned("rsa2.test", false);
        ec = TestPki.selfSigned("ec.test", true);
        loops = new EventLoops(1);
        listeners = new ListenerManager(loops);
        // A TLS listener kind is registered so that certificates are compiled (and checked for expiry) as in a node.
        TlsCompiler tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
        tls.register(new ListenerTls("proxy", org.kongjava.tls.AlpnMode.HTTP1),
                DefaultCertificates.ensure(dir, DefaultCertificates.Target.PROXY));
        SnapshotCompiler compiler = new SnapshotCompiler(tls);
        SnapshotHolder holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        writer = new ConfigWriter(holder, compiler, new MemoryConfigStore());
        AdminContext ctx = new AdminContext(writer, holder, new ServerCounters(), "node", "host", Map.of(), "3.10.0", "test",
                1 << 20, AdminContext.DEFAULT_HEADERS);
        base = URI.create("http://127.0.0.1:" + listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0),
                new AdminServer(ctx)).localAddress().getPort());
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        listeners.close();
        writer.close();
        loops.close();
    }

    @BeforeEach
    void reset() throws Exception {
        writer.submit(cur -> new ConfigWriter.Result<>(new EntitySet(cur.version() + 1, Map.of(), Map.of()), null)).get();
    }

    // ------------------------------------------------------------------ helpers

    private static HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> json(String method, String path, Map<String, Object> body) throws Exception {
        return send(method, path, "application/json", JSON.writeValueAsString(body));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> expect(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), () -> "body: " + r.body());
        return r.body().isEmpty() ? null : JSON.readValue(r.body(), LinkedHashMap.class);
    }

    private static Map<String, Object> cert(TestPki.Pair p, Object snis) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cert", p.certPem());
        m.put("key", p.keyPem());
        if (snis != null) {
            m.put("snis", snis);
        }
        return m;
    }

    private static String create(TestPki.Pair p, List<String> snis) throws Exception {
        return (String) expect(201, json("POST", "/certificates", cert(p, snis))).get("id");
    }

    @SuppressWarnings("unchecked")
    private static List<String> names(Map<String, Object> page) {
        return ((List<Map<String, Object>>) page.get("data")).stream().map(m -> (String) m.get("name")).sorted().toList();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void createWithSnisAndReadByIdOrName() throws Exception {
        Map<String, Object> created = expect(201, json("POST", "/certificates", cert(rsa, List.of("b.test", "a.test"))));
        String id = (String) created.get("id");
        assertEquals(List.of("a.test", "b.test"), created.get("snis"));
        assertEquals(rsa.cert().getNotAfter().toInstant().getEpochSecond(), ((Number) created.get("expires_at")).longValue());
        assertEquals(rsa.certPem(), created.get("cert"));
        assertNull(created.get("cert_alt"));

        Map<String, Object> byId = expect(200, get("/certificates/" + id));
        assertEquals(List.of("a.test", "b.test"), byId.get("snis"));
        assertEquals(id, expect(200, get("/certificates/b.test")).get("id"));
        assertEquals(Map.of("message", "SNI not found"), expect(404, get("/certificates/nope.test")));
        assertEquals(Map.of("message", "Not found"), expect(404, get("/certificates/" + UUID.randomUUID())));

        Map<String, Object> snis = expect(200, get("/snis"));
        assertEquals(List.of("a.test", "b.test"), names(snis));
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) snis.get("data")).get(0);
        assertEquals(Map.of("id", id), first.get("certificate"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> certs = (List<Map<String, Object>>) expect(200, get("/certificates")).get("data");
        assertEquals(1, certs.size());
        assertEquals(List.of("a.test", "b.test"), certs.get(0).get("snis"));
    }

    @Test
    void pemAndPairErrors() throws Exception {
        Map<String, Object> mismatch = cert(rsa, null);
        mismatch.put("key", rsa2.keyPem());
        Map<String, Object> e = expect(400, json("POST", "/certificates", mismatch));
        assertEquals(2, e.get("code"));
        assertEquals(Map.of("@entity", List.of("certificate does not match key")), e.get("fields"));

        Map<String, Object> malformed = cert(rsa, null);
        malformed.put("cert", "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        malformed.put("key", "hello");
        @SuppressWarnings("unchecked")
        Map<String, Object> fields = (Map<String, Object>) expect(400, json("POST", "/certificates", malformed)).get("fields");
        assertTrue(((String) fields.get("cert")).startsWith("invalid certificate: "), fields::toString);
        assertTrue(((String) fields.get("key")).startsWith("invalid key: "), fields::toString);
        assertFalse(fields.toString().contains("hello"), "a key is never quoted back");

        Map<String, Object> sameType = cert(rsa, null);
        sameType.put("cert_alt", rsa2.certPem());
        sameType.put("key_alt", rsa2.keyPem());
        assertEquals(Map.of("@entity", List.of("certificate and alternative certificate need to have different type "
                + "(e.g. RSA and ECDSA), the provided certificates were both of the same type")),
                expect(400, json("POST", "/certificates", sameType)).get("fields"));

        Map<String, Object> dual = cert(rsa, null);
        dual.put("cert_alt", ec.certPem());
        dual.put("key_alt", ec.keyPem());
        Map<String, Object> ok = expect(201, json("POST", "/certificates", dual));
        long earliest = Math.min(rsa.cert().getNotAfter().getTime(), ec.cert().getNotAfter().getTime()) / 1000;
        assertEquals(earliest, ((Number) ok.get("expires_at")).longValue());
        assertEquals(1, expect(200, get("/certificates")).get("data") instanceof List<?> l ? l.size() : -1);
    }

    @Test
    void sniUniquenessAndWildcards() throws Exception {
        String a = create(rsa, List.of("a.test"));
        Map<String, Object> dup = new LinkedHashMap<>();
        dup.put("name", "a.test");
        dup.put("certificate", Map.of("id", a));
        Map<String, Object> conflict = expect(409, json("POST", "/snis", dup));
        assertEquals("UNIQUE violation detected on '{name=\"a.test\"}'", conflict.get("message"));

        assertEquals(Map.of("snis", "a.test already associated with existing certificate '" + a + "'"),
                expect(400, json("POST", "/certificates", cert(rsa2, List.of("a.test")))).get("fields"));
        assertEquals("schema violation (snis: x.test is duplicated)",
                expect(400, json("POST", "/certificates", cert(rsa2, List.of("x.test", "x.test")))).get("message"));
        assertEquals(1, ((List<?>) expect(200, get("/certificates")).get("data")).size(), "refused writes leave nothing");

        for (String name : List.of("*.w.test", "w.*", "*")) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("name", name);
            s.put("certificate", Map.of("id", a));
            assertEquals(name, expect(201, json("POST", "/snis", s)).get("name"));
        }
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("name", "a.*.test");
        bad.put("certificate", Map.of("id", a));
        assertEquals(Map.of("name", "wildcard must be leftmost or rightmost character"),
                expect(400, json("POST", "/snis", bad)).get("fields"));
        assertEquals(List.of("*", "*.w.test", "a.test", "w.*"), expect(200, get("/certificates/" + a)).get("snis"));
        // A wildcard SNI name addresses its certificate too (URL-encoded '*').
        assertEquals(a, expect(200, get("/certificates/%2A.w.test")).get("id"));
    }

    @Test
    void putByNameCreatesAndPatchKeepsSnis() throws Exception {
        Map<String, Object> created = expect(200, json("PUT", "/certificates/new.test", cert(rsa, null)));
        String id = (String) created.get("id");
        assertEquals(List.of("new.test"), created.get("snis"));
        Map<String, Object> again = expect(200, json("PUT", "/certificates/new.test", cert(rsa2, List.of("other.test"))));
        assertEquals(id, again.get("id"), "the name addresses the certificate it belongs to");
        assertEquals(List.of("new.test", "other.test"), again.get("snis"));
        assertEquals(rsa2.certPem(), again.get("cert"));

        Map<String, Object> patch = new LinkedHashMap<>();
        patch.put("tags", List.of("t1"));
        Map<String, Object> patched = expect(200, json("PATCH", "/certificates/other.test", patch));
        assertEquals(List.of("new.test", "other.test"), patched.get("snis"));
        assertEquals(List.of("t1"), patched.get("tags"));
        assertEquals(Map.of("message", "SNI not found"), expect(404, json("PATCH", "/certificates/none.test", patch)));

        // PUT by id without snis is a full replacement: the names go.
        Map<String, Object> replaced = expect(200, json("PUT", "/certificates/" + id, cert(rsa2, null)));
        assertEquals(List.of(), replaced.get("snis"));
        assertEquals(List.of(), expect(200, get("/snis")).get("data"));
        // GET output can be PUT back as it is.
        Map<String, Object> roundTrip = expect(200, get("/certificates/" + id));
        expect(200, json("PUT", "/certificates/" + id, roundTrip));
    }

    @Test
    void deleteCascadesAndRespectsServices() throws Exception {
        String a = create(rsa, List.of("a.test", "b.test"));
        String b = create(rsa2, List.of("c.test"));
        expect(204, send("DELETE", "/certificates/a.test", null, null));
        assertEquals(List.of("c.test"), names(expect(200, get("/snis"))));
        assertEquals(Map.of("message", "Not found"), expect(404, get("/certificates/" + a)));
        expect(204, send("DELETE", "/certificates/" + UUID.randomUUID(), null, null));
        assertEquals(Map.of("message", "SNI not found"), expect(404, send("DELETE", "/certificates/gone.test", null, null)));

        Map<String, Object> svc = new LinkedHashMap<>();
        svc.put("url", "https://upstream.test");
        svc.put("client_certificate", Map.of("id", b));
        expect(201, json("POST", "/services", svc));
        Map<String, Object> refused = expect(400, send("DELETE", "/certificates/" + b, null, null));
        assertEquals(4, refused.get("code"));
        assertEquals("an existing 'services' entity references this 'certificates' entity", refused.get("message"));
        assertEquals(List.of("c.test"), names(expect(200, get("/snis"))));
    }

    @Test
    void nestedEndpoints() throws Exception {
        String a = create(rsa, List.of("a.test"));
        String b = create(rsa2, List.of());
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("name", "n.test");
        Map<String, Object> created = expect(201, json("POST", "/certificates/" + a + "/snis", n));
        assertEquals(Map.of("id", a), created.get("certificate"));
        assertEquals(List.of("a.test", "n.test"), names(expect(200, get("/certificates/" + a + "/snis"))));
        assertEquals(List.of("a.test", "n.test"), names(expect(200, get("/certificates/a.test/snis"))));
        assertEquals("n.test", expect(200, get("/certificates/" + a + "/snis/n.test")).get("name"));
        expect(404, get("/certificates/" + b + "/snis/n.test"));

        Map<String, Object> viaSni = expect(200, get("/snis/n.test/certificate"));
        assertEquals(a, viaSni.get("id"));
        assertEquals(List.of("a.test", "n.test"), viaSni.get("snis"));
        assertEquals(Map.of("message", "Method not allowed"), expect(405, send("DELETE", "/snis/n.test/certificate", null, null)));
        Map<String, Object> tags = new LinkedHashMap<>();
        tags.put("tags", List.of("via-sni"));
        assertEquals(List.of("via-sni"), expect(200, json("PATCH", "/snis/n.test/certificate", tags)).get("tags"));

        // Move the name to the other certificate, then delete it through the nested path.
        Map<String, Object> move = new LinkedHashMap<>();
        move.put("certificate", Map.of("id", b));
        assertEquals(Map.of("id", b), expect(200, json("PATCH", "/snis/n.test", move)).get("certificate"));
        expect(404, send("DELETE", "/certificates/" + a + "/snis/n.test", null, null));
        expect(204, send("DELETE", "/certificates/" + b + "/snis/n.test", null, null));
        assertEquals(List.of("a.test"), names(expect(200, get("/snis"))));
    }

    @Test
    void formBodies() throws Exception {
        String form = "cert=" + enc(rsa.certPem()) + "&key=" + enc(rsa.keyPem()) + "&snis[]=f1.test&snis[]=f2.test";
        Map<String, Object> created = expect(201, send("POST", "/certificates", "application/x-www-form-urlencoded", form));
        assertEquals(List.of("f1.test", "f2.test"), created.get("snis"));
        String single = "cert=" + enc(rsa2.certPem()) + "&key=" + enc(rsa2.keyPem()) + "&snis=one.test";
        assertEquals(List.of("one.test"), expect(201, send("POST", "/certificates", "application/x-www-form-urlencoded", single))
                .get("snis"));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void soonExpiringCertificatesAreLoggedWithoutKeys() throws Exception {
        TestPki.Pair soon = TestPki.selfSigned("soon.test", false, Duration.ofDays(10));
        try (LogCapture expiry = new LogCapture(CertificateExpiry.class);
             LogCapture all = new LogCapture(org.slf4j.Logger.ROOT_LOGGER_NAME)) {
            String id = create(soon, List.of("soon.test"));
            List<String> warns = expiry.lines(Level.WARN);
            assertEquals(1, warns.size(), warns::toString);
            assertTrue(warns.get(0).startsWith("certificate " + id + " (CN=soon.test) expires in 9 day(s)")
                    || warns.get(0).startsWith("certificate " + id + " (CN=soon.test) expires in 10 day(s)"), warns::toString);
            create(rsa, List.of("fine.test"));
            assertEquals(1, expiry.lines(Level.WARN).size(), "a certificate far from expiry is not reported");
            // A refused key is not logged either.
            Map<String, Object> bad = cert(rsa2, null);
            bad.put("key", soon.keyPem());
            expect(400, json("POST", "/certificates", bad));
            for (String line : all.all()) {
                assertFalse(line.contains("PRIVATE KEY") || line.contains(soon.keyPem().substring(40, 80)), line);
            }
        }
        assertNotEquals(0, soon.keyPem().length());
    }

    @Test
    void serviceClientCertificateEndpoint() throws Exception {
        Map<String, Object> svc = new LinkedHashMap<>();
        svc.put("name", "mtls");
        svc.put("url", "https://upstream.test");
        expect(201, json("POST", "/services", svc));
        assertEquals(Map.of("message", "Not found"), expect(404, get("/services/mtls/client_certificate")));
        expect(404, json("PATCH", "/services/mtls/client_certificate", Map.of("tags", List.of("x"))));

        // PUT on a service without one creates the certificate and links it.
        Map<String, Object> created = expect(200, json("PUT", "/services/mtls/client_certificate", cert(rsa, List.of("client.test"))));
        String id = (String) created.get("id");
        assertEquals(Map.of("id", id), expect(200, get("/services/mtls")).get("client_certificate"));
        assertEquals(id, expect(200, get("/services/mtls/client_certificate")).get("id"));
        assertEquals(List.of("client.test"), expect(200, get("/services/mtls/client_certificate")).get("snis"));
        // Further writes change that same certificate.
        Map<String, Object> patched = expect(200, json("PATCH", "/services/mtls/client_certificate", Map.of("tags", List.of("mtls"))));
        assertEquals(id, patched.get("id"));
        assertEquals(List.of("mtls"), patched.get("tags"));
        assertEquals(id, expect(200, json("PUT", "/services/mtls/client_certificate", cert(rsa2, null))).get("id"));
        assertEquals(1, ((List<?>) expect(200, get("/certificates")).get("data")).size());
        expect(405, send("DELETE", "/services/mtls/client_certificate", null, null));
        expect(400, send("DELETE", "/certificates/" + id, null, null));
        expect(404, get("/services/nope/client_certificate"));
    }

    @Test
    void dbLessRefusesCertificateWritesButServesReads() throws Exception {
        java.nio.file.Path state = dir.resolve("dbless").resolve(org.kongjava.config.store.DeclarativeConfigStore.STATE_FILE);
        java.nio.file.Files.createDirectories(state.getParent());
        SnapshotCompiler compiler = new SnapshotCompiler();
        SnapshotHolder h = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        try (ConfigWriter w = new ConfigWriter(h, compiler, new org.kongjava.config.store.DeclarativeConfigStore(null, null, state))) {
            URI dbless = URI.create("http://127.0.0.1:" + listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0),
                    new AdminServer(new AdminContext(w, h, new ServerCounters(), "node", "host", Map.of(), "3.10.0", "test",
                            1 << 20, AdminContext.DEFAULT_HEADERS))).localAddress().getPort());
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(dbless.resolve("/certificates"))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(cert(rsa, List.of("x.test")))))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            Map<String, Object> refused = expect(405, r);
            assertEquals(12, refused.get("code"));
            HttpResponse<String> list = client.send(HttpRequest.newBuilder(dbless.resolve("/snis")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(List.of(), expect(200, list).get("data"));
        }
    }
}
