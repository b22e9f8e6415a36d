package org.kongjava.core.proxyprotocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The type-length-value entries of a PROXY protocol v2 header, in arrival order, with typed accessors for
 * the ones the gateway understands. Immutable; values are copied in and out.
 *
 * <p>Known types: {@code 0x01} ALPN, {@code 0x02} AUTHORITY (the client's TLS SNI), {@code 0x05} UNIQUE_ID,
 * {@code 0xEA} AWS (subtype {@code 0x01}: VPC endpoint id), {@code 0xEE} Azure (subtype {@code 0x01}: private
 * endpoint link id, uint32 little-endian), {@code 0xE0} GCP (Private Service Connect connection id, uint64
 * big-endian). The decoder has already checked the shape of these; others are kept raw.
 *
 * @param all every TLV except NOOP ({@code 0x04}) and CRC32C ({@code 0x03}, checked while decoding)
 */
public record ProxyTlvs(List<Tlv> all) {
    public static final int ALPN = 0x01;
    public static final int AUTHORITY = 0x02;
    public static final int CRC32C = 0x03;
    public static final int NOOP = 0x04;
    public static final int UNIQUE_ID = 0x05;
    public static final int SSL = 0x20;
    public static final int GCP = 0xE0;
    public static final int AWS = 0xEA;
    public static final int AZURE = 0xEE;
    static final int AWS_SUBTYPE_VPCE_ID = 0x01;
    static final int AZURE_SUBTYPE_LINK_ID = 0x01;

    /** No TLVs (v1, LOCAL, or a v2 header without any). */
    public static final ProxyTlvs NONE = new ProxyTlvs(List.of());

    public ProxyTlvs {
        all = List.copyOf(Objects.requireNonNull(all, "all"));
    }

    /** One TLV: an 8-bit type and its value bytes. */
    public record Tlv(int type, byte[] value) {
        public Tlv {
            if (type < 0 || type > 0xff) {
                throw new IllegalArgumentException("type: " + type + " (expected: 0-255)");
            }
            if (value.length > 0xffff) {
                throw new IllegalArgumentException("value: " + value.length + " bytes (expected: at most 65535)");
            }
            value = value.clone();
        }

        /** A copy of the value bytes. */
        @Override
        public byte[] value() {
            return value.clone();
        }

        int length() {
            return value.length;
        }

        byte at(int i) {
            return value[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tlv t && t.type == type && java.util.Arrays.equals(t.value, value);
        }

        @Override
        public int hashCode() {
            return type * 31 + java.util.Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return String.format("0x%02X=%s", type, HexFormat.of().formatHex(value));
        }
    }

    /** The first TLV of {@code type}, or null. */
    public Tlv first(int type) {
        for (Tlv t : all) {
            if (t.type == type) {
                return t;
            }
        }
        return null;
    }

    /** {@code PP2_TYPE_ALPN}: the protocol the client negotiated with the balancer, e.g. {@code h2}; or null. */
    public String alpn() {
        return text(first(ALPN), 0);
    }

    /** {@code PP2_TYPE_AUTHORITY}: the host name the client asked for (TLS SNI); or null. */
    public String authority() {
        return text(first(AUTHORITY), 0);
    }

    /** {@code PP2_TYPE_UNIQUE_ID} (haproxy's {@code unique-id}), as text; or null. */
    public String uniqueId() {
        return text(first(UNIQUE_ID), 0);
    }

    /** AWS PrivateLink VPC endpoint id ({@code vpce-0123...}), or null. */
    public String awsVpceId() {
        Tlv t = subtyped(AWS, AWS_SUBTYPE_VPCE_ID);
        return text(t, 1);
    }

    /** Azure Private Link: the private endpoint's LINKID (unsigned 32-bit), or null. */
    public Long azureLinkId() {
        Tlv t = subtyped(AZURE, AZURE_SUBTYPE_LINK_ID);
        if (t == null || t.length() != 5) {
            return null;
        }
        return (t.at(1) & 0xffL) | (t.at(2) & 0xffL) << 8 | (t.at(3) & 0xffL) << 16 | (t.at(4) & 0xffL) << 24;
    }

    /** GCP Private Service Connect connection id (unsigned 64-bit; print with {@link Long#toUnsignedString}), or null. */
    public Long gcpPscConnectionId() {
        Tlv t = first(GCP);
        if (t == null || t.length() != 8) {
            return null;
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (t.at(i) & 0xff);
        }
        return v;
    }

    /**
     * The understood TLVs by stable name, for access logs and for forwarding as request headers:
     * {@code alpn}, {@code authority}, {@code unique_id}, {@code aws_vpce_id}, {@code azure_link_id},
     * {@code gcp_psc_connection_id} (decimal). Values are printable ASCII only (others are left out), so they
     * are safe in a header or a log line.
     */
    public Map<String, String> named() {
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "alpn", alpn());
        put(m, "authority", authority());
        put(m, "unique_id", uniqueId());
        put(m, "aws_vpce_id", awsVpceId());
        Long azure = azureLinkId();
        put(m, "azure_link_id", azure == null ? null : Long.toString(azure));
        Long gcp = gcpPscConnectionId();
        put(m, "gcp_psc_connection_id", gcp == null ? null : Long.toUnsignedString(gcp));
        return m;
    }

    private static void put(Map<String, String> m, String key, String value) {
        if (value != null && isPrintable(value)) {
            m.put(key, value);
        }
    }

    private Tlv subtyped(int type, int subtype) {
        for (Tlv t : all) {
            if (t.type == type && t.length() >= 1 && (t.at(0) & 0xff) == subtype) {
                return t;
            }
        }
        return null;
    }

    private static String text(Tlv t, int from) {
        if (t == null || t.length() <= from) {
            return null;
        }
        byte[] v = t.value;
        return new String(v, from, v.length - from, StandardCharsets.UTF_8);
    }

    static boolean isPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        Map<String, String> named = named();
        if (!named.isEmpty()) {
            return named.toString();
        }
        List<String> raw = new ArrayList<>();
        for (Tlv t : all) {
            raw.add(t.toString());
        }
        return raw.toString();
    }
}
