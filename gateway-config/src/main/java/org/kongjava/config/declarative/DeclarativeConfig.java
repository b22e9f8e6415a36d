package org.kongjava.config.declarative;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Plugin;
import org.kongjava.config.model.Sni;
import org.kongjava.config.schema.EntityException;
import org.kongjava.config.schema.CaCertificateSchema;
import org.kongjava.config.schema.CertificateSchema;
import org.kongjava.config.schema.EntityType;
import org.kongjava.config.schema.PemChecks;
import org.kongjava.config.schema.PluginSchema;
import org.kongjava.config.schema.SniSchema;
import org.kongjava.config.route.PathNormalizer;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Kong's declarative configuration format (kong.yml, {@code _format_version} 1.1 / 2.1 / 3.0): parsing,
 * validation into an {@link EntitySet}, and export. Used by DB-less start-up, {@code POST /config},
 * {@code GET /config} and the {@code config parse | db_import | db_export} commands.
 * <p>
 * Every entity is validated by its {@link EntityType} exactly as an Admin API insert would; on top come
 * nesting, references by endpoint key or id, uniqueness within the document and Kong's deterministic
 * UUIDv5 ids. A bad document is one {@link EntityException} (code 14) whose {@code fields} is Kong's error
 * tree. Entity types kong-java does not store yet are skipped and reported in {@link Result#skipped()}.
 */
public final class DeclarativeConfig {
    /** Accepted {@code _format_version} values; exports write 3.0. */
    public static final List<String> FORMAT_VERSIONS = List.of("1.1", "2.1", "3.0");
    /** md5 of nothing loaded: Kong's "empty configuration" hash. */
    public static final String EMPTY_HASH = "00000000000000000000000000000000";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLAIN_PATH = Pattern.compile("^[a-zA-Z0-9.\\-_~/%]*$");
    private static final Pattern PERCENT = Pattern.compile("%([0-9A-Fa-f]{2})");

    /** Entities of a type kong-java does not support yet, found at {@code location} and left out. */
    public record Skipped(String entityType, String location, int count) {
        /** A line for operators, e.g. {@code skipped 3 upstreams (at upstreams): not supported by kong-java yet}. */
        public String describe() {
            return "skipped " + count + " " + entityType + " (at " + location + "): not supported by kong-java yet";
        }
    }

    /**
     * A valid configuration.
     *
     * @param entities the entities, in a set of the requested version
     * @param skipped  what was left out (unsupported entity types), in document order
     * @param hash     md5 of the source text (32 hex digits)
     */
    public record Result(EntitySet entities, List<Skipped> skipped, String hash) {
        public Result {
            skipped = List.copyOf(skipped);
        }
    }

    /** How to read text. */
    public enum Syntax {
        JSON, YAML,
        /** JSON first, then YAML (Kong's rule for {@code declarative_config_string} and {@code POST /config}). */
        AUTO
    }

    private DeclarativeConfig() {
    }

    // ------------------------------------------------------------------ entry points

    /**
     * Reads a file: {@code .json} as JSON, {@code .yml}/{@code .yaml} as YAML.
     *
     * @throws IOException              the file cannot be read
     * @throws IllegalArgumentException the extension is neither (naming the file)
     * @throws EntityException          code 14 when it does not parse or validate
     */
    public static Result load(Path file, long version, long now) throws IOException {
        return load(file, version, now, null);
    }

    /**
     * {@link #load(Path, long, long)} checking certificates' PEM texts with {@code pem} (e.g. gateway-tls's
     * {@code TlsPemChecks}); with null they are taken as they are, as without it.
     */
    public static Result load(Path file, long version, long now, PemChecks pem) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Syntax syntax;
        if (name.endsWith(".json")) {
            syntax = Syntax.JSON;
        } else if (name.endsWith(".yml") || name.endsWith(".yaml")) {
            syntax = Syntax.YAML;
        } else {
            throw new IllegalArgumentException(file + ": unsupported file extension (expected .yml, .yaml or .json)");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8), syntax, version, now, pem);
    }

    /**
     * Parses and validates text; the hash is the md5 of {@code text}. Certificates' PEM texts are not checked
     * (this module cannot parse PEM): use {@link #parse(String, Syntax, long, long, PemChecks)} where a
     * {@link PemChecks} is at hand.
     */
    public static Result parse(String text, Syntax syntax, long version, long now) {
        return parse(text, syntax, version, now, null);
    }

    /** {@link #parse(String, Syntax, long, long)} checking certificates with {@code pem} when it is not null. */
    public static Result parse(String text, Syntax syntax, long version, long now, PemChecks pem) {
        Object doc = read(text, syntax);
        return fromDocument(doc, version, now, md5(text), pem);
    }

    /** Validates an already parsed document (e.g. a JSON request body); its hash is that of its JSON encoding. */
    public static Result fromDocument(Object doc, long version, long now) {
        return fromDocument(doc, version, now, (PemChecks) null);
    }

    /** {@link #fromDocument(Object, long, long)} checking certificates with {@code pem} when it is not null. */
    public static Result fromDocument(Object doc, long version, long now, PemChecks pem) {
        String hash;
        try {
            hash = md5(JSON.writeValueAsString(doc));
        } catch (JsonProcessingException e) {
            hash = EMPTY_HASH;
        }
        return fromDocument(doc, version, now, hash, pem);
    }

    private static Object read(String text, Syntax syntax) {
        if (syntax != Syntax.YAML) {
            try {
                return JSON.readValue(text, Object.class);
            } catch (JsonProcessingException e) {
                if (syntax == Syntax.JSON) {
                    throw parseFailure(e.getOriginalMessage());
                }
            }
        }
        try {
            LoaderOptions options = new LoaderOptions();
            options.setCodePointLimit(256 * 1024 * 1024);
            options.setAllowDuplicateKeys(false);
            return new Yaml(new SafeConstructor(options)).load(text);
        } catch (YAMLException e) {
            throw parseFailure(e.getMessage().replace('\n', ' ').trim());
        }
    }

    private static EntityException parseFailure(String reason) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("error", "failed parsing declarative configuration: " + reason);
        return EntityException.invalidDeclarative(f);
    }

    /** md5 of text as 32 lower-case hex digits (Kong's configuration hash). */
    public static String md5(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required by every Java platform", e);
        }
    }

    // ------------------------------------------------------------------ validation

    /** One declared entity on its way to the set. */
    private static final class Entry {
        final DeclarativeKind<?> kind;
        final Map<String, Object> input;
        final Entry parent;          // null at top level
        final String id;
        final boolean idGiven;       // the document gave the id (else it was derived or random)
        // nested children by key, in list order: an Entry, or an error message for an item that is no object
        final Map<String, List<Object>> children = new LinkedHashMap<>();
        Map<String, Object> errors;  // this entity's own error map, created on first error
        Object built;

        Entry(DeclarativeKind<?> kind, Map<String, Object> input, Entry parent, String id, boolean idGiven) {
            this.kind = kind;
            this.input = input;
            this.parent = parent;
            this.id = id;
            this.idGiven = idGiven;
        }

        String endpointKey() {
            String field = kind.endpointKeyField();
            Object v = field == null ? null : input.get(field);
            return v instanceof String s ? s : null;
        }
    }

    @SuppressWarnings("unchecked")
    private static Result fromDocument(Object doc, long version, long now, String hash, PemChecks pem) {
        CertificateSchema certificates = pem == null ? null : new CertificateSchema(pem);
        CaCertificateSchema cas = pem == null ? null : new CaCertificateSchema(pem);
        if (!(doc instanceof Map<?, ?> rootRaw)) {
            throw parseFailure(doc == null ? "expected an object" : "expected an object");
        }
        Map<String, Object> root = new LinkedHashMap<>();
        rootRaw.forEach((k, v) -> root.put(String.valueOf(k), v));
        Map<String, Object> topErrors = new LinkedHashMap<>();
        Object fv = root.get("_format_version");
        String format = null;
        if (fv == null) {
            topErrors.put("_format_version", "required field missing");
        } else if (!(fv instanceof String s)) {
            topErrors.put("_format_version", "expected a string");
        } else if (!FORMAT_VERSIONS.contains(s)) {
            topErrors.put("_format_version", "expected one of: " + String.join(", ", FORMAT_VERSIONS));
        } else {
            format = s;
        }
        if (root.containsKey("_transform") && !(root.get("_transform") instanceof Boolean)) {
            topErrors.put("_transform", "expected a boolean");
        }
        if (root.containsKey("_comment") && !(root.get("_comment") instanceof String)) {
            topErrors.put("_comment", "expected a string");
        }
        if (root.containsKey("_ignore") && !(root.get("_ignore") instanceof List)) {
            topErrors.put("_ignore", "expected an array");
        }
        boolean migratePaths = format != null && !format.equals("3.0");

        List<Skipped> skipped = new ArrayList<>();
        Map<String, List<Entry>> byKind = new LinkedHashMap<>();
        Map<String, List<Object>> topSlots = new LinkedHashMap<>();
        for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
            byKind.put(k.key(), new ArrayList<>());
        }
        for (Map.Entry<String, Object> e : root.entrySet()) {
            String key = e.getKey();
            if (key.equals("_format_version") || key.equals("_transform") || key.equals("_comment") || key.equals("_ignore")) {
                continue;
            }
            DeclarativeKind<?> kind = DeclarativeKind.find(key);
            boolean notYet = DeclarativeKind.NOT_YET_SUPPORTED.contains(key);
            if (kind == null && !notYet) {
                topErrors.put(key, "unknown field");
                continue;
            }
            if (e.getValue() == null) {
                continue;
            }
            if (!(e.getValue() instanceof List<?> list)) {
                topErrors.put(key, "expected an array");
                continue;
            }
            if (kind == null) {
                countSkipped(key, key, list, skipped);
                continue;
            }
            List<Object> slots = new ArrayList<>();
            for (Object item : list) {
                if (skipUnavailablePlugin(key, item, key, skipped)) {
                    continue;
                }
                slots.add(item instanceof Map<?, ?> m
                        ? collect(kind, (Map<String, Object>) m, null, key, byKind, skipped, migratePaths)
                        : "expected a record");
            }
            topSlots.put(key, slots);
        }

        // Resolve references, then validate every entity with its schema.
        Map<String, Map<String, Entry>> byId = new HashMap<>();
        Map<String, Map<String, Entry>> byEndpoint = new HashMap<>();
        for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
            Map<String, Entry> ids = new HashMap<>();
            Map<String, Entry> keys = new HashMap<>();
            for (Entry en : byKind.get(k.key())) {
                ids.putIfAbsent(en.id, en);
                if (en.endpointKey() != null) {
                    keys.putIfAbsent(en.endpointKey(), en);
                }
            }
            byId.put(k.key(), ids);
            byEndpoint.put(k.key(), keys);
        }
        Map<String, Map<String, Object>> refErrors = new LinkedHashMap<>();
        for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
            for (Entry en : byKind.get(k.key())) {
                for (DeclarativeKind.Ref ref : k.refs()) {
                    resolveRef(en, ref, byId, byEndpoint, refErrors);
                }
                validate(en, now, certificates, cas);
            }
        }
        // The error tree of entity (schema) errors.
        Map<String, Object> fields = new LinkedHashMap<>(topErrors);
        topSlots.forEach((key, slots) -> {
            List<Object> tree = treeOf(slots);
            if (tree != null) {
                fields.put(key, tree);
            }
        });
        if (!fields.isEmpty()) {
            List<Map<String, Object>> flattened = new ArrayList<>();
            for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
                for (Entry en : byKind.get(k.key())) {
                    if (en.errors != null) {
                        flattened.add(flattened(en));
                    }
                }
            }
            throw EntityException.invalidDeclarative(fields, flattened);
        }
        // Then references and uniqueness, keyed by endpoint key (or id).
        Map<String, Object> later = new LinkedHashMap<>();
        refErrors.forEach((kind, m) -> later.put(kind, new LinkedHashMap<>(m)));
        for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
            checkUnique(k, byKind.get(k.key()), later);
        }
        if (!later.isEmpty()) {
            throw EntityException.invalidDeclarative(later);
        }
        EntitySet set = new EntitySet(version, Map.of(), Map.of());
        for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
            set = withAll(k, set, byKind.get(k.key()));
        }
        return new Result(set, skipped, hash);
    }

    @SuppressWarnings("unchecked")
    private static <T> EntitySet withAll(DeclarativeKind<T> kind, EntitySet set, List<Entry> entries) {
        Map<UUID, T> all = new LinkedHashMap<>();
        for (Entry en : entries) {
            T e = (T) en.built;
            all.put(kind.type().id(e), e);
        }
        return kind.type().withAll(set, all);
    }

    /** Registers one declared entity and, recursively, the children nested in it. */
    @SuppressWarnings("unchecked")
    private static Entry collect(DeclarativeKind<?> kind, Map<String, Object> raw, Entry parent, String location,
                                 Map<String, List<Entry>> byKind, List<Skipped> skipped, boolean migratePaths) {
        Map<String, Object> input = new LinkedHashMap<>();
        raw.forEach((k, v) -> input.put(String.valueOf(k), v));
        input.remove("_comment");
        input.remove("_ignore");
        Map<String, Object> nestedValues = new LinkedHashMap<>();
        for (DeclarativeKind.Nested n : kind.nested()) {
            if (input.containsKey(n.childKey())) {
                nestedValues.put(n.childKey(), input.remove(n.childKey()));
            }
        }
        for (String notYet : kind.nestedNotYet()) {
            if (input.get(notYet) instanceof List<?> l) {
                input.remove(notYet);
                countSkipped(notYet, location + "[]." + notYet, l, skipped);
            }
        }
        if (migratePaths && kind.key().equals("routes")) {
            migratePaths(input);
        }
        boolean idGiven = input.get("id") != null;
        Entry entry = new Entry(kind, input, parent, idOf(kind, input, parent), idGiven);
        byKind.get(kind.key()).add(entry);
        for (DeclarativeKind.Nested n : kind.nested()) {
            Object v = nestedValues.get(n.childKey());
            if (v == null) {
                continue;
            }
            if (!(v instanceof List<?> list)) {
                errorsOf(entry).put(n.childKey(), "expected an array");
                continue;
            }
            DeclarativeKind<?> childKind = DeclarativeKind.find(n.childKey());
            List<Object> slots = new ArrayList<>();
            for (Object item : list) {
                if (skipUnavailablePlugin(n.childKey(), item, location + "[]." + n.childKey(), skipped)) {
                    continue;
                }
                if (!(item instanceof Map<?, ?> m)) {
                    slots.add("expected a record");
                    continue;
                }
                Map<String, Object> child = new LinkedHashMap<>();
                ((Map<Object, Object>) m).forEach((k, x) -> child.put(String.valueOf(k), x));
                // A nested entity gets its parent from the nesting and may not name one itself.
                boolean fkSet = child.get(n.foreignKey()) != null;
                Map<String, Object> ref = new LinkedHashMap<>();
                ref.put("id", entry.id);
                child.put(n.foreignKey(), ref);
                Entry c = collect(childKind, child, entry, location + "[]." + n.childKey(), byKind, skipped, migratePaths);
                if (fkSet) {
                    errorsOf(c).put(n.foreignKey(), "value must be null");
                }
                slots.add(c);
            }
            entry.children.put(n.childKey(), slots);
        }
        return entry;
    }

    /**
     * A plugin this node does not have (anything but ip-restriction) is left out and reported, as entity types
     * kong-java does not store are, rather than failing the whole file.
     */
    private static boolean skipUnavailablePlugin(String key, Object item, String location, List<Skipped> skipped) {
        if (key.equals("plugins") && item instanceof Map<?, ?> m && m.get("name") instanceof String name
                && !PluginSchema.isAvailable(name)) {
            merge(skipped, new Skipped("plugins", location, 1));
            return true;
        }
        return false;
    }

    /**
     * The declared id, else Kong's UUIDv5 of the endpoint key, else a random one. An endpoint key unique only
     * within a parent (a target within its upstream) is first suffixed with {@code :<parent>}: the parent's id
     * when nested, else the reference as written (name or id), as Kong's loader composes it.
     */
    private static String idOf(DeclarativeKind<?> kind, Map<String, Object> input, Entry parent) {
        Object id = input.get("id");
        if (id instanceof String s) {
            return s.toLowerCase(Locale.ROOT);
        }
        if (id != null) {
            return String.valueOf(id);
        }
        // Certificates have no endpoint key: Kong gives one without an id a random id.
        Object key = kind.endpointKeyField() == null ? null : input.get(kind.endpointKeyField());
        if (key instanceof String s && !s.isEmpty() && kind.keyScope() != null) {
            Object scope = parent != null ? parent.id : input.get(kind.keyScope());
            if (scope instanceof Map<?, ?> m && m.get("id") instanceof String sid) {
                scope = sid;
            }
            key = scope instanceof String sc ? s + ":" + sc : null;
        }
        String generated = key instanceof String s && !s.isEmpty()
                ? Uuid5.forEntity(kind.key(), s).toString() : UUID.randomUUID().toString();
        input.put("id", generated);
        return generated;
    }

    /** Kong's migration of pre-3.0 route paths: plain paths are normalized, anything else becomes a {@code ~} regex. */
    private static void migratePaths(Map<String, Object> route) {
        if (!(route.get("paths") instanceof List<?> paths)) {
            return;
        }
        List<Object> out = new ArrayList<>();
        for (Object p : paths) {
            out.add(p instanceof String s ? migratePath(s) : p);
        }
        route.put("paths", out);
    }

    static String migratePath(String path) {
        if (PLAIN_PATH.matcher(path).matches()) {
            return PathNormalizer.normalize(path); // merges slashes, as Kong's migration asks
        }
        if (path.indexOf('%') < 0) {
            return "~" + path;
        }
        StringBuilder sb = new StringBuilder("~");
        var m = PERCENT.matcher(path);
        int last = 0;
        while (m.find()) {
            sb.append(path, last, m.start());
            int c = Integer.parseInt(m.group(1), 16);
            if ("!#$%&'()*+,/:;=?@[]".indexOf(c) >= 0) {
                sb.append(m.group(0).toUpperCase(Locale.ROOT));
            } else if (".^-{}\\|".indexOf(c) >= 0) {
                sb.append('\\').append((char) c);
            } else {
                sb.append((char) c);
            }
            last = m.end();
        }
        return sb.append(path.substring(last)).toString();
    }

    private static void resolveRef(Entry en, DeclarativeKind.Ref ref, Map<String, Map<String, Entry>> byId,
                                   Map<String, Map<String, Entry>> byEndpoint, Map<String, Map<String, Object>> refErrors) {
        Object v = en.input.get(ref.field());
        if (v == null || en.parent != null && en.parent.kind.key().equals(ref.parentKey())) {
            return; // unset, or filled in by nesting
        }
        String shown;
        Entry target;
        if (v instanceof String s) {
            shown = s;
            target = EntityType.isUuid(s) ? byId.get(ref.parentKey()).get(s.toLowerCase(Locale.ROOT))
                    : byEndpoint.get(ref.parentKey()).get(s);
        } else if (v instanceof Map<?, ?> m && m.size() == 1 && m.get("id") instanceof String s) {
            shown = s;
            target = byId.get(ref.parentKey()).get(s.toLowerCase(Locale.ROOT));
        } else {
            return; // a malformed value: the schema reports it
        }
        if (target == null) {
            // Validated with a placeholder (a required foreign key must not read as missing); the reference
            // error is reported instead, as Kong's loader does.
            Map<String, Object> placeholder = new LinkedHashMap<>();
            placeholder.put("id", new UUID(0, 0).toString());
            en.input.put(ref.field(), placeholder);
            String key = en.endpointKey() != null ? en.endpointKey() : en.id;
            refErrors.computeIfAbsent(en.kind.key(), k -> new LinkedHashMap<>()).put(key,
                    "invalid reference '" + ref.field() + ": " + shown + "' (no such entry in '" + ref.parentKey() + "')");
            return;
        }
        Map<String, Object> idRef = new LinkedHashMap<>();
        idRef.put("id", target.id);
        en.input.put(ref.field(), idRef);
    }

    private static void validate(Entry en, long now, CertificateSchema certificates, CaCertificateSchema cas) {
        EntityType<?> type = certificates != null && en.kind.key().equals("certificates") ? certificates : en.kind.type();
        if (cas != null && en.kind.key().equals("ca_certificates")) {
            type = cas;
        }
        try {
            en.built = type.restore(en.input, now);
        } catch (EntityException e) {
            Map<String, Object> f = e.fields() != null ? e.fields() : Map.of("@entity", List.of(e.getMessage()));
            Map<String, Object> errs = errorsOf(en);
            f.forEach(errs::putIfAbsent);
        }
    }

    private static Map<String, Object> errorsOf(Entry en) {
        if (en.errors == null) {
            en.errors = new LinkedHashMap<>();
        }
        return en.errors;
    }

    /** One {@code flattened_errors} item: the entity as declared (children removed, parents as {@code {id}}) and its errors. */
    private static Map<String, Object> flattened(Entry en) {
        Map<String, Object> entity = new LinkedHashMap<>(en.input);
        if (!en.idGiven) {
            entity.remove("id");
        }
        if (en.parent != null) {
            for (DeclarativeKind.Nested n : en.parent.kind.nested()) {
                if (n.childKey().equals(en.kind.key())) {
                    if (en.parent.idGiven && EntityType.isUuid(en.parent.id)) {
                        entity.put(n.foreignKey(), Map.of("id", en.parent.id));
                    } else {
                        entity.remove(n.foreignKey());
                    }
                }
            }
        }
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("entity_type", en.kind.singular());
        Object name = en.input.get("name");
        item.put("entity_name", name instanceof String s && !s.isEmpty() ? s : null);
        item.put("entity_id", en.idGiven && EntityType.isUuid(en.id) ? en.id : null);
        Object tags = en.input.get("tags");
        item.put("entity_tags", tags instanceof List<?> l && l.stream().allMatch(t -> t instanceof String) ? tags : null);
        item.put("entity", entity);
        List<Map<String, Object>> errors = new ArrayList<>();
        categorize(en.errors, null, errors);
        item.put("errors", errors);
        return item;
    }

    /** Kong's categorization: {@code @entity} messages as entity errors, everything else as {@code a.b.1} field errors. */
    private static void categorize(Object errs, String ns, List<Map<String, Object>> out) {
        if (errs instanceof Map<?, ?> m) {
            java.util.TreeMap<String, Object> sorted = new java.util.TreeMap<>();
            m.forEach((k, v) -> sorted.put(String.valueOf(k), v));
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                if (e.getKey().equals("@entity") && ns == null) {
                    for (Object msg : e.getValue() instanceof List<?> l ? l : List.of(e.getValue())) {
                        Map<String, Object> x = new LinkedHashMap<>();
                        x.put("type", "entity");
                        x.put("message", msg);
                        out.add(x);
                    }
                } else {
                    categorize(e.getValue(), ns == null ? e.getKey() : ns + "." + e.getKey(), out);
                }
            }
        } else if (errs instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                if (l.get(i) != null) {
                    categorize(l.get(i), ns + "." + (i + 1), out);
                }
            }
        } else if (errs != null) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("type", "field");
            x.put("field", ns);
            x.put("message", errs);
            out.add(x);
        }
    }

    /** Kong's error tree for a list: per position the item's errors (null when valid), or null when all are valid. */
    private static List<Object> treeOf(List<Object> slots) {
        List<Object> out = new ArrayList<>();
        boolean any = false;
        for (Object slot : slots) {
            Object t = slot instanceof Entry e ? treeOf(e) : slot;
            out.add(t);
            any |= t != null;
        }
        return any ? out : null;
    }

    private static Map<String, Object> treeOf(Entry e) {
        Map<String, Object> m = e.errors == null ? new LinkedHashMap<>() : new LinkedHashMap<>(e.errors);
        e.children.forEach((key, slots) -> {
            List<Object> t = treeOf(slots);
            if (t != null) {
                m.put(key, t);
            }
        });
        return m.isEmpty() ? null : m;
    }

    private static void checkUnique(DeclarativeKind<?> kind, List<Entry> entries, Map<String, Object> out) {
        Map<String, Entry> ids = new HashMap<>();
        Map<String, Entry> keys = new HashMap<>();
        String keyField = kind.endpointKeyField();
        for (Entry en : entries) {
            String key = en.endpointKey();
            String unique = key;
            if (key != null && kind.keyScope() != null) {
                // Unique per parent, compared normalized (10.0.0.1 and 10.0.0.1:8000 are the same target).
                key = builtKey(kind, en.built);
                unique = uniqueKey(kind, en.built);
            }
            String problem = null;
            if (key != null && keys.putIfAbsent(unique, en) != null) {
                problem = "uniqueness violation: '" + kind.key() + "' entity with " + keyField + " set to '" + key
                        + "' already declared";
            } else if (ids.putIfAbsent(en.id, en) != null
                    || en.built instanceof Plugin p && keys.putIfAbsent(pluginScope(p), en) != null) {
                // Kong derives a plugin's id from its cache key (name, route, service, consumer), so a second plugin
                // of a name in one scope is a primary key duplicate there.
                problem = "uniqueness violation: '" + kind.key() + "' entity with primary key set to '" + en.id
                        + "' already declared";
            }
            if (problem != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) out.computeIfAbsent(kind.key(), k -> new LinkedHashMap<>());
                m.put(key != null ? key : en.id, problem);
            }
        }
    }

    private static String pluginScope(Plugin p) {
        return "\u0000plugin:" + p.name() + ":" + p.routeId() + ":" + p.serviceId();
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(DeclarativeKind<T> kind, Object built) {
        return (T) built;
    }

    private static <T> String builtKey(DeclarativeKind<T> kind, Object built) {
        return kind.type().endpointKey(cast(kind, built));
    }

    /** The endpoint key as the database keeps it unique: alone, or with the parent it is unique within. */
    private static <T> String uniqueKey(DeclarativeKind<T> kind, Object built) {
        T e = cast(kind, built);
        String key = kind.type().endpointKey(e);
        if (key == null || kind.keyScope() == null) {
            return key;
        }
        Object ref = kind.type().encode(e).get(kind.keyScope());
        return (ref instanceof Map<?, ?> m ? m.get("id") : ref) + " " + key;
    }

    @SuppressWarnings("unchecked")
    private static void countSkipped(String entityType, String location, List<?> list, List<Skipped> skipped) {
        int n = 0;
        Map<String, List<Object>> nested = new LinkedHashMap<>();
        for (Object o : list) {
            if (o instanceof Map<?, ?> m) {
                n++;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    String k = String.valueOf(e.getKey());
                    if (DeclarativeKind.NOT_YET_SUPPORTED.contains(k) || DeclarativeKind.find(k) != null) {
                        if (e.getValue() instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(x -> x instanceof Map)) {
                            nested.computeIfAbsent(k, x -> new ArrayList<>()).addAll(l);
                        }
                    }
                }
            }
        }
        if (n > 0) {
            merge(skipped, new Skipped(entityType, location, n));
        }
        nested.forEach((k, l) -> countSkipped(k, location + "[]." + k, l, skipped));
    }

    private static void merge(List<Skipped> skipped, Skipped s) {
        for (int i = 0; i < skipped.size(); i++) {
            Skipped o = skipped.get(i);
            if (o.location().equals(s.location())) {
                skipped.set(i, new Skipped(o.entityType(), o.location(), o.count() + s.count()));
                return;
            }
        }
        skipped.add(s);
    }

    // ------------------------------------------------------------------ export

    /**
     * The export form ({@code db_export}, {@code GET /config}): {@code _format_version: "3.0"},
     * {@code _transform: false}, then one flat list per entity type, parents first, every field present
     * (unset as null) and every foreign key as the parent's id string; except SNIs, which are written nested in
     * their certificate ({@code certificates[].snis[]}, as Kong's own export does). Re-importing it reproduces the set.
     */
    public static Map<String, Object> export(EntitySet set) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("_format_version", "3.0");
        doc.put("_transform", false);
        for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
            if (k.key().equals("snis")) {
                continue; // nested in their certificates below
            }
            List<Map<String, Object>> list = exportKind(k, set);
            if (k.key().equals("certificates")) {
                nestSnis(list, set);
            }
            if (!list.isEmpty()) {
                doc.put(k.key(), list);
            }
        }
        return doc;
    }

    /** Puts each certificate's SNIs (in page order, without the foreign key nesting implies) into its {@code snis}. */
    private static void nestSnis(List<Map<String, Object>> certificates, EntitySet set) {
        Map<String, List<Map<String, Object>>> byCert = new HashMap<>();
        for (Sni s : SniSchema.INSTANCE.ordered(set)) {
            Map<String, Object> m = SniSchema.INSTANCE.encode(s);
            m.remove("certificate");
            byCert.computeIfAbsent(s.certificateId().toString(), k -> new ArrayList<>()).add(m);
        }
        for (Map<String, Object> c : certificates) {
            c.put("snis", byCert.getOrDefault((String) c.get("id"), List.of()));
        }
    }

    private static <T> List<Map<String, Object>> exportKind(DeclarativeKind<T> kind, EntitySet set) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (T e : kind.type().ordered(set)) {
            Map<String, Object> m = kind.type().encode(e);
            for (DeclarativeKind.Ref ref : kind.refs()) {
                if (m.get(ref.field()) instanceof Map<?, ?> fk) {
                    m.put(ref.field(), fk.get("id"));
                }
            }
            out.add(m);
        }
        return out;
    }

    /** {@link #export} as YAML text. */
    public static String exportYaml(EntitySet set) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setIndicatorIndent(0);
        o.setSplitLines(false);
        return new Yaml(new Representer(o), o).dump(export(set));
    }

    /**
     * {@code config db_import}: {@code imported} inserted into {@code base}, replacing entities with the same id
     * and keeping all others (Kong's import upserts). An imported entity whose endpoint key is taken by a
     * different stored entity is a unique violation.
     *
     * @return the merged set, with {@code version}
     */
    public static EntitySet merge(EntitySet base, EntitySet imported, long version) {
        EntitySet out = base.withVersion(version); // kinds the file cannot hold stay as stored
        for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
            out = mergeKind(k, out, imported);
        }
        return out;
    }

    private static <T> EntitySet mergeKind(DeclarativeKind<T> kind, EntitySet base, EntitySet imported) {
        EntityType<T> type = kind.type();
        Map<UUID, T> all = new LinkedHashMap<>(type.collection(base));
        Map<String, UUID> keys = new HashMap<>();
        all.forEach((id, e) -> {
            if (type.endpointKey(e) != null) {
                keys.put(uniqueKey(kind, e), id);
            }
        });
        for (T e : type.collection(imported).values()) {
            String key = type.endpointKey(e);
            String unique = uniqueKey(kind, e);
            UUID holder = key == null ? null : keys.get(unique);
            if (holder != null && !holder.equals(type.id(e))) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put(type.endpointKeyField(), key);
                if (kind.keyScope() != null) {
                    f.put(kind.keyScope(), type.encode(e).get(kind.keyScope()));
                }
                throw EntityException.uniqueViolation(f);
            }
            all.put(type.id(e), e);
            if (unique != null) {
                keys.put(unique, type.id(e));
            }
        }
        return type.withAll(base, all);
    }

    /** A summary line per entity type, e.g. {@code services: 3, routes: 5}. */
    public static String summary(EntitySet set) {
        List<String> parts = new ArrayList<>();
        for (DeclarativeKind<?> k : DeclarativeKind.SUPPORTED) {
            parts.add(k.key() + ": " + k.type().collection(set).size());
        }
        return String.join(", ", parts);
    }
}
