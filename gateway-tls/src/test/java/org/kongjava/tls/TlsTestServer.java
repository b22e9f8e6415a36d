package org.kongjava.tls;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;

/** A Netty TLS server on 127.0.0.1:0 with {@code SniHandler(mapping)}, and a JDK client to handshake with it. */
final class TlsTestServer implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    TlsTestServer(Mapping<String, SslContext> mapping) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new SniHandler(mapping));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** What the client saw. */
    record Result(X509Certificate peer, String alpn, String protocol, String cipher) {
    }

    /** Client options; null fields keep the JDK's defaults. */
    record Client(String sni, List<String> alpn, List<String> protocols, List<String> ciphers,
                  List<String> signatureSchemes) {
        static Client sni(String sni) {
            return new Client(sni, null, null, null, null);
        }

        Client alpn(String... ids) {
            return new Client(sni, List.of(ids), protocols, ciphers, signatureSchemes);
        }

        Client protocols(String... p) {
            return new Client(sni, alpn, List.of(p), ciphers, signatureSchemes);
        }

        Client ciphers(String... c) {
            return new Client(sni, alpn, protocols, List.of(c), signatureSchemes);
        }

        Client signatureSchemes(String... s) {
            return new Client(sni, alpn, protocols, ciphers, List.of(s));
        }
    }

    Result handshake(Client c) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustAll()}, null);
        try (Socket plain = new Socket("127.0.0.1", port());
             SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, "127.0.0.1", port(), true)) {
            s.setSoTimeout(5000);
            SSLParameters p = s.getSSLParameters();
            // An IP literal sends no SNI; set one only when the test asks.
            p.setServerNames(c.sni() == null ? List.of() : List.of(new SNIHostName(c.sni())));
            if (c.alpn() != null) {
                p.setApplicationProtocols(c.alpn().toArray(String[]::new));
            }
            if (c.protocols() != null) {
                p.setProtocols(c.protocols().toArray(String[]::new));
            }
            if (c.ciphers() != null) {
                p.setCipherSuites(c.ciphers().toArray(String[]::new));
            }
            if (c.signatureSchemes() != null) {
                p.setSignatureSchemes(c.signatureSchemes().toArray(String[]::new));
            }
            s.setSSLParameters(p);
            s.startHandshake();
            var session = s.getSession();
            return new Result((X509Certificate) session.getPeerCertificates()[0], s.getApplicationProtocol(),
                    session.getProtocol(), session.getCipherSuite());
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Tests check which certificate was served, not whether it is trusted. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
