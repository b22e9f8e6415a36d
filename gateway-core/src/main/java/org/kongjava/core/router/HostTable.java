package org.kongjava.core.router;

import java.util.Map;

/**
 * An immutable open-addressing map from host fragments (wildcard suffixes like {@code .example.com},
 * prefixes like {@code shop.}) to path tries, looked up by a region of the request host and that
 * region's {@link String#hashCode()} computed incrementally by the caller: no substring per lookup.
 */
final class HostTable {
    static final HostTable EMPTY = new HostTable(Map.of());

    private final int mask;
    private final int[] hashes;
    private final String[] keys;
    private final PathTrie[] values;
    private final int size;

    HostTable(Map<String, PathTrie> entries) {
        int cap = Integer.highestOneBit(Math.max(2, entries.size() * 2 + 1) - 1) << 1;
        this.mask = cap - 1;
        this.hashes = new int[cap];
        this.keys = new String[cap];
        this.values = new PathTrie[cap];
        this.size = entries.size();
        for (Map.Entry<String, PathTrie> e : entries.entrySet()) {
            int h = e.getKey().hashCode();
            int i = spread(h) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            hashes[i] = h;
            keys[i] = e.getKey();
            values[i] = e.getValue();
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /** The trie for {@code host[from, from+len)}, whose String hash is {@code hash}; null when absent. */
    PathTrie get(int hash, String host, int from, int len) {
        int i = spread(hash) & mask;
        String k;
        while ((k = keys[i]) != null) {
            if (hashes[i] == hash && k.length() == len && host.startsWith(k, from)) {
                return values[i];
            }
            i = (i + 1) & mask;
        }
        return null;
    }
}
