package org.kongjava.proxy.http;

/**
 * A request's client address after nginx's realip step ({@code $remote_addr}).
 *
 * @param ip          the client address as nginx prints it (e.g. {@code 10.0.0.1}, {@code ::1})
 * @param trustedPeer whether the TCP peer ({@code $realip_remote_addr}) is in {@code trusted_ips}: Kong then
 *                    honours incoming X-Forwarded-* headers
 */
public record ClientAddress(String ip, boolean trustedPeer) {
}
