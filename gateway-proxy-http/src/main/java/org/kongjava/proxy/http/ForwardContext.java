package org.kongjava.proxy.http;

import java.net.InetSocketAddress;

/**
 * Facts about the connection and the chosen target that the upstream request head depends on.
 *
 * @param peer         the TCP peer of the client connection (appended to X-Forwarded-For)
 * @param client       the client address from {@link ClientAddressResolver}
 * @param https        the client connection is TLS (X-Forwarded-Proto)
 * @param listenerPort the local port the request arrived on (X-Forwarded-Port, through port_maps)
 * @param requestId    the request id (X-Kong-Request-Id)
 * @param targetHost   the host for the Host header: service host, upstream target host or upstream host_header
 * @param targetPort   the target port
 * @param targetScheme the service protocol: http, https, grpc or grpcs
 */
public record ForwardContext(InetSocketAddress peer, ClientAddress client, boolean https, int listenerPort,
                             String requestId, String targetHost, int targetPort, String targetScheme) {
}
