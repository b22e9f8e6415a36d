package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kongjava.proxy.http.HeaderFixtures.RID;
import static org.kongjava.proxy.http.HeaderFixtures.ROUTE_ID;
import static org.kongjava.proxy.http.HeaderFixtures.SERVICE_ID;
import static org.kongjava.proxy.http.HeaderFixtures.get;
import static org.kongjava.proxy.http.HeaderFixtures.match;
import static org.kongjava.proxy.http.HeaderFixtures.withHeaders;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.Protocol;
import org.kongjava.core.router.RouteMatch;

class ResponseHeaderRewriterTest {

    private static HttpResponse response(HttpResponseStatus status, String... pairs) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        for (int i = 0; i < pairs.length; i += 2) {
            r.headers().add(pairs[i], pairs[i + 1]);
        }
        return r;
    }

    private static HttpHeaders rewrite(HttpResponse r, HttpRequest client, boolean upgrade, RouteMatch m,
                                       HeaderSettings s) {
        ResponseHeaderRewriter.rewriteProxied(r, client, upgrade, 7, 12, RID, m, s);
        return r.headers();
    }

    private static HttpResponse hopByHopResponse() {
        return response(HttpResponseStatus.OK, "Connection", "X-Foo, close", "X-Foo", "1", "Keep-Alive", "timeout=5",
                "Transfer-Encoding", "chunked", "Upgrade", "h2c", "Trailer", "Expires", "X-Accel-Redirect", "/int",
                "x-accel-buffering", "no", "X-Pad", "avoid browser bug", "Content-Type", "text/plain",
                "Date", "Tue, 01 Dec 2026 10:00:00 GMT", "Server", "upstream/1.0", "X-Accelerated", "keep");
    }

    @Test
    void hopByHopResponseHeadersAreRemoved() {
        HttpHeaders h = rewrite(hopByHopResponse(), get("/"), false, match(), HeaderSettings.kongDefaults());
        for (String gone : List.of("Connection", "X-Foo", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Trailer",
                "X-Accel-Redirect", "X-Accel-Buffering", "X-Pad")) {
            assertFalse(h.contains(gone), gone);
        }
        assertEquals("text/plain", h.get("Content-Type"));
        assertEquals("Tue, 01 Dec 2026 10:00:00 GMT", h.get("Date"));
        assertEquals("upstream/1.0", h.get("Server"));
        assertEquals("keep", h.get("X-Accelerated"));
    }

    @Test
    void trailerKeptWhenTheClientAskedForTrailers() {
        HttpHeaders h = rewrite(hopByHopResponse(), get("/", "TE", "trailers"), false, match(),
                HeaderSettings.kongDefaults());
        assertEquals("Expires", h.get("Trailer"));
    }

    @Test
    void upgradeKeptOnlyForTheRequestedWebSocketUpgrade() {
        HttpResponse ws = response(HttpResponseStatus.SWITCHING_PROTOCOLS, "Connection", "Upgrade",
                "Upgrade", "WebSocket", "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        HttpHeaders h = rewrite(ws, get("/", "Upgrade", "websocket"), true, match(), HeaderSettings.kongDefaults());
        assertEquals("WebSocket", h.get("Upgrade"));
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", h.get("Sec-WebSocket-Accept"));
        HttpResponse notRequested = response(HttpResponseStatus.OK, "Upgrade", "websocket");
        assertFalse(rewrite(notRequested, get("/"), false, match(), HeaderSettings.kongDefaults()).contains("Upgrade"));
        HttpResponse other = response(HttpResponseStatus.OK, "Upgrade", "h2c");
        assertFalse(rewrite(other, get("/"), true, match(), HeaderSettings.kongDefaults()).contains("Upgrade"));
    }

    @Test
    void defaultsAddViaLatenciesRequestIdAndKeepServer() {
        HttpHeaders h = rewrite(response(HttpResponseStatus.OK, "Server", "nginx", "Via", "1.1 upstream-proxy"),
                get("/"), false, match(), HeaderSettings.kongDefaults());
        assertEquals("1.1 upstream-proxy, 1.1 kong/3.10.0", h.get("Via"));
        assertEquals("nginx", h.get("Server"));
        assertEquals("12", h.get("X-Kong-Upstream-Latency"));
        assertEquals("7", h.get("X-Kong-Proxy-Latency"));
        assertEquals(RID, h.get("X-Kong-Request-Id"));
        assertFalse(h.contains("X-Kong-Response-Latency"));
        assertFalse(h.contains("X-Kong-Upstream-Status"));
    }

    @Test
    void serverAddedWhenTheUpstreamSentNone() {
        HttpHeaders h = rewrite(response(HttpResponseStatus.OK), get("/"), false, match(),
                HeaderSettings.kongDefaults());
        assertEquals("kong/3.10.0", h.get("Server"));
        assertEquals("1.1 kong/3.10.0", h.get("Via"));
    }

    @Test
    void grpcServicesGetHttp2Via() {
        RouteMatch m = new RouteMatch(HeaderFixtures.route(false), HeaderFixtures.service(Protocol.GRPCS), "/", null,
                "/", Map.of());
        assertEquals("2 kong/3.10.0", rewrite(response(HttpResponseStatus.OK), get("/"), false, m,
                HeaderSettings.kongDefaults()).get("Via"));
    }

    @Test
    void headersOffAddsNothingButStillRemovesHopByHop() {
        HttpHeaders h = rewrite(hopByHopResponse(), get("/"), false, match(), withHeaders(List.of("off")));
        for (String none : List.of("Via", "X-Kong-Upstream-Latency", "X-Kong-Proxy-Latency", "X-Kong-Request-Id",
                "X-Kong-Upstream-Status", "Connection", "Keep-Alive")) {
            assertFalse(h.contains(none), none);
        }
        assertEquals("upstream/1.0", h.get("Server"));
        HttpHeaders bare = rewrite(response(HttpResponseStatus.OK), get("/"), false, match(),
                withHeaders(List.of("off")));
        assertFalse(bare.contains("Server"));
    }

    @Test
    void upstreamStatusWhenEnabled() {
        HttpHeaders h = rewrite(response(HttpResponseStatus.SERVICE_UNAVAILABLE), get("/"), false, match(),
                withHeaders(List.of("X-Kong-Upstream-Status")));
        assertEquals("503", h.get("X-Kong-Upstream-Status"));
        assertFalse(h.contains("Via"));
        assertFalse(h.contains("Server"));
        assertFalse(h.contains("X-Kong-Request-Id"));
    }

    @Test
    void connectionListedHeadersAcrossLines() {
        HttpHeaders h = rewrite(response(HttpResponseStatus.OK, "Connection", "X-A", "Connection", "x-b",
                "X-A", "1", "X-B", "2", "X-C", "3"), get("/"), false, match(), HeaderSettings.kongDefaults());
        assertFalse(h.contains("X-A"));
        assertFalse(h.contains("X-B"));
        assertEquals("3", h.get("X-C"));
    }

    @Test
    void debugHeadersOnlyWhenAllowedAndAsked() {
        HeaderSettings d = HeaderSettings.kongDefaults();
        HeaderSettings allow = new HeaderSettings(d.enabledHeaders(), true, "text/plain", d.trustedIps(), "X-Real-IP",
                false, Map.of(), true, "3.10.0");
        HttpHeaders h = rewrite(response(HttpResponseStatus.OK), get("/", "Kong-Debug", "1"), false, match(), allow);
        assertEquals(ROUTE_ID.toString(), h.get("Kong-Route-Id"));
        assertEquals("my-route", h.get("Kong-Route-Name"));
        assertEquals(SERVICE_ID.toString(), h.get("Kong-Service-Id"));
        assertEquals("my-service", h.get("Kong-Service-Name"));

        HttpHeaders notAsked = rewrite(response(HttpResponseStatus.OK), get("/"), false, match(), allow);
        assertFalse(notAsked.contains("Kong-Route-Id"));
        HttpHeaders notAllowed = rewrite(response(HttpResponseStatus.OK), get("/", "Kong-Debug", "1"), false, match(),
                d);
        assertFalse(notAllowed.contains("Kong-Route-Id"));
        assertTrue(notAllowed.contains("X-Kong-Request-Id"));
    }
}
