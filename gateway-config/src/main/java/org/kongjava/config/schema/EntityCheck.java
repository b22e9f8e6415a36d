package org.kongjava.config.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * An entity-level check (Kong's {@code entity_checks}). It reads the whole input and adds to the error
 * table: field messages under the field's name, entity messages under {@code "@entity"}.
 */
interface EntityCheck {

    void run(Map<String, Object> input, EntitySchema schema, Map<String, Object> errors);

    /**
     * Kong's {@code conditional}: when {@code ifField} passes {@code ifMatch}, {@code thenField} must pass
     * {@code thenMatch} (the field's own definition narrowed, e.g. {@code eq = null}). On failure the field
     * gets the validator's message and the entity gets {@code thenErr} or
     * {@code failed conditional validation given value of field '<ifField>'}.
     */
    static EntityCheck conditional(String ifField, Predicate<Object> ifMatch, String thenField,
                                   java.util.function.UnaryOperator<Field> thenMatch, String thenErr) {
        return (input, schema, errors) -> {
            if (!input.containsKey(ifField)) {
                return;
            }
            Object ifValue = input.get(ifField);
            if (ifValue == null || !ifMatch.test(ifValue)) {
                return;
            }
            Field f = thenMatch.apply(schema.field(thenField, input));
            Object err = schema.validateField(f, input.get(thenField));
            if (err != null) {
                errors.put(thenField, err);
                addEntityError(errors, thenErr != null ? thenErr
                        : "failed conditional validation given value of field '" + ifField + "'");
            }
        };
    }

    /**
     * Kong's {@code conditional_at_least_one_of}: when {@code ifMatch} holds one of {@code thenFields} must be
     * non-empty, else when {@code elseMatch} holds one of {@code elseFields}. Messages take the quoted list.
     */
    static EntityCheck conditionalAtLeastOneOf(String ifField, Predicate<Object> ifMatch, List<String> thenFields, String thenErr,
                                               Predicate<Object> elseMatch, List<String> elseFields, String elseErr) {
        return (input, schema, errors) -> {
            Object ifValue = input.get(ifField);
            if (ifValue == null) {
                return;
            }
            List<String> names;
            String err;
            if (ifMatch.test(ifValue)) {
                names = thenFields;
                err = thenErr;
            } else if (elseMatch != null && elseMatch.test(ifValue)) {
                names = elseFields;
                err = elseErr;
            } else {
                return;
            }
            for (String n : names) {
                if (isNonEmpty(input.get(n))) {
                    return;
                }
            }
            addEntityError(errors, err.replace("%s", quotedList(names)));
        };
    }

    /** Kong's {@code at_least_one_of}. */
    static EntityCheck atLeastOneOf(List<String> names) {
        return (input, schema, errors) -> {
            for (String n : names) {
                if (isNonEmpty(input.get(n))) {
                    return;
                }
            }
            addEntityError(errors, "at least one of these fields must be non-empty: " + quotedList(names));
        };
    }

    static String quotedList(List<String> names) {
        return String.join(", ", names.stream().map(n -> "'" + n + "'").toList());
    }

    static boolean isNonEmpty(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    static void addEntityError(Map<String, Object> errors, String message) {
        Object existing = errors.get("@entity");
        List<String> list;
        if (existing instanceof List<?> l) {
            list = (List<String>) l;
        } else {
            list = new ArrayList<>();
            errors.put("@entity", list);
        }
        list.add(message);
    }
}
