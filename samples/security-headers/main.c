/* Add security headers (origin-response) — the Lambda@Edge tutorial function
 * ("Add HTTP security headers"). Values are the tutorial's, including the space in
 * "max-age= 63072000". Running at origin-response means the result is cached. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

int edge_main(edge_event *ev) {
    edge_headers *h = edge_response_headers(ev);
    edge_header_set(h, "Strict-Transport-Security", "max-age= 63072000; includeSubdomains; preload");
    edge_header_set(h, "Content-Security-Policy",
                    "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'");
    edge_header_set(h, "X-Content-Type-Options", "nosniff");
    edge_header_set(h, "X-Frame-Options", "DENY");
    edge_header_set(h, "X-XSS-Protection", "1; mode=block");
    edge_header_set(h, "Referrer-Policy", "same-origin");
    return EDGE_OK;
}
