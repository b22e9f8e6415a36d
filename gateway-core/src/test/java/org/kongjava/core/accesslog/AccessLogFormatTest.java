package org.kongjava.core.accesslog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.kongjava.core.proxyprotocol.ProxyTlvs;

class AccessLogFormatTest {
    private static final long T = 1_764_627_415_123L;
    private static final String TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneId.systemDefault()).format(Instant.ofEpochMilli(T));

    @Test
    void kongFormatLine() {
        String line = AccessLogFormat.http("10.0.0.7", null, T, "GET", "/a?b=1", "HTTP/1.1", 200, 1234,
                null, "curl/8.5.0", "abc123", null).toString();
        assertEquals("10.0.0.7 - - [" + TIME + "] \"GET /a?b=1 HTTP/1.1\" 200 1234 \"-\" \"curl/8.5.0\""
                + " kong_request_id: \"abc123\"", line);
    }

    @Test
    void combinedFormatHasNoRequestIdAndShowsBasicUser() {
        String auth = "Basic " + Base64.getEncoder().encodeToString("alice:secret".getBytes(StandardCharsets.UTF_8));
        String line = AccessLogFormat.http("::1", auth, T, "POST", "/services", "HTTP/2.0", 201, 0,
                "http://x/", "", null, null).toString();
        assertEquals("::1 - alice [" + TIME + "] \"POST /services HTTP/2.0\" 201 0 \"http://x/\" \"-\"", line);
    }

    @Test
    void quotesBackslashesControlAndHighBytesAreHexEscaped() {
        String line = AccessLogFormat.http("1.2.3.4", null, T, "GET", "/\"x\\y\u0001", "HTTP/1.1", 400, 0,
                null, "a\"b\tc\u00e9\u20ac", "id", null).toString();
        assertTrue(line.contains("\"GET /\\x22x\\x5Cy\\x01 HTTP/1.1\""), line);
        // é arrives as one ISO-8859-1 byte; € (not a Latin-1 char) as its UTF-8 bytes
        assertTrue(line.contains("\"a\\x22b\\x09c\\xE9\\xE2\\x82\\xAC\""), line);
        assertEquals(-1, line.indexOf('\t'));
    }

    @Test
    void noRequestLineShowsDash() {
        String line = AccessLogFormat.http("1.2.3.4", null, T, null, null, null, 400, 150, null, null, "id", null)
                .toString();
        assertTrue(line.contains("] \"-\" 400 150 "), line);
    }

    @Test
    void proxyTlvsAppendedOnlyWhenNamedOnesArePresent() {
        byte[] vpce = "\u0001vpce-0abc".getBytes(StandardCharsets.ISO_8859_1);
        ProxyTlvs tlvs = new ProxyTlvs(List.of(new ProxyTlvs.Tlv(ProxyTlvs.AWS, vpce),
                new ProxyTlvs.Tlv(ProxyTlvs.AUTHORITY, "api.example.com".getBytes(StandardCharsets.US_ASCII))));
        String line = AccessLogFormat.http("1.2.3.4", null, T, "GET", "/", "HTTP/1.1", 200, 5, null, null, "id", tlvs)
                .toString();
        assertTrue(line.endsWith(" kong_request_id: \"id\" proxy_tlvs: \"authority=api.example.com,aws_vpce_id=vpce-0abc\""),
                line);
        ProxyTlvs unknownOnly = new ProxyTlvs(List.of(new ProxyTlvs.Tlv(0xE5, new byte[] {1, 2})));
        assertTrue(AccessLogFormat.http("1.2.3.4", null, T, "GET", "/", "HTTP/1.1", 200, 5, null, null, "id",
                unknownOnly).toString().endsWith("kong_request_id: \"id\""));
        assertTrue(AccessLogFormat.http("1.2.3.4", null, T, "GET", "/", "HTTP/1.1", 200, 5, null, null, "id",
                ProxyTlvs.NONE).toString().endsWith("kong_request_id: \"id\""));
    }

    @Test
    void streamBasicFormat() {
        assertEquals("10.1.1.1 [" + TIME + "] TCP 200 12 34 1.005",
                AccessLogFormat.stream("10.1.1.1", T, "TCP", 200, 12, 34, 1005, null).toString());
        assertTrue(AccessLogFormat.stream("10.1.1.1", T, "TCP", 502, 0, 0, 42, null).toString()
                .endsWith("TCP 502 0 0 0.042"));
    }

    @Test
    void remoteUserOnlyFromBasic() {
        assertNull(AccessLogFormat.remoteUser("Bearer abc"));
        assertNull(AccessLogFormat.remoteUser("Basic !!!"));
        assertEquals("bob", AccessLogFormat.remoteUser("basic " + Base64.getEncoder().encodeToString("bob:x".getBytes())));
    }

    @Test
    void addressesPrintedAsNginxDoes() throws Exception {
        assertEquals("::1", AccessLogFormat.address(InetAddress.getByName("::1")));
        assertEquals("2001:db8::1:0:0:1", AccessLogFormat.address(InetAddress.getByName("2001:db8:0:0:1:0:0:1")));
        assertEquals("2001:db8:0:1:1:1:1:1", AccessLogFormat.address(InetAddress.getByName("2001:db8:0:1:1:1:1:1")));
        assertEquals("::", AccessLogFormat.address(InetAddress.getByName("::")));
        assertEquals("fe80::", AccessLogFormat.address(InetAddress.getByName("fe80::")));
        assertEquals("127.0.0.1", AccessLogFormat.address(InetAddress.getByName("127.0.0.1")));
    }

    @Test
    void specParsing() {
        Path prefix = Path.of("/srv/kong");
        assertTrue(AccessLogSpec.parse("proxy_access_log", "off", prefix).off());
        assertEquals(new AccessLogSpec(Path.of("/srv/kong/logs/access.log"), null),
                AccessLogSpec.parse("proxy_access_log", "logs/access.log", prefix));
        assertEquals(new AccessLogSpec(Path.of("/var/log/a.log"), "basic"),
                AccessLogSpec.parse("proxy_stream_access_log", " /var/log/a.log  basic ", prefix, "basic"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AccessLogSpec.parse("proxy_stream_access_log", "logs/a.log fancy", prefix, "basic"));
        assertTrue(e.getMessage().startsWith("proxy_stream_access_log: unknown log format 'fancy'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> AccessLogSpec.parse("proxy_access_log", "logs/a.log combined", prefix));
        assertTrue(e.getMessage().startsWith("proxy_access_log:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AccessLogSpec.parse("admin_access_log", " ", prefix));
    }
}
