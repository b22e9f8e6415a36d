package org.kongjava.proxy.http;

/**
 * Why the request decoder refused a request head, with the status nginx answers (400, 414, 494, 501).
 * Carried as the cause of a failed {@link io.netty.handler.codec.DecoderResult}.
 */
final class RejectedRequestException extends IllegalArgumentException {
    private final int status;

    RejectedRequestException(int status, String reason) {
        super(reason);
        this.status = status;
    }

    int status() {
        return status;
    }
}
