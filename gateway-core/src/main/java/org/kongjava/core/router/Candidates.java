package org.kongjava.core.router;

import java.util.Arrays;

/**
 * The candidate lists gathered for one request (one per index entry hit), each in rank order.
 * {@link #next()} merges them, so matchers come out in global priority order: the first one that
 * matches is the one Kong's ordered scan would pick. Confined to the calling thread.
 */
final class Candidates {
    private CompiledRoute[][] lists = new CompiledRoute[8][];
    private int[] pos = new int[8];
    private int count;
    private int lastRank = -1;

    void add(CompiledRoute[] list) {
        if (list.length == 0) {
            return;
        }
        if (count == lists.length) {
            lists = Arrays.copyOf(lists, count * 2);
            pos = Arrays.copyOf(pos, count * 2);
        }
        lists[count++] = list;
    }

    /** The next matcher by rank, skipping one already returned (a matcher can sit in several lists); null at the end. */
    CompiledRoute next() {
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
