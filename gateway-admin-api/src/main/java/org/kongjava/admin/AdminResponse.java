package org.kongjava.admin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A response before it is written: a status, a JSON body (null for none) and extra headers.
 */
record AdminResponse(int status, Object body, Map<String, String> headers) {

    static AdminResponse json(int status, Object body) {
        return new AdminResponse(status, body, Map.of());
    }

    static AdminResponse message(int status, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("message", message);
        return json(status, m);
    }

    static AdminResponse empty(int status) {
        return new AdminResponse(status, null, Map.of());
    }

    static AdminResponse notFound() {
        return message(404, "Not found");
    }

    static AdminResponse methodNotAllowed() {
        return message(405, "Method not allowed");
    }

    static AdminResponse unexpected() {
        return message(500, "An unexpected error occurred");
    }
}
