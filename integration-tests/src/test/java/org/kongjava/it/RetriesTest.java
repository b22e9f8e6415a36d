package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Ports;
import org.kongjava.it.support.RawHttp;

/**
 * {@code retries} = extra tries after a connection error or an upstream that closes before answering; never for
 * a non-idempotent request that reached the upstream. Each scenario has its own upstream, so no pooled connection
 * from another scenario takes part.
 */
class RetriesTest {

    static Gateway gw;
    static Admin admin;

    @BeforeAll
    static void start() {
        gw = Gateway.start();
        admin = gw.admin();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static void service(String name, String url, int retries) {
        admin.create("/services", Map.of("name", name, "url", url, "retries", retries));
        admin.create("/services/" + name + "/routes", Map.of("paths", List.of("/" + name)));
    }

    static RawHttp.Response send(String method, String path) throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            c.send(method + " " + path + " HTTP/1.1\r\nHost: retries.test\r\nContent-Length: 0\r\n\r\n");
            return c.readResponse(false);
        }
    }

    @Test
    void upstreamClosingEarlyIsRetriedUntilItAnswers() throws IOException {
        try (EchoServer flaky = EchoServer.start()) {
            service("flaky", flaky.url(), 5);
            flaky.failNextRequests(2);
            RawHttp.Response r = send("GET", "/flaky");
            assertEquals(200, r.status(), () -> r + "\n" + gw.output());
            assertEquals(3, flaky.requests(), "two failed tries, then the answer");
        }
    }

    @Test
    void retriesCountExtraTriesThenTheLastFailureIsReturned() throws IOException {
        try (EchoServer flaky = EchoServer.start()) {
            service("two-tries", flaky.url(), 1);
            flaky.failNextRequests(10);
            RawHttp.Response r = send("GET", "/two-tries");
            assertEquals(502, r.status(), r::toString);
            assertEquals(2, flaky.requests(), "retries=1: the first try and one retry");
        }
    }

    @Test
    void retriesZeroMeansOneTry() throws IOException {
        try (EchoServer flaky = EchoServer.start()) {
            service("one-try", flaky.url(), 0);
            flaky.failNextRequests(10);
            assertEquals(502, send("GET", "/one-try").status());
            assertEquals(1, flaky.requests());
        }
    }

    @Test
    void postThatReachedTheUpstreamIsNotRetried() throws IOException {
        try (EchoServer flaky = EchoServer.start()) {
            service("post", flaky.url(), 5);
            flaky.failNextRequests(10);
            assertEquals(502, send("POST", "/post").status());
            assertEquals(1, flaky.requests(), "POST is not idempotent (nginx proxy_next_upstream)");
        }
    }

    @Test
    void retryGoesToTheNextTargetOfAnUpstream() throws IOException {
        try (EchoServer live = EchoServer.start()) {
            admin.create("/upstreams", Map.of("name", "half-dead.test"));
            admin.create("/upstreams/half-dead.test/targets", Map.of("target", "127.0.0.1:" + Ports.refused()));
            admin.create("/upstreams/half-dead.test/targets", Map.of("target", "127.0.0.1:" + live.port()));
            admin.create("/services", Map.of("name", "no-retry", "host", "half-dead.test", "retries", 0));
            admin.create("/services/no-retry/routes", Map.of("paths", List.of("/no-retry")));
            admin.create("/services", Map.of("name", "one-retry", "host", "half-dead.test", "retries", 1));
            admin.create("/services/one-retry/routes", Map.of("paths", List.of("/one-retry")));
            int failed = 0;
            for (int i = 0; i < 10; i++) {
                failed += send("GET", "/no-retry").status() == 502 ? 1 : 0;
            }
            assertTrue(failed > 0 && failed < 10, "round-robin over a dead and a live target, no retry: "
                    + failed + " of 10 failed");
            for (int i = 0; i < 10; i++) {
                RawHttp.Response r = send("GET", "/one-retry");
                assertEquals(200, r.status(), () -> "one retry reaches the live target: " + r);
            }
        }
    }

    @Test
    void refusedPortFailsFastAfterItsRetries() throws IOException {
        int port = Ports.refused();
        service("refused", "http://127.0.0.1:" + port, 3);
        long t0 = System.nanoTime();
        RawHttp.Response r = send("GET", "/refused");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(502, r.status(), r::toString);
        assertTrue(ms < 5000, "refused connects are immediate; took " + ms + " ms");
    }
}
