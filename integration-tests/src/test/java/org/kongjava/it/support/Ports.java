package org.kongjava.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Loopback port numbers for tests that need a port nobody listens on. */
public final class Ports {

    private Ports() {}

    /**
     * A loopback port that refuses connections: bound once to get a free number, then released. Another process could
     * take it in between; on a test machine that is rare enough, and it would show as a wrong status, not a hang.
     */
    public static int refused() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
