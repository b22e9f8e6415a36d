package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;

/** {@code Expect: 100-continue} with real curl: the gateway answers 100 itself and does not forward Expect. */
class ExpectContinueTest {

    static EchoServer echo;
    static Gateway gw;
    static Path body;

    @BeforeAll
    static void start() throws IOException {
        echo = EchoServer.start();
        gw = Gateway.start();
        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("paths", List.of("/upload")));
        body = Files.createTempFile("expect-it", ".bin");
        Files.write(body, new byte[2 * 1024 * 1024]);
    }

    @AfterAll
    static void stop() throws IOException {
        Files.deleteIfExists(body);
        Closer.closeAll(gw, echo);
    }

    @Test
    void continueThenTheBodyReachesTheUpstreamWithoutExpect() {
        // A long expect timeout: if the gateway never sends 100, curl waits 10 s and the elapsed time shows it.
        Curl.Result r = Curl.run("--expect100-timeout", "10", "-H", "Expect: 100-continue",
                "--data-binary", "@" + body, gw.proxyUrl("/upload"));
        assertEquals(200, r.status(), r::toString);
        assertEquals(List.of(100, 200), r.statuses(), r::toString);
        EchoRequest up = EchoRequest.parse(r.body());
        assertEquals(2 * 1024 * 1024, up.bodyLength());
        assertNull(up.header("expect"), "Expect is consumed by the gateway (nginx behaviour)");
        assertTrue(r.elapsedMillis() < 8000, "took " + r.elapsedMillis() + " ms");
    }

    @Test
    void noRouteAnswersAtOnceWithoutWaitingForTheBody() {
        Curl.Result r = Curl.run("--expect100-timeout", "10", "-H", "Expect: 100-continue",
                "--data-binary", "@" + body, gw.proxyUrl("/elsewhere"));
        assertEquals(404, r.status(), r::toString);
        assertEquals(List.of(404), r.statuses(), "no 100 for a request that is refused anyway");
        assertTrue(r.elapsedMillis() < 8000, "answered from the headers; took " + r.elapsedMillis() + " ms");
    }
}
