package org.kongjava.core.proxyprotocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.net.CidrSet;
import org.kongjava.core.listener.ConnectionInfo;
import org.kongjava.core.proxyprotocol.ProxyHeader.Command;

class ClientAddressPolicyTest {
    private static final ListenSpec PP = new ListenSpec("proxy_listen", "0.0.0.0", 8000, false, false, true,
            false, false, false, false, -1, null, null, false);
    private static final ListenSpec PLAIN = ListenSpec.plain("proxy_listen", "0.0.0.0", 8001);
    private static final ListenSpec ADMIN_PP = new ListenSpec("admin_listen", "127.0.0.1", 8444, true, false, true,
            false, false, false, false, -1, null, null, false);
    private static final InetSocketAddress LB = new InetSocketAddress("10.0.0.9", 40000);
    private static final InetSocketAddress STRANGER = new InetSocketAddress("198.51.100.9", 40000);
    private static final ProxyHeader HEADER = new ProxyHeader(2, Command.PROXY, new InetSocketAddress("203.0.113.7", 5000),
            new InetSocketAddress("10.0.1.1", 443), ProxyTlvs.NONE);

    private static ClientAddressPolicy policy(String trusted, String header, boolean recursive) {
        return new ClientAddressPolicy(trusted.isEmpty() ? CidrSet.EMPTY : CidrSet.parse(trusted), header, recursive,
                ProxyProtocolSettings.strict());
    }

    private static ConnectionInfo conn(InetSocketAddress peer, ListenSpec spec, ProxyHeader h) {
        return new ConnectionInfo(peer, new InetSocketAddress("10.0.1.1", 8000), spec).withProxied(h);
    }

    @Test
    void proxySourceOnlyFromTrustedPeersWithProxyProtocolRealIpHeader() throws Exception {
        ClientAddressPolicy p = policy("10.0.0.0/8", "proxy_protocol", false);
        assertEquals(InetAddress.getByName("203.0.113.7"), p.proxyProtocolClient(conn(LB, PP, HEADER)));
        assertNull(p.proxyProtocolClient(conn(STRANGER, PP, HEADER)), "untrusted peer: its claim is ignored");
        assertNull(p.proxyProtocolClient(conn(LB, PP, null)), "no header");
        assertNull(p.proxyProtocolClient(conn(LB, PP, new ProxyHeader(2, Command.LOCAL, null, null, ProxyTlvs.NONE))),
                "LOCAL: no address");
        assertNull(p.proxyProtocolClient(conn(LB, ADMIN_PP, HEADER)), "realip is for proxy_listen only");
        assertNull(policy("10.0.0.0/8", "X-Forwarded-For", false).proxyProtocolClient(conn(LB, PP, HEADER)),
                "another real_ip_header: not decided by the PROXY header");
        assertNull(policy("", "proxy_protocol", false).proxyProtocolClient(conn(LB, PP, HEADER)), "nobody trusted");
    }

    @Test
    void warnsAboutProxyProtocolWithoutAFlaggedProxyListener() {
        List<String> w = policy("10.0.0.0/8", "proxy_protocol", false).warnings(List.of(PLAIN, ADMIN_PP));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("no proxy_listen entry has the proxy_protocol flag"), w.get(0));
    }

    @Test
    void warnsAboutEmptyTrustedIps() {
        List<String> w = policy("", "proxy_protocol", false).warnings(List.of(PP));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("trusted_ips is empty"), w.get(0));
    }

    @Test
    void warnsWhenTheFlagIsSetButTheHeaderIsNotUsed() {
        List<String> w = policy("10.0.0.0/8", "X-Real-IP", false).warnings(List.of(PP));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("set real_ip_header = proxy_protocol"), w.get(0));
    }

    @Test
    void warnsAboutTrustingEveryoneWithAHeader() {
        List<String> w = policy("0.0.0.0/0,::/0", "X-Forwarded-For", true).warnings(List.of(PLAIN));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("trusts every peer"), w.get(0));
    }

    @Test
    void warnsAboutLeniencyWithoutAnyProxyProtocolListener() {
        ClientAddressPolicy p = new ClientAddressPolicy(CidrSet.parse("10.0.0.0/8"), "X-Real-IP", false,
                ProxyProtocolSettings.strict().withHeaderOptionalFrom(CidrSet.parse("10.0.0.0/8")));
        List<String> w = p.warnings(List.of(PLAIN));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.get(0).contains("has no effect"), w.get(0));
    }

    @Test
    void aConsistentSetupHasNoWarnings() {
        assertEquals(List.of(), policy("10.0.0.0/8", "proxy_protocol", false).warnings(List.of(PP, ADMIN_PP)));
        assertEquals(List.of(), policy("", "X-Real-IP", false).warnings(List.of(PLAIN)));
        assertEquals(List.of(), policy("10.0.0.0/8", "X-Forwarded-For", true).warnings(List.of(PLAIN)));
    }

    @Test
    void describesEachListener() {
        ClientAddressPolicy p = policy("10.0.0.0/8", "proxy_protocol", false);
        Map<String, Object> d = p.describe(PP);
        assertEquals("proxy_listen 0.0.0.0:8000", d.get("listener"));
        assertEquals("required", d.get("proxy_protocol"));
        assertEquals(5000L, d.get("proxy_protocol_timeout_ms"));
        assertEquals(List.of("10.0.0.0/8"), d.get("trusted_ips"));
        assertEquals("proxy_protocol", d.get("real_ip_header"));
        assertTrue(((String) d.get("client_address")).startsWith("the PROXY header's source"), d.toString());
        Map<String, Object> admin = p.describe(ADMIN_PP);
        assertNull(admin.get("real_ip_header"));
        assertTrue(((String) admin.get("client_address")).contains("proxy_listen only"), admin.toString());
        assertTrue(((String) policy("10.0.0.0/8", "X-Forwarded-For", true).describe(PLAIN).get("client_address"))
                .contains("first untrusted address from the right of X-Forwarded-For"));
        assertTrue(p.summaryLine(PP).startsWith("proxy_listen 0.0.0.0:8000 proxy_protocol=required: client address = "));
    }
}
