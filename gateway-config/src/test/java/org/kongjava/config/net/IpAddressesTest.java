package org.kongjava.config.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {

    @ParameterizedTest
    @CsvSource({
            "127.0.0.1, 127.0.0.1",
            "0.0.0.0, 0.0.0.0",
            "255.255.255.255, 255.255.255.255",
            "::1, 0:0:0:0:0:0:0:1",
            "::, 0:0:0:0:0:0:0:0",
            "[::1], 0:0:0:0:0:0:0:1",
            "2001:db8::8:800:200c:417a, 2001:db8:0:0:8:800:200c:417a",
            "2001:DB8:0:0:0:0:0:1, 2001:db8:0:0:0:0:0:1",
            "fe80::, fe80:0:0:0:0:0:0:0",
            "::ffff:10.1.2.3, 10.1.2.3",
            "64:ff9b::192.0.2.33, 64:ff9b:0:0:0:0:c000:221",
            "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
            "1::8, 1:0:0:0:0:0:0:8"
    })
    void parsesLiterals(String text, String expected) {
        InetAddress a = IpAddresses.parseLiteral(text);
        assertEquals(expected, a.getHostAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "example.com", "300.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3",
            "1..2.3", "1.2.3.4/8", "1234.1.1.1", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1",
            "fe80::1%eth0", "1:2:3:4:5:6:7", "::1.2.3", "[::1", "1.2.3.-4", "١.٢.٣.٤"})
    void rejectsNonLiteralsWithoutResolving(String text) {
        assertNull(IpAddresses.parseLiteral(text));
    }

    @org.junit.jupiter.api.Test
    void mappedIpv6BecomesIpv4AndPlainIpv6StaysIpv6() {
        assertInstanceOf(Inet4Address.class, IpAddresses.parseLiteral("::ffff:192.168.0.1"));
        assertInstanceOf(Inet6Address.class, IpAddresses.parseLiteral("::c0a8:1"));
        assertNull(IpAddresses.parseLiteral(null));
    }
}
