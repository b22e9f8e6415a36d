package org.kongjava.core.proxyprotocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.transport.EventLoops;

/**
 * Requests per second through the same listener with and without {@code proxy_protocol}, on loopback.
 * Manual: {@code mvn -pl gateway-core -am test -Dtest=ProxyProtocolBench -Dkongjava.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}. Runs A/B alternately and prints the medians; it asserts
 * nothing (a shared CI machine is too noisy for a 3 % bound), the numbers go into reviews. Leak detection
 * is switched off for the run; with the suite's paranoid level every buffer read records a stack trace.
 */
class ProxyProtocolBench {
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(US_ASCII);
    private static final byte[] RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(US_ASCII);

    /** Answers every read with one small response (the client sends one request at a time). */
    static final class Ok extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ByteBuf out = ctx.alloc().buffer(RESPONSE.length).writeBytes(RESPONSE);
            ctx.writeAndFlush(out);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the client resets each connection (SO_LINGER 0): expected here
        }
    }

    @Test
    void compare() throws Exception {
        assumeTrue(Boolean.getBoolean("kongjava.bench"), "benchmark: run with -Dkongjava.bench=true");
        // Logging would dominate: the module has no logback-test.xml, so logback defaults to DEBUG.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        // Surefire runs with paranoid leak detection, which records a stack trace on every buffer access:
        // that would bill the decoder's byte reads tens of microseconds each.
        io.netty.util.ResourceLeakDetector.Level leakLevel = io.netty.util.ResourceLeakDetector.getLevel();
        io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        try (EventLoops loops = new EventLoops(1); ListenerManager lm = new ListenerManager(loops)) {
            ProxyProtocolSettings settings = ProxyProtocolSettings.strict();
            ListenSpec plain = ListenSpec.plain("proxy_listen", "127.0.0.1", 0);
            ListenSpec pp = new ListenSpec("proxy_listen", "127.0.0.1", 0, false, false, true, false, false, false,
                    false, -1, null, null, false);
            int plainPort = lm.bind(plain, (ch, s) -> {
                ProxyProtocolPipeline.install(ch, s, settings);
                ch.pipeline().addLast(new Ok());
            }).localAddress().getPort();
            int ppPort = lm.bind(pp, (ch, s) -> {
                ProxyProtocolPipeline.install(ch, s, settings);
                ch.pipeline().addLast(new Ok());
            }).localAddress().getPort();
            byte[] v1 = "PROXY TCP4 203.0.113.7 127.0.0.1 40000 8000\r\n".getBytes(US_ASCII);
            for (boolean keepAlive : new boolean[] {false, true}) {
                List<Double> a = new ArrayList<>();
                List<Double> b = new ArrayList<>();
                List<Double> cpuA = new ArrayList<>();
                List<Double> cpuB = new ArrayList<>();
                run(plainPort, null, keepAlive, 1000); // warm-up
                run(ppPort, v1, keepAlive, 1000);
                for (int round = 0; round < 7; round++) {
                    long c0 = gatewayCpuNanos();
                    double ra = run(plainPort, null, keepAlive, 2000);
                    long c1 = gatewayCpuNanos();
                    double rb = run(ppPort, v1, keepAlive, 2000);
                    long c2 = gatewayCpuNanos();
                    a.add(ra);
                    b.add(rb);
                    cpuA.add((c1 - c0) / 1000.0 / (ra * 2)); // µs of gateway CPU per request (2 s runs)
                    cpuB.add((c2 - c1) / 1000.0 / (rb * 2));
                }
                double ma = median(a);
                double mb = median(b);
                System.out.println("rounds without " + a + ", with " + b);
                System.out.printf("PROXY bench (%s): without %.0f req/s, with %.0f req/s, difference %.1f %%%n",
                        keepAlive ? "keep-alive" : "one connection per request", ma, mb, 100 * (ma - mb) / ma);
                double ca = median(cpuA);
                double cb = median(cpuB);
                System.out.printf("PROXY bench (%s): gateway CPU per request without %.2f us, with %.2f us, "
                        + "difference %.1f %% (less sensitive to a busy machine than req/s)%n",
                        keepAlive ? "keep-alive" : "one connection per request", ca, cb, 100 * (cb - ca) / ca);
            }
        } finally {
            io.netty.util.ResourceLeakDetector.setLevel(leakLevel);
        }
    }

    private static double run(int port, byte[] header, boolean keepAlive, long millis) throws Exception {
        int threads = Integer.getInteger("bench.threads", 2);
        LongAdder done = new LongAdder();
        long end = System.nanoTime() + millis * 1_000_000L;
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                try {
                    if (keepAlive) {
                        try (Socket s = connect(port)) {
                            OutputStream out = s.getOutputStream();
                            if (header != null) {
                                out.write(header);
                            }
                            while (System.nanoTime() < end) {
                                out.write(REQUEST);
                                readResponse(s.getInputStream());
                                done.increment();
                            }
                        }
                    } else {
                        byte[] first = header == null ? REQUEST : concat(header, REQUEST);
                        while (System.nanoTime() < end) {
                            try (Socket s = connect(port)) {
                                s.getOutputStream().write(first);
                                readResponse(s.getInputStream());
                                done.increment();
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            ts.add(t);
        }
        for (Thread t : ts) {
            t.join();
        }
        return done.sum() * 1000.0 / millis;
    }

    /** CPU time of the gateway's own threads (acceptor and workers), whatever else the machine runs. */
    private static long gatewayCpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && t.getThreadName().startsWith("gw-")) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoLinger(true, 0); // RST on close: no TIME_WAIT pile-up over thousands of connections
        s.connect(new InetSocketAddress("127.0.0.1", port));
        return s;
    }

    private static void readResponse(InputStream in) throws IOException {
        int need = RESPONSE.length;
        byte[] buf = new byte[need];
        int got = 0;
        while (got < need) {
            int n = in.read(buf, got, need - got);
            if (n < 0) {
                throw new IOException("closed after " + got + " bytes");
            }
            got += n;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }
}
