/* Custom origin -> S3 origin by query string (origin-request) — AWS example "Using an
 * origin-request trigger to change from a custom origin to an Amazon S3 origin". With
 * useS3Origin=true in the query string the request goes to the bucket my-bucket: the whole
 * `origin` object is replaced by an `s3` one and the Host header follows. Anything else
 * (no parameter, another value, the parameter given twice, which Node parses as an array)
 * leaves the request unchanged. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

int edge_main(edge_event *ev) {
    const char *qs = edge_querystring(ev), *cur = qs, *end = qs + strlen(qs);
    const char *use_s3 = NULL;
    char *name, *value;
    int seen = 0;

    while (edge_form_next(&cur, end, &name, &value)) {
        if (strcmp(name, "useS3Origin") == 0) {
            use_s3 = value;
            seen++;
        }
    }
    if (seen == 1 && strcmp(use_s3, "true") == 0) {
        const char *s3_domain = "my-bucket.s3.amazonaws.com";
        /* request.origin = { s3: { domainName, region: '', authMethod: 'none', path: '', customHeaders: {} } } */
        edge_set_object(ev, "request.origin");
        edge_set_object(ev, "request.origin.s3");
        edge_set_string(ev, "request.origin.s3.domainName", s3_domain);
        edge_set_string(ev, "request.origin.s3.region", "");
        edge_set_string(ev, "request.origin.s3.authMethod", "none");
        edge_set_string(ev, "request.origin.s3.path", "");
        edge_set_object(ev, "request.origin.s3.customHeaders");
        edge_header_set(edge_request_headers(ev), "host", s3_domain); /* key "host", as in the original */
    }
    return EDGE_OK;
}
