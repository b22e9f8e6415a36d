package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.kongjava.config.declarative.DeclarativeConfig;
import org.kongjava.config.model.CaCertificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.schema.CaCertificateSchema;
import org.kongjava.config.schema.EntityException;
import org.kongjava.config.schema.ServiceSchema;

/** The CA Certificate entity with gateway-tls's real PEM checks: Kong's messages, digest uniqueness, references. */
class CaCertificateSchemaTest {
    private static final CaCertificateSchema CAS = new CaCertificateSchema(TlsPemChecks.INSTANCE);
    private static final long NOW = System.currentTimeMillis() / 1000;
    private static final TestCerts.Issued CA = TestCerts.ca("Schema CA");

    private static Map<String, Object> cert(String pem) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cert", pem);
        return m;
    }

    private static EntityException refused(EntitySet set, String pem) {
        return assertThrows(EntityException.class, () -> CAS.insert(set, cert(pem), NOW));
    }

    @Test
    void validCaIsStoredWithItsDigest() {
        var w = CAS.insert(EntitySet.EMPTY, cert(CA.certPem()), NOW);
        CaCertificate c = w.entity();
        assertEquals(PemCodec.sha256Hex(CA.cert()), c.certDigest());
        assertEquals(c.certDigest(), CAS.encode(c).get("cert_digest"));
        assertEquals(1, w.next().caCertificates().size());
        // A given cert_digest is ignored: it is always computed from cert.
        Map<String, Object> lying = cert(TestCerts.ca("Another").certPem());
        lying.put("cert_digest", "00");
        assertTrue(!CAS.insert(EntitySet.EMPTY, lying, NOW).entity().certDigest().equals("00"));
    }

    @Test
    void kongsValidationMessages() {
        assertEquals("schema violation (certificate does not appear to be a CA because it is missing the \"CA\" basic"
                + " constraint)", refused(EntitySet.EMPTY, UpstreamTrustManagerTest.DIRECT.certPem()).getMessage());
        assertEquals("schema violation (certificate expired, \"Not After\" time is in the past)",
                refused(EntitySet.EMPTY, TestCerts.ca("Old CA", Duration.ofMinutes(-1)).certPem()).getMessage());
        assertEquals("schema violation (please submit only one certificate at a time)",
                refused(EntitySet.EMPTY, CA.certPem() + CA.certPem()).getMessage());
        EntityException malformed = refused(EntitySet.EMPTY, "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
        assertTrue(malformed.fields().containsKey("cert"), String.valueOf(malformed.fields()));
        assertEquals("schema violation (cert: required field missing)",
                assertThrows(EntityException.class, () -> CAS.insert(EntitySet.EMPTY, Map.of(), NOW)).getMessage());
    }

    @Test
    void sameCaTwiceIsAUniqueViolation() {
        EntitySet set = CAS.insert(EntitySet.EMPTY, cert(CA.certPem()), NOW).next();
        EntityException e = refused(set, CA.certPem());
        assertEquals(409, e.httpStatus());
        assertEquals("UNIQUE violation detected on '{cert_digest=\"" + PemCodec.sha256Hex(CA.cert()) + "\"}'", e.getMessage());
    }

    @Test
    void servicesMustNameExistingCasAndACaInUseCannotBeDeleted() {
        var w = CAS.insert(EntitySet.EMPTY, cert(CA.certPem()), NOW);
        UUID caId = w.entity().id();
        UUID unknown = UUID.randomUUID();
        Map<String, Object> svc = new LinkedHashMap<>();
        svc.put("name", "s");
        svc.put("url", "https://upstream.test");
        svc.put("ca_certificates", List.of(unknown.toString()));
        EntityException dangling = assertThrows(EntityException.class,
                () -> ServiceSchema.INSTANCE.insert(w.next(), svc, NOW));
        assertEquals(400, dangling.httpStatus());
        assertTrue(dangling.getMessage().contains(unknown.toString()) && dangling.getMessage().contains("'ca_certificates'"),
                dangling.getMessage());

        svc.put("ca_certificates", List.of(caId.toString()));
        var s = ServiceSchema.INSTANCE.insert(w.next(), svc, NOW);
        EntityException inUse = assertThrows(EntityException.class, () -> CAS.delete(s.next(), w.entity()));
        assertEquals(19, inUse.code());
        assertEquals(400, inUse.httpStatus());
        assertEquals("ca certificate " + caId + " is still referenced by services (id = " + s.entity().id() + ")",
                inUse.getMessage());
        assertEquals(0, CAS.delete(w.next(), w.entity()).caCertificates().size());
    }

    @Test
    void declarativeCaCertificatesLoadAndAreChecked() {
        String ok = """
                _format_version: "3.0"
                ca_certificates:
                - id: 5f2b1a6e-6c4e-4f43-9a53-0d6f3e1b2c10
                  cert: |
                %s
                services:
                - name: s
                  url: https://upstream.test
                  tls_verify: true
                  ca_certificates: [5f2b1a6e-6c4e-4f43-9a53-0d6f3e1b2c10]
                """.formatted(CA.certPem().indent(4).stripTrailing());
        var r = DeclarativeConfig.parse(ok, DeclarativeConfig.Syntax.YAML, 1, NOW, TlsPemChecks.INSTANCE);
        assertEquals(1, r.entities().caCertificates().size());
        assertEquals(PemCodec.sha256Hex(CA.cert()),
                r.entities().caCertificates().values().iterator().next().certDigest());
        String notCa = ok.replace(CA.certPem().indent(4).stripTrailing(),
                UpstreamTrustManagerTest.DIRECT.certPem().indent(4).stripTrailing());
        assertThrows(EntityException.class,
                () -> DeclarativeConfig.parse(notCa, DeclarativeConfig.Syntax.YAML, 1, NOW, TlsPemChecks.INSTANCE));
    }
}
