package org.kongjava.dist.tproxy;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code kong-java transparent-proxy install|uninstall}: writes (or removes) the iptables rules that send this
 * host's inbound and outbound TCP through the gateway's transparent listeners, in the spirit of Kong Mesh's
 * installer. Runs {@code iptables-save}, {@code iptables-restore --noflush} and {@code ip} as processes.
 * <p>
 * All or nothing: flags are checked first; each family's change is one restore (one transaction per table);
 * when a later step fails, the tables are restored to what {@code iptables-save} printed before.
 */
public final class TransparentProxyCommand {
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final PrintStream out;
    private final PrintStream err;

    private TransparentProxyCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** The usage text, for {@code --help}. */
    public static String usage() {
        return CaptureOptions.USAGE;
    }

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code transparent-proxy}
     * @return 0 on success, 1 on failure (message on {@code err}), 2 on wrong use of the flags
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.contains("-h") || args.contains("--help")) {
            out.println(CaptureOptions.USAGE);
            return 0;
        }
        CaptureOptions o;
        try {
            o = CaptureOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            err.println(CaptureOptions.USAGE);
            return 2;
        }
        try {
            return new TransparentProxyCommand(out, err).execute(o);
        } catch (CaptureException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
    }

    private int execute(CaptureOptions o) {
        List<Boolean> families = o.ipv6() ? List.of(false, true) : List.of(false);
        if (o.dryRun()) {
            int uid = o.gatewayUser() == null ? -1 : uid(o.gatewayUser());
            for (boolean v6 : families) {
                if (o.action().equals("install")) {
                    out.println("# " + (v6 ? "ip6tables" : "iptables") + "-restore --noflush (after removing any earlier kong-java rules)");
                    out.print(CaptureRules.transition(Map.of(), CaptureRules.rules(o, v6, uid)));
                    if (o.mode() == CaptureOptions.Mode.TPROXY) {
                        CaptureRules.policyRoute(v6).forEach(c -> out.println("# " + String.join(" ", c)));
                    }
                } else {
                    out.println("# " + (v6 ? "ip6tables" : "iptables") + ": remove every rule commented "
                            + CaptureRules.COMMENT + " and the " + CaptureRules.CHAIN_PREFIX + "* chains; "
                            + "ip rule del fwmark " + CaptureRules.MARK + " lookup " + CaptureRules.ROUTE_TABLE);
                }
            }
            return 0;
        }
        requirePrivilege();
        List<String> tools = new ArrayList<>();
        for (boolean v6 : families) {
            tools.add(tool(v6, "-save"));
            tools.add(tool(v6, "-restore"));
        }
        Map<String, Path> found = new LinkedHashMap<>();
        for (String t : tools) {
            found.put(t, find(t).orElseThrow(() -> new CaptureException(t + " not found (PATH, /usr/sbin, /sbin): "
                    + "install iptables (Debian/Ubuntu: apt-get install iptables)")));
        }
        boolean tproxy = o.action().equals("install") && o.mode() == CaptureOptions.Mode.TPROXY;
        Optional<Path> ip = find("ip");
        if (tproxy && ip.isEmpty()) {
            throw new CaptureException("ip not found: --mode tproxy needs it for the policy route "
                    + "(Debian/Ubuntu: apt-get install iproute2)");
        }
        int uid = o.action().equals("install") ? uid(o.gatewayUser()) : -1;

        // Everything checked: from here on, change and roll back on failure.
        Map<Boolean, Map<String, String>> before = new LinkedHashMap<>();
        for (boolean v6 : families) {
            before.put(v6, save(found.get(tool(v6, "-save"))));
        }
        List<Boolean> applied = new ArrayList<>();
        try {
            for (boolean v6 : families) {
                Map<String, List<String>> wanted = o.action().equals("install") ? CaptureRules.rules(o, v6, uid) : Map.of();
                String text = CaptureRules.transition(before.get(v6), wanted);
                if (!text.isEmpty()) {
                    applied.add(v6);
                    restore(found.get(tool(v6, "-restore")), List.of("--noflush"), text);
                }
                if (ip.isPresent()) {
                    removePolicyRoute(ip.get(), v6);
                }
                if (tproxy) {
                    for (List<String> c : CaptureRules.policyRoute(v6)) {
                        exec(withPath(ip.get(), c), null);
                    }
                }
            }
        } catch (CaptureException e) {
            rollBack(o, before, applied, found, ip);
            throw e;
        }
        if (o.action().equals("install")) {
            out.println("kong-java transparent proxy installed (" + o.mode().name().toLowerCase() + "): inbound TCP -> port "
                    + o.inboundPort() + ", outbound TCP -> port " + o.outboundPort() + " (uid " + uid + " not captured"
                    + (o.ipv6() ? ", IPv4 and IPv6" : ", IPv4 only") + ")");
            out.println("The rules do not survive a reboot; see docs/transparent-proxying.md to persist them.");
        } else {
            boolean had = before.values().stream().anyMatch(CaptureRules::installed);
            out.println(had ? "kong-java transparent proxy rules removed" : "no kong-java transparent proxy rules were installed");
        }
        return 0;
    }

    private void rollBack(CaptureOptions o, Map<Boolean, Map<String, String>> before, List<Boolean> applied,
                          Map<String, Path> found, Optional<Path> ip) {
        for (boolean v6 : applied) {
            StringBuilder text = new StringBuilder();
            before.get(v6).forEach((table, saved) -> text.append(saved));
            try {
                // The tables as they were: a full restore of just the tables that existed; gateway rules in a
                // table that did not exist before (e.g. mangle on nft) are removed.
                if (!text.isEmpty()) {
                    restore(found.get(tool(v6, "-restore")), List.of(), text.toString());
                }
                Map<String, String> now = save(found.get(tool(v6, "-save")));
                now.keySet().removeAll(before.get(v6).keySet());
                String cleanup = CaptureRules.transition(now, Map.of());
                if (!cleanup.isEmpty()) {
                    restore(found.get(tool(v6, "-restore")), List.of("--noflush"), cleanup);
                }
            } catch (CaptureException again) {
                err.println("Error: rolling back " + tool(v6, "") + " failed too: " + again.getMessage()
                        + "; run `kong-java transparent-proxy uninstall`" + (o.ipv6() ? " --ipv6" : ""));
            }
            if (ip.isPresent()) {
                try {
                    removePolicyRoute(ip.get(), v6);
                } catch (CaptureException ignored) {
                    // best effort; the message above already tells how to clean up
                }
            }
        }
    }

    private static String tool(boolean v6, String suffix) {
        return (v6 ? "ip6tables" : "iptables") + suffix;
    }

    /**
     * The current state of the tables the gateway writes to, one iptables-save text per table. One plain
     * {@code iptables-save}: asking for a table by name ({@code -t mangle}) would create it on nft backends.
     */
    private Map<String, String> save(Path iptablesSave) {
        Map<String, String> tables = new LinkedHashMap<>();
        String table = null;
        StringBuilder current = new StringBuilder();
        for (String line : exec(List.of(iptablesSave.toString()), null).split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            if (line.startsWith("*")) {
                table = line.substring(1).trim();
                current = new StringBuilder();
            }
            current.append(line).append('\n');
            if (line.equals("COMMIT") && table != null) {
                if (CaptureRules.TABLES.contains(table)) {
                    tables.put(table, current.toString());
                }
                table = null;
            }
        }
        return tables;
    }

    private void restore(Path iptablesRestore, List<String> flags, String text) {
        List<String> cmd = new ArrayList<>();
        cmd.add(iptablesRestore.toString());
        cmd.addAll(flags);
        exec(cmd, text);
    }

    /** Deletes the TPROXY mode's ip rule (every copy) and empties its routing table; absent is fine. */
    private void removePolicyRoute(Path ip, boolean v6) {
        String family = v6 ? "-6" : "-4";
        String rules = exec(List.of(ip.toString(), family, "rule", "show"), null);
        for (String line : rules.split("\n")) {
            if (line.contains("fwmark " + CaptureRules.MARK) && line.contains("lookup " + CaptureRules.ROUTE_TABLE)) {
                exec(List.of(ip.toString(), family, "rule", "del", "fwmark", CaptureRules.MARK, "lookup",
                        Integer.toString(CaptureRules.ROUTE_TABLE)), null);
            }
        }
        String routes;
        try {
            routes = exec(List.of(ip.toString(), family, "route", "show", "table",
                    Integer.toString(CaptureRules.ROUTE_TABLE)), null);
        } catch (CaptureException noSuchTable) {
            routes = ""; // "FIB table does not exist": nothing to remove
        }
        if (!routes.isBlank()) {
            exec(List.of(ip.toString(), family, "route", "flush", "table", Integer.toString(CaptureRules.ROUTE_TABLE)), null);
        }
    }

    private static List<String> withPath(Path program, List<String> command) {
        List<String> c = new ArrayList<>(command);
        c.set(0, program.toString());
        return c;
    }

    /** Runs a command to completion; its stdout, or a {@link CaptureException} with its stderr. */
    private static String exec(List<String> command, String stdin) {
        try {
            Path errFile = Files.createTempFile("kong-java-tproxy", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectError(errFile.toFile());
                Process p = pb.start();
                try (var in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new CaptureException("`" + String.join(" ", command) + "` did not finish within "
                            + COMMAND_TIMEOUT_SECONDS + " s");
                }
                if (p.exitValue() != 0) {
                    String stderr = Files.readString(errFile).strip();
                    throw new CaptureException("`" + String.join(" ", command) + "` failed (exit " + p.exitValue() + ")"
                            + (stderr.isEmpty() ? "" : ": " + stderr) + (stdin == null ? "" : "\ninput was:\n" + stdin));
                }
                return stdout;
            } finally {
                Files.deleteIfExists(errFile);
            }
        } catch (IOException e) {
            throw new CaptureException("cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CaptureException("interrupted while running " + command.get(0));
        }
    }

    /** Root, or CAP_NET_ADMIN in the effective set (bit 12 of CapEff): iptables refuses otherwise. */
    private static void requirePrivilege() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    if ((caps & (1L << 12)) != 0) {
                        return;
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or unreadable: fall through to the error
        }
        throw new CaptureException("changing iptables rules needs root or CAP_NET_ADMIN: run it with sudo "
                + "(e.g. sudo kong-java transparent-proxy install --gateway-user kong)");
    }

    /** A uid as given, or the uid of a user name (through {@code id -u}, so NSS users work too). */
    static int uid(String user) {
        if (user.chars().allMatch(Character::isDigit)) {
            try {
                return Integer.parseInt(user);
            } catch (NumberFormatException e) {
                throw new CaptureException("--gateway-user: '" + user + "' is not a valid uid");
            }
        }
        Path id = find("id").orElseThrow(() -> new CaptureException("--gateway-user: cannot look up '" + user
                + "' (no `id` command); give the numeric uid instead"));
        try {
            return Integer.parseInt(exec(List.of(id.toString(), "-u", user), null).trim());
        } catch (CaptureException | NumberFormatException e) {
            throw new CaptureException("--gateway-user: no such user '" + user + "' (expected: a user name or uid)");
        }
    }

    private static Optional<Path> find(String program) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** A failure with a message for the operator. */
    static final class CaptureException extends RuntimeException {
        CaptureException(String message) {
            super(message);
        }
    }
}
