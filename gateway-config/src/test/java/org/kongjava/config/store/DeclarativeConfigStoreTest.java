package org.kongjava.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.declarative.DeclarativeConfig;
import org.kongjava.config.model.EntitySet;

class DeclarativeConfigStoreTest {
    @TempDir
    Path dir;

    static final String YAML = """
            _format_version: "3.0"
            services:
            - name: a
              host: a.example
              routes:
              - {name: r, paths: [/r]}
            """;

    @Test
    void aFileLoadedAtStartIsKeptForTheNextStartWithItsHash() throws Exception {
        Path file = dir.resolve("kong.yml");
        Files.writeString(file, YAML);
        Path state = dir.resolve(DeclarativeConfigStore.STATE_FILE);
        DeclarativeConfigStore s = new DeclarativeConfigStore(file, null, state);
        EntitySet loaded = s.load();
        assertEquals(DeclarativeConfig.md5(YAML), s.hash());
        DeclarativeConfigStore next = new DeclarativeConfigStore(null, null, state);
        EntitySet again = next.load();
        assertEquals(loaded.services(), again.services());
        assertEquals(loaded.routes(), again.routes());
        assertEquals(DeclarativeConfig.md5(YAML), next.hash());
        // A replacement is written through and its staged hash becomes current.
        EntitySet empty = new EntitySet(loaded.version() + 1, java.util.Map.of(), java.util.Map.of());
        next.stage("0123456789abcdef0123456789abcdef");
        next.commit(again, empty);
        assertEquals("0123456789abcdef0123456789abcdef", next.hash());
        DeclarativeConfigStore third = new DeclarativeConfigStore(null, null, state);
        assertEquals(0, third.load().services().size());
        assertEquals("0123456789abcdef0123456789abcdef", third.hash());
    }

    @Test
    void nothingConfiguredIsEmptyWithTheZeroHash() throws Exception {
        DeclarativeConfigStore s = new DeclarativeConfigStore(null, null, dir.resolve("none.yml"));
        assertEquals(0, s.load().services().size());
        assertEquals(DeclarativeConfig.EMPTY_HASH, s.hash());
    }

    @Test
    void anInvalidFileStopsTheStartNamingEntityAndField() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, YAML.replace("host: a.example", "host: a.example\n  port: 99999"));
        IOException e = assertThrows(IOException.class, () -> new DeclarativeConfigStore(file, null, null).load());
        assertTrue(e.getMessage().startsWith("error parsing declarative config file " + file + ":"), e.getMessage());
        assertTrue(e.getMessage().contains("services[1].port: value should be between 0 and 65535"), e.getMessage());
        Path other = dir.resolve("kong.txt");
        Files.writeString(other, YAML);
        assertTrue(assertThrows(IOException.class, () -> new DeclarativeConfigStore(other, null, null).load())
                .getMessage().contains("unsupported file extension"));
    }

    @Test
    void inlineStringIsJsonOrYaml() throws Exception {
        String json = "{\"_format_version\":\"3.0\",\"services\":[{\"name\":\"j\",\"host\":\"j.example\"}]}";
        assertEquals(1, new DeclarativeConfigStore(null, json, null).load().services().size());
        assertEquals(1, new DeclarativeConfigStore(null, YAML, null).load().routes().size());
    }
}
