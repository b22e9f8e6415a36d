package org.kongjava.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's request decoder made as strict as nginx where Netty is lenient:
 * <ul>
 * <li>{@code Content-Length} together with {@code Transfer-Encoding}: Netty drops the length and goes on
 *     (RFC 9112 allows it); nginx refuses the request, and so do we: it is the classic smuggling vector.</li>
 * <li>obs-fold (a header line starting with SP/HT): Netty joins it to the previous value; refused with 400.</li>
 * <li>one header line longer than the line limit: Netty only bounds the head as a whole; nginx bounds each
 *     line (large_client_header_buffers), answering 494.</li>
 * </ul>
 * Request lines longer than the limit (414), an oversized head (494), duplicate or bad Content-Length
 * values and bad chunk sizes are Netty's own failures. A refused request is emitted as an
 * {@link HttpRequest} whose {@link DecoderResult} failed; the decoder then discards the rest of the input.
 */
final class GuardedRequestDecoder extends HttpRequestDecoder {
    private final int maxHeaderLine;
    // Decoder state; only the connection's event loop runs it.
    private boolean inHead = true;
    /** Bytes of the current head the decoder has consumed so far (the cumulation's indices move). */
    private long headConsumed;
    /** Offset, from the head's start, just past the request line; -1 until that line is complete. */
    private long requestLineEnd = -1;
    private boolean failed;

    GuardedRequestDecoder(HttpDecoderConfig config, int maxHeaderLine) {
        super(config);
        this.maxHeaderLine = maxHeaderLine;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (inHead) {
            RejectedRequestException problem = scanHead(in);
            if (problem != null) {
                failed = true;
                in.skipBytes(in.readableBytes());
                HttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request");
                bad.setDecoderResult(DecoderResult.failure(problem));
                out.add(bad);
                return;
            }
        }
        int before = out.size();
        int readerBefore = in.readerIndex();
        super.decode(ctx, in, out);
        if (inHead) {
            headConsumed += in.readerIndex() - readerBefore;
        }
        for (int i = before; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpMessage m && m.decoderResult().isFailure()) {
                failed = true;
            }
            if (o instanceof HttpRequest) {
                inHead = false;
            }
            if (o instanceof LastHttpContent) {
                inHead = true;
                headConsumed = 0;
                requestLineEnd = -1;
            }
        }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new RejectedRequestException(400, "Content-Length and Transfer-Encoding in one request");
    }

    /** Checks the not yet decoded part of the head, line by line; null when nothing is wrong so far. */
    private RejectedRequestException scanHead(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int p;
        if (requestLineEnd < 0) {
            p = start;
            if (headConsumed == 0) {
                // Netty skips leading control characters and whitespace before the request line.
                while (p < end && isControlOrSpace(in.getByte(p))) {
                    p++;
                }
            }
            int lf = in.indexOf(p, end, (byte) '\n');
            if (lf < 0) {
                return null; // the request line is incomplete; its length is Netty's to bound (414)
            }
            requestLineEnd = headConsumed + (lf + 1 - start);
        }
        p = (int) Math.max(start, start + (requestLineEnd - headConsumed));
        while (p < end) {
            int lf = in.indexOf(p, end, (byte) '\n');
            if (lf < 0) {
                return end - p > maxHeaderLine
                        ? new RejectedRequestException(494, "header line longer than " + maxHeaderLine + " bytes")
                        : null;
            }
            int len = lf - p;
            if (len > 0 && in.getByte(lf - 1) == '\r') {
                len--;
            }
            if (len == 0) {
                return null; // end of the head
            }
            byte first = in.getByte(p);
            if (first == ' ' || first == '\t') {
                return new RejectedRequestException(400, "obsolete line folding in a header");
            }
            if (len > maxHeaderLine) {
                return new RejectedRequestException(494, "header line longer than " + maxHeaderLine + " bytes");
            }
            p = lf + 1;
        }
        return null;
    }

    private static boolean isControlOrSpace(byte b) {
        return b <= ' ' || b == 0x7f;
    }
}
