package org.kongjava.stream;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.Native;
import java.lang.reflect.Method;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around a Netty 4.2.18 epoll defect that loses half-closed connections.
 * <p>
 * Netty's epoll registration removes a socket from the epoll set ({@code EPOLL_CTL_DEL}) when its interest set
 * becomes empty, but keeps believing it is still added; the next interest change is an {@code EPOLL_CTL_MOD} that
 * fails with {@code ENOENT}, and Netty then shuts the channel's output, dropping what was queued. A relay hits it
 * exactly on half-close: once a client has ended its output, Netty clears read interest and read-hang-up interest,
 * and as soon as the write interest is also clear the socket is dropped; the next write that fills the socket buffer
 * needs write interest and fails. (Reproduced by {@code StreamProxyTest.halfClosedClientStillReceivesEverything}
 * with a large download.)
 * <p>
 * The fix keeps {@code EPOLLERR} in every stream channel's interest set: the kernel reports errors whether asked or
 * not, so it changes no behaviour, but the set is never empty and the socket never leaves the epoll set. Remove this
 * class when Netty is upgraded past the defect. NIO channels are untouched.
 */
final class EpollHalfCloseFix {
    private static final Logger log = LoggerFactory.getLogger(EpollHalfCloseFix.class);
    private static final Method SET_FLAG = find();

    private EpollHalfCloseFix() {
    }

    private static Method find() {
        try {
            Class<?> base = Class.forName("io.netty.channel.epoll.AbstractEpollChannel");
            Method m = base.getDeclaredMethod("setFlag", int.class);
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Call on the channel's event loop once it is registered (e.g. from a {@code ChannelInitializer}). */
    static void apply(Channel ch) {
        if (!(ch instanceof EpollSocketChannel) || SET_FLAG == null) {
            return;
        }
        try {
            SET_FLAG.invoke(ch, Native.EPOLLERR);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("could not keep {} in the epoll set: {}", ch, e.toString());
        }
    }
}
