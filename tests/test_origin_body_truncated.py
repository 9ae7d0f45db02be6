"""`include_origin_body` on a body over 1 MB: the function sees its first 1 MB, truncated.

Such a body was left out of the event altogether (and `inputTruncated` was always false), so a
function could not tell a large body from none. Now, as Lambda@Edge does for request bodies,
the event carries the first 1 MB with `inputTruncated: true`, and a function that leaves the
body as it was (`action: "read-only"`) sends the viewer the whole body.
"""

from __future__ import annotations

# An origin-response function (C) reporting what it saw of the body in two response headers.
REPORTS = """#define EDGE_IMPLEMENTATION
#include "edge.h"
#include <string.h>

int edge_main(edge_event *ev) {
    const char *data = edge_get(ev, "response.body.data");
    const char *truncated = edge_get(ev, "response.body.inputTruncated");
    edge_header_set(edge_response_headers(ev), "X-Seen-Base64", edge_fmt("%zu", data ? strlen(data) : (size_t)0));
    edge_header_set(edge_response_headers(ev), "X-Seen-Truncated", truncated ? truncated : "absent");
    return EDGE_OK;
}
"""


def test_a_body_over_1_mb_is_shown_truncated_and_sent_whole(edge_factory, origin):
    edge = edge_factory(f"""
[origins.api]
url = "{origin.server.url}"

[functions.reports]
source = "reports/"

[[behaviors]]
path = "*"
origin = "api"
cache = "disabled"
forward = {{ query_strings = "all" }}
origin_response = {{ function = "reports", include_origin_body = true }}
""", {"reports/main.c": REPORTS})
    for size, truncated in ((1024 * 1024, "false"), (1024 * 1024 + 1, "true"), (3 * 1024 * 1024, "true")):
        response = edge.get(f"/big?n={size}")
        assert response.status_code == 200, response.text[:300]
        assert response.headers["x-seen-truncated"] == truncated, size
        assert response.headers["x-seen-base64"] == str(4 * ((1024 * 1024 + 2) // 3)), size  # base64 of 1 MB
        assert len(response.content) == size and response.content == b"x" * size
