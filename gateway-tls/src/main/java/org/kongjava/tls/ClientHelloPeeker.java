package org.kongjava.tls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads the server name (SNI) of a TLS ClientHello from the bytes a client sent, <em>without consuming them</em>:
 * the buffer's indexes are never moved, so the same bytes can afterwards be handed to an {@code SslHandler}
 * (termination) or relayed untouched to an upstream ({@code tls_passthrough}). A pure function; callers keep
 * accumulating bytes while the answer is {@link Status#NEED_MORE} and decide how long to wait.
 *
 * <p>A ClientHello split over several TLS records is reassembled (only its length and the extensions are read). At
 * most {@code maxBytes} bytes from the start of the buffer are ever looked at: a longer ClientHello answers
 * {@link Status#TOO_LONG}, so a peer cannot make the caller buffer without bound.
 */
public final class ClientHelloPeeker {
    /** Default bound on the bytes buffered for one ClientHello (post-quantum key shares make 2-3 KiB common). */
    public static final int DEFAULT_MAX_BYTES = 16 * 1024;

    private static final int RECORD_HEADER = 5;
    private static final int CONTENT_HANDSHAKE = 22;
    private static final int CLIENT_HELLO = 1;
    private static final int EXT_SERVER_NAME = 0;

    /** What the bytes so far say. */
    public enum Status {
        /** A TLS record start, but the ClientHello is not complete yet. */
        NEED_MORE,
        /** A complete ClientHello; {@link Result#sni()} is its host name or null when it carries none. */
        CLIENT_HELLO,
        /** The first bytes are not a TLS handshake record (plain TCP, SSLv2, an HTTP request, ...). */
        NOT_TLS,
        /** A TLS handshake whose ClientHello exceeds the byte bound. */
        TOO_LONG
    }

    /**
     * @param status what was found
     * @param sni    the lower-cased host name of the {@code server_name} extension; null unless
     *               {@link Status#CLIENT_HELLO} with a host name
     */
    public record Result(Status status, String sni) {
        static final Result NEED_MORE = new Result(Status.NEED_MORE, null);
        static final Result NOT_TLS = new Result(Status.NOT_TLS, null);
        static final Result TOO_LONG = new Result(Status.TOO_LONG, null);
        static final Result NO_SNI = new Result(Status.CLIENT_HELLO, null);
    }

    private ClientHelloPeeker() {
    }

    /** {@link #peek(ByteBuf, int)} with {@link #DEFAULT_MAX_BYTES}. */
    public static Result peek(ByteBuf in) {
        return peek(in, DEFAULT_MAX_BYTES);
    }

    /**
     * Looks at the readable bytes of {@code in} (indexes untouched).
     *
     * @param maxBytes the most bytes (records with their headers) a ClientHello may take
     */
    public static Result peek(ByteBuf in, int maxBytes) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        if (end - start < 1) {
            return Result.NEED_MORE;
        }
        if (in.getUnsignedByte(start) != CONTENT_HANDSHAKE) {
            return Result.NOT_TLS;
        }
        if (end - start >= 2 && in.getUnsignedByte(start + 1) != 3) {
            return Result.NOT_TLS;
        }
        // Gather the handshake message's bytes across records (without copying unless it is split).
        int pos = start;
        int handshakeLength = -1;
        byte[] joined = null;
        int joinedLength = 0;
        while (true) {
            if (end - pos < RECORD_HEADER) {
                return pos - start + RECORD_HEADER > maxBytes ? Result.TOO_LONG : Result.NEED_MORE;
            }
            if (in.getUnsignedByte(pos) != CONTENT_HANDSHAKE || in.getUnsignedByte(pos + 1) != 3) {
                return pos == start ? Result.NOT_TLS : Result.NO_SNI; // something odd after the first record
            }
            int recordLength = in.getUnsignedShort(pos + 3);
            if (recordLength == 0) {
                return Result.NO_SNI;
            }
            if (pos - start + RECORD_HEADER + recordLength > maxBytes) {
                return Result.TOO_LONG;
            }
            if (end - pos < RECORD_HEADER + recordLength) {
                return Result.NEED_MORE;
            }
            int body = pos + RECORD_HEADER;
            if (handshakeLength < 0) {
                if (recordLength < 4) {
                    return Result.NO_SNI; // a fragment too small to hold the handshake header: not worth reassembling
                }
                if (in.getUnsignedByte(body) != CLIENT_HELLO) {
                    return Result.NO_SNI;
                }
                handshakeLength = in.getUnsignedMedium(body + 1);
                if (handshakeLength + 4 > maxBytes) {
                    return Result.TOO_LONG;
                }
                if (recordLength - 4 >= handshakeLength) {
                    return parseHello(in, body + 4, handshakeLength);
                }
                joined = new byte[handshakeLength];
                joinedLength = recordLength - 4;
                in.getBytes(body + 4, joined, 0, joinedLength);
            } else {
                int n = Math.min(recordLength, handshakeLength - joinedLength);
                in.getBytes(body, joined, joinedLength, n);
                joinedLength += n;
                if (joinedLength >= handshakeLength) {
                    return parseHello(io.netty.buffer.Unpooled.wrappedBuffer(joined), 0, handshakeLength);
                }
            }
            pos = body + recordLength;
        }
    }

    /** The ClientHello body at {@code off}: version, random, session id, ciphers, compression, extensions. */
    private static Result parseHello(ByteBuf b, int off, int length) {
        int end = off + length;
        int p = off + 2 + 32;
        if (p + 1 > end) {
            return Result.NO_SNI;
        }
        p += 1 + b.getUnsignedByte(p); // session id
        if (p + 2 > end) {
            return Result.NO_SNI;
        }
        p += 2 + b.getUnsignedShort(p); // cipher suites
        if (p + 1 > end) {
            return Result.NO_SNI;
        }
        p += 1 + b.getUnsignedByte(p); // compression methods
        if (p + 2 > end) {
            return Result.NO_SNI; // no extensions at all
        }
        int extEnd = Math.min(end, p + 2 + b.getUnsignedShort(p));
        p += 2;
        while (p + 4 <= extEnd) {
            int type = b.getUnsignedShort(p);
            int len = b.getUnsignedShort(p + 2);
            p += 4;
            if (p + len > extEnd) {
                return Result.NO_SNI;
            }
            if (type == EXT_SERVER_NAME) {
                return serverName(b, p, len);
            }
            p += len;
        }
        return Result.NO_SNI;
    }

    private static Result serverName(ByteBuf b, int p, int len) {
        int end = p + len;
        if (p + 2 > end) {
            return Result.NO_SNI;
        }
        int listEnd = Math.min(end, p + 2 + b.getUnsignedShort(p));
        p += 2;
        while (p + 3 <= listEnd) {
            int nameType = b.getUnsignedByte(p);
            int nameLength = b.getUnsignedShort(p + 1);
            p += 3;
            if (p + nameLength > listEnd) {
                return Result.NO_SNI;
            }
            if (nameType == 0 && nameLength > 0) {
                String name = b.toString(p, nameLength, StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
                return new Result(Status.CLIENT_HELLO, name);
            }
            p += nameLength;
        }
        return Result.NO_SNI;
    }
}
