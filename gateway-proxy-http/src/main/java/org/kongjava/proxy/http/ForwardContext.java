package org.kongjava.proxy.http;

import java.net.InetSocketAddress;

/** What the upstream request builder needs to know about the connection and target. */
public record ForwardContext(InetSocketAddress peer, ClientAddress client, boolean https, int listenerPort,
                             String requestId, String targetHost, int targetPort, String targetScheme) {
}
