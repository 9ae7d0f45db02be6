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
 * native stack (EngineSettings.max_wasm_stack) runs out, an uncatchable trap. */
#ifndef EDGE_JS_STACK
#define EDGE_JS_STACK (640 * 1024)
#endif

static JSRuntime *rt;
static JSContext *ctx;
static JSValue hooks = JS_UNDEFINED; /* { dispatch, poll, resolve, source } set by boot.js */
static JSValue rejection_hook = JS_UNDEFINED; /* (promise, reason, handled) -> the Node layer's bookkeeping */
static int initializing;
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
    int n = snprintf(buf, sizeof buf, "%s: %s%s%s", what, text ? text : "(exception)", st ? "\n" : "", st ? st : "");
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

static JSValue n_random_fill(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    uint8_t *p = bytes_of(c, argv[0], &len);
    if (!p) return JS_EXCEPTION;
    if (fill_random(p, len)) return JS_ThrowInternalError(c, "random_get failed");
    return JS_DupValue(c, argv[0]);
}

static uint64_t rng_next(void) { /* xorshift64*: Math.random, seeded per instance */
    if (!rng_seeded) {
        if (fill_random((uint8_t *)&rng_state, sizeof rng_state) || rng_state == 0)
            rng_state = (uint64_t)clock() ^ 0x9E3779B97F4A7C15ull;
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

static JSValue n_now(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return JS_NewFloat64(c, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
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

/* inflate(format, data, maxOutput): every gzip member in turn, like zlib's gunzip */
static JSValue n_inflate(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t format;
    double max_out;
    size_t len;
    if (JS_ToInt32(c, &format, argv[0]) || JS_ToFloat64(c, &max_out, argv[2])) return JS_EXCEPTION;
    uint8_t *in = bytes_of(c, argv[1], &len);
    if (!in) return JS_EXCEPTION;
    if (!decompressor && !(decompressor = libdeflate_alloc_decompressor())) return JS_ThrowOutOfMemory(c);
    size_t cap = len * 4 + 1024, total = 0, used_in = 0;
    uint8_t *out = malloc(cap);
    if (!out) return JS_ThrowOutOfMemory(c);
    if (len == 0) {
        free(out);
        return JS_ThrowTypeError(c, "unexpected end of file");
    }
    while (used_in < len) {
        size_t in_n = 0, out_n = 0;
        enum libdeflate_result res;
        for (;;) {
            size_t room = cap - total;
            res = format == 2 ? libdeflate_gzip_decompress_ex(decompressor, in + used_in, len - used_in, out + total, room, &in_n, &out_n)
                : format == 1 ? libdeflate_zlib_decompress_ex(decompressor, in + used_in, len - used_in, out + total, room, &in_n, &out_n)
                : libdeflate_deflate_decompress_ex(decompressor, in + used_in, len - used_in, out + total, room, &in_n, &out_n);
            if (res != LIBDEFLATE_INSUFFICIENT_SPACE) break;
            if ((double)cap >= max_out) {
                free(out);
                return JS_ThrowRangeError(c, "Cannot create a Buffer larger than %.0f bytes", max_out);
            }
            size_t next = cap * 2;
            if ((double)next > max_out) next = (size_t)max_out;
            uint8_t *grown = realloc(out, next);
            if (!grown) { free(out); return JS_ThrowOutOfMemory(c); }
            out = grown;
            cap = next;
        }
        if (res != LIBDEFLATE_SUCCESS) {
            free(out);
            return JS_ThrowTypeError(c, res == LIBDEFLATE_BAD_DATA ? "incorrect header check or invalid data" : "unexpected end of file");
        }
        total += out_n;
        used_in += in_n;
        if (format != 2) break; /* zlib/raw: trailing bytes are ignored, as zlib does */
        while (used_in < len && in[used_in] == 0) used_in++; /* gzip: padding between members */
    }
    JSValue r = JS_NewUint8ArrayCopy(c, out, total);
    edge_heap_free_buffer(out, cap);
    return r;
}

static JSValue n_read_file(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
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
    JSValue r = JS_NewStringLen(c, buf, n);
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

/* evalScript(source, filename): a global (sloppy unless 'use strict') script, as Node's CommonJS wrapper */
static JSValue n_eval_script(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    const char *src = JS_ToCStringLen(c, &len, argv[0]);
    if (!src) return JS_EXCEPTION;
    const char *name = JS_ToCString(c, argv[1]);
    if (!name) { JS_FreeCString(c, src); return JS_EXCEPTION; }
    JSValue r = JS_Eval(c, src, len, name, JS_EVAL_TYPE_GLOBAL);
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

/* utf8Decode(Uint8Array) -> string; each invalid maximal subpart becomes one U+FFFD (WHATWG, as Node) */
static JSValue n_utf8_decode(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len, i = 0, bad = 0, n;
    uint8_t *p = bytes_of(c, argv[0], &len);
    if (!p) return JS_EXCEPTION;
    while (i < len && (n = utf8_valid_at(p + i, len - i, &bad)) > 0) i += n;
    if (i == len) return JS_NewStringLen(c, (const char *)p, len); /* valid: the common case */
    uint8_t *out = malloc(len * 3 + 1);
    if (!out) return JS_ThrowOutOfMemory(c);
    memcpy(out, p, i);
    size_t o = i;
    while (i < len) {
        n = utf8_valid_at(p + i, len - i, &bad);
        if (n) { memcpy(out + o, p + i, n); o += n; i += n; }
        else { out[o++] = 0xEF; out[o++] = 0xBF; out[o++] = 0xBD; i += bad; }
    }
    JSValue r = JS_NewStringLen(c, (const char *)out, o);
    free(out);
    return r;
}

/* ---- ES modules: resolution and sources come from the Node layer's hooks ------------------- */

static char *module_normalize(JSContext *c, const char *base, const char *name, void *opaque) {
    JSValue fn = JS_GetPropertyStr(c, hooks, "resolve");
    JSValue args[2] = { JS_NewString(c, name), JS_NewString(c, base) };
    JSValue r = JS_Call(c, fn, hooks, 2, args);
    JS_FreeValue(c, args[0]);
    JS_FreeValue(c, args[1]);
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

extern void __wasm_call_ctors(void);

__attribute__((export_name("wizer.initialize")))
void edge_js_initialize(void) {
    __wasm_call_ctors();
    initializing = 1;
    edge_heap_loading(1);
    rt = JS_NewRuntime2(&edge_heap_functions, NULL);
    ctx = rt ? JS_NewContext(rt) : NULL;
    if (!ctx) { fputs("could not create the JavaScript runtime\n", stderr); exit(1); }
    JS_SetMaxStackSize(rt, EDGE_JS_STACK);
    JS_SetModuleLoaderFunc(rt, module_normalize, module_loader, NULL);
    JS_SetHostPromiseRejectionTracker(rt, track_rejection, NULL);

    JSValue global = JS_GetGlobalObject(ctx);
    JSValue math = JS_GetPropertyStr(ctx, global, "Math");
    JS_SetPropertyStr(ctx, math, "random", JS_NewCFunction(ctx, n_math_random, "random", 0));
    JS_FreeValue(ctx, math);
    JSValue native = JS_NewObject(ctx);
    static const struct { const char *name; JSCFunction *fn; int len; } table[] = {
        {"log", n_log, 2}, {"randomFill", n_random_fill, 1}, {"now", n_now, 0},
        {"digest", n_digest, 2}, {"deflate", n_deflate, 3}, {"inflate", n_inflate, 3},
        {"readFile", n_read_file, 1}, {"evalScript", n_eval_script, 2}, {"importModule", n_import_module, 1},
        {"environ", n_environ, 0}, {"stat", n_stat, 1}, {"argv", n_argv, 0}, {"setHooks", n_set_hooks, 1}, {"promiseState", n_promise_state, 1}, {"utf8Encode", n_utf8_encode, 1}, {"utf8Decode", n_utf8_decode, 1},
        {"onRejection", n_on_rejection, 1},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        JS_SetPropertyStr(ctx, native, table[i].name, JS_NewCFunction(ctx, table[i].fn, table[i].name, table[i].len));
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
    JSValue ready = JS_GetPropertyStr(ctx, hooks, "ready");
    JSValue ok = JS_Call(ctx, ready, hooks, 0, NULL);
    JS_FreeValue(ctx, ready);
    if (JS_IsException(ok)) fail_init("the function failed to load");
    JS_FreeValue(ctx, ok);
    JS_RunGC(rt);
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

static int64_t pack(const char *p, size_t n) { return (int64_t)(((uint64_t)(uintptr_t)p << 32) | (uint32_t)n); }

__attribute__((export_name("edge_handle")))
int64_t edge_handle(const char *ptr, int32_t len) {
    if (result_str) { JS_FreeCString(ctx, result_str); result_str = NULL; }
    JS_UpdateStackTop(rt);
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
    if (JS_IsException(ev)) { JS_FreeValue(ctx, fn); log_exception("Runtime error: the event is not JSON"); return -3; }
    JSValue r = JS_Call(ctx, fn, hooks, 1, &ev);
    JS_FreeValue(ctx, ev);
    JS_FreeValue(ctx, fn);
    if (JS_IsException(r)) { log_exception("Runtime error"); return -3; }
    JS_FreeValue(ctx, r);
    JSValue poll = JS_GetPropertyStr(ctx, hooks, "poll");
    for (;;) {
        run_jobs();
        r = JS_Call(ctx, poll, hooks, 0, NULL);
        if (JS_IsException(r)) { JS_FreeValue(ctx, poll); log_exception("Runtime error"); return -3; }
        if (JS_IsString(r)) {
            size_t n;
            result_str = JS_ToCStringLen(ctx, &n, r);
            JS_FreeValue(ctx, r);
            JS_FreeValue(ctx, poll);
            if (!result_str) { log_exception("Runtime error"); return -3; }
            return pack(result_str, n);
        }
        int32_t code = 0;
        JS_ToInt32(ctx, &code, r);
        JS_FreeValue(ctx, r);
        if (code == 4) reach_memory_cap();
        if (code != 0) { JS_FreeValue(ctx, poll); return -(int64_t)code; }
    }
}
