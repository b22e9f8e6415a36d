package org.kongjava.core.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class RouteSpecTest {
    @Test
    void uuidV5MatchesLuaRestyJitUuidVectors() {
        UUID ns = UUID.fromString("e6ebd542-06ae-11e6-8e82-bba81706b27d");
        assertEquals(UUID.fromString("4850816f-1658-5890-8bfd-1ed14251f1f0"), RouteSpec.uuidV5(ns, "hello"));
        assertEquals(UUID.fromString("c9be99fc-326b-5066-bdba-dcd31a6d01ab"), RouteSpec.uuidV5(ns, "foobar"));
    }
}
