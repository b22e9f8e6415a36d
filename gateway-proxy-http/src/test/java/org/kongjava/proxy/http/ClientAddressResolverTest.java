package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.kongjava.proxy.http.HeaderFixtures.peer;
import static org.kongjava.proxy.http.HeaderFixtures.settings;
import static org.kongjava.proxy.http.HeaderFixtures.trust;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientAddressResolverTest {

    private static HttpHeaders headers(String... pairs) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < pairs.length; i += 2) {
            h.add(pairs[i], pairs[i + 1]);
        }
        return h;
    }

    @Test
    void untrustedPeerIgnoresForwardingHeaders() {
        ClientAddress c = ClientAddressResolver.resolve(peer("127.0.0.1"),
                headers("X-Real-IP", "10.0.0.1", "X-Forwarded-For", "10.0.0.2"), HeaderSettings.kongDefaults());
        assertEquals(new ClientAddress("127.0.0.1", false), c);
    }

    @ParameterizedTest(name = "X-Real-IP: {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1                  | 10.0.0.1",
        "10.0.0.1:8080             | 10.0.0.1",
        "'10.0.0.1 '               | 10.0.0.1",
        "1.1.1.1, 2.2.2.2          | 2.2.2.2",
        "2001:DB8:0:0:0:0:0:1      | 2001:db8::1",
        "[2001:db8::1]:443         | 2001:db8::1",
        "::ffff:10.1.2.3           | ::ffff:10.1.2.3",
        "not-an-ip                 | 127.0.0.1",
        "example.com               | 127.0.0.1",
        "10.0.0.1:0                | 127.0.0.1",
        "[2001:db8::1]             | 127.0.0.1",
        "''                        | 127.0.0.1",
    })
    void trustedPeerTakesXRealIp(String value, String expected) {
        HeaderSettings s = settings(trust("127.0.0.1"), "X-Real-IP", false);
        ClientAddress c = ClientAddressResolver.resolve(peer("127.0.0.1"), headers("X-Real-IP", value), s);
        assertEquals(new ClientAddress(expected, true), c);
    }

    @Test
    void trustedPeerWithoutHeaderIsTheClient() {
        HeaderSettings s = settings(trust("127.0.0.1"), "X-Real-IP", false);
        assertEquals(new ClientAddress("127.0.0.1", true),
                ClientAddressResolver.resolve(peer("127.0.0.1"), headers("X-Forwarded-For", "10.0.0.1"), s));
    }

    @Test
    void firstXRealIpLineCounts() {
        HeaderSettings s = settings(trust("127.0.0.1"), "X-Real-IP", false);
        assertEquals("10.0.0.1", ClientAddressResolver.resolve(peer("127.0.0.1"),
                headers("X-Real-IP", "10.0.0.1", "X-Real-IP", "10.0.0.2"), s).ip());
    }

    @ParameterizedTest(name = "[{index}] trusted {0}, recursive {1}, XFF {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        // Kong's spec (03-upstream_headers_spec.lua), recursive and trusted: the first untrusted from the right.
        "127.0.0.1 172.16.0.1 192.168.0.1 | true  | 127.0.0.1, 10.0.0.1, 192.168.0.1, 127.0.0.1, 172.16.0.1 | 10.0.0.1",
        "127.0.0.1 172.16.0.1 192.168.0.1 | true  | 127.0.0.1:14, 10.0.0.1:15, 192.168.0.1:16, 127.0.0.1:17, 172.16.0.1:18 | 10.0.0.1",
        // Recursive off: the rightmost entry.
        "127.0.0.1 172.16.0.1 192.168.0.1 | false | 127.0.0.1, 10.0.0.1, 192.168.0.1, 127.0.0.1, 172.16.0.1 | 172.16.0.1",
        // All trusted: the leftmost entry.
        "127.0.0.1 172.16.0.1             | true  | 172.16.0.1, 127.0.0.1                                  | 172.16.0.1",
        // An invalid entry stops the scan at the last good address to its right.
        "127.0.0.1 172.16.0.1             | true  | 10.0.0.5, garbage, 172.16.0.1                          | 172.16.0.1",
        // An invalid rightmost entry: the peer.
        "127.0.0.1                        | true  | 10.0.0.5, garbage                                      | 127.0.0.1",
        // Space-separated entries and trailing separators are tolerated, like nginx.
        "127.0.0.1                        | false | '10.0.0.5 10.0.0.6 ,, '                                | 10.0.0.6",
        "127.0.0.1 ::1                    | true  | 2001:db8::7, [::1]:80                                  | 2001:db8::7",
    })
    void xForwardedFor(String trusted, boolean recursive, String xff, String expected) {
        HeaderSettings s = settings(trust(trusted.split(" ")), "X-Forwarded-For", recursive);
        ClientAddress c = ClientAddressResolver.resolve(peer("127.0.0.1"), headers("X-Forwarded-For", xff), s);
        assertEquals(new ClientAddress(expected, true), c);
    }

    @Test
    void kongRecursiveNonTrustedExample() {
        // Kong's spec: the peer 127.0.0.1 is not trusted, so the header is ignored.
        HeaderSettings s = settings(trust("10.0.0.1", "172.16.0.1", "192.168.0.1"), "X-Forwarded-For", true);
        ClientAddress c = ClientAddressResolver.resolve(peer("127.0.0.1"),
                headers("X-Forwarded-For", "10.0.0.1, 127.0.0.2, 10.0.0.1, 192.168.0.1, 172.16.0.1"), s);
        assertEquals(new ClientAddress("127.0.0.1", false), c);
    }

    @Test
    void recursiveScanCrossesHeaderLinesFromTheLast() {
        HttpHeaders h = headers("X-Forwarded-For", "10.0.0.9", "X-Forwarded-For", "172.16.0.1");
        HeaderSettings recursive = settings(trust("127.0.0.1", "172.16.0.1"), "X-Forwarded-For", true);
        assertEquals("10.0.0.9", ClientAddressResolver.resolve(peer("127.0.0.1"), h, recursive).ip());
        HeaderSettings flat = settings(trust("127.0.0.1", "172.16.0.1"), "X-Forwarded-For", false);
        assertEquals("172.16.0.1", ClientAddressResolver.resolve(peer("127.0.0.1"), h, flat).ip());
        // The last line's leftmost address is untrusted: the earlier line is not consulted.
        HttpHeaders h2 = headers("X-Forwarded-For", "10.0.0.9", "X-Forwarded-For", "10.0.0.8, 172.16.0.1");
        assertEquals("10.0.0.8", ClientAddressResolver.resolve(peer("127.0.0.1"), h2, recursive).ip());
    }

    @Test
    void customHeaderUsesItsFirstLine() {
        HeaderSettings s = settings(trust("127.0.0.1"), "CF-Connecting-IP", false);
        assertEquals("10.0.0.3", ClientAddressResolver.resolve(peer("127.0.0.1"),
                headers("cf-connecting-ip", "10.0.0.3", "CF-Connecting-IP", "10.0.0.4"), s).ip());
    }

    @Test
    void proxyProtocolWithoutAProxyHeaderMeansThePeer() {
        HeaderSettings s = settings(trust("127.0.0.1"), "proxy_protocol", false);
        assertEquals(new ClientAddress("127.0.0.1", true), ClientAddressResolver.resolve(peer("127.0.0.1"),
                headers("X-Real-IP", "10.0.0.1", "X-Forwarded-For", "10.0.0.1"), s));
        assertEquals(new ClientAddress("127.0.0.1", true), ClientAddressResolver.resolve(peer("127.0.0.1"), null,
                headers("X-Real-IP", "10.0.0.1"), s), "LOCAL/UNKNOWN header: no source");
    }

    @Test
    void proxyProtocolSourceIsTheClientOnlyFromATrustedPeer() {
        HeaderSettings s = settings(trust("127.0.0.1"), "proxy_protocol", false);
        InetSocketAddress src = new InetSocketAddress("203.0.113.9", 40000);
        assertEquals(new ClientAddress("203.0.113.9", true), ClientAddressResolver.resolve(peer("127.0.0.1"), src,
                headers("X-Real-IP", "10.0.0.1", "X-Forwarded-For", "10.0.0.2"), s), "headers are not consulted");
        assertEquals(new ClientAddress("127.0.0.2", false), ClientAddressResolver.resolve(peer("127.0.0.2"), src,
                headers(), s), "untrusted peer: its PROXY claim is ignored");
        assertEquals(new ClientAddress("2001:db8::7", true), ClientAddressResolver.resolve(peer("127.0.0.1"),
                new InetSocketAddress("2001:db8:0:0:0:0:0:7", 1), headers(), s));
        HeaderSettings xff = settings(trust("127.0.0.1"), "X-Forwarded-For", false);
        assertEquals(new ClientAddress("10.0.0.2", true), ClientAddressResolver.resolve(peer("127.0.0.1"), src,
                headers("X-Forwarded-For", "10.0.0.2"), xff), "other real_ip_header values ignore the PROXY source");
    }

    @Test
    void ipv6PeersArePrintedLikeNginx() {
        assertEquals(new ClientAddress("::1", false),
                ClientAddressResolver.resolve(peer("::1"), headers(), HeaderSettings.kongDefaults()));
        assertEquals(new ClientAddress("2001:db8::5", true), ClientAddressResolver.resolve(peer("2001:db8::5"),
                headers(), settings(a -> true, "X-Real-IP", false)));
    }

    @Test
    void unresolvedLiteralPeerStillWorksAndNamesAreNotResolved() {
        HeaderSettings s = settings(trust("127.0.0.1"), "X-Real-IP", false);
        assertEquals(new ClientAddress("10.0.0.1", true), ClientAddressResolver.resolve(
                InetSocketAddress.createUnresolved("127.0.0.1", 1), headers("X-Real-IP", "10.0.0.1"), s));
        assertEquals(new ClientAddress("localhost", false), ClientAddressResolver.resolve(
                InetSocketAddress.createUnresolved("localhost", 1), headers("X-Real-IP", "10.0.0.1"), s));
    }
}
