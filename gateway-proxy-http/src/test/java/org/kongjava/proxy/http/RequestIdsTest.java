package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void thirtyTwoLowerCaseHexCharsAndNoRepeats() {
        Set<String> seen = new HashSet<>();
        Set<Character> chars = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            String id = RequestIds.next();
            assertTrue(id.matches("[0-9a-f]{32}"), id);
            assertTrue(seen.add(id), "repeated id " + id);
            for (char c : id.toCharArray()) {
                chars.add(c);
            }
        }
        assertEquals(16, chars.size(), "every hex digit appears: " + chars);
    }
}
