package org.kongjava.config.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Kong's Plugin entity, already validated: one configured instance of a plugin, global or scoped to a route
 * and/or a service. kong-java ships one plugin, {@code ip-restriction}; {@code config} is the plugin's validated
 * configuration in Kong's JSON shape (every field of the plugin's config record present, null when unset).
 *
 * @param instanceName Kong's endpoint key ({@code instance_name}), unique, or null
 * @param routeId      the route the plugin is scoped to, or null
 * @param serviceId    the service the plugin is scoped to, or null
 * @param protocols    the protocols of the requests or connections it runs for
 */
public record Plugin(
        UUID id,
        String name,
        String instanceName,
        UUID routeId,
        UUID serviceId,
        Map<String, Object> config,
        List<String> protocols,
        boolean enabled,
        List<String> tags,
        long createdAt,
        long updatedAt) {

    public Plugin {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        config = config == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(config));
        protocols = protocols == null ? List.of() : List.copyOf(protocols);
        tags = tags == null ? null : List.copyOf(tags);
    }

    /** Neither route nor service: the plugin applies to everything its protocols cover. */
    public boolean isGlobal() {
        return routeId == null && serviceId == null;
    }
}
