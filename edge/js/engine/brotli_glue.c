/*
 * Brotli for the Node layer (edge/js/node/zlib.js: brotliCompressSync, brotliDecompressSync, their
 * callback forms and the BrotliCompress / BrotliDecompress streams): our glue over Google's brotli
 * C library, taken from the `brotli` sdist on PyPI (edge/js/engine.py: its c/common, c/dec, c/enc).
 *
 * Node (src/node_zlib.cc) makes an encoder or a decoder, sets the parameters the caller gave
 * (brotliInitParamsArray: index BROTLI_PARAM_*, 0xFFFFFFFF for one not given) in index order, then
 * runs BrotliEncoderCompressStream / BrotliDecoderDecompressStream over the input with the
 * operation zlib.js passes (finishFlush: BROTLI_OPERATION_FINISH unless the caller chose another),
 * again while the output window it gave (chunkSize) came back full. brotliEncode/brotliDecode make
 * the same calls for the one-shot functions (brotliCompressSync, ...), into one growing buffer:
 * brotli's output depends on its version, its parameters, the input and the operations, not on
 * how the output space is handed to it, so the bytes are Node's for the same brotli release (and
 * Node 20's 1.1.0 made the same streams as this 1.2.1 in every case tests/test_js_brotli.py tries).
 *
 * The streams (BrotliCompress, BrotliDecompress) are Node's own loop (zlib.js) over a handle here
 * as over node_zlib.cc's: a stream's encoder or decoder lives as long as the stream, each native
 * call gets the window Node gives (the stream's output buffer, chunkSize bytes).
 *
 *   brotliEncode(params, data, op) -> Uint8Array, or 1 (a parameter refused: Node's
 *       ERR_ZLIB_INITIALIZATION_FAILED), or 2 (BrotliEncoderCompressStream failed: Node's
 *       "Compression failed", ERR_BROTLI_COMPRESSION_FAILED)
 *   brotliDecode(params, data, cap, op) -> 1 (a parameter refused), or [errno, code, bytes, read]:
 *       errno 0 (the stream's end, or input used up with an op other than FINISH), -5 (FINISH and
 *       the input ended early: Node's "unexpected end of file", Z_BUF_ERROR), brotli's negative
 *       error code with code "ERR_" + BrotliDecoderErrorString (Node's "Decompression failed"), or
 *       1 when the output reached `cap` bytes with more to come (zlib.js: ERR_BUFFER_TOO_LARGE);
 *       bytes the output so far, read the input bytes used.
 *   brotliNew(decoding, params) -> a handle (class EdgeBrotli), or 1 (a parameter refused)
 *   brotliWrite(handle, op, in, inOff, inLen, out, outOff, outLen) -> [availOut, availIn, errno, code]:
 *       one BrotliEncoderCompressStream / BrotliDecoderDecompressStream call (node_zlib.cc's
 *       DoThreadPoolWork), its outcome as Node's GetErrorInfo tells it (errno 0: none)
 *   brotliReset(handle)   a fresh encoder or decoder, brotli's defaults (as Node's ResetStream)
 *   brotliClose(handle)   the state freed now (else when the handle is collected)
 * params is a Uint8Array over Node's Uint32Array of parameters (little-endian, as wasm is).
 *
 * Memory: brotli's small allocations go through QuickJS's allocator (counted in its accounting,
 * zeroed when freed while a function loads, as heap.c does for everything the engine frees then).
 * Big ones (hash tables and ring buffers, 1-64 MiB at qualities 9-11; a one-shot output past
 * 64 KiB) are whole 64 KiB pages of their own (big_alloc below), and an output becomes its
 * Uint8Array without a copy: the libc's allocator (zig's, on wasm) rounds a block past 64 KiB up
 * to a power of two and never splits or joins freed ones, so the encoder's 32 MiB + 16 byte hash
 * table took 64 MiB, quality 11 on a 300 KB body 109 MiB of a function's 128 (here 59), and a
 * 50 MB output grown by doubling 276 MiB (here 168). A failed allocation (the function's memory
 * limit) is an error brotli reports (an encoder's "Compression failed": engine.py builds it with
 * BROTLI_ENCODER_CLEANUP_ON_OOM, not exiting the process; a decoder's ERR__ERROR_ALLOC_*) or, for
 * the output, an out-of-memory exception. Pages freed here serve brotli again, not the rest of the
 * engine (as the libc's freed blocks serve only blocks of their size class).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"
#include "brotli/decode.h"
#include "brotli/encode.h"

#define PARAMS 9        /* Node's kMaxBrotliParam + 1 (BROTLI_PARAM_NDIRECT is 8) */
#define UNSET 0xFFFFFFFFu
#define FIRST_OUT 16384 /* the output buffer's first size: Node's Z_DEFAULT_CHUNK */

int edge_building(void); /* edge_js.c: 1 while the function loads (Wizer), its memory snapshotted after */

/* ---- big blocks: whole pages, reused first-fit, freed ones joined -------------------------------- */
#define PAGE 65536u
#define BIG_MIN (64u * 1024) /* a request this big or bigger gets pages of its own */
#define BIG_LIVE 256         /* big blocks held at once (an encoder holds ~25 blocks in all; outputs held by JS) */

typedef struct Region { size_t size; struct Region *next; } Region; /* a free run of pages (its first bytes) */
static Region *free_regions; /* by address */
static uint8_t *big_live[BIG_LIVE];
static size_t big_live_size[BIG_LIVE];

static size_t pages_of(size_t n) { return (n + PAGE - 1) & ~(size_t)(PAGE - 1); }
static size_t memory_end(void) { return __builtin_wasm_memory_size(0) * PAGE; }
static int memory_more(size_t bytes) { return __builtin_wasm_memory_grow(0, bytes / PAGE) != (size_t)-1; }

static int big_slot(const void *p) {
    for (int i = 0; i < BIG_LIVE; i++)
        if (big_live[i] == p) return i;
    return -1;
}

/* [p, p + size) free again: into the list, joined with its neighbours */
static void region_free(uint8_t *p, size_t size) {
    if (edge_building()) memset(p, 0, size); /* out of the snapshot */
    Region *r = (Region *)p, *prev = NULL, *next = free_regions;
    while (next && (uint8_t *)next < p) { prev = next; next = next->next; }
    r->size = size;
    r->next = next;
    if (next && p + size == (uint8_t *)next) {
        r->size += next->size;
        r->next = next->next;
        if (edge_building()) memset(next, 0, sizeof *next);
    }
    if (prev && (uint8_t *)prev + prev->size == p) {
        prev->size += r->size;
        prev->next = r->next;
        if (edge_building()) memset(r, 0, sizeof *r);
    } else if (prev) {
        prev->next = r;
    } else {
        free_regions = r;
    }
}

/* `need` bytes (whole pages) at `p` taken from the free run `*at` starts (at its start) */
static void region_take(Region **at, size_t need) {
    Region *r = *at;
    if (r->size > need) {
        Region *rest = (Region *)((uint8_t *)r + need);
        rest->size = r->size - need;
        rest->next = r->next;
        *at = rest;
    } else {
        *at = r->next;
    }
    if (edge_building()) memset(r, 0, sizeof *r);
}

/* n bytes (whole pages) in big_live[slot], or NULL when the memory cannot grow */
static uint8_t *big_alloc(size_t n, int slot) {
    size_t need = pages_of(n);
    Region **at = &free_regions, **last = NULL;
    uint8_t *p = NULL;
    for (; *at; last = at, at = &(*at)->next) {
        if ((*at)->size >= need) {
            p = (uint8_t *)*at;
            region_take(at, need);
            break;
        }
    }
    if (!p && last && (size_t)*last + (*last)->size == memory_end()) {
        /* the last free run ends where memory ends: memory grows by what it lacks */
        if (!memory_more(need - (*last)->size)) return NULL;
        p = (uint8_t *)*last;
        *last = NULL;
    } else if (!p) {
        size_t old = memory_end();
        if (!memory_more(need)) return NULL;
        p = (uint8_t *)old;
    }
    big_live[slot] = p;
    big_live_size[slot] = need;
    return p;
}

/* big_live[slot] made n bytes where it is, if it can be: 1 done, 0 not */
static int big_resize(int slot, size_t n) {
    uint8_t *p = big_live[slot];
    size_t size = big_live_size[slot], need = pages_of(n);
    if (need <= size) { /* the tail pages go back */
        if (need < size) region_free(p + need, size - need);
        big_live_size[slot] = need;
        return 1;
    }
    Region **at = &free_regions;
    while (*at && (uint8_t *)*at < p + size) at = &(*at)->next;
    size_t more = need - size, next_free = *at && (uint8_t *)*at == p + size ? (*at)->size : 0;
    if (next_free >= more) {
        region_take(at, more);
    } else if ((size_t)(p + size + next_free) == memory_end()) {
        if (!memory_more(more - next_free)) return 0;
        if (next_free) region_take(at, next_free);
    } else {
        return 0;
    }
    big_live_size[slot] = need;
    return 1;
}

/* The glue's allocator: big blocks of their own, the rest QuickJS's (its accounting, heap.c's
 * zeroing while a function loads) */
static void *mem_alloc(JSRuntime *rt, size_t n) {
    if (n >= BIG_MIN) {
        int slot = big_slot(NULL);
        if (slot >= 0) return big_alloc(n, slot);
    }
    return js_malloc_rt(rt, n);
}

static void mem_free(JSRuntime *rt, void *p) {
    if (!p) return;
    int slot = big_slot(p);
    if (slot >= 0) {
        big_live[slot] = NULL;
        region_free(p, big_live_size[slot]);
    } else {
        js_free_rt(rt, p);
    }
}

/* realloc: a big block grows or shrinks where it is when it can (no copy) */
static void *mem_realloc(JSRuntime *rt, void *p, size_t n) {
    if (!p) return n ? mem_alloc(rt, n) : NULL;
    if (n == 0) { mem_free(rt, p); return NULL; }
    int slot = big_slot(p);
    if (slot >= 0 && big_resize(slot, n)) return p;
    if (slot < 0 && n < BIG_MIN) return js_realloc_rt(rt, p, n);
    size_t old = slot >= 0 ? big_live_size[slot] : js_malloc_usable_size_rt(rt, p);
    void *q = mem_alloc(rt, n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    mem_free(rt, p);
    return q;
}

/* Allocations brotli was refused. brotli 1.2.1's encoder does not check every one with
 * BROTLI_ENCODER_CLEANUP_ON_OOM: BrotliEncoderCompressStream goes on past a ring buffer it could
 * not get (CopyInputToRingBuffer's) and "succeeds" with the input dropped, an empty stream (8 MB at
 * quality 11 with a 24-bit window in 64 MiB gave the 1 byte 3f). A call that met a refusal failed. */
static unsigned refusals;

static void *br_alloc(void *opaque, size_t size) {
    void *p = mem_alloc((JSRuntime *)opaque, size);
    if (!p) refusals++;
    return p;
}
static void br_free(void *opaque, void *p) { mem_free((JSRuntime *)opaque, p); }
/* the output's ArrayBuffer's (QuickJS frees or resizes it through this) */
static void *output_realloc(JSRuntime *rt, void *opaque, void *p, size_t size) { return mem_realloc(rt, p, size); }

static int read_params(JSContext *c, JSValueConst v, uint32_t out[PARAMS]) {
    size_t len;
    uint8_t *p = JS_GetUint8Array(c, &len, v);
    if (!p) return -1;
    for (int i = 0; i < PARAMS; i++) out[i] = UNSET;
    memcpy(out, p, len < sizeof(uint32_t) * PARAMS ? len : sizeof(uint32_t) * PARAMS);
    return 0;
}

/* The output so far (its buffer `*out` of `*cap` bytes, `n` used) as a Uint8Array that owns it. */
static JSValue take_output(JSContext *c, uint8_t **out, size_t n) {
    JSRuntime *rt = JS_GetRuntime(c);
    uint8_t *buf = *out;
    if (n == 0) {
        mem_free(rt, buf);
        *out = NULL;
        return JS_NewUint8ArrayCopy(c, (const uint8_t *)"", 0);
    }
    uint8_t *shrunk = mem_realloc(rt, buf, n);
    if (shrunk) buf = shrunk;
    *out = NULL;
    JSValue r = JS_NewUint8Array(c, buf, n, output_realloc, NULL, false);
    if (JS_IsException(r)) mem_free(rt, buf);
    return r;
}

/* The output buffer grown (doubled, at most to `limit` bytes; by less when the memory has no room
 * for that, down to a megabyte more); 0 when it cannot be */
static int grow(JSContext *c, uint8_t **out, size_t *cap, size_t limit) {
    if (*cap >= limit) return 0;
    size_t next = *cap > limit / 2 ? limit : *cap * 2;
    for (;;) {
        uint8_t *grown = mem_realloc(JS_GetRuntime(c), *out, next);
        if (grown) {
            *out = grown;
            *cap = next;
            return 1;
        }
        if (next - *cap <= (1u << 20)) return 0;
        next = *cap + (next - *cap) / 2;
    }
}

static JSValue n_brotli_encode(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    uint32_t params[PARAMS];
    int32_t op;
    size_t len;
    if (read_params(c, argv[0], params) || JS_ToInt32(c, &op, argv[2])) return JS_EXCEPTION;
    const uint8_t *in = JS_GetUint8Array(c, &len, argv[1]);
    if (!in) return JS_EXCEPTION;
    JSRuntime *rt = JS_GetRuntime(c);
    BrotliEncoderState *s = BrotliEncoderCreateInstance(br_alloc, br_free, rt);
    if (!s) return JS_ThrowOutOfMemory(c);
    for (int i = 0; i < PARAMS; i++) {
        if (params[i] != UNSET && !BrotliEncoderSetParameter(s, (BrotliEncoderParameter)i, params[i])) {
            BrotliEncoderDestroyInstance(s);
            return JS_NewInt32(c, 1);
        }
    }
    size_t cap = BrotliEncoderMaxCompressedSize(len); /* a big input's output starts at a quarter: it grows in place */
    if (cap > (1u << 20)) cap /= 4;
    if (cap < FIRST_OUT) cap = FIRST_OUT;
    uint8_t *out = mem_alloc(rt, cap);
    if (!out) { BrotliEncoderDestroyInstance(s); return JS_ThrowOutOfMemory(c); }
    size_t n = 0, avail_in = len;
    const uint8_t *next_in = in;
    unsigned refused = refusals;
    for (;;) {
        size_t avail_out = cap - n;
        uint8_t *next_out = out + n;
        BROTLI_BOOL ok = BrotliEncoderCompressStream(s, (BrotliEncoderOperation)op, &avail_in, &next_in,
                                                     &avail_out, &next_out, NULL);
        n = (size_t)(next_out - out);
        if (!ok || refusals != refused) {
            BrotliEncoderDestroyInstance(s);
            mem_free(rt, out);
            return JS_NewInt32(c, 2);
        }
        if (avail_out != 0) break; /* Node calls again only while its output window came back full */
        if (!grow(c, &out, &cap, (size_t)-1)) {
            BrotliEncoderDestroyInstance(s);
            mem_free(rt, out);
            return JS_ThrowOutOfMemory(c);
        }
    }
    BrotliEncoderDestroyInstance(s);
    return take_output(c, &out, n);
}

static JSValue n_brotli_decode(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    uint32_t params[PARAMS];
    int32_t op;
    double max_out;
    size_t len;
    if (read_params(c, argv[0], params) || JS_ToFloat64(c, &max_out, argv[2]) || JS_ToInt32(c, &op, argv[3]))
        return JS_EXCEPTION;
    const uint8_t *in = JS_GetUint8Array(c, &len, argv[1]);
    if (!in) return JS_EXCEPTION;
    JSRuntime *rt = JS_GetRuntime(c);
    size_t limit = max_out >= (double)SIZE_MAX ? SIZE_MAX : max_out < 1 ? 1 : (size_t)max_out;
    BrotliDecoderState *s = BrotliDecoderCreateInstance(br_alloc, br_free, rt);
    if (!s) return JS_ThrowOutOfMemory(c);
    for (int i = 0; i < PARAMS; i++) {
        if (params[i] != UNSET && !BrotliDecoderSetParameter(s, (BrotliDecoderParameter)i, params[i])) {
            BrotliDecoderDestroyInstance(s);
            return JS_NewInt32(c, 1);
        }
    }
    size_t cap = len * 4 + 1024;
    if (cap < FIRST_OUT) cap = FIRST_OUT;
    if (cap > limit) cap = limit;
    uint8_t *out = mem_alloc(rt, cap);
    if (!out) { BrotliDecoderDestroyInstance(s); return JS_ThrowOutOfMemory(c); }
    size_t n = 0, avail_in = len;
    const uint8_t *next_in = in;
    int err = 0;
    const char *code = NULL;
    char code_buf[64];
    for (;;) {
        size_t avail_out = cap - n;
        uint8_t *next_out = out + n;
        BrotliDecoderResult r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, NULL);
        n = (size_t)(next_out - out);
        if (r == BROTLI_DECODER_RESULT_ERROR) {
            BrotliDecoderErrorCode e = BrotliDecoderGetErrorCode(s);
            err = (int)e;
            strcpy(code_buf, "ERR_");
            strncat(code_buf, BrotliDecoderErrorString(e), sizeof code_buf - 5);
            code = code_buf;
            break;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT && op == BROTLI_OPERATION_FINISH) {
            err = -5; /* Node: "unexpected end of file", Z_BUF_ERROR */
            code = "Z_BUF_ERROR";
            break;
        }
        /* Node calls again while its output window came back full: more output (NEEDS_MORE_OUTPUT),
         * or the ring buffer pushed out as the input ran short (NEEDS_MORE_INPUT) */
        if (r == BROTLI_DECODER_RESULT_SUCCESS || avail_out != 0) break;
        if (grow(c, &out, &cap, limit)) continue;
        if (cap < limit) { /* the output cannot grow below the limit: the function's memory */
            BrotliDecoderDestroyInstance(s);
            mem_free(rt, out);
            return JS_ThrowOutOfMemory(c);
        }
        err = 1; /* more output than the limit */
        break;
    }
    BrotliDecoderDestroyInstance(s);
    JSValue bytes = take_output(c, &out, n);
    if (JS_IsException(bytes)) return bytes;
    JSValue result = JS_NewArray(c);
    JS_SetPropertyUint32(c, result, 0, JS_NewInt32(c, err));
    JS_SetPropertyUint32(c, result, 1, code ? JS_NewString(c, code) : JS_NULL);
    JS_SetPropertyUint32(c, result, 2, bytes);
    JS_SetPropertyUint32(c, result, 3, JS_NewFloat64(c, (double)(len - avail_in)));
    return result;
}

/* ---- the streams' handles ------------------------------------------------------------------------ */

typedef struct {
    int decoding;
    BrotliEncoderState *enc;
    BrotliDecoderState *dec;
} Handle;

static JSClassID handle_class;

static void handle_close(JSRuntime *rt, Handle *h) {
    if (h->enc) BrotliEncoderDestroyInstance(h->enc);
    if (h->dec) BrotliDecoderDestroyInstance(h->dec);
    h->enc = NULL;
    h->dec = NULL;
}

static int handle_open(JSRuntime *rt, Handle *h, const uint32_t *params) {
    handle_close(rt, h);
    if (h->decoding) h->dec = BrotliDecoderCreateInstance(br_alloc, br_free, rt);
    else h->enc = BrotliEncoderCreateInstance(br_alloc, br_free, rt);
    if (!h->enc && !h->dec) return -1;
    for (int i = 0; params && i < PARAMS; i++) {
        if (params[i] == UNSET) continue;
        if (h->decoding ? !BrotliDecoderSetParameter(h->dec, (BrotliDecoderParameter)i, params[i])
                        : !BrotliEncoderSetParameter(h->enc, (BrotliEncoderParameter)i, params[i]))
            return 1;
    }
    return 0;
}

static void handle_finalizer(JSRuntime *rt, JSValueConst val) {
    Handle *h = JS_GetOpaque(val, handle_class);
    if (!h) return;
    handle_close(rt, h);
    js_free_rt(rt, h);
}

static JSValue n_brotli_new(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    uint32_t params[PARAMS];
    int decoding = JS_ToBool(c, argv[0]);
    if (read_params(c, argv[1], params)) return JS_EXCEPTION;
    JSRuntime *rt = JS_GetRuntime(c);
    Handle *h = js_mallocz_rt(rt, sizeof *h);
    if (!h) return JS_ThrowOutOfMemory(c);
    h->decoding = decoding;
    int r = handle_open(rt, h, params);
    if (r != 0) {
        handle_close(rt, h);
        js_free_rt(rt, h);
        return r < 0 ? JS_ThrowOutOfMemory(c) : JS_NewInt32(c, 1);
    }
    JSValue obj = JS_NewObjectClass(c, handle_class);
    if (JS_IsException(obj)) { handle_close(rt, h); js_free_rt(rt, h); return obj; }
    JS_SetOpaque(obj, h);
    return obj;
}

/* `n` bytes from `off` of a Uint8Array, checked (in 64 bits: off + n must not wrap on wasm32). The
   numbers are converted before any pointer is taken: a valueOf can run JavaScript that detaches or
   resizes a buffer, so every pointer is read after the last conversion. */
static uint8_t *window(JSContext *c, JSValueConst arr, uint32_t off, uint32_t n) {
    size_t size;
    uint8_t *p = JS_GetUint8Array(c, &size, arr);
    if (!p) return NULL;
    if ((uint64_t)off + (uint64_t)n > (uint64_t)size) { JS_ThrowRangeError(c, "window out of bounds"); return NULL; }
    return p + off;
}

static JSValue n_brotli_write(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    Handle *h = JS_GetOpaque2(c, argv[0], handle_class);
    int32_t op;
    size_t avail_in, avail_out;
    uint32_t in_off = 0, in_len = 0, out_off, out_len;
    int no_input = JS_IsNull(argv[2]);
    if (!h || JS_ToInt32(c, &op, argv[1])
        || (!no_input && (JS_ToUint32(c, &in_off, argv[3]) || JS_ToUint32(c, &in_len, argv[4])))
        || JS_ToUint32(c, &out_off, argv[6]) || JS_ToUint32(c, &out_len, argv[7]))
        return JS_EXCEPTION;
    /* no JavaScript runs from here to the brotli call: the handle's state (a valueOf above could have
       closed it) and the pointers read now stay valid */
    if (!h->enc && !h->dec) return JS_ThrowTypeError(c, "the brotli handle is closed");
    const uint8_t *next_in = no_input ? (const uint8_t *)"" : window(c, argv[2], in_off, in_len);
    uint8_t *next_out = next_in ? window(c, argv[5], out_off, out_len) : NULL;
    if (!next_in || !next_out) return JS_EXCEPTION;
    avail_in = in_len;
    avail_out = out_len;
    int err = 0;
    const char *code = NULL;
    char code_buf[64];
    if (!h->decoding) {
        unsigned refused = refusals;
        if (!BrotliEncoderCompressStream(h->enc, (BrotliEncoderOperation)op, &avail_in, &next_in, &avail_out, &next_out, NULL)
            || refusals != refused) {
            err = -1;
            code = "ERR_BROTLI_COMPRESSION_FAILED";
        }
    } else {
        BrotliDecoderResult r = BrotliDecoderDecompressStream(h->dec, &avail_in, &next_in, &avail_out, &next_out, NULL);
        if (r == BROTLI_DECODER_RESULT_ERROR) {
            BrotliDecoderErrorCode e = BrotliDecoderGetErrorCode(h->dec);
            err = (int)e;
            strcpy(code_buf, "ERR_");
            strncat(code_buf, BrotliDecoderErrorString(e), sizeof code_buf - 5);
            code = code_buf;
        } else if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT && op == BROTLI_OPERATION_FINISH) {
            err = -5;
            code = "Z_BUF_ERROR";
        }
    }
    JSValue result = JS_NewArray(c);
    JS_SetPropertyUint32(c, result, 0, JS_NewFloat64(c, (double)avail_out));
    JS_SetPropertyUint32(c, result, 1, JS_NewFloat64(c, (double)avail_in));
    JS_SetPropertyUint32(c, result, 2, JS_NewInt32(c, err));
    JS_SetPropertyUint32(c, result, 3, code ? JS_NewString(c, code) : JS_NULL);
    return result;
}

static JSValue n_brotli_reset(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    Handle *h = JS_GetOpaque2(c, argv[0], handle_class);
    if (!h) return JS_EXCEPTION;
    if (handle_open(JS_GetRuntime(c), h, NULL) < 0) return JS_ThrowOutOfMemory(c);
    return JS_UNDEFINED;
}

static JSValue n_brotli_close(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    Handle *h = JS_GetOpaque2(c, argv[0], handle_class);
    if (!h) return JS_EXCEPTION;
    handle_close(JS_GetRuntime(c), h);
    return JS_UNDEFINED;
}

void edge_brotli_install(JSContext *c, JSValue native) {
    static const JSClassDef def = { "EdgeBrotli", handle_finalizer, NULL, NULL, NULL };
    JS_NewClassID(JS_GetRuntime(c), &handle_class);
    JS_NewClass(JS_GetRuntime(c), handle_class, &def);
    JS_SetPropertyStr(c, native, "brotliNew", JS_NewCFunction(c, n_brotli_new, "brotliNew", 2));
    JS_SetPropertyStr(c, native, "brotliWrite", JS_NewCFunction(c, n_brotli_write, "brotliWrite", 8));
    JS_SetPropertyStr(c, native, "brotliReset", JS_NewCFunction(c, n_brotli_reset, "brotliReset", 1));
    JS_SetPropertyStr(c, native, "brotliClose", JS_NewCFunction(c, n_brotli_close, "brotliClose", 1));
    JS_SetPropertyStr(c, native, "brotliEncode", JS_NewCFunction(c, n_brotli_encode, "brotliEncode", 3));
    JS_SetPropertyStr(c, native, "brotliDecode", JS_NewCFunction(c, n_brotli_decode, "brotliDecode", 4));
}
