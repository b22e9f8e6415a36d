package org.kongjava.config.store;

import java.util.Properties;
import org.kongjava.config.conf.KongConf;

/**
 * Kong's {@code pg_*} settings.
 *
 * @param host                 {@code pg_host}
 * @param port                 {@code pg_port}
 * @param user                 {@code pg_user}
 * @param password             {@code pg_password}, or null
 * @param database             {@code pg_database}
 * @param schema               {@code pg_schema}, or null for the server's search path
 * @param ssl                  {@code pg_ssl}: TLS to the server
 * @param sslVerify            {@code pg_ssl_verify}: verify the server certificate and host name
 * @param timeoutMillis        {@code pg_timeout}: connect and query timeout
 * @param maxConcurrentQueries {@code pg_max_concurrent_queries}; 0 = unlimited
 */
public record PgSettings(String host, int port, String user, String password, String database, String schema,
                         boolean ssl, boolean sslVerify, int timeoutMillis, int maxConcurrentQueries) {

    public static PgSettings from(KongConf conf) {
        return new PgSettings(conf.string("pg_host"), conf.integer("pg_port"), conf.string("pg_user"),
                conf.string("pg_password"), conf.string("pg_database"), conf.string("pg_schema"), conf.bool("pg_ssl"),
                conf.bool("pg_ssl_verify"), conf.integer("pg_timeout"), conf.integer("pg_max_concurrent_queries"));
    }

    /** The JDBC URL, without credentials. */
    String url() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + h + ":" + port + "/" + database;
    }

    /**
     * Connection properties; {@code extraSocketMillis} lengthens the read timeout for connections that
     * block waiting for notifications.
     */
    Properties properties(long extraSocketMillis) {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (password != null) {
            p.setProperty("password", password);
        }
        int seconds = Math.max(1, (timeoutMillis + 999) / 1000);
        p.setProperty("connectTimeout", Integer.toString(seconds));
        p.setProperty("loginTimeout", Integer.toString(seconds));
        p.setProperty("socketTimeout", Long.toString(Math.max(1, (timeoutMillis + extraSocketMillis + 999) / 1000)));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "kong-java");
        p.setProperty("sslmode", !ssl ? "disable" : sslVerify ? "verify-full" : "require");
        if (schema != null) {
            // Quoted as an identifier: the name is used exactly as written (case, spaces, quotes).
            p.setProperty("currentSchema", "\"" + schema.replace("\"", "\"\"") + "\"");
        }
        return p;
    }

    /** {@code user@host:port/database} for messages (never the password). */
    String describe() {
        return user + "@" + host + ":" + port + "/" + database + (schema == null ? "" : " (schema " + schema + ")");
    }
}
