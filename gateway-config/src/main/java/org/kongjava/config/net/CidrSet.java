package org.kongjava.config.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * An immutable set of IPv4/IPv6 addresses and CIDR blocks, plus the special entry {@code unix:} (connections
 * over a unix domain socket), as used by {@code trusted_ips}.
 *
 * <p>IPv4-mapped IPv6 addresses ({@code ::ffff:10.0.0.1}) are treated as the IPv4 address they carry, both
 * in entries and in {@link #contains(InetAddress)}: a dual-stack socket reports IPv4 peers that way, and the
 * operator wrote an IPv4 rule for them. So {@code ::/0} alone does not cover IPv4 peers;
 * {@code 0.0.0.0/0,::/0} covers everyone.
 */
public final class CidrSet {

    /** The empty set: trusts nobody. */
    public static final CidrSet EMPTY = new CidrSet(List.of(), new int[0], new int[0], new long[0], new int[0], false);

    private static final String UNIX = "unix:";

    private final List<String> entries;
    // Parallel arrays keep contains() allocation-free; it runs once per connection.
    private final int[] v4Net;
    private final int[] v4Mask;
    private final long[] v6Net; // two longs per entry: high, low
    private final int[] v6Prefix;
    private final boolean unix;

    private CidrSet(List<String> entries, int[] v4Net, int[] v4Mask, long[] v6Net, int[] v6Prefix, boolean unix) {
        this.entries = entries;
        this.v4Net = v4Net;
        this.v4Mask = v4Mask;
        this.v6Net = v6Net;
        this.v6Prefix = v6Prefix;
        this.unix = unix;
    }

    /**
     * Parses entries such as {@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code ::1}, {@code 2001:db8::/32},
     * {@code unix:}. Host bits below the prefix are ignored, as nginx does.
     *
     * @throws IllegalArgumentException naming the first invalid entry
     */
    public static CidrSet parse(Collection<String> items) {
        List<String> kept = new ArrayList<>();
        List<int[]> v4 = new ArrayList<>();
        List<long[]> v6 = new ArrayList<>();
        boolean unix = false;
        for (String raw : items) {
            String item = raw.strip();
            if (item.isEmpty()) {
                continue;
            }
            kept.add(item);
            if (item.equals(UNIX)) {
                unix = true;
                continue;
            }
            Parsed p = parseEntry(item);
            if (p == null) {
                throw new IllegalArgumentException("invalid IP address or CIDR block: '" + item
                        + "' (expected an IPv4 or IPv6 address, a CIDR block like 10.0.0.0/8, or 'unix:')");
            }
            if (p.v4) {
                int mask = p.prefix == 0 ? 0 : -1 << (32 - p.prefix);
                v4.add(new int[] {p.v4Bits & mask, mask});
            } else {
                long[] masked = maskV6(p.hi, p.lo, p.prefix);
                v6.add(new long[] {masked[0], masked[1], p.prefix});
            }
        }
        if (kept.isEmpty()) {
            return EMPTY;
        }
        int[] v4Net = new int[v4.size()];
        int[] v4Mask = new int[v4.size()];
        for (int i = 0; i < v4.size(); i++) {
            v4Net[i] = v4.get(i)[0];
            v4Mask[i] = v4.get(i)[1];
        }
        long[] v6Net = new long[v6.size() * 2];
        int[] v6Prefix = new int[v6.size()];
        for (int i = 0; i < v6.size(); i++) {
            v6Net[2 * i] = v6.get(i)[0];
            v6Net[2 * i + 1] = v6.get(i)[1];
            v6Prefix[i] = (int) v6.get(i)[2];
        }
        return new CidrSet(List.copyOf(kept), v4Net, v4Mask, v6Net, v6Prefix, unix);
    }

    /** Parses a comma-separated list; see {@link #parse(Collection)}. */
    public static CidrSet parse(String commaSeparated) {
        return parse(List.of(commaSeparated.split(",")));
    }

    /** True when {@code item} is an IP, a CIDR block or {@code unix:}. */
    public static boolean isValidEntry(String item) {
        return item != null && (item.equals(UNIX) || parseEntry(item) != null);
    }

    /** True when {@code address} is in one of the blocks. A null address (unix socket peer) is never contained. */
    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address && isV4Mapped(b)) {
            return containsV4(toInt(b, 12));
        }
        if (address instanceof Inet4Address) {
            return containsV4(toInt(b, 0));
        }
        long hi = toLong(b, 0);
        long lo = toLong(b, 8);
        for (int i = 0; i < v6Prefix.length; i++) {
            int prefix = v6Prefix[i];
            long hiMask = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
            long loMask = prefix >= 128 ? -1L : prefix <= 64 ? 0 : -1L << (128 - prefix);
            if ((hi & hiMask) == v6Net[2 * i] && (lo & loMask) == v6Net[2 * i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code unix:} was listed: connections arriving over a unix domain socket are trusted. */
    public boolean includesUnix() {
        return unix;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The entries as written (trimmed), in order. */
    public List<String> entries() {
        return entries;
    }

    @Override
    public String toString() {
        return String.join(",", entries);
    }

    private boolean containsV4(int addr) {
        for (int i = 0; i < v4Net.length; i++) {
            if ((addr & v4Mask[i]) == v4Net[i]) {
                return true;
            }
        }
        return false;
    }

    private record Parsed(boolean v4, int v4Bits, long hi, long lo, int prefix) {
    }

    private static Parsed parseEntry(String item) {
        String addr = item;
        int prefix = -1;
        int slash = item.indexOf('/');
        if (slash >= 0) {
            String digits = item.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3) {
                return null;
            }
            prefix = 0;
            for (int i = 0; i < digits.length(); i++) {
                char c = digits.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
                prefix = prefix * 10 + (c - '0');
            }
            addr = item.substring(0, slash);
        }
        if (addr.startsWith("[")) {
            return null; // brackets belong to host:port syntax, not to trusted_ips entries
        }
        InetAddress ip = IpAddresses.parseLiteral(addr);
        if (ip == null) {
            return null;
        }
        byte[] b = ip.getAddress();
        boolean writtenAsV6 = addr.indexOf(':') >= 0;
        int max = writtenAsV6 ? 128 : 32;
        if (prefix > max) {
            return null;
        }
        if (prefix < 0) {
            prefix = max;
        }
        if (b.length == 4) {
            // Either IPv4 as written, or an IPv4-mapped IPv6 that InetAddress already unwrapped.
            int v4Prefix = writtenAsV6 ? prefix - 96 : prefix;
            if (v4Prefix >= 0) {
                return new Parsed(true, toInt(b, 0), 0, 0, v4Prefix);
            }
            // ::ffff:0:0/95 and wider: keep as IPv6 bits.
            byte[] full = new byte[16];
            full[10] = (byte) 0xff;
            full[11] = (byte) 0xff;
            System.arraycopy(b, 0, full, 12, 4);
            b = full;
        }
        return new Parsed(false, 0, toLong(b, 0), toLong(b, 8), prefix);
    }

    private static boolean isV4Mapped(byte[] b) {
        if (b.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static long[] maskV6(long hi, long lo, int prefix) {
        if (prefix >= 128) {
            return new long[] {hi, lo};
        }
        if (prefix >= 64) {
            long mask = prefix == 64 ? 0 : -1L << (128 - prefix);
            return new long[] {hi, lo & mask};
        }
        long mask = prefix == 0 ? 0 : -1L << (64 - prefix);
        return new long[] {hi & mask, 0};
    }

    private static int toInt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    private static long toLong(byte[] b, int off) {
        return (long) toInt(b, off) << 32 | (toInt(b, off + 4) & 0xffffffffL);
    }
}
