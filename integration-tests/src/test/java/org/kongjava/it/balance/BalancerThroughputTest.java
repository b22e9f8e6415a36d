package org.kongjava.it.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.netty.channel.EventLoop;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.kongjava.admin.AdminContext;
import org.kongjava.admin.AdminServer;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.store.MemoryConfigStore;
import org.kongjava.core.balance.BalancerRegistry;
import org.kongjava.core.balance.DnsCache;
import org.kongjava.core.balance.DnsSettings;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.proxy.http.HttpProxyPipelineFactory;
import org.kongjava.proxy.http.HttpProxySettings;

/**
 * Opt-in benchmark ({@code -Dkongjava.bench=true}): requests/s through a service pointing at one backend
 * directly versus a service balanced over a three-target upstream. The three backends share one thread pool,
 * so both sides have the same backend capacity and the difference is the balancer's cost. Prints the figures.
 */
class BalancerThroughputTest {

    @Test
    void balancedServiceKeepsUpWithDirectService() throws Exception {
        assumeTrue(Boolean.getBoolean("kongjava.bench"), "opt-in: -Dkongjava.bench=true");
        ExecutorService backendPool = Executors.newFixedThreadPool(8);
        List<HttpServer> servers = new ArrayList<>();
        byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 3; i++) {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
            s.createContext("/", ex -> {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            s.setExecutor(backendPool);
            s.start();
            servers.add(s);
        }
        EventLoops loops = new EventLoops(2);
        DnsCache dns = new DnsCache((EventLoop) loops.workers().next(), DnsCache.datagramChannelType(loops), DnsSettings.defaults());
        BalancerRegistry registry = new BalancerRegistry(loops.workers(), loops.socketChannelType(), dns);
        SnapshotCompiler compiler = new SnapshotCompiler(registry);
        SnapshotHolder holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        ConfigWriter writer = new ConfigWriter(holder, compiler, new MemoryConfigStore());
        ListenerManager listeners = new ListenerManager(loops);
        HttpProxyPipelineFactory proxy = new HttpProxyPipelineFactory(holder, loops, HttpProxySettings.defaults(), new ServerCounters());
        int proxyPort = listeners.bind(ListenSpec.plain("proxy_listen", "127.0.0.1", 0), proxy).localAddress().getPort();
        AdminContext ctx = new AdminContext(writer, holder, new ServerCounters(), "bench", "bench", Map.of(), "3.10.0", "test",
                1 << 20, AdminContext.DEFAULT_HEADERS);
        URI admin = URI.create("http://127.0.0.1:"
                + listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0), new AdminServer(ctx)).localAddress().getPort());
        HttpClient client = HttpClient.newHttpClient();
        try {
            post(client, admin, "/upstreams", "{\"name\":\"three.test\"}");
            for (HttpServer s : servers) {
                post(client, admin, "/upstreams/three.test/targets", "{\"target\":\"127.0.0.1:" + s.getAddress().getPort() + "\"}");
            }
            post(client, admin, "/services", "{\"name\":\"direct\",\"host\":\"127.0.0.1\",\"port\":" + servers.get(0).getAddress().getPort() + "}");
            post(client, admin, "/services/direct/routes", "{\"paths\":[\"/direct\"]}");
            post(client, admin, "/services", "{\"name\":\"balanced\",\"host\":\"three.test\"}");
            post(client, admin, "/services/balanced/routes", "{\"paths\":[\"/balanced\"]}");
            double[] direct = new double[3];
            double[] balanced = new double[3];
            run(proxyPort, "/direct", 1500); // warm-up
            run(proxyPort, "/balanced", 1500);
            for (int round = 0; round < 3; round++) {
                direct[round] = run(proxyPort, "/direct", 2000);
                balanced[round] = run(proxyPort, "/balanced", 2000);
            }
            double d = java.util.Arrays.stream(direct).max().orElseThrow();
            double b = java.util.Arrays.stream(balanced).max().orElseThrow();
            System.out.printf("BENCH direct %.0f req/s, balanced over 3 targets %.0f req/s, ratio %.3f%n", d, b, b / d);
            assertTrue(b / d > 0.90, "balanced/direct = " + b / d);
        } finally {
            listeners.close();
            proxy.close();
            writer.close();
            registry.close();
            dns.close();
            loops.close();
            servers.forEach(s -> s.stop(0));
            backendPool.shutdownNow();
        }
    }

    private static void post(HttpClient c, URI admin, String path, String json) throws Exception {
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(admin.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
    }

    /** Requests/s of 16 keep-alive clients for {@code millis}. */
    private static double run(int port, String path, long millis) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        byte[] req = ("GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 16; i++) {
            Thread t = new Thread(() -> {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                    while (!stop.get()) {
                        out.write(req);
                        out.flush();
                        if (readResponse(in) != 200) {
                            errors.incrementAndGet();
                        }
                        done.incrementAndGet();
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
            });
            t.start();
            ts.add(t);
        }
        long t0 = System.nanoTime();
        Thread.sleep(millis);
        stop.set(true);
        long n = done.get();
        double secs = (System.nanoTime() - t0) / 1e9;
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(0, errors.get(), "errors on " + path);
        return n / secs;
    }

    /** Reads one response with Content-Length; returns its status. */
    private static int readResponse(InputStream in) throws Exception {
        StringBuilder line = new StringBuilder();
        int status = -1;
        int length = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException();
            }
            if (c == '\n') {
                String l = line.toString().trim();
                line.setLength(0);
                if (l.isEmpty()) {
                    break;
                }
                if (status < 0) {
                    status = Integer.parseInt(l.substring(9, 12));
                } else if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(l.substring(15).trim());
                }
            } else {
                line.append((char) c);
            }
        }
        in.readNBytes(length);
        return status;
    }
}
