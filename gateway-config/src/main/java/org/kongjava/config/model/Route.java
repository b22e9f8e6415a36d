package org.kongjava.config.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Kong's Route entity, already validated. Collections are null when unset (as in Kong's JSON),
 * never empty-for-unset. {@code headers} maps a lower-cased header name to its accepted values.
 */
public record Route(
        UUID id,
        String name,
        List<Protocol> protocols,
        List<String> methods,
        List<String> hosts,
        List<String> paths,
        Map<String, List<String>> headers,
        List<String> snis,
        List<CidrPort> sources,
        List<CidrPort> destinations,
        int httpsRedirectStatusCode,
        int regexPriority,
        boolean stripPath,
        String pathHandling,
        boolean preserveHost,
        boolean requestBuffering,
        boolean responseBuffering,
        UUID serviceId,
        List<String> tags,
        long createdAt,
        long updatedAt) {

    public Route {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(protocols, "protocols");
        protocols = List.copyOf(protocols);
        methods = methods == null ? null : List.copyOf(methods);
        hosts = hosts == null ? null : List.copyOf(hosts);
        paths = paths == null ? null : List.copyOf(paths);
        headers = headers == null ? null : Map.copyOf(headers);
        snis = snis == null ? null : List.copyOf(snis);
        sources = sources == null ? null : List.copyOf(sources);
        destinations = destinations == null ? null : List.copyOf(destinations);
        tags = tags == null ? null : List.copyOf(tags);
    }
}
