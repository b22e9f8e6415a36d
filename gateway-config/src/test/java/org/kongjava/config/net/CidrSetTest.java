package org.kongjava.config.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrSetTest {

    private static InetAddress ip(String s) {
        InetAddress a = IpAddresses.parseLiteral(s);
        if (a == null) {
            throw new IllegalArgumentException(s);
        }
        return a;
    }

    /** An IPv4-mapped IPv6 address as a real Inet6Address (InetAddress.getByAddress would unwrap it). */
    private static InetAddress mapped(int a, int b, int c, int d) throws UnknownHostException {
        byte[] bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c,
                (byte) d};
        return java.net.Inet6Address.getByAddress(null, bytes, -1);
    }

    @ParameterizedTest
    @CsvSource({
            "10.0.0.0/8, 10.255.1.2, true",
            "10.0.0.0/8, 11.0.0.1, false",
            "192.168.1.7, 192.168.1.7, true",
            "192.168.1.7, 192.168.1.8, false",
            "192.168.1.7/32, 192.168.1.7, true",
            "172.16.0.0/12, 172.31.255.255, true",
            "172.16.0.0/12, 172.32.0.0, false",
            "10.1.2.3/8, 10.9.9.9, true",
            "0.0.0.0/0, 203.0.113.9, true",
            "0.0.0.0/0, ::1, false",
            "::/0, 2001:db8::1, true",
            "::/0, 203.0.113.9, false",
            "::1, ::1, true",
            "::1, ::2, false",
            "2001:db8::/32, 2001:db8:ffff::1, true",
            "2001:db8::/32, 2001:db9::1, false",
            "2001:db8::/65, 2001:db8::7fff:ffff:ffff:ffff, true",
            "2001:db8::/65, 2001:db8::8000:0:0:0, false",
            "2001:db8::/64, 2001:db8::ffff:ffff:ffff:ffff, true",
            "2001:db8::1/128, 2001:db8::1, true",
            "::ffff:10.0.0.0/104, 10.3.4.5, true",
            "::ffff:10.0.0.0/104, 11.3.4.5, false",
            "10.0.0.0/8, ::ffff:10.1.1.1, true"
    })
    void contains(String entry, String address, boolean expected) {
        assertEquals(expected, CidrSet.parse(List.of(entry)).contains(ip(address)));
    }

    @Test
    void mappedPeerAddressIsMatchedAsIpv4() throws UnknownHostException {
        CidrSet v4 = CidrSet.parse("10.0.0.0/8");
        assertTrue(v4.contains(mapped(10, 2, 3, 4)));
        assertFalse(v4.contains(mapped(11, 2, 3, 4)));
        // An IPv6-only rule does not cover IPv4 peers that arrive mapped.
        assertFalse(CidrSet.parse("::/0").contains(mapped(10, 2, 3, 4)));
    }

    @Test
    void everyone() throws UnknownHostException {
        CidrSet all = CidrSet.parse("0.0.0.0/0, ::/0");
        for (String s : List.of("1.2.3.4", "255.255.255.255", "::1", "2001:db8::5", "fe80::1")) {
            assertTrue(all.contains(ip(s)), s);
        }
        assertTrue(all.contains(mapped(8, 8, 8, 8)));
        assertFalse(all.includesUnix());
    }

    @Test
    void unixAndEmpty() {
        CidrSet unix = CidrSet.parse(List.of("unix:"));
        assertTrue(unix.includesUnix());
        assertFalse(unix.contains(ip("127.0.0.1")));
        assertFalse(unix.contains(null));
        assertTrue(CidrSet.EMPTY.isEmpty());
        assertFalse(CidrSet.EMPTY.contains(ip("127.0.0.1")));
        assertTrue(CidrSet.parse(List.of()).isEmpty());
        assertEquals(List.of("10.0.0.0/8", "unix:"), CidrSet.parse(" 10.0.0.0/8 , unix: ,").entries());
    }

    @ParameterizedTest
    @ValueSource(strings = {"300.1.1.1", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/a", "example.com",
            "unix", "unix:/tmp/x", "[::1]", "1.2.3.4/-1", "*"})
    void rejectsInvalidEntries(String entry) {
        assertFalse(CidrSet.isValidEntry(entry));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CidrSet.parse(List.of(entry)));
        assertTrue(e.getMessage().contains("'" + entry + "'"), e.getMessage());
    }
}
