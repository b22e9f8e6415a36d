package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.kongjava.core.router.RouteMatch;

class PassthroughTargetTest {

    @Test
    void hostOfAnOriginalDestinationIsWhatAClientWouldHaveSent() {
        assertEquals("198.18.0.10", PassthroughTarget.hostFor(new InetSocketAddress("198.18.0.10", 80), false));
        assertEquals("198.18.0.10:443", PassthroughTarget.hostFor(new InetSocketAddress("198.18.0.10", 443), false));
        assertEquals("198.18.0.10", PassthroughTarget.hostFor(new InetSocketAddress("198.18.0.10", 443), true));
        assertEquals("[2001:db8:0:0:0:0:0:7]:8080", PassthroughTarget.hostFor(new InetSocketAddress("2001:db8::7", 8080), false));
    }

    @Test
    void standInRouteForwardsTheRequestAsSent() {
        RouteMatch m = PassthroughTarget.match(new InetSocketAddress("198.18.0.11", 8080), "/a%2Fb/../c");
        assertTrue(PassthroughTarget.isPassthrough(m));
        assertEquals("/a%2Fb/../c", m.upstreamPath(), "path untouched: no normalization, no strip");
        assertTrue(m.route().preserveHost(), "the client's Host goes on");
        assertEquals("198.18.0.11", m.service().host());
        assertEquals(8080, m.service().port());
        assertEquals(0, m.service().retries());
        assertFalse(PassthroughTarget.isPassthrough(null));
    }
}
