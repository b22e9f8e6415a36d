package org.kongjava.proxy.http;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/** Kong-style request ids: 32 lower-case hex characters (128 random bits). */
public final class RequestIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    /** A new id; ThreadLocalRandom, so cheap and uncontended on event loops (not for secrets). */
    public static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = r.nextLong();
        long lo = r.nextLong();
        byte[] out = new byte[32];
        for (int i = 15; i >= 0; i--) {
            out[i] = (byte) HEX[(int) (hi & 0xf)];
            hi >>>= 4;
            out[16 + i] = (byte) HEX[(int) (lo & 0xf)];
            lo >>>= 4;
        }
        return new String(out, StandardCharsets.ISO_8859_1);
    }
}
