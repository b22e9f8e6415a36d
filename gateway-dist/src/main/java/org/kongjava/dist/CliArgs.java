package org.kongjava.dist;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line, parsed once: {@code kong-java <command> [flags] [args]}. Flags follow Kong's CLI:
 * {@code -c/--conf}, {@code -p/--prefix}, {@code -w/--wait}, {@code -t/--timeout}, {@code --v}, {@code --vv}.
 */
record CliArgs(String command, String conf, String prefix, boolean daemon, int waitSeconds, int timeoutSeconds,
               boolean help, String logLevel, List<String> positional, boolean yes) {

    static CliArgs parse(String[] argv) {
        String command = null;
        String conf = null;
        String prefix = null;
        boolean daemon = false;
        boolean help = false;
        int wait = 0;
        int timeout = 10;
        String level = null;
        boolean yes = false;
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            switch (a) {
                case "-c", "--conf" -> conf = value(argv, ++i, a);
                case "-p", "--prefix" -> prefix = value(argv, ++i, a);
                case "-w", "--wait" -> wait = seconds(value(argv, ++i, a), a, 0);
                case "-t", "--timeout" -> timeout = seconds(value(argv, ++i, a), a, 1);
                case "--daemon" -> daemon = true;
                case "-y", "--yes" -> yes = true;
                case "--v" -> level = "info";
                case "--vv" -> level = "debug";
                case "-h", "--help" -> help = true;
                default -> {
                    if (a.startsWith("--conf=")) {
                        conf = a.substring(7);
                    } else if (a.startsWith("--prefix=")) {
                        prefix = a.substring(9);
                    } else if (a.startsWith("-") && a.length() > 1) {
                        throw new UsageException("unknown option '" + a + "'");
                    } else if (command == null) {
                        command = a;
                    } else {
                        positional.add(a);
                    }
                }
            }
        }
        return new CliArgs(command, conf, prefix, daemon, wait, timeout, help, level, List.copyOf(positional), yes);
    }

    private static String value(String[] argv, int i, String flag) {
        if (i >= argv.length) {
            throw new UsageException("option " + flag + " needs a value");
        }
        return argv[i];
    }

    private static int seconds(String v, String flag, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n < min) {
                throw new UsageException("option " + flag + ": '" + v + "' (expected a whole number of seconds >= " + min + ")");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("option " + flag + ": '" + v + "' is not a number of seconds");
        }
    }

    /** Wrong use of the command line: printed with the command's usage, exit status 1. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
