package org.kongjava.admin;

/**
 * Ends a request early with a ready response (bad body, 404 in a nested lookup, ...). Thrown on the event
 * loop or inside a config mutation; never logged as an error. An {@link IllegalArgumentException} because
 * the config writer treats those as the caller's mistake, not as a failure to log.
 */
final class AdminException extends IllegalArgumentException {
    private final transient AdminResponse response;

    AdminException(AdminResponse response) {
        super("admin response " + response.status());
        this.response = response;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // control flow, not a failure: no stack trace needed
    }

    AdminResponse response() {
        return response;
    }

    static AdminException notFound() {
        return new AdminException(AdminResponse.notFound());
    }
}
