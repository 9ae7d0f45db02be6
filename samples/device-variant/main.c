/* Serve a different object per device type (origin-request) — AWS example
 * "Serving Different Versions of an Object Based on the Device".
 * The first CloudFront-Is-*-Viewer header that is "true" (desktop, mobile, tablet,
 * smarttv, in that order) prefixes the URI. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

static int is_true(edge_headers *h, const char *name) {
    const char *v = edge_header(h, name);
    return v && strcmp(v, "true") == 0;
}

int edge_main(edge_event *ev) {
    edge_headers *h = edge_request_headers(ev);
    const char *prefix = NULL;
    if (is_true(h, "cloudfront-is-desktop-viewer")) prefix = "/desktop";
    else if (is_true(h, "cloudfront-is-mobile-viewer")) prefix = "/mobile";
    else if (is_true(h, "cloudfront-is-tablet-viewer")) prefix = "/tablet";
    else if (is_true(h, "cloudfront-is-smarttv-viewer")) prefix = "/smarttv";
    if (prefix) edge_set_uri(ev, edge_fmt("%s%s", prefix, edge_uri(ev)));
    edge_info("Request uri set to \"%s\"", edge_uri(ev));
    return EDGE_OK;
}
