/* Serve static content (viewer-request or origin-request) — AWS example
 * "Serving Static Content (Generated Response)": every request gets this page. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

static const char content[] =
    "\n"
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "  <head>\n"
    "    <meta charset=\"utf-8\">\n"
    "    <title>Simple Lambda@Edge Static Content Response</title>\n"
    "  </head>\n"
    "  <body>\n"
    "    <p>Hello from Lambda@Edge!</p>\n"
    "  </body>\n"
    "</html>\n";

int edge_main(edge_event *ev) {
    edge_headers *h;
    edge_respond(ev, 200, "OK");
    h = edge_response_headers(ev);
    edge_header_set(h, "Cache-Control", "max-age=100");
    edge_header_set(h, "Content-Type", "text/html");
    edge_set_body(ev, content);
    return EDGE_OK;
}
