package org.kongjava.config.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.kongjava.config.declarative.DeclarativeConfig;
import org.kongjava.config.model.EntitySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code database = off} (Kong's DB-less mode): the configuration comes from {@code declarative_config} (a
 * file) or {@code declarative_config_string} at start, and is replaced whole by {@code POST /config}; the
 * Admin API refuses every other write.
 * <p>
 * The last configuration applied is kept in the prefix ({@code dbless.kong.yml}, export format, written
 * atomically and synced) — Kong keeps it in LMDB — so a node restarted without a {@code declarative_config}
 * serves what it served before. Its first line records Kong's configuration hash.
 */
public final class DeclarativeConfigStore implements ConfigStore {
    private static final Logger log = LoggerFactory.getLogger(DeclarativeConfigStore.class);
    /** The state file's name inside the prefix. */
    public static final String STATE_FILE = "dbless.kong.yml";
    private static final String HASH_LINE = "# configuration_hash: ";

    private final Path file;
    private final String text;
    private final Path stateFile;
    private volatile String hash = DeclarativeConfig.EMPTY_HASH;
    private String staged; // the hash of the configuration being committed (config writer thread only)

    /**
     * @param file      {@code declarative_config}, or null
     * @param text      {@code declarative_config_string}, or null (used when {@code file} is null)
     * @param stateFile where the last applied configuration is kept, or null to keep nothing
     */
    public DeclarativeConfigStore(Path file, String text, Path stateFile) {
        this.file = file;
        this.text = text;
        this.stateFile = stateFile;
    }

    /**
     * @throws IOException naming the file and listing every error when the configuration is invalid
     */
    @Override
    public EntitySet load() throws IOException {
        long now = System.currentTimeMillis() / 1000;
        DeclarativeConfig.Result r;
        String source;
        try {
            if (file != null) {
                source = "declarative config file " + file;
                r = DeclarativeConfig.load(file, 1, now);
            } else if (text != null) {
                source = "declarative_config_string";
                r = DeclarativeConfig.parse(text, DeclarativeConfig.Syntax.AUTO, 1, now);
            } else if (stateFile != null && Files.isRegularFile(stateFile)) {
                source = "last applied configuration " + stateFile;
                String content = Files.readString(stateFile, StandardCharsets.UTF_8);
                r = DeclarativeConfig.parse(content, DeclarativeConfig.Syntax.YAML, 1, now);
                String first = content.lines().findFirst().orElse("");
                if (first.startsWith(HASH_LINE)) {
                    r = new DeclarativeConfig.Result(r.entities(), r.skipped(), first.substring(HASH_LINE.length()).trim());
                }
            } else {
                return EntitySet.EMPTY;
            }
        } catch (org.kongjava.config.schema.EntityException e) {
            throw new IOException("error parsing " + (file != null ? "declarative config file " + file : "declarative_config_string")
                    + ":\n" + DeclarativeErrors.format(e), e);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        for (DeclarativeConfig.Skipped s : r.skipped()) {
            log.warn("{}: {}", source, s.describe());
        }
        log.info("loaded {} ({})", source, DeclarativeConfig.summary(r.entities()));
        hash = r.hash();
        if (stateFile != null && (file != null || text != null)) {
            // What the node now serves is also what `config db_export` and the next start without a file see.
            writeAtomically(stateFile, HASH_LINE + hash + "\n" + DeclarativeConfig.exportYaml(r.entities()));
        }
        return r.entities();
    }

    /** Records the hash of the configuration the next commit stores (call on the config writer thread). */
    public void stage(String configurationHash) {
        this.staged = configurationHash;
    }

    @Override
    public void commit(EntitySet before, EntitySet after) throws IOException {
        String h = staged != null ? staged : DeclarativeConfig.EMPTY_HASH;
        staged = null;
        if (stateFile != null) {
            writeAtomically(stateFile, HASH_LINE + h + "\n" + DeclarativeConfig.exportYaml(after));
        }
        hash = h;
    }

    /** Kong's {@code configuration_hash}: md5 of the configuration last loaded; all zeros when none. */
    public String hash() {
        return hash;
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true); // the rename itself survives a crash
        } catch (IOException ignored) {
            // some platforms cannot open directories; the data is synced already
        }
    }
}
