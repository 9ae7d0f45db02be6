/* Read an HTML form body (viewer-request or origin-request with include-body) — AWS
 * example "Reading a form body": a POST body is base64-decoded, parsed as
 * application/x-www-form-urlencoded and every field is logged; the request goes on
 * unchanged (body included). */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

typedef struct field {
    char *name;
    char *values; /* repeated names are joined with ',' as Node's querystring + template string do */
    struct field *next;
} field;

int edge_main(edge_event *ev) {
    const unsigned char *body;
    const char *cur, *end;
    size_t len;
    char *name, *value;
    field *fields = NULL, **tail = &fields, *f;

    if (strcmp(edge_method(ev), "POST") != 0) return EDGE_OK;
    if (!edge_has_body(ev)) return edge_fail("POST without a body: enable include-body on this association");

    body = edge_body(ev, &len); /* CloudFront always sends the body base64-encoded */
    if (!body) return EDGE_EEVENT;
    cur = (const char *)body;
    end = cur + len;
    while (edge_form_next(&cur, end, &name, &value)) {
        for (f = fields; f && strcmp(f->name, name) != 0; f = f->next) {
        }
        if (f) {
            f->values = edge_fmt("%s,%s", f->values, value);
        } else {
            f = (field *)edge_arena_alloc(sizeof *f);
            if (!f) return EDGE_ENOMEM;
            f->name = name;
            f->values = value;
            f->next = NULL;
            *tail = f;
            tail = &f->next;
        }
    }
    for (f = fields; f; f = f->next) edge_info("For \"%s\" user submitted \"%s\".", f->name, f->values);
    return EDGE_OK;
}
