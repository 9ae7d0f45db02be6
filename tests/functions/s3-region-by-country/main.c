/* S3 bucket by viewer country (origin-request, S3 origin) — AWS example "Using an
 * origin-request trigger to change the Amazon S3 origin Region". The CloudFront-Viewer-Country
 * header picks a Region; the request then goes to the bucket my-bucket-in-<region>: the
 * origin's region and domainName change and the Host header follows. Other countries, or no
 * header, keep the bucket the behavior is configured with. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

static const char *const country_to_region[][2] = {
    {"DE", "eu-central-1"}, {"IE", "eu-west-1"},      {"GB", "eu-west-2"},
    {"FR", "eu-west-3"},    {"JP", "ap-northeast-1"}, {"IN", "ap-south-1"},
};

int edge_main(edge_event *ev) {
    edge_headers *headers = edge_request_headers(ev);
    const char *country = edge_header(headers, "cloudfront-viewer-country"), *region = NULL;
    size_t i;

    if (!country) return EDGE_OK;
    for (i = 0; i < sizeof country_to_region / sizeof country_to_region[0]; i++)
        if (strcmp(country, country_to_region[i][0]) == 0) region = country_to_region[i][1];
    if (region) {
        const char *domain = edge_fmt("my-bucket-in-%s.s3.amazonaws.com", region);
        /* the original would throw on request.origin.s3 being undefined */
        if (!edge_get(ev, "request.origin.s3.domainName"))
            return edge_fail(ev, "the origin of %s is not an S3 origin", edge_uri(ev));
        edge_set_string(ev, "request.origin.s3.region", region);
        edge_set_string(ev, "request.origin.s3.domainName", domain);
        edge_header_set(headers, "host", domain);
    }
    return EDGE_OK;
}
