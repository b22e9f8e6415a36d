package org.kongjava.core.tls;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.netty.util.Mapping;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.tls.SniCertificateIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The TLS handlers every {@code ssl} listener puts first in its pipeline (after a PROXY protocol decoder). */
public final class TlsHandlers {
    private static final Logger log = LoggerFactory.getLogger(TlsHandlers.class);

    /**
     * The server name the client sent in its ClientHello, lower-cased (Netty normalizes it; null when none), set on
     * the channel when the TLS
     * handler is chosen: for the router's {@code snis} ({@code RequestFacts.sni}) and for logs.
     */
    public static final AttributeKey<String> SNI = AttributeKey.valueOf("gw.tls.sni");

    /** How long a client has for its ClientHello and the whole handshake, as nginx's default client timeouts. */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private TlsHandlers() {
    }

    /**
     * An {@link SniHandler} that picks the server context from the snapshot current at the client's ClientHello:
     * one volatile read per connection, so a certificate added through the Admin API is served on the next
     * handshake, and open connections keep theirs. Add it under {@code PipelineNames.TLS}; it replaces itself by
     * the {@code SslHandler}. Non-TLS bytes make it fail with a {@code NotSslRecordException} (close the channel
     * in {@code exceptionCaught}).
     *
     * @param spec the listen address; its {@link ListenerTls#of key} must have been registered with the compiler
     */
    public static SniHandler sniHandler(SnapshotHolder holder, ListenSpec spec, long handshakeTimeoutMillis) {
        return new RecordingSniHandler(new SnapshotMapping(holder, ListenerTls.of(spec)), handshakeTimeoutMillis);
    }

    /** The SNI the client of {@code ch} sent, or null (none sent, not TLS, or the ClientHello not read yet). */
    public static String sni(Channel ch) {
        return ch.attr(SNI).get();
    }

    /** Records the client's SNI on the channel before handing over to the {@code SslHandler}. */
    private static final class RecordingSniHandler extends SniHandler {
        RecordingSniHandler(Mapping<String, SslContext> mapping, long handshakeTimeoutMillis) {
            super(mapping, handshakeTimeoutMillis);
        }

        @Override
        protected void replaceHandler(ChannelHandlerContext ctx, String hostname, SslContext sslContext) throws Exception {
            if (hostname != null) {
                ctx.channel().attr(SNI).set(hostname);
            }
            super.replaceHandler(ctx, hostname, sslContext);
        }
    }

    /** SNI name → context through the holder's current snapshot. */
    static final class SnapshotMapping implements Mapping<String, SslContext> {
        private final SnapshotHolder holder;
        private final ListenerTls listener;
        private final AtomicBoolean reported = new AtomicBoolean();

        SnapshotMapping(SnapshotHolder holder, ListenerTls listener) {
            this.holder = Objects.requireNonNull(holder, "holder");
            this.listener = Objects.requireNonNull(listener, "listener");
        }

        @Override
        public SslContext map(String hostname) {
            SniCertificateIndex index = holder.current().tls().index(listener);
            if (index == null) {
                // A wiring mistake, not a client's: say it once, refuse every handshake.
                if (reported.compareAndSet(false, true)) {
                    log.error("TLS listener {} has no certificate registered (TlsCompiler.register was not called for {}); "
                            + "TLS connections are closed", listener.name(), listener);
                }
                throw new IllegalStateException("no certificate registered for " + listener);
            }
            return index.map(hostname);
        }
    }
}
