package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kongjava.config.conf.KongConf;
import org.kongjava.config.conf.KongConfLoader;

class HeaderSettingsTest {

    @Test
    void kongDefaults() throws Exception {
        HeaderSettings d = HeaderSettings.kongDefaults();
        assertEquals(Set.of("server", "via", "x-kong-proxy-latency", "x-kong-response-latency",
                "x-kong-upstream-latency", "x-kong-admin-latency", "x-kong-request-id"), d.enabledHeaders());
        assertTrue(d.requestIdUpstream());
        assertEquals("text/plain", d.errorDefaultType());
        assertFalse(d.trustedIps().test(InetAddress.getByName("127.0.0.1")));
        assertEquals("X-Real-IP", d.realIpHeader());
        assertFalse(d.realIpRecursive());
        assertEquals(Map.of(), d.portMaps());
        assertFalse(d.allowDebugHeader());
        assertEquals("kong/3.10.0", d.serverToken());
    }

    @ParameterizedTest(name = "headers = {0}")
    @CsvSource(delimiter = '|', value = {
        "off                                    | ''",
        "server_tokens                          | server via",
        "X-Kong-Upstream-Status,Via             | x-kong-upstream-status via",
        "x-kong-request-id,X-Kong-Proxy-Latency | x-kong-request-id x-kong-proxy-latency",
    })
    void enabledFromLowerCasesKongConfsExpansion(String conf, String expected) {
        Set<String> want = expected.isEmpty() ? Set.of() : Set.of(expected.split(" "));
        KongConf c = KongConfLoader.load(null, Map.of("KONG_HEADERS", conf), Map.of());
        assertEquals(want, HeaderSettings.enabledFrom(c));
    }

    @Test
    void kongDefaultsEnableWhatKongConfsDefaultEnables() {
        assertEquals(HeaderSettings.kongDefaults().enabledHeaders(),
                HeaderSettings.enabledFrom(KongConfLoader.load(null, Map.of(), Map.of())));
    }

    @Test
    void constructorChecksValues() {
        HeaderSettings d = HeaderSettings.kongDefaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HeaderSettings(
                d.enabledHeaders(), true, "text/xml", d.trustedIps(), "X-Real-IP", false, Map.of(), false, "3.10.0"));
        assertTrue(e.getMessage().startsWith("errorDefaultType: 'text/xml'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new HeaderSettings(
                Set.of("server_tokens"), true, "text/plain", d.trustedIps(), "X-Real-IP", false, Map.of(), false, "3.10.0"));
        assertTrue(e.getMessage().startsWith("enabledHeaders: 'server_tokens'"), e.getMessage());
    }

    @Test
    void portMapsMapListenerPortToHostPort() {
        HeaderSettings d = HeaderSettings.kongDefaults();
        HeaderSettings s = new HeaderSettings(d.enabledHeaders(), true, "text/plain", d.trustedIps(), "X-Real-IP",
                false, Map.of(8000, 80), false, "3.10.0");
        assertEquals(80, s.mappedPort(8000));
        assertEquals(8443, s.mappedPort(8443));
    }
}
