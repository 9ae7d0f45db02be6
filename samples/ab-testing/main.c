/* A/B testing (viewer-request) — AWS Lambda@Edge example "A/B Testing".
 * Only /experiment-pixel.jpg is touched: an X-Experiment-Name=A|B cookie picks the
 * variant, otherwise a die roll sends 75% to the control group. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

int edge_main(edge_event *ev) {
    static const char *const cookie_a = "X-Experiment-Name=A";
    static const char *const cookie_b = "X-Experiment-Name=B";
    static const char *const path_a = "/experiment-group/control-pixel.jpg";
    static const char *const path_b = "/experiment-group/treatment-pixel.jpg";
    edge_headers *headers = edge_request_headers(ev);
    const char *experiment_uri = NULL;
    size_t i, n;

    if (strcmp(edge_uri(ev), "/experiment-pixel.jpg") != 0) return EDGE_OK; /* not an A/B request */

    /* A viewer may send several Cookie lines; each value is unparsed ("First=1; Second=2"). */
    n = edge_header_count(headers, "cookie");
    for (i = 0; i < n; i++) {
        const char *value = edge_header_value(headers, "cookie", i);
        if (strstr(value, cookie_a)) {
            edge_info("Experiment A cookie found");
            experiment_uri = path_a;
            break;
        } else if (strstr(value, cookie_b)) {
            edge_info("Experiment B cookie found");
            experiment_uri = path_b;
            break;
        }
    }

    if (!experiment_uri) {
        edge_info("Experiment cookie has not been found. Throwing dice...");
        /* edge_random() reads WASI random_get, like Math.random() in the original. */
        experiment_uri = edge_random() < 0.75 ? path_a : path_b;
    }

    edge_set_uri(ev, experiment_uri);
    edge_info("Request uri set to \"%s\"", edge_uri(ev));
    return EDGE_OK;
}
