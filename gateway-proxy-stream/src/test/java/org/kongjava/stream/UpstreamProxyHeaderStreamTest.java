package org.kongjava.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.model.CidrPort;
import org.kongjava.config.model.Protocol;
import org.kongjava.core.testing.LeakCheck;

/**
 * {@code upstream_proxy_protocol} on stream services: the upstream connection starts with a PROXY header naming the
 * client, sent at once so that an upstream that waits for it before speaking (server-speaks-first) is not stuck
 * while the client, silent, waits for the greeting.
 */
@ExtendWith(LeakCheck.class)
class UpstreamProxyHeaderStreamTest {
    @TempDir
    static Path prefix;

    /** Reads up to and including the first CRLF. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            b.write(c);
            if (c == '\n') {
                break;
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void v1HeaderIsSentFirstAndAtOnceToAServerThatSpeaksFirst() throws Exception {
        try (StreamFixture fx = new StreamFixture(prefix)) {
            // Reads the PROXY line, then greets with it: nothing comes back unless the header arrives unprompted.
            int upstream = fx.server(s -> {
                try {
                    String header = line(s.getInputStream());
                    s.getOutputStream().write(("220 " + header).getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    StreamFixture.echo(s);
                } catch (IOException ignored) {
                    // closed
                }
            });
            StreamPipelineFactory f = fx.factory(StreamSettings.defaults()
                    .withUpstreamProxyProtocol(Map.of("pp-service", 1)), List.of());
            int port = fx.listen(f, false, false);
            fx.route("pp", fx.service("pp-service", Protocol.TCP, upstream, 0), List.of(Protocol.TCP), null, null,
                    List.of(new CidrPort(null, port)));
            fx.publish();
            try (Socket c = StreamFixture.connect(port)) {
                c.setSoTimeout(5_000);
                String greeting = line(c.getInputStream());
                assertEquals("220 PROXY TCP4 127.0.0.1 127.0.0.1 " + c.getLocalPort() + " " + port + "\r\n", greeting);
                c.getOutputStream().write("after\n".getBytes(StandardCharsets.US_ASCII));
                c.getOutputStream().flush();
                assertTrue(line(c.getInputStream()).equals("after\n"), "bytes flow after the header");
            }
        }
    }
}
