package org.kongjava.proxy.http;

/**
 * The body formats of Kong's error responses and Kong's choice among them from an Accept value
 * ({@code kong.tools.http.get_response_type} / {@code get_mime_type} / {@code get_error_template}).
 */
enum ErrorFormat {
    JSON("application/json; charset=utf-8"),
    HTML("text/html; charset=utf-8"),
    XML("application/xml; charset=utf-8"),
    PLAIN("text/plain; charset=utf-8"),
    /** {@code application/grpc} won the negotiation on a non-gRPC request: Kong sends an empty body. */
    EMPTY(null);

    /** The Content-Type value, null for {@link #EMPTY}. */
    final String contentType;

    ErrorFormat(String contentType) {
        this.contentType = contentType;
    }

    /** Renders Kong's built-in template. */
    String render(String message, String requestId) {
        return switch (this) {
            case JSON -> "{\n  \"message\":\"" + jsonEscape(message) + "\",\n  \"request_id\":\"" + jsonEscape(requestId)
                    + "\"\n}";
            case PLAIN -> message + "\nrequest_id: " + requestId + "\n";
            case HTML -> "<!doctype html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n    <title>Error</title>\n"
                    + "  </head>\n  <body>\n    <h1>Error</h1>\n    <p>" + message + ".</p>\n    <p>request_id: "
                    + requestId + "</p>\n  </body>\n</html>\n";
            case XML -> "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>\n  <message>" + message
                    + "</message>\n  <requestid>" + requestId + "</requestid>\n</error>\n";
            case EMPTY -> "";
        };
    }

    /**
     * Kong's pick from an Accept (or Content-Type) value: the first media range with the highest q
     * (q = 0 never wins); <code>*&#47;*</code>, <code>application&#47;*</code>, unknown types and a missing value
     * give JSON, <code>text&#47;*</code> plain text. Type names are compared case-sensitively, as Kong does.
     */
    static ErrorFormat forAccept(String accept) {
        ErrorFormat result = JSON;
        if (accept == null) {
            return result;
        }
        double max = 0;
        int start = 0;
        int len = accept.length();
        while (start <= len) {
            int comma = accept.indexOf(',', start);
            int end = comma < 0 ? len : comma;
            MediaRange m = MediaRange.parse(accept.substring(start, end).strip());
            if (m != null && m.q > max) {
                max = m.q;
                result = forMediaType(m.type, m.subtype);
            }
            start = end + 1;
        }
        return result;
    }

    private static ErrorFormat forMediaType(String type, String subtype) {
        if (subtype.equals("*")) {
            return switch (type) {
                case "text" -> PLAIN;
                default -> JSON;
            };
        }
        return switch (type + "/" + subtype) {
            case "text/html" -> HTML;
            case "text/plain" -> PLAIN;
            case "application/xml" -> XML;
            case "application/grpc" -> EMPTY;
            default -> JSON;
        };
    }

    // Kong inserts the message unescaped; escaping only matters for text that would break the JSON.
    private static String jsonEscape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c < 0x20 ? String.format("\\u%04x", (int) c) : null;
            if (rep != null) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                sb.append(rep);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** One media range as Kong's ACCEPT_PATTERN reads it (anchored at the start, case-insensitive). */
    private record MediaRange(String type, String subtype, double q) {
        static MediaRange parse(String v) {
            int i = 0;
            int typeEnd = token(v, 0);
            if (typeEnd < 0 || typeEnd >= v.length() || v.charAt(typeEnd) != '/') {
                return null;
            }
            int subEnd = token(v, typeEnd + 1);
            if (subEnd < 0) {
                return null;
            }
            double q = 1;
            i = subEnd;
            // Parameters: ";q=<1|1.000|0.ddd>" sets q; any other ";name[=value]" is skipped; stop at the first mismatch.
            while (true) {
                int p = skipSpaces(v, i);
                if (p >= v.length() || v.charAt(p) != ';') {
                    break;
                }
                p = skipSpaces(v, p + 1);
                int qEnd = qValue(v, p);
                if (qEnd > 0) {
                    q = Double.parseDouble(v.substring(p + 2, qEnd));
                    i = qEnd;
                    continue;
                }
                int nameEnd = paramName(v, p);
                if (nameEnd < 0) {
                    break;
                }
                i = nameEnd;
                if (i < v.length() && v.charAt(i) == '=') {
                    while (i < v.length() && v.charAt(i) != ';') {
                        i++;
                    }
                }
            }
            return new MediaRange(v.substring(0, typeEnd), v.substring(typeEnd + 1, subEnd), q);
        }

        // "*" or [a-z0-9][a-z0-9-!#$&^_+.]+ (at least two characters); returns the end or -1.
        private static int token(String v, int from) {
            int n = paramName(v, from);
            if (n > 0) {
                return n;
            }
            return from < v.length() && v.charAt(from) == '*' ? from + 1 : -1;
        }

        private static int paramName(String v, int from) {
            if (from >= v.length() || !alnum(v.charAt(from))) {
                return -1;
            }
            int i = from + 1;
            while (i < v.length() && tokenChar(v.charAt(i))) {
                i++;
            }
            return i - from >= 2 ? i : -1;
        }

        // "q=" then 1, 1., 1.0, 1.00, 1.000 or 0, 0., 0.d, 0.dd, 0.ddd; returns the end or -1.
        private static int qValue(String v, int p) {
            if (p + 2 >= v.length() || (v.charAt(p) | 0x20) != 'q' || v.charAt(p + 1) != '=') {
                return -1;
            }
            int i = p + 2;
            char lead = v.charAt(i);
            if (lead != '0' && lead != '1') {
                return -1;
            }
            i++;
            if (i < v.length() && v.charAt(i) == '.') {
                i++;
                int digits = 0;
                while (i < v.length() && digits < 3
                        && (lead == '1' ? v.charAt(i) == '0' : v.charAt(i) >= '0' && v.charAt(i) <= '9')) {
                    i++;
                    digits++;
                }
            }
            return i;
        }

        private static int skipSpaces(String v, int i) {
            while (i < v.length() && Character.isWhitespace(v.charAt(i))) {
                i++;
            }
            return i;
        }

        private static boolean alnum(char c) {
            char l = (char) (c | 0x20);
            return (l >= 'a' && l <= 'z') || (c >= '0' && c <= '9');
        }

        private static boolean tokenChar(char c) {
            return alnum(c) || c == '-' || c == '!' || c == '#' || c == '$' || c == '&' || c == '^' || c == '_'
                    || c == '+' || c == '.';
        }
    }
}

