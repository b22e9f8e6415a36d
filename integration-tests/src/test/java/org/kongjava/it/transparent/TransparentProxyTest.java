package org.kongjava.it.transparent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.KongJava;
import org.kongjava.it.support.Peers;
import org.kongjava.it.support.Poll;

/**
 * Captured traffic through the real gateway, inside network namespaces this test creates:
 * <pre>
 *   client ns  10.77.0.1 --veth--> 10.77.0.2  gateway ns (lo: 198.18.0.10, 198.18.0.11 exist only here)
 *                                    iptables (installed by `kong-java transparent-proxy install`)
 *                                    gateway: 0.0.0.0:15006 transparent (inbound), 0.0.0.0:15001 transparent (outbound)
 *                                    nginx: 127.0.0.1:9001 ("ten"), 127.0.0.1:9002 ("twenty"),
 *                                           198.18.0.11:8080 and :8081 (servers the passthrough reaches directly)
 * </pre>
 * Routes: hosts 198.18.0.10 -> ten, hosts 198.18.0.20 -> twenty (198.18.0.20 exists nowhere: TPROXY only).
 * Ports are fixed: the namespaces are private to the test, so nothing else can hold them.
 */
class TransparentProxyTest {
    private static final String ECHO = "host=$http_host xfh=$http_x_forwarded_host xfp=$http_x_forwarded_port "
            + "uri=$request_uri";

    private Netns client;
    private Netns gw;
    private Path dir;

    @BeforeEach
    void namespaces() throws IOException {
        Netns.requireRoot();
        Peers.require("nginx");
        Peers.require("curl");
        dir = Files.createTempDirectory("kj-tproxy-it");
        client = Netns.create("c");
        gw = Netns.create("g");
        String veth = "kjv" + Netns.suffix();
        gw.must("ip", "link", "add", veth + "g", "type", "veth", "peer", "name", veth + "c", "netns", client.name);
        gw.must("ip", "addr", "add", "10.77.0.2/24", "dev", veth + "g");
        gw.must("ip", "link", "set", veth + "g", "up");
        gw.must("ip", "addr", "add", "198.18.0.10/32", "dev", "lo");
        gw.must("ip", "addr", "add", "198.18.0.11/32", "dev", "lo");
        gw.must("ip", "addr", "add", "2001:db8::11/128", "dev", "lo", "nodad");
        client.must("ip", "addr", "add", "10.77.0.1/24", "dev", veth + "c");
        client.must("ip", "link", "set", veth + "c", "up");
        client.must("ip", "route", "add", "198.18.0.0/24", "via", "10.77.0.2");
        startNginx();
    }

    @AfterEach
    void cleanup() {
        if (client != null) {
            client.close();
        }
        if (gw != null) {
            gw.close();
        }
    }

    private void startNginx() throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        String conf = "user root;\ndaemon off;\nworker_processes 1;\npid " + dir.resolve("nginx.pid") + ";\n"
                + "error_log " + dir.resolve("nginx-error.log") + " warn;\nevents { worker_connections 256; }\n"
                + "http {\n access_log off;\n default_type text/plain;\n client_body_temp_path " + dir.resolve("tmp") + ";\n"
                + server("127.0.0.1:9001", "svc=ten " + ECHO)
                + server("127.0.0.1:9002", "svc=twenty " + ECHO)
                + server("198.18.0.11:8080", "direct via=$http_via " + ECHO)
                + server("[2001:db8::11]:8080", "direct6 via=$http_via " + ECHO)
                + server("198.18.0.11:8081", "excluded via=$http_via " + ECHO)
                + "}\n";
        Files.writeString(dir.resolve("nginx.conf"), conf);
        gw.spawn(dir.resolve("nginx.log"), Peers.require("nginx").toString(), "-p", dir.toString(), "-c",
                dir.resolve("nginx.conf").toString(), "-e", dir.resolve("nginx-error.log").toString());
        Poll.until(Duration.ofSeconds(10), () -> gw.exec("curl", "-s", "http://198.18.0.11:8081/").stdout()
                .startsWith("excluded"), () -> "nginx in " + gw.name);
    }

    private static String server(String listen, String body) {
        return " server { listen " + listen + "; location / { return 200 \"" + body + "\\n\"; } }\n";
    }

    private Gateway startGateway(boolean passthrough) throws IOException {
        Path yml = dir.resolve("kong.yml");
        Files.writeString(yml, """
                _format_version: "3.0"
                services:
                - name: ten
                  url: http://127.0.0.1:9001
                  routes:
                  - name: ten
                    hosts: ["198.18.0.10"]
                - name: twenty
                  url: http://127.0.0.1:9002
                  routes:
                  - name: twenty
                    hosts: ["198.18.0.20"]
                """);
        return Gateway.builder()
                .conf("database", "off")
                .conf("declarative_config", yml.toString())
                .conf("proxy_listen", "0.0.0.0:15006 transparent, 0.0.0.0:15001 transparent, [::]:15001 transparent")
                .conf("transparent_passthrough", passthrough ? "on" : "off")
                .commandPrefix(gw.prefix().toArray(String[]::new))
                .start();
    }

    /** The same capture ports as TCP stream listeners; a tcp route by destination 198.18.0.10:5432 to "ten". */
    private Gateway startStreamGateway(boolean passthrough) throws IOException {
        Path yml = dir.resolve("kong-stream.yml");
        Files.writeString(yml, """
                _format_version: "3.0"
                services:
                - name: ten-tcp
                  url: tcp://127.0.0.1:9001
                  routes:
                  - name: ten-tcp
                    protocols: ["tcp"]
                    destinations: [{ip: "198.18.0.10", port: 5432}]
                """);
        return Gateway.builder()
                .conf("database", "off")
                .conf("declarative_config", yml.toString())
                .conf("proxy_listen", "off")
                .conf("stream_listen", "0.0.0.0:15006 transparent, 0.0.0.0:15001 transparent")
                .conf("transparent_passthrough", passthrough ? "on" : "off")
                .commandPrefix(gw.prefix().toArray(String[]::new))
                .start();
    }

    private void install(String... flags) {
        String[] args = new String[flags.length + 2];
        args[0] = "transparent-proxy";
        args[1] = "install";
        System.arraycopy(flags, 0, args, 2, flags.length);
        ProcessBuilder pb = KongJava.processBuilder(Map.of(), gw.prefix(), List.of(args));
        Netns.Result r = runBuilder(pb);
        assertEquals(0, r.exit(), () -> "install " + String.join(" ", flags) + "\n" + r);
    }

    static Netns.Result runBuilder(ProcessBuilder pb) {
        try {
            Path out = Files.createTempFile("kj", ".out");
            Path err = Files.createTempFile("kj", ".err");
            try {
                Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new AssertionError(pb.command() + " did not finish");
                }
                return new Netns.Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** curl in {@code ns} (optionally as another user); returns headers and body. */
    private static String curl(Netns ns, String user, String... args) {
        List<String> cmd = new ArrayList<>();
        if (user != null) {
            cmd.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--clear-groups"));
        }
        cmd.addAll(List.of("curl", "-s", "-S", "-m", "10", "-D", "-"));
        cmd.addAll(List.of(args));
        Netns.Result r = ns.exec(cmd.toArray(String[]::new));
        assertEquals(0, r.exit(), () -> String.join(" ", cmd) + "\n" + r);
        return r.stdout();
    }

    @Test
    void redirectCapturedHttpIsRoutedByItsOriginalDestination() throws IOException {
        install("--gateway-user", "root", "--mode", "redirect", "--exclude-inbound-ports", "8081");
        try (Gateway g = startGateway(false)) {
            // An excluded inbound port reaches its server directly.
            String direct = curl(client, null, "http://198.18.0.11:8081/in");
            assertTrue(direct.contains("excluded via= "), direct);
            assertFalse(direct.contains("X-Kong"), direct);
            // HTTP/1.0 without Host: the original destination 198.18.0.10:80 is the host the router sees (and
            // X-Forwarded-Host); the upstream gets the service's host, as Kong sends it.
            String r = curl(client, null, "-0", "-H", "Host:", "http://198.18.0.10/no/host");
            assertTrue(r.contains("svc=ten host=127.0.0.1:9001 xfh=198.18.0.10 xfp=80 uri=/no/host"), r);
            // With a Host header the header routes, as always; X-Forwarded-Port is the port the client meant.
            r = curl(client, null, "http://198.18.0.10/with/host");
            assertTrue(r.contains("svc=ten host=127.0.0.1:9001 xfh=198.18.0.10 xfp=80 uri=/with/host"), r);
            // Captured, but no route for 198.18.0.11 and passthrough off: Kong's 404.
            r = curl(client, null, "-0", "-H", "Host:", "http://198.18.0.11/");
            assertTrue(r.startsWith("HTTP/1.1 404"), r);
            assertTrue(r.contains("no Route matched with those values"), r);
        }
    }

    @Test
    void tproxyCapturedHttpForAnAddressThatExistsNowhereIsRoutedByIt() throws IOException {
        install("--gateway-user", "root", "--mode", "tproxy");
        try (Gateway g = startGateway(false)) {
            // 198.18.0.20 is not an address of either namespace: TPROXY hands the connection to the transparent
            // socket, whose local address is the destination the client meant.
            String r = curl(client, null, "-0", "-H", "Host:", "http://198.18.0.20/tp");
            assertTrue(r.contains("svc=twenty host=127.0.0.1:9002 xfh=198.18.0.20 xfp=80 uri=/tp"), r);
            r = curl(client, null, "-0", "-H", "Host:", "http://198.18.0.10:8000/tp10");
            assertTrue(r.contains("svc=ten host=127.0.0.1:9001 xfh=198.18.0.10 xfp=8000 uri=/tp10"), r);
        }
    }

    @Test
    void passthroughForwardsUnroutedOutboundTrafficAndRefusesLoops() throws IOException {
        install("--gateway-user", "root", "--exclude-outbound-ports", "8081", "--ipv6");
        try (Gateway g = startGateway(true)) {
            // A process of another user (nobody) is captured; no route matches, so it goes on to 198.18.0.11:8080.
            String r = curl(gw, "65534", "http://198.18.0.11:8080/out?q=1");
            assertTrue(r.startsWith("HTTP/1.1 200"), r);
            assertTrue(r.contains("direct via=1.1 kong/"), "reached the real server through the gateway: " + r);
            assertTrue(r.contains("host=198.18.0.11:8080 xfh=198.18.0.11 xfp=8080 uri=/out?q=1"), r);
            assertTrue(r.contains("X-Kong-Upstream-Latency"), r);
            // IPv6: ip6tables REDIRECT, original destination from IP6T_SO_ORIGINAL_DST.
            r = curl(gw, "65534", "-g", "http://[2001:db8::11]:8080/six");
            assertTrue(r.contains("direct6 via=1.1 kong/"), r);
            assertTrue(r.contains("host=[2001:db8::11]:8080 xfh=[2001:db8::11] xfp=8080 uri=/six"), r);
            // Routed traffic still goes to its route.
            r = curl(gw, "65534", "http://198.18.0.10:8080/routed");
            assertTrue(r.contains("svc=ten"), r);
            // The gateway's user (root here) is not captured: straight to the server, no gateway headers.
            r = curl(gw, null, "http://198.18.0.11:8080/direct");
            assertTrue(r.contains("direct via= "), r);
            assertFalse(r.contains("X-Kong"), r);
            // An excluded outbound port is not captured either.
            r = curl(gw, "65534", "http://198.18.0.11:8081/excluded");
            assertTrue(r.contains("excluded via= "), r);
            // Loops: captured traffic for the gateway's own listener port, and a direct connection to it.
            r = curl(gw, "65534", "http://198.18.0.11:15001/loop");
            assertTrue(r.startsWith("HTTP/1.1 508"), r);
            assertTrue(r.contains("loop detected"), r);
            r = curl(gw, null, "http://127.0.0.1:15001/loop");
            assertTrue(r.startsWith("HTTP/1.1 508"), r);
            assertTrue(g.output().contains("(loop)"), "the refusal is logged");
        }
    }

    @Test
    void redirectCapturedTcpIsRoutedByItsOriginalDestinationOnAStreamListener() throws IOException {
        install("--gateway-user", "root", "--mode", "redirect");
        try (Gateway g = startStreamGateway(false)) {
            // Bytes to 198.18.0.10:5432 are captured to the stream listener, routed by that destination (tcp route)
            // and relayed as they are to nginx "ten": the HTTP request inside is untouched (no gateway headers).
            String r = curl(client, null, "http://198.18.0.10:5432/tcp");
            assertTrue(r.contains("svc=ten host=198.18.0.10:5432 xfh= xfp= uri=/tcp"), r);
            assertFalse(r.contains("X-Kong"), r);
            // No route for another destination, passthrough off: the connection is closed.
            Netns.Result miss = client.exec("curl", "-s", "-m", "10", "http://198.18.0.10:5433/");
            assertTrue(miss.exit() != 0, () -> "no route closes the connection: " + miss);
        }
    }

    @Test
    void streamPassthroughForwardsUnroutedCapturedTcpAndRefusesLoops() throws IOException {
        install("--gateway-user", "root", "--exclude-outbound-ports", "8081");
        try (Gateway g = startStreamGateway(true)) {
            // Captured outbound TCP of another user, no stream route: relayed to its original destination.
            String r = curl(gw, "65534", "http://198.18.0.11:8080/out");
            assertTrue(r.contains("direct via= host=198.18.0.11:8080 xfh= xfp= uri=/out"), r);
            // Captured traffic for the gateway's own listener port is a loop: closed, and logged.
            Netns.Result loop = gw.exec("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "curl", "-s", "-m", "10", "http://198.18.0.11:15001/loop");
            assertTrue(loop.exit() != 0, () -> "a loop is refused: " + loop);
            Poll.until(Duration.ofSeconds(5), () -> g.output().contains("(loop)"), () -> "loop logged\n" + g.output());
        }
    }
}
