package org.kongjava.config.model;

/** One entry of a stream route's {@code sources} or {@code destinations}: an IP or CIDR, a port, or both. */
public record CidrPort(String ip, Integer port) {
}
