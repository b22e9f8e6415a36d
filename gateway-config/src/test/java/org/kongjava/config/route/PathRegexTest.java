package org.kongjava.config.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathRegexTest {

    @ParameterizedTest(name = "literalPrefix({0}) = ''{1}''")
    @CsvSource(delimiterString = "=>", textBlock = """
            ~/users/\\d+        => /users/
            ~/version/any/      => /version/any/
            ~/ab?c              => /a
            ~/ab*c              => /a
            ~/ab+c              => /ab
            ~/ab{0,2}           => /a
            ~/a|/b              => ''
            ~(?i)/abc           => ''
            ~/a.b               => /a
            ~/[0]?route         => /
            ~/x(?P<n>\\d+)      => /x
            """)
    void literalPrefix(String path, String expected) {
        assertEquals(expected, PathRegex.compile(path).literalPrefix());
    }

    @Test
    void anchoredAtStartNotAtEnd() {
        PathRegex r = PathRegex.compile("~/v\\d+");
        assertNotNull(r.match("/v2/users"));
        assertNull(r.match("/api/v2"));
    }

    @Test
    void unparenthesisedAlternationLeavesLaterBranchesUnanchoredLikeKong() {
        PathRegex r = PathRegex.compile("~/a|/b");
        assertNotNull(r.match("/x/b"));
        assertNull(r.match("/x/a"));
    }

    @Test
    void rustStyleGroupNamesWithUnderscoreAreMappedBack() {
        PathRegex r = PathRegex.compile("~/u/(?P<user_id>\\d+)/(?<sub_path>[a-z]+)?");
        Matcher m = r.match("/u/42/x");
        assertEquals(Map.of("0", "/u/42/x", "1", "42", "2", "x", "user_id", "42", "sub_path", "x"), r.captures(m));
        Matcher n = r.match("/u/42/");
        assertEquals(Map.of("0", "/u/42/", "1", "42", "user_id", "42"), r.captures(n));
    }

    @Test
    void lookbehindAndClassesAreNotMistakenForNamedGroups() {
        PathRegex r = PathRegex.compile("~/a(?<=a)[(?<x>]b");
        assertNotNull(r.match("/a(b"));
        assertEquals(Map.of(), r.captures(r.match("/a(b")));
    }

    @Test
    void invalidRegexNamesThePattern() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PathRegex.compile("~/a(b"));
        assertTrue(e.getMessage().contains("/a(b"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PathRegex.compile("/not-a-regex"));
    }
}
