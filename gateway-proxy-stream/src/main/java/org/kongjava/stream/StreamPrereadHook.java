package org.kongjava.stream;

/**
 * Code that runs in a stream connection's "preread" phase (where Kong's TCP plugins hook in): after the route is
 * matched and before the upstream is chosen or connected. It sees the connection's facts and may refuse it; the
 * connection is then closed (after the refusal's reply bytes, if it has any, on connections the gateway does not
 * terminate TLS for), and the access log records status 403 and the reason.
 * <p>
 * Runs on the connection's event loop: it must not block. Hooks run in registration order; the first refusal
 * wins. The one hook kong-java ships is {@link IpRestrictions} (Kong's ip-restriction plugin).
 */
@FunctionalInterface
public interface StreamPrereadHook {

    /** @return {@link Verdict#CONTINUE}, or {@link Verdict#deny} with a reason for the log */
    Verdict preread(PrereadContext connection);

    /**
     * A hook's answer.
     *
     * @param reason for the log, when refused
     * @param reply  bytes sent to the client before the close, or null
     */
    record Verdict(boolean allowed, String reason, byte[] reply) {
        public static final Verdict CONTINUE = new Verdict(true, null, null);

        public static Verdict deny(String reason) {
            return new Verdict(false, reason, null);
        }

        public static Verdict deny(String reason, byte[] reply) {
            return new Verdict(false, reason, reply);
        }
    }
}
