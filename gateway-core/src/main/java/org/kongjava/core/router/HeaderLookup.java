package org.kongjava.core.router;

import java.util.List;

/** Read access to request headers for the router; names are case-insensitive. */
@FunctionalInterface
public interface HeaderLookup {
    HeaderLookup NONE = name -> List.of();

    /** Every value of the header, in order; empty when absent. */
    List<String> getAll(String name);
}
