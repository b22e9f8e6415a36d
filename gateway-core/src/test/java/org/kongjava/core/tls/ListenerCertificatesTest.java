package org.kongjava.core.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.conf.KongConf;
import org.kongjava.config.conf.KongConfLoader;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.store.MemoryConfigStore;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.tls.DefaultCertificates;
import org.kongjava.tls.ServerKeyMaterial;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.TlsSettings;

/** Listener certificates from kong.conf or the generated defaults, and their reload from files without a restart. */
@ExtendWith(LeakCheck.class)
class ListenerCertificatesTest {
    @TempDir
    Path dir;

    private static ListenSpec ssl(String key, boolean http2) {
        return new ListenSpec(key, "127.0.0.1", 0, true, http2, false, false, false, false, false, -1, null, null, false);
    }

    private KongConf conf(Map<String, String> overrides) {
        Map<String, String> all = new java.util.HashMap<>(overrides);
        all.put("prefix", dir.resolve("prefix").toString());
        return KongConfLoader.load(null, Map.of(), all);
    }

    /** Writes a generated RSA+ECDSA pair's RSA half to {@code name}.crt/.key and returns its material. */
    private ServerKeyMaterial pairFiles(String target, Path crt, Path key) throws IOException {
        Path p = dir.resolve("gen-" + target);
        ServerKeyMaterial m = DefaultCertificates.ensure(p, DefaultCertificates.Target.valueOf(target));
        DefaultCertificates.Paths paths = DefaultCertificates.Paths.of(p, DefaultCertificates.Target.valueOf(target));
        Path tmpC = crt.resolveSibling(crt.getFileName() + ".tmp");
        Path tmpK = key.resolveSibling(key.getFileName() + ".tmp");
        Files.copy(paths.rsaCert(), tmpC, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(paths.rsaKey(), tmpK, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmpK, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmpC, crt, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return m;
    }

    @Test
    void defaultsAreGeneratedPerListenerKind() throws Exception {
        TlsCompiler tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
        ListenSpec proxy = ssl("proxy_listen", true);
        ListenSpec admin = ssl("admin_listen", false);
        try (ListenerCertificates certs = ListenerCertificates.load(conf(Map.of()),
                List.of(proxy, admin, ListenSpec.plain("proxy_listen", "127.0.0.1", 0)), tls)) {
            assertTrue(tls.isRegistered(ListenerTls.of(proxy)));
            assertTrue(tls.isRegistered(ListenerTls.of(admin)));
            // An http2 proxy address offers h2, then http/1.1, by ALPN.
            assertEquals(new ListenerTls("proxy", org.kongjava.tls.AlpnMode.H2_AND_HTTP1), ListenerTls.of(proxy));
            assertFalse(tls.isRegistered(new ListenerTls("proxy", org.kongjava.tls.AlpnMode.HTTP1)),
                    "the plain proxy address has no certificate");
            Path ssl = dir.resolve("prefix").resolve("ssl");
            assertTrue(Files.exists(ssl.resolve("kong-default.crt")) && Files.exists(ssl.resolve("admin-kong-default-ecdsa.key")));
            assertEquals(Map.of(), certs.watchedFiles(), "generated defaults are not watched");
        }
    }

    @Test
    void badPairsNameTheKeys() throws Exception {
        Path crt = dir.resolve("a.crt");
        Path key = dir.resolve("a.key");
        Path otherCrt = dir.resolve("b.crt");
        Path otherKey = dir.resolve("b.key");
        pairFiles("PROXY", crt, key);
        pairFiles("STATUS", otherCrt, otherKey);
        TlsCompiler tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
        List<ListenSpec> specs = List.of(ssl("admin_listen", false));
        IOException mismatch = assertThrows(IOException.class, () -> ListenerCertificates.load(
                conf(Map.of("admin_ssl_cert", crt.toString(), "admin_ssl_cert_key", otherKey.toString())), specs, tls));
        assertEquals("admin_ssl_cert/admin_ssl_cert_key: certificate does not match key", mismatch.getMessage());
        // Counts are already refused when kong.conf is loaded.
        org.kongjava.config.conf.ConfigException count = assertThrows(org.kongjava.config.conf.ConfigException.class,
                () -> conf(Map.of("admin_ssl_cert", crt + "," + otherCrt, "admin_ssl_cert_key", key.toString())));
        assertEquals(List.of("admin_ssl_cert was specified 2 times while admin_ssl_cert_key was specified 1 times"),
                count.problems());
        IOException missing = assertThrows(IOException.class, () -> ListenerCertificates.load(
                conf(Map.of("admin_ssl_cert", dir.resolve("nope.crt").toString(), "admin_ssl_cert_key", key.toString())), specs, tls));
        assertTrue(missing.getMessage().startsWith("admin_ssl_cert: failed loading certificate from "), missing.getMessage());
    }

    @Test
    void changedFilesAreServedWithoutRestart() throws Exception {
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        ServerKeyMaterial first = pairFiles("PROXY", crt, key);
        ListenSpec spec = ssl("proxy_listen", false);
        TlsCompiler tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
        EventLoops loops = new EventLoops(1);
        try (ListenerCertificates certs = ListenerCertificates.load(
                conf(Map.of("ssl_cert", crt.toString(), "ssl_cert_key", key.toString())), List.of(spec), tls);
             ListenerManager listeners = new ListenerManager(loops)) {
            SnapshotCompiler compiler = new SnapshotCompiler(tls);
            SnapshotHolder holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
            try (ConfigWriter writer = new ConfigWriter(holder, compiler, new MemoryConfigStore())) {
                certs.watch(writer, Duration.ofMillis(50));
                assertEquals(Map.of("proxy", List.of(crt)), certs.watchedFiles());
                int port = listeners.bind(spec, (ch, l) -> {
                    ch.pipeline().addLast(PipelineNames.TLS, TlsHandlers.sniHandler(holder, l, 5_000));
                    ch.pipeline().addLast(new TlsProbe.Echo());
                }).localAddress().getPort();
                try (TlsProbe.Conn before = new TlsProbe.Conn(port, "x.test")) {
                    assertArrayEquals(first.leaf().getEncoded(), before.peer().getEncoded());
                    ServerKeyMaterial second = pairFiles("STATUS", crt, key);
                    X509Certificate served = null;
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (System.nanoTime() < deadline) {
                        try (TlsProbe.Conn c = new TlsProbe.Conn(port, "x.test")) {
                            served = c.peer();
                        }
                        if (Arrays.equals(served.getEncoded(), second.leaf().getEncoded())) {
                            break;
                        }
                        Thread.sleep(50);
                    }
                    assertArrayEquals(second.leaf().getEncoded(), served.getEncoded(), "the new file is served");
                    assertEquals("open", before.echo("open"), "the connection made before the change stays");
                }
            }
        } finally {
            loops.close();
        }
    }

    @Test
    void tlsSettingsReadTheLoadedConfiguration() {
        // effective() reports unset keys as "": the settings must take them as unset.
        TlsSettings custom = TlsSettings.fromConf(conf(Map.of("ssl_cipher_suite", "custom", "ssl_protocols", "TLSv1.3")).effective());
        assertEquals(List.of("TLSv1.3"), custom.protocols());
        assertEquals(null, custom.ciphers());
        assertEquals(TlsSettings.DEFAULT, TlsSettings.fromConf(conf(Map.of()).effective()));
    }
}
