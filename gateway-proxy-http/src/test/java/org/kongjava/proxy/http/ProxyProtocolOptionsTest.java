package org.kongjava.proxy.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kongjava.core.proxyprotocol.ProxyHeader;
import org.kongjava.core.proxyprotocol.ProxyTlvs;

class ProxyProtocolOptionsTest {
    private static final ProxyHeader WITH_VPCE = new ProxyHeader(2, ProxyHeader.Command.PROXY,
            new InetSocketAddress("10.0.0.7", 1234), new InetSocketAddress("10.0.1.1", 80),
            new ProxyTlvs(List.of(new ProxyTlvs.Tlv(ProxyTlvs.AWS, "\u0001vpce-0abc".getBytes(US_ASCII)))));
    private static final ProxyProtocolOptions OPTS = new ProxyProtocolOptions(
            Map.of("aws_vpce_id", "X-Amzn-Vpce-Id", "authority", "X-Lb-Sni"), Map.of("legacy", 1));

    private static HttpHeaders clientSent() {
        HttpHeaders h = new DefaultHttpHeaders();
        h.add("x-amzn-vpce-id", "vpce-forged");
        h.add("X-Lb-Sni", "forged.test");
        h.add("X-Other", "kept");
        return h;
    }

    @Test
    void trustedPeerTlvReplacesClientValueAndMissingTlvRemovesIt() {
        HttpHeaders h = clientSent();
        OPTS.applyTlvHeaders(h, WITH_VPCE, true);
        assertEquals(List.of("vpce-0abc"), h.getAll("X-Amzn-Vpce-Id"));
        assertNull(h.get("X-Lb-Sni"), "no authority TLV on this connection: the client's value is dropped");
        assertEquals("kept", h.get("X-Other"));
    }

    @Test
    void untrustedPeerOrNoHeaderForwardsNothing() {
        for (boolean trusted : new boolean[] {false, true}) {
            HttpHeaders h = clientSent();
            OPTS.applyTlvHeaders(h, trusted ? null : WITH_VPCE, trusted);
            assertNull(h.get("X-Amzn-Vpce-Id"));
            assertNull(h.get("X-Lb-Sni"));
        }
    }

    @Test
    void upstreamVersionsAndValidation() {
        assertEquals(1, OPTS.upstreamVersion("legacy"));
        assertEquals(0, OPTS.upstreamVersion("other"));
        assertEquals(0, OPTS.upstreamVersion(null), "an unnamed service");
        assertEquals(0, ProxyProtocolOptions.none().upstreamVersion("legacy"));
        assertThrows(IllegalArgumentException.class, () -> new ProxyProtocolOptions(Map.of("alpn", "Bad Name"), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new ProxyProtocolOptions(Map.of(), Map.of("s", 3)));
    }
}
