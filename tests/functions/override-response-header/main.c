/* Override a response header (origin-response) — AWS example "Overriding a response header".
 * When the origin sends X-Amz-Meta-Last-Modified (S3 object metadata), its entry is copied
 * whole under the name last-modified, so the viewer's Last-Modified is the metadata value.
 * The copied entry keeps its key, X-Amz-Meta-Last-Modified, exactly as in the original
 * (`headers['last-modified'] = [headers['x-amz-meta-last-modified'][0]]`); the server sends
 * it under its map name, Last-Modified. (edge_header_copy copies every entry of the header;
 * S3 sends one.) */
#define EDGE_IMPLEMENTATION
#include "edge.h"

int edge_main(edge_event *ev) {
    edge_headers *headers = edge_response_headers(ev);
    const char *src = "X-Amz-Meta-Last-Modified", *dst = "Last-Modified";

    if (edge_header(headers, src)) {
        edge_header_copy(headers, dst, src);
        edge_info("Response header \"%s\" was set to \"%s\"", dst, edge_header(headers, dst));
    }
    return EDGE_OK;
}
