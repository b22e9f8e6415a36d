package org.kongjava.config.store;

import java.nio.file.Path;
import org.kongjava.config.conf.KongConf;

/** Chooses and builds the store for kong.conf's {@code database} setting. */
public final class ConfigStores {
    private ConfigStores() {
    }

    /**
     * {@code embedded} → {@link EmbeddedConfigStore} in {@code prefix}; {@code postgres} →
     * {@link PostgresConfigStore} with the {@code pg_*} settings; {@code off} → {@link DeclarativeConfigStore}.
     */
    public static ConfigStore open(KongConf conf, Path prefix) {
        long pollMillis = conf.integer("db_update_frequency") * 1000L;
        return switch (conf.string("database")) {
            case "postgres" -> new PostgresConfigStore(PgSettings.from(conf), pollMillis);
            case "off" -> {
                String file = conf.string("declarative_config");
                yield new DeclarativeConfigStore(file == null ? null : Path.of(file).toAbsolutePath(),
                        conf.string("declarative_config_string"), prefix.resolve(DeclarativeConfigStore.STATE_FILE));
            }
            default -> new EmbeddedConfigStore(prefix.resolve(EmbeddedConfigStore.FILE_NAME), pollMillis);
        };
    }

    /** True for {@code database = off}. */
    public static boolean dbless(KongConf conf) {
        return "off".equals(conf.string("database"));
    }
}
