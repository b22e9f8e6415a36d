package org.kongjava.stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.kongjava.core.accesslog.AccessLog;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.balance.DnsCache;
import org.kongjava.core.listener.ConnectionInfo;
import org.kongjava.core.listener.PipelineFactory;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.proxyprotocol.ProxyProtocolPipeline;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.upstream.HostResolver;
import org.kongjava.core.listener.Passthrough;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline of a {@code stream_listen} connection: {@code [proxyProtocol] → streamProxy}, the TLS handler
 * inserted before {@code streamProxy} when an {@code ssl} port terminates TLS, and once the upstream is connected
 * {@code [tls] → streamRelay}. {@code AUTO_READ} is off and {@code ALLOW_HALF_CLOSURE} on for every stream
 * connection, client and upstream.
 *
 * <pre>{@code
 * StreamPipelineFactory stream = new StreamPipelineFactory(holder, loops.socketChannelType(), settings, counters,
 *         dns::lookup-adapter, passthrough, List.of(IpRestrictions.INSTANCE));
 * listeners.bind(streamSpec, stream);
 * }</pre>
 */
public final class StreamPipelineFactory implements PipelineFactory {
    private static final Logger log = LoggerFactory.getLogger("org.kongjava.stream");

    private final SnapshotHolder holder;
    private final Class<? extends SocketChannel> socketChannelType;
    private final StreamSettings settings;
    private final ServerCounters counters;
    private final Function<String, CompletableFuture<List<InetAddress>>> resolver;
    private final Passthrough passthrough;
    private final List<StreamPrereadHook> hooks;
    private final io.netty.bootstrap.Bootstrap upstreamBootstrap;
    private volatile AccessLog accessLog = AccessLog.OFF;

    /**
     * @param resolver          host name → addresses, completing on any thread (the handler moves back to its loop)
     * @param passthrough       mesh mode on transparent listeners: what becomes of a connection that matches no route
     * @param hooks             preread hooks, run in order
     */
    public StreamPipelineFactory(SnapshotHolder holder, Class<? extends SocketChannel> socketChannelType,
                                 StreamSettings settings, ServerCounters counters,
                                 Function<String, CompletableFuture<List<InetAddress>>> resolver,
                                 Passthrough passthrough, List<StreamPrereadHook> hooks) {
        this.holder = Objects.requireNonNull(holder, "holder");
        this.socketChannelType = Objects.requireNonNull(socketChannelType, "socketChannelType");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.passthrough = Objects.requireNonNull(passthrough, "passthrough");
        this.hooks = List.copyOf(hooks);
        // One template for every upstream connection: per connection only the loop, timeout and handler differ.
        this.upstreamBootstrap = new io.netty.bootstrap.Bootstrap()
                .channelFactory(new io.netty.channel.ReflectiveChannelFactory<>(socketChannelType))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true);
    }

    /** Sets where ended connections are logged ({@code proxy_stream_access_log}); call before binding listeners. */
    public StreamPipelineFactory accessLog(AccessLog log) {
        this.accessLog = Objects.requireNonNull(log, "log");
        return this;
    }

    AccessLog accessLog() {
        return accessLog;
    }

    /** The upstream connection template (clone it with the connection's event loop). */
    io.netty.bootstrap.Bootstrap upstreamBootstrap() {
        return upstreamBootstrap;
    }

    /** A resolver over core's TTL-aware {@link DnsCache} (Netty's async resolver). */
    public static Function<String, CompletableFuture<List<InetAddress>>> dnsResolver(DnsCache dns) {
        return host -> dns.lookup(host).thenApply(a -> a.entries().stream().map(DnsCache.Entry::address).toList());
    }

    /** A resolver for IP literals only (tests, or a node without DNS). */
    public static Function<String, CompletableFuture<List<InetAddress>>> literalResolver() {
        return host -> {
            InetAddress a = HostResolver.literal(host);
            return a != null ? CompletableFuture.completedFuture(List.of(a))
                    : CompletableFuture.failedFuture(new java.net.UnknownHostException(host + " (no DNS resolver configured)"));
        };
    }

    @Override
    public void initChannel(Channel ch, ListenSpec listener) {
        ch.config().setAutoRead(false);
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        EpollHalfCloseFix.apply(ch);
        // The PROXY reader first: the proxy handler looks for it when it starts (at once: the channel is active).
        ProxyProtocolPipeline.install(ch, listener, settings.proxyProtocol());
        ch.pipeline().addLast(StreamProxyHandler.NAME, new StreamProxyHandler(this, listener));
    }

    /**
     * The client address of a stream connection (nginx stream realip, as Kong configures it): the PROXY header's
     * source when the connection had one with addresses and the TCP peer is in {@code trusted_ips}; else the peer.
     */
    InetSocketAddress clientAddress(ConnectionInfo info, InetSocketAddress peer) {
        if (info != null && info.proxied() != null && info.proxied().hasAddresses() && info.proxiedSource() != null
                && info.peer() != null && settings.trustedIps().contains(info.peer().getAddress())) {
            return info.proxiedSource();
        }
        return info != null && info.peer() != null ? info.peer() : peer;
    }

    /** A connection closed before it was relayed: one INFO line with the reason (scanners are not errors). */
    void rejected(int status, String reason, InetSocketAddress client, ListenSpec listener) {
        log.info("{} {}: closing stream connection from {}: {}", listener.key(), listener.address(),
                client == null ? "-" : StreamAccessLog.hostPort(client), reason);
    }

    SnapshotHolder holder() {
        return holder;
    }

    StreamSettings settings() {
        return settings;
    }

    ServerCounters counters() {
        return counters;
    }

    List<StreamPrereadHook> hooks() {
        return hooks;
    }

    Passthrough passthrough() {
        return passthrough;
    }

    Class<? extends SocketChannel> socketChannelType() {
        return socketChannelType;
    }

    CompletableFuture<List<InetAddress>> resolve(String host) {
        return resolver.apply(host);
    }
}
