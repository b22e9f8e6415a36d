package org.kongjava.config.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfFileParserTest {

    private static Map<String, ConfFileParser.Entry> entries(String text) {
        ConfFileParser.Result r = ConfFileParser.parse(text, "t.conf");
        assertEquals(List.of(), r.problems());
        return r.entries();
    }

    private static String value(String line) {
        return entries(line + "\n").get("k").value();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "k = v | v",
            "k=v | v",
            "  k   =   v w   | v w",
            "k = v # comment | v",
            "k = v#comment | v",
            "k = v \\# not a comment | v # not a comment",
            "k = a\\#b # c | a#b",
            "k = test#123 | test",
            "k = test\\#123 | test#123",
            "k = # only a comment | ''",
            "k = | ''",
            "k =    | ''",
            "k = a = b | a = b",
            "k = \"quoted\" | \"quoted\"",
            "k = ;not a comment mid-line | ;not a comment mid-line",
            "k = v\t# tab before comment | v"
    })
    void values(String line, String expected) {
        assertEquals(expected, value(line));
    }

    @Test
    void commentsAndBlankLinesAreSkipped() {
        Map<String, ConfFileParser.Entry> e = entries("""
                # comment
                   # indented comment
                ; ini comment
                #log_level = debug

                a = 1
                \t
                b = 2
                """);
        assertEquals(List.of("a", "b"), List.copyOf(e.keySet()));
        assertEquals(6, e.get("a").line());
        assertEquals(8, e.get("b").line());
    }

    @Test
    void continuationJoinsLinesWithoutSeparatorAndSkipsCommentsBetween() {
        Map<String, ConfFileParser.Entry> e = entries("""
                proxy_listen = 0.0.0.0:8000,\\
                # a comment inside the continuation is skipped
                   0.0.0.0:8443 ssl \\\s\s
                 reuseport
                next = x
                """);
        assertEquals("0.0.0.0:8000,   0.0.0.0:8443 ssl  reuseport", e.get("proxy_listen").value());
        assertEquals("x", e.get("next").value());
    }

    @Test
    void continuationOnTheLastLineIsKept() {
        assertEquals("abc", entries("k = abc\\").get("k").value());
    }

    @Test
    void keysAreVariabilizedAndLastLineWins() {
        Map<String, ConfFileParser.Entry> e = entries("log.level = info\nlog-level = debug\nLog_Level = x\n");
        assertEquals("debug", e.get("log_level").value());
        assertEquals("x", e.get("Log_Level").value());
    }

    @Test
    void crlfLineEndings() {
        Map<String, ConfFileParser.Entry> e = entries("a = 1\r\nb = two words # c\r\nc = x \\\r\ny\r\n");
        assertEquals("1", e.get("a").value());
        assertEquals("two words", e.get("b").value());
        assertEquals("x y", e.get("c").value());
    }

    @Test
    void sectionIsAProblemAndLinesWithoutEqualsAreWarnings() {
        ConfFileParser.Result r = ConfFileParser.parse("a = 1\n[http]\nproxy_listen 0.0.0.0:80\n = v\n", "f.conf");
        assertEquals(List.of("f.conf:2: sections are not supported in kong.conf, got '[http]' (expected key = value)"),
                r.problems());
        assertEquals(2, r.warnings().size());
        assertTrue(r.warnings().get(0).startsWith("f.conf:3: ignored line without '='"), r.warnings().get(0));
        assertTrue(r.warnings().get(1).startsWith("f.conf:4: ignored line without a key"), r.warnings().get(1));
        assertEquals("1", r.entries().get("a").value());
        assertFalse(r.entries().containsKey("proxy_listen"));
    }
}
