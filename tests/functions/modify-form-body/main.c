/* Modify a form body (viewer-request or origin-request, with include-body) — AWS example
 * "Using a request trigger to modify an HTML form". A POST body (CloudFront always delivers it
 * base64-encoded) is parsed as application/x-www-form-urlencoded, gets one more field,
 * new-param-name=new-param-value, and replaces the body sent to the origin as text
 * (body.action = 'replace', body.encoding = 'text', body.data = the new form).
 *
 * The new form is written the way Node's querystring.stringify writes what querystring.parse
 * read: fields in first-seen order, a repeated name's values together at its first position,
 * every byte but A-Z a-z 0-9 - _ . ! ~ * ' ( ) percent-encoded (%XX, upper case). Other methods
 * pass through; a POST without a body (include-body off) fails, as the original throws. */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

typedef struct value {
    const char *text;
    struct value *next;
} value;

typedef struct field {
    const char *name;
    value *values, **tail;
    struct field *next;
} field;

/* querystring.escape: percent-encode all but the unreserved characters. */
static size_t escape(char *out, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-_.!~*'()", c)) {
            if (out) out[n] = (char)c;
            n++;
        } else {
            if (out) {
                out[n] = '%';
                out[n + 1] = hex[c >> 4];
                out[n + 2] = hex[c & 15];
            }
            n += 3;
        }
    }
    return n;
}

/* querystring.stringify: sized in a first pass, written in the second. */
static char *stringify(const field *fields) {
    char *out = NULL;
    int pass;
    size_t n = 0;
    for (pass = 0; pass < 2; pass++) {
        const field *f;
        const value *v;
        n = 0;
        for (f = fields; f; f = f->next) {
            for (v = f->values; v; v = v->next) {
                if (n) {
                    if (out) out[n] = '&';
                    n++;
                }
                n += escape(out ? out + n : NULL, f->name);
                if (out) out[n] = '=';
                n++;
                n += escape(out ? out + n : NULL, v->text);
            }
        }
        if (!out && !(out = (char *)edge_arena_alloc(n + 1))) return NULL;
    }
    out[n] = '\0';
    return out;
}

static field *find(field *fields, const char *name) {
    for (; fields; fields = fields->next)
        if (strcmp(fields->name, name) == 0) return fields;
    return NULL;
}

static field *add_field(field ***tail, const char *name) {
    field *f = (field *)edge_arena_alloc(sizeof *f);
    if (!f) return NULL;
    f->name = name;
    f->values = NULL;
    f->tail = &f->values;
    f->next = NULL;
    **tail = f;
    *tail = &f->next;
    return f;
}

static int add_value(field *f, const char *text) {
    value *v = (value *)edge_arena_alloc(sizeof *v);
    if (!v) return EDGE_ENOMEM;
    v->text = text;
    v->next = NULL;
    *f->tail = v;
    f->tail = &v->next;
    return EDGE_OK;
}

int edge_main(edge_event *ev) {
    const unsigned char *body;
    const char *cur, *end;
    char *name, *text, *updated;
    size_t len;
    field *fields = NULL, **tail = &fields, *f;

    if (strcmp(edge_method(ev), "POST") != 0) return EDGE_OK;
    if (!edge_has_body(ev)) return edge_fail(ev, "POST without a body: enable include-body on this association");

    /* const params = querystring.parse(Buffer.from(request.body.data, 'base64').toString()); */
    body = edge_body(ev, &len);
    if (!body) return EDGE_EEVENT; /* not base64: the SDK has recorded why */
    cur = (const char *)body;
    end = cur + len;
    while (edge_form_next(&cur, end, &name, &text)) {
        f = find(fields, name);
        if (!f && !(f = add_field(&tail, name))) return EDGE_ENOMEM;
        if (add_value(f, text)) return EDGE_ENOMEM;
    }

    /* params['new-param-name'] = 'new-param-value'; (replaces earlier values in place) */
    f = find(fields, "new-param-name");
    if (!f && !(f = add_field(&tail, "new-param-name"))) return EDGE_ENOMEM;
    f->values = NULL;
    f->tail = &f->values;
    if (add_value(f, "new-param-value")) return EDGE_ENOMEM;

    updated = stringify(fields);
    if (!updated) return EDGE_ENOMEM;
    return edge_set_request_body_text(ev, updated);
}
