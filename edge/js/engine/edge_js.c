/*
 * The JavaScript engine's side of the edge reactor ABI (docs/abi.md): QuickJS-NG plus the few
 * native helpers the Node layer (edge/js/node/*.js) cannot do well in JavaScript.
 *
 * Life of a function module:
 *   1. Build time, under Wizer: `wizer.initialize` creates the runtime, installs the native
 *      helpers, evaluates /edge/boot.js (the Node layer, edge/js/node/*.js), which loads the
 *      user's modules from the directory Wizer maps at /var/task, and runs its jobs. Wizer then snapshots memory: the
 *      function module starts every instance with everything already evaluated.
 *   2. Each invocation: edge_alloc() receives the event, edge_handle() hands it to the Node
 *      layer's dispatch hook as a string, then pumps: pending jobs (promises), then the hook's
 *      poll, which fires due timers (virtual time) or reports the result or an error.
 *
 * Nothing here runs on the host: it is compiled to wasm32-wasi by zig cc (edge/js/engine.py).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <wasi/api.h>

#include "quickjs.h"
#include "libdeflate.h"

/* heap.c: the allocator that keeps freed bytes out of the snapshot */
extern const JSMallocFunctions edge_heap_functions;
void edge_heap_loading(int on);
void edge_heap_free_buffer(void *p, size_t len);

/* cipher.c: cipherNew, cipherUpdate, cipherAad, cipherTag (AES over pycryptodome's code) */
void edge_cipher_install(JSContext *c, JSValue native);
/* pubkey.c: modPow, ecMul, ecMulAdd (modular exponentiation and the NIST curves over pycryptodome's code) */
void edge_pubkey_install(JSContext *c, JSValue native);
/* brotli_glue.c: brotliEncode, brotliDecode, brotliNew, brotliWrite, ... (Google's brotli library, for zlib.js) */
void edge_brotli_install(JSContext *c, JSValue native);

__attribute__((import_module("edge"), import_name("log")))
void edge_host_log(int32_t level, const char *ptr, int32_t len);

/* pycryptodome's hash entry points (src/SHA1.c, SHA224.c, SHA256.c, SHA384.c, SHA512.c, MD5.c) */
typedef struct hash_state hash_state;
int SHA1_init(hash_state **s);
int SHA1_update(hash_state *s, const uint8_t *buf, size_t len);
int SHA1_digest(const hash_state *s, uint8_t *digest);
int SHA1_destroy(hash_state *s);
int SHA256_init(hash_state **s);
int SHA256_update(hash_state *s, const uint8_t *buf, size_t len);
int SHA256_digest(const hash_state *s, uint8_t *digest, size_t digest_size);
int SHA256_destroy(hash_state *s);
int SHA224_init(hash_state **s);
int SHA224_update(hash_state *s, const uint8_t *buf, size_t len);
int SHA224_digest(const hash_state *s, uint8_t *digest, size_t digest_size);
int SHA224_destroy(hash_state *s);
int SHA384_init(hash_state **s);
int SHA384_update(hash_state *s, const uint8_t *buf, size_t len);
int SHA384_digest(const hash_state *s, uint8_t *digest, size_t digest_size);
int SHA384_destroy(hash_state *s);
int SHA512_init(hash_state **s, size_t digest_size); /* 64, or 28/32 for SHA-512/224 and SHA-512/256 */
int SHA512_update(hash_state *s, const uint8_t *buf, size_t len);
int SHA512_digest(const hash_state *s, uint8_t *digest, size_t digest_size);
int SHA512_destroy(hash_state *s);
int MD5_init(hash_state **s);
int MD5_update(hash_state *s, const uint8_t *buf, size_t len);
int MD5_digest(const hash_state *s, uint8_t *digest);
int MD5_destroy(hash_state *s);

/* QuickJS's own stack limit: past it a RangeError (catchable), which must come before wasmtime's
 * native stack runs out, an uncatchable trap. QuickJS measures the linear (C) stack; engine.py's
 * STACK_CHARGES make each recursive level's linear bytes at least ~1/2.4 of its native bytes, so
 * EDGE_JS_STACK stands for at most ~1.5 MiB of EngineSettings.max_wasm_stack's 2 MiB (bench/README.md,
 * finding J13). Wizer runs the function's top level on wasmtime's default native stack,
 * 512 KiB, with no option to change it: the build gets EDGE_JS_BUILD_STACK, for ~350 KiB. */
#ifndef EDGE_JS_STACK
#define EDGE_JS_STACK (640 * 1024)
#endif
#ifndef EDGE_JS_BUILD_STACK
#define EDGE_JS_BUILD_STACK (144 * 1024)
#endif

static JSRuntime *rt;
static JSContext *ctx;
static JSValue hooks = JS_UNDEFINED; /* { dispatch, poll, resolve, source } set by boot.js */
static JSValue rejection_hook = JS_UNDEFINED; /* (promise, reason, handled) -> the Node layer's bookkeeping */
static int initializing;
int edge_building(void) { return initializing; } /* pubkey.c keeps no random seed made at build time */
static int rng_seeded;
static uint64_t rng_state;
static uint8_t *event_buf;
static const char *result_str;

/* ---- small helpers ------------------------------------------------------------------------- */

static void log_line(int level, const char *msg, size_t len) {
    if (initializing) { /* Wizer: imported functions may not be called; WASI stderr may */
        fwrite(msg, 1, len, stderr);
        fputc('\n', stderr);
        return;
    }
    edge_host_log(level, msg, (int32_t)len);
}

static void log_exception(const char *what) {
    JSValue exc = JS_GetException(ctx);
    const char *text = JS_ToCString(ctx, exc);
    JSValue stack = JS_IsError(exc) ? JS_GetPropertyStr(ctx, exc, "stack") : JS_UNDEFINED;
    const char *st = JS_IsString(stack) ? JS_ToCString(ctx, stack) : NULL;
    char buf[4096];
    int n;
    if (st && text && strncmp(st, text, strlen(text)) == 0) /* the stack starts with `Name: message` (util.js) */
        n = snprintf(buf, sizeof buf, "%s: %s", what, st);
    else
        n = snprintf(buf, sizeof buf, "%s: %s%s%s", what, text ? text : "(exception)", st ? "\n" : "", st ? st : "");
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    log_line(3, buf, n > 0 ? (size_t)n : 0);
    if (st) JS_FreeCString(ctx, st);
    if (text) JS_FreeCString(ctx, text);
    JS_FreeValue(ctx, stack);
    JS_FreeValue(ctx, exc);
}

static int fill_random(uint8_t *buf, size_t len) {
    while (len) {
        size_t n = len > 256 ? 256 : len;
        if (getentropy(buf, n) != 0) return -1;
        buf += n;
        len -= n;
    }
    return 0;
}

static uint8_t *bytes_of(JSContext *c, JSValueConst v, size_t *len) {
    uint8_t *p = JS_GetUint8Array(c, len, v);
    if (!p && !JS_HasException(c)) JS_ThrowTypeError(c, "expected a Uint8Array");
    return p;
}

/* ---- native helpers for the Node layer ----------------------------------------------------- */

static JSValue n_log(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t level = 1;
    size_t len;
    JS_ToInt32(c, &level, argv[0]);
    const char *s = JS_ToCStringLen(c, &len, argv[1]);
    if (!s) return JS_EXCEPTION;
    log_line(level, s, len);
    JS_FreeCString(c, s);
    return JS_UNDEFINED;
}

/* Random bytes drawn while the function is built land in the snapshot every instance starts
 * from: a package's random pool filled at the top level (nanoid's, uuid's) would hand every
 * instance the same "random" IDs. The pools filled then are kept and refilled with new bytes
 * when an instance starts (refill_build_time_draws), as each Lambda execution environment runs
 * the top level with its own randomness. Only buffers of POOL_BYTES or more are pools: a
 * smaller draw is a seed, a key or an ID whose value the top level may already have built on
 * (a hash table seeded with it would stop finding its entries), so it keeps the snapshot's
 * value, as values made from any draw do; the build warns about both (warn_build_time_draws).
 * At most REFILL_BYTES are refilled, a bounded cost for each fresh instance. */
#define MAX_BUILD_DRAWS 256
#define POOL_BYTES 128
#define REFILL_BYTES (1024 * 1024)
static JSValue build_draws = JS_UNDEFINED; /* the pools filled while building */
static uint32_t build_draw_count, build_draws_dropped, build_pools;
static size_t build_pool_bytes;
static char build_draw_site[256]; /* the first draw's first frame outside the Node layer */
static int draws_to_refill; /* set in the snapshot: the first call of each instance refills */
static int noting_draw; /* a user's own Error constructor that draws would recurse */

static void note_build_draw(JSContext *c, JSValueConst view, size_t len) {
    if (noting_draw) return;
    noting_draw = 1;
    if (build_draw_count == 0) {
        JSValue global = JS_GetGlobalObject(c);
        JSValue ctor = JS_GetPropertyStr(c, global, "Error");
        JSValue err = JS_CallConstructor(c, ctor, 0, NULL);
        JSValue stack = JS_IsException(err) ? JS_UNDEFINED : JS_GetPropertyStr(c, err, "stack");
        const char *text = JS_IsString(stack) ? JS_ToCString(c, stack) : NULL;
        for (const char *line = text; line && *line; ) {
            const char *end = strchr(line, '\n');
            size_t n = end ? (size_t)(end - line) : strlen(line);
            const char *at = strstr(line, "at ");
            if (at && at < line + n && !memmem(line, n, "node:", 5) && !memmem(line, n, "(<anonymous>)", 13)) {
                size_t skip = (size_t)(at + 3 - line);
                snprintf(build_draw_site, sizeof build_draw_site, "%.*s", (int)(n - skip), at + 3);
                break;
            }
            line = end ? end + 1 : NULL;
        }
        if (text) JS_FreeCString(c, text);
        if (JS_IsException(err)) JS_FreeValue(c, JS_GetException(c));
        JS_FreeValue(c, stack);
        JS_FreeValue(c, err);
        JS_FreeValue(c, ctor);
        JS_FreeValue(c, global);
        build_draws = JS_NewArray(c);
    }
    build_draw_count++;
    if (len >= POOL_BYTES) {
        if (build_pools < MAX_BUILD_DRAWS && build_pool_bytes + len <= REFILL_BYTES) {
            JS_SetPropertyUint32(c, build_draws, build_pools++, JS_DupValue(c, view));
            build_pool_bytes += len;
        } else {
            build_draws_dropped++;
        }
    }
    noting_draw = 0;
}

static void warn_build_time_draws(void) {
    if (build_draw_count == 0) return;
    fprintf(stderr, "edge-build-warning: the top level drew random bytes while the function was built (%u time%s, "
            "first at %s): each instance refills the buffers of %d bytes or more (a package's random pool) with "
            "new random bytes when it starts, but smaller draws (a seed, a key, an ID) and values already made "
            "from any draw at the top level are the same in every instance: make them in the handler%s\n",
            build_draw_count, build_draw_count == 1 ? "" : "s", build_draw_site[0] ? build_draw_site : "the top level",
            POOL_BYTES, build_draws_dropped ? " (beyond 256 pools or 1 MiB, pools are not refilled)" : "");
    draws_to_refill = build_pools > 0;
}

static void refill_build_time_draws(void) {
    draws_to_refill = 0;
    for (uint32_t i = 0; i < build_pools; i++) {
        JSValue view = JS_GetPropertyUint32(ctx, build_draws, i);
        size_t len;
        uint8_t *p = JS_GetUint8Array(ctx, &len, view);
        if (p) fill_random(p, len);
        else JS_FreeValue(ctx, JS_GetException(ctx)); /* a detached buffer: nothing left to refill */
        JS_FreeValue(ctx, view);
    }
}

static JSValue n_random_fill(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    uint8_t *p = bytes_of(c, argv[0], &len);
    if (!p) return JS_EXCEPTION;
    if (fill_random(p, len)) return JS_ThrowInternalError(c, "random_get failed");
    if (initializing && len) note_build_draw(c, argv[0], len);
    return JS_DupValue(c, argv[0]);
}

static uint64_t rng_next(void) { /* xorshift64*: Math.random, seeded per instance */
    if (!rng_seeded) {
        if (fill_random((uint8_t *)&rng_state, sizeof rng_state) || rng_state == 0) {
            /* not clock(): wasi-libc's clock() keeps the clock's reading at start-up, which would
             * land in every function's snapshot and make two builds of the same sources differ */
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            rng_state = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^ 0x9E3779B97F4A7C15ull;
        }
        rng_seeded = 1;
    }
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static JSValue n_math_random(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    return JS_NewFloat64(c, (double)(rng_next() >> 11) * 0x1.0p-53);
}

/* ---- the clock ------------------------------------------------------------------------------ */
/* Timers run on virtual time (node/timers.js): when nothing else can run, the timer due soonest
 * fires at once and the clock moves on by the time skipped (the skew, kept here because QuickJS's
 * own Date reads the clock here too: engine.py's QUICKJS_EDITS make its date_now() edge_date_now(),
 * so new Date() and Date() agree with Date.now() and the timers).
 * - The monotonic clock (timers' due times, the timeout, performance.now(), process.hrtime()) is
 *   the host's, which starts at 0 with the instance, plus the skew, which only grows at run time:
 *   it never steps back within an instance.
 * - The wall clock is the monotonic one plus a base taken as each invocation starts, so that each
 *   starts on the real time, as a warm Lambda environment's clock is, and time elapsed within it
 *   adds up exactly with the timers'; between invocations it steps back by the virtual time the
 *   earlier one skipped, as after a clock adjustment.
 * While the function is built, the monotonic clock stands at 0 (plus the skew while it loads) and
 * the wall clock is the real one plus the skew: nothing of either is kept for run time. */
static double clock_skew; /* ms */
static double clock_wall_base; /* ms: the wall clock minus the monotonic one, this invocation's */

static double monotonic_ms(void) {
    /* while the function is built, the clock stands at 0: what the Node layer or the function's
     * top level keeps of it would otherwise make every build of the same sources differ */
    if (initializing) return 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double realtime_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double wall_base(void) { return initializing ? realtime_ms() : clock_wall_base; }

/* edge_handle: this invocation's wall clock starts on the real time */
static void clock_start_invocation(void) { clock_wall_base = realtime_ms() - (monotonic_ms() + clock_skew); }

/* QuickJS's Date: the wall clock in whole milliseconds */
int64_t edge_date_now(void) { return (int64_t)floor(wall_base() + monotonic_ms() + clock_skew); }

/* now() -> the host's monotonic clock, ms (the Node layer adds the skew: internal.now()) */
static JSValue n_now(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    return JS_NewFloat64(c, monotonic_ms());
}

/* skew() -> the virtual ms timers skipped; skew(ms) sets it (runtime.js: internal.skew) */
static JSValue n_skew(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    if (argc > 0 && JS_ToFloat64(c, &clock_skew, argv[0])) return JS_EXCEPTION;
    return JS_NewFloat64(c, clock_skew);
}

/* wallBase() -> the wall clock minus the monotonic one (performance.timeOrigin) */
static JSValue n_wall_base(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    return JS_NewFloat64(c, wall_base());
}

static JSValue n_memory_usage(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    /* process.memoryUsage(): [rss, heapTotal, heapUsed, arrayBuffers]. rss is the instance's
     * linear memory (all it holds); the heap figures are QuickJS's own accounting. With an
     * argument (`rss` only), the heap walk is skipped: process.memoryUsage.rss() is meant cheap. */
    double rss = (double)__builtin_wasm_memory_size(0) * 65536.0;
    JSValue out = JS_NewArray(c);
    JS_SetPropertyUint32(c, out, 0, JS_NewFloat64(c, rss));
    if (argc > 0 && JS_ToBool(c, argv[0])) return out;
    JSMemoryUsage usage;
    JS_ComputeMemoryUsage(rt, &usage);
    JS_SetPropertyUint32(c, out, 1, JS_NewFloat64(c, (double)usage.malloc_size));
    JS_SetPropertyUint32(c, out, 2, JS_NewFloat64(c, (double)usage.memory_used_size));
    JS_SetPropertyUint32(c, out, 3, JS_NewFloat64(c, (double)usage.binary_object_size));
    return out;
}

static JSValue n_digest(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t alg;
    size_t len;
    uint8_t out[64];
    hash_state *s = NULL;
    if (JS_ToInt32(c, &alg, argv[0])) return JS_EXCEPTION;
    uint8_t *p = bytes_of(c, argv[1], &len);
    if (!p) return JS_EXCEPTION;
    switch (alg) {
    case 1:
        if (SHA1_init(&s)) break;
        SHA1_update(s, p, len); SHA1_digest(s, out); SHA1_destroy(s);
        return JS_NewUint8ArrayCopy(c, out, 20);
    case 256:
        if (SHA256_init(&s)) break;
        SHA256_update(s, p, len); SHA256_digest(s, out, 32); SHA256_destroy(s);
        return JS_NewUint8ArrayCopy(c, out, 32);
    case 224:
        if (SHA224_init(&s)) break;
        SHA224_update(s, p, len); SHA224_digest(s, out, 28); SHA224_destroy(s);
        return JS_NewUint8ArrayCopy(c, out, 28);
    case 384:
        if (SHA384_init(&s)) break;
        SHA384_update(s, p, len); SHA384_digest(s, out, 48); SHA384_destroy(s);
        return JS_NewUint8ArrayCopy(c, out, 48);
    case 512: case 51224: case 51256: {
        size_t size = alg == 512 ? 64 : alg == 51224 ? 28 : 32;
        if (SHA512_init(&s, size)) break;
        SHA512_update(s, p, len); SHA512_digest(s, out, size); SHA512_destroy(s);
        return JS_NewUint8ArrayCopy(c, out, size);
    }
    case 5:
        if (MD5_init(&s)) break;
        MD5_update(s, p, len); MD5_digest(s, out); MD5_destroy(s);
        return JS_NewUint8ArrayCopy(c, out, 16);
    default:
        return JS_ThrowTypeError(c, "unknown digest %d", alg);
    }
    return JS_ThrowOutOfMemory(c);
}

static struct libdeflate_compressor *compressors[13];
static struct libdeflate_decompressor *decompressor;

/* deflate(format 0 raw / 1 zlib / 2 gzip, level 0-12, data) */
static JSValue n_deflate(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t format, level;
    size_t len;
    if (JS_ToInt32(c, &format, argv[0]) || JS_ToInt32(c, &level, argv[1])) return JS_EXCEPTION;
    uint8_t *in = bytes_of(c, argv[2], &len);
    if (!in) return JS_EXCEPTION;
    if (level < 0 || level > 12) level = 6;
    if (!compressors[level] && !(compressors[level] = libdeflate_alloc_compressor(level)))
        return JS_ThrowOutOfMemory(c);
    struct libdeflate_compressor *z = compressors[level];
    size_t bound = format == 2 ? libdeflate_gzip_compress_bound(z, len)
                 : format == 1 ? libdeflate_zlib_compress_bound(z, len)
                 : libdeflate_deflate_compress_bound(z, len);
    uint8_t *out = malloc(bound ? bound : 1);
    if (!out) return JS_ThrowOutOfMemory(c);
    size_t n = format == 2 ? libdeflate_gzip_compress(z, in, len, out, bound)
             : format == 1 ? libdeflate_zlib_compress(z, in, len, out, bound)
             : libdeflate_deflate_compress(z, in, len, out, bound);
    JSValue r = n ? JS_NewUint8ArrayCopy(c, out, n) : JS_ThrowInternalError(c, "compression failed");
    edge_heap_free_buffer(out, bound ? bound : 1);
    return r;
}

/* zlib's inflate as Node runs it (node_zlib.cc), for what libdeflate does not tell: which error it
 * is (zlib's message and code, in zlib's order of checks), the output decoded before a truncated
 * end (Node returns it when finishFlush is not Z_FINISH), and how much input was read. A plain
 * bit-at-a-time decoder after Mark Adler's puff.c with zlib's rules for codes (inftrees.c: an
 * incomplete code only when it has a single code of one bit, an empty distance code, a code-length
 * code with no codes reading every length as 0); only used when libdeflate fails, and for Z_BLOCK. */
enum { ZI_TRUNC = -5, ZI_DATA = -3, ZI_DICT = 2, ZI_MEM = -4, ZI_BIG = 100 };
typedef struct {
    const uint8_t *in; size_t len, pos;
    uint32_t bitbuf; int bitcnt;
    uint8_t *out; size_t cap, n, start; double max;
    int err; const char *msg;
    int check; /* only check the stream as zlib reads it (no output kept; the bit buffer read ahead) */
} zin;
/* fast: for `check`, the symbol (<< 4) and length of each code of ZI_FAST bits or fewer, by its next bits */
#define ZI_FAST 9
typedef struct { short count[16]; short symbol[288]; int maxlen; uint16_t fast[1 << ZI_FAST]; } zi_huff;

static int zi_fail(zin *s, int err, const char *msg) { s->err = err; s->msg = msg; return err; }
#define ZI_TRY(x) do { int r_ = (x); if (r_) return r_; } while (0)

static int zi_bits(zin *s, int need, int *val) {
    uint32_t v = s->bitbuf;
    while (s->bitcnt < need) {
        if (s->pos == s->len) return zi_fail(s, ZI_TRUNC, "unexpected end of file");
        v |= (uint32_t)s->in[s->pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
    s->bitbuf = need ? v >> need : v;
    s->bitcnt -= need;
    *val = (int)(v & ((1u << need) - 1));
    return 0;
}
/* to a byte's boundary: the bits left of this byte dropped, whole bytes read ahead (check) given back */
static void zi_align(zin *s) {
    s->pos -= (size_t)(s->bitcnt / 8);
    s->bitbuf = 0;
    s->bitcnt = 0;
}
static int zi_grow(zin *s, size_t more) {
    if (s->check || s->n + more <= s->cap) return 0;
    if ((double)(s->n + more) > s->max) return zi_fail(s, ZI_BIG, NULL);
    size_t next = s->cap ? s->cap * 2 : 4096;
    while (next < s->n + more) next *= 2;
    if ((double)next > s->max) next = (size_t)s->max;
    uint8_t *grown = malloc(next); /* not realloc: the old copy's bytes would stay in a snapshot */
    if (!grown) return zi_fail(s, ZI_MEM, NULL);
    if (s->out) { memcpy(grown, s->out, s->n); edge_heap_free_buffer(s->out, s->cap); }
    s->out = grown;
    s->cap = next;
    return 0;
}
/* 0 complete, > 0 incomplete, < 0 over-subscribed */
static int zi_construct(zi_huff *h, const short *length, int n) {
    short offs[16];
    int left = 1, len, sym;
    for (len = 0; len < 16; len++) h->count[len] = 0;
    for (sym = 0; sym < n; sym++) h->count[length[sym]]++;
    h->maxlen = 0;
    for (len = 1; len < 16; len++) if (h->count[len]) h->maxlen = len;
    for (len = 1; len < 16; len++) {
        left <<= 1;
        left -= h->count[len];
        if (left < 0) return left;
    }
    offs[1] = 0;
    for (len = 1; len < 15; len++) offs[len + 1] = offs[len] + h->count[len];
    for (sym = 0; sym < n; sym++) if (length[sym]) h->symbol[offs[length[sym]]++] = sym;
    memset(h->fast, 0, sizeof h->fast);
    int code = 0, index = 0;
    for (len = 1; len <= ZI_FAST; len++, code <<= 1) {
        for (int i = 0; i < h->count[len]; i++, code++, index++) {
            int rev = 0;
            for (int b = 0; b < len; b++) rev |= ((code >> b) & 1) << (len - 1 - b);
            for (int e = rev; e < (1 << ZI_FAST); e += 1 << len) h->fast[e] = (uint16_t)(h->symbol[index] << 4 | len);
        }
    }
    return left;
}
/* a symbol, or -1 for a bit pattern that is no code (zlib's table entry marked invalid) */
static int zi_decode(zin *s, const zi_huff *h, int *sym) {
    if (s->check) {
        while (s->bitcnt <= 24 && s->pos < s->len) {
            s->bitbuf |= (uint32_t)s->in[s->pos++] << s->bitcnt;
            s->bitcnt += 8;
        }
        unsigned e = h->fast[s->bitbuf & ((1u << ZI_FAST) - 1)];
        if (e && (int)(e & 15) <= s->bitcnt) {
            s->bitbuf >>= e & 15;
            s->bitcnt -= (int)(e & 15);
            *sym = (int)(e >> 4);
            return 0;
        }
    }
    int code = 0, first = 0, index = 0, b, maxlen = h->maxlen ? h->maxlen : 1;
    for (int len = 1; len <= maxlen; len++) {
        ZI_TRY(zi_bits(s, 1, &b));
        code |= b;
        int count = h->count[len];
        if (code - count < first) { *sym = h->symbol[index + (code - first)]; return 0; }
        index += count;
        first += count;
        first <<= 1;
        code <<= 1;
    }
    *sym = -1;
    return 0;
}
static const short zi_lbase[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const short zi_lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const short zi_dbase[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const short zi_dext[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
static int zi_codes_check(zin *s, const zi_huff *lencode, const zi_huff *distcode);
static int zi_codes(zin *s, const zi_huff *lencode, const zi_huff *distcode) {
    int sym, v;
    if (s->check) return zi_codes_check(s, lencode, distcode);
    for (;;) {
        ZI_TRY(zi_decode(s, lencode, &sym));
        if (sym < 0 || sym > 285) return zi_fail(s, ZI_DATA, "invalid literal/length code");
        if (sym < 256) {
            ZI_TRY(zi_grow(s, 1));
            if (!s->check) s->out[s->n] = (uint8_t)sym;
            s->n++;
            continue;
        }
        if (sym == 256) return 0;
        sym -= 257;
        ZI_TRY(zi_bits(s, zi_lext[sym], &v));
        size_t len = (size_t)(zi_lbase[sym] + v);
        ZI_TRY(zi_decode(s, distcode, &sym));
        if (sym < 0 || sym > 29) return zi_fail(s, ZI_DATA, "invalid distance code");
        ZI_TRY(zi_bits(s, zi_dext[sym], &v));
        size_t dist = (size_t)(zi_dbase[sym] + v);
        if (dist > s->n - s->start) return zi_fail(s, ZI_DATA, "invalid distance too far back");
        ZI_TRY(zi_grow(s, len));
        if (s->check) s->n += len;
        else for (; len; len--, s->n++) s->out[s->n] = s->out[s->n - dist];
    }
}
/* zi_codes for `check`: only whether zlib reads the block to its end (the caller reads any stream
 * that fails again with zi_run for zlib's own outcome), with a 64-bit bit buffer in locals refilled
 * 8 bytes at a time and ZI_FAST-bit lookups: ~1.0M fuel for a valid 64 KB raw inflate that libdeflate
 * does in ~2.06M (the plain bit-at-a-time loop with lookups: ~1.9M) */
static int zi_codes_check(zin *s, const zi_huff *lencode, const zi_huff *distcode) {
    const uint8_t *in = s->in;
    size_t len = s->len, pos = s->pos, n = s->n, start = s->start, length, dist;
    uint64_t bb = s->bitbuf;
    int bc = s->bitcnt, sym, extra;
    const uint64_t mask = (1u << ZI_FAST) - 1;
/* ZI_NEED(k): k bits in the buffer (the input's end: zlib would fail too); ZI_SYM: a symbol, -1 for no code */
#define ZI_NEED(k) while (bc < (k)) { if (pos == len) return ZI_TRUNC; bb |= (uint64_t)in[pos++] << bc; bc += 8; }
#define ZI_SYM(h, NEED) do { \
        unsigned e_ = (h)->fast[bb & mask]; \
        if (e_ && (int)(e_ & 15) <= bc) { bb >>= e_ & 15; bc -= (int)(e_ & 15); sym = (int)(e_ >> 4); } \
        else { /* a long code, or the input's last bits: bit by bit */ \
            int code_ = 0, first_ = 0, index_ = 0, l_; \
            sym = -1; \
            for (l_ = 1; l_ <= (h)->maxlen; l_++) { \
                NEED(1); \
                code_ |= (int)(bb & 1); bb >>= 1; bc--; \
                int count_ = (h)->count[l_]; \
                if (code_ - count_ < first_) { sym = (h)->symbol[index_ + (code_ - first_)]; break; } \
                index_ += count_; first_ += count_; first_ <<= 1; code_ <<= 1; \
            } \
        } \
    } while (0)
#define ZI_NONE(k) ((void)0)
/* one literal or match: with NEED ZI_NONE when 56 bits are in the buffer (a match takes at most 48) */
#define ZI_STEP(NEED) \
        ZI_SYM(lencode, NEED); \
        if (sym < 256) { \
            if (sym < 0) return ZI_DATA; \
            n++; \
            continue; \
        } \
        if (sym == 256) break; \
        if (sym > 285) return ZI_DATA; \
        extra = zi_lext[sym - 257]; \
        NEED(extra); \
        length = (size_t)zi_lbase[sym - 257] + (size_t)(bb & ((1u << extra) - 1)); \
        bb >>= extra; bc -= extra; \
        ZI_SYM(distcode, NEED); \
        if (sym < 0 || sym > 29) return ZI_DATA; \
        extra = zi_dext[sym]; \
        NEED(extra); \
        dist = (size_t)zi_dbase[sym] + (size_t)(bb & ((1u << extra) - 1)); \
        bb >>= extra; bc -= extra; \
        if (dist > n - start) return ZI_DATA; \
        n += length;
    for (;;) {
        if (len - pos >= 8) { /* libdeflate's refill: 8 bytes read, the whole ones that fit kept */
            uint64_t w;
            memcpy(&w, in + pos, 8);
            bb |= w << bc;
            pos += (size_t)((63 - bc) >> 3);
            bc |= 56;
            ZI_STEP(ZI_NONE)
        } else {
            while (bc <= 56 && pos < len) { bb |= (uint64_t)in[pos++] << bc; bc += 8; }
            ZI_STEP(ZI_NEED)
        }
    }
#undef ZI_STEP
#undef ZI_NONE
#undef ZI_SYM
#undef ZI_NEED
    pos -= (size_t)(bc / 8); /* whole bytes read ahead given back; the rest of this byte in the bit buffer */
    bc &= 7;
    s->bitbuf = (uint32_t)(bb & ((1u << bc) - 1));
    s->bitcnt = bc;
    s->pos = pos;
    s->n = n;
    return 0;
}
static int zi_stored(zin *s) {
    int len, nlen;
    zi_align(s);
    ZI_TRY(zi_bits(s, 16, &len));
    ZI_TRY(zi_bits(s, 16, &nlen));
    if (len != (~nlen & 0xffff)) return zi_fail(s, ZI_DATA, "invalid stored block lengths");
    while (len > 0) { /* zlib copies what there is before it runs out */
        if (s->pos == s->len) return zi_fail(s, ZI_TRUNC, "unexpected end of file");
        size_t n = s->len - s->pos < (size_t)len ? s->len - s->pos : (size_t)len;
        ZI_TRY(zi_grow(s, n));
        if (!s->check) memcpy(s->out + s->n, s->in + s->pos, n);
        s->n += n;
        s->pos += n;
        len -= (int)n;
    }
    return 0;
}
static int zi_fixed(zin *s) {
    static zi_huff lencode, distcode;
    static int built;
    if (!built) {
        short lengths[288];
        int sym;
        for (sym = 0; sym < 144; sym++) lengths[sym] = 8;
        for (; sym < 256; sym++) lengths[sym] = 9;
        for (; sym < 280; sym++) lengths[sym] = 7;
        for (; sym < 288; sym++) lengths[sym] = 8;
        zi_construct(&lencode, lengths, 288);
        for (sym = 0; sym < 32; sym++) lengths[sym] = 5;
        zi_construct(&distcode, lengths, 32);
        built = 1;
    }
    return zi_codes(s, &lencode, &distcode);
}
static int zi_dynamic(zin *s) {
    static const short order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    short lengths[320];
    zi_huff lencode, distcode;
    int nlen, ndist, ncode, v, index, sym, err;
    ZI_TRY(zi_bits(s, 5, &nlen));
    ZI_TRY(zi_bits(s, 5, &ndist));
    ZI_TRY(zi_bits(s, 4, &ncode));
    nlen += 257;
    ndist += 1;
    ncode += 4;
    if (nlen > 286 || ndist > 30) return zi_fail(s, ZI_DATA, "too many length or distance symbols");
    for (index = 0; index < ncode; index++) {
        ZI_TRY(zi_bits(s, 3, &v));
        lengths[order[index]] = (short)v;
    }
    for (; index < 19; index++) lengths[order[index]] = 0;
    err = zi_construct(&lencode, lengths, 19);
    if (err != 0 && lencode.maxlen != 0) return zi_fail(s, ZI_DATA, "invalid code lengths set");
    for (index = 0; index < nlen + ndist;) {
        ZI_TRY(zi_decode(s, &lencode, &sym));
        if (sym < 0) sym = 0; /* no codes: zlib's table reads each length as 0, one bit each */
        if (sym < 16) {
            lengths[index++] = (short)sym;
            continue;
        }
        short len = 0;
        if (sym == 16) {
            ZI_TRY(zi_bits(s, 2, &v));
            if (index == 0) return zi_fail(s, ZI_DATA, "invalid bit length repeat");
            len = lengths[index - 1];
            sym = 3 + v;
        } else if (sym == 17) {
            ZI_TRY(zi_bits(s, 3, &v));
            sym = 3 + v;
        } else {
            ZI_TRY(zi_bits(s, 7, &v));
            sym = 11 + v;
        }
        if (index + sym > nlen + ndist) return zi_fail(s, ZI_DATA, "invalid bit length repeat");
        while (sym--) lengths[index++] = len;
    }
    if (lengths[256] == 0) return zi_fail(s, ZI_DATA, "invalid code -- missing end-of-block");
    err = zi_construct(&lencode, lengths, nlen);
    if (err < 0 || (err > 0 && lencode.maxlen > 1)) return zi_fail(s, ZI_DATA, "invalid literal/lengths set");
    err = zi_construct(&distcode, lengths + nlen, ndist);
    if (err < 0 || (err > 0 && distcode.maxlen > 1)) return zi_fail(s, ZI_DATA, "invalid distances set");
    return zi_codes(s, &lencode, &distcode);
}
static int zi_blocks(zin *s, int one) {
    int last, type;
    s->start = s->n;
    do {
        ZI_TRY(zi_bits(s, 1, &last));
        ZI_TRY(zi_bits(s, 2, &type));
        if (type == 0) ZI_TRY(zi_stored(s));
        else if (type == 1) ZI_TRY(zi_fixed(s));
        else if (type == 2) ZI_TRY(zi_dynamic(s));
        else return zi_fail(s, ZI_DATA, "invalid block type");
    } while (!last && !one);
    zi_align(s);
    return 0;
}
static int zi_word(zin *s, uint32_t *v) { /* 4 bytes, little-endian */
    int lo, hi;
    ZI_TRY(zi_bits(s, 16, &lo));
    ZI_TRY(zi_bits(s, 16, &hi));
    *v = (uint32_t)lo | ((uint32_t)hi << 16);
    return 0;
}
static int zi_gzip_member(zin *s, int header_only) {
    size_t head = s->pos;
    int v, flags, n;
    ZI_TRY(zi_bits(s, 16, &v));
    if (v != 0x8b1f) return zi_fail(s, ZI_DATA, "incorrect header check");
    ZI_TRY(zi_bits(s, 16, &v));
    flags = v >> 8;
    if ((v & 0xff) != 8) return zi_fail(s, ZI_DATA, "unknown compression method");
    if (flags & 0xe0) return zi_fail(s, ZI_DATA, "unknown header flags set");
    for (n = 0; n < 3; n++) ZI_TRY(zi_bits(s, 16, &v)); /* time, extra flags, OS */
    if (flags & 4) {
        ZI_TRY(zi_bits(s, 16, &n));
        while (n-- > 0) ZI_TRY(zi_bits(s, 8, &v));
    }
    if (flags & 8) do ZI_TRY(zi_bits(s, 8, &v)); while (v);
    if (flags & 16) do ZI_TRY(zi_bits(s, 8, &v)); while (v);
    if (flags & 2) {
        uint32_t crc = libdeflate_crc32(0, s->in + head, s->pos - head) & 0xffff;
        ZI_TRY(zi_bits(s, 16, &v));
        if ((uint32_t)v != crc) return zi_fail(s, ZI_DATA, "header crc mismatch");
    }
    if (header_only) return 0;
    ZI_TRY(zi_blocks(s, 0));
    uint32_t crc, size;
    ZI_TRY(zi_word(s, &crc));
    if (crc != libdeflate_crc32(0, s->out + s->start, s->n - s->start)) return zi_fail(s, ZI_DATA, "incorrect data check");
    ZI_TRY(zi_word(s, &size));
    if (size != (uint32_t)(s->n - s->start)) return zi_fail(s, ZI_DATA, "incorrect length check");
    return 0;
}
/* format 0 raw, 1 zlib, 2 gzip (members until the input ends or a zero byte follows one, as Node);
 * header_only: Z_BLOCK, which stops where the first block starts (after it, for raw deflate) */
static int zi_run(zin *s, int format, int header_only) {
    int v;
    if (format == 2) {
        do ZI_TRY(zi_gzip_member(s, header_only));
        while (!header_only && s->pos < s->len && s->in[s->pos] != 0);
        return 0;
    }
    if (format == 1) {
        ZI_TRY(zi_bits(s, 16, &v));
        int cmf = v & 0xff, flg = v >> 8;
        if (((cmf << 8) + flg) % 31) return zi_fail(s, ZI_DATA, "incorrect header check");
        if ((cmf & 15) != 8) return zi_fail(s, ZI_DATA, "unknown compression method");
        if ((cmf >> 4) + 8 > 15) return zi_fail(s, ZI_DATA, "invalid window size");
        if (flg & 0x20) {
            uint32_t id;
            ZI_TRY(zi_word(s, &id));
            return zi_fail(s, ZI_DICT, "Missing dictionary");
        }
        if (header_only) return 0;
        ZI_TRY(zi_blocks(s, 0));
        uint32_t adler = 0;
        for (int i = 0; i < 4; i++) {
            ZI_TRY(zi_bits(s, 8, &v));
            adler = (adler << 8) | (uint32_t)v;
        }
        if (adler != libdeflate_adler32(1, s->out, s->n)) return zi_fail(s, ZI_DATA, "incorrect data check");
        return 0;
    }
    return zi_blocks(s, header_only); /* raw: zlib's Z_BLOCK stops after the first block */
}

/* [errno (0, or zlib's: -5 Z_BUF_ERROR, -3 Z_DATA_ERROR, 2 Z_NEED_DICT), zlib's message, the output
 * (what was decoded before an error), the input bytes read] */
static JSValue inflate_result(JSContext *c, int err, const char *msg, const uint8_t *out, size_t n, size_t read) {
    JSValue r = JS_NewArray(c);
    JS_SetPropertyUint32(c, r, 0, JS_NewInt32(c, err));
    JS_SetPropertyUint32(c, r, 1, msg ? JS_NewString(c, msg) : JS_NULL);
    JS_SetPropertyUint32(c, r, 2, JS_NewUint8ArrayCopy(c, out, n));
    JS_SetPropertyUint32(c, r, 3, JS_NewFloat64(c, (double)read));
    return r;
}

/* inflate(format, data, maxOutput, flush) -> inflate_result: libdeflate, member after member as
 * Node's gunzip reads them; where it fails (or for Z_BLOCK), zlib's outcome from zi_run. A
 * truncated end is an error with Z_FINISH (4) only, as in Node: with another finishFlush the output
 * so far is the result. More output than maxOutput is a RangeError (zlib.js passes the size at
 * which Node's chunks would have passed its maxOutputLength before any error). */
static JSValue n_inflate(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t format, flush = 4;
    double max_out;
    size_t len;
    if (JS_ToInt32(c, &format, argv[0]) || JS_ToFloat64(c, &max_out, argv[2])) return JS_EXCEPTION;
    if (argc > 3 && !JS_IsUndefined(argv[3]) && JS_ToInt32(c, &flush, argv[3])) return JS_EXCEPTION;
    uint8_t *in = bytes_of(c, argv[1], &len);
    if (!in) return JS_EXCEPTION;
    if (!decompressor && !(decompressor = libdeflate_alloc_decompressor())) return JS_ThrowOutOfMemory(c);
    size_t cap = len * 4 + 1024, total = 0, used_in = 0;
    enum libdeflate_result res = LIBDEFLATE_BAD_DATA;
    uint8_t *out = malloc(cap);
    if (!out) return JS_ThrowOutOfMemory(c);
    while (len > 0 && flush != 5) {
        size_t in_n = 0, out_n = 0;
        if (format == 2 && len - used_in > 3 && (in[used_in + 3] & 2)) { /* libdeflate skips a header CRC */
            zin h = {.in = in + used_in, .len = len - used_in, .max = 0};
            if (zi_gzip_member(&h, 1)) { res = LIBDEFLATE_BAD_DATA; break; }
        }
        for (;;) {
            size_t room = cap - total;
            res = format == 2 ? libdeflate_gzip_decompress_ex(decompressor, in + used_in, len - used_in, out + total, room, &in_n, &out_n)
                : format == 1 ? libdeflate_zlib_decompress_ex(decompressor, in + used_in, len - used_in, out + total, room, &in_n, &out_n)
                : libdeflate_deflate_decompress_ex(decompressor, in + used_in, len - used_in, out + total, room, &in_n, &out_n);
            if (res != LIBDEFLATE_INSUFFICIENT_SPACE) break;
            if ((double)cap >= max_out) {
                edge_heap_free_buffer(out, cap);
                return JS_ThrowRangeError(c, "Cannot create a Buffer larger than %.0f bytes", max_out);
            }
            size_t next = cap * 2;
            if ((double)next > max_out) next = (size_t)max_out;
            uint8_t *grown = malloc(next);
            if (!grown) { edge_heap_free_buffer(out, cap); return JS_ThrowOutOfMemory(c); }
            memcpy(grown, out, total);
            edge_heap_free_buffer(out, cap);
            out = grown;
            cap = next;
        }
        if (res != LIBDEFLATE_SUCCESS) break;
        total += out_n;
        used_in += in_n;
        /* zlib/raw: trailing bytes are ignored, as zlib does; gzip: another member follows unless
         * the input ends or a zero byte (padding) comes next, as in Node */
        if (format != 2 || used_in == len || in[used_in] == 0) break;
    }
    if (res == LIBDEFLATE_SUCCESS && format == 0) {
        /* raw deflate has no check value to catch what libdeflate takes and zlib does not (a fixed
         * block's length/literal codes 286 and 287 and distance codes 30 and 31, more than 286 or 30
         * codes, the unused half of a one-code Huffman code, an incomplete code-length code):
         * zlib's reading of the blocks must get to the same end, else zlib's error is zi_run's */
        zin v = {.in = in, .len = len, .check = 1};
        if (zi_blocks(&v, 0) != 0 || v.n != total || v.pos != used_in) res = LIBDEFLATE_BAD_DATA;
    }
    if (res == LIBDEFLATE_SUCCESS) {
        JSValue r = inflate_result(c, 0, NULL, out, total, used_in);
        edge_heap_free_buffer(out, cap);
        return r;
    }
    edge_heap_free_buffer(out, cap);
    zin s = {.in = in, .len = len, .max = max_out};
    int err = zi_run(&s, format, flush == 5);
    JSValue r;
    if (err == ZI_BIG) r = JS_ThrowRangeError(c, "Cannot create a Buffer larger than %.0f bytes", max_out);
    else if (err == ZI_MEM) r = JS_ThrowOutOfMemory(c);
    else if (err == ZI_TRUNC && flush != 4) r = inflate_result(c, 0, NULL, s.out, s.n, s.pos);
    else r = inflate_result(c, err, s.msg, s.out, s.n, s.pos);
    if (s.out) edge_heap_free_buffer(s.out, s.cap);
    return r;
}

/* readFile(path, bytes) -> the file (build time only: there is no filesystem later) as a string
 * read as UTF-8 (sources, boot.js), or with `bytes` true its exact bytes as a Uint8Array (fs.js:
 * an image, a gzip, anything that is not UTF-8 text); null when it cannot be read */
static JSValue n_read_file(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int bytes = argc > 1 && JS_ToBool(c, argv[1]);
    const char *path = JS_ToCString(c, argv[0]);
    if (!path) return JS_EXCEPTION;
    FILE *f = initializing ? fopen(path, "rb") : NULL;
    JS_FreeCString(c, path);
    if (!f) return JS_NULL;
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) { /* grown by hand: realloc would leave the old copy's bytes in the snapshot */
            char *grown = malloc(cap * 2);
            if (grown) memcpy(grown, buf, n);
            edge_heap_free_buffer(buf, cap);
            buf = grown;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) return JS_ThrowOutOfMemory(c);
    JSValue r = bytes ? JS_NewUint8ArrayCopy(c, (const uint8_t *)buf, n) : JS_NewStringLen(c, buf, n);
    edge_heap_free_buffer(buf, cap);
    return r;
}

/* stat(path): 0 missing, 1 file, 2 directory (build time only: there is no filesystem later) */
static JSValue n_stat(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    const char *path = JS_ToCString(c, argv[0]);
    if (!path) return JS_EXCEPTION;
    struct stat st;
    int kind = 0;
    if (initializing && stat(path, &st) == 0) kind = S_ISDIR(st.st_mode) ? 2 : S_ISREG(st.st_mode) ? 1 : 0;
    JS_FreeCString(c, path);
    return JS_NewInt32(c, kind);
}

/* promiseState(p) -> [0 pending | 1 fulfilled | 2 rejected, value] (util.inspect) */
static JSValue n_promise_state(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValue r = JS_NewArray(c);
    JSPromiseStateEnum st = JS_PromiseState(c, argv[0]);
    int code = st == JS_PROMISE_FULFILLED ? 1 : st == JS_PROMISE_REJECTED ? 2 : 0;
    JS_SetPropertyUint32(c, r, 0, JS_NewInt32(c, code));
    if (code) JS_SetPropertyUint32(c, r, 1, JS_PromiseResult(c, argv[0]));
    return r;
}

/* evalScript(source, filename[, compileOnly]): a global (sloppy unless 'use strict') script, as Node's
 * CommonJS wrapper; compileOnly parses it and runs nothing (the loader's syntax-error probes) */
static JSValue n_eval_script(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    const char *src = JS_ToCStringLen(c, &len, argv[0]);
    if (!src) return JS_EXCEPTION;
    const char *name = JS_ToCString(c, argv[1]);
    if (!name) { JS_FreeCString(c, src); return JS_EXCEPTION; }
    int flags = JS_EVAL_TYPE_GLOBAL | (argc > 2 && JS_ToBool(c, argv[2]) ? JS_EVAL_FLAG_COMPILE_ONLY : 0);
    JSValue r = JS_Eval(c, src, len, name, flags);
    if ((flags & JS_EVAL_FLAG_COMPILE_ONLY) && !JS_IsException(r)) {
        JS_FreeValue(c, r); /* bytecode, not a value for JavaScript to hold */
        r = JS_UNDEFINED;
    }
    JS_FreeCString(c, name);
    JS_FreeCString(c, src);
    return r;
}

/* importModule(path): a promise of the ES module's namespace (its imports through the hooks) */
static JSValue n_import_module(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    const char *path = JS_ToCString(c, argv[0]);
    if (!path) return JS_EXCEPTION;
    JSValue r = JS_LoadModule(c, "", path);
    JS_FreeCString(c, path);
    return r;
}

/* busy_module.h, in quickjs.c */
JSModuleDef *edge_busy_module(JSContext *ctx, JSModuleDef *m, JSModuleDef **importer, JSAtom *specifier,
                              int *failed);

static JSValue module_name(JSContext *c, JSModuleDef *m) {
    JSAtom name = JS_GetModuleName(c, m);
    JSValue s = JS_AtomToString(c, name);
    JS_FreeAtom(c, name);
    return s;
}

/* requireModule(source, name): require() of an ES module (Node 20.19+). `source` is a module that
 * imports the one required (the loader's `export * as ns from '...'`), compiled as `name` and
 * evaluated at once: [1, its namespace] when the graph ran to the end, [2, the error, the promise]
 * when it threw, [0] while it waits on a top-level await; and, not evaluated, [3, a module's name,
 * the name of the module that imports it (null: `source`), the specifier it imports it by] when the
 * graph is in a cycle: that module is being loaded, linked or evaluated (a CommonJS file it imports
 * requires it back, as it loads or as it runs: evaluating it read a NULL module and trapped) */
static JSValue n_require_module(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    const char *src = JS_ToCStringLen(c, &len, argv[0]);
    if (!src) return JS_EXCEPTION;
    const char *name = JS_ToCString(c, argv[1]);
    if (!name) { JS_FreeCString(c, src); return JS_EXCEPTION; }
    JSValue fn = JS_Eval(c, src, len, name, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    JS_FreeCString(c, name);
    JS_FreeCString(c, src);
    if (JS_IsException(fn)) return JS_EXCEPTION;
    JSModuleDef *m = JS_VALUE_GET_PTR(fn);
    if (JS_ResolveModule(c, fn) < 0) { JS_FreeValue(c, fn); return JS_EXCEPTION; }
    JSModuleDef *importer;
    JSAtom specifier;
    int failed;
    JSModuleDef *busy = edge_busy_module(c, m, &importer, &specifier, &failed);
    if (failed) { JS_FreeValue(c, fn); return JS_EXCEPTION; }
    if (busy) {
        JS_FreeValue(c, fn); /* stays in the context's list, resolved, never linked */
        JSValue r = JS_NewArray(c);
        JS_SetPropertyUint32(c, r, 0, JS_NewInt32(c, 3));
        JS_SetPropertyUint32(c, r, 1, module_name(c, busy));
        JS_SetPropertyUint32(c, r, 2, importer && importer != m ? module_name(c, importer) : JS_NULL);
        JS_SetPropertyUint32(c, r, 3, specifier != JS_ATOM_NULL ? JS_AtomToString(c, specifier) : JS_UNDEFINED);
        return r;
    }
    JSValue p = JS_EvalFunction(c, fn); /* takes fn; the module stays in the context's list */
    if (JS_IsException(p)) return JS_EXCEPTION;
    JSPromiseStateEnum st = JS_PromiseState(c, p);
    JSValue r = JS_NewArray(c);
    int code = st == JS_PROMISE_FULFILLED ? 1 : st == JS_PROMISE_REJECTED ? 2 : 0;
    JS_SetPropertyUint32(c, r, 0, JS_NewInt32(c, code));
    if (code == 1) JS_SetPropertyUint32(c, r, 1, JS_GetModuleNamespace(c, m));
    if (code == 2) {
        JS_SetPropertyUint32(c, r, 1, JS_PromiseResult(c, p));
        JS_SetPropertyUint32(c, r, 2, JS_DupValue(c, p));
    }
    JS_FreeValue(c, p);
    return r;
}

/* environ() -> the host's WASI environment as an object. Read from WASI itself, not libc's
 * `environ`: libc fills that once, when the module starts, which for a function is at build time. */
static JSValue n_environ(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValue obj = JS_NewObject(c);
    __wasi_size_t count = 0, size = 0;
    if (initializing || __wasi_environ_sizes_get(&count, &size) != 0 || count == 0) return obj;
    char **ptrs = malloc(count * sizeof(char *));
    char *buf = malloc(size ? size : 1);
    if (ptrs && buf && __wasi_environ_get((uint8_t **)ptrs, (uint8_t *)buf) == 0) {
        for (__wasi_size_t i = 0; i < count; i++) {
            const char *eq = strchr(ptrs[i], '=');
            if (!eq) continue;
            JSAtom name = JS_NewAtomLen(c, ptrs[i], (size_t)(eq - ptrs[i]));
            JS_SetProperty(c, obj, name, JS_NewString(c, eq + 1));
            JS_FreeAtom(c, name);
        }
    }
    free(ptrs);
    free(buf);
    return obj;
}

/* setHooks({resolve, source}): the module hooks, needed while boot.js itself loads ES modules */
static JSValue n_set_hooks(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    JS_FreeValue(c, hooks);
    hooks = JS_DupValue(c, argv[0]);
    return JS_UNDEFINED;
}

/* An error's own `stack` is made when first read (engine.py's QUICKJS_EDITS, "lazy stack"): by the
 * Node layer's maker (util.js), set with setStackMaker(fn); before it is set, the engine's frames. */
static JSValue stack_maker = JS_UNDEFINED;
JSValue edge_error_stack(JSContext *c, JSValueConst err) {
    if (!JS_IsFunction(c, stack_maker)) return JS_UNINITIALIZED;
    return JS_Call(c, stack_maker, JS_UNDEFINED, 1, &err);
}
static JSValue n_set_stack_maker(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    JS_FreeValue(c, stack_maker);
    stack_maker = JS_DupValue(c, argv[0]);
    return JS_UNDEFINED;
}
/* lazyStack(obj): its own data `stack` (Error.captureStackTrace's, a DOMException's frames, which
 * the layer keeps) made lazy in place -> whether it was */
int edge_lazy_stack(JSContext *c, JSValueConst obj); /* quickjs.c */
static JSValue n_lazy_stack(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int r = edge_lazy_stack(c, argv[0]);
    return r < 0 ? JS_EXCEPTION : JS_NewBool(c, r);
}

/* onRejection(fn): told of every promise rejected with no handler, and of a handler added later */
static JSValue n_on_rejection(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    JS_FreeValue(c, rejection_hook);
    rejection_hook = JS_DupValue(c, argv[0]);
    return JS_UNDEFINED;
}

static void track_rejection(JSContext *c, JSValueConst promise, JSValueConst reason, bool is_handled, void *opaque) {
    if (!JS_IsFunction(c, rejection_hook)) return;
    JSValueConst args[3] = { promise, reason, JS_NewBool(c, is_handled) };
    JSValue r = JS_Call(c, rejection_hook, JS_UNDEFINED, 3, args);
    if (JS_IsException(r)) JS_FreeValue(c, JS_GetException(c));
    JS_FreeValue(c, r);
}

/* argv() -> the host's WASI argv: [function name, version, memory MiB, timeout ms] (docs/abi.md) */
static JSValue n_argv(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValue arr = JS_NewArray(c);
    __wasi_size_t count = 0, size = 0;
    if (initializing || __wasi_args_sizes_get(&count, &size) != 0 || count == 0) return arr;
    char **ptrs = malloc(count * sizeof(char *));
    char *buf = malloc(size ? size : 1);
    if (ptrs && buf && __wasi_args_get((uint8_t **)ptrs, (uint8_t *)buf) == 0)
        for (__wasi_size_t i = 0; i < count; i++) JS_SetPropertyUint32(c, arr, i, JS_NewString(c, ptrs[i]));
    free(ptrs);
    free(buf);
    return arr;
}

/* utf8Encode(string) -> Uint8Array (lone surrogates become U+FFFD, as TextEncoder) */
static JSValue n_utf8_encode(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    const char *s = JS_ToCStringLen(c, &len, argv[0]);
    if (!s) return JS_EXCEPTION;
    JSValue r = JS_NewUint8ArrayCopy(c, (const uint8_t *)s, len);
    JS_FreeCString(c, s);
    return r;
}

/* Length of the valid UTF-8 sequence at p (WHATWG decoder ranges), or 0 if the maximal subpart
 * there is invalid; *bad is then set to the number of bytes that subpart spans (at least 1). */
static size_t utf8_valid_at(const uint8_t *p, size_t avail, size_t *bad) {
    uint8_t b = p[0];
    size_t need;
    uint8_t lower = 0x80, upper = 0xBF;
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) need = 1;
    else if (b >= 0xE0 && b <= 0xEF) { need = 2; if (b == 0xE0) lower = 0xA0; if (b == 0xED) upper = 0x9F; }
    else if (b >= 0xF0 && b <= 0xF4) { need = 3; if (b == 0xF0) lower = 0x90; if (b == 0xF4) upper = 0x8F; }
    else { *bad = 1; return 0; }
    size_t i = 1;
    for (; i <= need; i++) {
        if (i >= avail || p[i] < lower || p[i] > upper) { *bad = i; return 0; }
        lower = 0x80;
        upper = 0xBF;
    }
    return need + 1;
}

/* UTF-8 bytes to a string; each invalid maximal subpart becomes one U+FFFD (WHATWG, as Node).
 * Decoded to UTF-16 here in one pass: QuickJS's own UTF-8 reading takes three. */
static JSValue utf8_decode(JSContext *c, const uint8_t *p, size_t len) {
    size_t i = 0, o, bad, n;
    uint64_t w;
    while (i + 8 <= len && (memcpy(&w, p + i, 8), !(w & 0x8080808080808080ull))) i += 8;
    while (i < len && p[i] < 0x80) i++;
    if (i == len) return JS_NewStringLen(c, (const char *)p, len); /* ASCII */
    uint16_t *out = js_malloc(c, len * 2); /* a unit per byte at most */
    if (!out) return JS_ThrowOutOfMemory(c);
    for (o = 0; o < i; o++) out[o] = p[o];
    uint32_t high = 0, valid = 1;
    while (i < len) {
        uint8_t b = p[i];
        if (b < 0x80) { out[o++] = b; i++; continue; }
        if ((n = utf8_valid_at(p + i, len - i, &bad)) == 0) { out[o++] = 0xFFFD; high = 0xFFFD; valid = 0; i += bad; continue; }
        uint32_t cp = n == 2 ? (b & 0x1Fu) << 6 | (p[i + 1] & 0x3F)
                    : n == 3 ? (b & 0x0Fu) << 12 | (p[i + 1] & 0x3Fu) << 6 | (p[i + 2] & 0x3F)
                    : (b & 0x07u) << 18 | (p[i + 1] & 0x3Fu) << 12 | (p[i + 2] & 0x3Fu) << 6 | (p[i + 3] & 0x3F);
        if (cp > 0xFFFF) { cp -= 0x10000; out[o++] = (uint16_t)(0xD800 | cp >> 10); out[o++] = (uint16_t)(0xDC00 | (cp & 0x3FF)); high = 0xFFFF; }
        else { out[o++] = (uint16_t)cp; high |= cp; }
        i += n;
    }
    /* only Latin-1 characters: QuickJS keeps that as a one-byte string, which it makes from UTF-8 */
    JSValue r = high < 0x100 && valid ? JS_NewStringLen(c, (const char *)p, len) : JS_NewStringUTF16(c, out, o);
    js_free(c, out);
    return r;
}

/* utf8Decode(Uint8Array) -> string (TextDecoder) */
static JSValue n_utf8_decode(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    uint8_t *p = bytes_of(c, argv[0], &len);
    if (!p) return JS_EXCEPTION;
    return utf8_decode(c, p, len);
}

/* ---- Buffer's string conversions (buffer.js), with Node's results ------------------------------
 * Encodings: the numbers buffer.js passes. Strings are read as QuickJS gives them: UTF-8 with lone
 * surrogates kept (3 bytes each; a pair is one 4-byte sequence), without a copy when the string is
 * ASCII; or, for the encodings that work on UTF-16 code units, as those units. */
enum { ENC_UTF8, ENC_UTF16LE, ENC_LATIN1, ENC_ASCII, ENC_BASE64, ENC_BASE64URL, ENC_HEX };

static uint8_t *view_of(JSContext *c, JSValueConst v, size_t *len) { /* an empty view's data may be NULL */
    uint8_t *p = JS_GetUint8Array(c, len, v);
    if (!p && !JS_HasException(c)) return (uint8_t *)"";
    return p;
}

static int is_ascii(const uint8_t *p, size_t n) {
    size_t i = 0;
    uint64_t acc = 0;
    for (; i + 8 <= n; i += 8) { uint64_t w; memcpy(&w, p + i, 8); acc |= w; }
    for (; i < n; i++) acc |= p[i];
    return !(acc & 0x8080808080808080ull);
}

/* A string's UTF-16 code units: 8-bit (an ASCII string's own bytes) or 16-bit (a copy). */
typedef struct { const uint8_t *u8; const uint16_t *u16; size_t len; } Units;

static int units_of(JSContext *c, JSValueConst v, Units *u) {
    size_t n;
    const char *s = JS_ToCStringLen(c, &n, v);
    if (!s) return -1;
    u->u16 = NULL;
    if (is_ascii((const uint8_t *)s, n)) { u->u8 = (const uint8_t *)s; u->len = n; return 0; }
    JS_FreeCString(c, s);
    u->u8 = NULL;
    u->u16 = JS_ToCStringLenUTF16(c, &u->len, v);
    return u->u16 ? 0 : -1;
}

static void units_free(JSContext *c, Units *u) {
    if (u->u8) JS_FreeCString(c, (const char *)u->u8);
    if (u->u16) JS_FreeCStringUTF16(c, u->u16);
}

static inline unsigned unit_at(const Units *u, size_t i) { return u->u8 ? u->u8[i] : u->u16[i]; }

/* Each unit's low byte, as Node reads a two-byte string for latin1, hex and base64: the ASCII
 * string itself, or a copy (*owned set). */
static const uint8_t *low_bytes(JSContext *c, const Units *u, uint8_t **owned) {
    *owned = NULL;
    if (u->u8) return u->u8;
    uint8_t *b = js_malloc(c, u->len ? u->len : 1);
    if (!b) return NULL;
    for (size_t i = 0; i < u->len; i++) b[i] = (uint8_t)u->u16[i];
    return *owned = b;
}

/* UTF-8 into dst (at most max bytes, whole characters only); lone surrogates become U+FFFD */
static size_t utf8_write(uint8_t *dst, size_t max, const uint8_t *s, size_t n) {
    size_t i = 0;
    if (n <= max) {
        memcpy(dst, s, n);
        i = n;
    } else {
        while (i < n) {
            uint8_t b = s[i];
            size_t k = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
            if (i + k > max) break;
            memcpy(dst + i, s + i, k);
            i += k;
        }
    }
    for (uint8_t *p = dst; (p = memchr(p, 0xED, (size_t)(dst + i - p))) != NULL; p++)
        if (p + 1 < dst + i && p[1] >= 0xA0) { p[0] = 0xEF; p[1] = 0xBF; p[2] = 0xBD; p += 2; }
    return i;
}

static const uint8_t B64_DIGITS[2][64] = {
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
};
static uint8_t unbase64[256]; /* both alphabets; 255 for anything else */
static uint8_t unhex[256]; /* 255 for anything but a hex digit */

static void tables_init(void) {
    memset(unbase64, 255, sizeof unbase64);
    for (int i = 0; i < 64; i++) unbase64[B64_DIGITS[0][i]] = unbase64[B64_DIGITS[1][i]] = (uint8_t)i;
    memset(unhex, 255, sizeof unhex);
    for (int i = 0; i < 16; i++) unhex["0123456789abcdef"[i]] = unhex["0123456789ABCDEF"[i]] = (uint8_t)i;
}

/* Node's base64 decoder (src/base64-inl.h): whitespace and other characters are skipped, padding
 * is optional, a '=' where a digit should be ends the input. */
static size_t b64_decoded_size_fast(size_t size) {
    size_t rem = size % 4;
    size = size / 4 * 3;
    if (rem) size = size == 0 && rem == 1 ? 0 : size + 1 + (rem == 3);
    return size;
}

static size_t b64_decoded_size(const Units *u) {
    size_t size = u->len;
    if (size < 2) return 0;
    if (unit_at(u, size - 1) == '=') { size--; if (unit_at(u, size - 1) == '=') size--; }
    return b64_decoded_size_fast(size);
}

static int b64_group_slow(uint8_t *dst, size_t dstlen, const uint8_t *src, size_t srclen, size_t *i, size_t *k) {
    uint8_t hi = 0, lo, ch;
#define V(expr)                                                                     \
    for (;;) {                                                                      \
        ch = src[*i];                                                               \
        lo = unbase64[ch];                                                          \
        *i += 1;                                                                    \
        if (lo < 64) break;                                                         \
        if (ch == '=' || *i >= srclen) return 0;                                    \
    }                                                                               \
    expr;                                                                           \
    if (*i >= srclen) return 0;                                                     \
    if (*k >= dstlen) return 0;                                                     \
    hi = lo;
    V((void)hi);
    V(dst[(*k)++] = (uint8_t)(((hi & 0x3F) << 2) | ((lo & 0x30) >> 4)));
    V(dst[(*k)++] = (uint8_t)(((hi & 0x0F) << 4) | ((lo & 0x3C) >> 2)));
    V(dst[(*k)++] = (uint8_t)(((hi & 0x03) << 6) | (lo & 0x3F)));
#undef V
    return 1;
}

static size_t b64_decode(uint8_t *dst, size_t dstlen, const uint8_t *src, size_t srclen, size_t decoded) {
    size_t available = dstlen < decoded ? dstlen : decoded;
    size_t max_k = available / 3 * 3, max_i = srclen / 4 * 4, i = 0, k = 0;
    while (i < max_i && k < max_k) {
        uint8_t a = unbase64[src[i]], b = unbase64[src[i + 1]], d = unbase64[src[i + 2]], e = unbase64[src[i + 3]];
        if ((a | b | d | e) & 0x80) {
            if (!b64_group_slow(dst, dstlen, src, srclen, &i, &k)) return k;
            max_i = i + (srclen - i) / 4 * 4;
        } else {
            dst[k] = (uint8_t)((a << 2) | (b >> 4));
            dst[k + 1] = (uint8_t)((b << 4) | (d >> 2));
            dst[k + 2] = (uint8_t)((d << 6) | e);
            i += 4;
            k += 3;
        }
    }
    if (i < srclen && k < dstlen) b64_group_slow(dst, dstlen, src, srclen, &i, &k);
    return k;
}

/* Node's hex decoder: pairs of digits until the first pair that is not one (an odd digit left over is ignored) */
static size_t hex_decode(uint8_t *dst, size_t dstlen, const uint8_t *src, size_t srclen) {
    size_t i;
    for (i = 0; i < dstlen && i * 2 + 1 < srclen; i++) {
        uint8_t a = unhex[src[i * 2]], b = unhex[src[i * 2 + 1]];
        if ((a | b) & 0x80) break;
        dst[i] = (uint8_t)(a << 4 | b);
    }
    return i;
}

/* A string to encode, read once: UTF-8 (lone surrogates kept) for utf8, its units otherwise */
typedef struct { int enc; const char *utf8; size_t utf8_len; Units u; } Source;

static int source_of(JSContext *c, JSValueConst str, int enc, Source *src) {
    src->enc = enc;
    src->utf8 = NULL;
    memset(&src->u, 0, sizeof src->u);
    if (enc < ENC_UTF8 || enc > ENC_HEX) { JS_ThrowRangeError(c, "unknown encoding %d", enc); return -1; }
    if (enc == ENC_UTF8) {
        src->utf8 = JS_ToCStringLen(c, &src->utf8_len, str);
        return src->utf8 ? 0 : -1;
    }
    return units_of(c, str, &src->u);
}

static void source_free(JSContext *c, Source *src) {
    if (src->utf8) JS_FreeCString(c, src->utf8);
    units_free(c, &src->u);
}

/* The bytes Buffer.from(string, enc) makes at most (exactly, but for base64 and hex that stop early) */
static size_t source_size(const Source *src) {
    switch (src->enc) {
    case ENC_UTF8: return src->utf8_len;
    case ENC_UTF16LE: return src->u.len * 2;
    case ENC_LATIN1: case ENC_ASCII: return src->u.len;
    case ENC_HEX: return src->u.len / 2;
    default: return b64_decoded_size(&src->u);
    }
}

/* Writes the string into dst (at most max bytes) as Node's buf.write does; returns the bytes
 * written, or -1 (an exception is pending). */
static int64_t source_write(JSContext *c, const Source *src, uint8_t *dst, size_t max) {
    const Units *u = &src->u;
    size_t w = 0;
    switch (src->enc) {
    case ENC_UTF8:
        return (int64_t)utf8_write(dst, max, (const uint8_t *)src->utf8, src->utf8_len);
    case ENC_UTF16LE:
        w = u->len < max / 2 ? u->len : max / 2;
        for (size_t i = 0; i < w; i++) { unsigned x = unit_at(u, i); dst[2 * i] = (uint8_t)x; dst[2 * i + 1] = (uint8_t)(x >> 8); }
        return (int64_t)(w * 2);
    case ENC_LATIN1: case ENC_ASCII:
        w = u->len < max ? u->len : max;
        if (u->u8) memcpy(dst, u->u8, w);
        else for (size_t i = 0; i < w; i++) dst[i] = (uint8_t)u->u16[i];
        return (int64_t)w;
    default: { /* base64, base64url, hex: each unit's low byte, as Node reads a two-byte string */
        uint8_t *owned;
        const uint8_t *bytes = low_bytes(c, u, &owned);
        if (!bytes) { JS_ThrowOutOfMemory(c); return -1; }
        w = src->enc == ENC_HEX ? hex_decode(dst, max, bytes, u->len) : b64_decode(dst, max, bytes, u->len, b64_decoded_size(u));
        if (owned) js_free(c, owned);
        return (int64_t)w;
    }
    }
}

static JSValue new_bytes(JSContext *c, size_t n, uint8_t **p) {
    JSValue len = JS_NewInt64(c, (int64_t)n);
    JSValue r = JS_NewTypedArray(c, 1, &len, JS_TYPED_ARRAY_UINT8);
    if (JS_IsException(r)) return r;
    size_t got;
    *p = view_of(c, r, &got);
    if (!*p) { JS_FreeValue(c, r); return JS_EXCEPTION; }
    return r;
}

static JSValue bv_bytes(JSContext *c, JSValueConst *data, size_t n, uint8_t **p); /* a new Buffer (bufViews) */

/* Buffer.from(string, encoding)'s bytes: a Uint8Array, or with `views` (bufViews' data) a Buffer */
static JSValue buf_from(JSContext *c, JSValueConst *argv, JSValueConst *views) {
    int32_t enc;
    Source src;
    if (JS_ToInt32(c, &enc, argv[1]) || source_of(c, argv[0], enc, &src)) return JS_EXCEPTION;
    size_t n = source_size(&src);
    uint8_t *p, *q;
    JSValue r = views ? bv_bytes(c, views, n, &p) : new_bytes(c, n, &p);
    int64_t w = JS_IsException(r) || n == 0 ? 0 : source_write(c, &src, p, n);
    source_free(c, &src);
    if (w < 0) { JS_FreeValue(c, r); return JS_EXCEPTION; }
    if (JS_IsException(r) || (size_t)w == n) return r;
    /* base64 with whitespace, hex stopped early: the bytes written, in one of their size */
    JSValue exact = views ? bv_bytes(c, views, (size_t)w, &q) : JS_NewUint8ArrayCopy(c, p, (size_t)w);
    if (views && !JS_IsException(exact) && w > 0) memcpy(q, p, (size_t)w);
    JS_FreeValue(c, r);
    return exact;
}

/* bufFrom(string, enc) -> Uint8Array */
static JSValue n_buf_from(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    return buf_from(c, argv, NULL);
}

/* bufWrite(target, string, enc, offset, length) -> bytes written: buf.write(string, offset, length, encoding) */
static JSValue n_buf_write(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t enc;
    int64_t offset, length;
    size_t size;
    uint8_t *p = view_of(c, argv[0], &size);
    if (!p || JS_ToInt32(c, &enc, argv[2]) || JS_ToInt64(c, &offset, argv[3]) || JS_ToInt64(c, &length, argv[4]))
        return JS_EXCEPTION;
    if (offset < 0 || (uint64_t)offset > size) return JS_ThrowRangeError(c, "offset out of range");
    if (length < 0) length = 0;
    if ((uint64_t)length > size - (uint64_t)offset) length = (int64_t)(size - (uint64_t)offset);
    if (length == 0) return JS_NewInt32(c, 0);
    Source src;
    if (source_of(c, argv[1], enc, &src)) return JS_EXCEPTION;
    int64_t w = source_write(c, &src, p + offset, (size_t)length);
    source_free(c, &src);
    return w < 0 ? JS_EXCEPTION : JS_NewInt64(c, w);
}

/* bufSwap(buf, size): reverses each group of `size` (2, 4 or 8) bytes in place, as Node's swap16/32/64
 * (the caller checked that the length is a multiple of size) */
static JSValue n_buf_swap(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    int32_t size;
    uint8_t *p = view_of(c, argv[0], &len);
    if (!p || JS_ToInt32(c, &size, argv[1])) return JS_EXCEPTION;
    if (size != 2 && size != 4 && size != 8) return JS_ThrowRangeError(c, "bufSwap: size must be 2, 4 or 8");
    for (size_t i = 0; i + (size_t)size <= len; i += (size_t)size) {
        for (int32_t a = 0, b = size - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
    }
    return JS_UNDEFINED;
}

/* Buffer's number reads and writes (readUInt32LE, writeDoubleBE, readBigInt64LE, ...) as the
 * prototype's methods themselves: bufNumber(flags, name, length, slow) makes one. A call whose
 * `this` is a Uint8Array, whose offset is a whole number (or absent) with the bytes inside it and,
 * for a write, whose value is a number (an integer in the type's range, any number for a float)
 * or a BigInt in range, is done here; any other call is slow(...args) with the same `this`:
 * buffer.js's port of Node's JavaScript, which gives Node's results and errors. The fast path has
 * no side effects before it decides (no valueOf), so the two agree. ~5,000-30,000 fuel a call in
 * feross's JavaScript, ~700 here (bench/README.md, J15). */
#define BN_SIZE 0x0f /* 1, 2, 4 or 8 bytes; 0: the call's byteLength, 1 to 6 (readUIntLE(offset, byteLength), ...) */
#define BN_SIGNED 0x10
#define BN_BE 0x20
#define BN_FLOAT 0x40
#define BN_BIGINT 0x80
#define BN_WRITE 0x100

static int bn_offset(JSValueConst v, size_t last, size_t *out, int fixed) { /* 1: a whole number in [0, last], or undefined (0) if fixed */
    int tag = JS_VALUE_GET_NORM_TAG(v);
    if (tag == JS_TAG_INT) {
        int32_t i = JS_VALUE_GET_INT(v);
        if (i < 0 || (size_t)i > last) return 0;
        *out = (size_t)i;
        return 1;
    }
    if (tag == JS_TAG_FLOAT64) {
        double d = JS_VALUE_GET_FLOAT64(v);
        if (!(d >= 0 && d <= (double)last) || d != (double)(size_t)d) return 0;
        *out = (size_t)d;
        return 1;
    }
    if (tag == JS_TAG_UNDEFINED && fixed) { *out = 0; return 1; } /* Node's `offset = 0` */
    return 0;
}

static JSValue n_buf_number_call(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv, int flags,
                                 JSValueConst *data) {
    size_t size = (size_t)(flags & BN_SIZE);
    const int write = (flags & BN_WRITE) != 0, fixed = size != 0;
    size_t len, off;
    uint8_t *p, b[8];
    if (JS_GetTypedArrayType(this_val) != JS_TYPED_ARRAY_UINT8) goto slow;
    if (!fixed) { /* byteLength: the argument after the offset */
        if (argc <= 1 + write || JS_VALUE_GET_TAG(argv[1 + write]) != JS_TAG_INT) goto slow;
        int32_t n = JS_VALUE_GET_INT(argv[1 + write]);
        if (n < 1 || n > 6) goto slow;
        size = (size_t)n;
    }
    p = JS_GetUint8Array(c, &len, this_val);
    if (!p) { /* out of bounds (a shrunk resizable buffer): Node's own checks say so */
        if (JS_HasException(c)) JS_FreeValue(c, JS_GetException(c));
        goto slow;
    }
    if (len < size || !bn_offset(argc > write ? argv[write] : JS_UNDEFINED, len - size, &off, fixed)) goto slow;
    p += off;
    if (!write) {
        for (size_t i = 0; i < size; i++) b[i] = flags & BN_BE ? p[size - 1 - i] : p[i]; /* little-endian */
        if (flags & BN_FLOAT) {
            if (size == 4) { float f; memcpy(&f, b, 4); return JS_NewFloat64(c, (double)f); }
            double d; memcpy(&d, b, 8);
            return JS_NewFloat64(c, d);
        }
        uint64_t u = 0;
        memcpy(&u, b, size);
        if (flags & BN_BIGINT) return flags & BN_SIGNED ? JS_NewBigInt64(c, (int64_t)u) : JS_NewBigUint64(c, u);
        if (flags & BN_SIGNED) {
            int shift = 64 - 8 * (int)size;
            return JS_NewInt64(c, (int64_t)(u << shift) >> shift);
        }
        return JS_NewInt64(c, (int64_t)u);
    }
    JSValueConst v = argc > 0 ? argv[0] : JS_UNDEFINED;
    int tag = JS_VALUE_GET_NORM_TAG(v);
    if (flags & BN_FLOAT) {
        double d;
        if (tag == JS_TAG_INT) d = JS_VALUE_GET_INT(v);
        else if (tag == JS_TAG_FLOAT64) d = JS_VALUE_GET_FLOAT64(v);
        else goto slow;
        if (size == 4) {
            float f = (float)d;
            uint32_t bits;
            memcpy(&bits, &f, 4);
            if (d != d) bits = 0x7fc00000u; /* V8's NaN */
            memcpy(b, &bits, 4);
        } else {
            uint64_t bits;
            memcpy(&bits, &d, 8);
            if (d != d) bits = 0x7ff8000000000000ull;
            memcpy(b, &bits, 8);
        }
    } else if (flags & BN_BIGINT) {
        if (tag != JS_TAG_SHORT_BIG_INT && tag != JS_TAG_BIG_INT) goto slow;
        JSValue back;
        uint64_t u;
        if (flags & BN_SIGNED) {
            int64_t s;
            if (JS_ToBigInt64(c, &s, v)) { JS_FreeValue(c, JS_GetException(c)); goto slow; }
            u = (uint64_t)s;
            back = JS_NewBigInt64(c, s);
        } else {
            if (JS_ToBigUint64(c, &u, v)) { JS_FreeValue(c, JS_GetException(c)); goto slow; }
            back = JS_NewBigUint64(c, u);
        }
        if (JS_IsException(back)) return back;
        int same = JS_IsStrictEqual(c, back, v); /* in range: 64 bits hold it */
        JS_FreeValue(c, back);
        if (!same) goto slow;
        memcpy(b, &u, 8);
    } else {
        int64_t i;
        if (tag == JS_TAG_INT) i = JS_VALUE_GET_INT(v);
        else if (tag == JS_TAG_FLOAT64) {
            double d = JS_VALUE_GET_FLOAT64(v);
            if (!(d >= -281474976710656.0 && d <= 281474976710656.0) || d != (double)(int64_t)d) goto slow; /* NaN, fractions */
            i = (int64_t)d;
        } else goto slow;
        int bits = 8 * (int)size;
        int64_t min = flags & BN_SIGNED ? -((int64_t)1 << (bits - 1)) : 0;
        int64_t max = flags & BN_SIGNED ? ((int64_t)1 << (bits - 1)) - 1 : ((int64_t)1 << bits) - 1;
        if (i < min || i > max) goto slow;
        uint64_t u = (uint64_t)i;
        memcpy(b, &u, 8);
    }
    for (size_t i = 0; i < size; i++) p[i] = flags & BN_BE ? b[size - 1 - i] : b[i];
    return JS_NewInt64(c, (int64_t)(off + size));
slow:
    return JS_Call(c, data[0], this_val, argc, argv);
}

static JSValue n_buf_number(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t flags, length;
    if (JS_ToInt32(c, &flags, argv[0]) || JS_ToInt32(c, &length, argv[2])) return JS_EXCEPTION;
    int size = flags & BN_SIZE;
    if ((size != 0 && size != 1 && size != 2 && size != 4 && size != 8) || (size == 0 && (flags & (BN_FLOAT | BN_BIGINT))) ||
        !JS_IsFunction(c, argv[3]))
        return JS_ThrowTypeError(c, "bufNumber: bad flags or slow path");
    const char *name = JS_ToCString(c, argv[1]);
    if (!name) return JS_EXCEPTION;
    JSValue fn = JS_NewCFunctionData2(c, n_buf_number_call, name, length, flags, 1, &argv[3]);
    JS_FreeCString(c, name);
    return fn;
}

/* bufToArray(uint8Array) -> its bytes as an Array of numbers (Buffer's toJSON; feross's
 * Array.prototype.slice.call costs ~640 fuel a byte) */
static JSValue n_buf_to_array(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    const uint8_t *p = view_of(c, argv[0], &len);
    if (!p) return JS_EXCEPTION;
    if (len > (size_t)INT32_MAX / sizeof(JSValue)) return JS_ThrowRangeError(c, "Invalid array length");
    if (len == 0) return JS_NewArray(c);
    JSValue *values = js_malloc(c, len * sizeof(JSValue));
    if (!values) return JS_EXCEPTION;
    for (size_t i = 0; i < len; i++) values[i] = JS_NewInt32(c, p[i]);
    JSValue array = JS_NewArrayFrom(c, (int)len, values);
    js_free(c, values);
    return array;
}

/* Buffer views: Node's FastBuffer, Buffer.prototype.subarray and slice, Buffer.from(uint8Array)'s
 * copy and Buffer.from(string)'s bytes, Buffer.from and Buffer.concat, made by bufViews(Uint8Array,
 * target, slowSubarray, slowFrom, slowConcat) -> [FastBuffer, subarray, slice, copy, fromString, from, concat]. `target` is a frozen { prototype:
 * Buffer.prototype }: a Buffer is made by Uint8Array's own constructor with it as new.target, so it
 * is born a Buffer. In JavaScript the same took a call of FastBuffer, `new Uint8Array` and
 * Object.setPrototypeOf (which also gives every Buffer a shape of its own), behind adjustOffset's
 * calls and the buffer/byteOffset getters: ~12,000 fuel a slice, ~18,000 a Buffer.from(buf)
 * (bench/README.md, J17). subarray does a call itself when its `this` is a Uint8Array or Buffer
 * (its prototype one of those two and none of length, buffer and byteOffset its own, so they are
 * the engine's) and start and end are numbers or undefined; it hands any other to slowSubarray,
 * buffer.js's copy of Node's. slice is Node's `this.subarray(start, end)`. */
static JSAtom bv_subarray_atom, bv_length_atom, bv_buffer_atom, bv_byte_offset_atom, bv_byte_length_atom;

/* A view's own length, buffer or byteOffset (defined on it by its code) hides the prototype's getter */
static int bv_plain(JSContext *c, JSValueConst view) {
    return JS_GetOwnProperty(c, NULL, view, bv_length_atom) == 0 && JS_GetOwnProperty(c, NULL, view, bv_buffer_atom) == 0 &&
           JS_GetOwnProperty(c, NULL, view, bv_byte_offset_atom) == 0;
}

/* Node's adjustOffset(offset, length) for a number or undefined (`dflt`); 0: another type */
static int bv_offset(JSValueConst v, size_t length, size_t dflt, size_t *out) {
    double d;
    int tag = JS_VALUE_GET_NORM_TAG(v);
    if (tag == JS_TAG_INT) d = JS_VALUE_GET_INT(v);
    else if (tag == JS_TAG_FLOAT64) d = JS_VALUE_GET_FLOAT64(v);
    else if (tag == JS_TAG_UNDEFINED) { *out = dflt; return 1; }
    else return 0;
    if (!(d == d) || (d > -1 && d < 1)) *out = 0; /* NaN, and what Math.trunc makes 0 */
    else if (d < 0) *out = d + (double)length > 0 ? length - (size_t)(-d) : 0; /* -d < length here */
    else *out = d < (double)length ? (size_t)d : length;
    return 1;
}

/* A Buffer over `buffer`'s bytes [offset, offset + length): `new FastBuffer(buffer, offset, length)` */
static JSValue bv_view(JSContext *c, JSValueConst *data, int argc, JSValueConst *argv) {
    return JS_CallConstructor2(c, data[0], data[1], argc, argv);
}

static JSValue bv_bytes(JSContext *c, JSValueConst *data, size_t n, uint8_t **p) {
    JSValueConst size = JS_NewInt64(c, (int64_t)n);
    JSValue bytes = bv_view(c, data, 1, &size);
    size_t got;
    if (JS_IsException(bytes)) return bytes;
    *p = view_of(c, bytes, &got);
    if (!*p) { JS_FreeValue(c, bytes); return JS_EXCEPTION; }
    return bytes;
}

/* fromString(string, enc): bufFrom's bytes born a Buffer (Buffer.from(string, encoding)) */
static JSValue bv_from_string(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                              JSValueConst *data) {
    return buf_from(c, argv, data);
}

/* FastBuffer(bufferOrLength, byteOffset, length), with or without new; data: [Uint8Array, target] */
static JSValue bv_fast_buffer(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                              JSValueConst *data) {
    return bv_view(c, data, argc, argv);
}

/* data: [Uint8Array, target, slowSubarray, Uint8Array.prototype, Buffer.prototype, subarray (slice's only)] */
static JSValue bv_subarray(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                           JSValueConst *data) {
    if (JS_GetTypedArrayType(this_val) == JS_TYPED_ARRAY_UINT8) {
        JSValue proto = JS_GetPrototype(c, this_val);
        void *own = JS_VALUE_GET_TAG(proto) == JS_TAG_OBJECT ? JS_VALUE_GET_PTR(proto) : NULL;
        JS_FreeValue(c, proto);
        size_t offset, length, start, end;
        if (own != NULL && (own == JS_VALUE_GET_PTR(data[4]) || own == JS_VALUE_GET_PTR(data[3])) && bv_plain(c, this_val)) {
            JSValue buffer = JS_GetTypedArrayBuffer(c, this_val, &offset, &length, NULL);
            if (JS_IsException(buffer)) { /* detached, or past a shrunk buffer's end: Node's code says what happens */
                JS_FreeValue(c, JS_GetException(c));
            } else if (bv_offset(argc > 0 ? argv[0] : JS_UNDEFINED, length, 0, &start) &&
                       bv_offset(argc > 1 ? argv[1] : JS_UNDEFINED, length, length, &end)) {
                JSValueConst args[3] = {buffer, JS_NewInt64(c, (int64_t)(offset + start)),
                                        JS_NewInt64(c, (int64_t)(end > start ? end - start : 0))};
                JSValue view = bv_view(c, data, 3, args);
                JS_FreeValue(c, buffer);
                return view;
            } else {
                JS_FreeValue(c, buffer);
            }
        }
    }
    return JS_Call(c, data[2], this_val, argc, argv);
}

/* Node's slice(start, end): this.subarray(start, end), ours done here when it is ours */
static JSValue bv_slice(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                        JSValueConst *data) {
    JSValue sub = JS_GetProperty(c, this_val, bv_subarray_atom);
    if (JS_IsException(sub)) return sub;
    JSValueConst args[2] = {argc > 0 ? argv[0] : JS_UNDEFINED, argc > 1 ? argv[1] : JS_UNDEFINED};
    if (JS_VALUE_GET_TAG(sub) == JS_TAG_OBJECT && JS_VALUE_GET_PTR(sub) == JS_VALUE_GET_PTR(data[5])) {
        JS_FreeValue(c, sub);
        return bv_subarray(c, this_val, 2, args, 0, data);
    }
    if (!JS_IsFunction(c, sub)) {
        JS_FreeValue(c, sub);
        return JS_ThrowTypeError(c, "this.subarray is not a function");
    }
    JSValue r = JS_Call(c, sub, this_val, 2, args);
    JS_FreeValue(c, sub);
    return r;
}

static int bv_ours(JSContext *c, JSValueConst v, JSValueConst *data);

/* copy(value): a new Buffer with the bytes of a Uint8Array or Buffer that is the engine's (bv_ours), or
 * undefined for any other value (buffer.js goes on with Node's Buffer.from, whose fromArrayLike reads
 * an own length). data: [Uint8Array, target, -, Uint8Array.prototype, Buffer.prototype] */
static JSValue bv_copy(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                       JSValueConst *data) {
    size_t length, got;
    /* a view with its own length, buffer or byteOffset (or another prototype) is Node's fromArrayLike's */
    if (argc < 1 || !bv_ours(c, argv[0], data)) return JS_UNDEFINED;
    if (!JS_GetUint8Array(c, &length, argv[0]) && JS_HasException(c)) { /* detached or out of bounds */
        JS_FreeValue(c, JS_GetException(c));
        return JS_UNDEFINED;
    }
    JSValueConst size = JS_NewInt64(c, (int64_t)length);
    JSValue copy = bv_view(c, data, 1, &size);
    if (JS_IsException(copy)) return copy;
    if (length) {
        uint8_t *to = JS_GetUint8Array(c, &got, copy);
        const uint8_t *from = JS_GetUint8Array(c, &length, argv[0]);
        if (!to || !from || got != length) { JS_FreeValue(c, copy); return JS_ThrowTypeError(c, "bufViews: lost a buffer"); }
        memcpy(to, from, length);
    }
    return copy;
}

/* A Uint8Array or Buffer whose length, buffer and byteOffset are the engine's: its prototype one of the two
 * (data[3], data[4]) and none of them its own */
static int bv_ours(JSContext *c, JSValueConst v, JSValueConst *data) {
    if (JS_GetTypedArrayType(v) != JS_TYPED_ARRAY_UINT8) return 0;
    JSValue proto = JS_GetPrototype(c, v);
    void *own = JS_VALUE_GET_TAG(proto) == JS_TAG_OBJECT ? JS_VALUE_GET_PTR(proto) : NULL;
    JS_FreeValue(c, proto);
    return own != NULL && (own == JS_VALUE_GET_PTR(data[4]) || own == JS_VALUE_GET_PTR(data[3])) && bv_plain(c, v);
}

/* A number's value (undefined: `dflt`); 0: another type */
static int bv_number(JSValueConst v, double dflt, double *out) {
    int tag = JS_VALUE_GET_NORM_TAG(v);
    if (tag == JS_TAG_INT) *out = JS_VALUE_GET_INT(v);
    else if (tag == JS_TAG_FLOAT64) *out = JS_VALUE_GET_FLOAT64(v);
    else if (tag == JS_TAG_UNDEFINED) *out = dflt;
    else return 0;
    return 1;
}

#define BV_MAX_LENGTH 4294967296.0 /* Node 20's kMaxLength */
#define BV_PIECES 16               /* a longer list's pieces are held in js_malloc's memory */

/* concat(list, length): Node's Buffer.concat for an Array of Uint8Arrays and Buffers (bv_ours) and a
 * length undefined or an integer in [0, kMaxLength]: one new Buffer, each piece's bytes copied in
 * (cut at `length`; past them the new Buffer's zeros). Any other call, and so every error, is
 * slowConcat's (buffer.js: Node's JavaScript). data: [Uint8Array, target, slowConcat, Uint8Array.prototype,
 * Buffer.prototype]. feross's loop took ~27,000 fuel for two pieces (bench/README.md J18). */
static JSValue bv_concat(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                         JSValueConst *data) {
    JSValueConst list = argc > 0 ? argv[0] : JS_UNDEFINED, want = argc > 1 ? argv[1] : JS_UNDEFINED;
    JSValue held[BV_PIECES], *pieces = held;
    size_t held_sizes[BV_PIECES], *sizes = held_sizes;
    int64_t count = 0, got = 0;
    double total = 0, wanted;
    if (!JS_IsArray(list)) goto slow;
    if (JS_GetLength(c, list, &count) < 0) return JS_EXCEPTION;
    if (count == 0) return bv_view(c, data, 0, NULL); /* Node's `new FastBuffer()`, whatever the length */
    if (!bv_number(want, -1, &wanted)) goto slow;
    if (!JS_IsUndefined(want) && !(wanted >= 0 && wanted <= BV_MAX_LENGTH && wanted == (double)(int64_t)wanted)) goto slow;
    if (count > BV_PIECES) {
        if (count > (int64_t)(SIZE_MAX / 2 / (sizeof(JSValue) + sizeof(size_t)))) goto slow;
        pieces = js_malloc(c, (size_t)count * (sizeof(JSValue) + sizeof(size_t)));
        if (!pieces) return JS_EXCEPTION;
        sizes = (size_t *)(pieces + count);
    }
    for (; got < count; got++) {
        pieces[got] = JS_GetPropertyInt64(c, list, got);
        if (JS_IsException(pieces[got])) goto fail;
        if (!bv_ours(c, pieces[got], data) || !view_of(c, pieces[got], &sizes[got])) {
            if (JS_HasException(c)) JS_FreeValue(c, JS_GetException(c)); /* detached: Node's code says what happens */
            got++;
            goto slow;
        }
        total += (double)sizes[got];
    }
    if (!JS_IsUndefined(want)) total = wanted;
    else if (total > BV_MAX_LENGTH) goto slow; /* allocUnsafe's error */
    uint8_t *to;
    JSValue r = bv_bytes(c, data, (size_t)total, &to); /* zeroed: Node's zero fill past the pieces */
    if (JS_IsException(r)) goto fail;
    size_t pos = 0, n;
    for (int64_t i = 0; i < count && pos < (size_t)total; i++) {
        const uint8_t *from = view_of(c, pieces[i], &n);
        if (!from) { JS_FreeValue(c, r); goto fail; }
        if (n > (size_t)total - pos) n = (size_t)total - pos;
        if (n) memcpy(to + pos, from, n);
        pos += n;
    }
    for (int64_t i = 0; i < count; i++) JS_FreeValue(c, pieces[i]);
    if (pieces != held) js_free(c, pieces);
    return r;
fail:
    for (int64_t i = 0; i < got; i++) JS_FreeValue(c, pieces[i]);
    if (pieces != held) js_free(c, pieces);
    return JS_EXCEPTION;
slow:
    for (int64_t i = 0; i < got; i++) JS_FreeValue(c, pieces[i]);
    if (pieces != held) js_free(c, pieces);
    return JS_Call(c, data[2], this_val, argc, argv);
}

/* from(value, encodingOrOffset, length): Node's Buffer.from for a string with no encoding or one named as
 * buffer.js's ENCODINGS spell it,
 * a Uint8Array or Buffer (a copy) and an ArrayBuffer with an offset and length that are numbers or
 * undefined and in its bounds (Node's fromArrayBuffer, its byteLength read as Node reads it: a view); any other call, and so every error,
 * is slowFrom's (buffer.js). data: [Uint8Array, target, slowFrom, Uint8Array.prototype, Buffer.prototype]. In JavaScript a
 * Buffer.from(arrayBuffer, offset, length) took ~10,000 fuel (bench/README.md J18). */
static JSValue bv_from(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                       JSValueConst *data) {
    JSValueConst value = argc > 0 ? argv[0] : JS_UNDEFINED, second = argc > 1 ? argv[1] : JS_UNDEFINED;
    JSValueConst third = argc > 2 ? argv[2] : JS_UNDEFINED;
    if (JS_IsString(value)) {
        int enc = 0; /* UTF-8: no encoding named; one of buffer.js's ENCODINGS as it spells it; others are slowFrom's */
        if (JS_IsString(second)) {
            static const char *const names[] = {"utf8", "utf-8", "ucs2", "ucs-2", "utf16le", "utf-16le", "latin1",
                                                "binary", "ascii", "base64", "base64url", "hex"};
            static const int codes[] = {0, 0, 1, 1, 1, 1, 2, 2, 3, 4, 5, 6};
            size_t n;
            const char *name = JS_ToCStringLen(c, &n, second);
            if (!name) return JS_EXCEPTION;
            enc = -1;
            for (size_t i = 0; i < sizeof names / sizeof names[0] && enc < 0; i++)
                if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0) enc = codes[i];
            JS_FreeCString(c, name);
            if (enc < 0) goto slow;
        }
        JSValueConst args[2] = {value, JS_NewInt32(c, enc)};
        return buf_from(c, args, data);
    }
    if (JS_GetTypedArrayType(value) == JS_TYPED_ARRAY_UINT8) {
        JSValue copy = bv_copy(c, this_val, 1, &value, 0, data);
        if (!JS_IsUndefined(copy)) return copy;
        goto slow;
    }
    if (JS_IsArrayBuffer(value)) {
        double offset, length, max, size;
        if (!bv_number(second, 0, &offset) || !bv_number(third, -1, &length)) goto slow;
        JSValue byte_length = JS_GetProperty(c, value, bv_byte_length_atom); /* Node's obj.byteLength, read once */
        if (JS_IsException(byte_length)) return byte_length;
        int number = !JS_IsUndefined(byte_length) && bv_number(byte_length, 0, &size);
        JS_FreeValue(c, byte_length);
        if (!number) goto slow;
        if (offset != offset) offset = 0;
        max = size - offset;
        if (!(offset >= 0 && max >= 0)) goto slow;
        if (JS_IsUndefined(third)) length = max;
        else if (!(length > 0)) length = 0; /* NaN too */
        else if (length > max) goto slow;
        JSValueConst args[3] = {value, JS_NewFloat64(c, offset), JS_NewFloat64(c, length)};
        return bv_view(c, data, 3, args);
    }
slow:
    return JS_Call(c, data[2], this_val, argc, argv);
}

static JSValue n_buf_views(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    if (!JS_IsConstructor(c, argv[0]) || !JS_IsObject(argv[1]) || !JS_IsFunction(c, argv[2]) ||
        !JS_IsFunction(c, argv[3]) || !JS_IsFunction(c, argv[4]))
        return JS_ThrowTypeError(c, "bufViews: bad arguments");
    JSValue u8proto = JS_GetPropertyStr(c, argv[0], "prototype"), proto = JS_GetPropertyStr(c, argv[1], "prototype");
    if (!JS_IsObject(u8proto) || !JS_IsObject(proto)) {
        JS_FreeValue(c, u8proto);
        JS_FreeValue(c, proto);
        return JS_ThrowTypeError(c, "bufViews: bad arguments");
    }
    bv_subarray_atom = JS_NewAtom(c, "subarray");
    bv_length_atom = JS_NewAtom(c, "length");
    bv_buffer_atom = JS_NewAtom(c, "buffer");
    bv_byte_offset_atom = JS_NewAtom(c, "byteOffset");
    bv_byte_length_atom = JS_NewAtom(c, "byteLength");
    JSValueConst data[6] = {argv[0], argv[1], argv[2], u8proto, proto, JS_UNDEFINED};
    JSValue fast = JS_NewCFunctionData2(c, bv_fast_buffer, "FastBuffer", 3, 0, 2, data);
    JSValue sub = JS_NewCFunctionData2(c, bv_subarray, "subarray", 2, 0, 5, data);
    data[5] = sub;
    JSValue slice = JS_NewCFunctionData2(c, bv_slice, "slice", 2, 0, 6, data);
    JSValue copy = JS_NewCFunctionData2(c, bv_copy, "copy", 1, 0, 5, data);
    JSValue from_string = JS_NewCFunctionData2(c, bv_from_string, "fromString", 2, 0, 2, data);
    data[2] = argv[3];
    JSValue from = JS_NewCFunctionData2(c, bv_from, "from", 3, 0, 5, data);
    data[2] = argv[4];
    JSValue concat = JS_NewCFunctionData2(c, bv_concat, "concat", 2, 0, 5, data);
    JS_FreeValue(c, u8proto);
    JS_FreeValue(c, proto);
    JS_SetConstructorBit(c, fast, true);
    JSValue list[7] = {fast, sub, slice, copy, from_string, from, concat};
    return JS_NewArrayFrom(c, 7, list); /* takes the values */
}

/* bufCompare(a, b) -> -1, 0 or 1: the bytes, then the lengths (Node's Buffer.compare) */
static JSValue n_buf_compare(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t la, lb;
    const uint8_t *a = view_of(c, argv[0], &la), *b = a ? view_of(c, argv[1], &lb) : NULL;
    if (!b) return JS_EXCEPTION;
    int r = la && lb ? memcmp(a, b, la < lb ? la : lb) : 0;
    if (r == 0) r = la > lb ? 1 : la < lb ? -1 : 0;
    return JS_NewInt32(c, r > 0 ? 1 : r < 0 ? -1 : 0);
}

/* bufIndexOf(haystack, needle (Uint8Array, or a number: its low byte), byteOffset, forward, utf16le)
 * -> index or -1, as Node's IndexOfString/IndexOfBuffer: a negative offset counts from the end, an
 * empty needle is found at the offset, lastIndexOf finds the last match starting at or before it;
 * utf16le (1: the needle was a string, 2: a Buffer) compares whole code units. */
static JSValue n_buf_index_of(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t hlen, nlen = 1;
    uint8_t byte;
    const uint8_t *needle = &byte;
    int64_t off;
    const uint8_t *h = view_of(c, argv[0], &hlen);
    if (!h) return JS_EXCEPTION;
    if (JS_IsNumber(argv[1])) {
        uint32_t v;
        if (JS_ToUint32(c, &v, argv[1])) return JS_EXCEPTION;
        byte = (uint8_t)v;
    } else if (!(needle = view_of(c, argv[1], &nlen))) {
        return JS_EXCEPTION;
    }
    if (JS_ToInt64(c, &off, argv[2])) return JS_EXCEPTION;
    int32_t ucs2;
    int forward = JS_ToBool(c, argv[3]);
    if (JS_ToInt32(c, &ucs2, argv[4])) return JS_EXCEPTION;
    if (ucs2 == 1) hlen &= ~(size_t)1; /* a string needle: whole code units only */
    int64_t len = (int64_t)hlen, n = (int64_t)nlen, at;
    if (off < 0) at = off + len >= 0 ? len + off : forward || n == 0 ? 0 : -1;
    else at = off + n <= len ? off : n == 0 ? len : forward ? -1 : len - 1;
    if (n == 0) return JS_NewInt64(c, at);
    if (len == 0 || at < 0 || (forward && n + at > len) || n > len) return JS_NewInt32(c, -1);
    if (ucs2) { /* at even offsets */
        if (len < 2 || n < 2) return JS_NewInt32(c, -1);
        int64_t units = len / 2, nu = n / 2, found = units, i;
        if (forward) {
            for (i = at / 2; i + nu <= units; i++)
                if (memcmp(h + 2 * i, needle, (size_t)nu * 2) == 0) { found = i; break; }
        } else if (nu <= units) {
            for (i = at / 2 < units - nu ? at / 2 : units - nu; i >= 0; i--)
                if (memcmp(h + 2 * i, needle, (size_t)nu * 2) == 0) { found = i; break; }
        }
        /* not found: -1; but with a Buffer needle in a buffer of odd length Node answers length - 1 */
        return JS_NewInt64(c, found * 2 == len ? -1 : found * 2);
    }
    if (forward) {
        const uint8_t *p = memmem(h + at, hlen - (size_t)at, needle, nlen);
        return JS_NewInt64(c, p ? p - h : -1);
    }
    for (int64_t i = at < len - n ? at : len - n; i >= 0; i--)
        if (h[i] == needle[0] && memcmp(h + i, needle, nlen) == 0) return JS_NewInt64(c, i);
    return JS_NewInt32(c, -1);
}

/* bufByteLength(string) -> its UTF-8 length (a lone surrogate is 3 bytes, as U+FFFD) */
static JSValue n_buf_byte_length(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t n;
    const char *s = JS_ToCStringLen(c, &n, argv[0]);
    if (!s) return JS_EXCEPTION;
    JS_FreeCString(c, s);
    return JS_NewInt64(c, (int64_t)n);
}

/* bufToString(view, enc, start, end) -> string: buf.toString(encoding, start, end) */
static JSValue n_buf_to_string(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t enc;
    int64_t start, end;
    size_t size;
    uint8_t *base = view_of(c, argv[0], &size);
    if (!base || JS_ToInt32(c, &enc, argv[1]) || JS_ToInt64(c, &start, argv[2]) || JS_ToInt64(c, &end, argv[3]))
        return JS_EXCEPTION;
    if (end > (int64_t)size) end = (int64_t)size;
    if (start < 0) start = 0;
    if (end <= start) return JS_NewStringLen(c, "", 0);
    const uint8_t *p = base + start;
    size_t n = (size_t)(end - start), o = 0;
    if (enc == ENC_UTF8) return utf8_decode(c, p, n);
    if (enc == ENC_UTF16LE) {
        size_t units = n / 2;
        uint16_t *u = js_malloc(c, units ? units * 2 : 1);
        if (!u) return JS_ThrowOutOfMemory(c);
        for (size_t i = 0; i < units; i++) u[i] = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
        JSValue r = JS_NewStringUTF16(c, u, units);
        js_free(c, u);
        return r;
    }
    if (enc == ENC_LATIN1 && is_ascii(p, n)) enc = ENC_ASCII; /* the bytes are the string */
    if (enc == ENC_LATIN1) { /* as UTF-16: a one-byte string would go through UTF-8 and three passes */
        uint16_t *u = js_malloc(c, n * 2);
        if (!u) return JS_ThrowOutOfMemory(c);
        for (size_t i = 0; i < n; i++) u[i] = p[i];
        JSValue r = JS_NewStringUTF16(c, u, n);
        js_free(c, u);
        return r;
    }
    size_t cap = enc == ENC_HEX ? n * 2 : enc == ENC_BASE64 || enc == ENC_BASE64URL ? (n + 2) / 3 * 4 : n;
    uint8_t *out = js_malloc(c, cap ? cap : 1);
    if (!out) return JS_ThrowOutOfMemory(c);
    switch (enc) {
    case ENC_ASCII:
        for (size_t i = 0; i < n; i++) out[i] = p[i] & 0x7F;
        o = n;
        break;
    case ENC_HEX:
        for (size_t i = 0; i < n; i++) { out[o++] = "0123456789abcdef"[p[i] >> 4]; out[o++] = "0123456789abcdef"[p[i] & 15]; }
        break;
    case ENC_BASE64: case ENC_BASE64URL: {
        const uint8_t *d = B64_DIGITS[enc == ENC_BASE64URL];
        size_t i = 0;
        for (; i + 3 <= n; i += 3) {
            uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
            out[o++] = d[v >> 18]; out[o++] = d[(v >> 12) & 63]; out[o++] = d[(v >> 6) & 63]; out[o++] = d[v & 63];
        }
        if (n - i == 1) {
            out[o++] = d[p[i] >> 2]; out[o++] = d[(p[i] & 3) << 4];
            if (enc == ENC_BASE64) { out[o++] = '='; out[o++] = '='; }
        } else if (n - i == 2) {
            uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];
            out[o++] = d[v >> 10]; out[o++] = d[(v >> 4) & 63]; out[o++] = d[(v & 15) << 2];
            if (enc == ENC_BASE64) out[o++] = '=';
        }
        break;
    }
    default:
        js_free(c, out);
        return JS_ThrowRangeError(c, "unknown encoding %d", enc);
    }
    JSValue r = JS_NewStringLen(c, (const char *)out, o);
    js_free(c, out);
    return r;
}

/* ---- ES modules: resolution and sources come from the Node layer's hooks ------------------- */

/* resolve(specifier, base, attributes): `attributes` is the import's `with { ... }` (an object of
 * strings, from a static import or import()'s options) or undefined; the loader checks its type
 * against the module's format as Node does (a JSON module needs `type: 'json'`). */
static char *module_normalize(JSContext *c, const char *base, const char *name, JSValueConst attributes,
                              void *opaque) {
    JSValue fn = JS_GetPropertyStr(c, hooks, "resolve");
    JSValue args[3] = { JS_NewString(c, name), JS_NewString(c, base), JS_DupValue(c, attributes) };
    JSValue r = JS_Call(c, fn, hooks, 3, args);
    JS_FreeValue(c, args[0]);
    JS_FreeValue(c, args[1]);
    JS_FreeValue(c, args[2]);
    JS_FreeValue(c, fn);
    if (JS_IsException(r)) return NULL;
    const char *s = JS_ToCString(c, r);
    JS_FreeValue(c, r);
    if (!s) return NULL;
    char *out = js_strdup(c, s);
    JS_FreeCString(c, s);
    return out;
}

static JSModuleDef *module_loader(JSContext *c, const char *name, void *opaque) {
    JSValue fn = JS_GetPropertyStr(c, hooks, "source");
    JSValue arg = JS_NewString(c, name);
    JSValue src = JS_Call(c, fn, hooks, 1, &arg);
    JS_FreeValue(c, arg);
    JS_FreeValue(c, fn);
    if (JS_IsException(src)) return NULL;
    size_t len;
    const char *s = JS_ToCStringLen(c, &len, src);
    JS_FreeValue(c, src);
    if (!s) return NULL;
    JSValue m = JS_Eval(c, s, len, name, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    JS_FreeCString(c, s);
    if (JS_IsException(m)) return NULL;
    JSModuleDef *def = JS_VALUE_GET_PTR(m);
    JS_FreeValue(c, m);
    return def;
}

/* ---- initialisation (build time, under Wizer) ---------------------------------------------- */

static void run_jobs(void) {
    JSContext *c;
    int r;
    while ((r = JS_ExecutePendingJob(rt, &c)) != 0)
        if (r < 0) log_exception("Uncaught exception in a job");
}

static void fail_init(const char *what) {
    log_exception(what);
    fflush(stderr);
    exit(1);
}

/* Evaluate the Node layer so that its functions keep no copy of their source text. QuickJS stores
 * every function's source (for Function.prototype.toString), nested functions again inside their
 * parents', about a megabyte for the layer. It is compiled, written out by QuickJS's bytecode
 * writer without the source (line numbers stay, for stack traces), and read back. The user's own
 * code keeps its source: it is evaluated as written. */
static JSValue eval_without_source(const char *src, size_t len, const char *name) {
    JSValue fn = JS_Eval(ctx, src, len, name, JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY);
    if (JS_IsException(fn)) return fn;
    size_t size;
    uint8_t *bytecode = JS_WriteObject(ctx, &size, fn, JS_WRITE_OBJ_BYTECODE | JS_WRITE_OBJ_STRIP_SOURCE);
    JS_FreeValue(ctx, fn);
    if (!bytecode) return JS_EXCEPTION;
    fn = JS_ReadObject(ctx, bytecode, size, JS_READ_OBJ_BYTECODE);
    js_free(ctx, bytecode);
    if (JS_IsException(fn)) return fn;
    return JS_EvalFunction(ctx, fn);
}

/* QuickJS seeds a new context's PRNG, and the Map/Set hash seed drawn from it, here instead of
 * from the clock (engine.py's QUICKJS_EDITS): the context is made while a function is built,
 * and the same sources must build the same module. */
uint64_t edge_context_seed(void) { return 0x2545F4914F6CDD1Dull; }

extern void __wasm_call_ctors(void);

__attribute__((export_name("wizer.initialize")))
void edge_js_initialize(void) {
    __wasm_call_ctors();
    initializing = 1;
    edge_heap_loading(1);
    rt = JS_NewRuntime2(&edge_heap_functions, NULL);
    ctx = rt ? JS_NewContext(rt) : NULL;
    if (!ctx) { fputs("could not create the JavaScript runtime\n", stderr); exit(1); }
    JS_SetMaxStackSize(rt, EDGE_JS_BUILD_STACK); /* Wizer's native stack; edge_handle sets EDGE_JS_STACK */
    JS_SetModuleLoaderFunc(rt, NULL, module_loader, NULL);
    JS_SetModuleNormalizeFunc2(rt, module_normalize); /* with the import's attributes */
    JS_SetHostPromiseRejectionTracker(rt, track_rejection, NULL);
    tables_init();

    JSValue global = JS_GetGlobalObject(ctx);
    JSValue math = JS_GetPropertyStr(ctx, global, "Math");
    JS_SetPropertyStr(ctx, math, "random", JS_NewCFunction(ctx, n_math_random, "random", 0));
    JS_FreeValue(ctx, math);
    JSValue native = JS_NewObject(ctx);
    static const struct { const char *name; JSCFunction *fn; int len; } table[] = {
        {"log", n_log, 2}, {"randomFill", n_random_fill, 1}, {"now", n_now, 0}, {"skew", n_skew, 1}, {"wallBase", n_wall_base, 0},
        {"digest", n_digest, 2}, {"deflate", n_deflate, 3}, {"inflate", n_inflate, 4},
        {"readFile", n_read_file, 2}, {"evalScript", n_eval_script, 2}, {"importModule", n_import_module, 1}, {"requireModule", n_require_module, 2},
        {"environ", n_environ, 0}, {"stat", n_stat, 1}, {"argv", n_argv, 0}, {"setHooks", n_set_hooks, 1}, {"promiseState", n_promise_state, 1}, {"utf8Encode", n_utf8_encode, 1}, {"utf8Decode", n_utf8_decode, 1},
        {"onRejection", n_on_rejection, 1}, {"bufFrom", n_buf_from, 2}, {"bufWrite", n_buf_write, 5},
        {"bufByteLength", n_buf_byte_length, 1}, {"bufToString", n_buf_to_string, 4},
        {"bufCompare", n_buf_compare, 2}, {"bufIndexOf", n_buf_index_of, 5}, {"bufSwap", n_buf_swap, 2},
        {"bufNumber", n_buf_number, 4}, {"bufToArray", n_buf_to_array, 1}, {"bufViews", n_buf_views, 5},
        {"memoryUsage", n_memory_usage, 1}, {"setStackMaker", n_set_stack_maker, 1}, {"lazyStack", n_lazy_stack, 1},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        JS_SetPropertyStr(ctx, native, table[i].name, JS_NewCFunction(ctx, table[i].fn, table[i].name, table[i].len));
    edge_cipher_install(ctx, native);
    edge_pubkey_install(ctx, native);
    edge_brotli_install(ctx, native);
    JS_SetPropertyStr(ctx, global, "__edge_native", native);
    JS_FreeValue(ctx, global);

    JSValue boot = n_read_file(ctx, JS_UNDEFINED, 1, (JSValueConst[]){JS_NewString(ctx, "/edge/boot.js")});
    if (!JS_IsString(boot)) { fputs("/edge/boot.js is missing\n", stderr); exit(1); }
    size_t len;
    const char *src = JS_ToCStringLen(ctx, &len, boot);
    JSValue r = eval_without_source(src, len, "node:internal/boot");
    JS_FreeCString(ctx, src);
    JS_FreeValue(ctx, boot);
    if (JS_IsException(r)) fail_init("the function failed to load");
    JS_FreeValue(ctx, hooks);
    hooks = r; /* boot.js evaluates to its hooks object */
    run_jobs();
    /* the event loop while the function loads: timers its top level set fire, each one's promise jobs
     * run after it, until loadTick (runtime.js) says nothing more is to fire before the first event */
    JSValue tick = JS_GetPropertyStr(ctx, hooks, "loadTick");
    while (JS_IsFunction(ctx, tick)) {
        JSValue more = JS_Call(ctx, tick, hooks, 0, NULL);
        if (JS_IsException(more)) fail_init("the function failed to load");
        int again = JS_ToBool(ctx, more);
        JS_FreeValue(ctx, more);
        if (!again) break;
        run_jobs();
    }
    JS_FreeValue(ctx, tick);
    JSValue ready = JS_GetPropertyStr(ctx, hooks, "ready");
    JSValue ok = JS_Call(ctx, ready, hooks, 0, NULL);
    JS_FreeValue(ctx, ready);
    if (JS_IsException(ok)) fail_init("the function failed to load");
    JS_FreeValue(ctx, ok);
    JS_RunGC(rt);
    warn_build_time_draws();
    rng_seeded = 0; /* every instance draws its own Math.random seed */
    initializing = 0;
    edge_heap_loading(0);
    fflush(stderr);
}

/* ---- the edge ABI ---------------------------------------------------------------------------- */

__attribute__((export_name("edge_abi_version")))
int32_t edge_abi_version(void) { return 1; }

__attribute__((export_name("edge_alloc")))
uint8_t *edge_alloc(int32_t len) {
    free(event_buf);
    event_buf = malloc(len > 0 ? (size_t)len + 1 : 1); /* + the NUL JS_ParseJSON wants after the text */
    return event_buf;
}

/* The engine ran out of memory: grow linear memory until the host refuses, so the host sees this
 * instance at its memory cap and reports the invocation as `memory_limit` (docs/runtime.md). The
 * instance is discarded after a failure anyway. */
static void reach_memory_cap(void) {
    for (size_t pages = 1024; pages > 0; pages /= 2)
        while (__builtin_wasm_memory_grow(0, pages) != (size_t)-1) {}
}

/* The ABI's reserved code for "the ERROR line logged last is the whole reason" (docs/abi.md):
 * the host reports that line without a code after it. */
#define FAILED_AS_LOGGED (-500)

static int64_t pack(const char *p, size_t n) { return (int64_t)(((uint64_t)(uintptr_t)p << 32) | (uint32_t)n); }

__attribute__((export_name("edge_handle")))
int64_t edge_handle(const char *ptr, int32_t len) {
    if (result_str) { JS_FreeCString(ctx, result_str); result_str = NULL; }
    JS_SetMaxStackSize(rt, EDGE_JS_STACK); /* the build had EDGE_JS_BUILD_STACK */
    JS_UpdateStackTop(rt);
    if (draws_to_refill) refill_build_time_draws();
    clock_start_invocation();
    JSValue fn = JS_GetPropertyStr(ctx, hooks, "dispatch");
    JSValue ev;
    if (event_buf && ptr == (const char *)event_buf && len >= 0) { /* the event is JSON: parse it straight from the bytes */
        event_buf[len] = 0;
        ev = JS_ParseJSON(ctx, ptr, (size_t)len, "event");
    } else {
        ev = JS_NewStringLen(ctx, ptr, (size_t)len);
    }
    free(event_buf);
    event_buf = NULL;
    if (JS_IsException(ev)) { JS_FreeValue(ctx, fn); log_exception("Runtime error: the event is not JSON"); return FAILED_AS_LOGGED; }
    JSValue r = JS_Call(ctx, fn, hooks, 1, &ev);
    JS_FreeValue(ctx, ev);
    JS_FreeValue(ctx, fn);
    if (JS_IsException(r)) { log_exception("Runtime error"); return FAILED_AS_LOGGED; }
    JS_FreeValue(ctx, r);
    JSValue poll = JS_GetPropertyStr(ctx, hooks, "poll");
    for (;;) {
        run_jobs();
        r = JS_Call(ctx, poll, hooks, 0, NULL);
        if (JS_IsException(r)) { JS_FreeValue(ctx, poll); log_exception("Runtime error"); return FAILED_AS_LOGGED; }
        if (JS_IsString(r)) {
            size_t n;
            result_str = JS_ToCStringLen(ctx, &n, r);
            JS_FreeValue(ctx, r);
            JS_FreeValue(ctx, poll);
            if (!result_str) { log_exception("Runtime error"); return FAILED_AS_LOGGED; }
            return pack(result_str, n);
        }
        int32_t code = 0;
        JS_ToInt32(ctx, &code, r);
        JS_FreeValue(ctx, r);
        if (code == 4) { reach_memory_cap(); code = -FAILED_AS_LOGGED; } /* the host reports memory_limit */
        if (code != 0) { JS_FreeValue(ctx, poll); return -(int64_t)code; }
    }
}
