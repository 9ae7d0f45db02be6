/* Redirect viewers to a country-specific URL (origin-request) — AWS example
 * "Redirecting Viewer Requests to a Country-Specific URL".
 * CloudFront adds CloudFront-Viewer-Country after viewer-request, so this runs at
 * origin-request (and the header must be in the cache key). */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

int edge_main(edge_event *ev) {
    const char *url = "https://example.com/";
    const char *country = edge_header(edge_request_headers(ev), "cloudfront-viewer-country");
    if (country) {
        if (strcmp(country, "TW") == 0) url = "https://tw.example.com/";
        else if (strcmp(country, "US") == 0) url = "https://us.example.com/";
    }
    edge_respond(ev, 302, "Found");
    edge_header_set(edge_response_headers(ev), "Location", url);
    return EDGE_OK;
}
