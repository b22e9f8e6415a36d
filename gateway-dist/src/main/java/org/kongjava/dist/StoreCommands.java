package org.kongjava.dist;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.kongjava.config.conf.KongConf;
import org.kongjava.config.declarative.DeclarativeConfig;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.schema.EntityException;
import org.kongjava.config.store.ConcurrentChangeException;
import org.kongjava.config.store.ConfigStore;
import org.kongjava.config.store.DeclarativeConfigStore;
import org.kongjava.config.store.DeclarativeErrors;
import org.kongjava.config.store.EmbeddedConfigStore;
import org.kongjava.config.store.Migrations;
import org.kongjava.config.store.PgSettings;
import org.kongjava.config.store.PostgresConfigStore;
import org.kongjava.config.store.SqlDialect;

/**
 * {@code kong-java migrations bootstrap | up | finish | list | reset} and
 * {@code kong-java config parse | db_import | db_export}. They work on the store kong.conf's {@code database}
 * names: the embedded database in the prefix, PostgreSQL, or (DB-less) the prefix's last applied configuration.
 */
final class StoreCommands {
    private StoreCommands() {
    }

    // ------------------------------------------------------------------ migrations

    static int migrations(KongConf conf, Path prefix, List<String> args, boolean yes, PrintStream out, PrintStream err)
            throws IOException {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("migrations: a subcommand is required (bootstrap, up, finish, list or reset)");
        }
        String db = conf.string("database");
        if ("off".equals(db)) {
            throw new IllegalStateException("migrations: there is no database to migrate with database = off");
        }
        SqlDialect dialect = "postgres".equals(db) ? SqlDialect.POSTGRES : SqlDialect.SQLITE;
        try (Connection c = connect(conf, prefix)) {
            switch (args.get(0)) {
                case "bootstrap" -> {
                    out.println("Bootstrapping database...");
                    if (dialect == SqlDialect.POSTGRES) {
                        PostgresConfigStore.createSchemaIfMissing(c, PgSettings.from(conf));
                    }
                    List<String> ran = Migrations.bootstrap(c, dialect);
                    out.println(ran.size() + " migrations processed (" + String.join(", ", ran) + ")");
                    out.println("Database is up-to-date");
                    return 0;
                }
                case "up" -> {
                    List<String> ran = Migrations.up(c, dialect);
                    if (ran.isEmpty()) {
                        out.println("Database is already up-to-date");
                        return 0;
                    }
                    out.println(ran.size() + " migrations processed (" + String.join(", ", ran) + ")");
                    Migrations.Status st = Migrations.status(c);
                    if (!st.pending().isEmpty()) {
                        out.println("Database has pending migrations; run 'kong-java migrations finish' when ready");
                    }
                    return 0;
                }
                case "finish" -> {
                    List<String> ran = Migrations.finish(c, dialect);
                    out.println(ran.isEmpty() ? "No pending migrations to finish"
                            : ran.size() + " migrations processed (" + String.join(", ", ran) + ")");
                    return 0;
                }
                case "list" -> {
                    Migrations.Status st = Migrations.status(c);
                    if (!st.bootstrapped()) {
                        err.println("Database needs bootstrapping; run 'kong-java migrations bootstrap'");
                        return st.exitCode();
                    }
                    out.println("Executed migrations:\n  core: " + String.join(", ", st.executed()));
                    if (!st.pending().isEmpty()) {
                        out.println("Pending migrations:\n  core: " + String.join(", ", st.pending()));
                        out.println("Run 'kong-java migrations finish' when ready");
                    }
                    if (!st.available().isEmpty()) {
                        out.println("New migrations available:\n  core: " + String.join(", ", st.available()));
                        out.println("Run 'kong-java migrations up' to proceed");
                    }
                    return st.exitCode();
                }
                case "reset" -> {
                    if (!yes) {
                        throw new IllegalStateException("migrations reset deletes every stored entity; confirm with --yes");
                    }
                    out.println(Migrations.reset(c, dialect) ? "Database successfully reset"
                            : "Database not bootstrapped, nothing to reset");
                    return 0;
                }
                default -> throw new IllegalArgumentException("migrations: unknown subcommand '" + args.get(0)
                        + "' (expected bootstrap, up, finish, list or reset)");
            }
        } catch (SQLException e) {
            throw new IOException("database error: " + e.getMessage(), e);
        }
    }

    private static Connection connect(KongConf conf, Path prefix) throws SQLException {
        if ("postgres".equals(conf.string("database"))) {
            return PostgresConfigStore.open(PgSettings.from(conf));
        }
        return EmbeddedConfigStore.open(prefix.resolve(EmbeddedConfigStore.FILE_NAME));
    }

    // ------------------------------------------------------------------ config

    static int config(KongConf conf, Path prefix, List<String> args, PrintStream out, PrintStream err) throws IOException {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("config: a subcommand is required (parse, db_import or db_export)");
        }
        String sub = args.get(0);
        long now = System.currentTimeMillis() / 1000;
        switch (sub) {
            case "parse" -> {
                DeclarativeConfig.Result r = parse(args, now, err);
                if (r == null) {
                    return 1;
                }
                report(r, out);
                out.println("parse successful");
                return 0;
            }
            case "db_import" -> {
                DeclarativeConfig.Result r = parse(args, now, err);
                if (r == null) {
                    return 1;
                }
                report(r, out);
                out.println("parse successful, beginning import");
                try (ConfigStore store = storeFor(conf, prefix)) {
                    for (int attempt = 0; ; attempt++) {
                        EntitySet current = store.load();
                        EntitySet merged = DeclarativeConfig.merge(current, r.entities(), current.version() + 1);
                        if (store instanceof DeclarativeConfigStore d) {
                            d.stage(DeclarativeConfig.md5(DeclarativeConfig.exportYaml(merged)));
                        }
                        try {
                            store.commit(current, merged);
                            break;
                        } catch (ConcurrentChangeException e) {
                            if (attempt >= 5) {
                                throw e;
                            }
                        }
                    }
                } catch (EntityException e) {
                    err.println("Error: Failed importing:\n  " + e.getMessage());
                    return 1;
                }
                out.println("import successful (" + DeclarativeConfig.summary(r.entities()) + ")");
                return 0;
            }
            case "db_export" -> {
                Path file = Path.of(args.size() > 1 ? args.get(1) : "kong.yml").toAbsolutePath();
                if (Files.exists(file)) {
                    throw new IllegalStateException(file + " already exists; not overwriting it");
                }
                EntitySet set;
                try (ConfigStore store = storeFor(conf, prefix)) {
                    set = store.load();
                }
                Files.writeString(file, DeclarativeConfig.exportYaml(set), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
                out.println("exported " + DeclarativeConfig.summary(set) + " to " + file);
                return 0;
            }
            default -> throw new IllegalArgumentException("config: unknown subcommand '" + sub
                    + "' (expected parse, db_import or db_export)");
        }
    }

    /** The configured store; DB-less means the configuration the node last applied, kept in the prefix. */
    private static ConfigStore storeFor(KongConf conf, Path prefix) {
        if ("off".equals(conf.string("database"))) {
            return new DeclarativeConfigStore(null, null, prefix.resolve(DeclarativeConfigStore.STATE_FILE));
        }
        if ("postgres".equals(conf.string("database"))) {
            return new PostgresConfigStore(PgSettings.from(conf), 1000);
        }
        return new EmbeddedConfigStore(prefix.resolve(EmbeddedConfigStore.FILE_NAME), 1000);
    }

    private static DeclarativeConfig.Result parse(List<String> args, long now, PrintStream err) throws IOException {
        if (args.size() < 2) {
            throw new IllegalArgumentException("config " + args.get(0) + ": a declarative file is required");
        }
        Path file = Path.of(args.get(1));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no file at: " + file);
        }
        try {
            // Certificates' PEM texts are checked as the Admin API checks them (gateway-config cannot parse PEM).
            return DeclarativeConfig.load(file, 1, now, org.kongjava.tls.TlsPemChecks.INSTANCE);
        } catch (EntityException e) {
            err.println("Error: Failed parsing:");
            err.println(DeclarativeErrors.format(e));
            return null;
        }
    }

    private static void report(DeclarativeConfig.Result r, PrintStream out) {
        for (DeclarativeConfig.Skipped s : r.skipped()) {
            out.println("note: " + s.describe());
        }
        out.println("entities: " + DeclarativeConfig.summary(r.entities()));
    }
}
