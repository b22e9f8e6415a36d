package org.kongjava.core.listener;

import io.netty.channel.Channel;
import org.kongjava.config.conf.ListenSpec;

/**
 * Builds the pipeline of a freshly accepted connection for one listener kind (HTTP proxy, Admin
 * API, stream). Core never depends on the modules that implement it.
 */
@FunctionalInterface
public interface PipelineFactory {

    /** Called on the connection's event loop right after accept. */
    void initChannel(Channel ch, ListenSpec listener);
}
