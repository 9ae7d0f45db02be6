/*
 * edge.h — single-header C SDK for edge functions (guest ABI version 1).
 *
 * Write one function, build it with `edge.toolchain.build()`, deploy the .wasm:
 *
 *     #define EDGE_IMPLEMENTATION          // in exactly one .c file
 *     #include "edge.h"
 *
 *     int edge_main(edge_event *ev) {
 *         if (strcmp(edge_uri(ev), "/old") == 0) {
 *             edge_respond(ev, 301, NULL);  // a generated response
 *             edge_header_set(edge_response_headers(ev), "Location", "/new");
 *         }
 *         return EDGE_OK;                    // else: the request, unchanged
 *     }
 *
 * The SDK implements docs/abi.md: it exports edge_abi_version / edge_alloc /
 * edge_handle, calls your `edge_main`, and writes back the AWS result object:
 *   - viewer-request / origin-request: the whole request object (with your
 *     changes and every untouched field), or the response object you built
 *     with edge_respond();
 *   - origin-response / viewer-response: the (modified) response object.
 *
 * The event is read when the function first needs it: the first accessor,
 * setter or request-header call parses and checks the whole event JSON, and
 * so does returning the request or response. edge_respond needs only the hook,
 * which a short scan of the event's first bytes finds, so a function that
 * answers with a generated response without reading anything never parses the
 * event. Whatever comes back unchanged (the whole request, or the untouched
 * parts of a changed one) is copied from the event as the host wrote it.
 *
 * Memory: everything the SDK hands you (strings, edge_fmt results,
 * edge_arena_alloc blocks) lives in a per-invocation arena that is freed at
 * the start of the next invocation, so `reuse` instances do not grow. The
 * arena's first EDGE_STATIC_ARENA bytes and an event of up to
 * EDGE_STATIC_EVENT bytes live in the module's own static memory: a fresh
 * instance serving a typical request never grows its linear memory (each
 * growth is a system call, and its new pages fault in and are released
 * again when the instance is torn down).
 * Strings are UTF-8 and NUL-terminated; do not free them.
 *
 * Errors: a malformed event (invalid JSON or UTF-8, missing fields, header
 * values above EDGE_MAX_HEADER_BYTES, ...) fails the invocation as soon as
 * anything reads it: accessors then return empty values ("" for edge_uri and
 * the other request strings, NULL otherwise), setters change nothing, and
 * when edge_main returns the SDK logs one ERROR line naming the problem and
 * returns a negative code (the host reports a handler error, HTTP 503 in the
 * pipeline), whatever edge_main returned. Parts of the event that nothing
 * reads are not checked (the host builds the events). Setters validate
 * their arguments; a bad argument (invalid UTF-8, a URI without a leading
 * '/', a response setter in a request hook without edge_respond, ...) is
 * recorded and fails the invocation the same way when edge_main returns, so
 * mistakes are reported precisely instead of producing a result AWS would
 * reject. `return edge_fail(ev, "why")` fails on purpose, with that message.
 * Whatever the cause, the line describing it is the invocation's last ERROR
 * line, which the host reports as the failure's message.
 *
 * Command modules: `#define EDGE_COMMAND` before the include builds the same
 * edge_main as a plain WASI command (stdin = event, stdout = result, log lines
 * on stderr). The toolchain picks `-mexec-model=command` when it sees it.
 *
 * Tunables (define before including, in the EDGE_IMPLEMENTATION file):
 *   EDGE_MAX_EVENT_BYTES   largest event accepted            (4 MiB)
 *   EDGE_MAX_MEMORY        arena cap per invocation          (64 MiB)
 *   EDGE_MAX_HEADER_BYTES  largest header name or value      (20480, CloudFront's request-header budget)
 *   EDGE_MAX_HEADERS       header lines per headers object   (1024)
 *   EDGE_MAX_DEPTH         JSON nesting depth                (64)
 *   EDGE_STATIC_ARENA      arena bytes in static memory      (16384; 0: all from malloc)
 *   EDGE_STATIC_EVENT      event bytes in static memory      (16384; 0: all from malloc)
 *
 * Full reference with an example per function: sdk/c/README.md.
 */
#ifndef EDGE_H
#define EDGE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EDGE_ABI_VERSION 1

/* Return codes. edge_main returns EDGE_OK (or any value >= 0) on success. */
enum {
    EDGE_OK = 0,
    EDGE_EFAIL = -1,   /* edge_fail() / a handler-defined failure */
    EDGE_EJSON = -2,   /* the event is not valid JSON */
    EDGE_EUTF8 = -3,   /* the event (or an argument) is not valid UTF-8 */
    EDGE_EEVENT = -4,  /* the event lacks a field or has a wrong type */
    EDGE_ETOOBIG = -5, /* the event exceeds an EDGE_MAX_* limit */
    EDGE_ENOMEM = -6,  /* out of memory (EDGE_MAX_MEMORY or malloc) */
    EDGE_EARG = -7     /* an SDK function was called with a bad argument */
};

/* The four Lambda@Edge hooks. */
typedef enum {
    EDGE_VIEWER_REQUEST = 1,
    EDGE_ORIGIN_REQUEST = 2,
    EDGE_ORIGIN_RESPONSE = 3,
    EDGE_VIEWER_RESPONSE = 4
} edge_hook;

/* Log levels (edge.log levels 0..3). */
typedef enum { EDGE_DEBUG = 0, EDGE_INFO = 1, EDGE_WARN = 2, EDGE_ERROR = 3 } edge_level;

typedef struct edge_event edge_event;     /* one invocation's event */
typedef struct edge_headers edge_headers; /* a `name -> [{key, value}]` headers object */

#if defined(__GNUC__) || defined(__clang__)
#define EDGE__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define EDGE__PRINTF(f, a)
#endif

/* ---- you write this --------------------------------------------------------
 * Called once per invocation. Return EDGE_OK, or a negative code to fail
 * (prefer `return edge_fail(ev, "reason")`, which also logs the reason). */
int edge_main(edge_event *ev);

/* ---- the event -------------------------------------------------------------- */

/* Which hook runs: `if (edge_event_type(ev) == EDGE_ORIGIN_REQUEST) ...` */
edge_hook edge_event_type(const edge_event *ev);
/* The hook's AWS name: `edge_info("at %s", edge_event_type_name(ev))` logs "at viewer-request". */
const char *edge_event_type_name(const edge_event *ev);
/* 1 in viewer-request / origin-request, 0 in the response hooks: `if (!edge_is_request_hook(ev)) return EDGE_OK;` */
int edge_is_request_hook(const edge_event *ev);
/* config.requestId (the X-Amz-Cf-Id value): `edge_header_set(h, "X-Request-Id", edge_request_id(ev))` */
const char *edge_request_id(const edge_event *ev);

/* ---- the request ------------------------------------------------------------ */

/* Path without query string: `if (strcmp(edge_uri(ev), "/") == 0) edge_set_uri(ev, "/index.html");` */
const char *edge_uri(const edge_event *ev);
/* "GET", "POST", ...: `if (strcmp(edge_method(ev), "POST") == 0) ...` */
const char *edge_method(const edge_event *ev);
/* Raw query string without '?' ("a=1&b=2"; "" when absent): `if (!*edge_querystring(ev)) ...` */
const char *edge_querystring(const edge_event *ev);
/* The viewer's IP ("203.0.113.178"): `edge_info("from %s", edge_client_ip(ev));` */
const char *edge_client_ip(const edge_event *ev);
/* The request's headers: `edge_header(edge_request_headers(ev), "host")`. */
edge_headers *edge_request_headers(edge_event *ev);

/* Change the URI (request hooks): `edge_set_uri(ev, "/index.html")`.
 * Must start with '/' and contain no control characters. */
int edge_set_uri(edge_event *ev, const char *uri);
/* Change the query string (request hooks), without '?': `edge_set_querystring(ev, "v=2")`.
 * No spaces, control characters or '#'. */
int edge_set_querystring(edge_event *ev, const char *qs);

/* 1 if the event has a body (include-body associations): `if (!edge_has_body(ev)) return edge_fail(ev, "no body");` */
int edge_has_body(const edge_event *ev);
/* The body's decoded bytes (base64 is decoded for you), NUL-terminated for
 * convenience; NULL without a body. `size_t n; const unsigned char *b = edge_body(ev, &n);` */
const unsigned char *edge_body(edge_event *ev, size_t *len);
/* 1 if CloudFront truncated the body (body.inputTruncated): `if (edge_body_truncated(ev)) edge_warn("partial");` */
int edge_body_truncated(const edge_event *ev);
/* Replace the body sent to the origin (action "replace", encoding "base64"): `edge_set_request_body(ev, "{}", 2);` */
int edge_set_request_body(edge_event *ev, const void *data, size_t len);
/* Replace it with UTF-8 text, sent as is (action "replace", encoding "text"):
 * `edge_set_request_body_text(ev, "name=Jane&comment=edited");` */
int edge_set_request_body_text(edge_event *ev, const char *text);

/* origin.custom.domainName or origin.s3.domainName (origin-request), else NULL:
 * `edge_info("origin %s", edge_origin_domain(ev));` */
const char *edge_origin_domain(const edge_event *ev);
/* `edge_set_origin_domain(ev, "eu.example.com")` — for whichever origin kind the event has. */
int edge_set_origin_domain(edge_event *ev, const char *domain);
/* The origin's customHeaders (NULL without an origin): `edge_header_set(edge_origin_headers(ev), "X-Token", t);` */
edge_headers *edge_origin_headers(edge_event *ev);

/* ---- headers (request, response, origin custom headers) ----------------------
 * Names are matched case-insensitively; the map key is stored lowercase and
 * the `key` field keeps the name exactly as you pass it. All functions accept
 * h == NULL (getters return NULL/0, setters fail with EDGE_EARG). */

/* First value or NULL: `const char *ua = edge_header(h, "User-Agent");` */
const char *edge_header(const edge_headers *h, const char *name);
/* How many values a header has (Cookie may come as several lines): `n = edge_header_count(h, "cookie");` */
size_t edge_header_count(const edge_headers *h, const char *name);
/* The i-th value (0-based) or NULL: `for (i = 0; i < edge_header_count(h, "cookie"); i++) edge_header_value(h, "cookie", i)` */
const char *edge_header_value(const edge_headers *h, const char *name, size_t i);
/* The original-case `key` of the header's first value: `edge_header_key(h, "user-agent")` -> "User-Agent". */
const char *edge_header_key(const edge_headers *h, const char *name);
/* Replace all values with one: `edge_header_set(h, "X-Frame-Options", "DENY")`. */
int edge_header_set(edge_headers *h, const char *name, const char *value);
/* Replace all values with one whose `key` you choose (the lowercase name decides which header it is):
 * `edge_header_set_keyed(h, "last-modified", "X-Amz-Meta-Last-Modified", v)`. */
int edge_header_set_keyed(edge_headers *h, const char *name, const char *key, const char *value);
/* Replace `to` with copies of all entries of `from`, keys kept (EDGE_EARG if `from` is absent):
 * `edge_header_copy(h, "Last-Modified", "X-Amz-Meta-Last-Modified")`. */
int edge_header_copy(edge_headers *h, const char *to, const char *from);
/* Append a value (a new header line): `edge_header_add(h, "Set-Cookie", "a=1")`. */
int edge_header_add(edge_headers *h, const char *name, const char *value);
/* Remove a header; returns how many header names were removed (0 if absent): `edge_header_remove(h, "Server");` */
int edge_header_remove(edge_headers *h, const char *name);
/* Iterate: `for (i = 0; i < edge_headers_len(h); i++) edge_headers_name(h, i)` (lowercase names). */
size_t edge_headers_len(const edge_headers *h);
const char *edge_headers_name(const edge_headers *h, size_t i);

/* ---- responses ---------------------------------------------------------------- */

/* Request hooks: answer without going to the cache/origin. Replaces any earlier
 * edge_respond. description NULL = the standard reason phrase.
 * `edge_respond(ev, 302, "Found"); edge_header_set(edge_response_headers(ev), "Location", url);` */
int edge_respond(edge_event *ev, int status, const char *description);
/* The response being returned: the generated one (after edge_respond) or, in
 * response hooks, the origin's. NULL in a request hook without edge_respond.
 * `edge_header_set(edge_response_headers(ev), "X-Frame-Options", "DENY");` */
edge_headers *edge_response_headers(edge_event *ev);
/* Response status as text ("200") / number (200) / description ("OK"); NULL/0 without a response.
 * `if (edge_status_code(ev) == 404) edge_set_status(ev, 200, NULL);` */
const char *edge_status(const edge_event *ev);
int edge_status_code(const edge_event *ev);
const char *edge_status_description(const edge_event *ev);
/* Change the status (200..599): `edge_set_status(ev, 404, "Not Found")`; NULL = reason phrase. */
int edge_set_status(edge_event *ev, int status, const char *description);
/* Set a text body: `edge_set_body(ev, "<h1>Hi</h1>")` (no bodyEncoding = "text"). */
int edge_set_body(edge_event *ev, const char *text);
/* Set a binary body (base64-encoded for you, bodyEncoding "base64"): `edge_set_body_bytes(ev, gif, sizeof gif);` */
int edge_set_body_bytes(edge_event *ev, const void *data, size_t len);

/* ---- any other field ------------------------------------------------------------
 * Paths are dot-separated, relative to Records[0].cf; numbers index arrays.
 * The setters below refuse (EDGE_EARG) `config` and anything under it (read-only), the
 * `request` / `response` objects themselves, and deleting or changing the type of the
 * fields every event has (request.uri, .method, .querystring, .clientIp, .headers,
 * response.status, .headers).
 * `edge_get(ev, "request.origin.custom.port")` -> "443"; `edge_get(ev, "config.distributionId")`. */
const char *edge_get(const edge_event *ev, const char *path);
/* Set a string / number field; the parent object must exist.
 * `edge_set_string(ev, "request.origin.custom.path", "/v2")`, `edge_set_number(ev, "request.origin.custom.port", 8443)` */
int edge_set_string(edge_event *ev, const char *path, const char *value);
int edge_set_number(edge_event *ev, const char *path, long long value);
/* Set a boolean field; the parent object must exist: `edge_set_bool(ev, "request.body.x", 1)`. */
int edge_set_bool(edge_event *ev, const char *path, int value);
/* Put an empty object / array at path (replacing what is there); the parent object must exist:
 * `edge_set_object(ev, "request.origin"); edge_set_object(ev, "request.origin.s3");` */
int edge_set_object(edge_event *ev, const char *path);
int edge_set_array(edge_event *ev, const char *path);
/* Append a string to the array at path: `edge_append_string(ev, "request.origin.custom.sslProtocols", "TLSv1.2")`. */
int edge_append_string(edge_event *ev, const char *path, const char *value);
/* Remove an object field or array element; 1 if removed, 0 if absent: `edge_delete(ev, "request.origin.custom")`. */
int edge_delete(edge_event *ev, const char *path);

/* ---- logging ---------------------------------------------------------------------
 * One log line each. The f-variants take a small printf subset:
 * %s %.*s %d %i %u %x %c %% with l / ll / z size modifiers (no widths, no floats).
 *   edge_log(EDGE_INFO, "cache miss");                 -- plain text, not formatted
 *   edge_logf(EDGE_WARN, "slow origin %s", domain);
 *   edge_info("Request uri set to \"%s\"", edge_uri(ev));   (also edge_debug / edge_warn / edge_error) */
void edge_log(edge_level level, const char *message);
void edge_logf(edge_level level, const char *fmt, ...) EDGE__PRINTF(2, 3);
void edge_debug(const char *fmt, ...) EDGE__PRINTF(1, 2);
void edge_info(const char *fmt, ...) EDGE__PRINTF(1, 2);
void edge_warn(const char *fmt, ...) EDGE__PRINTF(1, 2);
void edge_error(const char *fmt, ...) EDGE__PRINTF(1, 2);
/* Fail the invocation with a message, logged as its last ERROR line (the host reports it):
 * `return edge_fail(ev, "no origin for %s", uri);` — `edge_fail("...")` without ev works too. */
#define edge_fail(...) EDGE__FAIL(__VA_ARGS__)
int edge__fail(const char *fmt, ...) EDGE__PRINTF(1, 2);
int edge__fail_event(const edge_event *ev, const char *fmt, ...) EDGE__PRINTF(2, 3);
int edge__vfail(const char *fmt, va_list ap);

/* ---- helpers (results live in the invocation's arena) ---------------------------- */

/* Formatted string: `edge_set_uri(ev, edge_fmt("/mobile%s", edge_uri(ev)))`. */
char *edge_fmt(const char *fmt, ...) EDGE__PRINTF(1, 2);
/* n bytes of scratch memory, freed after this invocation (NULL when out of memory): `char *buf = edge_arena_alloc(256);` */
void *edge_arena_alloc(size_t n);
/* 1 if s[0..len) is valid UTF-8: `if (!edge_utf8_valid(v, n)) return edge_fail(ev, "bad input");` */
int edge_utf8_valid(const char *s, size_t len);
/* Standard base64: `char *b64 = edge_base64_encode("user:pass", 9);` */
char *edge_base64_encode(const void *data, size_t len);
/* Decoded bytes (NUL-terminated) or NULL if invalid; padding optional:
 * `size_t n; unsigned char *raw = edge_base64_decode(s, strlen(s), &n);` */
unsigned char *edge_base64_decode(const char *s, size_t len, size_t *out_len);
/* Percent-decoding; plus_as_space=1 for forms/query strings. Invalid %xx stays literal.
 * `char *path = edge_url_decode(edge_uri(ev), strlen(edge_uri(ev)), 0, NULL);` */
char *edge_url_decode(const char *s, size_t len, int plus_as_space, size_t *out_len);
/* Iterate `a=1&b=x+y` pairs (query strings, x-www-form-urlencoded bodies), decoded:
 *   const char *cur = body, *end = body + n; char *k, *v;
 *   while (edge_form_next(&cur, end, &k, &v)) edge_info("%s=%s", k, v); */
int edge_form_next(const char **cursor, const char *end, char **name, char **value);
/* An environment variable of the function (FunctionConfig.env / manifest env), or NULL:
 * `const char *creds = edge_env("EDGE_BASIC_AUTH");` */
const char *edge_env(const char *name);
/* Random numbers from WASI random_get: 32 bits / a double in [0, 1).
 * `if (edge_random() < 0.75) ...`, `bucket = edge_random_u32() % 100;` */
uint32_t edge_random_u32(void);
double edge_random(void);

#ifdef __cplusplus
}
/* C++: edge_fail(ev, fmt, ...) / edge_fail(fmt, ...) by overloading. */
#undef edge_fail
inline int edge_fail(const edge_event *ev, const char *fmt, ...) EDGE__PRINTF(2, 3);
inline int edge_fail(const char *fmt, ...) EDGE__PRINTF(1, 2);
inline int edge_fail(const edge_event *ev, const char *fmt, ...) {
    va_list ap;
    int rc;
    (void)ev;
    va_start(ap, fmt);
    rc = edge__vfail(fmt, ap);
    va_end(ap);
    return rc;
}
inline int edge_fail(const char *fmt, ...) {
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = edge__vfail(fmt, ap);
    va_end(ap);
    return rc;
}
#else
/* C: the first argument's type picks the form (C11 _Generic; accepted in C99 mode as an extension). */
#if defined(__GNUC__) || defined(__clang__)
#define EDGE__EXTENSION __extension__
#else
#define EDGE__EXTENSION
#endif
#define EDGE__FIRST(first, ...) first
#define EDGE__FAIL(...)                                                                                   \
    (EDGE__EXTENSION _Generic((EDGE__FIRST(__VA_ARGS__, 0)), edge_event *: edge__fail_event,              \
                              const edge_event *: edge__fail_event, default: edge__fail)(__VA_ARGS__))
#endif
#endif /* EDGE_H */

/* ======================================================================================
 * Implementation
 * ====================================================================================== */
#if defined(EDGE_IMPLEMENTATION) && !defined(EDGE__IMPLEMENTED)
#define EDGE__IMPLEMENTED

#include <stdlib.h> /* malloc, free, getenv */
#include <string.h> /* memcpy, memmove, memcmp, memset, strlen */
#ifdef EDGE_COMMAND
#include <unistd.h> /* read, write */
#endif

#ifndef EDGE_MAX_EVENT_BYTES
#define EDGE_MAX_EVENT_BYTES (4u * 1024u * 1024u)
#endif
#ifndef EDGE_MAX_MEMORY
#define EDGE_MAX_MEMORY (64u * 1024u * 1024u)
#endif
#ifndef EDGE_MAX_HEADER_BYTES
#define EDGE_MAX_HEADER_BYTES 20480u
#endif
#ifndef EDGE_MAX_HEADERS
#define EDGE_MAX_HEADERS 1024u
#endif
#ifndef EDGE_MAX_DEPTH
#define EDGE_MAX_DEPTH 64
#endif
#ifndef EDGE_STATIC_ARENA
#define EDGE_STATIC_ARENA 16384u
#endif
#ifndef EDGE_STATIC_EVENT
#define EDGE_STATIC_EVENT 16384u
#endif
#define EDGE__BLOCK 65536u          /* smallest arena block (malloc size, header included) */
#define EDGE__KEEP_INPUT (1u << 20) /* input buffers above this are not kept between invocations */
#define EDGE__MALLOC_SLACK 32u      /* malloc's own per-block overhead (zig libc: 16-byte header + a word) */

/* ---- DOM ------------------------------------------------------------------------- */

enum { EDGE__NULL, EDGE__FALSE, EDGE__TRUE, EDGE__NUM, EDGE__STR, EDGE__ARR, EDGE__OBJ };

/* EDGE__RAW: `raw` holds the node's JSON text exactly as edge__put_node would write it (the
 * event's own bytes, compact and escaped the way the SDK escapes) and nothing in it has changed,
 * so it is copied instead of written field by field. Cleared on the node and its ancestors by
 * any change (edge__touch); never set on nodes the SDK makes. If a node lacks it, so do all its
 * ancestors. */
#define EDGE__RAW 1u

typedef struct edge__node {
    uint8_t type;
    uint8_t flags; /* EDGE__RAW */
    uint32_t len;  /* STR / NUM: byte length */
    char *s;       /* STR: NUL-terminated text; NUM: raw JSON number text */
    char *key;     /* member name when inside an object (NUL-terminated) */
    uint32_t klen;
    uint32_t rawlen;          /* EDGE__RAW: length of raw */
    const char *raw;          /* EDGE__RAW: the value's text in the untouched event */
    struct edge__node *child; /* ARR / OBJ: first element / member */
    struct edge__node *next;  /* next sibling */
    struct edge__node *parent;
} edge__node;

/* The event is parsed on first need (edge__ready): `state` 0 = not yet, 1 = parsed and checked,
 * a negative code = it failed (the error is recorded and is the invocation's error). */
struct edge_event {
    edge__node *root, *cf, *config, *request, *response, *generated;
    edge_hook hook;
    int state;
    const char *input; /* the event as the host wrote it (never changed: EDGE__RAW text points here) */
    size_t input_len;
    const unsigned char *body;
    size_t body_len;
    int body_done;
};

#define EDGE__H(h) ((edge__node *)(h))
#define EDGE__CH(h) ((const edge__node *)(h))

/* ---- state ----------------------------------------------------------------------- */

typedef struct edge__block {
    struct edge__block *next;
    size_t size, used;
} edge__block;
#define EDGE__HDR ((sizeof(edge__block) + 15u) & ~(size_t)15u)

static edge__block *edge__blocks;
static size_t edge__arena_bytes;
static int edge__errcode;
static int edge__errsticky; /* the event could not be read: that error stays the invocation's error */
static char edge__errbuf[512];
static edge_event edge__ev;
static char *edge__in;
static size_t edge__in_cap;
#if EDGE_STATIC_ARENA > 0
/* The arena's first block and the event buffer below sit in the module's data, inside its
 * initial memory: malloc would grow linear memory on a fresh instance's first call. */
static unsigned char edge__static_arena[EDGE_STATIC_ARENA] __attribute__((aligned(16)));
#endif
#if EDGE_STATIC_EVENT > 0
static char edge__static_event[EDGE_STATIC_EVENT] __attribute__((aligned(16)));
#endif

/* ---- formatting (no printf) ------------------------------------------------------- */

static size_t edge__utoa(unsigned long long v, char *out, unsigned base) {
    char tmp[24];
    size_t n = 0, i;
    do {
        unsigned d = (unsigned)(v % base);
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    for (i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

static size_t edge__vfmt(char *buf, size_t cap, const char *fmt, va_list ap) {
    size_t n = 0;
    const char *f;
#define EDGE__OUT(ch)                       \
    do {                                    \
        if (n + 1 < cap) buf[n] = (char)(ch); \
        n++;                                \
    } while (0)
    for (f = fmt; *f; f++) {
        int prec = -1, lng = 0;
        if (*f != '%') {
            EDGE__OUT(*f);
            continue;
        }
        f++;
        if (f[0] == '.' && f[1] == '*') {
            prec = va_arg(ap, int);
            f += 2;
        }
        if (*f == 'l') {
            lng = 1;
            f++;
            if (*f == 'l') {
                lng = 2;
                f++;
            }
        } else if (*f == 'z') {
            lng = 3;
            f++;
        }
        switch (*f) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            int i;
            if (!s) s = "(null)";
            for (i = 0; (prec < 0 || i < prec) && s[i]; i++) EDGE__OUT(s[i]);
            break;
        }
        case 'd':
        case 'i': {
            long long v = lng == 2 ? va_arg(ap, long long)
                        : lng == 1 ? (long long)va_arg(ap, long)
                        : lng == 3 ? (long long)va_arg(ap, ptrdiff_t)
                                   : (long long)va_arg(ap, int);
            char tmp[24];
            size_t k, i;
            unsigned long long u = (unsigned long long)v;
            if (v < 0) {
                EDGE__OUT('-');
                u = 0ull - u;
            }
            k = edge__utoa(u, tmp, 10);
            for (i = 0; i < k; i++) EDGE__OUT(tmp[i]);
            break;
        }
        case 'u':
        case 'x': {
            unsigned long long v = lng == 2 ? va_arg(ap, unsigned long long)
                                 : lng == 1 ? (unsigned long long)va_arg(ap, unsigned long)
                                 : lng == 3 ? (unsigned long long)va_arg(ap, size_t)
                                            : (unsigned long long)va_arg(ap, unsigned);
            char tmp[24];
            size_t k = edge__utoa(v, tmp, *f == 'x' ? 16 : 10), i;
            for (i = 0; i < k; i++) EDGE__OUT(tmp[i]);
            break;
        }
        case 'c':
            EDGE__OUT(va_arg(ap, int));
            break;
        case '%':
            EDGE__OUT('%');
            break;
        case '\0':
            EDGE__OUT('%');
            f--;
            break;
        default:
            EDGE__OUT('%');
            EDGE__OUT(*f);
        }
    }
#undef EDGE__OUT
    if (cap) buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

static size_t edge__vfmt_buf(char *buf, size_t cap, const char *fmt, ...) EDGE__PRINTF(3, 4) __attribute__((unused));
static size_t edge__vfmt_buf(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    size_t n;
    va_start(ap, fmt);
    n = edge__vfmt(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- logging ----------------------------------------------------------------------- */

#ifdef EDGE_COMMAND
static void edge__emit(int level, const char *s, size_t len) {
    static const char *const prefix[4] = {"DEBUG: ", "INFO: ", "WARN: ", "ERROR: "};
    const char *p = prefix[level & 3];
    char *line = (char *)malloc(strlen(p) + len + 1);
    if (line) {
        size_t pl = strlen(p), off = 0;
        ssize_t w;
        memcpy(line, p, pl);
        memcpy(line + pl, s, len);
        line[pl + len] = '\n';
        while (off < pl + len + 1 && (w = write(2, line + off, pl + len + 1 - off)) > 0) off += (size_t)w;
        free(line);
    }
}
#else
__attribute__((import_module("edge"), import_name("log"))) void edge__host_log(int32_t level, const char *ptr,
                                                                                  size_t len);
static void edge__emit(int level, const char *s, size_t len) { edge__host_log(level, s, len); }
#endif

static int edge__set_error(int code, const char *fmt, ...) EDGE__PRINTF(2, 3);
static int edge__set_error(int code, const char *fmt, ...) {
    if (!edge__errcode) {
        va_list ap;
        edge__errcode = code;
        va_start(ap, fmt);
        edge__vfmt(edge__errbuf, sizeof edge__errbuf, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- arena ------------------------------------------------------------------------- */

static void edge__reset(void) {
    edge__block *b = edge__blocks;
    while (b) {
        edge__block *next = b->next;
#if EDGE_STATIC_ARENA > 0
        if ((unsigned char *)b != edge__static_arena)
#endif
            free(b);
        b = next;
    }
    edge__blocks = NULL;
    edge__arena_bytes = 0;
    edge__errcode = 0;
    edge__errsticky = 0;
    edge__errbuf[0] = '\0';
}

/* Blocks are sized so that, with the allocator's own overhead, they fill a power of
 * two exactly: wasm allocators such as zig's libc malloc round larger requests up to the
 * next power of two, so this wastes nothing and keeps the EDGE_MAX_MEMORY accounting honest. */
static size_t edge__pow2(size_t n) {
    size_t p = EDGE__BLOCK;
    while (p < n && p <= ((size_t)-1) / 2) p *= 2;
    return p;
}

static void *edge__alloc(size_t n) {
    edge__block *b = edge__blocks, *nb;
    size_t size;
    if (n > EDGE_MAX_MEMORY) goto oom;
    n = (n + 7u) & ~(size_t)7u;
    if (b && b->size - b->used >= n) {
        void *p = (char *)b + EDGE__HDR + b->used;
        b->used += n;
        return p;
    }
#if EDGE_STATIC_ARENA > 0
    if (!b && n + EDGE__HDR <= EDGE_STATIC_ARENA && EDGE_STATIC_ARENA <= EDGE_MAX_MEMORY) {
        nb = (edge__block *)edge__static_arena; /* the first block of every invocation, when it fits */
        edge__arena_bytes = EDGE_STATIC_ARENA;
        nb->size = EDGE_STATIC_ARENA - EDGE__HDR;
        nb->used = n;
        nb->next = NULL;
        edge__blocks = nb;
        return (char *)nb + EDGE__HDR;
    }
#endif
    size = edge__pow2(n + EDGE__HDR + EDGE__MALLOC_SLACK);
    if (edge__arena_bytes + size > EDGE_MAX_MEMORY) goto oom;
    nb = (edge__block *)malloc(size - EDGE__MALLOC_SLACK);
    if (!nb) goto oom;
    edge__arena_bytes += size;
    nb->size = size - EDGE__MALLOC_SLACK - EDGE__HDR;
    nb->used = n;
    if (b && nb->size - n < b->size - b->used) { /* the current block has more room left: keep filling it */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        edge__blocks = nb;
    }
    return (char *)nb + EDGE__HDR;
oom:
    edge__set_error(EDGE_ENOMEM, "out of memory: this invocation needs more than %u bytes of SDK memory (EDGE_MAX_MEMORY)",
                    (unsigned)EDGE_MAX_MEMORY);
    return NULL;
}

void *edge_arena_alloc(size_t n) { return edge__alloc(n ? n : 1); }

static char *edge__strndup(const char *s, size_t len) {
    char *p = (char *)edge__alloc(len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

static char *edge__vfmt_alloc(const char *fmt, va_list ap) {
    va_list ap2;
    size_t n;
    char *buf;
    va_copy(ap2, ap);
    n = edge__vfmt(NULL, 0, fmt, ap2);
    va_end(ap2);
    buf = (char *)edge__alloc(n + 1);
    if (buf) edge__vfmt(buf, n + 1, fmt, ap);
    return buf;
}

char *edge_fmt(const char *fmt, ...) {
    va_list ap;
    char *s;
    va_start(ap, fmt);
    s = edge__vfmt_alloc(fmt, ap);
    va_end(ap);
    return s;
}

void edge_log(edge_level level, const char *message) {
    if (!message) message = "(null)";
    edge__emit((int)level & 3, message, strlen(message));
}

static void edge__vlog(int level, const char *fmt, va_list ap) {
    va_list ap2;
    char small[256];
    size_t n;
    va_copy(ap2, ap);
    n = edge__vfmt(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < sizeof small) {
        edge__emit(level, small, n);
    } else {
        char *buf = (char *)edge__alloc(n + 1);
        if (buf) {
            edge__vfmt(buf, n + 1, fmt, ap);
            edge__emit(level, buf, n);
        } else {
            edge__emit(level, small, sizeof small - 1); /* truncated rather than lost */
        }
    }
}

void edge_logf(edge_level level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    edge__vlog((int)level & 3, fmt, ap);
    va_end(ap);
}
#define EDGE__LOGFN(name, level)          \
    void name(const char *fmt, ...) {     \
        va_list ap;                       \
        va_start(ap, fmt);                \
        edge__vlog(level, fmt, ap);       \
        va_end(ap);                       \
    }
EDGE__LOGFN(edge_debug, EDGE_DEBUG)
EDGE__LOGFN(edge_info, EDGE_INFO)
EDGE__LOGFN(edge_warn, EDGE_WARN)
EDGE__LOGFN(edge_error, EDGE_ERROR)
#undef EDGE__LOGFN

/* edge_fail's message becomes the invocation's error: it is logged last, at ERROR, when
 * edge_main returns (the host reports that line). An error recorded earlier (a setter's)
 * is logged now, so it is not lost. */
int edge__vfail(const char *fmt, va_list ap) {
    if (edge__errsticky) { /* the event could not be read: its error stays the last line; log this one now */
        edge__vlog(EDGE_ERROR, fmt ? fmt : "(null)", ap);
        return EDGE_EFAIL;
    }
    if (edge__errcode) edge__emit(EDGE_ERROR, edge__errbuf, strlen(edge__errbuf));
    edge__errcode = EDGE_EFAIL;
    edge__vfmt(edge__errbuf, sizeof edge__errbuf, fmt ? fmt : "(null)", ap);
    return EDGE_EFAIL;
}

int edge__fail(const char *fmt, ...) {
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = edge__vfail(fmt, ap);
    va_end(ap);
    return rc;
}

int edge__fail_event(const edge_event *ev, const char *fmt, ...) {
    va_list ap;
    int rc;
    (void)ev; /* the message is the invocation's; ev is taken so failing reads like the other calls */
    va_start(ap, fmt);
    rc = edge__vfail(fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- eight bytes at a time -----------------------------------------------------------
 * Masks with the high bit set in the bytes that match; the lowest set bit is always a true
 * match (later ones may not be), so edge__first8 finds the first matching byte. */

#define EDGE__ONES 0x0101010101010101ull
#define EDGE__HIGH 0x8080808080808080ull

static uint64_t edge__load8(const char *p) {
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}
static uint64_t edge__eq8(uint64_t x, unsigned char c) { /* bytes equal to c */
    uint64_t v = x ^ (EDGE__ONES * c);
    return (v - EDGE__ONES) & ~v & EDGE__HIGH;
}
static uint64_t edge__ctl8(uint64_t x) { return (x - EDGE__ONES * 0x20) & ~x & EDGE__HIGH; } /* bytes < 0x20 */
static size_t edge__first8(uint64_t m) { return (size_t)__builtin_ctzll(m) >> 3; }          /* little-endian */

/* Bytes a JSON string must escape ('"', '\\', controls). */
static uint64_t edge__esc8(uint64_t x) { return edge__ctl8(x) | edge__eq8(x, '"') | edge__eq8(x, '\\'); }

/* ---- UTF-8 ------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (0 if invalid): no overlongs, surrogates or > U+10FFFF. */
static size_t edge__utf8_seq(const unsigned char *s, const unsigned char *end) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c < 0xC2 || c > 0xF4) return 0;
    if (c < 0xE0) return (end - s >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (end - s < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && s[1] < 0xA0) return 0;
        if (c == 0xED && s[1] >= 0xA0) return 0;
        return 3;
    }
    if (end - s < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;
    if (c == 0xF4 && s[1] >= 0x90) return 0;
    return 4;
}

int edge_utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    if (!s) return len == 0;
    while (p < end) {
        size_t k;
        if (end - p >= 8) {
            uint64_t high = edge__load8((const char *)p) & EDGE__HIGH;
            if (!high) {
                p += 8;
                continue;
            }
            p += edge__first8(high);
        }
        if (*p < 0x80) {
            p++;
            continue;
        }
        k = edge__utf8_seq(p, end);
        if (!k) return 0;
        p += k;
    }
    return 1;
}

/* ---- JSON parsing (in place: strings are decoded into a copy of the event) ------------ */

typedef struct {
    char *p, *end, *start;
    const char *raw; /* the untouched event: the text at the same offset as start */
    int depth;
} edge__parser;

static edge__node *edge__new(uint8_t type) {
    edge__node *n = (edge__node *)edge__alloc(sizeof *n);
    if (n) {
        memset(n, 0, sizeof *n);
        n->type = type;
    }
    return n;
}

static int edge__perr(edge__parser *ps, const char *what) {
    return edge__set_error(EDGE_EJSON, "event is not valid JSON: %s at byte %zu", what, (size_t)(ps->p - ps->start));
}

static int edge__isws(char c) { return (unsigned char)c <= ' ' && (c == ' ' || c == '\t' || c == '\n' || c == '\r'); }

/* Skips whitespace; returns 1 if there was any (the text is then not what the SDK writes). */
static int edge__ws_run(edge__parser *ps) {
    char *p = ps->p;
    while (ps->p < ps->end && edge__isws(*ps->p)) ps->p++;
    return ps->p != p;
}
#define edge__ws(ps) ((ps)->p < (ps)->end && edge__isws(*(ps)->p) ? edge__ws_run(ps) : 0)

static int edge__hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int edge__hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        int d = edge__hexval(p[i]);
        if (d < 0) return 0;
        v = (v << 4) | (unsigned)d;
    }
    *out = v;
    return 1;
}

static size_t edge__put_utf8(char *w, unsigned cp) {
    if (cp < 0x80) {
        w[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        w[0] = (char)(0xC0 | (cp >> 6));
        w[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        w[0] = (char)(0xE0 | (cp >> 12));
        w[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        w[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    w[0] = (char)(0xF0 | (cp >> 18));
    w[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    w[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    w[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* \uXXXX (hex at h, read before decoding overwrites it) is how edge__put_str writes code point cp. */
static int edge__canonical_u(const char *h, unsigned cp) {
    return cp < 0x20 && cp != '\b' && cp != '\f' && cp != '\n' && cp != '\r' && cp != '\t' &&
           !(h[3] >= 'A' && h[3] <= 'F');
}

/* ps->p is at the opening quote. On success *out and *len hold the decoded, NUL-terminated string;
 * *canon is cleared if the string's JSON text is not what edge__put_str would write for it. */
static int edge__parse_string(edge__parser *ps, char **out, uint32_t *len, int *canon) {
    char *r = ps->p + 1, *w = r, *start = r, *end = ps->end;
    for (;;) {
        unsigned char c;
        if (w == r && end - r >= 8) { /* skip plain ASCII: nothing to decode or check */
            uint64_t x = edge__load8(r), m = edge__esc8(x) | (x & EDGE__HIGH);
            if (!m) {
                r = w = r + 8;
                continue;
            }
            r = w = r + edge__first8(m);
        }
        if (r >= end) {
            ps->p = r;
            return edge__perr(ps, "unterminated string");
        }
        c = (unsigned char)*r;
        if (c == '"') {
            *w = '\0'; /* w <= r: overwrites at most the closing quote */
            ps->p = r + 1;
            *out = start;
            *len = (uint32_t)(w - start);
            return 0;
        }
        if (c == '\\') {
            char e;
            unsigned cp = 0;
            if (r + 1 >= end) {
                ps->p = r;
                return edge__perr(ps, "unterminated string");
            }
            e = r[1];
            r += 2;
            if (e == '/') *canon = 0; /* edge__put_str writes '/' as it is */
            switch (e) {
            case '"': *w++ = '"'; break;
            case '\\': *w++ = '\\'; break;
            case '/': *w++ = '/'; break;
            case 'b': *w++ = '\b'; break;
            case 'f': *w++ = '\f'; break;
            case 'n': *w++ = '\n'; break;
            case 'r': *w++ = '\r'; break;
            case 't': *w++ = '\t'; break;
            case 'u': {
                unsigned lo;
                if (end - r < 4 || !edge__hex4(r, &cp)) {
                    ps->p = r - 2;
                    return edge__perr(ps, "invalid \\u escape");
                }
                if (*canon && !edge__canonical_u(r, cp)) *canon = 0;
                r += 4;
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    ps->p = r - 6;
                    return edge__set_error(EDGE_EUTF8, "event is not valid UTF-8: lone surrogate escape at byte %zu",
                                           (size_t)(ps->p - ps->start));
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (end - r < 6 || r[0] != '\\' || r[1] != 'u' || !edge__hex4(r + 2, &lo) || lo < 0xDC00 ||
                        lo > 0xDFFF) {
                        ps->p = r - 6;
                        return edge__set_error(EDGE_EUTF8,
                                               "event is not valid UTF-8: lone surrogate escape at byte %zu",
                                               (size_t)(ps->p - ps->start));
                    }
                    r += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                w += edge__put_utf8(w, cp);
                break;
            }
            default:
                ps->p = r - 2;
                return edge__perr(ps, "invalid escape in string");
            }
            continue;
        }
        if (c < 0x20) {
            ps->p = r;
            return edge__perr(ps, "unescaped control character in string");
        }
        if (c < 0x80) {
            *w++ = (char)c;
            r++;
        } else {
            size_t k = edge__utf8_seq((const unsigned char *)r, (const unsigned char *)end);
            if (!k) {
                ps->p = r;
                return edge__set_error(EDGE_EUTF8, "event is not valid UTF-8: bad byte 0x%x at byte %zu", c,
                                       (size_t)(r - ps->start));
            }
            if (w != r) memmove(w, r, k);
            w += k;
            r += k;
        }
    }
}

static int edge__isdigit(char c) { return c >= '0' && c <= '9'; }

static edge__node *edge__parse_value(edge__parser *ps);

static edge__node *edge__parse_container(edge__parser *ps, int is_obj) {
    edge__node *n = edge__new(is_obj ? EDGE__OBJ : EDGE__ARR), *tail = NULL;
    char close = is_obj ? '}' : ']';
    int canon = 1;
    if (!n) return NULL;
    if (++ps->depth > EDGE_MAX_DEPTH) {
        edge__set_error(EDGE_EJSON, "event is not valid JSON: nested deeper than %d levels at byte %zu", EDGE_MAX_DEPTH,
                        (size_t)(ps->p - ps->start));
        return NULL;
    }
    ps->p++; /* [ or { */
    if (edge__ws(ps)) canon = 0;
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        n->flags = canon ? EDGE__RAW : 0;
        return n;
    }
    for (;;) {
        edge__node *v;
        char *key = NULL;
        uint32_t klen = 0;
        if (is_obj) {
            if (ps->p >= ps->end || *ps->p != '"') {
                edge__perr(ps, "expected a string key");
                return NULL;
            }
            if (edge__parse_string(ps, &key, &klen, &canon)) return NULL;
            if (edge__ws(ps)) canon = 0;
            if (ps->p >= ps->end || *ps->p != ':') {
                edge__perr(ps, "expected ':'");
                return NULL;
            }
            ps->p++;
            if (edge__ws(ps)) canon = 0;
        }
        v = edge__parse_value(ps);
        if (!v) return NULL;
        if (!(v->flags & EDGE__RAW)) canon = 0;
        v->key = key;
        v->klen = klen;
        v->parent = n;
        if (tail) tail->next = v;
        else n->child = v;
        tail = v;
        if (edge__ws(ps)) canon = 0;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            if (edge__ws(ps)) canon = 0;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            n->flags = canon ? EDGE__RAW : 0;
            return n;
        }
        edge__perr(ps, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
        return NULL;
    }
}

static edge__node *edge__parse_scalar(edge__parser *ps) {
    edge__node *n;
    char c;
    if (ps->p >= ps->end) {
        edge__perr(ps, "unexpected end of input");
        return NULL;
    }
    c = *ps->p;
    if (c == '{' || c == '[') return edge__parse_container(ps, c == '{');
    if (c == '"') {
        int canon = 1;
        n = edge__new(EDGE__STR);
        if (!n || edge__parse_string(ps, &n->s, &n->len, &canon)) return NULL;
        n->flags = canon ? EDGE__RAW : 0;
        return n;
    }
    if (c == '-' || edge__isdigit(c)) {
        char *s = ps->p, *p = ps->p;
        if (*p == '-') p++;
        if (p >= ps->end || !edge__isdigit(*p)) goto bad_number;
        if (*p == '0') p++;
        else
            while (p < ps->end && edge__isdigit(*p)) p++;
        if (p < ps->end && *p == '.') {
            p++;
            if (p >= ps->end || !edge__isdigit(*p)) goto bad_number;
            while (p < ps->end && edge__isdigit(*p)) p++;
        }
        if (p < ps->end && (*p == 'e' || *p == 'E')) {
            p++;
            if (p < ps->end && (*p == '+' || *p == '-')) p++;
            if (p >= ps->end || !edge__isdigit(*p)) goto bad_number;
            while (p < ps->end && edge__isdigit(*p)) p++;
        }
        n = edge__new(EDGE__NUM);
        if (!n) return NULL;
        n->s = s;
        n->len = (uint32_t)(p - s);
        n->flags = EDGE__RAW;
        ps->p = p;
        return n;
    bad_number:
        ps->p = p;
        edge__perr(ps, "invalid number");
        return NULL;
    }
    if (ps->end - ps->p >= 4 && memcmp(ps->p, "true", 4) == 0) {
        ps->p += 4;
        n = edge__new(EDGE__TRUE);
    } else if (ps->end - ps->p >= 5 && memcmp(ps->p, "false", 5) == 0) {
        ps->p += 5;
        n = edge__new(EDGE__FALSE);
    } else if (ps->end - ps->p >= 4 && memcmp(ps->p, "null", 4) == 0) {
        ps->p += 4;
        n = edge__new(EDGE__NULL);
    } else {
        if ((unsigned char)c >= 0x80 && !edge__utf8_seq((const unsigned char *)ps->p, (const unsigned char *)ps->end)) {
            edge__set_error(EDGE_EUTF8, "event is not valid UTF-8: bad byte 0x%x at byte %zu", (unsigned char)c,
                            (size_t)(ps->p - ps->start));
            return NULL;
        }
        edge__perr(ps, "unexpected character");
        return NULL;
    }
    if (n) n->flags = EDGE__RAW;
    return n;
}

/* A value, with its text in the untouched event (numbers keep theirs even when written back). */
static edge__node *edge__parse_value(edge__parser *ps) {
    char *at = ps->p;
    edge__node *n = edge__parse_scalar(ps);
    if (n) {
        n->raw = ps->raw + (at - ps->start);
        n->rawlen = (uint32_t)(ps->p - at);
    }
    return n;
}

/* ---- JSON writing ------------------------------------------------------------------ */

typedef struct {
    char *buf;  /* the output; past cap, only counts */
    size_t cap; /* bytes of buf */
    size_t n;   /* bytes written (or, past cap, needed) */
} edge__writer;

static void edge__put(edge__writer *w, const char *s, size_t len) {
    if (w->n <= w->cap && len <= w->cap - w->n) memcpy(w->buf + w->n, s, len);
    w->n += len;
}

static void edge__put_str(edge__writer *w, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;
    edge__put(w, "\"", 1);
    for (; i < len; i++) {
        unsigned char c;
        char esc[6];
        size_t elen = 2;
        if (len - i >= 8) {
            uint64_t m = edge__esc8(edge__load8(s + i));
            if (!m) {
                i += 7;
                continue;
            }
            i += edge__first8(m);
        }
        c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        if (i > run) edge__put(w, s + run, i - run);
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        edge__put(w, esc, elen);
        run = i + 1;
    }
    if (len > run) edge__put(w, s + run, len - run);
    edge__put(w, "\"", 1);
}

static void edge__put_node(edge__writer *w, const edge__node *n) {
    const edge__node *c;
    if (n->flags & EDGE__RAW) { /* untouched: the event's own text is exactly what would be written */
        edge__put(w, n->raw, n->rawlen);
        return;
    }
    switch (n->type) {
    case EDGE__NULL: edge__put(w, "null", 4); break;
    case EDGE__FALSE: edge__put(w, "false", 5); break;
    case EDGE__TRUE: edge__put(w, "true", 4); break;
    case EDGE__NUM: edge__put(w, n->s, n->len); break;
    case EDGE__STR: edge__put_str(w, n->s, n->len); break;
    case EDGE__ARR:
    case EDGE__OBJ:
        edge__put(w, n->type == EDGE__OBJ ? "{" : "[", 1);
        for (c = n->child; c; c = c->next) {
            if (c != n->child) edge__put(w, ",", 1);
            if (n->type == EDGE__OBJ) {
                edge__put_str(w, c->key, c->klen);
                edge__put(w, ":", 1);
            }
            edge__put_node(w, c);
        }
        edge__put(w, n->type == EDGE__OBJ ? "}" : "]", 1);
        break;
    }
}

/* ---- DOM helpers ------------------------------------------------------------------- */

/* n (a node of the event, or one the SDK made) changes: it and its ancestors are written field by field. */
static void edge__touch(edge__node *n) {
    for (; n && (n->flags & EDGE__RAW); n = n->parent) n->flags &= (uint8_t)~EDGE__RAW;
}

static edge__node *edge__get(const edge__node *obj, const char *key) {
    edge__node *c;
    size_t klen;
    if (!obj || obj->type != EDGE__OBJ) return NULL;
    klen = strlen(key);
    for (c = obj->child; c; c = c->next)
        if (c->klen == klen && memcmp(c->key, key, klen) == 0) return c;
    return NULL;
}

static const char *edge__get_str(const edge__node *obj, const char *key) {
    edge__node *n = edge__get(obj, key);
    return n && n->type == EDGE__STR ? n->s : NULL;
}

static edge__node *edge__new_str(const char *s, size_t len) {
    edge__node *n = edge__new(EDGE__STR);
    if (!n) return NULL;
    n->s = edge__strndup(s, len);
    if (!n->s) return NULL;
    n->len = (uint32_t)len;
    return n;
}

/* Put key -> val into obj: replaces an existing member in place, else appends. */
static int edge__obj_put(edge__node *obj, const char *key, size_t klen, edge__node *val) {
    edge__node *c, *prev = NULL;
    if (!obj || !val) return EDGE_ENOMEM;
    val->key = edge__strndup(key, klen);
    if (!val->key) return EDGE_ENOMEM;
    val->klen = (uint32_t)klen;
    val->parent = obj;
    edge__touch(obj);
    for (c = obj->child; c; prev = c, c = c->next) {
        if (c->klen == klen && memcmp(c->key, key, klen) == 0) {
            val->next = c->next;
            if (prev) prev->next = val;
            else obj->child = val;
            return EDGE_OK;
        }
    }
    val->next = NULL;
    if (prev) prev->next = val;
    else obj->child = val;
    return EDGE_OK;
}

static int edge__obj_put_str(edge__node *obj, const char *key, const char *s, size_t len) {
    return edge__obj_put(obj, key, strlen(key), edge__new_str(s, len));
}

static void edge__obj_del(edge__node *obj, const char *key) {
    edge__node *c, *prev = NULL;
    size_t klen = strlen(key);
    if (!obj) return;
    for (c = obj->child; c; prev = c, c = c->next) {
        if (c->klen == klen && memcmp(c->key, key, klen) == 0) {
            if (prev) prev->next = c->next;
            else obj->child = c->next;
            edge__touch(obj);
            return;
        }
    }
}

static const char *edge__clip(const char *s) { return s ? s : "(null)"; }

/* Validate a caller-supplied string: non-NULL, UTF-8, and (if ctl) without control characters. */
static int edge__check_arg(const char *fn, const char *what, const char *s, int forbid_ctl, int allow_tab) {
    size_t i, len;
    if (!s) return edge__set_error(EDGE_EARG, "%s: %s is NULL", fn, what);
    len = strlen(s);
    if (!edge_utf8_valid(s, len)) return edge__set_error(EDGE_EARG, "%s: %s is not valid UTF-8", fn, what);
    if (forbid_ctl)
        for (i = 0; i < len; i++) {
            unsigned char c;
            if (len - i >= 8) {
                uint64_t x = edge__load8(s + i), m = edge__ctl8(x) | edge__eq8(x, 0x7F);
                if (!m) {
                    i += 7;
                    continue;
                }
                i += edge__first8(m);
            }
            c = (unsigned char)s[i];
            if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7F)
                return edge__set_error(EDGE_EARG, "%s: %s contains control character 0x%x at byte %zu", fn, what, c, i);
        }
    return EDGE_OK;
}

/* ---- event binding and validation --------------------------------------------------- */

static int edge__want(edge__node *parent, const char *key, int type, const char *path, edge__node **out,
                      int required) {
    static const char *const names[] = {"null", "a boolean", "a boolean", "a number", "a string", "an array", "an object"};
    edge__node *n = edge__get(parent, key);
    *out = NULL;
    if (!n) {
        if (!required) return EDGE_OK;
        return edge__set_error(EDGE_EEVENT, "invalid event: %s.%s is missing", path, key);
    }
    if (n->type != type && !(type == EDGE__TRUE && n->type == EDGE__FALSE))
        return edge__set_error(EDGE_EEVENT, "invalid event: %s.%s must be %s", path, key, names[type]);
    *out = n;
    return EDGE_OK;
}

static int edge__check_headers(edge__node *h, const char *path) {
    edge__node *m, *e;
    size_t count = 0;
    if (!h) return EDGE_OK;
    if (h->type != EDGE__OBJ) return edge__set_error(EDGE_EEVENT, "invalid event: %s must be an object", path);
    for (m = h->child; m; m = m->next) {
        size_t i = 0;
        int nl = m->klen > 64 ? 64 : (int)m->klen;
        if (m->klen > EDGE_MAX_HEADER_BYTES)
            return edge__set_error(EDGE_ETOOBIG,
                                   "event too large: %s has a header name of %u bytes, above the SDK's %u-byte limit "
                                   "(EDGE_MAX_HEADER_BYTES)",
                                   path, (unsigned)m->klen, (unsigned)EDGE_MAX_HEADER_BYTES);
        if (m->type != EDGE__ARR)
            return edge__set_error(EDGE_EEVENT, "invalid event: %s[\"%.*s\"] must be an array of {key, value} objects",
                                   path, nl, m->key);
        for (e = m->child; e; e = e->next, i++) {
            edge__node *v = edge__get(e, "value"), *k = edge__get(e, "key");
            if (e->type != EDGE__OBJ || !v || v->type != EDGE__STR)
                return edge__set_error(EDGE_EEVENT, "invalid event: %s[\"%.*s\"][%zu] must be an object with a string value",
                                       path, nl, m->key, i);
            if (k && k->type != EDGE__STR)
                return edge__set_error(EDGE_EEVENT, "invalid event: %s[\"%.*s\"][%zu].key must be a string", path, nl,
                                       m->key, i);
            if (v->len > EDGE_MAX_HEADER_BYTES)
                return edge__set_error(EDGE_ETOOBIG,
                                       "event too large: %s[\"%.*s\"][%zu].value is %u bytes, above the SDK's %u-byte "
                                       "limit (EDGE_MAX_HEADER_BYTES)",
                                       path, nl, m->key, i, (unsigned)v->len, (unsigned)EDGE_MAX_HEADER_BYTES);
            if (++count > EDGE_MAX_HEADERS)
                return edge__set_error(EDGE_ETOOBIG,
                                       "event too large: %s has more than %u header lines (EDGE_MAX_HEADERS)", path,
                                       (unsigned)EDGE_MAX_HEADERS);
        }
    }
    return EDGE_OK;
}

static int edge__bind(edge_event *ev, edge__node *root) {
    static const char *const hooks[] = {"viewer-request", "origin-request", "origin-response", "viewer-response"};
    edge__node *records, *rec, *n, *body, *origin;
    const char *rp = "Records[0].cf.request";
    int i;
    if (root->type != EDGE__OBJ) return edge__set_error(EDGE_EEVENT, "invalid event: the event must be a JSON object");
    if (edge__want(root, "Records", EDGE__ARR, "event", &records, 1)) return edge__errcode;
    rec = records->child;
    if (!rec) return edge__set_error(EDGE_EEVENT, "invalid event: event.Records is empty");
    if (rec->type != EDGE__OBJ) return edge__set_error(EDGE_EEVENT, "invalid event: Records[0] must be an object");
    if (edge__want(rec, "cf", EDGE__OBJ, "Records[0]", &ev->cf, 1)) return edge__errcode;
    if (edge__want(ev->cf, "config", EDGE__OBJ, "Records[0].cf", &ev->config, 1)) return edge__errcode;
    if (edge__want(ev->config, "eventType", EDGE__STR, "Records[0].cf.config", &n, 1)) return edge__errcode;
    for (i = 0; i < 4; i++)
        if (strcmp(n->s, hooks[i]) == 0) ev->hook = (edge_hook)(i + 1);
    if (!ev->hook)
        return edge__set_error(EDGE_EEVENT,
                               "invalid event: Records[0].cf.config.eventType \"%.*s\" is not one of viewer-request, "
                               "origin-request, origin-response, viewer-response",
                               64, n->s);
    if (edge__want(ev->cf, "request", EDGE__OBJ, "Records[0].cf", &ev->request, 1)) return edge__errcode;
    if (edge__want(ev->request, "uri", EDGE__STR, rp, &n, 1) ||
        edge__want(ev->request, "method", EDGE__STR, rp, &n, 1) ||
        edge__want(ev->request, "querystring", EDGE__STR, rp, &n, 1) ||
        edge__want(ev->request, "clientIp", EDGE__STR, rp, &n, 1) ||
        edge__want(ev->request, "headers", EDGE__OBJ, rp, &n, 1))
        return edge__errcode;
    if (edge__check_headers(n, "Records[0].cf.request.headers")) return edge__errcode;
    if (edge__want(ev->request, "body", EDGE__OBJ, rp, &body, 0)) return edge__errcode;
    if (body) {
        if (edge__want(body, "data", EDGE__STR, "Records[0].cf.request.body", &n, 1) ||
            edge__want(body, "encoding", EDGE__STR, "Records[0].cf.request.body", &n, 0) ||
            edge__want(body, "inputTruncated", EDGE__TRUE, "Records[0].cf.request.body", &n, 0))
            return edge__errcode;
    }
    if (edge__want(ev->request, "origin", EDGE__OBJ, rp, &origin, 0)) return edge__errcode;
    if (origin) {
        edge__node *kind;
        if (edge__want(origin, "custom", EDGE__OBJ, "Records[0].cf.request.origin", &kind, 0)) return edge__errcode;
        if (kind && (edge__want(kind, "customHeaders", EDGE__OBJ, "Records[0].cf.request.origin.custom", &n, 0) ||
                     edge__check_headers(n, "Records[0].cf.request.origin.custom.customHeaders")))
            return edge__errcode;
        if (edge__want(origin, "s3", EDGE__OBJ, "Records[0].cf.request.origin", &kind, 0)) return edge__errcode;
        if (kind && (edge__want(kind, "customHeaders", EDGE__OBJ, "Records[0].cf.request.origin.s3", &n, 0) ||
                     edge__check_headers(n, "Records[0].cf.request.origin.s3.customHeaders")))
            return edge__errcode;
    }
    if (ev->hook == EDGE_ORIGIN_RESPONSE || ev->hook == EDGE_VIEWER_RESPONSE) {
        const char *sp = "Records[0].cf.response";
        if (edge__want(ev->cf, "response", EDGE__OBJ, "Records[0].cf", &ev->response, 1)) return edge__errcode;
        n = edge__get(ev->response, "status");
        if (!n) return edge__set_error(EDGE_EEVENT, "invalid event: %s.status is missing", sp);
        if (n->type != EDGE__STR && n->type != EDGE__NUM)
            return edge__set_error(EDGE_EEVENT, "invalid event: %s.status must be a string", sp);
        if (edge__want(ev->response, "statusDescription", EDGE__STR, sp, &n, 0) ||
            edge__want(ev->response, "headers", EDGE__OBJ, sp, &n, 1) ||
            edge__check_headers(n, "Records[0].cf.response.headers"))
            return edge__errcode;
    }
    ev->root = root;
    return EDGE_OK;
}

/* ---- reading the event on first need ------------------------------------------------- */

/* Parses and checks the whole event, the first time something needs it (edge__ready). A
 * failure is the invocation's error from then on (edge__errsticky), whatever edge_main does. */
static int edge__load(edge_event *ev) {
    edge__parser ps;
    edge__node *root;
    char *work, prior[sizeof edge__errbuf];
    int prior_code = edge__errcode;
    if (ev->state) return ev->state;
    ev->state = EDGE_EJSON; /* never re-entered */
    if (prior_code) { /* an SDK call failed before the event was read: it stands unless the event fails */
        memcpy(prior, edge__errbuf, sizeof prior);
        edge__errcode = 0;
    }
    work = (char *)edge__alloc(ev->input_len + 1); /* parsed in place; the host's copy stays as it was */
    if (!work) goto fail;
    memcpy(work, ev->input, ev->input_len);
    ps.p = ps.start = work;
    ps.end = work + ev->input_len;
    ps.raw = ev->input;
    ps.depth = 0;
    edge__ws(&ps);
    if (ps.p >= ps.end) {
        edge__set_error(EDGE_EJSON, "event is not valid JSON: the event is empty");
        goto fail;
    }
    root = edge__parse_value(&ps);
    if (!root) goto fail;
    edge__ws(&ps);
    if (ps.p < ps.end) {
        edge__perr(&ps, "unexpected data after the JSON value");
        goto fail;
    }
    if (edge__bind(ev, root)) goto fail;
    ev->state = 1;
    if (prior_code) {
        edge__errcode = prior_code;
        memcpy(edge__errbuf, prior, sizeof prior);
    }
    return 1;
fail:
    if (prior_code) edge__emit(EDGE_ERROR, prior, strlen(prior));
    ev->state = edge__errcode ? edge__errcode : EDGE_ENOMEM;
    edge__errsticky = 1;
    return ev->state;
}

/* 1 if the event is parsed and checked (parsing it now if needed); 0 if it cannot be read. */
static int edge__ready(const edge_event *ev) {
    if (!ev) return 0;
    if (!ev->state) edge__load((edge_event *)ev); /* ev is always &edge__ev, which is not const */
    return ev->state > 0;
}

/* ---- the hook without reading the event --------------------------------------------------
 * A function that only needs the hook (edge_respond checks it) gets it from a scan of the
 * event's first bytes: Records[0].cf.config.eventType comes first in the events the host
 * builds. The scan is not a check: anything unexpected on the way (a name with an escape, a
 * missing field, a value of the wrong type) hands over to the full parse, which reports it. */

typedef struct {
    const char *p, *end;
} edge__scan;

static void edge__scan_ws(edge__scan *s) {
    while (s->p < s->end && edge__isws(*s->p)) s->p++;
}

/* At a quote: the string's text if it has no escape (else 0). */
static int edge__scan_str(edge__scan *s, const char **text, size_t *len) {
    const char *q = s->p + 1;
    while (s->end - q >= 8) {
        uint64_t x = edge__load8(q), m = edge__eq8(x, '"') | edge__eq8(x, '\\');
        if (m) {
            q += edge__first8(m);
            break;
        }
        q += 8;
    }
    while (q < s->end && *q != '"' && *q != '\\') q++;
    if (q >= s->end || *q != '"') return 0;
    *text = s->p + 1;
    *len = (size_t)(q - *text);
    s->p = q + 1;
    return 1;
}

/* Skips one value; 0 if the input ends first. */
static int edge__scan_skip(edge__scan *s) {
    int depth = 0;
    edge__scan_ws(s);
    for (;;) {
        char c;
        if (s->p >= s->end) return 0;
        c = *s->p;
        if (c == '"') {
            for (s->p++; s->p < s->end && *s->p != '"'; s->p++) {
                if (s->end - s->p >= 8) {
                    uint64_t x = edge__load8(s->p), m = edge__eq8(x, '"') | edge__eq8(x, '\\');
                    if (!m) {
                        s->p += 7;
                        continue;
                    }
                    s->p += edge__first8(m);
                    if (*s->p == '"') break;
                }
                if (*s->p == '\\') s->p++;
            }
            if (s->p >= s->end) return 0;
            s->p++;
        } else if (c == '{' || c == '[') {
            depth++;
            s->p++;
            continue;
        } else if (c == '}' || c == ']') {
            if (--depth < 0) return 0;
            s->p++;
        } else if (depth == 0) {
            while (s->p < s->end && !edge__isws(*s->p) && *s->p != ',' && *s->p != '}' && *s->p != ']') s->p++;
        } else {
            s->p++;
        }
        if (depth == 0) return 1;
    }
}

/* At an object: moves to the value of its first member called `key`. */
static int edge__scan_member(edge__scan *s, const char *key) {
    size_t klen = strlen(key);
    edge__scan_ws(s);
    if (s->p >= s->end || *s->p != '{') return 0;
    s->p++;
    for (;;) {
        const char *name;
        size_t len;
        edge__scan_ws(s);
        if (s->p >= s->end || *s->p != '"' || !edge__scan_str(s, &name, &len)) return 0;
        edge__scan_ws(s);
        if (s->p >= s->end || *s->p != ':') return 0;
        s->p++;
        edge__scan_ws(s);
        if (len == klen && memcmp(name, key, klen) == 0) return 1;
        if (!edge__scan_skip(s)) return 0;
        edge__scan_ws(s);
        if (s->p >= s->end || *s->p != ',') return 0;
        s->p++;
    }
}

static const char *const edge__hook_names[] = {"viewer-request", "origin-request", "origin-response",
                                               "viewer-response"};

static edge_hook edge__scan_hook(const char *p, size_t n) {
    edge__scan s;
    const char *t;
    size_t len;
    int i;
    s.p = p;
    s.end = p + n;
    if (!edge__scan_member(&s, "Records") || s.p >= s.end || *s.p != '[') return (edge_hook)0;
    s.p++;
    if (!edge__scan_member(&s, "cf") || !edge__scan_member(&s, "config") || !edge__scan_member(&s, "eventType") ||
        s.p >= s.end || *s.p != '"' || !edge__scan_str(&s, &t, &len))
        return (edge_hook)0;
    for (i = 0; i < 4; i++)
        if (strlen(edge__hook_names[i]) == len && memcmp(t, edge__hook_names[i], len) == 0) return (edge_hook)(i + 1);
    return (edge_hook)0;
}

static edge_hook edge__hook_of(const edge_event *cev) {
    edge_event *ev = (edge_event *)cev; /* always &edge__ev */
    if (!ev) return (edge_hook)0;
    if (!ev->hook && !ev->state) {
        ev->hook = edge__scan_hook(ev->input, ev->input_len);
        if (!ev->hook) edge__load(ev);
    }
    return ev->state < 0 ? (edge_hook)0 : ev->hook;
}

/* ---- event accessors --------------------------------------------------------------- */

edge_hook edge_event_type(const edge_event *ev) { return edge__hook_of(ev); }

const char *edge_event_type_name(const edge_event *ev) {
    edge_hook h = edge__hook_of(ev);
    return h ? edge__hook_names[h - 1] : NULL;
}

int edge_is_request_hook(const edge_event *ev) {
    edge_hook h = edge__hook_of(ev);
    return h == EDGE_VIEWER_REQUEST || h == EDGE_ORIGIN_REQUEST;
}

const char *edge_request_id(const edge_event *ev) {
    return edge__ready(ev) ? edge__get_str(ev->config, "requestId") : NULL;
}

/* A field every request has; "" when the event cannot be read (the invocation fails with its error). */
static const char *edge__request_str(const edge_event *ev, const char *key) {
    if (!ev) return NULL;
    return edge__ready(ev) ? edge__get_str(ev->request, key) : "";
}

const char *edge_uri(const edge_event *ev) { return edge__request_str(ev, "uri"); }
const char *edge_method(const edge_event *ev) { return edge__request_str(ev, "method"); }
const char *edge_querystring(const edge_event *ev) { return edge__request_str(ev, "querystring"); }
const char *edge_client_ip(const edge_event *ev) { return edge__request_str(ev, "clientIp"); }

edge_headers *edge_request_headers(edge_event *ev) {
    return edge__ready(ev) ? (edge_headers *)edge__get(ev->request, "headers") : NULL;
}

/* The request can be changed here (and the event is readable). */
static int edge__request_hook_only(const edge_event *ev, const char *fn) {
    if (!ev) return edge__set_error(EDGE_EARG, "%s: no event", fn);
    if (!edge__ready(ev)) return edge__errcode;
    if (!edge_is_request_hook(ev))
        return edge__set_error(EDGE_EARG,
                               "%s: the request can only be changed in viewer-request and origin-request (this is %s)",
                               fn, edge_event_type_name(ev));
    return EDGE_OK;
}

int edge_set_uri(edge_event *ev, const char *uri) {
    if (edge__request_hook_only(ev, "edge_set_uri") || edge__check_arg("edge_set_uri", "uri", uri, 1, 0))
        return edge__errcode;
    if (uri[0] != '/')
        return edge__set_error(EDGE_EARG, "edge_set_uri: the uri must start with '/' (got \"%.*s\")", 64, uri);
    return edge__obj_put_str(ev->request, "uri", uri, strlen(uri));
}

int edge_set_querystring(edge_event *ev, const char *qs) {
    size_t i;
    if (edge__request_hook_only(ev, "edge_set_querystring") ||
        edge__check_arg("edge_set_querystring", "querystring", qs, 1, 0))
        return edge__errcode;
    for (i = 0; qs[i]; i++)
        if (qs[i] == ' ' || qs[i] == '#')
            return edge__set_error(EDGE_EARG, "edge_set_querystring: the query string may not contain '%c' (byte %zu)",
                                   qs[i], i);
    return edge__obj_put_str(ev->request, "querystring", qs, i);
}

/* ---- body -------------------------------------------------------------------------- */

static const char edge__b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *edge_base64_encode(const void *data, size_t len) {
    const unsigned char *d = (const unsigned char *)data;
    size_t i, o = 0;
    char *out;
    if (len > (EDGE_MAX_MEMORY / 4) * 3) {
        edge__set_error(EDGE_ENOMEM, "edge_base64_encode: %zu bytes is too large", len);
        return NULL;
    }
    out = (char *)edge__alloc((len + 2) / 3 * 4 + 1);
    if (!out) return NULL;
    for (i = 0; i + 2 < len; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        out[o++] = edge__b64[v >> 18];
        out[o++] = edge__b64[(v >> 12) & 63];
        out[o++] = edge__b64[(v >> 6) & 63];
        out[o++] = edge__b64[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < len ? (unsigned)d[i + 1] << 8 : 0u);
        out[o++] = edge__b64[v >> 18];
        out[o++] = edge__b64[(v >> 12) & 63];
        out[o++] = i + 1 < len ? edge__b64[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static int edge__b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

unsigned char *edge_base64_decode(const char *s, size_t len, size_t *out_len) {
    unsigned char *out;
    size_t i, o = 0, pad = 0;
    unsigned acc = 0;
    int bits = 0;
    if (out_len) *out_len = 0;
    if (!s) return NULL;
    while (len && s[len - 1] == '=' && pad < 2) {
        len--;
        pad++;
    }
    if (len % 4 == 1 || (pad && (len + pad) % 4)) return NULL;
    out = (unsigned char *)edge__alloc(len / 4 * 3 + 3);
    if (!out) return NULL;
    for (i = 0; i < len; i++) {
        int v = edge__b64val((unsigned char)s[i]);
        if (v < 0) return NULL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    out[o] = '\0';
    if (out_len) *out_len = o;
    return out;
}

int edge_has_body(const edge_event *ev) { return edge__ready(ev) && edge__get(ev->request, "body") != NULL; }

const unsigned char *edge_body(edge_event *ev, size_t *len) {
    edge__node *body, *data;
    const char *enc;
    if (len) *len = 0;
    if (!edge__ready(ev)) return NULL;
    if (!ev->body_done) {
        ev->body_done = 1;
        body = edge__get(ev->request, "body");
        data = edge__get(body, "data");
        if (data && data->type == EDGE__STR) {
            enc = edge__get_str(body, "encoding");
            if (enc && strcmp(enc, "text") == 0) {
                ev->body = (const unsigned char *)data->s;
                ev->body_len = data->len;
            } else {
                ev->body = edge_base64_decode(data->s, data->len, &ev->body_len);
                if (!ev->body && !edge__errcode)
                    edge__set_error(EDGE_EEVENT, "invalid event: Records[0].cf.request.body.data is not valid base64");
            }
        }
    }
    if (len) *len = ev->body_len;
    return ev->body;
}

int edge_body_truncated(const edge_event *ev) {
    edge__node *t = edge__ready(ev) ? edge__get(edge__get(ev->request, "body"), "inputTruncated") : NULL;
    return t && t->type == EDGE__TRUE;
}

int edge_set_request_body(edge_event *ev, const void *data, size_t len) {
    edge__node *body;
    char *b64;
    if (edge__request_hook_only(ev, "edge_set_request_body")) return edge__errcode;
    body = edge__get(ev->request, "body");
    if (!body)
        return edge__set_error(EDGE_EARG,
                               "edge_set_request_body: the event has no body (enable include-body on the association)");
    if (!data && len) return edge__set_error(EDGE_EARG, "edge_set_request_body: data is NULL");
    b64 = edge_base64_encode(data, len);
    if (!b64) return edge__errcode;
    if (edge__obj_put_str(body, "action", "replace", 7) || edge__obj_put_str(body, "encoding", "base64", 6) ||
        edge__obj_put_str(body, "data", b64, strlen(b64)))
        return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    ev->body_done = 0; /* edge_body() now reads the new body */
    return EDGE_OK;
}

int edge_set_request_body_text(edge_event *ev, const char *text) {
    edge__node *body;
    if (edge__request_hook_only(ev, "edge_set_request_body_text") ||
        edge__check_arg("edge_set_request_body_text", "the text", text, 0, 0))
        return edge__errcode;
    body = edge__get(ev->request, "body");
    if (!body)
        return edge__set_error(EDGE_EARG, "edge_set_request_body_text: the event has no body (enable include-body on "
                                          "the association)");
    if (edge__obj_put_str(body, "action", "replace", 7) || edge__obj_put_str(body, "encoding", "text", 4) ||
        edge__obj_put_str(body, "data", text, strlen(text)))
        return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    ev->body_done = 0;
    return EDGE_OK;
}

/* ---- origin ------------------------------------------------------------------------ */

static edge__node *edge__origin_kind(const edge_event *ev) {
    edge__node *origin = edge__ready(ev) ? edge__get(ev->request, "origin") : NULL, *k = edge__get(origin, "custom");
    if (k && k->type == EDGE__OBJ) return k;
    k = edge__get(origin, "s3");
    return k && k->type == EDGE__OBJ ? k : NULL;
}

const char *edge_origin_domain(const edge_event *ev) { return edge__get_str(edge__origin_kind(ev), "domainName"); }

int edge_set_origin_domain(edge_event *ev, const char *domain) {
    edge__node *k;
    if (edge__request_hook_only(ev, "edge_set_origin_domain") ||
        edge__check_arg("edge_set_origin_domain", "domain", domain, 1, 0))
        return edge__errcode;
    k = edge__origin_kind(ev);
    if (!k)
        return edge__set_error(EDGE_EARG, "edge_set_origin_domain: the event has no origin (only origin-request has one)");
    if (!domain[0]) return edge__set_error(EDGE_EARG, "edge_set_origin_domain: the domain name is empty");
    return edge__obj_put_str(k, "domainName", domain, strlen(domain));
}

edge_headers *edge_origin_headers(edge_event *ev) {
    edge__node *h = edge__get(edge__origin_kind(ev), "customHeaders");
    return h && h->type == EDGE__OBJ ? (edge_headers *)h : NULL;
}

/* ---- headers ----------------------------------------------------------------------- */

static int edge__lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static edge__node *edge__hfind(const edge__node *h, const char *name) {
    edge__node *m;
    size_t len, i;
    if (!h || h->type != EDGE__OBJ || !name) return NULL;
    len = strlen(name);
    for (m = h->child; m; m = m->next) {
        if (m->klen != len) continue;
        for (i = 0; i < len && edge__lower((unsigned char)m->key[i]) == edge__lower((unsigned char)name[i]); i++) {
        }
        if (i == len) return m;
    }
    return NULL;
}

static edge__node *edge__helem(const edge__node *m, size_t i) {
    edge__node *e;
    if (!m || m->type != EDGE__ARR) return NULL;
    for (e = m->child; e && i; e = e->next) i--;
    return e;
}

const char *edge_header(const edge_headers *h, const char *name) { return edge_header_value(h, name, 0); }

size_t edge_header_count(const edge_headers *h, const char *name) {
    edge__node *m = edge__hfind(EDGE__CH(h), name), *e;
    size_t n = 0;
    if (m && m->type == EDGE__ARR)
        for (e = m->child; e; e = e->next) n++;
    return n;
}

const char *edge_header_value(const edge_headers *h, const char *name, size_t i) {
    return edge__get_str(edge__helem(edge__hfind(EDGE__CH(h), name), i), "value");
}

const char *edge_header_key(const edge_headers *h, const char *name) {
    return edge__get_str(edge__helem(edge__hfind(EDGE__CH(h), name), 0), "key");
}

size_t edge_headers_len(const edge_headers *h) {
    const edge__node *m;
    size_t n = 0;
    if (!h || EDGE__CH(h)->type != EDGE__OBJ) return 0;
    for (m = EDGE__CH(h)->child; m; m = m->next) n++;
    return n;
}

const char *edge_headers_name(const edge_headers *h, size_t i) {
    const edge__node *m;
    if (!h || EDGE__CH(h)->type != EDGE__OBJ) return NULL;
    for (m = EDGE__CH(h)->child; m && i; m = m->next) i--;
    return m ? m->key : NULL;
}

static int edge__is_tchar(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A header name (or `key`) must be an HTTP token. */
static int edge__token_check(const char *fn, const char *what, const char *name) {
    size_t i;
    if (!name || !name[0]) return edge__set_error(EDGE_EARG, "%s: empty header %s", fn, what);
    for (i = 0; name[i]; i++)
        if (!edge__is_tchar((unsigned char)name[i]))
            return edge__set_error(EDGE_EARG, "%s: invalid character 0x%x in header %s \"%.*s\"", fn,
                                   (unsigned char)name[i], what, 64, name);
    if (i > EDGE_MAX_HEADER_BYTES) return edge__set_error(EDGE_EARG, "%s: header %s too long", fn, what);
    return EDGE_OK;
}

/* h usable for changes (a headers object; request headers only in request hooks) and name a token. */
static int edge__hcheck_name(const edge__node *h, const char *fn, const char *name) {
    if (!h || h->type != EDGE__OBJ)
        return edge__set_error(EDGE_EARG, "%s: no headers object here (NULL handle; in a request hook call "
                                          "edge_respond before using edge_response_headers)", fn);
    if (h == edge__get(edge__ev.request, "headers") && !edge_is_request_hook(&edge__ev))
        return edge__set_error(EDGE_EARG, "%s: request headers can only be changed in viewer-request and "
                                          "origin-request (this is %s)", fn, edge_event_type_name(&edge__ev));
    return edge__token_check(fn, "name", name);
}

/* Checks shared by set/add: h usable, name a token, value UTF-8 without CR/LF/control chars. */
static int edge__hcheck(const edge__node *h, const char *fn, const char *name, const char *value) {
    if (edge__hcheck_name(h, fn, name)) return edge__errcode;
    if (edge__check_arg(fn, "the header value", value, 1, 1)) return edge__errcode;
    if (strlen(value) > EDGE_MAX_HEADER_BYTES)
        return edge__set_error(EDGE_EARG, "%s: the value of %.*s is above %u bytes (EDGE_MAX_HEADER_BYTES)", fn, 64,
                               name, (unsigned)EDGE_MAX_HEADER_BYTES);
    return EDGE_OK;
}

static edge__node *edge__hentry(const char *name, const char *value) {
    edge__node *e = edge__new(EDGE__OBJ);
    if (!e || edge__obj_put_str(e, "key", name, strlen(name)) || edge__obj_put_str(e, "value", value, strlen(value)))
        return NULL;
    return e;
}

static char *edge__lowercase(const char *name) {
    size_t i, len = strlen(name);
    char *lower = edge__strndup(name, len);
    if (lower)
        for (i = 0; i < len; i++) lower[i] = (char)edge__lower((unsigned char)lower[i]);
    return lower;
}

/* Make `entries` (a chain of {key, value} objects) all the values of header `name`. */
static int edge__hreplace(edge__node *h, const char *name, edge__node *entries) {
    edge__node *arr = edge__new(EDGE__ARR), *m, *e;
    char *lower = edge__lowercase(name);
    if (!arr || !entries || !lower) return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    m = edge__hfind(h, name);
    if (m) { /* replace in place (also collapses a differently-cased duplicate key) */
        arr = m;
        edge__touch(m);
        m->type = EDGE__ARR;
        m->key = lower;
    }
    arr->child = entries;
    for (e = entries; e; e = e->next) e->parent = arr;
    return m ? EDGE_OK : edge__obj_put(h, lower, strlen(lower), arr);
}

int edge_header_set(edge_headers *h, const char *name, const char *value) {
    if (edge__hcheck(EDGE__H(h), "edge_header_set", name, value)) return edge__errcode;
    return edge__hreplace(EDGE__H(h), name, edge__hentry(name, value));
}

int edge_header_set_keyed(edge_headers *h, const char *name, const char *key, const char *value) {
    if (edge__hcheck(EDGE__H(h), "edge_header_set_keyed", name, value) ||
        edge__token_check("edge_header_set_keyed", "key", key))
        return edge__errcode;
    return edge__hreplace(EDGE__H(h), name, edge__hentry(key, value));
}

/* A deep copy of a node (strings are shared: the SDK never changes a string in place). */
static edge__node *edge__copy(const edge__node *n) {
    edge__node *c = edge__new(n->type), **tail;
    const edge__node *kid;
    if (!c) return NULL;
    c->len = n->len;
    c->s = n->s;
    c->key = n->key;
    c->klen = n->klen;
    c->flags = n->flags; /* the same text */
    c->raw = n->raw;
    c->rawlen = n->rawlen;
    tail = &c->child;
    for (kid = n->child; kid; kid = kid->next) {
        if (!(*tail = edge__copy(kid))) return NULL;
        (*tail)->parent = c;
        tail = &(*tail)->next;
    }
    return c;
}

int edge_header_copy(edge_headers *h, const char *to, const char *from) {
    edge__node *src, *entries = NULL, **tail = &entries;
    const edge__node *e;
    if (edge__hcheck_name(EDGE__H(h), "edge_header_copy", to)) return edge__errcode;
    src = edge__hfind(EDGE__H(h), from);
    if (!src || src->type != EDGE__ARR || !src->child)
        return edge__set_error(EDGE_EARG, "edge_header_copy: there is no \"%.*s\" header to copy", 64,
                               edge__clip(from));
    for (e = src->child; e; e = e->next) {
        if (!(*tail = edge__copy(e))) return edge__errcode ? edge__errcode : EDGE_ENOMEM;
        tail = &(*tail)->next;
    }
    return edge__hreplace(EDGE__H(h), to, entries);
}

int edge_header_add(edge_headers *h, const char *name, const char *value) {
    edge__node *m, *e, *last;
    if (edge__hcheck(EDGE__H(h), "edge_header_add", name, value)) return edge__errcode;
    m = edge__hfind(EDGE__H(h), name);
    if (!m) return edge_header_set(h, name, value);
    e = edge__hentry(name, value);
    if (!e) return EDGE_ENOMEM;
    e->parent = m;
    edge__touch(m);
    if (!m->child) {
        m->child = e;
        return EDGE_OK;
    }
    for (last = m->child; last->next; last = last->next) {
    }
    last->next = e;
    return EDGE_OK;
}

int edge_header_remove(edge_headers *h, const char *name) {
    edge__node *m, *prev = NULL;
    int removed = 0;
    if (!h || EDGE__H(h)->type != EDGE__OBJ)
        return edge__set_error(EDGE_EARG, "edge_header_remove: no headers object here (NULL handle)");
    if (h == (edge_headers *)edge__get(edge__ev.request, "headers") && !edge_is_request_hook(&edge__ev))
        return edge__set_error(EDGE_EARG, "edge_header_remove: request headers can only be changed in viewer-request "
                                          "and origin-request (this is %s)", edge_event_type_name(&edge__ev));
    for (;;) {
        m = edge__hfind(EDGE__H(h), name);
        if (!m) break;
        prev = NULL;
        if (EDGE__H(h)->child == m) EDGE__H(h)->child = m->next;
        else {
            for (prev = EDGE__H(h)->child; prev->next != m; prev = prev->next) {
            }
            prev->next = m->next;
        }
        edge__touch(EDGE__H(h));
        removed++;
    }
    return removed;
}

/* ---- responses --------------------------------------------------------------------- */

static const char *edge__reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

static edge__node *edge__out_response(const edge_event *ev) {
    if (!ev) return NULL;
    if (ev->generated) return ev->generated;
    if (edge_is_request_hook(ev) || !edge__ready(ev)) return NULL; /* a request hook has none to read */
    return ev->response;
}

static int edge__status_args(const char *fn, int status, const char *description) {
    if (status < 200 || status > 599)
        return edge__set_error(EDGE_EARG, "%s: status %d is outside 200..599 (CloudFront rejects it)", fn, status);
    if (description && edge__check_arg(fn, "the description", description, 1, 1)) return edge__errcode;
    return EDGE_OK;
}

static int edge__put_status(edge__node *resp, int status, const char *description) {
    char digits[4];
    if (!description) description = edge__reason(status);
    edge__utoa((unsigned long long)status, digits, 10);
    if (edge__obj_put_str(resp, "status", digits, 3) ||
        edge__obj_put_str(resp, "statusDescription", description, strlen(description)))
        return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    return EDGE_OK;
}

int edge_respond(edge_event *ev, int status, const char *description) {
    edge__node *resp;
    if (!ev) return edge__set_error(EDGE_EARG, "edge_respond: no event");
    if (!edge_is_request_hook(ev))
        return edge__set_error(EDGE_EARG, "edge_respond: responses are generated in viewer-request and origin-request; "
                                          "in %s change the response with edge_set_status/edge_header_set/edge_set_body",
                               edge_event_type_name(ev));
    if (edge__status_args("edge_respond", status, description)) return edge__errcode;
    resp = edge__new(EDGE__OBJ);
    if (!resp || edge__put_status(resp, status, description) ||
        edge__obj_put(resp, "headers", 7, edge__new(EDGE__OBJ)))
        return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    ev->generated = resp;
    return EDGE_OK;
}

edge_headers *edge_response_headers(edge_event *ev) {
    return (edge_headers *)edge__get(edge__out_response(ev), "headers");
}

const char *edge_status(const edge_event *ev) {
    edge__node *n = edge__get(edge__out_response(ev), "status");
    if (!n) return NULL;
    if (n->type == EDGE__NUM) return edge__strndup(n->s, n->len);
    return n->type == EDGE__STR ? n->s : NULL;
}

int edge_status_code(const edge_event *ev) {
    edge__node *n = edge__get(edge__out_response(ev), "status");
    int v = 0;
    uint32_t i;
    if (!n || (n->type != EDGE__STR && n->type != EDGE__NUM)) return 0;
    for (i = 0; i < n->len && i < 9 && edge__isdigit(n->s[i]); i++) v = v * 10 + (n->s[i] - '0');
    return v;
}

const char *edge_status_description(const edge_event *ev) {
    return edge__get_str(edge__out_response(ev), "statusDescription");
}

int edge_set_status(edge_event *ev, int status, const char *description) {
    edge__node *resp = edge__out_response(ev);
    if (!resp)
        return edge__set_error(EDGE_EARG, "edge_set_status: no response to change (in a request hook call edge_respond)");
    if (edge__status_args("edge_set_status", status, description)) return edge__errcode;
    return edge__put_status(resp, status, description);
}

int edge_set_body(edge_event *ev, const char *text) {
    edge__node *resp = edge__out_response(ev);
    if (!resp)
        return edge__set_error(EDGE_EARG, "edge_set_body: no response to change (in a request hook call edge_respond "
                                          "first; edge_set_request_body replaces the request body)");
    if (edge__check_arg("edge_set_body", "the body", text, 0, 0)) return edge__errcode;
    if (edge__obj_put_str(resp, "body", text, strlen(text))) return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    edge__obj_del(resp, "bodyEncoding");
    return EDGE_OK;
}

int edge_set_body_bytes(edge_event *ev, const void *data, size_t len) {
    edge__node *resp = edge__out_response(ev);
    char *b64;
    if (!resp)
        return edge__set_error(EDGE_EARG, "edge_set_body_bytes: no response to change (in a request hook call "
                                          "edge_respond first)");
    if (!data && len) return edge__set_error(EDGE_EARG, "edge_set_body_bytes: data is NULL");
    b64 = edge_base64_encode(data, len);
    if (!b64 || edge__obj_put_str(resp, "body", b64, strlen(b64)) ||
        edge__obj_put_str(resp, "bodyEncoding", "base64", 6))
        return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    return EDGE_OK;
}

/* ---- generic paths ----------------------------------------------------------------- */

/* Walks all but the last segment of path; *last gets the final segment. */
static edge__node *edge__walk(const edge_event *ev, const char *path, const char **last, size_t *last_len) {
    edge__node *n = edge__ready(ev) ? ev->cf : NULL;
    const char *seg = path;
    if (!n || !path) return NULL;
    for (;;) {
        const char *dot = strchr(seg, '.');
        size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
        edge__node *c;
        if (!dot) {
            *last = seg;
            *last_len = len;
            return n;
        }
        if (n->type == EDGE__OBJ) {
            for (c = n->child; c; c = c->next)
                if (c->klen == len && memcmp(c->key, seg, len) == 0) break;
        } else if (n->type == EDGE__ARR) {
            size_t idx = 0, i;
            for (i = 0; i < len; i++) {
                if (!edge__isdigit(seg[i])) return NULL;
                idx = idx * 10 + (size_t)(seg[i] - '0');
            }
            for (c = n->child; c && idx; c = c->next) idx--;
        } else {
            return NULL;
        }
        if (!c) return NULL;
        n = c;
        seg = dot + 1;
    }
}

static edge__node *edge__child(const edge__node *parent, const char *seg, size_t len) {
    edge__node *c;
    if (!parent) return NULL;
    if (parent->type == EDGE__OBJ) {
        for (c = parent->child; c; c = c->next)
            if (c->klen == len && memcmp(c->key, seg, len) == 0) return c;
    } else if (parent->type == EDGE__ARR && len) {
        size_t idx = 0, i;
        for (i = 0; i < len; i++) {
            if (!edge__isdigit(seg[i])) return NULL;
            idx = idx * 10 + (size_t)(seg[i] - '0');
        }
        for (c = parent->child; c && idx; c = c->next) idx--;
        return c;
    }
    return NULL;
}

const char *edge_get(const edge_event *ev, const char *path) {
    const char *last;
    size_t len;
    edge__node *n = edge__child(edge__walk(ev, path, &last, &len), last, len);
    if (!n) return NULL;
    switch (n->type) {
    case EDGE__STR: return n->s;
    case EDGE__NUM: return edge__strndup(n->s, n->len);
    case EDGE__TRUE: return "true";
    case EDGE__FALSE: return "false";
    default: return NULL;
    }
}

#define EDGE__DELETE (-1) /* edge__guard: the field is removed */
#define EDGE__INSIDE (-2) /* edge__guard: something inside the field changes */

/* Refuses changes that would break what the SDK holds or checked when it read the event:
 * config (read-only), the request / response objects themselves, and deleting or changing the
 * type of the fields every event has. `change` is the new value's type, EDGE__DELETE or EDGE__INSIDE. */
static int edge__guard(const char *fn, const char *path, int change) {
    static const struct {
        const char *path;
        int type;
    } bound[] = {{"request.uri", EDGE__STR},      {"request.method", EDGE__STR}, {"request.querystring", EDGE__STR},
                 {"request.clientIp", EDGE__STR}, {"request.headers", EDGE__OBJ}, {"response.status", EDGE__STR},
                 {"response.headers", EDGE__OBJ}};
    size_t i;
    if (!path || !path[0]) return edge__set_error(EDGE_EARG, "%s: the path is empty", fn);
    if (strcmp(path, "config") == 0 || strncmp(path, "config.", 7) == 0)
        return edge__set_error(EDGE_EARG, "%s: \"%.*s\" is read-only (config cannot be changed)", fn, 128, path);
    if (strcmp(path, "request") == 0 || strcmp(path, "response") == 0)
        return edge__set_error(EDGE_EARG, "%s: \"%s\" itself cannot be replaced or deleted; change its fields", fn,
                               path);
    if (change == EDGE__INSIDE) return EDGE_OK;
    for (i = 0; i < sizeof bound / sizeof bound[0]; i++) {
        if (strcmp(path, bound[i].path) != 0) continue;
        if (change == EDGE__DELETE)
            return edge__set_error(EDGE_EARG, "%s: \"%s\" cannot be deleted (every event has it)", fn, path);
        if (change != bound[i].type && !(change == EDGE__NUM && strcmp(path, "response.status") == 0))
            return edge__set_error(EDGE_EARG, "%s: \"%s\" must stay %s", fn, path,
                                   bound[i].type == EDGE__STR ? "a string" : "an object");
    }
    return EDGE_OK;
}

static int edge__set_path(edge_event *ev, const char *fn, const char *path, edge__node *val) {
    const char *last;
    size_t len;
    edge__node *parent;
    if (edge__guard(fn, path, val ? val->type : EDGE__INSIDE)) return edge__errcode;
    if (!edge__ready(ev)) return edge__errcode;
    parent = edge__walk(ev, path, &last, &len);
    if (!parent || parent->type != EDGE__OBJ || !len)
        return edge__set_error(EDGE_EARG, "%s: \"%.*s\" does not name a field of an existing object", fn, 128,
                               edge__clip(path));
    if (!val) return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    ev->body_done = 0; /* the path may lead into request.body */
    return edge__obj_put(parent, last, len, val);
}

int edge_set_string(edge_event *ev, const char *path, const char *value) {
    if (edge__check_arg("edge_set_string", "value", value, 0, 0)) return edge__errcode;
    return edge__set_path(ev, "edge_set_string", path, edge__new_str(value, strlen(value)));
}

int edge_set_number(edge_event *ev, const char *path, long long value) {
    edge__node *n = edge__new(EDGE__NUM);
    char *s = edge_fmt("%lld", value);
    if (n && s) {
        n->s = s;
        n->len = (uint32_t)strlen(s);
    }
    return edge__set_path(ev, "edge_set_number", path, n && s ? n : NULL);
}

int edge_set_bool(edge_event *ev, const char *path, int value) {
    return edge__set_path(ev, "edge_set_bool", path, edge__new(value ? EDGE__TRUE : EDGE__FALSE));
}

int edge_set_object(edge_event *ev, const char *path) {
    return edge__set_path(ev, "edge_set_object", path, edge__new(EDGE__OBJ));
}

int edge_set_array(edge_event *ev, const char *path) {
    return edge__set_path(ev, "edge_set_array", path, edge__new(EDGE__ARR));
}

int edge_append_string(edge_event *ev, const char *path, const char *value) {
    const char *last;
    size_t len;
    edge__node *arr, *s, **tail;
    if (edge__guard("edge_append_string", path, EDGE__INSIDE) ||
        edge__check_arg("edge_append_string", "value", value, 0, 0) || !edge__ready(ev))
        return edge__errcode;
    arr = edge__child(edge__walk(ev, path, &last, &len), last, len);
    if (!arr || arr->type != EDGE__ARR)
        return edge__set_error(EDGE_EARG, "edge_append_string: \"%.*s\" is not an array (create it with "
                                          "edge_set_array)", 128, path);
    s = edge__new_str(value, strlen(value));
    if (!s) return edge__errcode ? edge__errcode : EDGE_ENOMEM;
    for (tail = &arr->child; *tail; tail = &(*tail)->next) {
    }
    *tail = s;
    s->parent = arr;
    edge__touch(arr);
    return EDGE_OK;
}

int edge_delete(edge_event *ev, const char *path) {
    const char *last;
    size_t len;
    edge__node *parent, *target, **link;
    if (!ev) return edge__set_error(EDGE_EARG, "edge_delete: no event");
    if (edge__guard("edge_delete", path, EDGE__DELETE) || !edge__ready(ev)) return edge__errcode;
    parent = edge__walk(ev, path, &last, &len);
    target = edge__child(parent, last, len);
    if (!target) return 0;
    for (link = &parent->child; *link != target; link = &(*link)->next) {
    }
    *link = target->next;
    edge__touch(parent);
    ev->body_done = 0;
    return 1;
}

/* ---- other helpers ----------------------------------------------------------------- */

char *edge_url_decode(const char *s, size_t len, int plus_as_space, size_t *out_len) {
    char *out = (char *)edge__alloc(len + 1);
    size_t i, o = 0;
    if (out_len) *out_len = 0;
    if (!out) return NULL;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+' && plus_as_space) {
            c = ' ';
        } else if (c == '%' && i + 2 < len) {
            int hi = edge__hexval(s[i + 1]), lo = edge__hexval(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                c = (char)(hi * 16 + lo);
                i += 2;
            }
        }
        out[o++] = c;
    }
    out[o] = '\0';
    if (out_len) *out_len = o;
    return out;
}

int edge_form_next(const char **cursor, const char *end, char **name, char **value) {
    const char *p, *amp, *eq;
    if (!cursor || !*cursor) return 0;
    p = *cursor;
    for (;;) {
        if (p >= end) {
            *cursor = end;
            return 0;
        }
        for (amp = p; amp < end && *amp != '&'; amp++) {
        }
        if (amp > p) break; /* skip empty pairs ("a=1&&b=2") */
        p = amp + 1;
    }
    for (eq = p; eq < amp && *eq != '='; eq++) {
    }
    *name = edge_url_decode(p, (size_t)(eq - p), 1, NULL);
    *value = eq < amp ? edge_url_decode(eq + 1, (size_t)(amp - eq - 1), 1, NULL) : edge_url_decode("", 0, 1, NULL);
    *cursor = amp < end ? amp + 1 : end;
    return *name && *value;
}

const char *edge_env(const char *name) { return name ? getenv(name) : NULL; }

__attribute__((import_module("wasi_snapshot_preview1"), import_name("random_get"))) int32_t
edge__wasi_random_get(uint8_t *buf, size_t len);

uint32_t edge_random_u32(void) {
    uint32_t v = 0;
    edge__wasi_random_get((uint8_t *)&v, sizeof v);
    return v;
}

double edge_random(void) {
    uint64_t v = 0;
    edge__wasi_random_get((uint8_t *)&v, sizeof v);
    return (double)(v >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- one invocation ---------------------------------------------------------------- */

/* Run edge_main on the event p[0..n) (read when first needed) and write the result. Returns
 * EDGE_OK with *out and *out_len set, or an error code after logging. */
static int edge__run(const char *p, size_t n, const char **out, size_t *out_len) {
    edge_event *ev = &edge__ev;
    edge__node *result;
    edge__writer w;
    int rc = EDGE_OK;
    memset(ev, 0, sizeof *ev);
    ev->input = p;
    ev->input_len = n;
    if (n > EDGE_MAX_EVENT_BYTES) {
        edge__set_error(EDGE_ETOOBIG, "event too large: %zu bytes, above the SDK's %u-byte limit (EDGE_MAX_EVENT_BYTES)",
                        n, (unsigned)EDGE_MAX_EVENT_BYTES);
        goto fail;
    }
    rc = edge_main(ev);
    if (ev->state < 0) goto fail; /* the event could not be read: that is the error */
    if (rc < 0) {
        edge__set_error(rc, "edge_main failed with code %d", rc);
        goto fail;
    }
    if (edge__errcode) goto fail;
    result = ev->generated;
    if (!result) { /* the request or response goes back: it must be readable */
        if (!edge__ready(ev)) goto fail;
        result = ev->response ? ev->response : ev->request;
    }
    if (result->flags & EDGE__RAW) { /* unchanged: the host's own text */
        *out = result->raw;
        *out_len = result->rawlen;
        return EDGE_OK;
    }
    w.cap = ev->input_len + 4096; /* results are about as large as events: usually one pass */
    w.buf = (char *)edge__alloc(w.cap);
    if (!w.buf) goto fail;
    w.n = 0;
    edge__put_node(&w, result);
    if (w.n > w.cap) { /* a larger result (a big generated body): now its exact size is known */
        w.cap = w.n;
        w.buf = (char *)edge__alloc(w.cap);
        if (!w.buf) goto fail;
        w.n = 0;
        edge__put_node(&w, result);
    }
    *out = w.buf;
    *out_len = w.n;
    return EDGE_OK;
fail:
    edge__emit(EDGE_ERROR, edge__errbuf, strlen(edge__errbuf));
    return ev->state < 0 ? ev->state : rc < 0 ? rc : edge__errcode;
}

#ifndef EDGE_COMMAND
/* ---- reactor exports (docs/abi.md, section 1) ----------------------------------------------- */

__attribute__((export_name("edge_abi_version"))) int32_t edge__export_abi_version(void) { return EDGE_ABI_VERSION; }

__attribute__((export_name("edge_alloc"))) void *edge__export_alloc(uint32_t n) {
    if (n > EDGE_MAX_EVENT_BYTES) {
        char msg[160];
        size_t k = edge__vfmt_buf(msg, sizeof msg, "event too large: %u bytes, above the SDK's %u-byte limit (EDGE_MAX_EVENT_BYTES)",
                                  (unsigned)n, (unsigned)EDGE_MAX_EVENT_BYTES);
        edge__emit(EDGE_ERROR, msg, k < sizeof msg ? k : sizeof msg - 1);
        return 0;
    }
#if EDGE_STATIC_EVENT > 0
    if (n <= EDGE_STATIC_EVENT) return edge__static_event; /* a larger buffer from an earlier call stays for the next large one */
#endif
    if (!edge__in || n > edge__in_cap || (edge__in_cap > EDGE__KEEP_INPUT && n <= EDGE__KEEP_INPUT)) {
        free(edge__in);
        edge__in_cap = edge__pow2(n + EDGE__MALLOC_SLACK) - EDGE__MALLOC_SLACK;
        edge__in = (char *)malloc(edge__in_cap);
        if (!edge__in) {
            static const char msg[] = "out of memory: could not allocate the event buffer";
            edge__in_cap = 0;
            edge__emit(EDGE_ERROR, msg, sizeof msg - 1);
            return 0;
        }
    }
    return edge__in;
}

__attribute__((export_name("edge_handle"))) int64_t edge__export_handle(char *p, uint32_t n) {
    const char *out = NULL;
    size_t out_len = 0;
    int rc;
    edge__reset(); /* frees the previous invocation's event tree and result */
    rc = edge__run(p, n, &out, &out_len);
    if (rc < 0) return (int64_t)rc;
    return (int64_t)(((uint64_t)(uintptr_t)out << 32) | (uint64_t)(uint32_t)out_len);
}

#else
/* ---- WASI command (docs/abi.md, section 2): stdin = event, stdout = result ------------------- */

int main(void) {
    size_t cap = 65536, n = 0, off = 0;
    char *buf = (char *)malloc(cap);
    const char *out = NULL;
    size_t out_len = 0;
    int rc;
    if (!buf) return 1;
    for (;;) {
        ssize_t r;
        if (n == cap) {
            char *nb;
            if (cap >= EDGE_MAX_EVENT_BYTES + 1) break;
            cap *= 2;
            nb = (char *)realloc(buf, cap);
            if (!nb) {
                free(buf);
                return 1;
            }
            buf = nb;
        }
        r = read(0, buf + n, cap - n);
        if (r <= 0) break;
        n += (size_t)r;
    }
    edge__reset();
    rc = edge__run(buf, n, &out, &out_len);
    if (rc < 0) return 1;
    while (off < out_len) {
        ssize_t w = write(1, out + off, out_len - off);
        if (w <= 0) return 1;
        off += (size_t)w;
    }
    return 0;
}
#endif /* EDGE_COMMAND */

#endif /* EDGE_IMPLEMENTATION */
