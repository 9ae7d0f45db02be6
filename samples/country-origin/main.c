/* Pick the origin by viewer country (origin-request, custom origin) — AWS example
 * "Using an Origin-Request Trigger to Change the Origin Domain Name Based on the
 * Country Header". GB, DE and IE go to eu.example.com (origin and Host header). */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

int edge_main(edge_event *ev) {
    edge_headers *h = edge_request_headers(ev);
    const char *country = edge_header(h, "cloudfront-viewer-country");
    if (country && (strcmp(country, "GB") == 0 || strcmp(country, "DE") == 0 || strcmp(country, "IE") == 0)) {
        const char *domain = "eu.example.com";
        edge_set_string(ev, "request.origin.custom.domainName", domain);
        edge_header_set(h, "host", domain); /* key "host", as in the AWS example */
    }
    return EDGE_OK;
}
