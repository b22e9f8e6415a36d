package org.kongjava.core.proxyprotocol;

import io.netty.channel.Channel;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.listener.PipelineNames;

/** The one entry point listener pipelines use for the {@code proxy_protocol} flag. */
public final class ProxyProtocolPipeline {

    private ProxyProtocolPipeline() {
    }

    /**
     * Puts the PROXY header reader at the very front of {@code ch}'s pipeline, named
     * {@link PipelineNames#PROXY_PROTOCOL}, when {@code spec} has the {@code proxy_protocol} flag; does nothing
     * otherwise. Call it from {@code PipelineFactory.initChannel} (before adding TLS or HTTP handlers is the
     * natural order, but it goes first regardless). Once the header is read the handler removes itself and
     * {@code ch.attr(ConnectionInfo.KEY)} holds a {@code ConnectionInfo} whose {@code proxied()} is the header.
     *
     * @return true when the handler was installed
     */
    public static boolean install(Channel ch, ListenSpec spec, ProxyProtocolSettings settings) {
        if (!spec.proxyProtocol()) {
            return false;
        }
        ch.pipeline().addFirst(PipelineNames.PROXY_PROTOCOL, new ProxyProtocolHandler(spec, settings));
        return true;
    }
}
