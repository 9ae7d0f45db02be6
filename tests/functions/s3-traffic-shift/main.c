/* Gradual traffic shift between S3 buckets (origin-request, S3 origin) — AWS example "Using
 * an origin-request trigger to gradually transfer traffic from one Amazon S3 bucket to
 * another". A random number from 1 to 100 at or below BLUE_TRAFFIC_PERCENTAGE (80) sends the
 * request to blue-bucket (origin domainName and Host header); otherwise it goes to the bucket
 * the behavior is configured with. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#define BLUE_TRAFFIC_PERCENTAGE 80

/* Math.floor(Math.random() * (max - min + 1)) + min: inclusive of min and max */
static int random_int(int min, int max) { return (int)(edge_random() * (max - min + 1)) + min; }

int edge_main(edge_event *ev) {
    if (random_int(1, 100) <= BLUE_TRAFFIC_PERCENTAGE) {
        const char *domain = "blue-bucket.s3.amazonaws.com";
        /* the original would throw on request.origin.s3 being undefined */
        if (!edge_get(ev, "request.origin.s3.domainName"))
            return edge_fail(ev, "the origin of %s is not an S3 origin", edge_uri(ev));
        edge_set_string(ev, "request.origin.s3.domainName", domain);
        edge_header_set(edge_request_headers(ev), "host", domain);
    }
    return EDGE_OK;
}
