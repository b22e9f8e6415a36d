package org.kongjava.core.balance;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.HostsFileEntriesProvider;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.kongjava.config.net.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asynchronous, TTL-aware name resolution with Kong's {@code dns_*} semantics, on Netty's
 * {@link DnsNameResolver}: the hosts file first, then record types in {@code dns_order} (LAST = the type that
 * answered last time for this name), SRV answers resolved to addresses with their ports and weights. A failed
 * refresh serves the previous answer for up to {@code dns_stale_ttl} seconds. Nothing here ever blocks:
 * {@link #lookup} returns a future completed on the resolver's event loop.
 */
public final class DnsCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsCache.class);

    /**
     * One resolved address; {@code port}/{@code weight} are -1 and {@code srvName} null unless it came from an
     * SRV record ({@code srvName} = the SRV target's host name).
     */
    public record Entry(InetAddress address, int port, int weight, String srvName) {
        public Entry(InetAddress address, int port, int weight) {
            this(address, port, weight, null);
        }
    }

    /**
     * An answer.
     *
     * @param entries    addresses; empty on failure (unless stale ones are served)
     * @param source     record type that answered ({@code A}, {@code AAAA}, {@code SRV}), {@code hosts}, or null
     * @param error      Kong-style error text (e.g. {@code dns server error: 3 name error}), or null
     * @param ttlSeconds TTL of the answer; -1 = never refresh (hosts file, IP literal)
     */
    public record Answer(List<Entry> entries, String source, String error, long ttlSeconds) {
        public Answer {
            entries = List.copyOf(entries);
        }

        /** When to look the name up again, in milliseconds; -1 = never. */
        public long refreshMillis() {
            return ttlSeconds < 0 ? -1 : Math.max(1000, ttlSeconds * 1000);
        }

        /** What Kong's health endpoint shows as {@code dns}. */
        public String dnsSource() {
            if (error != null) {
                return error;
            }
            return source == null ? "unknown" : source;
        }
    }

    private record Cached(Answer answer, long expiresAtNanos) {
    }

    private final DnsSettings settings;
    private final DnsNameResolver resolver;
    private final EventLoop loop;
    private final LongSupplier clock;
    private final Map<String, List<InetAddress>> hosts;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, String> lastType = new ConcurrentHashMap<>();

    /**
     * @param loop        the event loop the resolver's socket lives on (answers complete there)
     * @param channelType the datagram channel class matching the loop's transport (epoll or NIO)
     */
    public DnsCache(EventLoop loop, Class<? extends DatagramChannel> channelType, DnsSettings settings) {
        this(loop, channelType, settings, System::nanoTime);
    }

    DnsCache(EventLoop loop, Class<? extends DatagramChannel> channelType, DnsSettings settings, LongSupplier clock) {
        this.settings = settings;
        this.loop = loop;
        this.clock = clock;
        this.hosts = readHosts(settings);
        DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
                .datagramChannelType(channelType)
                .resolveCache(NoopDnsCache.INSTANCE) // TTLs are honoured here, per answer
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .hostsFileEntriesResolver((name, types) -> null) // the configured hosts file is consulted here
                .queryTimeoutMillis(2000)
                .recursionDesired(true);
        if (!settings.resolvers().isEmpty()) {
            b.nameServerProvider(new SequentialDnsServerAddressStreamProvider(settings.resolvers()));
        } else {
            b.nameServerProvider(DnsServerAddressStreamProviders.platformDefault());
        }
        this.resolver = b.build();
    }

    /** The datagram channel class matching the workers' transport. */
    public static Class<? extends DatagramChannel> datagramChannelType(org.kongjava.core.transport.EventLoops loops) {
        return loops.isEpoll() ? io.netty.channel.epoll.EpollDatagramChannel.class
                : io.netty.channel.socket.nio.NioDatagramChannel.class;
    }

    private static Map<String, List<InetAddress>> readHosts(DnsSettings s) {
        Map<String, List<InetAddress>> m = new LinkedHashMap<>();
        if (s.hostsFile() == null || !s.hostsFile().toFile().isFile()) {
            return m;
        }
        HostsFileEntriesProvider p = HostsFileEntriesProvider.parser().parseSilently(s.hostsFile().toFile());
        // IPv4 first, as Kong's default dns_order has A and no AAAA.
        p.ipv4Entries().forEach((k, v) -> m.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
        if (s.order().contains("AAAA")) {
            p.ipv6Entries().forEach((k, v) -> m.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
        }
        return m;
    }

    /** The cached answer when still fresh, else null; never starts a query. */
    public Answer cached(String name) {
        Cached c = cache.get(key(name));
        return c != null && c.expiresAtNanos - clock.getAsLong() > 0 ? c.answer : null;
    }

    /**
     * Resolves a host name: an IP literal or hosts-file name completes at once; a fresh cached answer is
     * reused; otherwise the name is queried. Never fails exceptionally: errors come back as an {@link Answer}
     * with {@code error} set (and stale entries when allowed).
     */
    public CompletableFuture<Answer> lookup(String name) {
        InetAddress literal = IpAddresses.parseLiteral(name);
        if (literal != null) {
            return CompletableFuture.completedFuture(new Answer(List.of(new Entry(literal, -1, -1)), "ip", null, -1));
        }
        String k = key(name);
        List<InetAddress> h = hosts.get(k);
        if (h != null && !h.isEmpty()) {
            List<Entry> es = h.stream().map(a -> new Entry(a, -1, -1)).toList();
            return CompletableFuture.completedFuture(new Answer(es, "A", null, -1));
        }
        Answer fresh = cached(name);
        if (fresh != null) {
            return CompletableFuture.completedFuture(fresh);
        }
        CompletableFuture<Answer> out = new CompletableFuture<>();
        List<String> types = typesFor(k);
        loop.execute(() -> tryTypes(k, types, 0, null, out));
        return out;
    }

    private List<String> typesFor(String k) {
        List<String> types = new ArrayList<>();
        for (String t : settings.order()) {
            if (t.equals("LAST")) {
                String last = lastType.get(k);
                if (last != null) {
                    types.add(last);
                }
            } else if (!t.equals("CNAME") && !types.contains(t)) {
                types.add(t); // CNAMEs are followed by the A/AAAA queries themselves
            }
        }
        if (types.isEmpty()) {
            types.add("A");
        }
        return types;
    }

    private void tryTypes(String name, List<String> types, int i, String firstError, CompletableFuture<Answer> out) {
        if (i >= types.size()) {
            finish(name, new Answer(List.of(), null, firstError == null ? "dns client error: 101 empty record received" : firstError,
                    0), out);
            return;
        }
        String type = types.get(i);
        DnsRecordType rt = switch (type) {
            case "SRV" -> DnsRecordType.SRV;
            case "AAAA" -> DnsRecordType.AAAA;
            default -> DnsRecordType.A;
        };
        resolver.resolveAll(new DefaultDnsQuestion(name, rt)).addListener(f -> {
            if (!f.isSuccess()) {
                String err = f.cause() instanceof UnknownHostException ? "dns server error: 3 name error"
                        : "dns server error: " + f.cause().getMessage();
                tryTypes(name, types, i + 1, firstError == null ? err : firstError, out);
                return;
            }
            @SuppressWarnings("unchecked")
            List<DnsRecord> records = (List<DnsRecord>) f.getNow();
            try {
                if (rt == DnsRecordType.SRV) {
                    List<Srv> srvs = srvRecords(records);
                    if (srvs.isEmpty()) {
                        tryTypes(name, types, i + 1, firstError, out);
                    } else {
                        resolveSrv(name, srvs, out);
                    }
                    return;
                }
                List<Entry> es = new ArrayList<>();
                long ttl = Long.MAX_VALUE;
                for (DnsRecord r : records) {
                    if (r.type() == rt && r instanceof DnsRawRecord raw) {
                        ByteBuf c = raw.content();
                        byte[] bytes = new byte[c.readableBytes()];
                        c.getBytes(c.readerIndex(), bytes);
                        es.add(new Entry(InetAddress.getByAddress(bytes), -1, -1));
                        ttl = Math.min(ttl, r.timeToLive());
                    }
                }
                if (es.isEmpty()) {
                    tryTypes(name, types, i + 1, firstError, out);
                } else {
                    lastType.put(name, type);
                    finish(name, new Answer(es, type, null, ttl), out);
                }
            } catch (UnknownHostException e) {
                tryTypes(name, types, i + 1, firstError, out);
            } finally {
                records.forEach(ReferenceCountUtil::release);
            }
        });
    }

    private record Srv(String target, int port, int weight, long ttl) {
    }

    private static List<Srv> srvRecords(List<DnsRecord> records) {
        List<Srv> out = new ArrayList<>();
        for (DnsRecord r : records) {
            if (r.type() == DnsRecordType.SRV && r instanceof DnsRawRecord raw) {
                ByteBuf c = raw.content().duplicate();
                c.skipBytes(2); // priority: Kong does not use it
                int weight = c.readUnsignedShort();
                int port = c.readUnsignedShort();
                String target = DefaultDnsRecordDecoder.decodeName(c);
                if (target.endsWith(".")) {
                    target = target.substring(0, target.length() - 1);
                }
                out.add(new Srv(target, port, weight, r.timeToLive()));
            }
        }
        return out;
    }

    /** Resolves each SRV target to addresses (A, then AAAA when ordered); the answer keeps SRV ports/weights. */
    private void resolveSrv(String name, List<Srv> srvs, CompletableFuture<Answer> out) {
        List<CompletableFuture<Answer>> parts = new ArrayList<>();
        for (Srv s : srvs) {
            parts.add(s.target.equalsIgnoreCase(name) ? CompletableFuture.completedFuture(null) : lookup(s.target));
        }
        CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).whenComplete((x, t) -> {
            List<Entry> es = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            for (int i = 0; i < srvs.size(); i++) {
                Srv s = srvs.get(i);
                Answer a = parts.get(i).getNow(null);
                ttl = Math.min(ttl, s.ttl);
                if (a == null) {
                    continue;
                }
                if (a.ttlSeconds() >= 0) {
                    ttl = Math.min(ttl, a.ttlSeconds());
                }
                for (Entry e : a.entries()) {
                    es.add(new Entry(e.address(), s.port, s.weight, s.target));
                }
            }
            if (es.isEmpty()) {
                finish(name, new Answer(List.of(), null, "dns client error: 101 empty record received", 0), out);
            } else {
                lastType.put(name, "SRV");
                finish(name, new Answer(es, "SRV", null, ttl), out);
            }
        });
    }

    private void finish(String name, Answer a, CompletableFuture<Answer> out) {
        long now = clock.getAsLong();
        if (a.error() != null) {
            boolean notFound = a.error().contains("name error") || a.error().contains("empty record");
            long retry = notFound ? settings.notFoundTtl() : settings.errorTtl();
            Cached prev = cache.get(name);
            if (prev != null && prev.answer.error() == null && !prev.answer.entries().isEmpty()
                    && now - prev.expiresAtNanos < settings.staleTtl() * 1_000_000_000L) {
                // Serve stale while the refresh fails, as Kong's dns_stale_ttl does; retry soon.
                Answer stale = new Answer(prev.answer.entries(), prev.answer.source(), null, Math.max(1, settings.errorTtl()));
                log.warn("dns: refreshing {} failed ({}); serving the previous answer", name, a.error());
                out.complete(stale);
                return;
            }
            a = new Answer(List.of(), null, a.error(), Math.max(1, retry));
            log.warn("dns: resolving {} failed: {}", name, a.error());
        }
        cache.put(name, new Cached(a, now + a.ttlSeconds() * 1_000_000_000L));
        out.complete(a);
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        resolver.close();
    }
}
