package org.kongjava.config.conf;

import static org.kongjava.config.conf.ConfKey.implemented;
import static org.kongjava.config.conf.ValueType.BOOLEAN;
import static org.kongjava.config.conf.ValueType.ENUM;
import static org.kongjava.config.conf.ValueType.LIST;
import static org.kongjava.config.conf.ValueType.LISTENERS;
import static org.kongjava.config.conf.ValueType.NGX_BOOLEAN;
import static org.kongjava.config.conf.ValueType.NUMBER;
import static org.kongjava.config.conf.ValueType.SIZE;
import static org.kongjava.config.conf.ValueType.STRING;
import static org.kongjava.config.conf.ValueType.TIME;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kong.conf schema as data: every key the gateway implements with its type and Kong's default, and every
 * other key Kong 3.10 knows with its default (source: Kong/kong {@code kong/templates/kong_defaults.lua} and
 * {@code kong.conf.default} at commit 22246ef2, see shared/spec/kong-conf.md).
 */
final class KongSchema {

    private KongSchema() {
    }

    static final List<String> HTTP_LISTEN_FLAGS = List.of("ssl", "http2", "proxy_protocol", "deferred", "bind",
            "reuseport", "backlog=%d+", "ipv6only=on", "ipv6only=off", "so_keepalive=on", "so_keepalive=off",
            "so_keepalive=%w*:%w*:%d*");

    static final List<String> STREAM_LISTEN_FLAGS = List.of("udp", "ssl", "proxy_protocol", "bind", "reuseport",
            "backlog=%d+", "ipv6only=on", "ipv6only=off", "so_keepalive=on", "so_keepalive=off",
            "so_keepalive=%w*:%w*:%d*");

    /** kong-java's own flag (Kong dropped it); accepted where the gateway proxies. */
    static final String TRANSPARENT = "transparent";

    /**
     * PROXY v2 TLV names usable in {@code proxy_protocol_tlv_headers}: the keys of gateway-core's
     * {@code ProxyTlvs.named()} (kept in step by a test there).
     */
    static final List<String> PROXY_TLV_NAMES = List.of("alpn", "authority", "unique_id", "aws_vpce_id",
            "azure_link_id", "gcp_psc_connection_id");

    /** Kong's default header tokens, lower-case as in kong_defaults.lua. */
    static final List<String> HEADER_TOKENS = List.of("server_tokens", "latency_tokens", "via", "server",
            "x-kong-proxy-latency", "x-kong-response-latency", "x-kong-admin-latency", "x-kong-upstream-latency",
            "x-kong-upstream-status", "x-kong-request-id");

    /** Keys the gateway acts on. Order = documentation order. */
    static final List<ConfKey> IMPLEMENTED = List.of(
            implemented("prefix", STRING, "/usr/local/kong/").mandatory(),
            implemented("log_level", ENUM, "notice")
                    .allowing("debug", "info", "notice", "warn", "error", "crit", "alert", "emerg").mandatory(),
            implemented("proxy_access_log", STRING, "logs/access.log"),
            implemented("proxy_error_log", STRING, "logs/error.log"),
            implemented("admin_access_log", STRING, "logs/admin_access.log"),
            implemented("admin_error_log", STRING, "logs/error.log"),
            implemented("proxy_stream_access_log", STRING, "logs/access.log basic"),
            implemented("port_maps", LIST, null),
            implemented("node_id", STRING, null),
            implemented("proxy_listen", LISTENERS,
                    "0.0.0.0:8000 reuseport backlog=16384, 0.0.0.0:8443 http2 ssl reuseport backlog=16384")
                    .allowing(concat(HTTP_LISTEN_FLAGS, TRANSPARENT)),
            implemented("stream_listen", LISTENERS, "off").allowing(concat(STREAM_LISTEN_FLAGS, TRANSPARENT)),
            // kong-java's own stream keys (docs/stream-proxy.md): the ClientHello wait on plain ports with SNI
            // routes.
            implemented("stream_sni_wait_timeout", TIME, "100ms"),
            implemented("admin_listen", LISTENERS,
                    "127.0.0.1:8001 reuseport backlog=16384, 127.0.0.1:8444 http2 ssl reuseport backlog=16384")
                    .allowing(HTTP_LISTEN_FLAGS.toArray(String[]::new)),
            implemented("status_listen", LISTENERS, "127.0.0.1:8007 reuseport backlog=16384")
                    .allowing(HTTP_LISTEN_FLAGS.toArray(String[]::new)),
            implemented("headers", LIST, "server_tokens, latency_tokens, x-kong-request-id"),
            implemented("headers_upstream", LIST, "x-kong-request-id"),
            implemented("trusted_ips", LIST, null),
            implemented("error_default_type", ENUM, "text/plain")
                    .allowing("application/json", "application/xml", "text/html", "text/plain").mandatory(),
            implemented("upstream_keepalive_pool_size", NUMBER, "512").range(0, Integer.MAX_VALUE).mandatory(),
            implemented("upstream_keepalive_max_requests", NUMBER, "10000").range(0, Integer.MAX_VALUE).mandatory(),
            implemented("upstream_keepalive_idle_timeout", NUMBER, "60").range(0, Integer.MAX_VALUE).mandatory(),
            implemented("allow_debug_header", BOOLEAN, "off"),
            // kong-java's own: on transparent listeners, traffic matching no route goes on to its original destination.
            implemented("transparent_passthrough", BOOLEAN, "off"),
            // DNS for service and target host names (gateway-core DnsCache).
            implemented("dns_resolver", LIST, null),
            implemented("dns_hostsfile", STRING, "/etc/hosts"),
            implemented("dns_order", LIST, "LAST,SRV,A,CNAME"),
            implemented("dns_stale_ttl", NUMBER, "3600").range(0, Integer.MAX_VALUE),
            implemented("dns_not_found_ttl", NUMBER, "30").range(0, Integer.MAX_VALUE),
            implemented("dns_error_ttl", NUMBER, "1").range(0, Integer.MAX_VALUE),
            implemented("nginx_worker_processes", STRING, "auto").aliasOf("nginx_main_worker_processes"),
            implemented("nginx_main_worker_processes", STRING, "auto"),
            implemented("nginx_daemon", NGX_BOOLEAN, "on").aliasOf("nginx_main_daemon"),
            implemented("nginx_main_daemon", NGX_BOOLEAN, "on"),
            implemented("real_ip_header", STRING, "X-Real-IP").aliasOf("nginx_proxy_real_ip_header"),
            implemented("nginx_proxy_real_ip_header", STRING, "X-Real-IP"),
            implemented("real_ip_recursive", NGX_BOOLEAN, "off").aliasOf("nginx_proxy_real_ip_recursive"),
            implemented("nginx_proxy_real_ip_recursive", NGX_BOOLEAN, "off"),
            // kong-java extensions around the PROXY protocol (docs/deploy-behind-load-balancer.md).
            implemented("proxy_protocol_timeout", TIME, "5s"),
            implemented("proxy_protocol_trusted_optional", BOOLEAN, "off"),
            implemented("proxy_protocol_tlv_headers", LIST, null),
            implemented("upstream_proxy_protocol", LIST, null),
            // kong-java's default is its embedded store (Kong's is postgres): a single node needs no server.
            implemented("database", ENUM, "embedded").allowing("embedded", "postgres", "cassandra", "off").mandatory(),
            implemented("declarative_config", STRING, null),
            implemented("declarative_config_string", STRING, null),
            implemented("db_update_frequency", NUMBER, "5").range(1, 86400).mandatory(),
            implemented("pg_host", STRING, "127.0.0.1").mandatory(),
            implemented("pg_port", NUMBER, "5432").range(1, 65535).mandatory(),
            implemented("pg_user", STRING, "kong").mandatory(),
            implemented("pg_password", STRING, null),
            implemented("pg_database", STRING, "kong").mandatory(),
            implemented("pg_schema", STRING, null),
            implemented("pg_ssl", BOOLEAN, "off"),
            implemented("pg_ssl_verify", BOOLEAN, "off"),
            implemented("pg_timeout", NUMBER, "5000").range(1, Integer.MAX_VALUE).mandatory(),
            implemented("pg_max_concurrent_queries", NUMBER, "0").range(0, Integer.MAX_VALUE).mandatory(),
            // nginx directive injections mapped to gateway settings. A null default means "nginx's default".
            implemented("nginx_http_client_max_body_size", SIZE, "0"),
            implemented("nginx_proxy_client_max_body_size", SIZE, null),
            implemented("nginx_admin_client_max_body_size", SIZE, "10m"),
            implemented("nginx_http_client_header_timeout", TIME, null),
            implemented("nginx_proxy_client_header_timeout", TIME, null),
            implemented("nginx_http_client_body_timeout", TIME, null),
            implemented("nginx_proxy_client_body_timeout", TIME, null),
            implemented("nginx_http_keepalive_timeout", TIME, null),
            implemented("nginx_proxy_keepalive_timeout", TIME, null),
            implemented("nginx_http_keepalive_requests", NUMBER, "10000").range(0, Integer.MAX_VALUE),
            implemented("nginx_proxy_keepalive_requests", NUMBER, null).range(0, Integer.MAX_VALUE),
            implemented("nginx_http_large_client_header_buffers", STRING, null),
            implemented("nginx_proxy_large_client_header_buffers", STRING, null),
            // Downstream TLS (gateway-tls reads them; the certificate pairs are checked here, their files at start).
            implemented("ssl_cert", LIST, null),
            implemented("ssl_cert_key", LIST, null),
            implemented("admin_ssl_cert", LIST, null),
            implemented("admin_ssl_cert_key", LIST, null),
            implemented("status_ssl_cert", LIST, null),
            implemented("status_ssl_cert_key", LIST, null),
            implemented("ssl_cipher_suite", STRING, "intermediate").mandatory(),
            implemented("ssl_ciphers", STRING, null),
            implemented("ssl_protocols", STRING, "TLSv1.2 TLSv1.3"),
            implemented("ssl_prefer_server_ciphers", NGX_BOOLEAN, "on"),
            implemented("ssl_dhparam", STRING, null),
            implemented("ssl_session_tickets", NGX_BOOLEAN, "on"),
            implemented("ssl_session_timeout", TIME, "1d"),
            implemented("ssl_session_cache_size", SIZE, "10m"),
            // Upstream TLS (gateway-tls UpstreamTlsSettings): the trust bundle and depth used when a service verifies
            // without its own ca_certificates, and the gateway-wide client certificate.
            implemented("lua_ssl_trusted_certificate", LIST, "system"),
            implemented("lua_ssl_verify_depth", NUMBER, "1").range(0, 100).mandatory(),
            implemented("client_ssl", BOOLEAN, "off"),
            implemented("client_ssl_cert", STRING, null),
            implemented("client_ssl_cert_key", STRING, null),
            // kong-java's own key: the tls_verify of services that leave it null (Kong's behaviour is off).
            implemented("upstream_tls_verify_default", BOOLEAN, "off"));

    /** Kong's {@code ssl_cipher_suite} presets. */
    static final List<String> CIPHER_SUITES = List.of("modern", "intermediate", "old", "fips", "custom");

    /**
     * Every other key Kong knows, with Kong's default, in kong_defaults.lua form ({@code NONE} = unset).
     * Accepted, and reported as not implemented when set.
     */
    static final String OTHER_KNOWN_DEFAULTS = """
            _debug_pg_ttl_cleanup_interval = 300
            admin_gui_access_log = logs/admin_gui_access.log
            admin_gui_api_url = NONE
            admin_gui_csp_header = off
            admin_gui_error_log = logs/admin_gui_error.log
            admin_gui_listen = 0.0.0.0:8002, 0.0.0.0:8445 ssl
            admin_gui_path = /
            admin_gui_ssl_cert = NONE
            admin_gui_ssl_cert_key = NONE
            admin_gui_url =
            anonymous_reports = on
            client_body_buffer_size = 8k
            cluster_ca_cert = NONE
            cluster_cert = NONE
            cluster_cert_key = NONE
            cluster_cjson = off
            cluster_control_plane = 127.0.0.1:8005
            cluster_data_plane_purge_delay = 1209600
            cluster_dp_labels = NONE
            cluster_listen = 0.0.0.0:8005
            cluster_max_payload = 16777216
            cluster_mtls = shared
            cluster_ocsp = off
            cluster_rpc = off
            cluster_rpc_sync = off
            cluster_server_name = NONE
            cluster_use_proxy = off
            db_cache_neg_ttl = NONE
            db_cache_ttl = 0
            db_cache_warmup_entities = services
            db_resurrect_ttl = 30
            db_update_propagation = 0
            debug_ssl_cert = NONE
            debug_ssl_cert_key = NONE
            dedicated_config_processing = on
            dns_cache_size = 10000
            dns_no_sync = off
            dns_valid_ttl = NONE
            error_template_html = NONE
            error_template_json = NONE
            error_template_plain = NONE
            error_template_xml = NONE
            host_ports = NONE
            kic = off
            lmdb_environment_path = dbless.lmdb
            lmdb_map_size = 2048m
            lua_max_post_args = 100
            lua_max_req_headers = 100
            lua_max_resp_headers = 100
            lua_max_uri_args = 100
            lua_package_cpath = NONE
            lua_package_path = ./?.lua;./?/init.lua;
            lua_socket_pool_size = 256
            lua_ssl_protocols = TLSv1.2 TLSv1.3
            mem_cache_size = 128m
            new_dns_client = off
            nginx_admin_client_body_buffer_size = 10m
            nginx_events_multi_accept = on
            nginx_events_worker_connections = auto
            nginx_http_charset = UTF-8
            nginx_http_client_body_buffer_size = 8k
            nginx_http_grpc_ssl_conf_command = NONE
            nginx_http_lua_regex_cache_max_entries = 8192
            nginx_http_lua_regex_match_limit = 100000
            nginx_http_lua_ssl_conf_command = NONE
            nginx_http_proxy_ssl_conf_command = NONE
            nginx_http_ssl_conf_command = NONE
            nginx_http_ssl_dhparam = NONE
            nginx_http_ssl_prefer_server_ciphers = NONE
            nginx_http_ssl_protocols = NONE
            nginx_http_ssl_session_tickets = NONE
            nginx_http_ssl_session_timeout = NONE
            nginx_main_user = kong kong
            nginx_main_worker_rlimit_nofile = auto
            nginx_stream_lua_ssl_conf_command = NONE
            nginx_stream_proxy_ssl_conf_command = NONE
            nginx_stream_ssl_conf_command = NONE
            nginx_stream_ssl_dhparam = NONE
            nginx_stream_ssl_prefer_server_ciphers = NONE
            nginx_stream_ssl_protocols = NONE
            nginx_stream_ssl_session_tickets = NONE
            nginx_stream_ssl_session_timeout = NONE
            nginx_user = kong kong
            openresty_path =
            opentelemetry_tracing = off
            opentelemetry_tracing_sampling_rate = 0.01
            pg_backlog = NONE
            pg_keepalive_timeout = NONE
            pg_pool_size = NONE
            pg_ro_backlog = NONE
            pg_ro_database = NONE
            pg_ro_host = NONE
            pg_ro_keepalive_timeout = NONE
            pg_ro_max_concurrent_queries = NONE
            pg_ro_password = NONE
            pg_ro_pool_size = NONE
            pg_ro_port = NONE
            pg_ro_schema = NONE
            pg_ro_semaphore_timeout = NONE
            pg_ro_ssl = NONE
            pg_ro_ssl_verify = NONE
            pg_ro_timeout = NONE
            pg_ro_user = NONE
            pg_semaphore_timeout = 60000
            plugins = bundled
            pluginserver_names = NONE
            privileged_worker = NONE
            proxy_server = NONE
            proxy_server_ssl_verify = on
            proxy_stream_error_log = logs/error.log
            request_debug = on
            request_debug_token =
            resolver_address = NONE
            resolver_error_ttl = 1
            resolver_family = A,SRV
            resolver_hosts_file = /etc/hosts
            resolver_lru_cache_size = 10000
            resolver_mem_cache_size = 5m
            resolver_stale_ttl = 3600
            resolver_valid_ttl = NONE
            role = traditional
            router_consistency = NONE
            router_flavor = traditional_compatible
            status_access_log = off
            status_error_log = logs/status_error.log
            tracing_instrumentations = off
            tracing_sampling_rate = 0.01
            untrusted_lua = sandbox
            untrusted_lua_sandbox_environment =
            untrusted_lua_sandbox_requires =
            vaults = bundled
            wasm = off
            wasm_dynamic_module = NONE
            wasm_filters = bundled,user
            wasm_filters_path = NONE
            worker_consistency = eventual
            worker_events_max_payload = 65535
            worker_state_update_frequency = 5
            """;

    /** Dynamic nginx directive namespaces ({@code nginx_<ns>_<directive>}) known to Kong 3.10. */
    static final List<String> NGINX_NAMESPACES = List.of("nginx_main_", "nginx_events_", "nginx_http_",
            "nginx_upstream_", "nginx_proxy_", "nginx_location_", "nginx_status_", "nginx_admin_", "nginx_stream_",
            "nginx_supstream_", "nginx_sproxy_", "nginx_wasm_");

    /** Other dynamic namespaces: any key under them is known. */
    static final List<String> OTHER_DYNAMIC_PREFIXES = List.of("pluginserver_", "vault_");

    /** Keys whose values must never be printed (Kong's CONF_SENSITIVE), besides the suffix rule. */
    private static final Set<String> SENSITIVE = Set.of("pg_password", "pg_ro_password", "proxy_server",
            "declarative_config_string", "cluster_cert_key", "ssl_cert_key", "client_ssl_cert_key",
            "admin_ssl_cert_key", "admin_gui_ssl_cert_key", "status_ssl_cert_key", "debug_ssl_cert_key");

    private static final Map<String, ConfKey> ALL = buildAll();

    /** Every known key (implemented first), by name. */
    static Map<String, ConfKey> all() {
        return ALL;
    }

    static ConfKey get(String key) {
        return ALL.get(key);
    }

    /** True for {@code nginx_<ns>_<directive>} keys of a known namespace. */
    static boolean isNginxDirective(String key) {
        for (String ns : NGINX_NAMESPACES) {
            if (key.length() > ns.length() && key.startsWith(ns)) {
                return true;
            }
        }
        return false;
    }

    /** True for keys Kong accepts under an open namespace (nginx directives, pluginserver_*, vault_*). */
    static boolean isDynamic(String key) {
        if (isNginxDirective(key)) {
            return true;
        }
        for (String p : OTHER_DYNAMIC_PREFIXES) {
            if (key.length() > p.length() && key.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Secrets: Kong's list, plus anything named like a password, key, token or secret. */
    static boolean isSensitive(String key) {
        return SENSITIVE.contains(key) || key.endsWith("_password") || key.endsWith("_key")
                || key.endsWith("_token") || key.endsWith("_secret") || key.startsWith("vault_");
    }

    private static Map<String, ConfKey> buildAll() {
        Map<String, ConfKey> all = new LinkedHashMap<>();
        for (ConfKey k : IMPLEMENTED) {
            if (all.put(k.name(), k) != null) {
                throw new IllegalStateException("duplicate schema key " + k.name());
            }
        }
        ConfFileParser.Result parsed = ConfFileParser.parse(OTHER_KNOWN_DEFAULTS, "<defaults>");
        if (!parsed.problems().isEmpty()) {
            throw new IllegalStateException("built-in defaults: " + parsed.problems());
        }
        for (Map.Entry<String, ConfFileParser.Entry> e : parsed.entries().entrySet()) {
            String value = e.getValue().value();
            ConfKey k = ConfKey.known(e.getKey(), value.isEmpty() || value.equals("NONE") ? null : value);
            if (all.put(k.name(), k) != null) {
                throw new IllegalStateException("key both implemented and listed as other: " + k.name());
            }
        }
        return Collections.unmodifiableMap(all);
    }

    private static String[] concat(List<String> list, String extra) {
        List<String> out = new ArrayList<>(list);
        out.add(extra);
        return out.toArray(String[]::new);
    }
}
