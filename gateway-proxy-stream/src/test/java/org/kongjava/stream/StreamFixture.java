package org.kongjava.stream;

import org.kongjava.core.listener.Passthrough;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.CidrPort;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.listener.BoundListener;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.tls.ListenerTls;
import org.kongjava.core.tls.TlsCompiler;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.tls.DefaultCertificates;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.TlsSettings;

/** A real stream proxy on loopback (one worker loop), plus plain and TLS upstream servers and JDK clients. */
final class StreamFixture implements AutoCloseable {
    final EventLoops loops = new EventLoops(1);
    final ListenerManager listeners = new ListenerManager(loops);
    final TlsCompiler tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
    final SnapshotCompiler compiler = new SnapshotCompiler(tls);
    final SnapshotHolder holder;
    final ServerCounters counters = new ServerCounters();
    final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<ServerSocket> servers = new ArrayList<>();
    private final Map<UUID, Service> services = new LinkedHashMap<>();
    private final Map<UUID, Route> routes = new LinkedHashMap<>();
    final Map<UUID, org.kongjava.config.model.Plugin> plugins = new LinkedHashMap<>();
    private long version = 1;

    StreamFixture(Path prefix) throws Exception {
        Files.createDirectories(prefix);
        tls.register(ListenerTls.of(ListenSpec.plain("stream_listen", "127.0.0.1", 0)), 
                DefaultCertificates.ensure(prefix, DefaultCertificates.Target.PROXY));
        holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
    }

    StreamPipelineFactory factory(StreamSettings settings, List<StreamPrereadHook> hooks) {
        return new StreamPipelineFactory(holder, loops.socketChannelType(), settings, counters,
                StreamPipelineFactory.literalResolver(), Passthrough.off(), hooks);
    }

    /** Binds a stream listener on an ephemeral port; returns the port. */
    int listen(StreamPipelineFactory f, boolean ssl, boolean proxyProtocol) {
        ListenSpec s = new ListenSpec("stream_listen", "127.0.0.1", 0, ssl, false, proxyProtocol, false, false, false,
                false, -1, null, null, false);
        BoundListener b = listeners.bind(s, f);
        return b.localAddress().getPort();
    }

    Service service(String name, Protocol protocol, int port, int retries) {
        return service(name, protocol, port, retries, null);
    }

    Service service(String name, Protocol protocol, int port, int retries, Boolean tlsVerify) {
        Service s = new Service(UUID.nameUUIDFromBytes(name.getBytes()), name, protocol, "127.0.0.1", port, null, retries,
                2000, 60000, 60000, true, tlsVerify, null, null, null, null, 0, 0);
        services.put(s.id(), s);
        return s;
    }

    Route route(String name, Service s, List<Protocol> protocols, List<String> snis, List<CidrPort> sources,
                List<CidrPort> destinations) {
        Route r = new Route(UUID.nameUUIDFromBytes(("r-" + name).getBytes()), name, protocols, null, null, null, null,
                snis, sources, destinations, 426, 0, true, "v0", false, true, true, s == null ? null : s.id(), null, 0, 0);
        routes.put(r.id(), r);
        return r;
    }

    /** Adds (or replaces, by id) an ip-restriction plugin; {@link #publish} makes it live. */
    org.kongjava.config.model.Plugin ipRestriction(String id, Route r, Service s, List<String> allow, List<String> deny) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("allow", allow);
        config.put("deny", deny);
        config.put("status", null);
        config.put("message", null);
        var p = new org.kongjava.config.model.Plugin(UUID.nameUUIDFromBytes(("p-" + id).getBytes()), "ip-restriction", null,
                r == null ? null : r.id(), s == null ? null : s.id(), config,
                List.of("grpc", "grpcs", "http", "https", "tcp", "tls"), true, null, 0, 0);
        plugins.put(p.id(), p);
        return p;
    }

    /** Publishes the services, routes and plugins added so far. */
    void publish() {
        holder.publish(compiler.compile(new EntitySet(++version, services, routes, Map.of(), Map.of(), Map.of(), Map.of(),
                Map.of(), plugins)));
    }

    /** A TCP server whose connections {@code handler} serves on a virtual thread. */
    int server(Consumer<Socket> handler) throws IOException {
        ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        servers.add(ss);
        threads.execute(() -> acceptLoop(ss, handler));
        return ss.getLocalPort();
    }

    private void acceptLoop(ServerSocket ss, Consumer<Socket> handler) {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                threads.execute(() -> {
                    try (s) {
                        handler.accept(s);
                    } catch (IOException ignored) {
                        // peer went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Echoes every byte; on the client's end of input, finishes echoing and ends its own output. */
    static void echo(Socket s) {
        try {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
            out.flush();
            s.shutdownOutput();
        } catch (IOException ignored) {
            // closed
        }
    }

    final SelfSignedCertificate upstreamCert = selfSigned();

    private static SelfSignedCertificate selfSigned() {
        try {
            return new SelfSignedCertificate("upstream.test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A TLS echo server with the {@code upstream.test} certificate; records the SNI it was sent. */
    int tlsServer(List<String> snisSeen) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("k", upstreamCert.key(), new char[0], new Certificate[] {upstreamCert.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress());
        servers.add(ss);
        threads.execute(() -> acceptLoop(ss, s -> {
            try {
                SSLSocket t = (SSLSocket) s;
                t.startHandshake();
                var names = ((javax.net.ssl.ExtendedSSLSession) t.getSession()).getRequestedServerNames();
                snisSeen.add(names.isEmpty() ? "-" : ((SNIHostName) names.get(0)).getAsciiName());
                InputStream in = t.getInputStream();
                OutputStream out = t.getOutputStream();
                byte[] buf = new byte[16 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // closed
            }
        }));
        return ss.getLocalPort();
    }

    static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    /** A TLS client trusting any certificate, sending {@code sni} (null: none). */
    static SSLSocket tlsConnect(int port, String sni) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustAll()}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    static X509Certificate peerCert(SSLSocket s) throws Exception {
        return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }

    static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    @Override
    public void close() throws Exception {
        listeners.close();
        for (ServerSocket s : servers) {
            s.close();
        }
        threads.shutdownNow();
        loops.close();
        tls.close();
    }
}
