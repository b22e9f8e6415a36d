package org.kongjava.config.conf;

import java.util.List;

/**
 * kong.conf could not be loaded. Carries every problem found, one line each, naming the key, the value and the
 * expected form (like {@code kong check}).
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems: empty (expected at least one)");
        }
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in the order found. */
    public List<String> problems() {
        return problems;
    }
}
