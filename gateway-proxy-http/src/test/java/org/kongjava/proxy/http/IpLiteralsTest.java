package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "127.0.0.1, 127.0.0.1",
        "010.000.000.001, 10.0.0.1",
        "1..2.3, 1.0.2.3",
        "0:0:0:0:0:0:0:1, ::1",
        "::, ::",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "1:0:2:3:4:5:6:7, 1:0:2:3:4:5:6:7",
        "FE80::A:b, fe80::a:b",
        "::ffff:1.2.3.4, ::ffff:1.2.3.4",
        "::1.2.3.4, ::1.2.3.4",
        "1:2:3:4:5:6:1.2.3.4, 1:2:3:4:5:6:102:304",
        "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8",
        "1::, 1::",
    })
    void parsesAndPrintsLikeNginx(String text, String printed) {
        byte[] b = IpLiterals.parseAddr(text);
        assertNotNull(b, text);
        assertEquals(printed, IpLiterals.format(b));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "255.255.255.255", "1.2.3.a", ":::", "1::2::3",
        "12345::", "g::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7::", "[::1]", "::1%eth0", "localhost", "١.٢.٣.٤"})
    void rejectsWhatNginxRejects(String text) {
        assertNull(IpLiterals.parseAddr(text), text);
        assertNull(IpLiterals.parseAddrPort(text, 0, text.length()), text);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "1.2.3.4:80, 1.2.3.4",
        "1.2.3.4:65535, 1.2.3.4",
        "[::1]:1, ::1",
        "::1, ::1",
    })
    void acceptsPorts(String text, String printed) {
        assertEquals(printed, IpLiterals.format(IpLiterals.parseAddrPort(text, 0, text.length())));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:", "1.2.3.4:x", "[::1]:", "[::1]x80", "[::1"})
    void rejectsBadPorts(String text) {
        assertNull(IpLiterals.parseAddrPort(text, 0, text.length()), text);
    }
}
