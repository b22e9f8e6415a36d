package org.kongjava.tls;

import java.security.cert.CertificateException;

/**
 * An upstream's certificate failed verification, with the reason classified so that the proxy can log what went
 * wrong (nginx logs "upstream SSL certificate verify error: (10:certificate has expired)" and the like).
 */
public final class UpstreamVerificationException extends CertificateException {
    /** Why the certificate was refused. */
    public enum Reason {
        /** The leaf (or a CA in the chain) is outside its validity period. */
        EXPIRED,
        /** No trusted CA issued the chain. */
        UNKNOWN_CA,
        /** The certificate does not name the host the gateway connected for. */
        NAME_MISMATCH,
        /** The chain needs more intermediate CAs than {@code tls_verify_depth} allows. */
        DEPTH_EXCEEDED,
        /** Anything else the PKIX checks refused (bad signature, wrong key usage, ...). */
        INVALID
    }

    private final Reason reason;

    UpstreamVerificationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /**
     * The verification failure somewhere in {@code t}'s cause chain, or null (then the handshake failed for another
     * reason: protocol, cipher, the peer closed).
     */
    public static UpstreamVerificationException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UpstreamVerificationException u) {
                return u;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
