package org.kongjava.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdminHandlerTest {

    @Test
    void pathSegments() {
        assertEquals(List.of(), AdminHandler.segments("/"));
        assertEquals(List.of("services"), AdminHandler.segments("/services/"));
        assertEquals(List.of("services", "a b", "routes"), AdminHandler.segments("/services/a%20b/routes"));
        assertEquals(List.of("services", "円"), AdminHandler.segments("/services/%E5%86%86"));
        // raw UTF-8 bytes as Netty hands them over (one char per byte)
        String raw = new String("/services/円".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        assertEquals(List.of("services", "円"), AdminHandler.segments(raw));
        assertEquals(List.of("services", "a+b"), AdminHandler.segments("/services/a+b"));
        assertEquals(List.of("services", "", "routes"), AdminHandler.segments("/services//routes"));
    }
}
