package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One field of an entity schema, as data: its type, presence rules, default and validators. Built once
 * in a static definition with the fluent methods below; each returns a new instance, so a {@code Field}
 * never changes once built.
 * <p>
 * Validators run in Kong's fixed order ({@code Schema.validators_order}); the first failure wins and
 * {@link #err(String)} replaces its message, as Kong's {@code err} attribute does.
 */
final class Field implements Cloneable {

    enum Type { STRING, INTEGER, NUMBER, BOOLEAN, ARRAY, SET, MAP, RECORD, FOREIGN }

    /** A validator with its position in Kong's order. */
    record Rule(int order, Function<Object, String> check) {
    }

    // Positions in Kong's Schema.validators_order.
    static final int NE = 1, NOT_ONE_OF = 2, ONE_OF = 3, TIMESTAMP = 5, UUID_ORDER = 6, BETWEEN = 8, LEN_EQ = 9,
            LEN_MIN = 10, STARTS_WITH = 12, MATCH_NONE = 14, MATCH = 15, MATCH_ALL = 16, MATCH_ANY = 17,
            CUSTOM = 19, SUBSETS = 20;

    private static final Pattern UUID_RE = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
            Pattern.CASE_INSENSITIVE);

    private String name;
    private Type type;
    private boolean required;
    private boolean hasDefault;
    private Supplier<Object> dflt;
    private boolean auto;
    private boolean unique;
    private boolean eqNull;
    private String err;
    private Field elements;
    private Field keys;
    private Field values;
    private EntitySchema record;
    private Supplier<EntitySchema> reference;
    private List<Rule> rules = List.of();

    private Field(String name, Type type) {
        this.name = name;
        this.type = type;
    }

    static Field of(String name, Type type) {
        Field f = new Field(name, type);
        if (type == Type.STRING) {
            f = f.rule(LEN_MIN, v -> ((String) v).isEmpty() ? "length must be at least 1" : null);
        }
        return f;
    }

    static Field string(String name) {
        return of(name, Type.STRING);
    }

    static Field integer(String name) {
        return of(name, Type.INTEGER);
    }

    static Field bool(String name) {
        return of(name, Type.BOOLEAN);
    }

    static Field array(String name, Field elements) {
        return of(name, Type.ARRAY).with(f -> f.elements = elements);
    }

    static Field set(String name, Field elements) {
        return of(name, Type.SET).with(f -> f.elements = elements);
    }

    static Field map(String name, Field keys, Field values) {
        return of(name, Type.MAP).with(f -> {
            f.keys = keys;
            f.values = values;
        });
    }

    static Field record(String name, EntitySchema schema) {
        return of(name, Type.RECORD).with(f -> f.record = schema);
    }

    static Field foreign(String name, Supplier<EntitySchema> reference) {
        return of(name, Type.FOREIGN).with(f -> f.reference = reference);
    }

    /** A string that must be a UUID ({@code expected a valid UUID}). */
    static Field uuid(String name) {
        return string(name).rule(UUID_ORDER, v -> UUID_RE.matcher((String) v).matches() ? null : "expected a valid UUID");
    }

    Field required() {
        return with(f -> f.required = true);
    }

    Field dflt(Object value) {
        return with(f -> {
            f.hasDefault = true;
            f.dflt = () -> value;
        });
    }

    Field auto() {
        return with(f -> f.auto = true);
    }

    Field unique() {
        return with(f -> f.unique = true);
    }

    /** {@code eq = null}: the field may only be null (subschema "cannot set ..." fields). */
    Field eqNull() {
        return with(f -> f.eqNull = true);
    }

    Field err(String message) {
        return with(f -> f.err = message);
    }

    Field named(String newName) {
        return with(f -> f.name = newName);
    }

    Field oneOf(List<?> options) {
        String msg = "expected one of: " + String.join(", ", options.stream().map(String::valueOf).toList());
        return rule(ONE_OF, v -> options.stream().anyMatch(o -> valueEquals(o, v)) ? null : msg);
    }

    Field notOneOf(List<?> options) {
        String msg = "must not be one of: " + String.join(", ", options.stream().map(String::valueOf).toList());
        return rule(NOT_ONE_OF, v -> options.stream().anyMatch(o -> valueEquals(o, v)) ? msg : null);
    }

    Field ne(Object wanted) {
        return rule(NE, v -> valueEquals(wanted, v) ? "value must not be " + v : null);
    }

    Field between(long min, long max) {
        return rule(BETWEEN, v -> {
            double d = ((Number) v).doubleValue();
            return d < min || d > max ? "value should be between " + min + " and " + max : null;
        });
    }

    Field lenMin(int n) {
        List<Rule> kept = new ArrayList<>(rules.stream().filter(r -> r.order() != LEN_MIN).toList());
        Field f = with(c -> c.rules = List.copyOf(kept));
        return f.rule(LEN_MIN, v -> length(v) < n ? "length must be at least " + n : null);
    }

    Field lenEq(int n) {
        return rule(LEN_EQ, v -> length(v) != n ? "length must be " + n : null);
    }

    Field timestamp() {
        return rule(TIMESTAMP, v -> ((Number) v).doubleValue() > 0 ? null : "expected a valid timestamp");
    }

    Field startsWith(String prefix) {
        return rule(STARTS_WITH, v -> ((String) v).startsWith(prefix) ? null : "should start with: " + prefix);
    }

    /** {@code match_none}: fails with {@code message} when the (Java) regex is found. */
    Field matchNone(String regex, String message) {
        Pattern p = Pattern.compile(regex);
        return rule(MATCH_NONE, v -> p.matcher((String) v).find() ? message : null);
    }

    /** {@code match}: fails with {@code invalid value: <v>} when the regex is not found. */
    Field match(String regex) {
        Pattern p = Pattern.compile(regex);
        return rule(MATCH, v -> p.matcher((String) v).find() ? null : "invalid value: " + v);
    }

    Field matchAll(String regex, String message) {
        Pattern p = Pattern.compile(regex);
        return rule(MATCH_ALL, v -> p.matcher((String) v).find() ? null : message);
    }

    Field matchAny(List<String> regexes, String message) {
        List<Pattern> ps = regexes.stream().map(Pattern::compile).toList();
        return rule(MATCH_ANY, v -> ps.stream().anyMatch(p -> p.matcher((String) v).find()) ? null : message);
    }

    Field custom(Function<String, String> check) {
        return rule(CUSTOM, v -> check.apply((String) v));
    }

    /** Elements of a set may come from at most one of the subsets. */
    Field mutuallyExclusiveSubsets(List<List<String>> subsets) {
        return rule(SUBSETS, v -> {
            List<List<String>> memberOf = new ArrayList<>();
            for (Object o : (List<?>) v) {
                for (List<String> s : subsets) {
                    if (s.contains(o) && !memberOf.contains(s)) {
                        memberOf.add(s);
                    }
                }
            }
            if (memberOf.size() <= 1) {
                return null;
            }
            List<String> parts = memberOf.stream()
                    .map(s -> "(" + String.join(", ", s.stream().map(x -> "'" + x + "'").toList()) + ")").toList();
            return "these sets are mutually exclusive: " + String.join(", ", parts);
        });
    }

    Field rule(int order, Function<Object, String> check) {
        List<Rule> next = new ArrayList<>(rules);
        next.add(new Rule(order, check));
        next.sort(Comparator.comparingInt(Rule::order));
        return with(f -> f.rules = List.copyOf(next));
    }

    private Field with(java.util.function.Consumer<Field> change) {
        try {
            Field c = (Field) super.clone();
            change.accept(c);
            return c;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    private static int length(Object v) {
        if (v instanceof String s) {
            return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
        if (v instanceof List<?> l) {
            return l.size();
        }
        if (v instanceof java.util.Map<?, ?> m) {
            return m.size();
        }
        return 0;
    }

    /** Equality across JSON number types (80 == 80L == 80.0). */
    static boolean valueEquals(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return Objects.equals(a, b);
    }

    String name() {
        return name;
    }

    Type type() {
        return type;
    }

    boolean isRequired() {
        return required;
    }

    boolean hasDefault() {
        return hasDefault;
    }

    Object defaultValue() {
        Object v = dflt.get();
        return v instanceof List<?> l ? new ArrayList<>(l) : v;
    }

    boolean isAuto() {
        return auto;
    }

    boolean isUnique() {
        return unique;
    }

    boolean isEqNull() {
        return eqNull;
    }

    String errOverride() {
        return err;
    }

    Field elements() {
        return elements;
    }

    Field keys() {
        return keys;
    }

    Field values() {
        return values;
    }

    EntitySchema recordSchema() {
        return record;
    }

    EntitySchema reference() {
        return reference == null ? null : reference.get();
    }

    List<Rule> rules() {
        return rules;
    }
}
