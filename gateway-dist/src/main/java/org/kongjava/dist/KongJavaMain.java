package org.kongjava.dist;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.kongjava.config.conf.ConfigException;
import org.kongjava.config.conf.KongConf;
import org.kongjava.config.conf.KongConfLoader;
import org.kongjava.dist.tproxy.TransparentProxyCommand;
import org.slf4j.LoggerFactory;

/**
 * {@code kong-java}: start, stop, quit, health, check, version. Exit status 0 on success, 1 on any
 * failure (with {@code Error: <message>} on stderr), 2 for wrong use of the command line.
 */
public final class KongJavaMain {
    private static final String DEFAULT_PREFIX = "/usr/local/kong";

    private static final Map<String, String> USAGE = Map.of(
            "start", """
                    Usage: kong-java start [OPTIONS]
                    Starts the gateway in the foreground (Ctrl-C or `kong-java stop` ends it).
                      -c, --conf FILE    configuration file (default: /etc/kong/kong.conf or /etc/kong.conf if present)
                      -p, --prefix DIR   working directory for logs, pid and state (default: /usr/local/kong)
                      --daemon           run in the background; returns once the gateway listens
                      --v, --vv          verbose / debug logging""",
            "stop", """
                    Usage: kong-java stop [-p PREFIX]
                    Stops the gateway running in PREFIX at once (in-flight requests are cut).""",
            "quit", """
                    Usage: kong-java quit [-p PREFIX] [-w SECONDS] [-t SECONDS]
                    Stops gracefully: waits --wait seconds (default 0), stops accepting connections, lets in-flight
                    requests finish for up to --timeout seconds (default 10), then stops.""",
            "health", """
                    Usage: kong-java health [-p PREFIX]
                    Exits 0 when a gateway is running in PREFIX, 1 otherwise.""",
            "check", """
                    Usage: kong-java check [FILE]
                    Validates a configuration file (default /etc/kong/kong.conf) and the KONG_* environment.""",
            "migrations", """
                    Usage: kong-java migrations COMMAND [-c CONF] [-p PREFIX] [--yes]
                    Manages the database schema (database = embedded or postgres):
                      bootstrap   create the schema on an empty database
                      up          run new migrations
                      finish      finish pending migrations (after every node runs the new release)
                      list        show executed, pending and new migrations (exit 3: not bootstrapped,
                                  4: pending, 5: new migrations)
                      reset       drop everything kong-java stored (needs --yes)
                    The embedded database migrates itself on start.""",
            "config", """
                    Usage: kong-java config COMMAND FILE [-c CONF] [-p PREFIX]
                    Declarative configuration (Kong's kong.yml, _format_version 1.1, 2.1 or 3.0):
                      parse FILE       validate FILE; lists entity types skipped as not supported yet
                      db_import FILE   add FILE's entities to the configured store (upserts by id)
                      db_export [FILE] write the stored configuration as YAML (default ./kong.yml; never overwrites)
                    With database = off the store is the configuration the node last applied (in the prefix).""",
            "version", """
                    Usage: kong-java version
                    Prints the kong-java version and the Kong version it is compatible with.""");

    private static final String MAIN_USAGE = """
            Usage: kong-java COMMAND [OPTIONS]
            Commands: start, stop, quit, health, check, migrations, config, transparent-proxy, version
            Run `kong-java COMMAND --help` for a command's options.""";

    private KongJavaMain() {
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length > 0 && argv[0].equals("transparent-proxy")) { // its own flags (iptables installer)
            return TransparentProxyCommand.run(List.of(argv).subList(1, argv.length), out, err);
        }
        CliArgs args;
        try {
            args = CliArgs.parse(argv);
        } catch (CliArgs.UsageException e) {
            err.println("Error: " + e.getMessage());
            err.println(MAIN_USAGE);
            return 2;
        }
        if (args.command() == null || "help".equals(args.command())) {
            (args.command() == null && !args.help() ? err : out).println(MAIN_USAGE);
            return args.command() == null && !args.help() ? 2 : 0;
        }
        String usage = USAGE.get(args.command());
        if (usage == null) {
            err.println("Error: unknown command '" + args.command() + "'");
            err.println(MAIN_USAGE);
            return 2;
        }
        if (args.help()) {
            out.println(usage);
            return 0;
        }
        try {
            return switch (args.command()) {
                case "start" -> start(args, argv, out);
                case "stop" -> stop(args, out, false);
                case "quit" -> stop(args, out, true);
                case "health" -> health(args, out);
                case "check" -> check(args, out, err);
                case "migrations", "config" -> {
                    KongConf conf = loadConf(args);
                    Path prefix = Path.of(conf.string("prefix")).toAbsolutePath().normalize();
                    yield args.command().equals("config")
                            ? StoreCommands.config(conf, prefix, args.positional(), out, err)
                            : StoreCommands.migrations(conf, prefix, args.positional(), args.yes(), out, err);
                }
                default -> {
                    out.println("kong-java " + version() + " (Kong " + GatewayServer.KONG_VERSION + " compatible)");
                    yield 0;
                }
            };
        } catch (ConfigException e) {
            for (String p : e.problems()) {
                err.println("Error: " + p);
            }
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("Error: interrupted");
            return 1;
        } catch (Exception e) {
            // Expected failures carry a message for the operator; anything else names its type too.
            boolean expected = e instanceof IllegalArgumentException || e instanceof IOException
                    || e instanceof IllegalStateException;
            err.println("Error: " + (expected || e.getMessage() == null ? String.valueOf(e.getMessage()) : e.getMessage())
                    + (expected ? "" : " (" + e.getClass().getSimpleName() + ")"));
            return 1;
        }
    }

    static String version() {
        String v = KongJavaMain.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static KongConf loadConf(CliArgs args) throws ConfigException {
        Path conf = args.conf() != null ? Path.of(args.conf()) : KongConfLoader.defaultConfPath();
        Map<String, String> overrides = new HashMap<>();
        if (args.prefix() != null) {
            overrides.put("prefix", args.prefix());
        }
        if (args.logLevel() != null) {
            overrides.put("log_level", args.logLevel());
        }
        return KongConfLoader.load(conf, System.getenv(), overrides);
    }

    /** The prefix for commands that act on a running gateway: -p, else KONG_PREFIX, else Kong's default. */
    private static Prefix prefixOf(CliArgs args) {
        String p = args.prefix();
        if (p == null) {
            p = System.getenv("KONG_PREFIX");
        }
        return new Prefix(Path.of(p == null ? DEFAULT_PREFIX : p).toAbsolutePath().normalize());
    }

    private static int start(CliArgs args, String[] argv, PrintStream out) throws Exception {
        KongConf conf = loadConf(args);
        GatewayServer.validateForStart(conf);
        Prefix prefix = new Prefix(Path.of(conf.string("prefix")).toAbsolutePath().normalize());
        Optional<ProcessHandle> running = prefix.running();
        if (running.isPresent()) {
            throw new IllegalStateException("kong-java is already running in " + prefix.root()
                    + " (pid " + running.get().pid() + ")");
        }
        prefix.prepare();
        if (args.daemon()) {
            return Daemon.launch(argv, prefix, out);
        }
        LoggingSetup.configure(conf.string("log_level"), prefix.resolve(conf.string("proxy_error_log")));
        Files.deleteIfExists(prefix.quitMarker());
        Prefix.writeAtomically(prefix.kongEnv(), kongEnv(conf));

        GatewayServer server = new GatewayServer(conf, prefix);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long drain = quitDrainMillis(prefix);
            var log = LoggerFactory.getLogger(KongJavaMain.class);
            log.info(drain > 0 ? "graceful stop: draining in-flight requests (up to {} ms)" : "stopping", drain);
            boolean clean = server.stop(drain);
            log.info(clean ? "kong-java stopped" : "kong-java stopped (in-flight requests were cut)");
            stopped.countDown();
        }, "gw-shutdown"));
        try {
            server.start();
        } catch (RuntimeException | IOException e) {
            server.stop(0);
            throw e;
        }
        long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        LoggerFactory.getLogger(KongJavaMain.class).info("kong-java {} started in {} ms (prefix {})",
                version(), sinceJvmStart, prefix.root());
        out.println("kong-java started");
        out.flush();
        stopped.await();
        return 0;
    }

    private static long quitDrainMillis(Prefix prefix) {
        try {
            if (Files.isRegularFile(prefix.quitMarker())) {
                return Math.max(1, Long.parseLong(Files.readString(prefix.quitMarker()).trim())) * 1000L;
            }
        } catch (IOException | NumberFormatException ignored) {
            // fall through to a fast stop
        }
        return 0;
    }

    /** The effective configuration, as Kong writes it to {@code .kong_env} for later commands. */
    private static String kongEnv(KongConf conf) {
        StringBuilder sb = new StringBuilder();
        List<String> keys = new ArrayList<>(conf.effective().keySet());
        keys.sort(null);
        for (String k : keys) {
            sb.append(k).append(" = ").append(conf.effective().get(k)).append('\n');
        }
        return sb.toString();
    }

    private static int stop(CliArgs args, PrintStream out, boolean graceful) throws IOException, InterruptedException {
        Prefix prefix = prefixOf(args);
        if (!Files.isDirectory(prefix.root())) {
            throw new IllegalStateException("no such prefix: " + prefix.root());
        }
        ProcessHandle ph = prefix.running()
                .orElseThrow(() -> new IllegalStateException("kong-java is not running in " + prefix.root()));
        if (graceful) {
            if (args.waitSeconds() > 0) {
                Thread.sleep(args.waitSeconds() * 1000L);
            }
            Prefix.writeAtomically(prefix.quitMarker(), args.timeoutSeconds() + "\n");
        }
        ph.destroy(); // SIGTERM: the shutdown hook stops fast, or drains when the quit marker is there
        long waitMs = graceful ? args.timeoutSeconds() * 1000L + 5000 : 10_000;
        boolean exited = ph.onExit().completeOnTimeout(null, waitMs, TimeUnit.MILLISECONDS).join() != null
                || !ph.isAlive();
        if (!exited) {
            ph.destroyForcibly();
            ph.onExit().completeOnTimeout(null, 5, TimeUnit.SECONDS).join();
            out.println("Timeout, kong-java stopped forcefully");
            return 0;
        }
        out.println(graceful ? "kong-java stopped (gracefully)" : "kong-java stopped");
        return 0;
    }

    private static int health(CliArgs args, PrintStream out) {
        Prefix prefix = prefixOf(args);
        ProcessHandle ph = prefix.running()
                .orElseThrow(() -> new IllegalStateException("kong-java is not running at " + prefix.root()));
        out.println("kong-java.......running (pid " + ph.pid() + ")");
        out.println("kong-java is healthy at " + prefix.root());
        return 0;
    }

    private static int check(CliArgs args, PrintStream out, PrintStream err) throws ConfigException {
        String file = !args.positional().isEmpty() ? args.positional().get(0)
                : args.conf() != null ? args.conf() : "/etc/kong/kong.conf";
        KongConf conf = KongConfLoader.load(Path.of(file), System.getenv(), Map.of());
        GatewayServer.validateForStart(conf);
        GatewayServer.proxySettings(conf);
        for (String k : conf.unknownKeys()) {
            err.println("Warning: unknown configuration key '" + k + "'");
        }
        if (!conf.notImplemented().isEmpty()) {
            err.println("Note: accepted but not implemented yet: " + String.join(", ", conf.notImplemented()));
        }
        out.println("configuration at " + file + " is valid");
        return 0;
    }
}
