package org.kongjava.config.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ListenParserTest {

    private static List<String> flags(String key) {
        return KongSchema.get(key).allowed();
    }

    private static List<ListenSpec> ok(String key, String value) {
        ListenParser.Result r = ListenParser.parse(key, value, flags(key));
        assertEquals(List.of(), r.problems(), value);
        return r.specs();
    }

    private static String oneProblem(String key, String value) {
        ListenParser.Result r = ListenParser.parse(key, value, flags(key));
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertEquals(List.of(), r.specs());
        String p = r.problems().get(0);
        assertFalse(p.contains("\n"), p);
        return p;
    }

    @Test
    void kongDefaults() {
        List<ListenSpec> proxy = ok("proxy_listen",
                "0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384");
        assertEquals(2, proxy.size());
        ListenSpec plain = proxy.get(0);
        assertEquals("proxy_listen", plain.key());
        assertEquals("0.0.0.0", plain.host());
        assertEquals(8000, plain.port());
        assertTrue(plain.reuseport());
        assertEquals(16384, plain.backlog());
        assertFalse(plain.ssl());
        assertFalse(plain.http2());
        ListenSpec tls = proxy.get(1);
        assertEquals(8443, tls.port());
        assertTrue(tls.ssl());
        assertTrue(tls.http2());
        assertTrue(tls.reuseport());
        assertFalse(tls.proxyProtocol());
        assertNull(tls.ipv6only());
        assertNull(tls.soKeepalive());
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", " off ", "off, 0.0.0.0:9000", "off,127.0.0.1:1"})
    void offAsFirstEntryDisables(String value) {
        assertEquals(List.of(), ok("proxy_listen", value));
        assertEquals(List.of(), ok("stream_listen", value));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "[::]:8000 | :: | 8000",
            "[::1]:8001 | ::1 | 8001",
            "[2001:db8::1]:65535 | 2001:db8::1 | 65535",
            "127.0.0.1:0 | 127.0.0.1 | 0",
            "localhost:8000 | localhost | 8000",
            "ssl.myname.test:8000 | ssl.myname.test | 8000",
            "ssl_myname.test:8000 | ssl_myname.test | 8000",
            "offshore.test:9000 | offshore.test | 9000",
            "*:8000 | 0.0.0.0 | 8000"
    })
    void addresses(String value, String host, int port) {
        List<ListenSpec> specs = ok("proxy_listen", value);
        assertEquals(1, specs.size());
        assertEquals(host, specs.get(0).host());
        assertEquals(port, specs.get(0).port());
        assertFalse(specs.get(0).ssl(), "a host containing 'ssl' is not the ssl flag");
    }

    @Test
    void severalEntriesKeepOrderAndFlagsPerEntry() {
        List<ListenSpec> specs = ok("proxy_listen", " 0.0.0.0:8000 , [::]:8000 ipv6only=on,127.0.0.1:8443 ssl ,");
        assertEquals(List.of("0.0.0.0:8000", "[::]:8000", "127.0.0.1:8443"),
                specs.stream().map(ListenSpec::address).toList());
        assertEquals(Boolean.TRUE, specs.get(1).ipv6only());
        assertFalse(specs.get(0).ssl());
        assertTrue(specs.get(2).ssl());
    }

    @Test
    void everyHttpFlagInAnyOrder() {
        ListenSpec s = ok("proxy_listen", "transparent so_keepalive=30m::10 0.0.0.0:8000 ssl http2 proxy_protocol"
                + " deferred bind reuseport backlog=511 ipv6only=off").get(0);
        assertTrue(s.ssl());
        assertTrue(s.http2());
        assertTrue(s.proxyProtocol());
        assertTrue(s.deferred());
        assertTrue(s.bind());
        assertTrue(s.reuseport());
        assertTrue(s.transparent());
        assertEquals(511, s.backlog());
        assertEquals(Boolean.FALSE, s.ipv6only());
        assertEquals("30m::10", s.soKeepalive());
        assertFalse(s.udp());
    }

    @ParameterizedTest
    @CsvSource({"so_keepalive=on, on", "so_keepalive=off, off", "so_keepalive=1h:30s:5, 1h:30s:5",
            "so_keepalive=::, ::"})
    void soKeepalive(String flag, String expected) {
        assertEquals(expected, ok("admin_listen", "127.0.0.1:8001 " + flag).get(0).soKeepalive());
    }

    @Test
    void everyStreamFlag() {
        ListenSpec s = ok("stream_listen", "0.0.0.0:5555 udp ssl proxy_protocol bind reuseport backlog=10"
                + " ipv6only=on so_keepalive=on transparent").get(0);
        assertTrue(s.udp());
        assertTrue(s.ssl());
        assertTrue(s.proxyProtocol());
        assertTrue(s.bind());
        assertTrue(s.reuseport());
        assertTrue(s.transparent());
        assertEquals(10, s.backlog());
        assertEquals(Boolean.TRUE, s.ipv6only());
        assertEquals("on", s.soKeepalive());
    }

    @ParameterizedTest
    @CsvSource({
            "stream_listen, http2",
            "stream_listen, deferred",
            "proxy_listen, udp",
            "admin_listen, udp",
            "admin_listen, transparent",
            "status_listen, transparent"
    })
    void flagOfTheOtherKindIsRejectedNamingKey(String key, String flag) {
        String p = oneProblem(key, "127.0.0.1:9000 " + flag);
        assertTrue(p.startsWith(key + " must be of form: [off] | <ip>:<port> ["), p);
        assertTrue(p.contains("unknown flag '" + flag + "'"), p);
        assertTrue(p.contains("'" + flag + "' is not accepted on " + key), p);
        assertTrue(p.contains("got '127.0.0.1:9000 " + flag + "'"), p);
    }

    @Test
    void usageLinesMatchKongForHttpAndStream() {
        assertEquals("admin_listen must be of form: [off] | <ip>:<port> [ssl] [http2] [proxy_protocol] [deferred]"
                + " [bind] [reuseport] [backlog=%d+] [ipv6only=on] [ipv6only=off] [so_keepalive=on]"
                + " [so_keepalive=off] [so_keepalive=%w*:%w*:%d*], [... next entry ...]",
                ListenParser.usage("admin_listen", flags("admin_listen")));
        assertEquals("stream_listen must be of form: [off] | <ip>:<port> [udp] [ssl] [proxy_protocol] [bind]"
                + " [reuseport] [backlog=%d+] [ipv6only=on] [ipv6only=off] [so_keepalive=on] [so_keepalive=off]"
                + " [so_keepalive=%w*:%w*:%d*] [transparent], [... next entry ...]",
                ListenParser.usage("stream_listen", flags("stream_listen")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0.0.0.0:8000 foo | unknown flag 'foo'",
            "0.0.0.0:8000 SSL | unknown flag 'SSL'",
            "0.0.0.0:8000 backlog=abc | unknown flag 'backlog=abc'",
            "0.0.0.0:8000 ipv6only=yes | unknown flag 'ipv6only=yes'",
            "0.0.0.0:8000 so_keepalive=1:2:x | unknown flag 'so_keepalive=1:2:x'",
            "127.0.0.1 | missing port",
            "127.0.0.1 ssl | missing port",
            "ssl | missing <ip>:<port>",
            "[::1] | missing port"
    })
    void malformedEntries(String value, String detail) {
        String p = oneProblem("proxy_listen", value);
        assertTrue(p.startsWith("proxy_listen must be of form: "), p);
        assertTrue(p.endsWith("(" + detail + ")") || p.contains("(" + detail + ";"), p);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0.0.0.0:99999 | proxy_listen: invalid port '99999' in '0.0.0.0:99999' (expected 0-65535)",
            "0.0.0.0:65536 ssl | proxy_listen: invalid port '65536' in '0.0.0.0:65536 ssl' (expected 0-65535)",
            "0.0.0.0:http | proxy_listen: invalid port 'http' in '0.0.0.0:http' (expected 0-65535)",
            "0.0.0.0: | proxy_listen: invalid port '' in '0.0.0.0:' (expected 0-65535)",
            "300.1.1.1:80 | proxy_listen: invalid IPv4 address '300.1.1.1' in '300.1.1.1:80' (expected four numbers 0-255, e.g. 127.0.0.1)",
            "::1:8000 | proxy_listen: IPv6 address without brackets in '::1:8000' (expected [<IPv6>]:<port>, e.g. [::1]:8000)",
            "[::g]:8000 | proxy_listen: invalid IPv6 address '::g' in '[::g]:8000' (expected an IPv6 address in brackets, e.g. [::]:8000)",
            "[1.2.3.4]:8000 | proxy_listen: invalid IPv6 address '1.2.3.4' in '[1.2.3.4]:8000' (expected an IPv6 address in brackets, e.g. [::]:8000)",
            "ex!ample:80 | proxy_listen: invalid host 'ex!ample' in 'ex!ample:80' (expected an IPv4 address, an IPv6 address in brackets, or a hostname)",
            "0.0.0.0:80 backlog=0 | proxy_listen: invalid backlog 'backlog=0' in '0.0.0.0:80 backlog=0' (expected backlog=<number> from 1 to 2147483647)"
    })
    void badAddressNamesKeyValueAndForm(String value, String expected) {
        assertEquals(expected, oneProblem("proxy_listen", value));
    }

    @Test
    void everyBadEntryIsReported() {
        ListenParser.Result r = ListenParser.parse("admin_listen", "0.0.0.0:1 foo, 0.0.0.0:70000, 127.0.0.1:8001",
                flags("admin_listen"));
        assertEquals(2, r.problems().size(), r.problems().toString());
        assertEquals(List.of(), r.specs());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", ",", " , "})
    void emptyValueIsAnError(String value) {
        String p = oneProblem("proxy_listen", value);
        assertTrue(p.startsWith("proxy_listen must be of form: "), p);
    }

    @Test
    void offLaterInTheListIsNotAnAddress() {
        String p = oneProblem("proxy_listen", "0.0.0.0:8000, off");
        assertTrue(p.contains("got 'off'"), p);
    }
}
