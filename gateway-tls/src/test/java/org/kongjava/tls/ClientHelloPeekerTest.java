package org.kongjava.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.kongjava.tls.ClientHelloPeeker.Status;

class ClientHelloPeekerTest {

    /** The first flight of a real client (JDK provider), with or without SNI. */
    private static byte[] clientHello(String sni) throws Exception {
        SslContext ctx = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(sni == null ? ctx.newHandler(ch.alloc()) : ctx.newHandler(ch.alloc(), sni, 443));
        ByteBuf out = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.writeBytes(b);
            b.release();
        }
        ch.finishAndReleaseAll();
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        return bytes;
    }

    @Test
    void readsTheSniWithoutMovingTheIndexes() throws Exception {
        ByteBuf in = Unpooled.wrappedBuffer(clientHello("Db.Example.COM"));
        int r = in.readerIndex();
        int w = in.writerIndex();
        ClientHelloPeeker.Result res = ClientHelloPeeker.peek(in);
        assertEquals(Status.CLIENT_HELLO, res.status());
        assertEquals("db.example.com", res.sni());
        assertEquals(r, in.readerIndex());
        assertEquals(w, in.writerIndex());
    }

    @Test
    void everyIncompletePrefixNeedsMore() throws Exception {
        byte[] hello = clientHello("a.test");
        for (int n = 1; n < hello.length; n++) {
            assertEquals(Status.NEED_MORE, ClientHelloPeeker.peek(Unpooled.wrappedBuffer(hello, 0, n)).status(), "prefix " + n);
        }
        assertEquals("a.test", ClientHelloPeeker.peek(Unpooled.wrappedBuffer(hello)).sni());
    }

    @Test
    void helloWithoutSni() throws Exception {
        ClientHelloPeeker.Result res = ClientHelloPeeker.peek(Unpooled.wrappedBuffer(clientHello(null)));
        assertEquals(Status.CLIENT_HELLO, res.status());
        assertNull(res.sni());
    }

    @Test
    void plainBytesAreNotTls() {
        assertEquals(Status.NOT_TLS, ClientHelloPeeker.peek(
                Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII)).status());
        assertEquals(Status.NOT_TLS, ClientHelloPeeker.peek(Unpooled.wrappedBuffer(new byte[] {22, 1})).status());
        assertEquals(Status.NEED_MORE, ClientHelloPeeker.peek(Unpooled.EMPTY_BUFFER).status());
    }

    @Test
    void aHelloLargerThanTheBoundIsRefusedBeforeItIsComplete() throws Exception {
        byte[] hello = clientHello("a.test");
        // Only the first record header is there: its length already exceeds the bound.
        assertEquals(Status.TOO_LONG, ClientHelloPeeker.peek(Unpooled.wrappedBuffer(hello, 0, 9), 64).status());
    }

    @Test
    void aHelloSplitOverRecordsIsReassembled() throws Exception {
        byte[] hello = clientHello("split.test");
        int bodyLength = ((hello[3] & 0xff) << 8) | (hello[4] & 0xff);
        int cut = 40;
        ByteBuf two = Unpooled.buffer();
        two.writeBytes(new byte[] {22, 3, 1});
        two.writeShort(cut);
        two.writeBytes(hello, 5, cut);
        two.writeBytes(new byte[] {22, 3, 1});
        two.writeShort(bodyLength - cut);
        two.writeBytes(hello, 5 + cut, bodyLength - cut);
        assertEquals("split.test", ClientHelloPeeker.peek(two).sni());
        assertEquals(Status.NEED_MORE, ClientHelloPeeker.peek(two.slice(0, two.readableBytes() - 1)).status());
    }
}
