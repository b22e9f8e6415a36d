package org.kongjava.config.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NginxValuesTest {

    @ParameterizedTest
    @CsvSource({"0, 0", "512, 512", "8k, 8192", "8K, 8192", "10m, 10485760", "1M, 1048576", "1g, 1073741824",
            "' 2k ', 2048"})
    void sizes(String raw, long bytes) {
        assertEquals(bytes, NginxValues.parseSize(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "k", "10mb", "1.5m", "-1", "10 m", "abc", "10t"})
    void badSizes(String raw) {
        assertThrows(IllegalArgumentException.class, () -> NginxValues.parseSize(raw));
    }

    @ParameterizedTest
    @CsvSource({"60, 60000", "60s, 60000", "1m, 60000", "500ms, 500", "0, 0", "1h, 3600000", "1d, 86400000",
            "1w, 604800000", "1M, 2592000000", "1y, 31536000000", "1m30s, 90000", "'1h 30m', 5400000",
            "1s500ms, 1500"})
    void times(String raw, long millis) {
        assertEquals(millis, NginxValues.parseTimeMillis(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "abc", "10x", "1.5s", "30s1m", "1m1m", "-5s", "1m 30"})
    void badTimes(String raw) {
        assertThrows(IllegalArgumentException.class, () -> NginxValues.parseTimeMillis(raw));
    }

    @ParameterizedTest
    @CsvSource({"'4 8k', 4, 8192", "'2   16k', 2, 16384", "'8 1024', 8, 1024"})
    void buffers(String raw, int count, int size) {
        assertEquals(new NginxValues.Buffers(count, size), NginxValues.parseBuffers(raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4", "8k", "0 8k", "4 0", "4 8k 2", "x 8k", "4 8q"})
    void badBuffers(String raw) {
        assertThrows(IllegalArgumentException.class, () -> NginxValues.parseBuffers(raw));
    }
}
