package org.kongjava.core.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A TLS echo handler for test listeners and a JDK client that sends SNI. */
final class TlsProbe {
    private TlsProbe() {
    }

    /** Echoes bytes back after the handshake. */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** An open TLS connection from the JDK. */
    static final class Conn implements AutoCloseable {
        final SSLSocket socket;

        Conn(int port, String sni) throws Exception {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
            socket.setSoTimeout(5_000);
            if (sni != null) {
                SSLParameters p = socket.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(sni)));
                socket.setSSLParameters(p);
            }
            socket.startHandshake();
        }

        X509Certificate peer() throws Exception {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }

        String echo(String s) throws Exception {
            OutputStream out = socket.getOutputStream();
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buf = in.readNBytes(s.length());
            return new String(buf, StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    static final class TrustAll implements X509TrustManager {
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
