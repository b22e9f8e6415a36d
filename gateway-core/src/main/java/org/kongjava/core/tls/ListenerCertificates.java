package org.kongjava.core.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;

import org.kongjava.config.conf.KongConf;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.tls.CertificateExpiry;
import org.kongjava.tls.CertificateFileWatcher;
import org.kongjava.tls.ConfPem;
import org.kongjava.tls.DefaultCertificates;
import org.kongjava.tls.PemException;
import org.kongjava.tls.ServerKeyMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up of the listeners' own certificates, as Kong does it: for each kind of {@code ssl} listener, the kong.conf
 * pair ({@code ssl_cert}/{@code ssl_cert_key} for the proxy, {@code admin_ssl_cert}/… for the Admin API,
 * {@code status_ssl_cert}/… for the status listener), else the generated default pair under
 * {@code <prefix>/ssl}. Registers them with the {@link TlsCompiler} before the first snapshot is compiled, then
 * ({@link #watch}) reloads file-based pairs when the files change and republishes the snapshot.
 *
 * <pre>{@code
 * TlsCompiler tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.fromConf(conf.effective())));
 * ListenerCertificates certs = ListenerCertificates.load(conf, sslListeners, tls);   // before compile
 * SnapshotCompiler compiler = new SnapshotCompiler(tls);
 * ... holder, writer ...
 * certs.watch(writer, Duration.ofSeconds(2));
 * }</pre>
 */
public final class ListenerCertificates implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerCertificates.class);

    /** One kind of listener: its kong.conf keys and its generated default. */
    private record Family(String name, String certKey, String keyKey, DefaultCertificates.Target target) {
        static Family of(String name) {
            return switch (name) {
                case "proxy" -> new Family(name, "ssl_cert", "ssl_cert_key", DefaultCertificates.Target.PROXY);
                case "admin" -> new Family(name, "admin_ssl_cert", "admin_ssl_cert_key", DefaultCertificates.Target.ADMIN);
                case "status" -> new Family(name, "status_ssl_cert", "status_ssl_cert_key", DefaultCertificates.Target.STATUS);
                default -> throw new IllegalArgumentException("listener kind '" + name + "' has no certificate keys "
                        + "(expected proxy, admin or status)");
            };
        }
    }

    private final TlsCompiler tls;
    /** Families whose items are all files: these can be watched. */
    private final Map<Family, List<CertificateFileWatcher.Pair>> watchable;
    private final Map<Family, Set<ListenerTls>> keys;
    private final List<CertificateFileWatcher> watchers = new ArrayList<>();

    private ListenerCertificates(TlsCompiler tls, Map<Family, List<CertificateFileWatcher.Pair>> watchable,
                                 Map<Family, Set<ListenerTls>> keys) {
        this.tls = tls;
        this.watchable = watchable;
        this.keys = keys;
    }

    /**
     * Loads and registers the certificate of every {@code ssl} listener in {@code listeners} (others are skipped).
     * Blocking file I/O: call at start-up.
     *
     * @throws IOException a file cannot be read or written, or a pair is unusable; the message names the kong.conf
     *                     keys (or default files) and the reason, never key content
     */
    public static ListenerCertificates load(KongConf conf, List<ListenSpec> listeners, TlsCompiler tls) throws IOException {
        Map<Family, Set<ListenerTls>> keys = new LinkedHashMap<>();
        for (ListenSpec s : listeners) {
            if (s.ssl()) {
                ListenerTls key = ListenerTls.of(s);
                keys.computeIfAbsent(Family.of(key.name()), f -> new LinkedHashSet<>()).add(key);
            }
        }
        Map<Family, List<CertificateFileWatcher.Pair>> watchable = new LinkedHashMap<>();
        for (Map.Entry<Family, Set<ListenerTls>> e : keys.entrySet()) {
            Family f = e.getKey();
            ServerKeyMaterial m = material(conf, f, watchable);
            for (ListenerTls key : e.getValue()) {
                try {
                    tls.register(key, m);
                } catch (SSLException ex) {
                    throw new IOException(f.certKey() + ": the TLS provider refused the certificate: " + ex.getMessage(), ex);
                }
            }
        }
        return new ListenerCertificates(tls, watchable, keys);
    }

    private static ServerKeyMaterial material(KongConf conf, Family f, Map<Family, List<CertificateFileWatcher.Pair>> watchable)
            throws IOException {
        List<String> certItems = conf.list(f.certKey());
        List<String> keyItems = conf.list(f.keyKey());
        if (certItems.isEmpty() && keyItems.isEmpty()) {
            ServerKeyMaterial m = DefaultCertificates.ensure(conf.prefix(), f.target());
            log.info("{} listeners use the default certificate in {}", f.name(), conf.prefix().resolve("ssl"));
            return m;
        }
        List<ConfPem> certs = parse(f.certKey(), certItems);
        List<ConfPem> keysPem = parse(f.keyKey(), keyItems);
        List<String> certTexts = new ArrayList<>();
        List<String> keyTexts = new ArrayList<>();
        for (ConfPem c : certs) {
            certTexts.add(c.read(f.certKey()));
        }
        for (ConfPem k : keysPem) {
            keyTexts.add(k.read(f.keyKey()));
        }
        ServerKeyMaterial m;
        try {
            m = ServerKeyMaterial.fromPemPairs(certTexts, keyTexts);
        } catch (PemException e) {
            String msg = e.getMessage().replace("ssl_cert was", f.certKey() + " was").replace("while ssl_cert_key", "while " + f.keyKey());
            throw new IOException(f.certKey() + "/" + f.keyKey() + ": " + msg);
        }
        CertificateExpiry.warnIfExpiringSoon(f.name() + " certificate " + certs.get(0), m.leaves(), Instant.now());
        if (certs.stream().allMatch(ConfPem::isFile) && keysPem.stream().allMatch(ConfPem::isFile)) {
            List<CertificateFileWatcher.Pair> pairs = new ArrayList<>();
            for (int i = 0; i < certs.size(); i++) {
                pairs.add(new CertificateFileWatcher.Pair(certs.get(i).file(), keysPem.get(i).file()));
            }
            watchable.put(f, pairs);
        }
        return m;
    }

    private static List<ConfPem> parse(String key, List<String> items) throws IOException {
        List<ConfPem> out = new ArrayList<>();
        for (String item : items) {
            try {
                out.add(ConfPem.parse(item));
            } catch (IllegalArgumentException e) {
                throw new IOException(key + ": " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * Starts watching the file-based pairs: a change that parses and matches is registered and the snapshot
     * republished through {@code writer}; a bad change is logged and the current certificate stays.
     */
    public synchronized void watch(ConfigWriter writer, Duration interval) throws IOException {
        for (Map.Entry<Family, List<CertificateFileWatcher.Pair>> e : watchable.entrySet()) {
            Family f = e.getKey();
            Set<ListenerTls> targets = keys.get(f);
            CertificateFileWatcher w = new CertificateFileWatcher(f.name(), e.getValue(), interval, m -> {
                try {
                    for (ListenerTls key : targets) {
                        tls.register(key, m);
                    }
                    writer.republish();
                } catch (SSLException ex) {
                    log.warn("{} certificate reloaded from {} but the TLS provider refused it ({}); keeping the current one",
                            f.name(), e.getValue().get(0).cert(), ex.getMessage());
                }
            });
            try {
                w.load();
            } catch (PemException ex) {
                // The files changed since start-up and are broken now: keep the loaded certificate, unwatched.
                log.warn("{} certificate files are unusable right now ({}); they are not watched, the certificate "
                        + "loaded at start-up stays", f.name(), ex.getMessage());
                w.close();
                continue;
            }
            w.start();
            watchers.add(w);
        }
    }

    /** The files watched per listener kind (tests, logs). */
    public Map<String, List<Path>> watchedFiles() {
        Map<String, List<Path>> out = new LinkedHashMap<>();
        watchable.forEach((f, pairs) -> out.put(f.name(), pairs.stream().map(CertificateFileWatcher.Pair::cert).toList()));
        return out;
    }

    /** Stops the watchers. */
    @Override
    public synchronized void close() {
        watchers.forEach(CertificateFileWatcher::close);
        watchers.clear();
    }
}
