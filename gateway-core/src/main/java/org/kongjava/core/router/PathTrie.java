package org.kongjava.core.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A radix tree of path prefixes. Each matcher is filed under every string a matching path must start
 * with (a prefix path, a regex's literal prefix, or "" for "any path"); walking a request path
 * collects, node by node, every matcher that can possibly match it. Lists at a node are in rank order.
 * Immutable after {@link Builder#build()}.
 */
final class PathTrie {

    private static final CompiledRoute[] NONE = new CompiledRoute[0];

    private final Node root;

    private PathTrie(Node root) {
        this.root = root;
    }

    /** Adds the candidate lists along {@code path} to {@code out}. */
    void collect(String path, Candidates out) {
        Node node = root;
        out.add(node.routes);
        int pos = 0;
        int n = path.length();
        while (pos < n) {
            Node child = node.child(path.charAt(pos));
            if (child == null) {
                return;
            }
            String label = child.label;
            int len = label.length();
            if (pos + len > n) {
                return;
            }
            // labels are short: a plain loop beats startsWith's vectorized mismatch call here
            for (int k = 1; k < len; k++) { // k = 0 was checked by child()
                if (path.charAt(pos + k) != label.charAt(k)) {
                    return;
                }
            }
            pos += len;
            out.add(child.routes);
            node = child;
        }
    }

    private static final class Node {
        final String label;
        final char[] firsts;   // sorted first characters of the children
        final Node[] children;
        final CompiledRoute[] routes;

        Node(String label, char[] firsts, Node[] children, CompiledRoute[] routes) {
            this.label = label;
            this.firsts = firsts;
            this.children = children;
            this.routes = routes;
        }

        Node child(char c) {
            char[] f = firsts;
            if (f.length <= 8) {
                for (int i = 0; i < f.length; i++) {
                    if (f[i] == c) {
                        return children[i];
                    }
                }
                return null;
            }
            int i = Arrays.binarySearch(f, c);
            return i >= 0 ? children[i] : null;
        }
    }

    /** Collects keys and matchers, in any order; {@link #build()} sorts each node's list by rank. */
    static final class Builder {
        private final MNode root = new MNode("");
        private final List<String> keys = new ArrayList<>();
        private final List<CompiledRoute> routes = new ArrayList<>();

        private static final class MNode {
            String label;
            final List<MNode> children = new ArrayList<>(2);
            final List<CompiledRoute> routes = new ArrayList<>(1);

            MNode(String label) {
                this.label = label;
            }

            MNode child(char c) {
                for (MNode m : children) {
                    if (m.label.charAt(0) == c) {
                        return m;
                    }
                }
                return null;
            }
        }

        /** Files every entry of {@code other} here too. */
        void addAll(Builder other) {
            for (int i = 0, n = other.keys.size(); i < n; i++) {
                add(other.keys.get(i), other.routes.get(i));
            }
        }

        void add(String key, CompiledRoute route) {
            keys.add(key);
            routes.add(route);
            MNode node = root;
            String rest = key;
            while (!rest.isEmpty()) {
                MNode child = node.child(rest.charAt(0));
                if (child == null) {
                    child = new MNode(rest);
                    node.children.add(child);
                    node = child;
                    break;
                }
                int common = commonPrefix(child.label, rest);
                if (common < child.label.length()) {
                    // split the edge: node -> mid(label[0:common]) -> child(label[common:])
                    MNode mid = new MNode(child.label.substring(0, common));
                    child.label = child.label.substring(common);
                    mid.children.add(child);
                    node.children.set(node.children.indexOf(child), mid);
                    child = mid;
                }
                node = child;
                rest = rest.substring(common);
            }
            node.routes.add(route);
        }

        private static int commonPrefix(String a, String b) {
            int n = Math.min(a.length(), b.length());
            int i = 0;
            while (i < n && a.charAt(i) == b.charAt(i)) {
                i++;
            }
            return i;
        }

        PathTrie build() {
            return new PathTrie(freeze(root));
        }

        private static Node freeze(MNode m) {
            m.children.sort((a, b) -> Character.compare(a.label.charAt(0), b.label.charAt(0)));
            char[] firsts = new char[m.children.size()];
            Node[] kids = new Node[firsts.length];
            for (int i = 0; i < firsts.length; i++) {
                MNode c = m.children.get(i);
                firsts[i] = c.label.charAt(0);
                kids[i] = freeze(c);
            }
            // rank order; a matcher filed twice under one key (duplicate paths or hosts) is kept once
            CompiledRoute[] routes = m.routes.stream()
                    .sorted((a, b) -> Integer.compare(a.rank, b.rank))
                    .distinct()
                    .toArray(CompiledRoute[]::new);
            return new Node(m.label, firsts, kids, routes.length == 0 ? NONE : routes);
        }
    }
}
