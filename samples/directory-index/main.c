/* Default directory index (origin-request, or viewer-request) — the AWS Compute blog's
 * "default directory indexes" function plus the CloudFront Functions add-index rule:
 *   /about/  -> /about/index.html        (URI ends in '/')
 *   /about   -> /about/index.html        (no '.' in the last path segment)
 *   /a.css, /v1.2/x.js                   unchanged
 * Unlike the CloudFront Functions example, which looks for a '.' anywhere in the URI,
 * only the last segment counts here, so /v1.2/about also gets an index. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

int edge_main(edge_event *ev) {
    const char *old_uri = edge_uri(ev);
    size_t len = strlen(old_uri);
    const char *last = strrchr(old_uri, '/');
    const char *new_uri = old_uri;
    if (len && old_uri[len - 1] == '/') new_uri = edge_fmt("%sindex.html", old_uri);
    else if (last && !strchr(last, '.')) new_uri = edge_fmt("%s/index.html", old_uri);
    edge_info("Old URI: %s", old_uri);
    edge_info("New URI: %s", new_uri);
    if (new_uri != old_uri) edge_set_uri(ev, new_uri);
    return EDGE_OK;
}
