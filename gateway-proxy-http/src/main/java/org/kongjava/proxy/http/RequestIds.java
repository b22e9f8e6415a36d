package org.kongjava.proxy.http;

/** Request ids. */
public final class RequestIds {
    private RequestIds() {
    }

    /** A new 32-hex-char id. */
    public static String next() {
        throw new UnsupportedOperationException("not yet");
    }
}
