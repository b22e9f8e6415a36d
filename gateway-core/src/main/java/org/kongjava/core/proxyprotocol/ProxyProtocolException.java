package org.kongjava.core.proxyprotocol;

/** A PROXY protocol header that breaks the specification or the gateway's limits; the message says how. */
final class ProxyProtocolException extends Exception {
    ProxyProtocolException(String message) {
        super(message, null, false, false); // expected input errors: no stack trace to fill
    }
}
