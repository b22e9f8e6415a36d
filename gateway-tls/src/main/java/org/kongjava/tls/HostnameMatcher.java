package org.kongjava.tls;

import java.net.IDN;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * RFC 6125 host name checking of a server certificate, as OpenSSL's {@code X509_check_host} does it for nginx's
 * {@code proxy_ssl_name}: DNS subjectAltNames, a wildcard only as the whole left-most label matching one label;
 * the subject CN only when there is no DNS subjectAltName; an IP literal matches only an IP subjectAltName.
 */
final class HostnameMatcher {
    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    private HostnameMatcher() {
    }

    /** True when {@code cert} is valid for {@code host} (a name or an IP literal, IPv6 with or without brackets). */
    static boolean matches(X509Certificate cert, String host) {
        String h = host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (IpLiteral.is(h)) {
            byte[] want = IpLiteral.bytes(h);
            for (List<?> san : sans(cert)) {
                if (((Integer) san.get(0)) == SAN_IP && san.get(1) instanceof String ip && IpLiteral.is(ip)
                        && java.util.Arrays.equals(want, IpLiteral.bytes(ip))) {
                    return true;
                }
            }
            return false;
        }
        String name = normalize(h);
        boolean anyDns = false;
        for (List<?> san : sans(cert)) {
            if (((Integer) san.get(0)) == SAN_DNS && san.get(1) instanceof String dns) {
                anyDns = true;
                if (matchesPattern(normalize(dns), name)) {
                    return true;
                }
            }
        }
        if (anyDns) {
            return false;
        }
        for (String cn : commonNames(cert)) {
            if (matchesPattern(normalize(cn), name)) {
                return true;
            }
        }
        return false;
    }

    /** The names a certificate is valid for, for log messages. */
    static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        for (List<?> san : sans(cert)) {
            int type = (Integer) san.get(0);
            if (type == SAN_DNS || type == SAN_IP) {
                out.add(String.valueOf(san.get(1)));
            }
        }
        if (out.isEmpty()) {
            out.addAll(commonNames(cert));
        }
        return out;
    }

    static boolean matchesPattern(String pattern, String name) {
        if (pattern.isEmpty()) {
            return false;
        }
        if (!pattern.startsWith("*.")) {
            return pattern.equals(name);
        }
        String suffix = pattern.substring(1); // ".example.com"
        // Wildcards need at least two labels after them (no "*.com"), and match exactly one non-empty label.
        if (suffix.indexOf('.', 1) < 0 || !name.endsWith(suffix)) {
            return false;
        }
        String label = name.substring(0, name.length() - suffix.length());
        return !label.isEmpty() && label.indexOf('.') < 0;
    }

    private static String normalize(String s) {
        String t = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        try {
            t = IDN.toASCII(t, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException notIdn) {
            // compare as given
        }
        return t.toLowerCase(Locale.ROOT);
    }

    private static List<List<?>> sans(X509Certificate cert) {
        try {
            var all = cert.getSubjectAlternativeNames();
            return all == null ? List.of() : new ArrayList<>(all);
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }

    private static List<String> commonNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    out.add(String.valueOf(rdn.getValue()));
                }
            }
        } catch (InvalidNameException e) {
            // no CN
        }
        return out;
    }

    /** IP literal parsing without name lookups. */
    static final class IpLiteral {
        private IpLiteral() {
        }

        static boolean is(String s) {
            return bytes(s) != null;
        }

        static byte[] bytes(String s) {
            if (s.indexOf(':') >= 0) {
                if (!s.matches("[0-9a-fA-F:.%]+")) {
                    return null;
                }
            } else if (!s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                return null;
            }
            try {
                // A literal never causes a lookup (checked above).
                return java.net.InetAddress.getByName(s).getAddress();
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
    }
}
