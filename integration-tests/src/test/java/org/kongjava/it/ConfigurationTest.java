package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.KongJava;
import org.kongjava.it.support.RawHttp;

/** kong.conf through the real CLI: {@code check}, KONG_* overrides, and listener flags that are refused. */
class ConfigurationTest {

    @TempDir
    Path dir;

    @Test
    void kongsOwnDefaultConfIsValid() throws IOException {
        // A fixture outside the repository: skipped (never failed, even in CI) where it is not present.
        String fixtures = System.getProperty("kongjava.fixtures");
        Path original = (fixtures != null ? Path.of(fixtures) : KongJava.home().resolve("../shared/fixtures/kong"))
                .resolve("kong.conf.default").normalize();
        assumeTrue(Files.isRegularFile(original), "Kong's kong.conf.default not found at " + original);
        Path copy = Files.copy(original, dir.resolve("kong.conf"));
        KongJava.Result r = KongJava.run(Duration.ofSeconds(60), Map.of(), "check", copy.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("configuration at " + copy + " is valid"), r::toString);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', value = {
        "proxy_listen|127.0.0.1:99999|99999",
        "proxy_listen|127.0.0.1:0 bogusflag|bogusflag",
        "trusted_ips|300.1.1.1|300.1.1.1",
        "upstream_keepalive_idle_timeout|soon|soon"})
    void checkNamesTheKeyAndValue(String key, String value, String shown) throws IOException {
        Path conf = Files.writeString(dir.resolve("bad.conf"), key + " = " + value + "\n");
        KongJava.Result r = KongJava.run(Duration.ofSeconds(60), Map.of(), "check", conf.toString());
        assertEquals(1, r.exit(), r::toString);
        String line = problemLine(r, key);
        assertTrue(line.contains(shown), "the problem line names the value '" + shown + "': " + line);
        assertTrue(r.stderr().contains("Error: "), r::toString);
    }

    @Test
    void checkReportsEveryProblemNotJustTheFirst() throws IOException {
        Path conf = Files.writeString(dir.resolve("bad.conf"), """
                proxy_listen = 127.0.0.1:99999
                admin_listen = 127.0.0.1:0 bogusflag
                trusted_ips = 300.1.1.1
                upstream_keepalive_idle_timeout = soon
                """);
        KongJava.Result r = KongJava.run(Duration.ofSeconds(60), Map.of(), "check", conf.toString());
        assertEquals(1, r.exit(), r::toString);
        for (String key : List.of("proxy_listen", "admin_listen", "trusted_ips", "upstream_keepalive_idle_timeout")) {
            problemLine(r, key);
        }
    }

    @Test
    void checkSeesKongEnvironmentOverrides() throws IOException {
        Path conf = Files.writeString(dir.resolve("good.conf"), "proxy_listen = 127.0.0.1:0\n");
        KongJava.Result good = KongJava.run(Duration.ofSeconds(60), Map.of(), "check", conf.toString());
        assertEquals(0, good.exit(), good::toString);
        KongJava.Result bad = KongJava.run(Duration.ofSeconds(60), Map.of("KONG_PROXY_LISTEN", "127.0.0.1:99999"),
                "check", conf.toString());
        assertEquals(1, bad.exit(), bad::toString);
        assertTrue(problemLine(bad, "proxy_listen").contains("99999"), bad::toString);
    }

    @Test
    void environmentWinsOverTheFileAtStart() throws IOException {
        // The file's value is invalid; KONG_PROXY_LISTEN replaces it, so the gateway starts with two proxy listeners.
        try (Gateway gw = Gateway.builder().conf("proxy_listen", "127.0.0.1:99999")
                .env("KONG_PROXY_LISTEN", "127.0.0.1:0, 127.0.0.1:0").start()) {
            List<Gateway.Listener> proxies = gw.listeners().stream().filter(l -> l.key().equals("proxy_listen")).toList();
            assertEquals(2, proxies.size(), gw.listeners()::toString);
            for (Gateway.Listener l : proxies) {
                try (RawHttp c = RawHttp.connect(l.port())) {
                    assertEquals(404, c.get("/", "env.test").status(), "listener " + l + " serves the proxy");
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"udp"})
    void unsupportedListenerFlagRefusesToStart(String flag) {
        Gateway.Prepared p = Gateway.builder().conf("stream_listen", "127.0.0.1:0 " + flag).prepare();
        try {
            KongJava.Result r = p.run(Duration.ofSeconds(30), "start", "-c", p.conf().toString(), "-p",
                    p.prefix().toString());
            assertEquals(1, r.exit(), r::toString);
            String error = Arrays.stream(r.stderr().split("\n")).filter(l -> l.startsWith("Error:")).findFirst()
                    .orElseThrow(() -> new AssertionError("no 'Error:' line\n" + r));
            assertTrue(error.contains("not supported"), error);
            assertTrue(error.contains(flag), "names the flag: " + error);
            assertFalse(p.listeners().isPresent(), "nothing was bound");
        } finally {
            p.kill();
        }
    }

    @Test
    void sslAndHttp2FlagsStartATlsListener() {
        // Kong's default 8443 entry is "http2 ssl": both flags are accepted; curl negotiates h2 by ALPN.
        try (Gateway gw = Gateway.builder().conf("proxy_listen", "127.0.0.1:0 http2 ssl").start()) {
            List<Gateway.Listener> proxies = gw.listeners().stream().filter(l -> l.key().equals("proxy_listen")).toList();
            assertEquals(1, proxies.size(), gw.listeners()::toString);
            assertTrue(proxies.get(0).ssl(), "listeners.json marks the address ssl: " + proxies);
            Curl.Result r = Curl.run("-k", "https://127.0.0.1:" + gw.proxyTlsPort() + "/nothing-here");
            assertEquals(404, r.status(), r::toString);
            assertTrue(r.headerText().startsWith("HTTP/2 "), "HTTP/2 by ALPN: " + r);
        }
    }

    /** The output line that names {@code key}; fails when there is none. */
    private static String problemLine(KongJava.Result r, String key) {
        return Arrays.stream(r.output().split("\n")).filter(l -> l.contains(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no line names " + key + "\n" + r));
    }
}
