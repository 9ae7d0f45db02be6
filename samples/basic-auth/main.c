/* HTTP Basic authentication (viewer-request) — the widely used community pattern
 *: without "Authorization: Basic base64(user:pass)" the viewer gets
 * 401 Unauthorized with WWW-Authenticate: Basic; otherwise the request continues
 * unchanged. Credentials come from the function's environment variable
 * EDGE_BASIC_AUTH="user:pass" (manifest `env`), default "user:pass". */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

#define DEFAULT_CREDENTIALS "user:pass"

int edge_main(edge_event *ev) {
    const char *credentials = edge_env("EDGE_BASIC_AUTH");
    const char *expected, *given;
    if (!credentials) {
        edge_warn("EDGE_BASIC_AUTH is not set; using the sample default credentials");
        credentials = DEFAULT_CREDENTIALS;
    }
    expected = edge_fmt("Basic %s", edge_base64_encode(credentials, strlen(credentials)));
    given = edge_header(edge_request_headers(ev), "authorization");
    if (!given || strcmp(given, expected) != 0) {
        edge_respond(ev, 401, "Unauthorized");
        edge_header_set(edge_response_headers(ev), "WWW-Authenticate", "Basic");
        edge_set_body(ev, "Unauthorized");
    }
    return EDGE_OK;
}
