package org.kongjava.config.conf;

/** How a kong.conf value is read. Mirrors Kong's {@code CONF_PARSERS} types plus nginx sizes and times. */
enum ValueType {
    /** Any text; empty means unset. */
    STRING,
    /** {@code on}/{@code true} is true, anything else false (Kong never rejects a boolean). */
    BOOLEAN,
    /** {@code on} is on, anything else off; kept as the string {@code on}/{@code off}. */
    NGX_BOOLEAN,
    /** A decimal integer, range-checked. */
    NUMBER,
    /** Comma-separated; items trimmed, empty items dropped. */
    LIST,
    /** A {@code *_listen} value: {@code off} or comma-separated {@code address:port flags...}. */
    LISTENERS,
    /** One of a fixed set of values. */
    ENUM,
    /** nginx size: {@code 512}, {@code 8k}, {@code 10m}, {@code 1g}. */
    SIZE,
    /** nginx time: {@code 60}, {@code 60s}, {@code 500ms}, {@code 1m}, {@code 1h 30m}. */
    TIME
}
