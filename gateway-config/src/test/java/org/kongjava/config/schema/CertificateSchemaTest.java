package org.kongjava.config.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.Certificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Service;
import org.kongjava.config.model.Sni;

/**
 * The Certificate and SNI schemas over a stand-in {@link PemChecks} (real PEM parsing is gateway-tls's, tested there
 * and through the Admin API): "CERT rsa 1" is an RSA certificate whose key is "KEY rsa 1".
 */
public class CertificateSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NOW = 1_700_000_000L;

    /** cert "CERT type id [notAfter]", key "KEY type id": a pair matches when type and id agree. */
    public static final PemChecks FAKE = new PemChecks() {
        @Override
        public String certificate(String pem) {
            return pem.startsWith("CERT ") ? null : "invalid certificate: not a test certificate";
        }

        @Override
        public String key(String pem) {
            return pem.startsWith("KEY ") ? null : "invalid key: not a test key";
        }

        @Override
        public List<String> pair(String cert, String key, String certAlt, String keyAlt) {
            List<String> out = new ArrayList<>();
            if ((certAlt == null) != (keyAlt == null)) {
                out.add("all or none of these fields must be set: 'cert_alt', 'key_alt'");
            }
            if (cert != null && key != null && !matches(cert, key)) {
                out.add("certificate does not match key");
            }
            if (certAlt != null && keyAlt != null && certAlt.startsWith("CERT ") && keyAlt.startsWith("KEY ") && !matches(certAlt, keyAlt)) {
                out.add("alternative certificate does not match key");
            }
            if (cert != null && certAlt != null && certAlt.startsWith("CERT ") && cert.split(" ")[1].equals(certAlt.split(" ")[1])) {
                out.add("certificate and alternative certificate need to have different type (e.g. RSA and ECDSA), "
                        + "the provided certificates were both of the same type");
            }
            return out;
        }

        private boolean matches(String cert, String key) {
            String[] c = cert.split(" ");
            String[] k = key.split(" ");
            return c[1].equals(k[1]) && c[2].equals(k[2]);
        }

        @Override
        public Long notAfter(String pem) {
            String[] c = pem.split(" ");
            return c.length > 3 ? Long.valueOf(c[3]) : null;
        }

        /** A test CA is a certificate of type "CA"; expiry as {@link #notAfter}. */
        @Override
        public String caCertificate(String pem, long nowSeconds) {
            if (!pem.split(" ")[1].equals("CA")) {
                return "certificate does not appear to be a CA because it is missing the \"CA\" basic constraint";
            }
            Long notAfter = notAfter(pem);
            return notAfter != null && notAfter < nowSeconds ? "certificate expired, \"Not After\" time is in the past"
                    : null;
        }
    };

    private static final CertificateSchema CERTS = new CertificateSchema(FAKE);
    private static final SniSchema SNIS = SniSchema.INSTANCE;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String s) {
        try {
            return JSON.readValue(s.replace('\'', '"'), LinkedHashMap.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String body(EntityException e) throws Exception {
        return JSON.writeValueAsString(e.toJsonMap());
    }

    private static EntityType.Written<Certificate> insert(EntitySet set, String body) {
        return CERTS.insert(set, json(body), NOW);
    }

    private static Map<String, String> sniOwners(EntitySet set) {
        Map<String, String> m = new java.util.TreeMap<>();
        for (Sni s : set.snis().values()) {
            m.put(s.name(), s.certificateId().toString());
        }
        return m;
    }

    @Test
    void fieldAndPairErrorsUseKongsMessages() throws Exception {
        EntityException e = assertThrows(EntityException.class, () -> insert(EntitySet.EMPTY, "{}"));
        assertEquals("{\"code\":2,\"name\":\"schema violation\",\"message\":\"2 schema violations (cert: required field missing; "
                + "key: required field missing)\",\"fields\":{\"cert\":\"required field missing\",\"key\":\"required field missing\"}}", body(e));
        e = assertThrows(EntityException.class, () -> insert(EntitySet.EMPTY, "{'cert':'junk','key':'KEY rsa 1'}"));
        assertEquals(Map.of("cert", "invalid certificate: not a test certificate"), e.fields());
        e = assertThrows(EntityException.class, () -> insert(EntitySet.EMPTY, "{'cert':'CERT rsa 1','key':'KEY rsa 2'}"));
        assertEquals(Map.of("@entity", List.of("certificate does not match key")), e.fields());
        e = assertThrows(EntityException.class, () -> insert(EntitySet.EMPTY, "{'cert':'CERT rsa 1','key':'KEY rsa 1','cert_alt':'CERT ec 2'}"));
        assertEquals(Map.of("@entity", List.of("all or none of these fields must be set: 'cert_alt', 'key_alt'")), e.fields());
        e = assertThrows(EntityException.class, () -> insert(EntitySet.EMPTY,
                "{'cert':'CERT rsa 1','key':'KEY rsa 1','cert_alt':'CERT rsa 2','key_alt':'KEY rsa 2'}"));
        assertTrue(((List<?>) e.fields().get("@entity")).get(0).toString().startsWith("certificate and alternative certificate"));
        // An invalid alternative field still counts as given for the both-or-neither rule only.
        e = assertThrows(EntityException.class, () -> insert(EntitySet.EMPTY,
                "{'cert':'CERT rsa 1','key':'KEY rsa 1','cert_alt':'junk','key_alt':'KEY ec 2'}"));
        assertEquals(Map.of("cert_alt", "invalid certificate: not a test certificate"), e.fields());

        Certificate ok = insert(EntitySet.EMPTY, "{'cert':'CERT rsa 1 2000000000','key':'KEY rsa 1',"
                + "'cert_alt':'CERT ec 2 1900000000','key_alt':'KEY ec 2','tags':['a']}").entity();
        assertEquals(Long.valueOf(1_900_000_000L), CERTS.expiresAt(ok));
        Map<String, Object> m = CERTS.encode(EntitySet.EMPTY, ok);
        assertEquals(List.of(), m.get("snis"));
        assertEquals(1_900_000_000L, m.get("expires_at"));
        assertEquals("KEY ec 2", m.get("key_alt"));
    }

    @Test
    void snisShorthandCreatesSortedUniqueNames() throws Exception {
        EntityType.Written<Certificate> a = insert(EntitySet.EMPTY,
                "{'cert':'CERT rsa 1','key':'KEY rsa 1','snis':['b.test','*.a.test','a.*','*']}");
        String idA = a.entity().id().toString();
        assertEquals(Map.of("*", idA, "*.a.test", idA, "a.*", idA, "b.test", idA), sniOwners(a.next()));
        assertEquals(List.of("*", "*.a.test", "a.*", "b.test"), CERTS.encode(a.next(), a.entity()).get("snis"));

        EntityException dup = assertThrows(EntityException.class, () -> insert(a.next(),
                "{'cert':'CERT rsa 2','key':'KEY rsa 2','snis':['c.test','c.test']}"));
        assertEquals("schema violation (snis: c.test is duplicated)", dup.getMessage());
        EntityException taken = assertThrows(EntityException.class, () -> insert(a.next(),
                "{'cert':'CERT rsa 2','key':'KEY rsa 2','snis':['c.test','b.test']}"));
        assertEquals(Map.of("snis", "b.test already associated with existing certificate '" + idA + "'"), taken.fields());
        // Names are validated as SNI entities; nothing is written when one is bad.
        EntityException bad = assertThrows(EntityException.class, () -> insert(a.next(),
                "{'cert':'CERT rsa 2','key':'KEY rsa 2','snis':['ok.test','a.*.test']}"));
        assertEquals(Map.of("name", "wildcard must be leftmost or rightmost character"), bad.fields());
        assertEquals(1, a.next().certificates().size());
    }

    @Test
    void patchKeepsOrReplacesSnisAndPutWithoutSnisClearsThem() {
        EntityType.Written<Certificate> a = insert(EntitySet.EMPTY, "{'cert':'CERT rsa 1','key':'KEY rsa 1','snis':['a.test','b.test']}");
        String id = a.entity().id().toString();
        EntitySet s1 = CERTS.update(a.next(), id, json("{'tags':['x']}"), NOW + 1).next();
        assertEquals(List.of("a.test", "b.test"), CertificateSchema.sniNames(s1, a.entity().id()));
        UUID keptId = SNIS.find(s1, "a.test").id();
        EntitySet s2 = CERTS.update(s1, id, json("{'snis':['a.test','c.test']}"), NOW + 2).next();
        assertEquals(List.of("a.test", "c.test"), CertificateSchema.sniNames(s2, a.entity().id()));
        assertEquals(keptId, SNIS.find(s2, "a.test").id(), "an SNI that stays is not recreated");
        assertNull(SNIS.find(s2, "b.test"));
        EntitySet s3 = CERTS.upsert(s2, id, json("{'cert':'CERT ec 3','key':'KEY ec 3'}"), NOW + 3).next();
        assertEquals(List.of(), CertificateSchema.sniNames(s3, a.entity().id()));
        assertEquals("CERT ec 3", s3.certificates().get(a.entity().id()).cert());
        // The owner may list its own names again.
        EntitySet s4 = CERTS.upsert(s2, id, json("{'cert':'CERT ec 3','key':'KEY ec 3','snis':['c.test']}"), NOW + 3).next();
        assertEquals(List.of("c.test"), CertificateSchema.sniNames(s4, a.entity().id()));
        // GET output can be sent back: snis and expires_at are not stored fields.
        Map<String, Object> roundTrip = CERTS.encode(s4, s4.certificates().get(a.entity().id()));
        assertNotNull(CERTS.upsert(s4, id, roundTrip, NOW + 4).entity());
    }

    @Test
    void sniEntityRules() throws Exception {
        EntityType.Written<Certificate> a = insert(EntitySet.EMPTY, "{'cert':'CERT rsa 1','key':'KEY rsa 1'}");
        String cid = a.entity().id().toString();
        EntitySet set = SNIS.insert(a.next(), json("{'name':'*','certificate':{'id':'" + cid + "'}}"), NOW).next();
        set = SNIS.insert(set, json("{'name':'*.example.com','certificate':{'id':'" + cid + "'}}"), NOW).next();
        set = SNIS.insert(set, json("{'name':'example.*','certificate':{'id':'" + cid + "'}}"), NOW).next();
        EntitySet fixed = set;
        EntityException dup = assertThrows(EntityException.class,
                () -> SNIS.insert(fixed, json("{'name':'*.example.com','certificate':{'id':'" + cid + "'}}"), NOW));
        assertEquals(409, dup.httpStatus());
        assertEquals("UNIQUE violation detected on '{name=\"*.example.com\"}'", dup.getMessage());
        assertEquals(Map.of("name", "wildcard must be leftmost or rightmost character"), assertThrows(EntityException.class,
                () -> SNIS.insert(fixed, json("{'name':'a.*.com','certificate':{'id':'" + cid + "'}}"), NOW)).fields());
        assertEquals(Map.of("name", "only one wildcard must be specified"), assertThrows(EntityException.class,
                () -> SNIS.insert(fixed, json("{'name':'*.a.*','certificate':{'id':'" + cid + "'}}"), NOW)).fields());
        assertEquals(Map.of("name", "must not be an IP"), assertThrows(EntityException.class,
                () -> SNIS.insert(fixed, json("{'name':'10.0.0.1','certificate':{'id':'" + cid + "'}}"), NOW)).fields());
        assertEquals(Map.of("certificate", "required field missing"), assertThrows(EntityException.class,
                () -> SNIS.insert(fixed, json("{'name':'x.test'}"), NOW)).fields());
        String ghost = UUID.randomUUID().toString();
        EntityException fk = assertThrows(EntityException.class,
                () -> SNIS.insert(fixed, json("{'name':'x.test','certificate':{'id':'" + ghost + "'}}"), NOW));
        assertEquals(EntityException.FOREIGN_KEY_VIOLATION, fk.code());
        // PUT by name keeps the id and may move the name to another certificate.
        UUID sniId = SNIS.find(set, "example.*").id();
        EntityType.Written<Certificate> b = insert(set, "{'cert':'CERT rsa 2','key':'KEY rsa 2'}");
        Sni moved = SNIS.upsert(b.next(), "example.*", json("{'certificate':{'id':'" + b.entity().id() + "'}}"), NOW).entity();
        assertEquals(sniId, moved.id());
        assertEquals(b.entity().id(), moved.certificateId());
    }

    @Test
    void deleteCascadesToSnisAndIsRefusedWhileAServiceUsesTheCertificate() {
        EntityType.Written<Certificate> a = insert(EntitySet.EMPTY, "{'cert':'CERT rsa 1','key':'KEY rsa 1','snis':['a.test','b.test']}");
        EntityType.Written<Certificate> b = insert(a.next(), "{'cert':'CERT rsa 2','key':'KEY rsa 2','snis':['c.test']}");
        EntitySet afterDelete = CERTS.delete(b.next(), a.entity());
        assertEquals(Map.of("c.test", b.entity().id().toString()), sniOwners(afterDelete));
        assertEquals(1, afterDelete.certificates().size());

        Map<String, Object> svc = json("{'url':'https://up.test','client_certificate':{'id':'" + a.entity().id() + "'}}");
        EntityType.Written<Service> s = ServiceSchema.INSTANCE.insert(b.next(), svc, NOW);
        EntityException restricted = assertThrows(EntityException.class, () -> CERTS.delete(s.next(), a.entity()));
        assertEquals("an existing 'services' entity references this 'certificates' entity", restricted.getMessage());
        // A service may not name a certificate that does not exist.
        Map<String, Object> dangling = json("{'url':'https://up.test','client_certificate':{'id':'" + UUID.randomUUID() + "'}}");
        assertEquals(EntityException.FOREIGN_KEY_VIOLATION, assertThrows(EntityException.class,
                () -> ServiceSchema.INSTANCE.insert(EntitySet.EMPTY, dangling, NOW)).code());
    }

    @Test
    void formSnisBecomeAList() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("cert", "CERT rsa 1");
        args.put("key", "KEY rsa 1");
        args.put("snis", "one.test");
        Map<String, Object> inferred = CERTS.inferForm(args);
        assertEquals(List.of("one.test"), inferred.get("snis"));
        EntityType.Written<Certificate> w = CERTS.insert(EntitySet.EMPTY, inferred, NOW);
        assertEquals(List.of("one.test"), CertificateSchema.sniNames(w.next(), w.entity().id()));
    }
}
