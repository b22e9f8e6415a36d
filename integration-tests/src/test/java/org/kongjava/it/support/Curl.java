package org.kongjava.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real curl binary and returns what it saw. */
public final class Curl {

    private Curl() {}

    /**
     * One curl run.
     *
     * @param headerText every response head curl received, interim (1xx) ones included, as written by {@code -D}
     */
    public record Result(int exit, int status, String headerText, String body, String stderr, long elapsedMillis) {
        /** Value of a header of the final response (case-insensitive), or null. */
        public String header(String name) {
            String[] blocks = headerText.split("\r?\n\r?\n");
            String last = "";
            for (String b : blocks) {
                if (!b.isBlank()) {
                    last = b;
                }
            }
            for (String line : last.split("\r?\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).strip();
                }
            }
            return null;
        }

        /** Status codes of every response head in order (e.g. [100, 200]). */
        public List<Integer> statuses() {
            List<Integer> out = new ArrayList<>();
            for (String line : headerText.split("\r?\n")) {
                if (line.startsWith("HTTP/")) {
                    String[] p = line.split(" ");
                    out.add(Integer.parseInt(p[1]));
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return "curl exit " + exit + ", status " + status + " in " + elapsedMillis + " ms\n" + headerText
                    + "\n" + (body.length() > 2000 ? body.substring(0, 2000) + "..." : body) + "\n--- stderr\n" + stderr;
        }
    }

    /** {@code curl -sS -D <h> -o <b> -w %{http_code} args...}; skips/fails when curl is missing. */
    public static Result run(String... args) {
        Path curl = Peers.require("curl");
        try {
            Path dir = Files.createTempDirectory("curl-it");
            Path headers = dir.resolve("headers");
            Path body = dir.resolve("body");
            Path err = dir.resolve("stderr");
            List<String> cmd = new ArrayList<>(List.of(curl.toString(), "-sS", "--noproxy", "*", "-D",
                    headers.toString(), "-o", body.toString(), "-w", "%{http_code}"));
            cmd.addAll(List.of(args));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String code = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("curl did not finish: " + cmd);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String h = Files.isRegularFile(headers) ? Files.readString(headers, StandardCharsets.ISO_8859_1) : "";
            String b = Files.isRegularFile(body) ? Files.readString(body, StandardCharsets.UTF_8) : "";
            String e = Files.readString(err, StandardCharsets.UTF_8);
            Gateway.deleteTree(dir);
            int status = code.matches("\\d+") ? Integer.parseInt(code) : 0;
            return new Result(p.exitValue(), status, h, b, e, ms);
        } catch (IOException e) {
            throw new AssertionError("cannot run curl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
