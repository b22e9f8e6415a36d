package org.kongjava.core.router;

import java.util.Arrays;

/**
 * The candidate lists gathered for one request (one per index entry hit), each in rank order.
 * {@link #next()} merges them, so matchers come out in global priority order: the first one that
 * matches is the one Kong's ordered scan would pick. Confined to the calling thread.
 */
final class Candidates {
    // The common case is one non-empty list; the arrays for merging are made only for a second one.
    private CompiledRoute[] single;
    private int singlePos;
    private CompiledRoute[][] lists;
    private int[] pos;
    private int count;
    private int lastRank = -1;

    void add(CompiledRoute[] list) {
        if (list.length == 0) {
            return;
        }
        if (count == 0) {
            single = list;
            count = 1;
            return;
        }
        if (lists == null) {
            lists = new CompiledRoute[8][];
            pos = new int[8];
            lists[0] = single;
        } else if (count == lists.length) {
            lists = Arrays.copyOf(lists, count * 2);
            pos = Arrays.copyOf(pos, count * 2);
        }
        lists[count++] = list;
    }

    /** The next matcher by rank, skipping one already returned (a matcher can sit in several lists); null at the end. */
    CompiledRoute next() {
        if (lists == null) {
            // a single list has no duplicates (the trie keeps one entry per matcher and node)
            return single != null && singlePos < single.length ? single[singlePos++] : null;
        }
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i < count; i++) {
                CompiledRoute[] l = lists[i];
                int p = pos[i];
                if (p < l.length && l[p].rank < bestRank) {
                    bestRank = l[p].rank;
                    best = i;
                }
            }
            if (best < 0) {
                return null;
            }
            CompiledRoute r = lists[best][pos[best]++];
            if (r.rank != lastRank) {
                lastRank = r.rank;
                return r;
            }
        }
    }
}
