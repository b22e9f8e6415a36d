package org.kongjava.config.conf;

import java.util.List;

/**
 * One row of the kong.conf schema.
 *
 * @param name         the key as written in kong.conf
 * @param type         how the value is read and validated
 * @param defaultValue Kong's default as raw text, or null when Kong leaves it unset ({@code NONE})
 * @param allowed      enum values (ENUM) or accepted listener flags (LISTENERS); empty otherwise
 * @param min          smallest accepted NUMBER
 * @param max          largest accepted NUMBER
 * @param required     an empty value is an error (Kong would fail later, or the gateway cannot run without it)
 * @param implemented  the gateway acts on this key
 * @param aliasOf      for a short alias ({@code nginx_daemon}), the key it stands for ({@code nginx_main_daemon})
 */
record ConfKey(String name, ValueType type, String defaultValue, List<String> allowed, long min, long max,
               boolean required, boolean implemented, String aliasOf) {

    static ConfKey implemented(String name, ValueType type, String defaultValue) {
        return new ConfKey(name, type, defaultValue, List.of(), Long.MIN_VALUE, Long.MAX_VALUE, false, true, null);
    }

    static ConfKey known(String name, String defaultValue) {
        return new ConfKey(name, ValueType.STRING, defaultValue, List.of(), Long.MIN_VALUE, Long.MAX_VALUE, false, false,
                null);
    }

    ConfKey allowing(String... values) {
        return new ConfKey(name, type, defaultValue, List.of(values), min, max, required, implemented, aliasOf);
    }

    ConfKey range(long lo, long hi) {
        return new ConfKey(name, type, defaultValue, allowed, lo, hi, required, implemented, aliasOf);
    }

    ConfKey mandatory() {
        return new ConfKey(name, type, defaultValue, allowed, min, max, true, implemented, aliasOf);
    }

    ConfKey aliasOf(String target) {
        return new ConfKey(name, type, defaultValue, allowed, min, max, required, implemented, target);
    }
}
