package org.kongjava.it.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON client for the gateway's Admin API (java.net.http + Jackson). */
public final class Admin {

    /** Shared mapper for request and response bodies. */
    public static final ObjectMapper JSON = new ObjectMapper();

    private final int port;
    private final HttpClient http;

    public Admin(int port) {
        this.port = port;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** One Admin API answer. */
    public record Response(String method, String path, int status, String body, HttpHeaders headers) {
        /** The body as JSON; an AssertionError naming the request when it is not JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError(this + " did not answer JSON", e);
            }
        }

        /** This response if its status is {@code expected}, else an AssertionError with the body. */
        public Response expect(int expected) {
            if (status != expected) {
                throw new AssertionError("expected " + expected + " from " + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return method + " " + path + " -> " + status + " " + body;
        }
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response post(String path, Object body) {
        return send("POST", path, body);
    }

    public Response put(String path, Object body) {
        return send("PUT", path, body);
    }

    public Response patch(String path, Object body) {
        return send("PATCH", path, body);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    /** POST that must answer 201; returns the created entity. */
    public JsonNode create(String path, Object body) {
        return post(path, body).expect(201).json();
    }

    /**
     * Sends {@code body} as JSON: a String is sent as is, anything else (Map, List, JsonNode) through Jackson.
     */
    public Response send(String method, String path, Object body) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        if (body == null) {
            rb.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            String text;
            try {
                text = body instanceof String s ? s : JSON.writeValueAsString(body);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("body: " + body + " (expected: JSON-serializable)", e);
            }
            rb.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(text));
        }
        try {
            HttpResponse<String> r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(method, path, r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " on admin port " + port + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
