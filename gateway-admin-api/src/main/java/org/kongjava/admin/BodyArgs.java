package org.kongjava.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kongjava.config.schema.FormArgs;

/**
 * Reads POST/PUT/PATCH bodies as Kong's Admin API does: JSON objects as they are; urlencoded and multipart
 * forms as nested string arguments ({@link FormArgs}), to be coerced by the entity schema.
 */
final class BodyArgs {
    static final int MAX_ARGS = 1000;

    /**
     * A decoded body: JSON-typed values, or strings that still need coercion (forms). {@code raw} is the body
     * as text when it was neither JSON nor a form ({@code POST /config} with YAML), else null.
     */
    record Decoded(Map<String, Object> args, boolean fromForm, String raw) {
        Decoded(Map<String, Object> args, boolean fromForm) {
            this(args, fromForm, null);
        }
    }

    private BodyArgs() {
    }

    static Decoded decode(FullHttpRequest req) {
        List<String> types = req.headers().getAll(HttpHeaderNames.CONTENT_TYPE);
        if (types.size() > 1) {
            throw new AdminException(AdminResponse.message(400, "Multiple Content-Type headers not allowed"));
        }
        int length = req.content().readableBytes();
        String mime = types.isEmpty() ? null : types.get(0).split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (mime == null || mime.isEmpty()) {
            if (length == 0) {
                return new Decoded(new LinkedHashMap<>(), false);
            }
            throw new AdminException(AdminResponse.empty(415));
        }
        return switch (mime) {
            case "application/json" -> json(req, length);
            case "application/x-www-form-urlencoded" -> urlencoded(req);
            case "multipart/form-data" -> multipart(req);
            default -> {
                if (length == 0) {
                    yield new Decoded(new LinkedHashMap<>(), false);
                }
                throw new AdminException(AdminResponse.empty(415));
            }
        };
    }

    /**
     * {@code POST /config}: JSON and forms as usual; any other body (YAML with {@code application/yaml},
     * {@code text/yaml}, or no type at all) is kept as raw text for the declarative parser.
     */
    static Decoded decodeConfig(FullHttpRequest req) {
        List<String> types = req.headers().getAll(HttpHeaderNames.CONTENT_TYPE);
        if (types.size() > 1) {
            throw new AdminException(AdminResponse.message(400, "Multiple Content-Type headers not allowed"));
        }
        String mime = types.isEmpty() ? "" : types.get(0).split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (mime.equals("application/json") || mime.equals("application/x-www-form-urlencoded")
                || mime.equals("multipart/form-data")) {
            return decode(req);
        }
        return new Decoded(new LinkedHashMap<>(), false, req.content().toString(StandardCharsets.UTF_8));
    }

    @SuppressWarnings("unchecked")
    private static Decoded json(FullHttpRequest req, int length) {
        if (length == 0) {
            return new Decoded(new LinkedHashMap<>(), false);
        }
        String text = req.content().toString(StandardCharsets.UTF_8);
        if (text.isBlank()) {
            return new Decoded(new LinkedHashMap<>(), false);
        }
        try {
            Object v = AdminJson.MAPPER.readValue(text, Object.class);
            if (!(v instanceof Map)) {
                throw cannotParse();
            }
            return new Decoded((Map<String, Object>) v, false);
        } catch (JsonProcessingException e) {
            throw cannotParse();
        }
    }

    private static AdminException cannotParse() {
        return new AdminException(AdminResponse.message(400, "Cannot parse JSON body"));
    }

    private static Decoded urlencoded(FullHttpRequest req) {
        String body = req.content().toString(StandardCharsets.UTF_8);
        QueryStringDecoder d = new QueryStringDecoder(body, StandardCharsets.UTF_8, false, MAX_ARGS + 1);
        return form(d.parameters());
    }

    private static Decoded multipart(FullHttpRequest req) {
        HttpPostRequestDecoder decoder;
        try {
            decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), req, StandardCharsets.UTF_8);
        } catch (HttpPostRequestDecoder.ErrorDataDecoderException e) {
            throw new AdminException(AdminResponse.message(400, "Cannot parse multipart body"));
        }
        try {
            Map<String, List<String>> flat = new LinkedHashMap<>();
            for (InterfaceHttpData data : decoder.getBodyHttpDatas()) {
                String value;
                if (data instanceof Attribute a) {
                    value = a.getValue();
                } else if (data instanceof FileUpload f) {
                    value = f.getString(StandardCharsets.UTF_8);
                } else {
                    continue;
                }
                flat.computeIfAbsent(data.getName(), k -> new ArrayList<>()).add(value);
            }
            return form(flat);
        } catch (IOException | HttpPostRequestDecoder.ErrorDataDecoderException e) {
            throw new AdminException(AdminResponse.message(400, "Cannot parse multipart body"));
        } finally {
            decoder.destroy();
        }
    }

    private static Decoded form(Map<String, List<String>> flat) {
        int count = flat.values().stream().mapToInt(List::size).sum();
        if (count > MAX_ARGS) {
            throw new AdminException(AdminResponse.message(400, "Too many arguments"));
        }
        return new Decoded(FormArgs.decode(flat), true);
    }
}
