package org.kongjava.core.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/** DNS answers from a tiny authoritative server on loopback (A, SRV, NXDOMAIN, TTL refresh). */
@ExtendWith(LeakCheck.class)
class DnsCacheTest {
    private EventLoops loops;
    private Channel dnsServer;
    private DnsCache dns;
    /** name -> A address (4 bytes as text); changed by tests to observe refreshes. */
    private final Map<String, String> a = new ConcurrentHashMap<>();
    private final AtomicInteger queries = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        loops = new EventLoops(1);
        a.put("svc.test.", "127.0.0.1");
        a.put("node1.test.", "127.0.0.2");
        a.put("node2.test.", "127.0.0.3");
        dnsServer = new Bootstrap().group(loops.workers()).channel(DnsCache.datagramChannelType(loops))
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new Answerer());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) dnsServer.localAddress()).getPort();
        DnsSettings s = new DnsSettings(List.of(new InetSocketAddress("127.0.0.1", port)), null,
                List.of("LAST", "SRV", "A", "CNAME"), 3600, 30, 1);
        dns = new DnsCache((EventLoop) loops.workers().next(), DnsCache.datagramChannelType(loops), s);
    }

    @AfterEach
    void stop() {
        dns.close();
        dnsServer.close().syncUninterruptibly();
        loops.close();
    }

    private final class Answerer extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery q) {
            queries.incrementAndGet();
            DnsQuestion question = q.recordAt(DnsSection.QUESTION);
            DatagramDnsResponse r = new DatagramDnsResponse(q.recipient(), q.sender(), q.id());
            r.addRecord(DnsSection.QUESTION, question);
            String name = question.name();
            if (question.type() == DnsRecordType.A && a.containsKey(name)) {
                String[] parts = a.get(name).split("\\.");
                ByteBuf ip = Unpooled.buffer(4);
                for (String p : parts) {
                    ip.writeByte(Integer.parseInt(p));
                }
                r.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(name, DnsRecordType.A, 1, ip));
            } else if (question.type() == DnsRecordType.SRV && name.equals("_http._tcp.srv.test.")) {
                r.addRecord(DnsSection.ANSWER, srv(name, 10, 9001, "node1.test."));
                r.addRecord(DnsSection.ANSWER, srv(name, 30, 9002, "node2.test."));
            } else if (!a.containsKey(name) && !name.startsWith("_http")) {
                r.setCode(DnsResponseCode.NXDOMAIN);
            }
            ctx.writeAndFlush(r);
        }

        private DefaultDnsRawRecord srv(String name, int weight, int port, String target) {
            ByteBuf b = Unpooled.buffer();
            b.writeShort(1).writeShort(weight).writeShort(port);
            for (String label : target.split("\\.")) {
                b.writeByte(label.length()).writeCharSequence(label, StandardCharsets.US_ASCII);
            }
            b.writeByte(0);
            return new DefaultDnsRawRecord(name, DnsRecordType.SRV, 60, b);
        }
    }

    @Test
    void aRecordsWithTtlAndRefresh() throws Exception {
        DnsCache.Answer ans = dns.lookup("svc.test").get(5, TimeUnit.SECONDS);
        assertNull(ans.error());
        assertEquals("127.0.0.1", ans.entries().get(0).address().getHostAddress());
        assertEquals(1, ans.ttlSeconds());
        assertNotNull(dns.cached("svc.test"), "fresh within the TTL");
        int before = queries.get();
        dns.lookup("svc.test").get(5, TimeUnit.SECONDS);
        assertEquals(before, queries.get(), "no query while the answer is fresh");
        // After the TTL a lookup asks again and sees the new address.
        a.put("svc.test.", "127.0.0.9");
        Thread.sleep(1100);
        assertNull(dns.cached("svc.test"));
        assertEquals("127.0.0.9", dns.lookup("svc.test").get(5, TimeUnit.SECONDS).entries().get(0).address().getHostAddress());
    }

    @Test
    void srvAnswersCarryPortsAndWeights() throws Exception {
        DnsCache.Answer ans = dns.lookup("_http._tcp.srv.test").get(5, TimeUnit.SECONDS);
        assertEquals("SRV", ans.source());
        assertEquals(2, ans.entries().size());
        DnsCache.Entry e1 = ans.entries().get(0);
        assertEquals("127.0.0.2", e1.address().getHostAddress());
        assertEquals(9001, e1.port());
        assertEquals(10, e1.weight());
        assertEquals(9002, ans.entries().get(1).port());
    }

    @Test
    void unknownNamesAreNameErrorsNotExceptions() throws Exception {
        DnsCache.Answer ans = dns.lookup("nope.test").get(5, TimeUnit.SECONDS);
        assertTrue(ans.entries().isEmpty());
        assertEquals("dns server error: 3 name error", ans.error());
        assertEquals(30, ans.ttlSeconds(), "retried after dns_not_found_ttl");
    }

    @Test
    void balancerUsesSrvPortsWeightsAndRefreshesOnTtl() throws Exception {
        BalancerRegistry reg = new BalancerRegistry(loops.workers(), loops.socketChannelType(), dns);
        try {
            Upstream u = Fixtures.upstream("srv.upstream", Upstream.Algorithm.ROUND_ROBIN);
            Target srv = Fixtures.target(u, "_http._tcp.srv.test:80", 100);
            Target plain = Fixtures.target(u, "svc.test:8080", 100);
            Balancer b = reg.compile(Fixtures.set(u, List.of(srv, plain))).forHost("srv.upstream");
            Map<Integer, Integer> byPort = new java.util.HashMap<>();
            for (int i = 0; i < 140; i++) {
                byPort.merge(b.pick(BalanceFacts.ofClient("x")).address().getPort(), 1, Integer::sum);
            }
            // Weights 10 (SRV), 30 (SRV), 100 (target) over one 140-slot cycle.
            assertEquals(Map.of(9001, 10, 9002, 30, 8080, 100), byPort);
            assertEquals("SRV", reg.report(u.id(), srv).data().get("dns"));
            for (Peer p : b.peers()) {
                assertEquals(p.address().getPort() == 8080 ? "svc.test" : "_http._tcp.srv.test", p.hostname());
            }
            // use_srv_name: the SRV target names become the peers' host names.
            Upstream named = new Upstream(u.id(), u.name(), u.algorithm(), u.hashOn(), u.hashFallback(), u.hashOnHeader(),
                    u.hashFallbackHeader(), u.hashOnCookie(), u.hashOnCookiePath(), u.hashOnQueryArg(), u.hashFallbackQueryArg(),
                    u.hashOnUriCapture(), u.hashFallbackUriCapture(), u.slots(), u.healthchecks(), u.hostHeader(),
                    u.clientCertificate(), true, u.tags(), u.createdAt(), u.updatedAt());
            b = reg.compile(Fixtures.set(named, List.of(srv, plain))).forHost("srv.upstream");
            Pick pick = b.start(BalanceFacts.ofClient("x"));
            java.util.Set<String> names = new java.util.HashSet<>();
            for (int i = 0; i < 140; i++) {
                pick.next();
                names.add(pick.upstreamHost());
            }
            assertEquals(java.util.Set.of("node1.test", "node2.test", "svc.test"), names);
            // The A record's TTL is 1 s: the balancer follows the new address without any config change.
            a.put("svc.test.", "127.0.0.5");
            long deadline = System.nanoTime() + 5_000_000_000L;
            boolean seen = false;
            while (!seen && System.nanoTime() < deadline) {
                for (Peer p : b.peers()) {
                    seen |= p.address().getAddress().getHostAddress().equals("127.0.0.5");
                }
                Thread.sleep(20);
            }
            assertTrue(seen, "re-resolved after the TTL");
        } finally {
            reg.close();
        }
    }
}
