package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kongjava.proxy.http.HeaderFixtures.HTTP_2;
import static org.kongjava.proxy.http.HeaderFixtures.RID;
import static org.kongjava.proxy.http.HeaderFixtures.get;
import static org.kongjava.proxy.http.HeaderFixtures.request;
import static org.kongjava.proxy.http.HeaderFixtures.withHeaders;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.kongjava.core.testing.LeakCheck;

@ExtendWith(LeakCheck.class)
class ProxyErrorsTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final String NO_ROUTE = "no Route matched with those values";
    private static final String JSON = "application/json; charset=utf-8";
    private static final String PLAIN = "text/plain; charset=utf-8";
    private static final String HTML = "text/html; charset=utf-8";
    private static final String XML = "application/xml; charset=utf-8";

    /** Status, headers and body of a response, which is released. */
    private record Seen(int status, HttpHeaders headers, String body) {
    }

    private static Seen seen(FullHttpResponse r) {
        try {
            assertEquals(HttpVersion.HTTP_1_1, r.protocolVersion());
            String body = r.content().toString(StandardCharsets.UTF_8);
            if (!r.headers().contains("grpc-status")) {
                assertEquals(Integer.toString(r.content().readableBytes()), r.headers().get("Content-Length"),
                        "Content-Length matches the body");
            }
            return new Seen(r.status().code(), r.headers().copy(), body);
        } finally {
            r.release();
        }
    }

    private static String json(String message) {
        return "{\n  \"message\":\"" + message + "\",\n  \"request_id\":\"" + RID + "\"\n}";
    }

    private static String plain(String message) {
        return message + "\nrequest_id: " + RID + "\n";
    }

    private static String html(String message) {
        return "<!doctype html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    <title>Error</title>\n  </head>\n"
                + "  <body>\n    <h1>Error</h1>\n    <p>" + message + ".</p>\n    <p>request_id: " + RID
                + "</p>\n  </body>\n</html>\n";
    }

    private static String xml(String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>\n  <message>" + message + "</message>\n"
                + "  <requestid>" + RID + "</requestid>\n</error>\n";
    }

    private static Seen kong404(HttpRequest request) {
        return seen(ProxyErrors.kongError(ALLOC, HttpResponseStatus.NOT_FOUND, NO_ROUTE, request, RID, 3,
                HeaderSettings.kongDefaults()));
    }

    @ParameterizedTest(name = "Accept: {0} -> {1}")
    @CsvSource(nullValues = "null", delimiter = '|', value = {
        "null                                               | application/json; charset=utf-8",
        "*/*                                                | application/json; charset=utf-8",
        "application/*                                      | application/json; charset=utf-8",
        "text/*                                             | text/plain; charset=utf-8",
        "text/html                                          | text/html; charset=utf-8",
        "application/xml                                    | application/xml; charset=utf-8",
        "text/plain                                         | text/plain; charset=utf-8",
        "application/json                                   | application/json; charset=utf-8",
        "image/png                                          | application/json; charset=utf-8",
        "image/*                                            | application/json; charset=utf-8",
        "garbage                                            | application/json; charset=utf-8",
        "text/html;q=0.5, application/xml                   | application/xml; charset=utf-8",
        "text/html, application/xml                         | text/html; charset=utf-8",
        "text/html;q=0.2, text/plain;q=0.8                  | text/plain; charset=utf-8",
        "text/html;q=0.9, image/png                         | application/json; charset=utf-8",
        "text/html;q=0                                      | application/json; charset=utf-8",
        "application/xml;q=0.5, text/html;q=0.5             | application/xml; charset=utf-8",
        "TEXT/HTML                                          | application/json; charset=utf-8",
        "text/html; charset=utf-8;q=0.7, text/plain;q=0.6   | text/html; charset=utf-8",
        "text/html;level=1;q=0.3, text/plain;q=0.4          | text/plain; charset=utf-8",
        "text/html;Q=0.3, text/plain;q=0.4                  | text/plain; charset=utf-8",
        "text/plain;q=0.5, text/html;q=1.000                | text/html; charset=utf-8",
        "text/plain;q=0.5, text/html;q=2                    | text/html; charset=utf-8",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8 | text/html; charset=utf-8",
    })
    void formatFromAccept(String accept, String contentType) {
        HttpRequest req = accept == null ? get("/") : get("/", "Accept", accept);
        assertEquals(contentType, kong404(req).headers().get("Content-Type"));
    }

    @Test
    void exactBodiesPerFormat() {
        Seen j = kong404(get("/"));
        assertEquals(404, j.status());
        assertEquals(json(NO_ROUTE), j.body());
        assertEquals(JSON, j.headers().get("Content-Type"));
        assertEquals(plain(NO_ROUTE), kong404(get("/", "Accept", "text/plain")).body());
        assertEquals(html(NO_ROUTE), kong404(get("/", "Accept", "text/html")).body());
        assertEquals(xml(NO_ROUTE), kong404(get("/", "Accept", "application/xml")).body());
    }

    @Test
    void kongErrorJoinsAcceptLinesButNginxErrorReadsTheFirst() {
        HttpRequest req = get("/", "Accept", "text/plain;q=0.5", "Accept", "application/xml");
        assertEquals(XML, kong404(req).headers().get("Content-Type"));
        assertEquals(PLAIN, seen(ProxyErrors.nginxError(ALLOC, 400, req, RID, HeaderSettings.kongDefaults(), -1, -1))
                .headers().get("Content-Type"));
    }

    @Test
    void kongErrorIgnoresContentTypeAndDefaultType() {
        Seen s = kong404(get("/", "Content-Type", "text/html"));
        assertEquals(JSON, s.headers().get("Content-Type"));
    }

    @Test
    void kongGeneratedHeaders() {
        Seen s = kong404(get("/"));
        assertEquals("3", s.headers().get("X-Kong-Response-Latency"));
        assertEquals("kong/3.10.0", s.headers().get("Server"));
        assertEquals(RID, s.headers().get("X-Kong-Request-Id"));
        assertFalse(s.headers().contains("Via"));
        assertFalse(s.headers().contains("X-Kong-Proxy-Latency"));
        assertFalse(s.headers().contains("Connection"), "the caller sets Connection");
    }

    @Test
    void headersOff() {
        Seen s = seen(ProxyErrors.kongError(ALLOC, HttpResponseStatus.SERVICE_UNAVAILABLE,
                "no Service found with those values", get("/"), RID, 3, withHeaders(List.of("off"))));
        assertEquals(503, s.status());
        assertFalse(s.headers().contains("Server"));
        assertFalse(s.headers().contains("X-Kong-Response-Latency"));
        assertFalse(s.headers().contains("X-Kong-Request-Id"));
        assertEquals(json("no Service found with those values"), s.body(), "the body still carries the id");
    }

    @Test
    void onlyServerToken() {
        Seen s = seen(ProxyErrors.kongError(ALLOC, HttpResponseStatus.NOT_FOUND, NO_ROUTE, get("/"), RID, 3,
                withHeaders(List.of("Server"))));
        assertEquals("kong/3.10.0", s.headers().get("Server"));
        assertFalse(s.headers().contains("X-Kong-Request-Id"));
    }

    @Test
    void defaultMessagesWhenNoneGiven() {
        Seen s = seen(ProxyErrors.kongError(ALLOC, HttpResponseStatus.UNAUTHORIZED, null, get("/", "Accept",
                "text/plain"), RID, 0, HeaderSettings.kongDefaults()));
        assertEquals(plain("Unauthorized"), s.body());
        Seen other = seen(ProxyErrors.kongError(ALLOC, HttpResponseStatus.valueOf(499), null, null, RID, 0,
                HeaderSettings.kongDefaults()));
        assertEquals(json("The upstream server responded with 499"), other.body());
    }

    @Test
    void headHasNoBodyButTheLengthOfOne() {
        FullHttpResponse r = ProxyErrors.kongError(ALLOC, HttpResponseStatus.NOT_FOUND, NO_ROUTE,
                request(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/"), RID, 0, HeaderSettings.kongDefaults());
        try {
            assertEquals(0, r.content().readableBytes());
            assertEquals(Integer.toString(json(NO_ROUTE).length()), r.headers().get("Content-Length"));
            assertEquals(JSON, r.headers().get("Content-Type"));
        } finally {
            r.release();
        }
    }

    @ParameterizedTest(name = "Accept {0}, Content-Type {1}, default {2} -> {3}")
    @CsvSource(nullValues = "null", delimiter = '|', value = {
        "text/html       | application/xml  | application/json | text/html; charset=utf-8",
        "null            | application/xml  | application/json | application/xml; charset=utf-8",
        "null            | text/plain; charset=utf-8 | text/html | text/plain; charset=utf-8",
        "null            | application/x-www-form-urlencoded | text/html | application/json; charset=utf-8",
        "null            | null             | text/html        | text/html; charset=utf-8",
        "null            | null             | application/xml  | application/xml; charset=utf-8",
        "null            | null             | text/plain       | text/plain; charset=utf-8",
        "null            | null             | application/json | application/json; charset=utf-8",
    })
    void nginxErrorFormat(String accept, String contentType, String defaultType, String expected) {
        HttpRequest req = get("/");
        if (accept != null) {
            req.headers().set("Accept", accept);
        }
        if (contentType != null) {
            req.headers().set("Content-Type", contentType);
        }
        Seen s = seen(ProxyErrors.nginxError(ALLOC, 400, req, RID, withDefaultType(defaultType), -1, -1));
        assertEquals(expected, s.headers().get("Content-Type"));
        assertEquals(400, s.status());
    }

    private static HeaderSettings withDefaultType(String type) {
        HeaderSettings d = HeaderSettings.kongDefaults();
        return new HeaderSettings(d.enabledHeaders(), true, type, d.trustedIps(), "X-Real-IP", false, Map.of(), false,
                "3.10.0");
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = {
        "400 | 400 | Bad request",
        "404 | 404 | Not found",
        "405 | 405 | Method not allowed",
        "408 | 408 | Request timeout",
        "411 | 411 | Length required",
        "412 | 412 | Precondition failed",
        "413 | 413 | Payload too large",
        "414 | 414 | URI too long",
        "417 | 417 | Expectation failed",
        "494 | 400 | Request header or cookie too large",
        "500 | 500 | An unexpected error occurred",
        "502 | 502 | An invalid response was received from the upstream server",
        "503 | 503 | The upstream server is currently unavailable",
        "504 | 504 | The upstream server is timing out",
        "418 | 418 | The upstream server responded with 418",
    })
    void nginxMessages(int status, int sent, String message) {
        Seen s = seen(ProxyErrors.nginxError(ALLOC, status, null, RID, HeaderSettings.kongDefaults(), -1, -1));
        assertEquals(sent, s.status());
        assertEquals(plain(message), s.body(), "unparseable request: error_default_type (text/plain)");
        assertEquals(PLAIN, s.headers().get("Content-Type"));
    }

    @Test
    void nginxErrorBeforeProxyingIsKongGenerated() {
        Seen s = seen(ProxyErrors.nginxError(ALLOC, 400, null, RID, HeaderSettings.kongDefaults(), -1, -1));
        assertEquals("0", s.headers().get("X-Kong-Response-Latency"));
        assertEquals("kong/3.10.0", s.headers().get("Server"));
        assertEquals(RID, s.headers().get("X-Kong-Request-Id"));
        assertFalse(s.headers().contains("Via"));
        assertFalse(s.headers().contains("X-Kong-Proxy-Latency"));
    }

    @Test
    void nginxErrorAfterProxyingCountsAsProxied() {
        Seen s = seen(ProxyErrors.nginxError(ALLOC, 502, get("/", "Accept", "text/html"), RID,
                HeaderSettings.kongDefaults(), 4, 9));
        assertEquals(502, s.status());
        assertEquals(html("An invalid response was received from the upstream server"), s.body());
        assertEquals("4", s.headers().get("X-Kong-Proxy-Latency"));
        assertEquals("9", s.headers().get("X-Kong-Upstream-Latency"));
        assertEquals("1.1 kong/3.10.0", s.headers().get("Via"));
        assertEquals("kong/3.10.0", s.headers().get("Server"));
        assertEquals(RID, s.headers().get("X-Kong-Request-Id"));
        assertFalse(s.headers().contains("X-Kong-Response-Latency"));
        assertFalse(s.headers().contains("X-Kong-Upstream-Status"));

        Seen status = seen(ProxyErrors.nginxError(ALLOC, 504, get("/"), RID,
                withHeaders(List.of("X-Kong-Upstream-Status")), 4, -1));
        assertEquals("504", status.headers().get("X-Kong-Upstream-Status"));
        assertFalse(status.headers().contains("X-Kong-Upstream-Latency"));
        assertFalse(status.headers().contains("Server"));
    }

    @Test
    void nginxErrorHead() {
        FullHttpResponse r = ProxyErrors.nginxError(ALLOC, 494, request(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/"),
                RID, HeaderSettings.kongDefaults(), -1, -1);
        try {
            assertEquals(400, r.status().code());
            assertEquals(0, r.content().readableBytes());
            assertEquals(Integer.toString(plain("Request header or cookie too large").length()),
                    r.headers().get("Content-Length"));
        } finally {
            r.release();
        }
    }

    @Test
    void grpcRequests() {
        HttpRequest grpc = request(HTTP_2, HttpMethod.POST, "/pkg.Svc/Method", "Content-Type", "application/grpc");
        Seen k = seen(ProxyErrors.kongError(ALLOC, HttpResponseStatus.NOT_FOUND, NO_ROUTE, grpc, RID, 1,
                HeaderSettings.kongDefaults()));
        assertEquals("", k.body());
        assertEquals("application/grpc", k.headers().get("Content-Type"));
        assertEquals("5", k.headers().get("grpc-status"));
        assertEquals("NotFound", k.headers().get("grpc-message"));
        assertEquals("0", k.headers().get("Content-Length"));

        Seen n = seen(ProxyErrors.nginxError(ALLOC, 502, grpc, RID, HeaderSettings.kongDefaults(), 1, 1));
        assertEquals("", n.body());
        assertEquals("13", n.headers().get("grpc-status"));
        assertEquals("An invalid response was received from the upstream server", n.headers().get("grpc-message"));

        // gRPC content over HTTP/1.1 is not a gRPC request for Kong: the {message} table becomes JSON.
        HttpRequest h1 = get("/", "Content-Type", "application/grpc");
        Seen j = seen(ProxyErrors.nginxError(ALLOC, 504, h1, RID, HeaderSettings.kongDefaults(), -1, -1));
        assertEquals("{\"message\":\"The upstream server is timing out\"}", j.body());
        assertEquals(JSON, j.headers().get("Content-Type"));
    }

    @Test
    void httpsRequired() {
        Seen s = seen(ProxyErrors.httpsRequired(ALLOC, get("/", "Accept", "text/plain"), RID, 2,
                HeaderSettings.kongDefaults()));
        assertEquals(426, s.status());
        assertEquals(plain("Please use HTTPS protocol"), s.body());
        assertEquals("Upgrade", s.headers().get("Connection"));
        assertEquals("TLS/1.2, HTTP/1.1", s.headers().get("Upgrade"));
        assertEquals("2", s.headers().get("X-Kong-Response-Latency"));
        assertEquals("kong/3.10.0", s.headers().get("Server"));
        Seen j = seen(ProxyErrors.httpsRequired(ALLOC, get("/"), RID, 2, HeaderSettings.kongDefaults()));
        assertEquals(json("Please use HTTPS protocol"), j.body());
    }

    @ParameterizedTest
    @ValueSource(ints = {301, 302, 307, 308})
    void httpsRedirect(int status) {
        Seen s = seen(ProxyErrors.httpsRedirect(ALLOC, status, "example.test", "/a/b?c=d&e", RID,
                HeaderSettings.kongDefaults()));
        assertEquals(status, s.status());
        assertEquals("https://example.test/a/b?c=d&e", s.headers().get("Location"));
        assertEquals("", s.body());
        assertEquals("0", s.headers().get("Content-Length"));
        assertFalse(s.headers().contains("Content-Type"));
        assertEquals("kong/3.10.0", s.headers().get("Server"));
        assertEquals(RID, s.headers().get("X-Kong-Request-Id"));
        assertEquals("0", s.headers().get("X-Kong-Response-Latency"));
    }

    @Test
    void httpsRedirectRejectsOtherStatuses() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProxyErrors.httpsRedirect(
                ALLOC, 303, "h", "/", RID, HeaderSettings.kongDefaults()));
        assertEquals("https_redirect_status_code: 303 (expected: 301, 302, 307 or 308)", e.getMessage());
    }

    @Test
    void jsonStaysValidForQuotesInMessages() {
        Seen s = seen(ProxyErrors.kongError(ALLOC, HttpResponseStatus.FORBIDDEN, "say \"no\"", get("/"), RID, 0,
                HeaderSettings.kongDefaults()));
        assertEquals(json("say \\\"no\\\""), s.body());
    }

    @Test
    void nullRequestIdPrintsEmptyAndSkipsTheHeader() {
        Seen s = seen(ProxyErrors.kongError(ALLOC, HttpResponseStatus.NOT_FOUND, NO_ROUTE, get("/"), null, 0,
                HeaderSettings.kongDefaults()));
        assertEquals("{\n  \"message\":\"" + NO_ROUTE + "\",\n  \"request_id\":\"\"\n}", s.body());
        assertFalse(s.headers().contains("X-Kong-Request-Id"));
    }
}
