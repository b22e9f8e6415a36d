package org.kongjava.proxy.http;

/**
 * The client address after nginx's realip rules.
 *
 * @param ip          the client IP as text
 * @param trustedPeer whether the TCP peer is in trusted_ips
 */
public record ClientAddress(String ip, boolean trustedPeer) {
}
