package org.kongjava.core.listener;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import org.kongjava.config.conf.ListenSpec;

/** A listener socket that is bound and accepting, with its real port (the spec may say 0). */
public record BoundListener(ListenSpec spec, Channel channel) {
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }
}
