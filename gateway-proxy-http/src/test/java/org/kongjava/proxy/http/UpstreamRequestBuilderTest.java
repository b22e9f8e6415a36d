package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.kongjava.proxy.http.HeaderFixtures.HTTP_2;
import static org.kongjava.proxy.http.HeaderFixtures.RID;
import static org.kongjava.proxy.http.HeaderFixtures.get;
import static org.kongjava.proxy.http.HeaderFixtures.match;
import static org.kongjava.proxy.http.HeaderFixtures.peer;
import static org.kongjava.proxy.http.HeaderFixtures.request;
import static org.kongjava.proxy.http.HeaderFixtures.settings;
import static org.kongjava.proxy.http.HeaderFixtures.trust;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kongjava.core.router.RouteMatch;

class UpstreamRequestBuilderTest {
    private static final int LISTEN = 8000;

    /** Builds like the proxy does: realip first, then the upstream head. */
    private static HttpHeaders build(HttpRequest client, RouteMatch m, HeaderSettings s) {
        return buildRequest(client, m, null, s, false).headers();
    }

    private static HttpRequest buildRequest(HttpRequest client, RouteMatch m, String rawQuery, HeaderSettings s,
                                            boolean https) {
        ClientAddress c = ClientAddressResolver.resolve(peer("127.0.0.1"), client.headers(), s);
        ForwardContext ctx = new ForwardContext(peer("127.0.0.1"), c, https, LISTEN, RID, "mock.upstream", 15555,
                "http");
        return UpstreamRequestBuilder.build(client, m, rawQuery, ctx, s);
    }

    private static HttpRequest incomingForwarded() {
        return get("/", "Host", "headers-inspect.test", "X-Real-IP", "10.0.0.1", "X-Forwarded-For", "10.0.0.1",
                "X-Forwarded-Proto", "https", "X-Forwarded-Host", "example.test", "X-Forwarded-Port", "80",
                "X-Forwarded-Path", "/original-path", "X-Forwarded-Prefix", "/replaced");
    }

    @Test
    void defaultsAddForwardingHeaders() {
        HttpHeaders h = build(get("/", "Host", "headers-inspect.test"), match(), HeaderSettings.kongDefaults());
        assertEquals("mock.upstream:15555", h.get("Host"));
        assertEquals("127.0.0.1", h.get("X-Real-IP"));
        assertEquals("127.0.0.1", h.get("X-Forwarded-For"));
        assertEquals("http", h.get("X-Forwarded-Proto"));
        assertEquals("headers-inspect.test", h.get("X-Forwarded-Host"));
        assertEquals("8000", h.get("X-Forwarded-Port"));
        assertEquals("/", h.get("X-Forwarded-Path"));
        assertFalse(h.contains("X-Forwarded-Prefix"));
        assertEquals("1.1 kong/3.10.0", h.get("Via"));
        assertEquals(RID, h.get("X-Kong-Request-Id"));
        assertEquals("keep-alive", h.get("Connection"));
    }

    @Test
    void untrustedPeerReplacesIncomingForwardingHeaders() {
        HttpHeaders h = build(incomingForwarded(), match(false, "/foo", "/"), HeaderSettings.kongDefaults());
        assertEquals("127.0.0.1", h.get("X-Real-IP"));
        assertEquals("10.0.0.1, 127.0.0.1", h.get("X-Forwarded-For"));
        assertEquals("http", h.get("X-Forwarded-Proto"));
        assertEquals("headers-inspect.test", h.get("X-Forwarded-Host"));
        assertEquals("8000", h.get("X-Forwarded-Port"));
        assertEquals("/", h.get("X-Forwarded-Path"));
        assertEquals("/foo", h.get("X-Forwarded-Prefix"));
        assertEquals(1, h.getAll("X-Forwarded-For").size());
    }

    @Test
    void trustedPeerForwardsIncomingForwardingHeaders() {
        HeaderSettings s = settings(trust("127.0.0.1"), "X-Real-IP", false);
        HttpHeaders h = build(incomingForwarded(), match(false, "/foo", "/"), s);
        assertEquals("10.0.0.1", h.get("X-Real-IP"));
        assertEquals("10.0.0.1, 127.0.0.1", h.get("X-Forwarded-For"));
        assertEquals("https", h.get("X-Forwarded-Proto"));
        assertEquals("example.test", h.get("X-Forwarded-Host"));
        assertEquals("80", h.get("X-Forwarded-Port"));
        assertEquals("/original-path", h.get("X-Forwarded-Path"));
        assertEquals("/replaced", h.get("X-Forwarded-Prefix"));
    }

    @Test
    void trustedPeerWithoutForwardingHeadersGetsComputedValues() {
        HeaderSettings s = settings(trust("127.0.0.1"), "X-Real-IP", false);
        HttpHeaders h = buildRequest(get("/a/b?x=1", "Host", "Example.TEST:8443"), match(), null, s, true).headers();
        assertEquals("127.0.0.1", h.get("X-Real-IP"));
        assertEquals("127.0.0.1", h.get("X-Forwarded-For"));
        assertEquals("https", h.get("X-Forwarded-Proto"));
        assertEquals("example.test", h.get("X-Forwarded-Host"));
        assertEquals("8000", h.get("X-Forwarded-Port"));
        assertEquals("/a/b", h.get("X-Forwarded-Path"));
    }

    @Test
    void kongRecursiveExampleRealIpAndForwardedFor() {
        HeaderSettings s = settings(trust("127.0.0.1", "172.16.0.1", "192.168.0.1"), "X-Forwarded-For", true);
        HttpHeaders h = build(get("/", "Host", "headers-inspect.test",
                "X-Forwarded-For", "127.0.0.1, 10.0.0.1, 192.168.0.1, 127.0.0.1, 172.16.0.1",
                "X-Real-IP", "10.0.0.2", "X-Forwarded-Port", "14"), match(), s);
        assertEquals("10.0.0.1", h.get("X-Real-IP"));
        assertEquals("127.0.0.1, 10.0.0.1, 192.168.0.1, 127.0.0.1, 172.16.0.1, 127.0.0.1", h.get("X-Forwarded-For"));
        assertEquals("14", h.get("X-Forwarded-Port"));
    }

    @ParameterizedTest(name = "strip prefix {0}, incoming {1}, trusted {2} -> {3}")
    @CsvSource(nullValues = "null", value = {
        "/foo, null,       false, /foo",
        "/foo, /replaced,  false, /foo",
        "null, null,       false, null",
        "/,    null,       false, null",
        "/,    /replaced,  false, null",
        "/foo, /preserved, true,  /preserved",
        "null, /preserved, true,  /preserved",
    })
    void forwardedPrefix(String stripped, String incoming, boolean trusted, String expected) {
        HeaderSettings s = trusted ? settings(trust("127.0.0.1"), "X-Real-IP", false) : HeaderSettings.kongDefaults();
        HttpRequest client = incoming == null ? get("/foo/status/200") : get("/foo", "X-Forwarded-Prefix", incoming);
        assertEquals(expected, build(client, match(false, stripped, "/status/200"), s).get("X-Forwarded-Prefix"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/, /",
        "/foo/status/200, /foo/status/200",
        "'/a%20b/c?x=1&y', /a%20b/c",
        "/route?, /route",
        "'/?', /",
        "http://example.com/abs/path?q=1, /abs/path",
        "http://example.com, /",
        "http://example.com?q, /",
    })
    void forwardedPathIsTheRawPathWithoutQuery(String uri, String expected) {
        assertEquals(expected, build(get(uri, "Host", "h.test"), match(), HeaderSettings.kongDefaults())
                .get("X-Forwarded-Path"));
    }

    @ParameterizedTest(name = "Host {0} -> X-Forwarded-Host {1}")
    @CsvSource(nullValues = "null", value = {
        "Example.TEST, example.test",
        "example.test:8000, example.test",
        "example.test., example.test",
        "'[::1]:8000', '[::1]'",
        "null, kong",
    })
    void forwardedHostIsNginxHost(String host, String expected) {
        HttpRequest client = host == null ? get("/") : get("/", "Host", host);
        assertEquals(expected, build(client, match(), HeaderSettings.kongDefaults()).get("X-Forwarded-Host"));
    }

    @Test
    void absoluteFormTargetWinsForForwardedHost() {
        HttpRequest client = get("http://Absolute.TEST:81/p", "Host", "header.test");
        assertEquals("absolute.test", build(client, match(), HeaderSettings.kongDefaults()).get("X-Forwarded-Host"));
    }

    @Test
    void portMapsApplyToForwardedPort() {
        HeaderSettings d = HeaderSettings.kongDefaults();
        HeaderSettings s = new HeaderSettings(d.enabledHeaders(), true, "text/plain", d.trustedIps(), "X-Real-IP",
                false, Map.of(LISTEN, 80), false, "3.10.0");
        assertEquals("80", build(get("/", "Host", "h.test"), match(), s).get("X-Forwarded-Port"));
        assertEquals("80", build(get("/", "Host", "h.test", "X-Forwarded-Port", "81"), match(), s)
                .get("X-Forwarded-Port"));
    }

    @ParameterizedTest(name = "{0}:{1} {2} -> {3}")
    @CsvSource({
        "example.com, 80,   http,  example.com",
        "example.com, 443,  https, example.com",
        "example.com, 80,   grpc,  example.com",
        "example.com, 443,  grpcs, example.com",
        "example.com, 443,  http,  example.com:443",
        "example.com, 80,   https, example.com:80",
        "example.com, 8080, http,  example.com:8080",
        "10.0.0.1,    80,   HTTP,  10.0.0.1",
        "::1,         8080, http,  '[::1]:8080'",
        "::1,         80,   http,  '[::1]'",
        "'[::1]',     443,  https, '[::1]'",
    })
    void hostHeader(String host, int port, String scheme, String expected) {
        assertEquals(expected, UpstreamRequestBuilder.hostHeader(host, port, scheme));
    }

    @Test
    void preserveHostSendsTheClientHostVerbatim() {
        HeaderSettings s = HeaderSettings.kongDefaults();
        assertEquals("Preserved.test:8000",
                build(get("/", "Host", "Preserved.test:8000"), match(true, null, "/"), s).get("Host"));
        // No Host from the client: the target is used, as in Kong.
        assertEquals("mock.upstream:15555", build(get("/"), match(true, null, "/"), s).get("Host"));
        assertEquals("mock.upstream:15555", build(get("/", "Host", "client.test"), match(), s).get("Host"));
    }

    @Test
    void hopByHopRequestHeadersAreRemoved() {
        // Kong's spec "hop-by-hop headers are removed from request".
        HttpRequest client = get("/", "Connection", "X-Foo, X-Bar", "Host", "headers-inspect.test",
                "Keep-Alive", "timeout=5, max=1000", "Proxy", "Remove-Me", "Proxy-Connection", "close",
                "Proxy-Authenticate", "Basic", "Proxy-Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
                "TE", "trailers, deflate;q=0.5", "Upgrade", "example/1, foo/2", "X-Foo", "Remove-Me",
                "X-Bar", "Remove-Me", "X-Foo-Bar", "Keep-Me", "Close", "Keep-Me", "Expect", "100-continue",
                "Transfer-Encoding", "chunked");
        HttpHeaders h = build(client, match(), HeaderSettings.kongDefaults());
        for (String gone : List.of("Keep-Alive", "Proxy", "Proxy-Connection", "Upgrade", "X-Foo", "X-Bar", "Expect",
                "Transfer-Encoding")) {
            assertFalse(h.contains(gone), gone);
        }
        assertEquals("Basic", h.get("Proxy-Authenticate"));
        assertEquals("Basic YWxhZGRpbjpvcGVuc2VzYW1l", h.get("Proxy-Authorization"));
        assertEquals("trailers", h.get("TE"));
        assertEquals("Keep-Me", h.get("X-Foo-Bar"));
        assertEquals("Keep-Me", h.get("Close"));
        assertEquals("keep-alive", h.get("Connection"));
    }

    @ParameterizedTest(name = "Connection: {0}")
    @CsvSource(delimiter = '|', value = {"close", "keep-alive", "upgrade", "Close", "close, keep-alive"})
    void connectionTokensThatNameNoHeader(String connection) {
        HttpHeaders h = build(get("/", "Connection", connection, "Close", "x", "Keep-Alive", "5"), match(),
                HeaderSettings.kongDefaults());
        assertEquals("x", h.get("Close"));
        assertEquals("keep-alive", h.get("Connection"));
    }

    @Test
    void connectionCannotRemoveKongsOwnHeaders() {
        HttpHeaders h = build(get("/", "Connection", "Host, X-Real-IP, Content-Length", "Host", "a.test",
                "Content-Length", "3"), match(), HeaderSettings.kongDefaults());
        assertEquals("mock.upstream:15555", h.get("Host"));
        assertEquals("127.0.0.1", h.get("X-Real-IP"));
        assertEquals("3", h.get("Content-Length"), "Connection cannot remove the body's framing");
    }

    @ParameterizedTest(name = "TE: {0} -> {1}")
    @CsvSource(nullValues = "null", value = {"trailers, trailers", "'gzip, Trailers', trailers", "gzip, null",
        "'trailers;q=1', null"})
    void teOnlyKeepsTrailers(String te, String expected) {
        assertEquals(expected, build(get("/", "TE", te), match(), HeaderSettings.kongDefaults()).get("TE"));
    }

    @Test
    void webSocketUpgradeIsForwarded() {
        HttpHeaders h = build(get("/", "Connection", "keep-alive, Upgrade", "Upgrade", "WebSocket",
                "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), match(), HeaderSettings.kongDefaults());
        assertEquals("keep-alive, Upgrade", h.get("Connection"));
        assertEquals("websocket", h.get("Upgrade"));
        assertEquals("dGhlIHNhbXBsZSBub25jZQ==", h.get("Sec-WebSocket-Key"));
    }

    @ParameterizedTest(name = "{0}, Via {1} -> {2}")
    @CsvSource(nullValues = "null", delimiter = '|', value = {
        "HTTP/1.1 | null            | 1.1 kong/3.10.0",
        "HTTP/1.0 | null            | 1 kong/3.10.0",
        "HTTP/2.0 | null            | 2 kong/3.10.0",
        "HTTP/1.1 | 1.0 fred, 1.1 p | 1.0 fred, 1.1 p, 1.1 kong/3.10.0",
    })
    void via(String version, String incoming, String expected) {
        HttpRequest client = incoming == null
                ? request(HttpVersion.valueOf(version), HttpMethod.GET, "/")
                : request(HttpVersion.valueOf(version), HttpMethod.GET, "/", "Via", incoming);
        assertEquals(expected, build(client, match(), HeaderSettings.kongDefaults()).get("Via"));
    }

    @Test
    void requestIdOverwritesOrPassesThrough() {
        HttpRequest client = get("/", "X-Kong-Request-Id", "client-value");
        assertEquals(List.of(RID), build(client, match(), HeaderSettings.kongDefaults()).getAll("X-Kong-Request-Id"));
        HeaderSettings d = HeaderSettings.kongDefaults();
        HeaderSettings off = new HeaderSettings(d.enabledHeaders(), false, "text/plain", d.trustedIps(), "X-Real-IP",
                false, Map.of(), false, "3.10.0");
        assertEquals(List.of("client-value"), build(client, match(), off).getAll("X-Kong-Request-Id"));
    }

    @Test
    void requestLineAndOtherHeaders() {
        HttpRequest client = request(HttpVersion.HTTP_1_0, HttpMethod.PATCH, "/route/x?a=1", "Host", "h.test",
                "X_Under_Score", "1", "Accept", "a/b", "Accept", "c/d", "Content-Length", "42");
        HttpRequest out = buildRequest(client, match(false, "/route", "/svc/x"), "a=1", HeaderSettings.kongDefaults(),
                false);
        assertEquals(HttpVersion.HTTP_1_1, out.protocolVersion());
        assertEquals(HttpMethod.PATCH, out.method());
        assertEquals("/svc/x?a=1", out.uri());
        assertEquals("1", out.headers().get("X_Under_Score"));
        assertEquals(List.of("a/b", "c/d"), out.headers().getAll("Accept"));
        assertEquals("42", out.headers().get("Content-Length"));
        assertEquals("mock.upstream:15555", out.headers().get("Host"));
        assertEquals(1, out.headers().getAll("Host").size());
    }

    @ParameterizedTest(name = "query {0} -> {1}")
    @CsvSource(nullValues = "null", value = {"null, /svc", "'', /svc?", "'a=1&b', /svc?a=1&b"})
    void queryIsAppendedRaw(String rawQuery, String expected) {
        assertEquals(expected, buildRequest(get("/x"), match(false, null, "/svc"), rawQuery,
                HeaderSettings.kongDefaults(), false).uri());
    }

    @Test
    void http2ConversionHeadersAreNotForwarded() {
        HttpRequest h2 = request(HTTP_2, HttpMethod.GET, "/", "x-http2-scheme", "https", "x-http2-stream-id", "3",
                "Host", "h.test");
        HttpHeaders out = build(h2, match(), HeaderSettings.kongDefaults());
        assertFalse(out.contains("x-http2-scheme"));
        assertFalse(out.contains("x-http2-stream-id"));
        HttpHeaders h1 = build(get("/", "x-http2-scheme", "https"), match(), HeaderSettings.kongDefaults());
        assertEquals("https", h1.get("x-http2-scheme"));
    }

    @Test
    void emptyIncomingValuesAreNotSent() {
        // nginx's proxy_set_header omits empty values: a trusted empty X-Forwarded-Proto is dropped.
        HeaderSettings s = settings(trust("127.0.0.1"), "X-Real-IP", false);
        assertFalse(build(get("/", "X-Forwarded-Proto", ""), match(), s).contains("X-Forwarded-Proto"));
    }
}
