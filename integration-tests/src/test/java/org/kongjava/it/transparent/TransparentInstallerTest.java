package org.kongjava.it.transparent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.KongJava;

/**
 * {@code kong-java transparent-proxy install|uninstall} against real iptables, in a network namespace this test
 * creates (the host's rules are never touched), and the {@code transparent} flag without the privilege it needs.
 */
class TransparentInstallerTest {
    /**
     * Drops CAP_NET_ADMIN and CAP_NET_RAW (the kernel accepts either for IP_TRANSPARENT) while staying uid 0: what
     * a gateway or installer without the privilege sees.
     */
    private static final String[] WITHOUT_NET_ADMIN = {"setpriv", "--bounding-set=-net_admin,-net_raw",
        "--inh-caps=-net_admin,-net_raw"};

    private Netns ns;

    @BeforeEach
    void namespace() {
        Netns.requireRoot();
        ns = Netns.create("i");
        // Rules that are not the gateway's, in every table it writes to: they must survive everything below.
        ns.must("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "--dport", "9999", "-j", "ACCEPT");
        ns.must("iptables", "-t", "nat", "-N", "OTHER_CHAIN");
        ns.must("iptables", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "8888", "-j", "OTHER_CHAIN");
        ns.must("iptables", "-t", "mangle", "-A", "PREROUTING", "-p", "udp", "-j", "MARK", "--set-mark", "7");
        ns.must("ip6tables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "--dport", "9999", "-j", "ACCEPT");
        ns.must("ip6tables", "-t", "mangle", "-A", "PREROUTING", "-p", "udp", "-j", "MARK", "--set-mark", "7");
    }

    @AfterEach
    void cleanup() {
        if (ns != null) {
            ns.close();
        }
    }

    /** Every table of both families and the policy routing state, without iptables-save's timestamps. */
    private String state() {
        return clean(ns.must("iptables-save").stdout()) + clean(ns.must("ip6tables-save").stdout())
                + ns.must("ip", "-4", "rule").stdout() + ns.must("ip", "-6", "rule").stdout();
    }

    private static String clean(String save) {
        return Arrays.stream(save.split("\n")).filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n")) + "\n";
    }

    private Netns.Result cli(String... args) {
        return cli(List.of(), args);
    }

    private Netns.Result cli(List<String> extraPrefix, String... args) {
        List<String> prefix = new ArrayList<>(ns.prefix());
        prefix.addAll(extraPrefix);
        List<String> full = new ArrayList<>(List.of("transparent-proxy"));
        full.addAll(List.of(args));
        return TransparentProxyTest.runBuilder(KongJava.processBuilder(Map.of(), prefix, full));
    }

    @Test
    void installWritesCommentedRulesOnceAndUninstallRestoresTheRulesExactly() {
        String before = state();
        Netns.Result r = cli("install", "--gateway-user", "root", "--exclude-inbound-ports", "22,2222",
                "--exclude-outbound-ports", "5432", "--ipv6");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("do not survive a reboot"), r.stdout());
        String v4 = clean(ns.must("iptables-save").stdout());
        for (String line : List.of(
                "-A PREROUTING -p tcp -m comment --comment kong-java -j KONGJAVA_INBOUND",
                "-A OUTPUT -p tcp -m comment --comment kong-java -j KONGJAVA_OUTBOUND",
                "-A KONGJAVA_INBOUND -p tcp -m tcp --dport 22 -m comment --comment kong-java -j RETURN",
                "-A KONGJAVA_INBOUND -p tcp -m tcp --dport 2222 -m comment --comment kong-java -j RETURN",
                "-A KONGJAVA_INBOUND_REDIRECT -p tcp -m comment --comment kong-java -j REDIRECT --to-ports 15006",
                "-A KONGJAVA_OUTBOUND -m owner --uid-owner 0 -m comment --comment kong-java -j RETURN",
                "-A KONGJAVA_OUTBOUND -p tcp -m tcp --dport 5432 -m comment --comment kong-java -j RETURN",
                "-A KONGJAVA_OUTBOUND_REDIRECT -p tcp -m comment --comment kong-java -j REDIRECT --to-ports 15001")) {
            assertTrue(v4.contains(line + "\n"), "missing " + line + " in\n" + v4);
        }
        for (String line : v4.split("\n")) {
            if (line.contains("KONGJAVA")) {
                assertTrue(line.startsWith(":") || line.contains("--comment kong-java"), "uncommented: " + line);
            }
        }
        assertTrue(ns.must("ip6tables-save").stdout().contains("-A KONGJAVA_OUTBOUND -d ::1/128 -m comment --comment kong-java -j RETURN"));

        String once = state();
        assertEquals(0, cli("install", "--gateway-user", "root", "--exclude-inbound-ports", "22,2222",
                "--exclude-outbound-ports", "5432", "--ipv6").exit());
        assertEquals(once, state(), "a second install leaves one set");

        // Changing mode replaces the set: TPROXY in mangle plus the policy route, no nat inbound chains left.
        r = cli("install", "--gateway-user", "root", "--mode", "tproxy", "--ipv6");
        assertEquals(0, r.exit(), r::toString);
        String tp = state();
        assertTrue(tp.contains("-j TPROXY --on-port 15006"), tp);
        assertFalse(tp.contains("KONGJAVA_INBOUND_REDIRECT"), tp);
        assertTrue(ns.must("ip", "-4", "rule").stdout().contains("fwmark 0x539 lookup 133"), tp);
        assertTrue(ns.must("ip", "-4", "route", "show", "table", "133").stdout().contains("local default dev lo"));

        r = cli("uninstall", "--ipv6");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(before, state(), "uninstall removes exactly the gateway's rules, chains and policy route");
        r = cli("uninstall", "--ipv6");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("no kong-java transparent proxy rules were installed"), r.stdout());
    }

    @Test
    void dryRunPrintsTheRulesAndChangesNothing() {
        String before = state();
        Netns.Result r = cli("install", "--gateway-user", "0", "--mode", "tproxy", "--dry-run");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("-A KONGJAVA_INBOUND -p tcp -m comment --comment kong-java -j TPROXY "
                + "--on-port 15006 --tproxy-mark 0x539/0xffffffff"), r.stdout());
        assertTrue(r.stdout().contains("# ip -4 rule add fwmark 0x539 lookup 133"), r.stdout());
        assertEquals(before, state());
    }

    @Test
    void badInputAndMissingPrivilegeChangeNothing() {
        String before = state();
        Netns.Result r = cli("install", "--gateway-user", "root", "--mode", "nat");
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.stderr().contains("--mode: unknown mode 'nat' (expected: redirect or tproxy)"), r.stderr());

        r = cli("install", "--gateway-user", "root", "--inbound-port", "15001");
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.stderr().contains("--inbound-port and --outbound-port are both 15001"), r.stderr());

        r = cli("install", "--gateway-user", "root", "--outbound-port", "70000");
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.stderr().contains("--outbound-port: '70000' is not a port (expected: 1-65535)"), r.stderr());

        r = cli("install");
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.stderr().contains("--gateway-user is required"), r.stderr());

        r = cli("install", "--gateway-user", "no-such-user-kj");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("--gateway-user: no such user 'no-such-user-kj'"), r.stderr());

        r = cli(List.of(WITHOUT_NET_ADMIN), "install", "--gateway-user", "root");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("needs root or CAP_NET_ADMIN"), r.stderr());

        assertEquals(before, state(), "nothing was installed");
    }

    @Test
    void aFailureHalfWayRollsEverythingBack() {
        // Without loopback up, the IPv6 policy route of TPROXY mode cannot be added: the last step fails after
        // the IPv4 rules, the IPv4 policy route and the IPv6 rules were applied. All of it must be undone.
        ns.must("ip", "link", "set", "lo", "down");
        String before = state();
        Netns.Result r = cli("install", "--gateway-user", "root", "--mode", "tproxy", "--ipv6");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("ip -6 route replace local ::/0 dev lo table 133"), r.stderr());
        assertEquals(before, state(), "rolled back");
    }

    @Test
    void transparentListenerWithoutNetAdminRefusesToStartAndSaysHowToGrantIt() {
        Gateway.Prepared p = Gateway.builder().conf("proxy_listen", "127.0.0.1:0 transparent").prepare();
        try {
            List<String> args = List.of("start", "-c", p.conf().toString(), "-p", p.prefix().toString());
            Netns.Result r = TransparentProxyTest.runBuilder(
                    KongJava.processBuilder(p.env(), List.of(WITHOUT_NET_ADMIN), args));
            assertEquals(1, r.exit(), r::toString);
            String error = Arrays.stream(r.stderr().split("\n")).filter(l -> l.startsWith("Error:")).findFirst()
                    .orElseThrow(() -> new AssertionError("no 'Error:' line\n" + r));
            assertTrue(error.contains("proxy_listen 127.0.0.1:0: setting IP_TRANSPARENT failed"), error);
            assertTrue(error.contains("needs root or the CAP_NET_ADMIN capability"), error);
            assertTrue(error.contains("setcap cap_net_admin+ep"), error);
            assertTrue(error.contains("AmbientCapabilities=CAP_NET_ADMIN"), error);
            assertFalse(p.listeners().isPresent(), "nothing was bound");
        } finally {
            p.kill();
        }
    }
}
