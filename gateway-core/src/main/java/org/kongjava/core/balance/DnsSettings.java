package org.kongjava.core.balance;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kongjava.config.conf.KongConf;
import org.kongjava.config.net.IpAddresses;

/**
 * The {@code dns_*} settings of kong.conf.
 *
 * @param resolvers   name servers ({@code dns_resolver}); empty = the system's ({@code /etc/resolv.conf})
 * @param hostsFile   {@code dns_hostsfile}, read once at start; null = none
 * @param order       {@code dns_order}, upper-case: LAST, SRV, A, AAAA, CNAME
 * @param staleTtl    seconds a stale answer is still served while a refresh fails ({@code dns_stale_ttl})
 * @param notFoundTtl seconds before retrying a name that does not exist or has no records ({@code dns_not_found_ttl})
 * @param errorTtl    seconds before retrying after a server error ({@code dns_error_ttl})
 */
public record DnsSettings(List<InetSocketAddress> resolvers, Path hostsFile, List<String> order, long staleTtl,
                          long notFoundTtl, long errorTtl) {

    public DnsSettings {
        resolvers = List.copyOf(resolvers);
        order = List.copyOf(order);
    }

    /** Kong's defaults. */
    public static DnsSettings defaults() {
        return new DnsSettings(List.of(), Path.of("/etc/hosts"), List.of("LAST", "SRV", "A", "CNAME"), 3600, 30, 1);
    }

    /** From a loaded (already validated) kong.conf. */
    public static DnsSettings from(KongConf conf) {
        List<InetSocketAddress> rs = new ArrayList<>();
        for (String item : conf.list("dns_resolver")) {
            rs.add(parseResolver(item));
        }
        String hosts = conf.string("dns_hostsfile");
        List<String> order = new ArrayList<>();
        for (String o : conf.list("dns_order")) {
            order.add(o.toUpperCase(Locale.ROOT));
        }
        return new DnsSettings(rs, hosts == null ? null : Path.of(hosts), order, conf.integer("dns_stale_ttl"),
                conf.integer("dns_not_found_ttl"), conf.integer("dns_error_ttl"));
    }

    /** {@code ip}, {@code ip:port} or {@code [ipv6]:port}; port 53 when omitted. */
    static InetSocketAddress parseResolver(String item) {
        String host = item;
        int port = 53;
        if (item.startsWith("[")) {
            int close = item.indexOf(']');
            host = item.substring(1, close);
            if (close + 1 < item.length()) {
                port = Integer.parseInt(item.substring(close + 2));
            }
        } else if (item.indexOf(':') >= 0 && item.indexOf(':') == item.lastIndexOf(':')) {
            host = item.substring(0, item.indexOf(':'));
            port = Integer.parseInt(item.substring(item.indexOf(':') + 1));
        }
        return new InetSocketAddress(IpAddresses.parseLiteral(host), port);
    }
}
