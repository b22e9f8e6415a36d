package org.kongjava.dist;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.kongjava.admin.AdminContext;
import org.kongjava.admin.AdminServer;
import org.kongjava.config.conf.HttpLimits;
import org.kongjava.config.conf.KongConf;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.net.CidrSet;
import org.kongjava.config.store.ConfigStore;
import org.kongjava.config.store.ConfigStores;
import org.kongjava.core.accesslog.AccessLogFormat;
import org.kongjava.core.accesslog.AccessLogSpec;
import org.kongjava.core.accesslog.AccessLogs;
import org.kongjava.core.listener.BoundListener;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.listener.Passthrough;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.proxyprotocol.ClientAddressPolicy;
import org.kongjava.core.proxyprotocol.ProxyProtocolSettings;
import org.kongjava.core.tls.TlsHandlers;
import org.kongjava.core.balance.BalancerRegistry;
import org.kongjava.core.balance.DnsCache;
import org.kongjava.core.balance.DnsSettings;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.tls.ExpiryMonitor;
import org.kongjava.core.tls.ListenerCertificates;
import org.kongjava.core.tls.TlsCompiler;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.proxy.http.HeaderSettings;
import org.kongjava.proxy.http.HttpProxyPipelineFactory;
import org.kongjava.proxy.http.HttpProxySettings;
import org.kongjava.proxy.http.ProxyProtocolOptions;
import org.kongjava.core.proxyprotocol.ProxyProtocolSettings;
import org.kongjava.stream.IpRestrictions;
import org.kongjava.stream.StreamPipelineFactory;
import org.kongjava.stream.StreamSettings;
import org.kongjava.tls.ClientHelloPeeker;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.TlsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: wires configuration, event loops, the routing snapshot, the config writer
 * and every listener, and takes it all down again (fast, or draining in-flight requests).
 */
final class GatewayServer {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    static final String KONG_VERSION = "3.10.0";

    /** Listener flags whose behaviour a later release brings: refused when set, never silently ignored. */
    static final List<String> NOT_YET_FLAGS = List.of();

    private final KongConf conf;
    private final Prefix prefix;
    private EventLoops loops;
    private ListenerManager listeners;
    private ConfigWriter writer;
    private ConfigStore store;
    private DnsCache dns;
    private BalancerRegistry balancers;
    private TlsCompiler tls;
    private ListenerCertificates certs;
    private ExpiryMonitor expiry;
    private AccessLogs accessLogs;
    private final ServerCounters counters = new ServerCounters();

    GatewayServer(KongConf conf, Prefix prefix) {
        this.conf = conf;
        this.prefix = prefix;
    }

    /** Listener entries this release serves; throws naming the key and flag for a user-set unsupported flag. */
    static List<ListenSpec> servedListeners(KongConf conf, String key, boolean logSkipped) {
        List<ListenSpec> served = new ArrayList<>();
        for (ListenSpec s : conf.listeners(key)) {
            String flag = unsupportedFlag(s);
            if (flag == null) {
                served.add(s);
            } else if (!conf.isDefault(key)) {
                throw new IllegalArgumentException(key + ": flag '" + flag + "' on " + s.address()
                        + " is not supported yet (remove it from " + key + ")");
            } else if (logSkipped) {
                LoggerFactory.getLogger(GatewayServer.class).info(
                        "{} default entry {} not started: flag '{}' is not supported yet", key, s.address(), flag);
            }
        }
        return served;
    }

    private static String unsupportedFlag(ListenSpec s) {
        if (s.udp()) return "udp";
        return null;
    }

    /**
     * The upstream TLS settings (lua_ssl_trusted_certificate, lua_ssl_verify_depth, client_ssl*,
     * upstream_tls_verify_default); a bad file fails start-up naming its key. Warns while verification is off by default.
     */
    static org.kongjava.core.upstream.UpstreamTlsCompiler upstreamTls(KongConf conf) {
        org.kongjava.tls.UpstreamTlsSettings s = org.kongjava.tls.UpstreamTlsSettings.fromConf(conf.effective());
        if (!s.verifyDefault()) {
            log.warn("upstream TLS: certificates of https/grpcs/tls upstreams are not verified unless a service sets"
                    + " tls_verify = true (Kong's default); set upstream_tls_verify_default = on to verify by default");
        }
        return new org.kongjava.core.upstream.UpstreamTlsCompiler(s, new org.kongjava.tls.UpstreamSslContexts());
    }

    /** Checks what start-up would refuse, without binding anything (used by {@code check} too). */
    static void validateForStart(KongConf conf) {
        // The upstream TLS files (lua_ssl_trusted_certificate, client_ssl_cert*): `check` reports a bad one too.
        org.kongjava.tls.UpstreamTlsSettings.fromConf(conf.effective());
        servedListeners(conf, "proxy_listen", false);
        servedListeners(conf, "admin_listen", false);
        streamListeners(conf);
        streamSettings(conf);
        accessLogSpecs(conf, conf.prefix());
    }

    /** {@code proxy_access_log}, {@code admin_access_log}, {@code proxy_stream_access_log}, in that order. */
    static List<AccessLogSpec> accessLogSpecs(KongConf conf, Path prefixRoot) {
        return List.of(
                AccessLogSpec.parse("proxy_access_log", conf.string("proxy_access_log"), prefixRoot,
                        AccessLogFormat.KONG, AccessLogFormat.COMBINED),
                AccessLogSpec.parse("admin_access_log", conf.string("admin_access_log"), prefixRoot,
                        AccessLogFormat.COMBINED),
                AccessLogSpec.parse("proxy_stream_access_log", conf.string("proxy_stream_access_log"), prefixRoot,
                        AccessLogFormat.BASIC));
    }

    /** The stream_listen entries; {@code udp} is refused, naming the flag and address. */
    static List<ListenSpec> streamListeners(KongConf conf) {
        List<ListenSpec> out = new ArrayList<>();
        for (ListenSpec s : conf.listeners("stream_listen")) {
            if (s.udp()) {
                throw new IllegalArgumentException("stream_listen: flag 'udp' on " + s.address()
                        + " is not supported (kong-java proxies TCP and TLS streams only; remove 'udp')");
            }
            out.add(s);
        }
        return out;
    }

    static StreamSettings streamSettings(KongConf conf) {
        return new StreamSettings(conf.millis("stream_sni_wait_timeout"), 10_000, ClientHelloPeeker.DEFAULT_MAX_BYTES,
                conf.trustedIps(), proxyProtocolSettings(conf), conf.upstreamProxyProtocol());
    }

    void start() throws IOException {
        validateForStart(conf);
        reportKeys();
        String nodeId = nodeId();
        // Access logs: parsed first so a bad value fails start-up before anything is bound; one writer per file.
        List<AccessLogSpec> logSpecs = accessLogSpecs(conf, prefix.root());
        AccessLogSpec proxyLogSpec = logSpecs.get(0);
        AccessLogSpec adminLogSpec = logSpecs.get(1);
        AccessLogSpec streamLogSpec = logSpecs.get(2);
        accessLogs = new AccessLogs();
        loops = new EventLoops(conf.workerProcesses().orElse(Runtime.getRuntime().availableProcessors()));
        store = ConfigStores.open(conf, prefix.root());
        // Upstream balancers: DNS for host-name targets and active health checks run on the worker loops.
        dns = new DnsCache((EventLoop) loops.workers().next(), DnsCache.datagramChannelType(loops), DnsSettings.from(conf));
        balancers = new BalancerRegistry(loops.workers(), loops.socketChannelType(), dns);
        // TLS: the listeners' own certificates are registered before the first compile, so the first snapshot
        // already carries them; a bad kong.conf pair fails start-up here, naming its keys or files.
        tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.fromConf(conf.effective())));
        List<ListenSpec> proxySpecs = servedListeners(conf, "proxy_listen", true);
        List<ListenSpec> adminSpecs = servedListeners(conf, "admin_listen", true);
        List<ListenSpec> streamSpecs = streamListeners(conf);
        List<ListenSpec> tlsSpecs = new ArrayList<>(proxySpecs);
        tlsSpecs.addAll(adminSpecs);
        tlsSpecs.addAll(streamSpecs);
        certs = ListenerCertificates.load(conf, tlsSpecs, tls);
        SnapshotCompiler compiler = new SnapshotCompiler(balancers, tls).withUpstreamTls(upstreamTls(conf));
        long loadStart = System.nanoTime();
        var loaded = store.load();
        SnapshotHolder holder = new SnapshotHolder(compiler.compile(loaded));
        log.info("configuration loaded ({} services, {} routes, {} upstreams, database = {}) in {} ms", loaded.services().size(),
                loaded.routes().size(), loaded.upstreams().size(), conf.string("database"), (System.nanoTime() - loadStart) / 1_000_000);
        writer = new ConfigWriter(holder, compiler, store);
        // Changes written by other nodes (or by `config db_import`) go through the same compile-and-publish path.
        store.onExternalChange(writer::adopt);
        // kong.conf certificate files are re-read when they change; expiring certificates are logged daily.
        certs.watch(writer, Duration.ofSeconds(2));
        expiry = new ExpiryMonitor(holder, tls);
        expiry.start(Duration.ofDays(1));
        listeners = new ListenerManager(loops);

        ProxyProtocolSettings pp = proxyProtocolSettings(conf);
        ClientAddressPolicy clientAddress = clientAddressPolicy(conf, pp);
        // Mesh mode on transparent listeners (transparent_passthrough): unrouted traffic goes to its original destination.
        Passthrough passthrough = Passthrough.create(conf.bool("transparent_passthrough"), listeners);
        HttpProxyPipelineFactory proxy = new HttpProxyPipelineFactory(holder, loops, proxySettings(conf), counters,
                pp, new ProxyProtocolOptions(conf.proxyProtocolTlvHeaders(), conf.upstreamProxyProtocol()), passthrough);
        proxy.accessLog(accessLogs.open(proxyLogSpec));
        for (ListenSpec s : proxySpecs) {
            listeners.bind(s, proxy);
        }
        if (!streamSpecs.isEmpty()) {
            // ip-restriction plugins come from the configuration (Admin API, declarative file) through each snapshot.
            StreamPipelineFactory stream = new StreamPipelineFactory(holder, loops.socketChannelType(),
                    streamSettings(conf), counters, StreamPipelineFactory.dnsResolver(dns), passthrough,
                    List.of(IpRestrictions.INSTANCE));
            stream.accessLog(accessLogs.open(streamLogSpec));
            for (ListenSpec s : streamSpecs) {
                listeners.bind(s, stream);
            }
        }
        AdminServer admin = new AdminServer(new AdminContext(writer, holder, counters, nodeId, hostname(),
                conf.forDisplay(), KONG_VERSION, KongJavaMain.version(), conf.adminClientMaxBodySize(),
                HeaderSettings.enabledFrom(conf), () -> clientAddress.describeAll(boundSpecs()), pp.stats()),
                TlsHandlers.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS, pp);
        admin.accessLog(accessLogs.open(adminLogSpec));
        for (ListenSpec s : adminSpecs) {
            listeners.bind(s, admin);
        }
        reportClientAddress(clientAddress, conf);
        writeListenersFile();
        Prefix.writeAtomically(prefix.pidFile(), ProcessHandle.current().pid() + "\n");
    }

    /** How {@code proxy_protocol} listeners read the header: {@code proxy_protocol_timeout}, {@code _trusted_optional}. */
    static ProxyProtocolSettings proxyProtocolSettings(KongConf conf) {
        return ProxyProtocolSettings.strict()
                .withHeaderTimeoutMillis(conf.millis("proxy_protocol_timeout"))
                .withHeaderOptionalFrom(conf.bool("proxy_protocol_trusted_optional") ? conf.trustedIps() : CidrSet.EMPTY);
    }

    static ClientAddressPolicy clientAddressPolicy(KongConf conf, ProxyProtocolSettings pp) {
        String header = conf.string("real_ip_header");
        return new ClientAddressPolicy(conf.trustedIps(), header == null ? "X-Real-IP" : header,
                conf.bool("real_ip_recursive"), pp);
    }

    /** Every bound listener once (reuseport binds one socket per loop), with its real port. */
    private List<ListenSpec> boundSpecs() {
        List<ListenSpec> out = new ArrayList<>();
        for (BoundListener b : listeners.bound()) {
            ListenSpec s = b.spec().withPort(b.localAddress().getPort());
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /** One line per listener with its effective client-address rule, then what cannot work together. */
    private void reportClientAddress(ClientAddressPolicy policy, KongConf conf) {
        List<ListenSpec> bound = boundSpecs();
        for (ListenSpec s : bound) {
            log.info("client address on {}", policy.summaryLine(s));
        }
        for (String w : policy.warnings(bound)) {
            log.warn("client address: {}", w);
        }
        if (conf.bool("proxy_protocol_trusted_optional") && conf.trustedIps().isEmpty()) {
            log.warn("client address: proxy_protocol_trusted_optional = on, but trusted_ips is empty: every peer "
                    + "must still send a PROXY header (list the load balancers in trusted_ips)");
        }
    }

    static HttpProxySettings proxySettings(KongConf conf) {
        CidrSet trusted = conf.trustedIps();
        HeaderSettings headers = new HeaderSettings(HeaderSettings.enabledFrom(conf),
                conf.upstreamRequestIdHeader(), conf.string("error_default_type"), trusted::contains,
                conf.string("real_ip_header"), conf.bool("real_ip_recursive"), conf.portMaps(),
                conf.bool("allow_debug_header"), KONG_VERSION);
        HttpLimits limits = conf.httpLimits();
        return new HttpProxySettings(headers, limits.clientMaxBodySize(), limits.clientHeaderTimeoutMillis(),
                limits.clientBodyTimeoutMillis(), limits.keepaliveTimeoutMillis(), limits.keepaliveRequests(),
                limits.largeHeaderBufferSize(), limits.largeHeaderBufferSize(),
                conf.integer("upstream_keepalive_pool_size"), conf.integer("upstream_keepalive_max_requests"),
                conf.seconds("upstream_keepalive_idle_timeout") * 1000L);
    }

    private void reportKeys() {
        if (!conf.notImplemented().isEmpty()) {
            log.info("accepted but not implemented yet (no effect): {}", String.join(", ", conf.notImplemented()));
        }
        if (!conf.nginxWithoutEffect().isEmpty()) {
            log.info("nginx directives with no effect in kong-java: {}", String.join(", ", conf.nginxWithoutEffect()));
        }
        for (String k : conf.unknownKeys()) {
            log.warn("unknown configuration key '{}' ignored", k);
            if (k.equals("stream_ip_restrictions")) {
                // Its rules no longer apply: say where they went rather than let a restriction vanish quietly.
                log.warn("stream_ip_restrictions was replaced by Kong's ip-restriction plugin: POST /routes/{route}/plugins"
                        + " (or /services/{service}/plugins) with {\"name\":\"ip-restriction\",\"config\":{\"allow\":[...],\"deny\":[...]}}");
            }
        }
    }

    private String nodeId() throws IOException {
        String configured = conf.string("node_id");
        if (configured != null) {
            return configured;
        }
        Path file = prefix.root().resolve("node.id");
        if (Files.isRegularFile(file)) {
            String id = Files.readString(file).trim();
            try {
                return UUID.fromString(id).toString();
            } catch (IllegalArgumentException ignored) {
                // regenerated below
            }
        }
        String id = UUID.randomUUID().toString();
        Prefix.writeAtomically(file, id + "\n");
        return id;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private void writeListenersFile() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (BoundListener b : listeners.bound()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", b.spec().key());
            m.put("host", b.localAddress().getAddress().getHostAddress());
            m.put("port", b.localAddress().getPort());
            m.put("ssl", b.spec().ssl());
            if (out.stream().noneMatch(o -> o.get("key").equals(m.get("key")) && o.get("port").equals(m.get("port")))) {
                out.add(m);
            }
        }
        Prefix.writeAtomically(prefix.listenersFile(),
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
    }

    /**
     * Stops the gateway. With a drain time, listeners stop accepting first and in-flight requests get
     * up to that long to finish; without, everything closes at once.
     *
     * @return true when nothing was cut short
     */
    boolean stop(long drainMillis) {
        boolean clean = true;
        if (listeners != null) {
            listeners.stopAccepting();
        }
        if (drainMillis > 0) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
            while (counters.connectionsBusy.sum() > 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            clean = counters.connectionsBusy.sum() <= 0;
            if (!clean) {
                log.warn("{} request(s) still in flight after {} ms; closing", counters.connectionsBusy.sum(), drainMillis);
            }
        }
        if (certs != null) {
            certs.close();
        }
        if (expiry != null) {
            expiry.close();
        }
        if (writer != null) {
            writer.close();
        }
        if (balancers != null) {
            balancers.close();
        }
        if (dns != null) {
            dns.close();
        }
        if (loops != null) {
            loops.close();
        }
        if (tls != null) {
            tls.close();
        }
        if (accessLogs != null) {
            // After the event loops: every line of the last requests is queued by now, and is written before exit.
            long dropped = accessLogs.dropped();
            accessLogs.close();
            if (dropped > 0) {
                log.warn("{} access-log line(s) were dropped because the disk could not keep up", dropped);
            }
        }
        try {
            if (store != null) {
                store.close();
            }
        } catch (IOException e) {
            log.warn("closing the configuration store failed: {}", e.getMessage());
        }
        try {
            Files.deleteIfExists(prefix.listenersFile());
            Files.deleteIfExists(prefix.pidFile());
            Files.deleteIfExists(prefix.quitMarker());
        } catch (IOException ignored) {
            // a stale file is harmless: health checks the pid's liveness
        }
        return clean;
    }

    static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
