package org.kongjava.config.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dns_* keys the balancer's resolver reads. */
class DnsConfTest {
    @TempDir
    Path dir;

    private KongConf load(String text) throws IOException {
        Path f = dir.resolve("kong.conf");
        Files.writeString(f, text);
        return KongConfLoader.load(f, Map.of(), Map.of());
    }

    @Test
    void defaultsAreKongs() throws IOException {
        KongConf c = load("");
        assertEquals(List.of(), c.list("dns_resolver"));
        assertEquals("/etc/hosts", c.string("dns_hostsfile"));
        assertEquals(List.of("LAST", "SRV", "A", "CNAME"), c.list("dns_order"));
        assertEquals(3600, c.integer("dns_stale_ttl"));
        assertEquals(30, c.integer("dns_not_found_ttl"));
        assertEquals(1, c.integer("dns_error_ttl"));
        assertTrue(c.notImplemented().stream().noneMatch(k -> k.startsWith("dns_resolver") || k.startsWith("dns_order")));
    }

    @Test
    void valuesAreReadAndChecked() throws IOException {
        KongConf c = load("dns_resolver = 127.0.0.1:5353, [::1]:53, 10.0.0.2\ndns_order = A,SRV\ndns_stale_ttl = 5\n");
        assertEquals(List.of("127.0.0.1:5353", "[::1]:53", "10.0.0.2"), c.list("dns_resolver"));
        assertEquals(List.of("A", "SRV"), c.list("dns_order"));
        assertEquals(5, c.integer("dns_stale_ttl"));
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("dns_order = LAST,MX\ndns_resolver = dns.example:53\ndns_error_ttl = -1\n"));
        assertTrue(e.problems().contains("invalid dns_order: MX (expected a comma separated list of LAST, SRV, A, AAAA, CNAME)"),
                e.problems().toString());
        assertTrue(e.problems().contains("dns_resolver must be a comma separated list in the form of IPv4/6 or IPv4/6:port,"
                + " got 'dns.example:53'"), e.problems().toString());
        assertTrue(e.problems().stream().anyMatch(p -> p.startsWith("dns_error_ttl")), e.problems().toString());
    }
}
