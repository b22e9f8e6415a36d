package org.kongjava.config.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cases from Kong's spec/01-unit/18-tools_uri_spec.lua (normalize with merge_slashes, escape) plus edges. */
class PathNormalizerTest {

    @ParameterizedTest(name = "normalize({0}) = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                  | ''
            /                   | /
            /a                  | /a
            /a/                 | /a/
            /a/b/c/             | /a/b/c/
            /a%2Fb%2Fc/         | /a%2Fb%2Fc/
            /a%2fb%2fc/         | /a%2Fb%2Fc/
            /f%6f%6f            | /foo
            /%6B%6f%6e%67       | /kong
            /%2E                | /
            /./                 | /
            /.                  | /
            /..                 | /
            /../                | /
            /./.././../         | /
            /a/b/c/./../../g    | /a/g
            mid/content=5/../6  | mid/6
            //                  | /
            /////               | /
            /a//b//             | /a/b/
            /endel%C3%B8st      | /endeløst
            /a/%2e%2E/b         | /b
            /a/..%2Fb           | /a/..%2Fb
            /100%               | /100%
            /%zz%4               | /%zz%4
            /%2525              | /%2525
            /x%FFy              | /x%FFy
            /x%c3               | /x%C3
            /a/b/..             | /a/
            /a/.b/..c/          | /a/.b/..c/
            """)
    void normalize(String in, String expected) {
        assertEquals(expected, PathNormalizer.normalize(in));
    }

    @Test
    void reservedCharactersStayEncodedOthersAreDecoded() {
        assertEquals("/ %21%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D",
                PathNormalizer.normalize("/%20%21%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D"));
    }

    @Test
    void complexPathWithInvalidUtf8KeepsTheBytesEncoded() {
        // Kong yields the raw bytes 0x99 0xAF; we keep them as %99%AF, which escape() sends identically.
        assertEquals("/ä/a./a/_%99%AF%2F%2F",
                PathNormalizer.normalize("/%C3%A4/a/%2e./a%2E//a/%2e/./a/../a/%2e%2E/%5f%99%af%2f%2F"));
    }

    @Test
    void normalizeIsIdempotent() {
        for (String p : new String[] {"/%C3%A4/a/%2e./a%2E//a/%2e/./a/../", "/x%ff%2f", "/a%2525b/./c"}) {
            String once = PathNormalizer.normalize(p);
            assertEquals(once, PathNormalizer.normalize(once), p);
        }
    }

    @Test
    void unchangedPathIsReturnedAsIs() {
        String p = "/api/v1/users";
        assertSame(p, PathNormalizer.normalize(p));
    }

    @Test
    void escapeLeavesSafeCharacters() {
        String safe = "/!#$%&'()*+,/:;=?@[]ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
        assertSame(safe, PathNormalizer.escape(safe));
    }

    @Test
    void escapeEncodesOthersAsUtf8() {
        assertEquals("/a%20b/c%20d", PathNormalizer.escape("/a b/c d"));
        assertEquals("/a%F0%9F%98%80", PathNormalizer.escape("/a😀"));
        assertEquals("/endel%C3%B8st", PathNormalizer.escape("/endeløst"));
        assertEquals("/%22%3C%3E%5C%5E%60%7B%7C%7D", PathNormalizer.escape("/\"<>\\^`{|}"));
    }
}
