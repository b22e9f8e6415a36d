package org.kongjava.config.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kongjava.config.conf.KongConf.Source;
import org.kongjava.config.net.IpAddresses;

class KongConfLoaderTest {

    @TempDir
    Path dir;

    private static Path fixture() throws URISyntaxException {
        return org.kongjava.config.KongFixtures.file("kong.conf.default");
    }

    private Path file(String text) throws IOException {
        Path f = Files.createTempFile(dir, "kong", ".conf");
        Files.writeString(f, text);
        return f;
    }

    private KongConf load(String text) throws IOException {
        return KongConfLoader.load(file(text), Map.of(), Map.of());
    }

    private List<String> problems(String text) throws IOException {
        return problems(text, Map.of());
    }

    private List<String> problems(String text, Map<String, String> env) throws IOException {
        Path f = file(text);
        ConfigException e = assertThrows(ConfigException.class, () -> KongConfLoader.load(f, env, Map.of()));
        for (String p : e.problems()) {
            assertFalse(p.contains("\n"), "one line per problem: " + p);
        }
        return e.problems();
    }

    // ------------------------------------------------------------------ the real kong.conf.default

    @Test
    void realKongConfDefaultLoadsWithKongDefaults() throws Exception {
        KongConf c = KongConfLoader.load(fixture(), Map.of(), Map.of());
        assertEquals(fixture(), c.confFile());
        assertEquals(List.of(), c.notImplemented());
        assertEquals(List.of(), c.unknownKeys());
        assertEquals(List.of(), c.warnings());
        assertEquals(Map.of(), c.nginxDirectives());

        assertEquals("/usr/local/kong/", c.string("prefix"));
        assertEquals(Path.of("/usr/local/kong"), c.prefix());
        assertEquals("notice", c.string("log_level"));
        assertEquals("logs/access.log", c.string("proxy_access_log"));
        assertEquals("logs/error.log", c.string("proxy_error_log"));
        assertEquals("logs/admin_access.log", c.string("admin_access_log"));
        assertEquals("logs/error.log", c.string("admin_error_log"));
        assertEquals("auto", c.string("nginx_worker_processes"));
        assertEquals(OptionalInt.empty(), c.workerProcesses());
        assertTrue(c.bool("nginx_daemon"));
        assertEquals("X-Real-IP", c.string("real_ip_header"));
        assertFalse(c.bool("real_ip_recursive"));
        assertFalse(c.bool("allow_debug_header"));
        assertEquals("text/plain", c.string("error_default_type"));
        assertEquals("embedded", c.string("database"));
        assertNull(c.string("declarative_config"));
        assertNull(c.string("node_id"));
        assertEquals(512, c.integer("upstream_keepalive_pool_size"));
        assertEquals(10000, c.integer("upstream_keepalive_max_requests"));
        assertEquals(60, c.seconds("upstream_keepalive_idle_timeout"));
        assertEquals(List.of("server_tokens", "latency_tokens", "x-kong-request-id"), c.list("headers"));
        assertEquals(Set.of("Server", "Via", "X-Kong-Proxy-Latency", "X-Kong-Response-Latency",
                "X-Kong-Admin-Latency", "X-Kong-Upstream-Latency", "X-Kong-Request-Id"), c.responseHeaders());
        assertTrue(c.upstreamRequestIdHeader());
        assertTrue(c.trustedIps().isEmpty());
        assertEquals(Map.of(), c.portMaps());

        assertEquals(List.of("0.0.0.0:8000", "0.0.0.0:8443"), addresses(c.listeners("proxy_listen")));
        assertEquals(List.of("127.0.0.1:8001", "127.0.0.1:8444"), addresses(c.listeners("admin_listen")));
        assertEquals(List.of("127.0.0.1:8007"), addresses(c.listeners("status_listen")));
        assertEquals(List.of(), c.listeners("stream_listen"));
        ListenSpec tls = c.listeners("proxy_listen").get(1);
        assertTrue(tls.ssl() && tls.http2() && tls.reuseport());
        assertEquals(16384, tls.backlog());

        assertEquals(new HttpLimits(0, 60_000, 60_000, 75_000, 10_000, 4, 8192), c.httpLimits());
        assertEquals(10L * 1024 * 1024, c.adminClientMaxBodySize());
        assertEquals(0, c.bytes("nginx_http_client_max_body_size"));
        assertEquals(10L * 1024 * 1024, c.bytes("nginx_admin_client_max_body_size"));
        for (String key : List.of("prefix", "proxy_listen", "log_level", "nginx_worker_processes", "pg_host")) {
            assertTrue(c.isDefault(key), key);
            assertEquals(Source.DEFAULT, c.source(key));
        }
    }

    /** Every {@code #key = value} line of kong.conf.default names a key the schema knows, with Kong's default. */
    @Test
    void schemaKnowsEveryKeyOfKongConfDefault() throws Exception {
        Pattern line = Pattern.compile("^#([a-z_0-9]+) *= *(.*)$");
        KongConf c = KongConfLoader.load(null, Map.of(), Map.of());
        List<String> missing = new ArrayList<>();
        for (String l : Files.readAllLines(fixture())) {
            Matcher m = line.matcher(l);
            if (m.matches() && !KongSchema.all().containsKey(m.group(1)) && !KongSchema.isDynamic(m.group(1))) {
                missing.add(m.group(1));
            }
        }
        assertEquals(List.of(), missing);
        // Uncommenting every setting (as documented defaults) loads and reports them as set.
        StringBuilder uncommented = new StringBuilder();
        for (String l : Files.readAllLines(fixture())) {
            Matcher m = line.matcher(l);
            if (m.matches()) {
                uncommented.append(l.substring(1)).append('\n');
            }
        }
        KongConf all = load(uncommented.toString());
        assertEquals(List.of(), all.unknownKeys());
        assertTrue(all.notImplemented().contains("pg_ro_host"), all.notImplemented().toString());
        assertFalse(all.notImplemented().contains("pg_host"));
        assertFalse(all.notImplemented().contains("proxy_listen"));
        assertEquals(c.listeners("proxy_listen"), all.listeners("proxy_listen"));
        assertEquals(c.httpLimits(), all.httpLimits());
        assertTrue(all.nginxWithoutEffect().contains("nginx_http_charset"), all.nginxWithoutEffect().toString());
        assertFalse(all.nginxWithoutEffect().contains("nginx_http_client_max_body_size"));
    }

    @Test
    void noFileMeansDefaultsOnly() {
        KongConf c = KongConfLoader.load(null, Map.of(), Map.of());
        assertNull(c.confFile());
        assertEquals("notice", c.string("log_level"));
        assertEquals(2, c.listeners("proxy_listen").size());
    }

    @Test
    void missingConfFileIsOneProblem() {
        Path missing = dir.resolve("nope.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> KongConfLoader.load(missing, Map.of(), Map.of()));
        assertEquals(List.of("no file at: " + missing), e.problems());
    }

    @Test
    void defaultConfPathIsFirstExisting() throws IOException {
        Path a = dir.resolve("a.conf");
        Path b = Files.createFile(dir.resolve("b.conf"));
        assertEquals(b, KongConfLoader.firstExisting(List.of(a, b)));
        Files.createFile(a);
        assertEquals(a, KongConfLoader.firstExisting(List.of(a, b)));
        assertNull(KongConfLoader.firstExisting(List.of(dir.resolve("x"))));
        assertEquals(List.of(Path.of("/etc/kong/kong.conf"), Path.of("/etc/kong.conf")), KongConfLoader.DEFAULT_PATHS);
    }

    // ------------------------------------------------------------------ precedence

    @Test
    void envOverridesFileOverridesDefaultAndOverridesWinOverAll() throws IOException {
        Path f = file("log_level = info\nproxy_access_log = off\nupstream_keepalive_pool_size = 7\n");
        Map<String, String> env = Map.of("KONG_LOG_LEVEL", "debug", "KONG_ADMIN_ACCESS_LOG", "/tmp/a.log",
                "KONG_UPSTREAM_KEEPALIVE_POOL_SIZE", " 8 ");
        KongConf c = KongConfLoader.load(f, env, Map.of("upstream_keepalive_pool_size", "9", "prefix", "/tmp/p"));
        assertEquals("debug", c.string("log_level"));
        assertEquals(Source.ENV, c.source("log_level"));
        assertEquals("off", c.string("proxy_access_log"));
        assertEquals(Source.FILE, c.source("proxy_access_log"));
        assertEquals("/tmp/a.log", c.string("admin_access_log"));
        assertEquals(9, c.integer("upstream_keepalive_pool_size"));
        assertEquals(Source.OVERRIDE, c.source("upstream_keepalive_pool_size"));
        assertEquals(Path.of("/tmp/p"), c.prefix());
        assertFalse(c.isDefault("log_level"));
        assertTrue(c.isDefault("admin_error_log"));
        assertEquals("debug", c.effective().get("log_level"));
    }

    @Test
    void envKeysMustBeUpperCaseAndValuesKeepTheirHash() throws IOException {
        KongConf c = KongConfLoader.load(null, Map.of("kong_log_level", "debug", "KONG_log_level", "info",
                "KONG_PG_PASSWORD", "test#123", "KONG_", "x", "PATH", "/bin"), Map.of());
        assertEquals("notice", c.string("log_level"));
        assertEquals("test#123", c.string("pg_password"));
        assertEquals(List.of(), c.notImplemented()); // pg_* are implemented (the PostgreSQL store)
        assertEquals(List.of(), c.unknownKeys());
    }

    @Test
    void emptyValueUnsetsAndDoesNotRestoreTheDefault() throws IOException {
        KongConf c = load("headers =\nreal_ip_header =\ntrusted_ips =\n");
        assertEquals(List.of(), c.list("headers"));
        assertEquals(Set.of(), c.responseHeaders());
        assertNull(c.string("real_ip_header"));
        assertFalse(c.isDefault("headers"));
        assertEquals("", c.effective().get("headers"));
        // Emptied nginx directive: no directive, so nginx's own default (1m), not Kong's (0).
        KongConf d = load("nginx_http_client_max_body_size =\nnginx_http_keepalive_requests =\n");
        assertEquals(1024 * 1024, d.httpLimits().clientMaxBodySize());
        assertEquals(1000, d.httpLimits().keepaliveRequests());
    }

    @Test
    void booleansFollowKongRules() throws IOException {
        assertTrue(load("allow_debug_header = on").bool("allow_debug_header"));
        assertTrue(load("allow_debug_header = true").bool("allow_debug_header"));
        assertFalse(load("allow_debug_header = yes").bool("allow_debug_header"));
        assertFalse(load("allow_debug_header = ON").bool("allow_debug_header"));
        KongConf c = load("real_ip_recursive = true\nnginx_daemon = off\n");
        assertFalse(c.bool("real_ip_recursive"), "ngx_boolean: only 'on' is on");
        assertEquals("off", c.string("real_ip_recursive"));
        assertFalse(c.bool("nginx_daemon"));
        assertThrows(IllegalArgumentException.class, () -> c.bool("log_level"));
    }

    @Test
    void aliasesFollowTheLongKeyWhenBothAreSet() throws IOException {
        KongConf shortOnly = load("nginx_worker_processes = 3\nreal_ip_header = X-Forwarded-For\n");
        assertEquals("3", shortOnly.string("nginx_main_worker_processes"));
        assertEquals(OptionalInt.of(3), shortOnly.workerProcesses());
        assertEquals("X-Forwarded-For", shortOnly.string("nginx_proxy_real_ip_header"));
        assertFalse(shortOnly.isDefault("nginx_main_worker_processes"));
        assertEquals(List.of(), shortOnly.notImplemented());

        KongConf both = KongConfLoader.load(file("nginx_main_worker_processes = 2\n"),
                Map.of("KONG_NGINX_WORKER_PROCESSES", "4"), Map.of());
        assertEquals("2", both.string("nginx_worker_processes"));
        assertEquals(Map.of("nginx_main_worker_processes", "2"), both.nginxDirectives());
        assertEquals(List.of(), both.nginxWithoutEffect());
    }

    // ------------------------------------------------------------------ bad values: one line each, all collected

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "proxy_listen = 0.0.0.0:99999 | proxy_listen: invalid port '99999' in '0.0.0.0:99999' (expected 0-65535)",
            "trusted_ips = 300.1.1.1 | trusted_ips must be a comma separated list in the form of IPv4 or IPv6 address or CIDR block or 'unix:', got '300.1.1.1'",
            "upstream_keepalive_idle_timeout = abc | upstream_keepalive_idle_timeout: 'abc' is not a number",
            "upstream_keepalive_pool_size = 1.5 | upstream_keepalive_pool_size: '1.5' is not an integer",
            "upstream_keepalive_max_requests = -1 | upstream_keepalive_max_requests must be 0 or greater, got '-1'",
            "log_level = verbose | log_level has an invalid value: 'verbose' (debug, info, notice, warn, error, crit, alert, emerg)",
            "error_default_type = text/csv | error_default_type has an invalid value: 'text/csv' (application/json, application/xml, text/html, text/plain)",
            "database = mysql | database has an invalid value: 'mysql' (embedded, postgres, cassandra, off)",
            "database = cassandra | database: 'cassandra' is not supported (Kong dropped Cassandra in 3.4; expected embedded, postgres or off)",
            "node_id = foobar | node_id must be a valid UUID, got 'foobar' (expected e.g. 8b7de2ba-0477-4667-a811-8bca46073ca9)",
            "port_maps = src:dst | port_maps: invalid port mapping 'src:dst' (expected <host port>:<kong port>, each 1-65535, e.g. 80:8000)",
            "headers_upstream = X-Foo | headers_upstream: invalid entry 'X-Foo' (expected off or X-Kong-Request-Id)",
            "nginx_worker_processes = many | nginx_worker_processes: 'many' is not 'auto' or a number of workers from 1 to 4096",
            "nginx_main_worker_processes = 0 | nginx_main_worker_processes: '0' is not 'auto' or a number of workers from 1 to 4096",
            "nginx_http_client_max_body_size = 10mb | nginx_http_client_max_body_size: '10mb' is not a size (expected a number with an optional k, m or g suffix, e.g. 8k or 10m)",
            "nginx_proxy_client_header_timeout = soon | nginx_proxy_client_header_timeout: 'soon' is not a time (expected a number of seconds or a value with units ms, s, m, h, d, w, M, y, e.g. 60s, 500ms or 1m 30s)",
            "nginx_http_client_body_timeout = 10s 20s | nginx_http_client_body_timeout: '10s 20s' has 2 arguments (expected one time value, e.g. 60s)",
            "nginx_http_large_client_header_buffers = 4 | nginx_http_large_client_header_buffers: '4' is not a buffer setting (expected '<number> <size>', e.g. '4 8k')",
            "nginx_http_keepalive_requests = lots | nginx_http_keepalive_requests: 'lots' is not a number",
            "prefix = | prefix: a value is required (expected a directory path)",
            "upstream_keepalive_pool_size = | upstream_keepalive_pool_size: a value is required (expected a number, 0 or greater)",
            "node_id = {vault://env/node-id} | node_id: vault references are not supported yet, got '{vault://env/node-id}' (expected a plain value)",
            "proxy_protocol_timeout = 0 | proxy_protocol_timeout must be greater than 0, got '0' (expected a time, e.g. 5s or 500ms)",
            "proxy_protocol_timeout = soon | proxy_protocol_timeout: 'soon' is not a time (expected a number of seconds or a value with units ms, s, m, h, d, w, M, y, e.g. 60s, 500ms or 1m 30s)",
            "proxy_protocol_tlv_headers = aws_vpce_id | proxy_protocol_tlv_headers: invalid entry 'aws_vpce_id': no ':' between a tlv name and a header name (expected <tlv name>:<header name>, e.g. aws_vpce_id:X-Amzn-Vpce-Id; tlv names: alpn, authority, unique_id, aws_vpce_id, azure_link_id, gcp_psc_connection_id)",
            "proxy_protocol_tlv_headers = vpce:X-Vpce | proxy_protocol_tlv_headers: invalid entry 'vpce:X-Vpce': unknown tlv name 'vpce' (expected <tlv name>:<header name>, e.g. aws_vpce_id:X-Amzn-Vpce-Id; tlv names: alpn, authority, unique_id, aws_vpce_id, azure_link_id, gcp_psc_connection_id)",
            "proxy_protocol_tlv_headers = authority:X Sni | proxy_protocol_tlv_headers: invalid entry 'authority:X Sni': 'X Sni' is not a header name (expected <tlv name>:<header name>, e.g. aws_vpce_id:X-Amzn-Vpce-Id; tlv names: alpn, authority, unique_id, aws_vpce_id, azure_link_id, gcp_psc_connection_id)",
            "proxy_protocol_tlv_headers = authority:X-Forwarded-Host | proxy_protocol_tlv_headers: invalid entry 'authority:X-Forwarded-Host': 'X-Forwarded-Host' is set by the gateway itself (choose another name) (expected <tlv name>:<header name>, e.g. aws_vpce_id:X-Amzn-Vpce-Id; tlv names: alpn, authority, unique_id, aws_vpce_id, azure_link_id, gcp_psc_connection_id)",
            "upstream_proxy_protocol = legacy:v3 | upstream_proxy_protocol: invalid entry 'legacy:v3' (expected <service name>:v1 or <service name>:v2, e.g. legacy-app:v2)"
    })
    void badValueIsOneLineNamingKeyValueAndForm(String line, String expected) throws IOException {
        assertEquals(List.of(expected), problems(line));
    }

    @Test
    void prefixMustBeAPath() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> KongConfLoader.load(null, Map.of(), Map.of("prefix", "/tmp/a\u0000b")));
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).startsWith("prefix: invalid path '/tmp/a"), e.problems().get(0));
    }

    @Test
    void unknownListenFlagNamesTheKey() throws IOException {
        List<String> p = problems("admin_listen = 127.0.0.1:8001 fast");
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith("admin_listen must be of form: [off] | <ip>:<port> [ssl] [http2]"), p.get(0));
        assertTrue(p.get(0).endsWith("got '127.0.0.1:8001 fast' (unknown flag 'fast')"), p.get(0));
    }

    @Test
    void headersTokensAreValidatedCaseInsensitively() throws IOException {
        KongConf c = load("headers = Server, X-KONG-UPSTREAM-STATUS, via");
        assertEquals(Set.of("Server", "X-Kong-Upstream-Status", "Via"), c.responseHeaders());
        assertEquals(Set.of(), load("headers = off, server_tokens").responseHeaders());
        assertEquals(Set.of("Server", "Via"), load("headers = server_tokens, off").responseHeaders());
        List<String> p = problems("headers = server_tokens,Foo-Bar");
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith("headers: invalid entry 'Foo-Bar' (expected off, server_tokens"), p.get(0));
    }

    @ParameterizedTest(name = "headers = {0}")
    @CsvSource(delimiter = '|', value = {
        "off                           | ''",
        "off,Server                    | ''",
        "SERVER_TOKENS                 | Server,Via",
        "latency_tokens                | X-Kong-Proxy-Latency,X-Kong-Response-Latency,X-Kong-Admin-Latency,X-Kong-Upstream-Latency",
        "Via,off                       | Via",
        "Server,X-Kong-Admin-Latency   | Server,X-Kong-Admin-Latency",
    })
    void headersExpandTokensAndOffOnlyCountsFirst(String headers, String expected) throws IOException {
        Set<String> want = expected.isEmpty() ? Set.of() : Set.of(expected.split(","));
        assertEquals(want, load("headers = " + headers).responseHeaders());
    }

    @ParameterizedTest
    @CsvSource({"'off,X-Nope', X-Nope", "OFF, OFF"})
    void headersValidatesEveryTokenEvenAfterOffAndOffIsLowerCaseOnly(String headers, String bad) throws IOException {
        List<String> p = problems("headers = " + headers);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("headers: invalid entry '" + bad + "' (expected off"), p.get(0));
    }

    @Test
    void allProblemsAreCollectedFromFileAndEnvironment() throws IOException {
        List<String> p = problems("""
                proxy_listen = 0.0.0.0:99999, 0.0.0.0:8000 foo
                trusted_ips = 10.0.0.0/8, 300.1.1.1, ::1, nope
                upstream_keepalive_idle_timeout = abc
                [section]
                """, Map.of("KONG_LOG_LEVEL", "loud"));
        assertEquals(7, p.size(), String.join("\n", p));
        assertTrue(p.get(0).endsWith("sections are not supported in kong.conf, got '[section]' (expected key = value)"),
                p.get(0));
        assertTrue(p.contains("log_level has an invalid value: 'loud' (debug, info, notice, warn, error, crit, alert,"
                + " emerg)"));
        assertTrue(p.contains("proxy_listen: invalid port '99999' in '0.0.0.0:99999' (expected 0-65535)"));
        assertTrue(p.stream().anyMatch(s -> s.startsWith("proxy_listen must be of form:") && s.contains("'foo'")));
        assertTrue(p.stream().anyMatch(s -> s.endsWith("got '300.1.1.1'")));
        assertTrue(p.stream().anyMatch(s -> s.endsWith("got 'nope'")));
        assertTrue(p.contains("upstream_keepalive_idle_timeout: 'abc' is not a number"));
    }

    @Test
    void aliasProblemNamesTheKeyTheUserWrote() throws IOException {
        assertEquals(List.of("nginx_worker_processes: 'x' is not 'auto' or a number of workers from 1 to 4096"),
                problems("nginx_worker_processes = x"));
    }

    // ------------------------------------------------------------------ not implemented / unknown / nginx

    @Test
    void notImplementedUnknownAndNginxKeysAreReportedOnce() throws IOException {
        Path f = file("""
                pg_host = db.internal
                anonymous_reports = off
                ssl_cipher_suite = modern
                pluginserver_names = go
                proxy_lisen = 0.0.0.0:80
                nginx_http_charset = latin1
                nginx_proxy_proxy_ssl_verify = on
                nginx_http_client_body_timeout = 5s
                nginx_debug_foo = 1
                """);
        KongConf c = KongConfLoader.load(f, Map.of("KONG_PG_USER", "u", "KONG_TOTALLY_UNKNOWN", "1",
                "KONG_NGINX_EVENTS_WORKER_CONNECTIONS", "512", "KONG_NGINX_PROXY_KEEPALIVE_TIMEOUT", "5s 4s"),
                Map.of());
        assertEquals(List.of("anonymous_reports", "pluginserver_names"), c.notImplemented());
        assertEquals(List.of("nginx_debug_foo", "proxy_lisen", "totally_unknown"), c.unknownKeys());
        assertEquals(Map.of("nginx_http_charset", "latin1", "nginx_proxy_proxy_ssl_verify", "on",
                "nginx_http_client_body_timeout", "5s", "nginx_events_worker_connections", "512",
                "nginx_proxy_keepalive_timeout", "5s 4s"), c.nginxDirectives());
        assertEquals(List.of("nginx_events_worker_connections", "nginx_http_charset", "nginx_proxy_proxy_ssl_verify"),
                c.nginxWithoutEffect());
        assertEquals(5000, c.httpLimits().clientBodyTimeoutMillis());
        assertEquals(5000, c.httpLimits().keepaliveTimeoutMillis());
        assertEquals(75_000, c.adminHttpLimits().keepaliveTimeoutMillis(), "nginx_proxy_* is the proxy server only");
        assertEquals("db.internal", c.string("pg_host"));
        assertEquals("on", c.string("nginx_proxy_proxy_ssl_verify"));
        assertNull(c.string("nginx_stream_anything"));
        assertThrows(IllegalArgumentException.class, () -> c.string("proxy_lisen"));
        assertFalse(c.effective().containsKey("proxy_lisen"));
    }

    // ------------------------------------------------------------------ nginx directive mapping

    @Test
    void proxyServerDirectivesWinOverHttpLevel() throws IOException {
        KongConf c = load("""
                nginx_http_client_max_body_size = 1m
                nginx_proxy_client_max_body_size = 2m
                nginx_http_client_header_timeout = 10s
                nginx_proxy_client_header_timeout = 500ms
                nginx_http_client_body_timeout = 1m
                nginx_http_keepalive_timeout = 30
                nginx_http_keepalive_requests = 50
                nginx_proxy_keepalive_requests = 60
                nginx_http_large_client_header_buffers = 8 16k
                nginx_proxy_large_client_header_buffers = 2 4k
                nginx_admin_client_max_body_size = 0
                """);
        assertEquals(new HttpLimits(2 * 1024 * 1024, 500, 60_000, 30_000, 60, 2, 4096), c.httpLimits());
        assertEquals(new HttpLimits(0, 10_000, 60_000, 30_000, 50, 8, 16384), c.adminHttpLimits());
        assertEquals(0, c.adminClientMaxBodySize());
        assertEquals(500, c.millis("nginx_proxy_client_header_timeout"));
        assertEquals(0, c.seconds("nginx_proxy_client_header_timeout"));
        assertEquals(List.of(), c.nginxWithoutEffect());
    }

    @Test
    void adminBodyLimitFallsBackToHttpLevelWhenEmptied() throws IOException {
        KongConf c = load("nginx_admin_client_max_body_size =\nnginx_http_client_max_body_size = 3k\n");
        assertEquals(3072, c.adminClientMaxBodySize());
    }

    // ------------------------------------------------------------------ typed values and display

    @Test
    void trustedIpsPortMapsAndListenersAreTyped() throws IOException {
        KongConf c = load("""
                trusted_ips = 10.0.0.0/8, ::1, unix:
                port_maps = 80:8000, 443:8443
                proxy_listen = [::]:8000 ipv6only=on, 0.0.0.0:8000 proxy_protocol transparent
                stream_listen = 0.0.0.0:5555, 0.0.0.0:5556 ssl, 0.0.0.0:5557 udp
                status_listen = off
                """);
        assertTrue(c.trustedIps().contains(IpAddresses.parseLiteral("10.9.8.7")));
        assertTrue(c.trustedIps().contains(IpAddresses.parseLiteral("::1")));
        assertFalse(c.trustedIps().contains(IpAddresses.parseLiteral("11.0.0.1")));
        assertTrue(c.trustedIps().includesUnix());
        assertEquals(Map.of(8000, 80, 8443, 443), c.portMaps());
        assertEquals(List.of("[::]:8000", "0.0.0.0:8000"), addresses(c.listeners("proxy_listen")));
        assertTrue(c.listeners("proxy_listen").get(1).transparent());
        assertTrue(c.listeners("stream_listen").get(2).udp());
        assertEquals(List.of(), c.listeners("status_listen"));
        assertThrows(IllegalArgumentException.class, () -> c.listeners("cluster_listen"));
        assertEquals(List.of("80:8000", "443:8443"), c.list("port_maps"));
    }

    @Test
    void proxyProtocolExtensionsAreTyped() throws IOException {
        KongConf d = load("");
        assertEquals(5000, d.millis("proxy_protocol_timeout"));
        assertFalse(d.bool("proxy_protocol_trusted_optional"));
        assertEquals(Map.of(), d.proxyProtocolTlvHeaders());
        assertEquals(Map.of(), d.upstreamProxyProtocol());
        KongConf c = load("""
                proxy_protocol_timeout = 1500ms
                proxy_protocol_trusted_optional = on
                proxy_protocol_tlv_headers = AWS_VPCE_ID:X-Amzn-Vpce-Id, authority : X-Lb-Sni
                upstream_proxy_protocol = legacy-app:v1, mail.v2:v2
                """);
        assertEquals(1500, c.millis("proxy_protocol_timeout"));
        assertTrue(c.bool("proxy_protocol_trusted_optional"));
        assertEquals(List.of("aws_vpce_id", "authority"), List.copyOf(c.proxyProtocolTlvHeaders().keySet()));
        assertEquals("X-Amzn-Vpce-Id", c.proxyProtocolTlvHeaders().get("aws_vpce_id"));
        assertEquals("X-Lb-Sni", c.proxyProtocolTlvHeaders().get("authority"));
        assertEquals(Map.of("legacy-app", 1, "mail.v2", 2), c.upstreamProxyProtocol());
        assertEquals(List.of(), c.unknownKeys(), "kong-java's own keys are known");
    }

    @Test
    void forDisplayMasksSecretsAndTypesValues() throws IOException {
        KongConf c = KongConfLoader.load(file("pg_password = hunter2\nssl_cert = /c.pem\nssl_cert_key = /k.pem\n"),
                Map.of("KONG_REQUEST_DEBUG_TOKEN", "t0k", "KONG_VAULT_ENV_PREFIX", "X_"), Map.of());
        Map<String, Object> d = c.forDisplay();
        assertEquals("******", d.get("pg_password"));
        assertEquals("******", d.get("ssl_cert_key"));
        assertEquals("******", d.get("request_debug_token"));
        assertEquals("******", d.get("vault_env_prefix"));
        assertFalse(d.toString().contains("hunter2"));
        assertFalse(c.toString().contains("hunter2"));
        assertEquals(Boolean.FALSE, d.get("allow_debug_header"));
        assertEquals(512L, d.get("upstream_keepalive_pool_size"));
        assertEquals(List.of("server_tokens", "latency_tokens", "x-kong-request-id"), d.get("headers"));
        assertEquals("notice", d.get("log_level"));
        assertFalse(d.containsKey("node_id"), "unset keys are left out");
        assertEquals("hunter2", c.string("pg_password"), "the raw value stays available to code");
    }

    @Test
    void accessorsRejectUnknownKeysAndUnsetValues() {
        KongConf c = KongConfLoader.load(null, Map.of(), Map.of());
        assertThrows(IllegalArgumentException.class, () -> c.string("no_such_key"));
        assertThrows(NoSuchElementException.class, () -> c.integer("nginx_proxy_keepalive_requests"));
        assertThrows(NoSuchElementException.class, () -> c.millis("nginx_http_client_body_timeout"));
        assertEquals(List.of(), c.list("trusted_ips"));
        assertEquals(2048L * 1024 * 1024, c.bytes("lmdb_map_size"));
        assertEquals(86_400_000L, c.millis("ssl_session_timeout"));
    }

    @Test
    void effectiveListsEveryKnownKey() {
        Map<String, String> e = KongConfLoader.load(null, Map.of(), Map.of()).effective();
        assertEquals("127.0.0.1:8007 reuseport backlog=16384", e.get("status_listen"));
        assertEquals("", e.get("trusted_ips"));
        assertEquals("kong", e.get("pg_user"));
        assertEquals("auto", e.get("nginx_main_worker_processes"));
        assertTrue(e.size() > 200, "size " + e.size());
    }

    private static List<String> addresses(List<ListenSpec> specs) {
        return specs.stream().map(ListenSpec::address).toList();
    }

    @Test
    void tlsKeysArePairedPerListenerKind() {
        ConfigException e = assertThrows(ConfigException.class, () -> KongConfLoader.load(null, Map.of(), Map.of(
                "ssl_cert", "/a.crt, /b.crt", "ssl_cert_key", "/a.key",
                "admin_ssl_cert", "/admin.crt",
                "status_listen", "127.0.0.1:8100 ssl", "status_ssl_cert_key", "/s.key",
                "ssl_cipher_suite", "paranoid")));
        assertEquals(List.of("Undefined cipher suite paranoid"), e.problems());
        e = assertThrows(ConfigException.class, () -> KongConfLoader.load(null, Map.of(), Map.of(
                "ssl_cert", "/a.crt, /b.crt", "ssl_cert_key", "/a.key",
                "admin_ssl_cert", "/admin.crt",
                "status_listen", "127.0.0.1:8100 ssl", "status_ssl_cert_key", "/s.key")));
        assertEquals(List.of("ssl_cert was specified 2 times while ssl_cert_key was specified 1 times",
                "admin_ssl_cert_key must be specified", "status_ssl_cert must be specified"), e.problems());
        // Only kinds with an ssl address are checked, as in Kong.
        KongConf c = KongConfLoader.load(null, Map.of(), Map.of("admin_listen", "127.0.0.1:8001", "admin_ssl_cert", "/x.crt",
                "ssl_cert", "/a.crt,/b.crt", "ssl_cert_key", "/a.key,/b.key", "ssl_session_timeout", "10m"));
        assertEquals(List.of("/a.crt", "/b.crt"), c.list("ssl_cert"));
        assertEquals(List.of(), c.notImplemented());
        assertEquals("intermediate", c.string("ssl_cipher_suite"));
        assertEquals(600_000L, c.millis("ssl_session_timeout"));
        assertTrue(c.bool("ssl_session_tickets"));
    }

    @Test
    void upstreamTlsKeysAreImplementedWithKongsDefaults() throws IOException {
        KongConf c = load("");
        assertEquals(List.of("system"), c.list("lua_ssl_trusted_certificate"));
        assertEquals(1, c.integer("lua_ssl_verify_depth"));
        assertFalse(c.bool("client_ssl"));
        assertFalse(c.bool("upstream_tls_verify_default"));
        KongConf on = load("upstream_tls_verify_default = on\nlua_ssl_verify_depth = 3\n");
        assertTrue(on.bool("upstream_tls_verify_default"));
        assertEquals(3, on.integer("lua_ssl_verify_depth"));
        assertFalse(on.notImplemented().contains("lua_ssl_verify_depth"), String.valueOf(on.notImplemented()));
        assertFalse(on.unknownKeys().contains("upstream_tls_verify_default"), String.valueOf(on.unknownKeys()));
    }

    @Test
    void clientSslNeedsItsCertificateAndKey() throws IOException {
        assertEquals(List.of("client_ssl_cert must be specified when client_ssl is on",
                "client_ssl_cert_key must be specified when client_ssl is on"), problems("client_ssl = on"));
        assertEquals(List.of("client_ssl_cert_key must be specified when client_ssl is on"),
                problems("client_ssl = on\nclient_ssl_cert = /etc/kong/client.crt"));
        assertTrue(problems("lua_ssl_verify_depth = -1").get(0).startsWith("lua_ssl_verify_depth"));
    }
}
