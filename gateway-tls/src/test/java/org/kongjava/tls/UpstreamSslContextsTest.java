package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.kongjava.tls.UpstreamTlsSettings.ClientKey;

/** Real handshakes (in memory) between an upstream context and a server: SNI, verification reasons, mTLS, caching. */
class UpstreamSslContextsTest {
    static final TestCerts.Issued ROOT = UpstreamTrustManagerTest.ROOT;
    static final TestCerts.Issued SERVER = TestCerts.leaf("upstream.test", ROOT, Duration.ofDays(30));
    static final TestCerts.Issued CLIENT_CA = TestCerts.ca("Client CA");
    static final TestCerts.Issued CLIENT = TestCerts.leaf("gateway-client", CLIENT_CA, Duration.ofDays(30));

    static List<SslProvider> providers() {
        return ServerTlsContexts.openSslAvailable() ? List.of(SslProvider.JDK, SslProvider.OPENSSL) : List.of(SslProvider.JDK);
    }

    /** The outcome of one handshake: the client's failure (or null), the SNI the server saw, the client cert it saw. */
    record Outcome(Throwable failure, String sni, X509Certificate clientCert) {
    }

    private static Outcome handshake(SslHandler client, boolean requireClientCert) throws Exception {
        SslContextBuilder sb = SslContextBuilder.forServer(SERVER.key(), SERVER.cert()).sslProvider(SslProvider.JDK);
        if (requireClientCert) {
            sb.clientAuth(ClientAuth.REQUIRE).trustManager(CLIENT_CA.cert());
        }
        SslContext server = sb.build();
        AtomicReference<String> sni = new AtomicReference<>();
        EmbeddedChannel s = new EmbeddedChannel(new SniHandler(host -> {
            sni.set(host);
            return server;
        }));
        EmbeddedChannel c = new EmbeddedChannel(client);
        for (int i = 0; i < 50 && !client.handshakeFuture().isDone(); i++) {
            pump(c, s);
            pump(s, c);
        }
        pump(c, s);
        X509Certificate seen = null;
        SslHandler sh = s.pipeline().get(SslHandler.class);
        if (client.handshakeFuture().isSuccess() && sh != null) {
            SSLSession session = sh.engine().getSession();
            try {
                seen = (X509Certificate) session.getPeerCertificates()[0];
            } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                seen = null;
            }
        }
        Throwable failure = client.handshakeFuture().isDone() ? client.handshakeFuture().cause() : new AssertionError("no handshake");
        c.finishAndReleaseAll();
        s.finishAndReleaseAll();
        return new Outcome(failure, sni.get(), seen);
    }

    private static void pump(EmbeddedChannel from, EmbeddedChannel to) {
        ByteBuf b;
        while ((b = from.readOutbound()) != null) {
            try {
                to.writeInbound(b);
            } catch (Exception handshakeError) {
                // the failing side reports it through its handshake future
            }
        }
    }

    private static UpstreamSslContexts.Key key(boolean verify, int depth, ClientKey client) {
        return new UpstreamSslContexts.Key(verify, "test-root", depth, client == null ? null : client.digest());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void verifiedHandshakeSendsSniAndChecksTheName(SslProvider provider) throws Exception {
        UpstreamSslContexts contexts = new UpstreamSslContexts(provider);
        SslContext ctx = contexts.context(key(true, 1, null), () -> List.of(ROOT.cert()), null);
        Outcome ok = handshake(UpstreamSslContexts.newHandler(ctx, ByteBufAllocator.DEFAULT, "upstream.test", 443, 5000), false);
        assertNull(ok.failure());
        assertEquals("upstream.test", ok.sni());

        Outcome wrong = handshake(UpstreamSslContexts.newHandler(ctx, ByteBufAllocator.DEFAULT, "wrong.test", 443, 5000), false);
        UpstreamVerificationException v = UpstreamVerificationException.find(wrong.failure());
        assertNotNull(v, String.valueOf(wrong.failure()));
        assertEquals(UpstreamVerificationException.Reason.NAME_MISMATCH, v.reason());
        assertEquals("wrong.test", wrong.sni());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void untrustedUpstreamFailsOnlyWhenVerifying(SslProvider provider) throws Exception {
        UpstreamSslContexts contexts = new UpstreamSslContexts(provider);
        TestCerts.Issued other = TestCerts.ca("Someone Else");
        SslContext verifying = contexts.context(key(true, 1, null), () -> List.of(other.cert()), null);
        Outcome refused = handshake(UpstreamSslContexts.newHandler(verifying, ByteBufAllocator.DEFAULT, "upstream.test", 443, 5000), false);
        assertEquals(UpstreamVerificationException.Reason.UNKNOWN_CA,
                UpstreamVerificationException.find(refused.failure()).reason());

        SslContext open = contexts.context(key(false, 1, null), List::of, null);
        assertNull(handshake(UpstreamSslContexts.newHandler(open, ByteBufAllocator.DEFAULT, "wrong.test", 443, 5000), false).failure());
        // An IP literal is verified but never sent as SNI (nginx sends none).
        assertNull(handshake(UpstreamSslContexts.newHandler(open, ByteBufAllocator.DEFAULT, "127.0.0.1", 443, 5000), false).sni());
    }

    @ParameterizedTest
    @MethodSource("providers")
    void clientCertificateIsPresented(SslProvider provider) throws Exception {
        UpstreamSslContexts contexts = new UpstreamSslContexts(provider);
        ClientKey client = ClientKey.parse(CLIENT.certPem(), CLIENT.keyPem(), "test");
        SslContext with = contexts.context(key(true, 1, client), () -> List.of(ROOT.cert()), client);
        Outcome o = handshake(UpstreamSslContexts.newHandler(with, ByteBufAllocator.DEFAULT, "upstream.test", 443, 5000), true);
        assertNull(o.failure());
        assertEquals(CLIENT.cert(), o.clientCert());
    }

    @org.junit.jupiter.api.Test
    void contextsAreSharedPerKeyAndDroppedWhenUnused() throws Exception {
        UpstreamSslContexts contexts = new UpstreamSslContexts(SslProvider.JDK);
        SslContext a = contexts.context(key(true, 1, null), () -> List.of(ROOT.cert()), null);
        assertSame(a, contexts.context(key(true, 1, null), () -> {
            throw new AssertionError("a cached context must not ask for its trust again");
        }, null));
        SslContext b = contexts.context(key(true, 2, null), () -> List.of(ROOT.cert()), null);
        assertNotSame(a, b);
        // Unverified contexts ignore trust and depth in their key.
        assertEquals(key(false, 1, null), key(false, 7, null));
        assertTrue(!key(true, 1, null).id().equals(key(true, 2, null).id()));
        contexts.retainOnly(Set.of(key(true, 2, null)));
        assertEquals(1, contexts.size());
    }
}
