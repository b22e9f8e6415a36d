package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.KongJava;
import org.kongjava.it.support.RawHttp;

/**
 * Router priority, strip_path / path_handling and preserve_host through real requests: each route sends to its own
 * service whose path names the route, so the upstream URI tells which route won.
 */
class RoutingTest {

    static EchoServer echo;
    static Gateway gw;
    static Admin admin;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        gw = Gateway.start();
        admin = gw.admin();
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo);
    }

    /** A service at the echo server with path {@code /svc-<name>} and a route {@code name} with {@code fields}. */
    static void route(String name, Map<String, Object> fields) {
        admin.create("/services", Map.of("name", "svc-" + name, "url", echo.url() + "/svc-" + name));
        Map<String, Object> body = new LinkedHashMap<>(fields);
        body.put("name", name);
        body.put("strip_path", false);
        admin.create("/services/svc-" + name + "/routes", body);
    }

    /** Which route served the request (from the service path the upstream URI starts with). */
    static String winner(String method, String host, String path, String... headers) throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            c.send(req.append("Content-Length: 0\r\n\r\n").toString());
            RawHttp.Response r = c.readResponse(false);
            if (r.status() != 200) {
                return r.status() + "";
            }
            String uri = EchoRequest.parse(r.bodyText()).uri();
            assertTrue(uri.startsWith("/svc-"), uri);
            return uri.substring(5).split("/", 2)[0];
        }
    }

    @Test
    void moreMatchingFieldsWin() throws IOException {
        route("hostonly", Map.of("hosts", List.of("prio-a.test")));
        route("hostmethod", Map.of("hosts", List.of("prio-a.test"), "methods", List.of("POST")));
        assertEquals("hostmethod", winner("POST", "prio-a.test", "/"));
        assertEquals("hostonly", winner("GET", "prio-a.test", "/"));
    }

    @Test
    void longerPrefixWins() throws IOException {
        route("v1", Map.of("hosts", List.of("prio-b.test"), "paths", List.of("/v1")));
        route("v1users", Map.of("hosts", List.of("prio-b.test"), "paths", List.of("/v1/users")));
        assertEquals("v1users", winner("GET", "prio-b.test", "/v1/users/1"));
        assertEquals("v1", winner("GET", "prio-b.test", "/v1/other"));
        assertEquals("v1", winner("GET", "prio-b.test", "/v1x"), "a prefix is a plain string prefix");
    }

    @Test
    void regexBeatsPrefixAndRegexPriorityOrdersRegexes() throws IOException {
        List<String> host = List.of("prio-c.test");
        route("status", Map.of("hosts", host, "paths", List.of("~/status/\\d+")));
        route("versionstatus", Map.of("hosts", host, "paths", List.of("~/version/\\d+/status/\\d+"),
                "regex_priority", 6));
        route("version", Map.of("hosts", host, "paths", List.of("/version")));
        route("versionany", Map.of("hosts", host, "paths", List.of("~/version/any/")));
        assertEquals("versionstatus", winner("GET", "prio-c.test", "/version/1/status/2"));
        assertEquals("versionany", winner("GET", "prio-c.test", "/version/any/thing"));
        assertEquals("version", winner("GET", "prio-c.test", "/version/x"));
        assertEquals("status", winner("GET", "prio-c.test", "/status/5"));
        assertEquals("404", winner("GET", "prio-c.test", "/status/x"), "regex is anchored at the start");
    }

    @Test
    void plainHostBeatsWildcardAndWildcardsMatchSubdomains() throws IOException {
        route("wild", Map.of("hosts", List.of("*.wild.test")));
        route("plain", Map.of("hosts", List.of("api.wild.test")));
        route("suffixwild", Map.of("hosts", List.of("suffix.*")));
        assertEquals("plain", winner("GET", "api.wild.test", "/"));
        assertEquals("wild", winner("GET", "a.b.wild.test", "/"));
        assertEquals("plain", winner("GET", "api.wild.test:1234", "/"), "host without port matches any port");
        assertEquals("suffixwild", winner("GET", "suffix.co.uk", "/"));
        assertEquals("404", winner("GET", "wild.test", "/"));
    }

    @Test
    void moreHeadersWinAndHeaderValuesAreCaseInsensitive() throws IOException {
        List<String> host = List.of("prio-e.test");
        route("onehdr", Map.of("hosts", host, "headers", Map.of("x-a", List.of("one"))));
        route("twohdr", Map.of("hosts", host, "headers", Map.of("x-a", List.of("one"), "x-b", List.of("two"))));
        assertEquals("twohdr", winner("GET", "prio-e.test", "/", "X-A: one", "X-B: TWO"));
        assertEquals("onehdr", winner("GET", "prio-e.test", "/", "X-A: One"));
        assertEquals("404", winner("GET", "prio-e.test", "/", "X-B: two"));
    }

    @Test
    void preserveHost() throws IOException {
        route("keep", Map.of("hosts", List.of("keep.test"), "preserve_host", true));
        route("replace", Map.of("hosts", List.of("replace.test")));
        EchoRequest kept = echoed("keep.test:8080", "/");
        assertEquals("keep.test:8080", kept.header("host"), "the client's Host verbatim, port included");
        assertEquals("keep.test", kept.header("x-forwarded-host"));
        EchoRequest replaced = echoed("replace.test", "/");
        assertEquals("127.0.0.1:" + echo.port(), replaced.header("host"));
        assertEquals(1, replaced.headerValues("host").size());
    }

    static EchoRequest echoed(String host, String path) throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            RawHttp.Response r = c.get(path, host);
            assertEquals(200, r.status(), r::toString);
            return EchoRequest.parse(r.bodyText());
        }
    }

    /**
     * Kong's path-handling table: gateway-core's CSV (the router's unit tests use the same rows) when present, else
     * this module's short one. Each row gets its own host so rows cannot interfere.
     */
    @TestFactory
    Stream<DynamicTest> stripPathAndPathHandling() throws IOException {
        List<String[]> rows = pathHandlingRows();
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (String[] row : rows) {
            int n = i++;
            String service = row[0].isEmpty() ? null : row[0];
            String routePath = row[1];
            boolean strip = Boolean.parseBoolean(row[2]);
            String request = row[4];
            String expected = row[5];
            String label = "service " + row[0] + ", route " + routePath + ", strip " + strip + ": " + request
                    + " -> " + expected;
            tests.add(dynamicTest(label, () -> {
                String host = "ph-" + n + ".test";
                Map<String, Object> svc = new LinkedHashMap<>();
                svc.put("name", "ph-" + n);
                svc.put("url", echo.url() + (service == null ? "" : service));
                admin.create("/services", svc);
                Map<String, Object> rt = new LinkedHashMap<>();
                rt.put("hosts", List.of(host));
                if (!routePath.isEmpty()) {
                    rt.put("paths", List.of(routePath));
                }
                rt.put("strip_path", strip);
                rt.put("path_handling", row[3]);
                admin.create("/services/ph-" + n + "/routes", rt);
                try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
                    RawHttp.Response r = c.get(request, host);
                    assertEquals(200, r.status(), () -> label + ": " + r);
                    assertEquals(expected, EchoRequest.parse(r.bodyText()).uri(), label);
                }
            }));
        }
        return tests.stream();
    }

    static List<String[]> pathHandlingRows() throws IOException {
        List<String> lines = null;
        for (String candidate : List.of("gateway-core/src/test/resources/router/path-handling.csv",
                "gateway-core/src/test/resources/path-handling.csv")) {
            Path shared = KongJava.home().resolve(candidate);
            if (lines == null && Files.isRegularFile(shared)) {
                lines = Files.readAllLines(shared, StandardCharsets.UTF_8);
            }
        }
        List<String[]> rows = lines == null ? List.of() : parse(lines);
        if (rows.isEmpty()) {
            try (InputStream in = RoutingTest.class.getResourceAsStream("/path-handling-it.csv")) {
                rows = parse(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")));
            }
        }
        return rows;
    }

    /** Rows of 6 columns (service, route, strip, handling, request, expected); v0 rows only; header skipped. */
    private static List<String[]> parse(List<String> lines) {
        List<String[]> rows = new ArrayList<>();
        boolean header = true;
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (header) {
                header = false;
                continue;
            }
            String[] cols = line.split(",", -1);
            if (cols.length != 6) {
                return List.of(); // another layout: not ours to guess
            }
            for (int k = 0; k < cols.length; k++) {
                cols[k] = cols[k].strip();
                if (cols[k].equals("null") || cols[k].equals("\"\"")) {
                    cols[k] = "";
                }
            }
            // v1 rows expect v0 results in traditional_compatible: the v0 twin covers them. A service path the
            // Admin API rejects (e.g. a space) can only be tested at the router level.
            if ((cols[3].isEmpty() || cols[3].equals("v0")) && cols[0].matches("[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")) {
                cols[3] = "v0";
                rows.add(cols);
            }
        }
        return rows;
    }
}
