package org.kongjava.tls;

/**
 * A PEM certificate or private key that cannot be used. The message says why in words an operator can act on;
 * it never contains key material (no PEM text, no key bytes), and no cause is attached for private keys so that
 * a logged stack trace cannot carry a library message about the key either.
 */
public final class PemException extends Exception {
    PemException(String message) {
        super(message);
    }

    PemException(String message, Throwable cause) {
        super(message, cause);
    }
}
