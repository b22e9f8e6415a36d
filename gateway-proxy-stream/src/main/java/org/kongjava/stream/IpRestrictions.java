package org.kongjava.stream;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.kongjava.core.plugin.IpRestrictionRules;

/**
 * Kong's {@code ip-restriction} plugin in the stream preread phase: the one {@link StreamPrereadHook} kong-java ships.
 * The rules are the {@code ip-restriction} plugins configured through the Admin API (or a declarative file), compiled
 * into each snapshot ({@link IpRestrictionRules}); a connection uses the snapshot it was routed with, so a change
 * applies to the next connection without a restart.
 * <p>
 * As Kong: the plugin on the matched route (with its service, then alone) wins over one on the service, which wins
 * over a global one; a client in {@code deny} is refused, and with an {@code allow} list a client outside it is
 * refused. The client is the address the stream handler resolved (the PROXY protocol source when the peer is trusted).
 * A refused client gets Kong's stream answer, {@code {"status":403,"message":"IP address not allowed: <ip>"}} (or
 * the plugin's {@code status}/{@code message}), then the connection is closed.
 */
public final class IpRestrictions implements StreamPrereadHook {
    /** The only instance: it has no state of its own. */
    public static final IpRestrictions INSTANCE = new IpRestrictions();

    private IpRestrictions() {
    }

    @Override
    public Verdict preread(PrereadContext c) {
        IpRestrictionRules rules = c.snapshot().ipRestrictions().of(IpRestrictionRules.Subsystem.STREAM);
        if (rules.isEmpty()) {
            return Verdict.CONTINUE;
        }
        IpRestrictionRules.Rule rule = rules.find(c.route() == null ? null : c.route().id(),
                c.service() == null ? null : c.service().id());
        InetAddress client = c.client() == null ? null : c.client().getAddress();
        if (rule == null || rule.permits(client)) {
            return Verdict.CONTINUE;
        }
        String ip = client == null ? "unknown" : client.getHostAddress();
        String message = client == null ? "Cannot identify the client IP address, unix domain sockets are not supported."
                : rule.messageFor(ip);
        int status = client == null ? 403 : rule.statusOrDefault();
        String reply = "{\"status\":" + status + ",\"message\":" + jsonString(message) + "}";
        return Verdict.deny("client " + ip + " refused by ip-restriction plugin " + rule.pluginId(),
                reply.getBytes(StandardCharsets.UTF_8));
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
