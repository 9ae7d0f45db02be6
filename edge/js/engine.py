"""The JavaScript engine module: QuickJS-NG + libdeflate + brotli + hashes + our glue, compiled once and cached.

The engine is one wasm32-wasi module (`engine.wasm`, ~2.7 MB) that every JavaScript function
is made from (edge/js/build.py pre-initialises a copy of it with the function's code).
Building it compiles ~70 C files with zig cc from PyPI (a minute or two on 2 cores, once; ~95 s of
CPU, brotli's ~20 of them):

- QuickJS-NG (the `quickjs-ng` sdist on PyPI, `upstream-quickjs/`): the JavaScript engine.
- libdeflate (bundled in the `deflate` sdist on PyPI): zlib's gzip/deflate/zlib formats, for
  `require('zlib')`. One-shot (de)compression is all the synchronous Node API needs.
- brotli (Google's C library, `c/` of the `brotli` sdist on PyPI): `require('zlib')`'s brotli
  (`brotliCompressSync`, `createBrotliDecompress`, ...; `engine/brotli_glue.c`), ~0.78 MB of the
  engine (its code ~0.32 MB, the 122 KB dictionary and the encoder's tables over it ~0.45 MB).
- pycryptodome's C code (its sdist on PyPI, `src/`): SHA-1, SHA-2 and MD5, for
  `require('crypto').createHash/createHmac`; AES, its ECB, CBC and CTR modes and GCM's GHASH, for
  `createCipheriv`/`createDecipheriv` and `crypto.subtle`'s AES (`engine/cipher.c` assembles GCM);
  modular exponentiation, the P-256, P-384 and P-521 curves, Ed25519 and X25519, for RSA, ECDSA,
  EdDSA and ECDH (`engine/pubkey.c`).
- `engine/edge_js.c`: the edge ABI exports and the native helpers the Node layer uses;
  `engine/heap.c`: the allocator that keeps freed bytes out of each function's snapshot;
  `engine/cipher.c`: the AES ciphers' glue; `engine/pubkey.c`: the public-key arithmetic's;
  `engine/brotli_glue.c`: brotli's.

The result is cached under `<cache>/engine/<key>/engine.wasm`, where the key hashes the
source versions, our glue and every compiler flag: changing any of them builds a new engine.
A lock file makes concurrent builders (test workers, server threads) build it only once.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import fetch

HERE = Path(__file__).resolve().parent
GLUE = HERE / "engine" / "edge_js.c"
HEAP = HERE / "engine" / "heap.c"  # the allocator that keeps freed bytes out of snapshots
CIPHER = HERE / "engine" / "cipher.c"  # AES modes and GCM over pycryptodome's block cipher and GHASH
PUBKEY = HERE / "engine" / "pubkey.c"  # modPow, ecMul, ecMulAdd over pycryptodome's modexp and ec_ws
BROTLI_GLUE = HERE / "engine" / "brotli_glue.c"  # brotli's encoder and decoder for zlib.js, its big blocks' pages
OWN_SOURCES = (GLUE, HEAP, CIPHER, PUBKEY, BROTLI_GLUE)

QUICKJS = ("quickjs-ng", "0.17.0.2")
DEFLATE = ("deflate", "0.9.0")  # libdeflate 1.26 inside
PYCRYPTODOME = ("pycryptodome", "3.23.0")
BROTLI = ("brotli", "1.2.1")  # the brotli 1.2.1 C library (c/common/version.h); Node 20 bundles 1.1.0

LINEAR_STACK = 1024 * 1024
CFLAGS = ("-O2", "-D_GNU_SOURCE", "-D_WASI_EMULATED_SIGNAL", "-DNDEBUG", "-fno-sanitize=undefined",
          "-DHAVE_STDINT_H", "-DHAVE_POSIX_MEMALIGN")
LDFLAGS = ("-mexec-model=reactor", "-lwasi-emulated-signal", f"-Wl,-z,stack-size={LINEAR_STACK}",
           "-Wl,--strip-all")
QUICKJS_FILES = ("quickjs.c", "libregexp.c", "libunicode.c", "dtoa.c")
DEFLATE_FILES = ("utils.c", "deflate_compress.c", "deflate_decompress.c", "zlib_compress.c", "zlib_decompress.c",
                 "gzip_compress.c", "gzip_decompress.c", "adler32.c", "crc32.c")
# brotli's library, under the sdist's c/: all of it (the linker keeps what brotli_glue.c reaches).
# -O2 as the rest: -Os saved 42 KB of the 0.78 MB and cost 3-7 % more fuel compressing.
BROTLI_FILES = tuple(f"common/{f}.c" for f in ("constants", "context", "dictionary", "platform", "shared_dictionary",
                                                "transform")) + \
    tuple(f"dec/{f}.c" for f in ("bit_reader", "decode", "huffman", "prefix", "state", "static_init")) + \
    tuple(f"enc/{f}.c" for f in ("backward_references", "backward_references_hq", "bit_cost", "block_splitter",
                                 "brotli_bit_stream", "cluster", "command", "compound_dictionary", "compress_fragment",
                                 "compress_fragment_two_pass", "dictionary_hash", "encode", "encoder_dict",
                                 "entropy_encode", "fast_log", "histogram", "literal_cost", "memory", "metablock",
                                 "static_dict", "static_dict_lut", "static_init", "utf8_util"))
# An allocation the encoder cannot have (the function's memory limit: quality 10-11 with a 24-bit
# window takes ~190 MB) fails the compression (Node's "Compression failed"), where brotli's default
# exits the process; its tracking of live allocations (128 slots) holds the encoder's ~25 (at most
# 25 measured over qualities 0-11, windows 10-30, inputs up to 4 MB). brotli_glue.c also fails a
# call that met a refused allocation brotli went on past.
BROTLI_DEFINES = ("-DBROTLI_ENCODER_CLEANUP_ON_OOM",)
HASH_FILES = ("SHA1.c", "SHA224.c", "SHA256.c", "SHA384.c", "SHA512.c", "MD5.c")
# AES (the portable T-table code; AESNI.c needs x86) and its modes, and GCM's GHASH (portable; ghash_clmul.c is x86)
AES_FILES = ("AES.c", "raw_ecb.c", "raw_cbc.c", "raw_ctr.c", "ghash_portable.c")
# Montgomery arithmetic (mont.c, which includes its helpers), modular exponentiation and the NIST
# curves with their generators' precomputed tables (~650 KB of the engine). SYS_BITS=64: wasm has
# 64-bit integers but no 64x64->128 multiply; pycryptodome's 64-bit words with a 32-bit product
# split measured 53 million fuel for a 1024-bit exponentiation, its 32-bit path 127 million,
# __int128 (a compiler-rt call per product) 68 million.
PUBKEY_FILES = ("mont.c", "modexp.c", "ec_ws.c", "p256_table.c", "p384_table.c", "p521_table.c")
PUBKEY_DEFINES = ("-DSYS_BITS=64",)
# Ed25519 and X25519 (Montgomery ladders over 2^255 - 19 in 25.5-bit limbs), each with its own
# copy of bignum.c (included), whose one non-static function is renamed to link beside mont.c's
CURVE25519_FILES = (("ed25519.c", ("-Dsub_mod=ed25519_sub_mod",)), ("curve25519.c", ("-Dsub_mod=curve25519_sub_mod",)))
# Source edits, each (file, text, replacement), checked to match exactly once. QuickJS reads the
# clock when it makes a context: its PRNG's seed (and from it the Map/Set hash seed), and a time
# origin. A function's snapshot then depended on when it was built, so the same source built
# twice made two different modules (and two versions). The context is made once, while the
# function is built: the seed comes from edge_js.c instead (fixed; the fuel and time caps bound
# any hash-collision attack on one invocation's Maps), and the origin is 0. Math.random has its
# own seed, drawn per instance.
# `1n + 1`: operands that are numeric (ToNumeric done), one a BigInt and one not
EDGE_BIGINT_MIX = ("        if (tag1 == JS_TAG_BIG_INT || tag1 == JS_TAG_SHORT_BIG_INT ||\n"
                   "            tag2 == JS_TAG_BIG_INT || tag2 == JS_TAG_SHORT_BIG_INT) {\n"
                   "            JS_FreeValue(ctx, op1);\n            JS_FreeValue(ctx, op2);\n"
                   "            JS_ThrowTypeError(ctx, \"Cannot mix BigInt and other types, use explicit conversions\");\n"
                   "            goto exception;\n        }\n")
QUICKJS_EDITS = (
    # Dates as Node 20 writes them on Lambda, whose time zone is UTC (TZ=:UTC), as the engine's is:
    # toString()/toTimeString() (and String(date), Date()) end in V8's zone name, ` (Coordinated
    # Universal Time)`, which QuickJS left out; toLocaleString()/toLocaleDateString()/toLocaleTimeString()
    # are en-US, Lambda's default locale (`3/10/2024, 3:30:05 PM`, no zero padding, a year before 1 as
    # the era's year: -50 is `51`), where QuickJS padded (`03/10/2024, 03:30:05 PM`). Locales and options
    # are still ignored (no Intl). The buffer is made room for the longest such text.
    ("quickjs.c", "            /* XXX: tack the time zone code? */\n            break;\n",
     ("            if (fields[8] == 0)\n"
      "                pos += snprintf(buf + pos, sizeof(buf) - pos, \" (Coordinated Universal Time)\");\n"
      "            break;\n")),
    ("quickjs.c", ("    char buf[64];\n    double fields[9];\n    int res, fmt, part, pos;\n"
                   "    int y, mon, d, h, m, s, ms, wd, tz;\n"),
     ("    char buf[96];\n    double fields[9];\n    int res, fmt, part, pos;\n"
      "    int y, mon, d, h, m, s, ms, wd, tz;\n")),
    ("quickjs.c", "\"%02d/%02d/%0*d\", mon + 1, d, 4 + (y < 0), y);",
     "\"%d/%d/%d\", mon + 1, d, y <= 0 ? 1 - y : y);"),
    ("quickjs.c", "\"%02d:%02d:%02d %cM\", (h + 11) % 12 + 1, m, s,",
     "\"%d:%02d:%02d %cM\", (h + 11) % 12 + 1, m, s,"),
    ("quickjs.c", "ctx->random_state = js__gettimeofday_us();", "ctx->random_state = edge_context_seed();"),
    # QuickJS's own `performance` (replaced by the Node layer's, node/runtime.js) kept the clock's
    # reading at the build as its time origin
    ("quickjs.c", "ctx->time_origin = js__now_ms();", "ctx->time_origin = 0;"),
    # Date's clock (new Date(), Date(), Date.now()) is edge_js.c's: the wall clock with the virtual
    # time timers skipped, restarted on the real time as each invocation starts
    ("quickjs.c", "static int64_t date_now(void) {\n    return js__gettimeofday_us() / 1000;\n}\n",
     "static int64_t date_now(void) {\n    return edge_date_now();\n}\n"),
    # Inferred names in stack traces (engine/inferred_names.h says why): `exports.handler = async
    # () => ...` showed `at <anonymous>`, V8 shows `at exports.handler`. A field on the parser's
    # function and on its bytecode, handed from one to the other and freed with each ...
    ("quickjs.c", "    int byte_code_len;\n    JSAtom func_name;\n    JSVarDef *vardefs;",
     ("    int byte_code_len;\n    JSAtom func_name;\n    JSAtom edge_inferred_name; /* inferred_names.h */\n"
      "    JSVarDef *vardefs;")),
    ("quickjs.c", "    JSAtom func_name; /* JS_ATOM_NULL if no name */\n",
     "    JSAtom func_name; /* JS_ATOM_NULL if no name */\n    JSAtom edge_inferred_name; /* inferred_names.h */\n"),
    ("quickjs.c", "    b->func_name = fd->func_name;\n",
     ("    b->func_name = fd->func_name;\n    b->edge_inferred_name = fd->edge_inferred_name;\n"
      "    fd->edge_inferred_name = JS_ATOM_NULL;\n")),
    ("quickjs.c", "    JS_FreeAtomRT(rt, b->func_name);\n",
     "    JS_FreeAtomRT(rt, b->func_name);\n    JS_FreeAtomRT(rt, b->edge_inferred_name);\n"),
    ("quickjs.c", "    JS_FreeAtom(ctx, fd->func_name);\n",
     "    JS_FreeAtom(ctx, fd->func_name);\n    JS_FreeAtom(ctx, fd->edge_inferred_name);\n"),
    # ... the backtrace's name (get_func_name serves only it and CallSite) falls back to it ...
    ("quickjs.c", "    if (JS_VALUE_GET_TAG(val) != JS_TAG_STRING)\n        return NULL;\n    return JS_ToCString(ctx, val);\n}\n",
     ("    if (JS_VALUE_GET_TAG(val) != JS_TAG_STRING)\n        return NULL;\n"
      "    if (JS_VALUE_GET_STRING(val)->len == 0 && js_class_has_bytecode(JS_VALUE_GET_OBJ(func)->class_id) &&\n"
      "        JS_VALUE_GET_OBJ(func)->u.func.function_bytecode->edge_inferred_name != JS_ATOM_NULL)\n"
      "        return JS_AtomToCString(ctx, JS_VALUE_GET_OBJ(func)->u.func.function_bytecode->edge_inferred_name);\n"
      "    return JS_ToCString(ctx, val);\n}\n")),
    # ... and the parser sets it when an anonymous function is assigned to `a.b.c` (source text
    # from the assignment's first token to its `=`).
    ("quickjs.c", "static void set_object_name_computed(JSParseState *s)\n",
     "#include \"inferred_names.h\"\n\nstatic void set_object_name_computed(JSParseState *s)\n"),
    ("quickjs.c", "    JSAtom name0 = JS_ATOM_NULL;\n    JSAtom name;\n\n    if (s->token.val == TOK_YIELD) {",
     ("    JSAtom name0 = JS_ATOM_NULL;\n    JSAtom name;\n    const uint8_t *edge_lhs = NULL, *edge_lhs_end = NULL;\n\n"
      "    if (s->token.val == TOK_YIELD) {")),
    ("quickjs.c", " next:\n    if (s->token.val == TOK_IDENT) {\n",
     " next:\n    edge_lhs = s->token.ptr;\n    if (s->token.val == TOK_IDENT) {\n"),
    ("quickjs.c", "    if (op == '=' || (op >= TOK_MUL_ASSIGN && op <= TOK_POW_ASSIGN)) {\n        int label;\n",
     ("    edge_lhs_end = s->token.ptr;\n"
      "    if (op == '=' || (op >= TOK_MUL_ASSIGN && op <= TOK_POW_ASSIGN)) {\n        int label;\n")),
    ("quickjs.c", "                set_object_name(s, name);\n            }\n        } else {\n",
     ("                set_object_name(s, name);\n            } else if (opcode == OP_get_field) {\n"
      "                edge_infer_member_name(s, edge_lhs, edge_lhs_end);\n            }\n        } else {\n")),
    # The Node layer's frames beneath the function's own code are left out of stack traces (and of
    # CallSites): the runtime that called the handler or fired its timer (`at dispatch
    # (node:internal/boot:...)`) stands where Lambda's runtime frames are, in a file Lambda has and
    # this host has not (docs/javascript.md). The layer is "node:internal/boot", the facades of
    # CommonJS modules an ES module imports "cjs:..."; a stack with none of the function's frames
    # keeps them all, and so do the layer's frames above or between the function's.
    ("quickjs.c", "static void build_backtrace(JSContext *ctx, JSValueConst error_val,\n",
     ("static bool edge_is_layer_frame(JSContext *ctx, JSStackFrame *sf)\n{\n"
      "    JSObject *p = JS_VALUE_GET_OBJ(sf->cur_func);\n    char buf[8];\n\n"
      "    if (!js_class_has_bytecode(p->class_id))\n        return true; /* a native function */\n"
      "    JS_AtomGetStr(ctx, buf, sizeof(buf), p->u.func.function_bytecode->filename);\n"
      "    return strncmp(buf, \"node:\", 5) == 0 || strncmp(buf, \"cjs:\", 4) == 0;\n}\n\n"
      "/* The frame after the function's last (oldest) own frame, or NULL when it has none. */\n"
      "static JSStackFrame *edge_layer_frames(JSContext *ctx, JSStackFrame *sf)\n{\n"
      "    JSStackFrame *end = NULL;\n\n    for (; sf != NULL; sf = sf->prev_frame)\n"
      "        if (!edge_is_layer_frame(ctx, sf))\n            end = sf->prev_frame;\n    return end;\n}\n\n"
      "static void build_backtrace(JSContext *ctx, JSValueConst error_val,\n")),
    # A Date setter given NaN or an infinity (`d.setUTCFullYear(NaN, 0, 1)`, `d.setHours(NaN)`) returned
    # NaN but left the date as it was; the standard (and V8) make a valid date's time value NaN (an
    # invalid date stays as it is). date-fns' parseISO('nope') gave 1970-01-01, not an Invalid Date.
    ("quickjs.c", "        if (!isfinite(a))\n            res = false;\n        fields[first_field + i] = trunc(a);\n    }\n\n"
                  "    if (!res)\n        return JS_NAN;\n",
     ("        if (!isfinite(a) && res)\n            res = 2;\n        fields[first_field + i] = trunc(a);\n    }\n\n"
      "    if (!res)\n        return JS_NAN;\n    if (res == 2)\n        return JS_SetThisTimeValue(ctx, this_val, NAN);\n")),
    # pycryptodome's ed25519_new_point checks y^2 = 1 + x^2 + d x^2 y^2 by comparing the limbs of
    # the two sides, which are only partly reduced: a value and the same value plus p differ. Points
    # on the curve such as (sqrt(-1), 0) and (0, -1) (small order: keys a viewer can send) were
    # refused, so crypto.verify threw where Node answers. The sides' difference is compared with 0
    # once fully reduced (is_le25p5_zero) instead.
    ("ed25519.c", "    reduce_25519_le25p5(B);\n    reduce_25519_le25p5(C);\n    if (0 != memcmp(B, C, sizeof B)) {\n",
     "    sub_25519(B, B, C);\n    if (!is_le25p5_zero(B)) {\n"),
    ("quickjs.c", ("    for (sf = sf_start; sf != NULL && i < stack_trace_limit; sf = sf->prev_frame) {\n"
                   "        if (backtrace_flags & JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL) {\n"),
     ("    JSStackFrame *edge_end = edge_layer_frames(ctx, sf_start);\n"
      "    for (sf = sf_start; sf != edge_end && i < stack_trace_limit; sf = sf->prev_frame) {\n"
      "        if (backtrace_flags & JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL) {\n")),
    # require() of an ES module in a cycle (engine/busy_module.h says why): edge_busy_module finds,
    # before edge_js.c's requireModule evaluates a graph, a module of it that is being loaded, linked
    # or evaluated (the engine trapped on a NULL import)
    ("quickjs.c", "JSValue JS_GetModuleNamespace(JSContext *ctx, JSModuleDef *m)\n{\n",
     "#include \"busy_module.h\"\n\nJSValue JS_GetModuleNamespace(JSContext *ctx, JSModuleDef *m)\n{\n"),
    # An error made by a subclass of Error (`class AuthError extends Error`, `super(m)`) had its
    # constructor's frame on top of its stack; V8 leaves out the frames up to new.target's, as
    # Error.captureStackTrace(err, new.target) does
    ("quickjs.c", ("    /* skip the Error() function in the backtrace */\n"
                   "    build_backtrace(ctx, obj, JS_UNDEFINED, NULL, 0, 0, JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL);\n"
                   "    return obj;\n"),
     ("    /* skip the Error() function in the backtrace, and a subclass's constructors (edge) */\n"
      "    if (JS_VALUE_GET_TAG(new_target) == JS_TAG_OBJECT\n"
      "        && JS_VALUE_GET_OBJ(new_target) != JS_VALUE_GET_OBJ(JS_GetActiveFunction(ctx)))\n"
      "        build_backtrace(ctx, obj, new_target, NULL, 0, 0, JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL\n"
      "                        | JS_BACKTRACE_FLAG_FILTER_FUNC | EDGE_BACKTRACE_FLAG_ERROR_DATA);\n"
      "    else\n"
      "        build_backtrace(ctx, obj, JS_UNDEFINED, NULL, 0, 0, JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL);\n"
      "    return obj;\n")),
    # ... and that stack is the error's own (its [[ErrorData]], from which its own `stack` is made:
    # the lazy stack below), not the own data property Error.captureStackTrace(target) installs
    ("quickjs.c", "#define JS_BACKTRACE_FLAG_FILTER_FUNC      (1 << 2)\n",
     "#define JS_BACKTRACE_FLAG_FILTER_FUNC      (1 << 2)\n#define EDGE_BACKTRACE_FLAG_ERROR_DATA     (1 << 3)\n"),
    ("quickjs.c", "    if (has_filter_func) {\n        /* Error.captureStackTrace(target, ...): install an own data property\n",
     "    if (has_filter_func && !(backtrace_flags & EDGE_BACKTRACE_FLAG_ERROR_DATA)) {\n"
     "        /* Error.captureStackTrace(target, ...): install an own data property\n"),
    # The AggregateError Promise.any rejects with had no message (a failure logged as an empty one);
    # V8's says "All promises were rejected". Its own stack (no frames: made in a job) and message
    # come first, as V8 lists them (the lazy stack below)
    ("quickjs.c", ("    if (JS_IsException(obj))\n        return obj;\n"
                   "    JS_DefinePropertyValueConst(ctx, obj, JS_ATOM_errors, errors,\n"
                   "                               JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);\n    return obj;\n"),
     ("    if (JS_IsException(obj) || edge_add_lazy_stack(ctx, obj) < 0) {\n"
      "        JS_FreeValue(ctx, obj);\n        return JS_EXCEPTION;\n    }\n"
      "    JS_DefinePropertyValue(ctx, obj, JS_ATOM_message, JS_NewString(ctx, \"All promises were rejected\"),\n"
      "                           JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);\n"
      "    JS_DefinePropertyValueConst(ctx, obj, JS_ATOM_errors, errors,\n"
      "                               JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);\n    return obj;\n")),
    # A regular expression nested past the stack limit (`new RegExp('(?:'.repeat(1e5) + 'a' + ')'.repeat(1e5))`)
    # threw `SyntaxError: stack overflow`; it is the RangeError every other stack exhaustion is
    # (STACK_CHARGES), as V8's parser gives for what nests past its stack
    ("quickjs.c", "    if (!re_bytecode_buf) {\n        JS_ThrowSyntaxError(ctx, \"%s\", error_msg);\n",
     ("    if (!re_bytecode_buf) {\n        if (strcmp(error_msg, \"stack overflow\") == 0)\n"
      "            JS_ThrowStackOverflow(ctx);\n        else\n        JS_ThrowSyntaxError(ctx, \"%s\", error_msg);\n")),
    # An error's `stack` is its own property from the start, as V8's: listed first by
    # Object.getOwnPropertyNames (`['stack', 'message']`), copied by JSON.stringify(err,
    # Object.getOwnPropertyNames(err)), a data property to getOwnPropertyDescriptor; Error.prototype
    # has none (the Node layer removes QuickJS's accessor). Like V8's it is made when first read
    # (Error.prepareStackTrace and the first line then: util.js makes it, called through edge_js.c's
    # edge_error_stack), so it is a lazy (autoinit) property until then; a throw is that read's and
    # the next read makes it again. Written or given a value before it is read, it is not made.
    # The frames stay where QuickJS keeps them (the [[ErrorData]]); Error.captureStackTrace's and a
    # DOMException's own data `stack` become lazy in place (edge_lazy_stack, the layer keeping
    # their frames).
    ("quickjs.c", ("/* Note: it is important that no exception is returned by this function */\n"
                   "static bool can_store_error_stack(JSValueConst obj)\n{\n"
                   "    JSObject *p;\n    if (JS_VALUE_GET_TAG(obj) != JS_TAG_OBJECT)\n        return false;\n"
                   "    p = JS_VALUE_GET_OBJ(obj);\n    if (p->class_id != JS_CLASS_ERROR)\n        return false;\n"
                   "    if (!JS_IsUndefined(p->u.object_data))\n        return false;\n"
                   "    if (find_own_property1(p, JS_ATOM_stack))\n        return false;\n    return true;\n}\n"),
     ("static const char edge_stack_tag; /* the opaque of a lazy stack */\n"
      "JSValue edge_error_stack(JSContext *ctx, JSValueConst err); /* edge_js.c */\n\n"
      "static bool edge_is_lazy_stack(JSShapeProperty *prs, JSProperty *pr)\n{\n"
      "    return (prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT && pr->u.init.opaque == &edge_stack_tag;\n}\n\n"
      "static void edge_set_lazy_stack(JSContext *ctx, JSProperty *pr)\n{\n"
      "    pr->u.init.realm_and_id = (uintptr_t)JS_DupContext(ctx) | JS_AUTOINIT_ID_BYTECODE;\n"
      "    pr->u.init.opaque = (void *)&edge_stack_tag;\n}\n\n"
      "/* a new error's first property */\n"
      "static int edge_add_lazy_stack(JSContext *ctx, JSValueConst obj)\n{\n"
      "    JSProperty *pr = add_property(ctx, JS_VALUE_GET_OBJ(obj), JS_ATOM_stack,\n"
      "                                  JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE | JS_PROP_AUTOINIT);\n"
      "    if (!pr)\n        return -1;\n    edge_set_lazy_stack(ctx, pr);\n    return 0;\n}\n\n"
      "/* the own data `stack` made lazy (edge_js.c's lazyStack) */\n"
      "int edge_lazy_stack(JSContext *ctx, JSValueConst obj)\n{\n"
      "    JSProperty *pr;\n    JSShapeProperty *prs;\n    JSObject *p;\n    JSValue old;\n\n"
      "    if (JS_VALUE_GET_TAG(obj) != JS_TAG_OBJECT)\n        return 0;\n    p = JS_VALUE_GET_OBJ(obj);\n"
      "    prs = find_own_property(&pr, p, JS_ATOM_stack);\n"
      "    if (!prs || (prs->flags & (JS_PROP_TMASK | JS_PROP_CONFIGURABLE)) != JS_PROP_CONFIGURABLE)\n        return 0;\n"
      "    if (js_shape_prepare_update(ctx, p, &prs))\n        return -1;\n"
      "    old = pr->u.value;\n    prs->flags |= JS_PROP_AUTOINIT;\n    edge_set_lazy_stack(ctx, pr);\n"
      "    JS_FreeValue(ctx, old);\n    return 1;\n}\n\n"
      "/* a value or accessors given before it is read: a plain property, not made */\n"
      "static int edge_drop_lazy_stack(JSContext *ctx, JSObject *p, JSShapeProperty *prs, JSProperty *pr)\n{\n"
      "    if (js_shape_prepare_update(ctx, p, &prs))\n        return -1;\n"
      "    js_autoinit_free(ctx->rt, pr);\n    prs->flags &= ~JS_PROP_TMASK;\n    pr->u.value = JS_UNDEFINED;\n    return 0;\n}\n\n"
      "/* the first read: what the layer makes is the stack (also when the maker wrote one meanwhile, as in\n"
      "   V8), unless the property was taken away; the maker may change the error's properties, so it is\n"
      "   found again after */\n"
      "static int edge_make_lazy_stack(JSContext *ctx, JSObject *p, JSAtom prop)\n{\n"
      "    JSValue obj = js_dup(JS_MKPTR(JS_TAG_OBJECT, p));\n"
      "    JSValue val = edge_error_stack(ctx, obj);\n    JSProperty *pr;\n    JSShapeProperty *prs;\n\n"
      "    if (JS_IsUninitialized(val)) /* no maker yet: the engine's frames */\n"
      "        val = p->class_id == JS_CLASS_ERROR ? js_dup(p->u.object_data) : JS_UNDEFINED;\n"
      "    prs = JS_IsException(val) ? NULL : find_own_property(&pr, p, prop);\n"
      "    if (prs && (edge_is_lazy_stack(prs, pr) ||\n"
      "                (prs->flags & (JS_PROP_TMASK | JS_PROP_WRITABLE)) == JS_PROP_WRITABLE)) {\n"
      "        if (js_shape_prepare_update(ctx, p, &prs)) {\n"
      "            JS_FreeValue(ctx, val);\n            val = JS_EXCEPTION;\n"
      "        } else if ((prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT) {\n"
      "            js_autoinit_free(ctx->rt, pr);\n            prs->flags &= ~JS_PROP_TMASK;\n            pr->u.value = val;\n"
      "        } else {\n            set_value(ctx, &pr->u.value, val);\n        }\n"
      "    } else {\n        JS_FreeValue(ctx, val);\n    }\n"
      "    JS_FreeValue(ctx, obj);\n    return JS_IsException(val) ? -1 : 0;\n}\n\n"
      "/* Note: it is important that no exception is returned by this function */\nstatic bool can_store_error_stack(JSValueConst obj)\n{\n"
      "    JSObject *p;\n    JSProperty *pr;\n    JSShapeProperty *prs;\n"
      "    if (JS_VALUE_GET_TAG(obj) != JS_TAG_OBJECT)\n        return false;\n"
      "    p = JS_VALUE_GET_OBJ(obj);\n    if (p->class_id != JS_CLASS_ERROR)\n        return false;\n"
      "    if (!JS_IsUndefined(p->u.object_data))\n        return false;\n"
      "    prs = find_own_property(&pr, p, JS_ATOM_stack);\n    return !prs || edge_is_lazy_stack(prs, pr);\n}\n")),
    ("quickjs.c", ("        /* genuine Error instance: store as the [[ErrorData]] stack value */\n"
                   "        p = JS_VALUE_GET_OBJ(error_obj);\n        JS_FreeValue(ctx, p->u.object_data);\n"
                   "        p->u.object_data = stack;\n"),
     ("        /* genuine Error instance: store as the [[ErrorData]] stack value */\n"
      "        p = JS_VALUE_GET_OBJ(error_obj);\n        JS_FreeValue(ctx, p->u.object_data);\n"
      "        p->u.object_data = stack;\n"
      "        if (!find_own_property1(p, JS_ATOM_stack)) /* one made without it (JS_NewError) */\n"
      "            edge_add_lazy_stack(ctx, error_obj);\n")),
    ("quickjs.c", ("    obj = JS_NewObjectProtoClass(ctx, proto, JS_CLASS_ERROR);\n    JS_FreeValue(ctx, proto);\n"
                   "    if (JS_IsException(obj))\n        return obj;\n"),
     ("    obj = JS_NewObjectProtoClass(ctx, proto, JS_CLASS_ERROR);\n    JS_FreeValue(ctx, proto);\n"
      "    if (JS_IsException(obj))\n        return obj;\n"
      "    if (edge_add_lazy_stack(ctx, obj) < 0)\n        goto exception;\n")),
    ("quickjs.c", "    if (JS_IsException(obj))\n        return JS_EXCEPTION;\n    msg = JS_NewString(ctx, message);\n",
     ("    if (JS_IsException(obj))\n        return JS_EXCEPTION;\n"
      "    if (edge_add_lazy_stack(ctx, obj) < 0) {\n        JS_FreeValue(ctx, obj);\n        return JS_EXCEPTION;\n    }\n"
      "    msg = JS_NewString(ctx, message);\n")),
    ("quickjs.c", "    if (js_shape_prepare_update(ctx, p, &prs))\n        return -1;\n\n    realm = js_autoinit_get_realm(pr);\n",
     ("    if (edge_is_lazy_stack(prs, pr))\n        return edge_make_lazy_stack(ctx, p, prop);\n"
      "    if (js_shape_prepare_update(ctx, p, &prs))\n        return -1;\n\n    realm = js_autoinit_get_realm(pr);\n")),
    ("quickjs.c", ("        } else if ((prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT) {\n"
                   "            /* Instantiate property and retry (potentially useless) */\n"
                   "            if (JS_AutoInitProperty(ctx, p, prop, pr, prs))\n                goto fail;\n"),
     ("        } else if ((prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT) {\n"
      "            if (edge_is_lazy_stack(prs, pr)) {\n"
      "                if (edge_drop_lazy_stack(ctx, p1, prs, pr))\n                    goto fail;\n"
      "                goto retry;\n            }\n"
      "            /* Instantiate property and retry (potentially useless) */\n"
      "            if (JS_AutoInitProperty(ctx, p, prop, pr, prs))\n                goto fail;\n")),
    ("quickjs.c", ("        if ((prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT) {\n"
                   "            /* Instantiate property and retry */\n"
                   "            if (JS_AutoInitProperty(ctx, p, prop, pr, prs))\n                return -1;\n"
                   "            goto redo_prop_update;\n"),
     ("        if ((prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT) {\n"
      "            if (edge_is_lazy_stack(prs, pr) && (flags & (JS_PROP_HAS_VALUE | JS_PROP_HAS_GET | JS_PROP_HAS_SET))) {\n"
      "                if (edge_drop_lazy_stack(ctx, p, prs, pr))\n                    return -1;\n"
      "                goto redo_prop_update;\n            }\n"
      "            /* Instantiate property and retry */\n"
      "            if (JS_AutoInitProperty(ctx, p, prop, pr, prs))\n                return -1;\n"
      "            goto redo_prop_update;\n")),
    # Making a lazy stack runs JavaScript (Error.prepareStackTrace, a `name` or `message` getter),
    # which may take the error off the chain being walked and free it. A read through a prototype
    # (`Object.create(err).stack`) holds the error while the stack is made and reads it again from
    # there (JS_GetPropertyInternal's `continue` would hold a freed pointer); a write through a
    # prototype does not make it at all: a lazy stack is a writable data property, so the write
    # makes the receiver's own property (as V8's, not calling Error.prepareStackTrace).
    ("quickjs.c", ("                    if (JS_AutoInitProperty(ctx, p, prop, pr, prs))\n"
                   "                        return JS_EXCEPTION;\n                    continue;\n"),
     ("                    if (edge_is_lazy_stack(prs, pr)) {\n"
      "                        JSValue held = js_dup(JS_MKPTR(JS_TAG_OBJECT, p)), val;\n"
      "                        if (JS_AutoInitProperty(ctx, p, prop, pr, prs)) {\n"
      "                            JS_FreeValue(ctx, held);\n                            return JS_EXCEPTION;\n                        }\n"
      "                        val = JS_GetPropertyInternal(ctx, held, prop, this_obj, throw_ref_error);\n"
      "                        JS_FreeValue(ctx, held);\n                        return val;\n                    }\n"
      "                    if (JS_AutoInitProperty(ctx, p, prop, pr, prs))\n"
      "                        return JS_EXCEPTION;\n                    continue;\n")),
    ("quickjs.c", ("            } else if ((prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT) {\n"
                   "                /* Instantiate property and retry (potentially useless) */\n"
                   "                if (JS_AutoInitProperty(ctx, p1, prop, pr, prs))\n                    return -1;\n"
                   "                goto retry2;\n"),
     ("            } else if ((prs->flags & JS_PROP_TMASK) == JS_PROP_AUTOINIT && !edge_is_lazy_stack(prs, pr)) {\n"
      "                /* Instantiate property and retry (potentially useless) */\n"
      "                if (JS_AutoInitProperty(ctx, p1, prop, pr, prs))\n                    return -1;\n"
      "                goto retry2;\n")),
) + (
    # The engine's own errors in V8's words (engine/error_messages.h says why and how): Lambda
    # handlers are read, tested and monitored by their messages. The helpers come after the
    # opcode table they read; the throwers before it call them through these declarations.
    ("quickjs.c", "static JSValue JS_ThrowStackOverflow(JSContext *ctx)\n{\n",
     ("static JSValue edge_throw_not_callable(JSContext *ctx, JSValueConst func_obj, JSValueConst *argv, bool is_new);\n"
      "static JSValue edge_throw_not_iterable(JSContext *ctx, JSValueConst v);\n"
      "static JSValue edge_throw_destructure(JSContext *ctx, JSFunctionBytecode *b, const uint8_t *pc, JSValueConst v);\n"
      "static JSValue edge_throw_json_circular(JSContext *ctx, JSValueConst stack, JSValueConst val);\n"
      "static JSValue edge_throw_regexp(JSContext *ctx, JSValueConst pattern, JSValueConst flags, const char *msg);\n"
      "static void edge_json_unexpected(const uint8_t *buf, size_t len, size_t pos, char *out, size_t size);\n\n"
      "static JSValue JS_ThrowStackOverflow(JSContext *ctx)\n{\n")),
    ("quickjs.c", "                (op) + (OP_TEMP_END - OP_TEMP_START) : (op)]\n",
     "                (op) + (OP_TEMP_END - OP_TEMP_START) : (op)]\n\n#include \"error_messages.h\"\n"),
    # `o.bar()`: "o.bar is not a function" (not "not a function"), from bytecode or a built-in's
    # argument ("5 is not a function"); `new X()`: "X is not a constructor"
    ("quickjs.c", "        not_a_function:\n            return JS_ThrowTypeErrorNotAFunction(caller_ctx);\n",
     "        not_a_function:\n            return edge_throw_not_callable(caller_ctx, func_obj, argv, false);\n"),
    ("quickjs.c", ("    if (unlikely(JS_VALUE_GET_TAG(func_obj) != JS_TAG_OBJECT))\n        goto not_a_function;\n"
                   "    p = JS_VALUE_GET_OBJ(func_obj);\n    if (unlikely(!p->is_constructor))\n"
                   "        return JS_ThrowTypeErrorNotAConstructor(ctx, func_obj);\n"),
     ("    if (unlikely(JS_VALUE_GET_TAG(func_obj) != JS_TAG_OBJECT))\n"
      "        return edge_throw_not_callable(ctx, func_obj, argv, true);\n"
      "    p = JS_VALUE_GET_OBJ(func_obj);\n    if (unlikely(!p->is_constructor))\n"
      "        return edge_throw_not_callable(ctx, func_obj, argv, true);\n")),
    ("quickjs.c", "    if (likely(JS_IsFunction(ctx, obj)))\n        return 0;\n    JS_ThrowTypeErrorNotAFunction(ctx);\n",
     "    if (likely(JS_IsFunction(ctx, obj)))\n        return 0;\n    edge_throw_not_callable(ctx, obj, NULL, false);\n"),
    # "o is not iterable" (V8 names the expression; this the value), not "value is not iterable"
    # or, for undefined, "cannot read property 'Symbol.iterator' of undefined"
    ("quickjs.c", "    } else {\n        method = JS_GetProperty(ctx, obj, JS_ATOM_Symbol_iterator);\n",
     ("    } else {\n        if (JS_IsUndefined(obj) || JS_IsNull(obj))\n            return edge_throw_not_iterable(ctx, obj);\n"
      "        method = JS_GetProperty(ctx, obj, JS_ATOM_Symbol_iterator);\n")),
    ("quickjs.c", "        JS_FreeValue(ctx, method);\n        return JS_ThrowTypeError(ctx, \"value is not iterable\");\n",
     "        JS_FreeValue(ctx, method);\n        return edge_throw_not_iterable(ctx, obj);\n"),
    # `const {a} = null`: "Cannot destructure property 'a' of 'null' as it is null." (OP_to_object
    # is destructuring's, and `with`'s, which stores it next)
    ("quickjs.c", "        CASE(OP_to_object):\n            if (JS_VALUE_GET_TAG(sp[-1]) != JS_TAG_OBJECT) {\n                sf->cur_pc = pc;\n",
     ("        CASE(OP_to_object):\n            if (JS_VALUE_GET_TAG(sp[-1]) != JS_TAG_OBJECT) {\n                sf->cur_pc = pc;\n"
      "                if ((JS_IsNull(sp[-1]) || JS_IsUndefined(sp[-1])) && *pc != OP_put_loc && *pc != OP_put_loc8 &&\n"
      "                    !(*pc >= OP_put_loc0 && *pc <= OP_put_loc3)) {\n"
      "                    edge_throw_destructure(ctx, b, pc, sp[-1]);\n                    goto exception;\n                }\n")),
    # property reads and writes of undefined and null
    ("quickjs.c", "\"cannot read property '%s' of null\", prop);",
     "\"Cannot read properties of null (reading '%s')\", prop);"),
    ("quickjs.c", "\"cannot read property '%s' of undefined\", prop);",
     "\"Cannot read properties of undefined (reading '%s')\", prop);"),
    ("quickjs.c", "\"cannot read property '%s' of null\", atom);",
     "\"Cannot read properties of null (reading '%s')\", atom);"),
    ("quickjs.c", "\"cannot read property '%s' of undefined\", atom);",
     "\"Cannot read properties of undefined (reading '%s')\", atom);"),
    ("quickjs.c", "\"cannot set property '%s' of null\", prop);",
     "\"Cannot set properties of null (setting '%s')\", prop);"),
    ("quickjs.c", "\"cannot set property '%s' of undefined\", prop);",
     "\"Cannot set properties of undefined (setting '%s')\", prop);"),
    # `const c = 1; c = 2` (and a function expression's or class's own name)
    ("quickjs.c", "                if (type == JS_THROW_VAR_RO)\n                    JS_ThrowTypeErrorReadOnly(ctx, JS_PROP_THROW, atom);\n",
     "                if (type == JS_THROW_VAR_RO)\n                    JS_ThrowTypeError(ctx, \"Assignment to constant variable.\");\n"),
    # the temporal dead zone; `this` before super()
    ("quickjs.c", ("    return JS_ThrowReferenceError(ctx, \"%s is not initialized\",\n"
                   "                                  name == JS_ATOM_NULL ? \"lexical variable\" :\n"),
     ("    if (name == JS_ATOM_this)\n        return JS_ThrowReferenceError(ctx, \"Must call super constructor in derived class \"\n"
      "                                      \"before accessing 'this' or returning from derived constructor\");\n"
      "    return JS_ThrowReferenceError(ctx, \"Cannot access '%s' before initialization\",\n"
      "                                  name == JS_ATOM_NULL ? \"lexical variable\" :\n")),
    ("quickjs.c", "                JS_ThrowTypeError(ctx, \"class constructors must be invoked with 'new'\");\n",
     ("                {\n                    JSValue edge_name = JS_GetProperty(ctx, func_obj, JS_ATOM_name);\n"
      "                    const char *edge_s = JS_IsString(edge_name) ? JS_ToCString(ctx, edge_name) : NULL;\n"
      "                    JS_FreeValue(ctx, edge_name);\n"
      "                    JS_ThrowTypeError(ctx, \"Class constructor %s cannot be invoked without 'new'\", edge_s ? edge_s : \"\");\n"
      "                    if (edge_s)\n                        JS_FreeCString(ctx, edge_s);\n"
      "                }\n")),
    # `new Symbol()`: "Symbol is not a constructor"
    ("quickjs.c", "fini:\n    return JS_ThrowTypeError(ctx, \"not a constructor\");\n",
     "fini:\n    return edge_throw_not_callable(ctx, func_obj, NULL, true);\n"),
    # `[...undefined]`
    ("quickjs.c", "    iterator = JS_GetProperty(ctx, sp[-1], JS_ATOM_Symbol_iterator);\n",
     ("    if (JS_IsUndefined(sp[-1]) || JS_IsNull(sp[-1])) {\n        edge_throw_not_iterable(ctx, sp[-1]);\n        return -1;\n    }\n"
      "    iterator = JS_GetProperty(ctx, sp[-1], JS_ATOM_Symbol_iterator);\n")),
    # BigInt: `+1n`, and `1n + 1` (both operands numeric, one a BigInt)
    ("quickjs.c", "            return JS_ThrowTypeError(ctx, \"cannot convert BigInt to number\");\n",
     "            return JS_ThrowTypeError(ctx, \"Cannot convert a BigInt value to a number\");\n"),
    ("quickjs.c", "    } else {\n        double dr;\n        /* float64 result */\n        if (JS_ToFloat64Free(ctx, &d1, op1)) {\n",
     ("    } else {\n        double dr;\n        /* float64 result */\n" + EDGE_BIGINT_MIX +
      "        if (JS_ToFloat64Free(ctx, &d1, op1)) {\n")),
    ("quickjs.c", "    } else {\n        double d1, d2;\n        /* float64 result */\n        if (JS_ToFloat64Free(ctx, &d1, op1)) {\n",
     ("    } else {\n        double d1, d2;\n        /* float64 result */\n" + EDGE_BIGINT_MIX +
      "        if (JS_ToFloat64Free(ctx, &d1, op1)) {\n")),
    ("quickjs.c", "    } else {\n        if (unlikely(JS_ToInt32Free(ctx, (int32_t *)&v1, op1))) {\n",
     "    } else {\n" + EDGE_BIGINT_MIX + "        if (unlikely(JS_ToInt32Free(ctx, (int32_t *)&v1, op1))) {\n"),
    # JSON.stringify of a circular structure, with V8's lines after the first
    ("quickjs.c", "        if (JS_ToBoolFree(ctx, v)) {\n            JS_ThrowTypeError(ctx, \"circular reference\");\n",
     "        if (JS_ToBoolFree(ctx, v)) {\n            edge_throw_json_circular(ctx, jsc->stack, val);\n"),
    ("quickjs.c", "JS_ThrowTypeError(ctx, \"BigInt are forbidden in JSON.stringify\");",
     "JS_ThrowTypeError(ctx, \"Do not know how to serialize a BigInt\");"),
    # JSON.parse: Node 20's V8 gives the position without (line column); its unexpected token
    # quotes the input around it
    ("quickjs.c", "    return js_parse_error(s, \"%s in JSON at position %d (line %d column %d)\",\n"
                  "                          msg, position, line, (int)(p - line_start) + 1);\n",
     "    (void)line; (void)line_start;\n    return js_parse_error(s, \"%s in JSON at position %d\", msg, position);\n"),
    ("quickjs.c", ("            js_parse_error(s, \"unexpected token: '%.*s'\",\n"
                   "                           (int)(s->buf_ptr - s->token.ptr), s->token.ptr);\n"),
     ("            char edge_msg[160];\n"
      "            edge_json_unexpected(s->buf_start, s->buf_end - s->buf_start, s->token.ptr - s->buf_start,\n"
      "                                 edge_msg, sizeof(edge_msg));\n"
      "            js_parse_error(s, \"%s\", edge_msg);\n")),
    ("quickjs.c", "        return js_parse_error(s, \"Unexpected token '%c'\", *p_start);\n",
     ("        {\n            char edge_msg[160];\n"
      "            edge_json_unexpected(s->buf_start, s->buf_end - s->buf_start, p_start - s->buf_start,\n"
      "                                 edge_msg, sizeof(edge_msg));\n"
      "            return js_parse_error(s, \"%s\", edge_msg);\n        }\n")),
    # a '-' without a digit after it: V8 gives the position after the sign
    ("quickjs.c", "            json_parse_error(s, p, \"No number after minus sign\");\n",
     "            json_parse_error(s, p + 1, \"No number after minus sign\");\n"),
    ("quickjs.c", "        if (js_parse_error(s, \"unexpected data at the end\")) {\n",
     ("        if (js_parse_error(s, \"Unexpected non-whitespace character after JSON at position %d\",\n"
      "                           (int)(s->token.ptr - s->buf_start))) {\n")),
    # RegExp
    ("quickjs.c", ("            bad_flags:\n                JS_FreeCString(ctx, str);\n"
                   "                return JS_ThrowSyntaxError(ctx, \"invalid regular expression flags\");\n"),
     ("            bad_flags:\n                JS_ThrowSyntaxError(ctx, \"Invalid flags supplied to RegExp constructor '%s'\", str);\n"
      "                JS_FreeCString(ctx, str);\n                return JS_EXCEPTION;\n")),
    ("quickjs.c", "        else\n        JS_ThrowSyntaxError(ctx, \"%s\", error_msg);\n",
     "        else\n        edge_throw_regexp(ctx, pattern, flags, error_msg);\n"),
    # fixed texts
    ("quickjs.c", "    if (len > INT32_MAX)\n        return JS_ThrowRangeError(ctx, \"invalid array length\");\n",
     "    if (len > INT32_MAX)\n        return JS_ThrowRangeError(ctx, \"Invalid array length\");\n"),
    ("quickjs.c", "                fail:\n                    JS_ThrowRangeError(ctx, \"invalid array length\");\n",
     "                fail:\n                    JS_ThrowRangeError(ctx, \"Invalid array length\");\n"),
    ("quickjs.c", "JS_ThrowTypeError(ctx, \"empty array\");", "JS_ThrowTypeError(ctx, \"Reduce of empty array with no initial value\");"),
    ("quickjs.c", "return JS_ThrowRangeError(ctx, \"Date value is NaN\");", "return JS_ThrowRangeError(ctx, \"Invalid time value\");"),
    ("quickjs.c", "return JS_ThrowTypeError(ctx, \"cannot convert symbol to string\");",
     "return JS_ThrowTypeError(ctx, \"Cannot convert a Symbol value to a string\");"),
    ("quickjs.c", "\"invalid value used as WeakMap key\"", "\"Invalid value used as weak map key\""),
    ("quickjs.c", "\"cannot invoke a running generator\"", "\"Generator is already running\""),
    ("quickjs.c", "return js_throw_URIError(ctx, \"expecting %%\");", "return js_throw_URIError(ctx, \"URI malformed\");"),
    ("quickjs.c", "return js_throw_URIError(ctx, \"expecting hex digit\");", "return js_throw_URIError(ctx, \"URI malformed\");"),
    ("quickjs.c", "js_throw_URIError(ctx, \"malformed UTF-8\");", "js_throw_URIError(ctx, \"URI malformed\");"),
    ("quickjs.c", "js_throw_URIError(ctx, \"invalid character\");", "js_throw_URIError(ctx, \"URI malformed\");"),
)
# Stack frames as V8 writes them (engine/stack_frames.h says why and how): each frame keeps its
# receiver; the backtrace and CallSites name a method's type and property (`Parser.parseError`,
# `Object.<anonymous>`, `get x [as x]`), a constructor's `new`, a built-in's `(<anonymous>)`, an
# anonymous function by its place alone; built-ins V8 runs frameless (call, apply, ...) are left
# out; and the async functions awaiting the promise of a job's code follow (`at async fn (...)`).
_BACKTRACE_TEXT = (
    "            /* func_name_str is UTF-8 encoded if needed */\n"
    "            func_name_str = get_func_name(ctx, sf->cur_func);\n"
    "            if (!func_name_str || func_name_str[0] == '\\0')\n"
    "                str1 = \"<anonymous>\";\n            else\n                str1 = func_name_str;\n"
    "            dbuf_printf(&dbuf, \"    at %s\", str1);\n            JS_FreeCString(ctx, func_name_str);\n\n"
    "            if (b && sf->cur_pc) {\n                const char *atom_str;\n                int line_num1, col_num1;\n"
    "                uint32_t pc;\n\n                pc = sf->cur_pc - b->byte_code_buf - 1;\n"
    "                line_num1 = find_line_num(ctx, b, pc, &col_num1);\n"
    "                atom_str = b->filename ? JS_AtomToCString(ctx, b->filename) : NULL;\n"
    "                dbuf_printf(&dbuf, \" (%s\", atom_str ? atom_str : \"<null>\");\n"
    "                JS_FreeCString(ctx, atom_str);\n                if (line_num1 != -1)\n"
    "                    dbuf_printf(&dbuf, \":%d:%d\", line_num1, col_num1);\n"
    "                dbuf_putc(&dbuf, ')');\n            } else if (b) {\n"
    "                // FIXME(bnoordhuis) Missing `sf->cur_pc = pc` in bytecode\n"
    "                // handler in JS_CallInternal. Almost never user observable\n"
    "                // except with intercepting JS proxies that throw exceptions.\n"
    "                dbuf_printf(&dbuf, \" (missing)\");\n            } else {\n"
    "                dbuf_printf(&dbuf, \" (native)\");\n            }\n            dbuf_putc(&dbuf, '\\n');\n")
STACK_FRAME_EDITS = (
    ("quickjs.c", "    bool is_constructor; /* true if invoked as a constructor (new) */\n",
     ("    bool is_constructor; /* true if invoked as a constructor (new) */\n"
      "    JSValueConst edge_this; /* the receiver, while the frame runs (stack_frames.h) */\n")),
    ("quickjs.c", ("    sf->cur_func = unsafe_unconst(func_obj);\n    sf->arg_count = argc;\n"
                   "    ret = s->func(ctx, this_val, argc, arg_buf, s->magic, vc(s->data));\n"),
     ("    sf->cur_func = unsafe_unconst(func_obj);\n    sf->edge_this = this_val;\n    sf->arg_count = argc;\n"
      "    ret = s->func(ctx, this_val, argc, arg_buf, s->magic, vc(s->data));\n")),
    ("quickjs.c", ("    sf->cur_func = unsafe_unconst(func_obj);\n    sf->arg_count = argc;\n"
                   "    ret = s->func(ctx, this_val, argc, arg_buf, s->magic, s->opaque);\n"),
     ("    sf->cur_func = unsafe_unconst(func_obj);\n    sf->edge_this = this_val;\n    sf->arg_count = argc;\n"
      "    ret = s->func(ctx, this_val, argc, arg_buf, s->magic, s->opaque);\n")),
    ("quickjs.c", "    sf->cur_func = unsafe_unconst(func_obj);\n    sf->arg_count = argc;\n    arg_buf = argv;\n",
     "    sf->cur_func = unsafe_unconst(func_obj);\n    sf->edge_this = this_obj;\n    sf->arg_count = argc;\n    arg_buf = argv;\n"),
    ("quickjs.c", "    sf->arg_count = argc;\n    sf->cur_func = unsafe_unconst(func_obj);\n    var_refs = p->u.func.var_refs;\n",
     ("    sf->arg_count = argc;\n    sf->cur_func = unsafe_unconst(func_obj);\n    sf->edge_this = this_obj;\n"
      "    var_refs = p->u.func.var_refs;\n")),
    ("quickjs.c", ("            sf->prev_frame = rt->current_stack_frame;\n            rt->current_stack_frame = sf;\n"
                   "            if (s->throw_flag)\n"),
     ("            sf->prev_frame = rt->current_stack_frame;\n            rt->current_stack_frame = sf;\n"
      "            sf->edge_this = this_obj;\n            if (s->throw_flag)\n")),
    ("quickjs.c", "static void build_backtrace(JSContext *ctx, JSValueConst error_val,\n",
     ("static void edge_text_frame(JSContext *ctx, DynBuf *db, JSStackFrame *sf);\n"
      "static bool edge_hidden_frame(JSStackFrame *sf);\n"
      "static void edge_fill_callsite(JSContext *ctx, JSCallSiteData *csd, JSValueConst func, JSValueConst this_val,\n"
      "                               const uint8_t *cur_pc, bool is_constructor, bool is_async);\n"
      "static uint32_t edge_async_frames(JSContext *ctx, DynBuf *db, JSCallSiteData *csd, uint32_t i, uint32_t limit);\n"
      "static JSValueConst *edge_current_job; /* the promise reaction job running (stack_frames.h) */\n\n"
      "static void build_backtrace(JSContext *ctx, JSValueConst error_val,\n")),
    ("quickjs.c", ("        if (backtrace_flags & JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL) {\n"
                   "            backtrace_flags &= ~JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL;\n            continue;\n        }\n"),
     ("        if (backtrace_flags & JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL) {\n"
      "            backtrace_flags &= ~JS_BACKTRACE_FLAG_SKIP_FIRST_LEVEL;\n            continue;\n        }\n"
      "        if (edge_hidden_frame(sf))\n            continue;\n")),
    ("quickjs.c", "            js_new_callsite_data(ctx, &csd[i], sf);\n        } else {\n" + _BACKTRACE_TEXT,
     ("            js_new_callsite_data(ctx, &csd[i], sf);\n"
      "            edge_fill_callsite(ctx, &csd[i], sf->cur_func, sf->edge_this, sf->cur_pc, sf->is_constructor, false);\n"
      "        } else {\n            (void)func_name_str; (void)str1; (void)b;\n"
      "            edge_text_frame(ctx, &dbuf, sf);\n")),
    ("quickjs.c", " done:\n    if (has_prepare) {\n        int j = 0, k;\n",
     ("    if (sf == edge_end) /* all the frames on the stack: those awaiting them next */\n"
      "        i = edge_async_frames(ctx, has_prepare ? NULL : &dbuf, has_prepare ? csd : NULL, i, stack_trace_limit);\n"
      " done:\n    if (has_prepare) {\n        int j = 0, k;\n")),
    ("quickjs.c", ("        for (k = j; k < i; k++) {\n            JS_FreeValue(ctx, csd[k].filename);\n"
                   "            JS_FreeValue(ctx, csd[k].func);\n            JS_FreeValue(ctx, csd[k].func_name);\n        }\n"),
     ("        for (k = j; k < i; k++) {\n            JS_FreeValue(ctx, csd[k].filename);\n"
      "            JS_FreeValue(ctx, csd[k].func);\n            JS_FreeValue(ctx, csd[k].func_name);\n"
      "            JS_FreeValue(ctx, csd[k].edge_text);\n            JS_FreeValue(ctx, csd[k].edge_type_name);\n"
      "            JS_FreeValue(ctx, csd[k].edge_method_name);\n        }\n")),
    # CallSites: V8's getTypeName, getMethodName, isToplevel, isAsync, isPromiseAll, getPromiseIndex,
    # toString; isNative() false, as V8's in Node (its built-ins are not "native" scripts)
    ("quickjs.c", "    bool native;\n    bool constructor;\n    int line_num;\n    int col_num;\n} JSCallSiteData;\n",
     ("    bool native;\n    bool constructor;\n    int line_num;\n    int col_num;\n"
      "    JSValue edge_text, edge_type_name, edge_method_name; /* stack_frames.h */\n"
      "    bool edge_toplevel, edge_async;\n    int edge_promise_index;\n} JSCallSiteData;\n")),
    ("quickjs.c", "    csd->filename = JS_UNDEFINED;\n    csd->func = JS_UNDEFINED;\n    csd->func_name = JS_UNDEFINED;\n",
     ("    csd->filename = JS_UNDEFINED;\n    csd->func = JS_UNDEFINED;\n    csd->func_name = JS_UNDEFINED;\n"
      "    csd->edge_text = JS_UNDEFINED;\n    csd->edge_type_name = JS_UNDEFINED;\n    csd->edge_method_name = JS_UNDEFINED;\n")),
    ("quickjs.c", "        JS_FreeValueRT(rt, csd->func_name);\n        js_free_rt(rt, csd);\n",
     ("        JS_FreeValueRT(rt, csd->func_name);\n        JS_FreeValueRT(rt, csd->edge_text);\n"
      "        JS_FreeValueRT(rt, csd->edge_type_name);\n        JS_FreeValueRT(rt, csd->edge_method_name);\n"
      "        js_free_rt(rt, csd);\n")),
    ("quickjs.c", "        JS_MarkValue(rt, csd->func_name, mark_func);\n",
     ("        JS_MarkValue(rt, csd->func_name, mark_func);\n        JS_MarkValue(rt, csd->edge_text, mark_func);\n"
      "        JS_MarkValue(rt, csd->edge_type_name, mark_func);\n        JS_MarkValue(rt, csd->edge_method_name, mark_func);\n")),
    ("quickjs.c", ("    csd->func = JS_NULL;\n    csd->func_name = JS_NULL;\n    csd->native = false;\n"
                   "    csd->constructor = false;\n    csd->line_num = line_num;\n    csd->col_num = col_num;\n"),
     ("    csd->func = JS_NULL;\n    csd->func_name = JS_NULL;\n    csd->native = false;\n"
      "    csd->constructor = false;\n    csd->line_num = line_num;\n    csd->col_num = col_num;\n"
      "    csd->edge_text = line_num == -1 ? JS_NewString(ctx, filename)\n"
      "        : JS_NewString(ctx, \"\"); /* made below */\n"
      "    if (line_num != -1 && !JS_IsException(csd->edge_text)) {\n        char edge_place[64];\n"
      "        JS_FreeValue(ctx, csd->edge_text);\n"
      "        snprintf(edge_place, sizeof(edge_place), \":%d:%d\", line_num, col_num);\n"
      "        csd->edge_text = JS_ConcatString3(ctx, \"\", JS_NewString(ctx, filename), edge_place);\n    }\n"
      "    if (JS_IsException(csd->edge_text)) {\n        csd->edge_text = JS_NULL;\n"
      "        JS_FreeValue(ctx, JS_GetException(ctx));\n    }\n"
      "    csd->edge_type_name = JS_NULL;\n    csd->edge_method_name = JS_NULL;\n"
      "    csd->edge_toplevel = true;\n    csd->edge_async = false;\n    csd->edge_promise_index = -1;\n")),
    ("quickjs.c", "    return js_bool(csd->native);\n", "    return js_bool(false);\n"),
    ("quickjs.c", "    JS_CFUNC_MAGIC_DEF(\"getLineNumber\", 0, js_callsite_getnumber, offsetof(JSCallSiteData, line_num)),\n",
     ("    JS_CFUNC_MAGIC_DEF(\"getLineNumber\", 0, js_callsite_getnumber, offsetof(JSCallSiteData, line_num)),\n"
      "    JS_CFUNC_MAGIC_DEF(\"getTypeName\", 0, js_callsite_getfield, offsetof(JSCallSiteData, edge_type_name)),\n"
      "    JS_CFUNC_MAGIC_DEF(\"getMethodName\", 0, js_callsite_getfield, offsetof(JSCallSiteData, edge_method_name)),\n"
      "    JS_CFUNC_MAGIC_DEF(\"toString\", 0, js_callsite_getfield, offsetof(JSCallSiteData, edge_text)),\n"
      "    JS_CFUNC_MAGIC_DEF(\"isToplevel\", 0, edge_callsite_flag, 0),\n"
      "    JS_CFUNC_MAGIC_DEF(\"isAsync\", 0, edge_callsite_flag, 1),\n"
      "    JS_CFUNC_MAGIC_DEF(\"isPromiseAll\", 0, edge_callsite_flag, 2),\n"
      "    JS_CFUNC_MAGIC_DEF(\"getPromiseIndex\", 0, edge_callsite_flag, 3),\n")),
    ("quickjs.c", "static const JSCFunctionListEntry js_callsite_proto_funcs[] = {\n",
     ("static JSValue edge_callsite_flag(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic)\n{\n"
      "    JSCallSiteData *csd = JS_GetOpaque2(ctx, this_val, JS_CLASS_CALL_SITE);\n"
      "    if (!csd)\n        return JS_EXCEPTION;\n"
      "    switch (magic) {\n    case 0: return js_bool(csd->edge_toplevel);\n    case 1: return js_bool(csd->edge_async);\n"
      "    case 2: return js_bool(csd->edge_promise_index >= 0);\n"
      "    default: return csd->edge_promise_index >= 0 ? js_int32(csd->edge_promise_index) : JS_NULL;\n    }\n}\n\n"
      "static const JSCFunctionListEntry js_callsite_proto_funcs[] = {\n")),
    # the promise reaction job running, for the async frames
    ("quickjs.c", "        res = JS_Call(ctx, handler, JS_UNDEFINED, 1, &arg);\n",
     ("        JSValueConst *edge_job = edge_current_job;\n        edge_current_job = argv;\n"
      "        res = JS_Call(ctx, handler, JS_UNDEFINED, 1, &arg);\n        edge_current_job = edge_job;\n")),
    ("quickjs.c", "/* magic = 0: Promise.all 1: Promise.allSettled */\nstatic JSValue js_promise_all(JSContext *ctx, JSValueConst this_val,\n",
     ("#include \"stack_frames.h\"\n\n"
      "/* magic = 0: Promise.all 1: Promise.allSettled */\nstatic JSValue js_promise_all(JSContext *ctx, JSValueConst this_val,\n")),
    # an async frame is where its function awaits, as V8's: the `await` (QuickJS placed the
    # suspension at its operand's end, lines below it when the operand spans lines)
    ("quickjs.c", ("        if (next_token(s))\n            return -1;\n"
                   "        if (js_parse_unary(s, PF_POW_FORBIDDEN))\n            return -1;\n"
                   "        emit_op(s, OP_await);\n"),
     ("        {\n        int edge_await_line = s->token.line_num, edge_await_col = s->token.col_num;\n"
      "        if (next_token(s))\n            return -1;\n"
      "        if (js_parse_unary(s, PF_POW_FORBIDDEN))\n            return -1;\n"
      "        emit_source_loc_at(s, edge_await_line, edge_await_col);\n        }\n"
      "        emit_op(s, OP_await);\n")),
    # JSON.parse's error has no frame for its input's place (V8's starts at `JSON.parse (<anonymous>)`)
    ("quickjs.c", "        obj = JS_ParseJSON_internal(ctx, str, len, \"<input>\", pr1);\n",
     "        obj = JS_ParseJSON_internal(ctx, str, len, NULL, pr1);\n"),
    ("quickjs.c", "        obj = JS_ParseJSON_internal(ctx, str, len, \"<input>\", NULL);\n",
     "        obj = JS_ParseJSON_internal(ctx, str, len, NULL, NULL);\n"),
)
QUICKJS_EDITS = QUICKJS_EDITS + STACK_FRAME_EDITS
# Stack charges (bench/README.md, finding J13): QuickJS raises its catchable RangeError when
# its *linear* stack (the C stack in linear memory, EDGE_JS_STACK of it in edge_js.c) runs out,
# but what runs out first can be wasmtime's *native* stack (max_wasm_stack), an uncatchable trap.
# The two move apart: a C function's locals live in wasm locals (native) unless their address is
# taken, so JSON.parse's recursion (~220 native bytes a level, Cranelift), the parser's (~2-6 KB
# a level of `[`, `(`, `function`), a proxy chain, regexp groups or bound functions used native
# stack and next to no linear stack, and trapped at any limit. Each recursive function below gets
# a linear frame of that many more bytes (an unused array whose address escapes: no work, only a
# bigger frame), so that on every path a level's linear bytes are at least ~1/2.4 of its native
# bytes (Cranelift; Winch's frames measured smaller): EDGE_JS_STACK linear bytes then stand for at
# most ~1.5 MiB of native stack, under wasmtime's 2 MiB. (file, function, bytes).
STACK_CHARGES = (
    ("quickjs.c", "JS_CallInternal", 64),  # every call: a getter's, an iterator's, a constructor's path
    ("quickjs.c", "js_call_c_function", 512),  # JS -> native -> JS (map, call, apply, sort, replace, toLocaleString)
    ("quickjs.c", "js_call_c_function_data", 512),
    ("quickjs.c", "js_call_c_closure", 512),
    ("quickjs.c", "js_call_bound_function", 448),  # f.bind().bind()...
    ("quickjs.c", "JS_CallConstructorInternal", 96),  # new C(n - 1)
    ("quickjs.c", "JS_GetPropertyInternal", 128),  # getters
    ("quickjs.c", "JS_ToPrimitiveFree", 192),  # valueOf, toString, Symbol.toPrimitive
    ("quickjs.c", "JS_IteratorNext2", 128),  # an iterator's next() spreading another iterator
    ("quickjs.c", "async_func_resume", 896),  # async functions and generators (their frames are on the heap)
    ("quickjs.c", "json_parse_value", 96),
    ("quickjs.c", "internalize_json_property", 128),
    ("quickjs.c", "js_json_to_str", 112),
    ("quickjs.c", "JS_FlattenIntoArray", 112),
    ("quickjs.c", "get_proxy_method", 160),
    ("quickjs.c", "js_proxy_isArray", 160),
    ("quickjs.c", "JS_WriteObjectRec", 128),
    ("quickjs.c", "JS_ReadObjectRec", 128),
    ("quickjs.c", "js_parse_postfix_expr", 1280),  # the parser: each level of [ ( { ` ...
    ("quickjs.c", "js_parse_unary", 160),  # ! ! ! ..., - - - ...
    ("quickjs.c", "js_parse_statement_or_decl", 256),  # { { { ..., if if if ...
    ("quickjs.c", "js_parse_function_decl2", 1024),  # function nesting, => => =>
    ("libregexp.c", "re_parse_disjunction", 192),  # ((((...
    ("libregexp.c", "re_parse_nested_class", 192),  # [[[...]]] (v flag)
)
STACK_CHARGE = "    EDGE_STACK_CHARGE({});\n"
STACK_CHARGE_MACRO = ("/* edge: a bigger linear frame for a recursive function (engine.py STACK_CHARGES) */\n"
                      "#define EDGE_STACK_CHARGE(n) char edge_stack_charge[n]; "
                      "__asm__ volatile(\"\" : : \"r\"(edge_stack_charge))\n")


def _charged(name: str, source: str, path: Path) -> str:
    """`source` with STACK_CHARGES applied: each function's definition opens with its charge."""
    for file, function, size in STACK_CHARGES:
        if file != name:
            continue
        found = list(re.finditer(r"\n(?:static )?[^\n;{}()]*\b" + function + r"\([^;{}]*?\)\n\{\n", source))
        if len(found) != 1:
            raise EngineError(f"{path}: expected one definition of {function} to charge (a changed QuickJS release?)")
        source = source[:found[0].end()] + STACK_CHARGE.format(size) + source[found[0].end():]
    return STACK_CHARGE_MACRO + source if any(file == name for file, _, _ in STACK_CHARGES) else source


# Files the edited sources #include (copied beside them), part of the engine key
QUICKJS_INCLUDES = (HERE / "engine" / "inferred_names.h", HERE / "engine" / "busy_module.h",
                    HERE / "engine" / "error_messages.h", HERE / "engine" / "stack_frames.h")
EDITED_PREAMBLE = ("#include <stdint.h>\nuint64_t edge_context_seed(void); /* edge_js.c */\n"
                   "int64_t edge_date_now(void); /* edge_js.c */\n")


class EngineError(Exception):
    """The engine could not be built; the message says why (compiler output, missing toolchain)."""


def _zig() -> list[str]:
    try:
        import ziglang  # noqa: F401
    except ImportError:
        raise EngineError("JavaScript functions need the `ziglang` package to build the engine once: "
                          "pip install 'edge-wasm[build]'") from None
    return [sys.executable, "-m", "ziglang", "cc", "--target=wasm32-wasi"]


def _zig_version() -> str:
    try:
        from importlib.metadata import version

        return version("ziglang")
    except Exception:  # pragma: no cover - not installed: _zig() reports it
        return "unknown"


def engine_key() -> str:
    """A digest of everything the engine is made of (sources, versions, flags, compiler)."""
    h = hashlib.sha256()
    for part in (QUICKJS, DEFLATE, PYCRYPTODOME, BROTLI, CFLAGS, LDFLAGS, QUICKJS_FILES, DEFLATE_FILES, BROTLI_FILES,
                 BROTLI_DEFINES, HASH_FILES, AES_FILES, PUBKEY_FILES, PUBKEY_DEFINES, CURVE25519_FILES, QUICKJS_EDITS,
                 EDITED_PREAMBLE, STACK_CHARGES, STACK_CHARGE, STACK_CHARGE_MACRO):
        h.update(repr(part).encode())
    h.update(_zig_version().encode())
    for own in (*OWN_SOURCES, *QUICKJS_INCLUDES):
        h.update(own.read_bytes())
    return h.hexdigest()[:20]


def engine_path() -> Path:
    return fetch.cache_dir() / "engine" / engine_key() / "engine.wasm"


def ensure_engine(log=None) -> Path:  # type: ignore[no-untyped-def]
    """The engine's .wasm, built (once, under a lock) if it is not cached yet."""
    out = engine_path()
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if out.exists():
            return out
        if log:
            log("building the JavaScript engine (once; about a minute)")
        _build(out)
    return out


def _sources() -> list[tuple[Path, list[str]]]:
    """(source file, extra include flags) for every C file of the engine."""
    try:
        qjs = fetch.pypi_sdist(*QUICKJS) / "upstream-quickjs"
        deflate = fetch.pypi_sdist(*DEFLATE) / "libdeflate"
        crypto = fetch.pypi_sdist(*PYCRYPTODOME) / "src"
        brotli = fetch.pypi_sdist(*BROTLI) / "c"
    except fetch.FetchError as exc:
        raise EngineError(str(exc)) from None
    glue_inc = ["-I", str(qjs), "-I", str(deflate), "-I", str(crypto), "-I", str(brotli / "include")]
    units = [(qjs / f, ["-I", str(qjs)]) for f in QUICKJS_FILES]
    units += [(deflate / "lib" / f, ["-I", str(deflate)]) for f in DEFLATE_FILES]
    units += [(crypto / f, ["-I", str(crypto)]) for f in (*HASH_FILES, *AES_FILES)]
    units += [(crypto / f, ["-I", str(crypto), *PUBKEY_DEFINES]) for f in PUBKEY_FILES]
    units += [(crypto / f, ["-I", str(crypto), *defines]) for f, defines in CURVE25519_FILES]
    units += [(brotli / f, ["-I", str(brotli / "include"), *BROTLI_DEFINES]) for f in BROTLI_FILES]
    units += [(own, glue_inc) for own in OWN_SOURCES]
    for path, _ in units:
        if not path.is_file():
            raise EngineError(f"engine source {path} is missing (a changed sdist layout?)")
    return units


def _edited(units: list[tuple[Path, list[str]]], into: Path) -> list[tuple[Path, list[str]]]:
    """The units with QUICKJS_EDITS applied to copies of their files (in `into`)."""
    edited = []
    for path, inc in units:
        edits = [(text, replacement) for name, text, replacement in QUICKJS_EDITS if path.name == name]
        if edits or any(file == path.name for file, _, _ in STACK_CHARGES):
            source = path.read_text(encoding="utf-8")
            for text, replacement in edits:
                if source.count(text) != 1:
                    raise EngineError(f"{path}: expected one {text!r} to replace (a changed QuickJS release?)")
                source = source.replace(text, replacement)
            source = _charged(path.name, source, path)
            path = into / path.name
            path.write_text(EDITED_PREAMBLE + source, encoding="utf-8")
        edited.append((path, inc))
    for include in QUICKJS_INCLUDES:  # found beside the edited file that includes it
        (into / include.name).write_bytes(include.read_bytes())
    return edited


def _build(out: Path) -> None:
    zig = _zig()
    units = _sources()
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".build-") as tmp:
        units = _edited(units, Path(tmp))
        objects = [Path(tmp) / f"{i}-{src.stem}.o" for i, (src, _) in enumerate(units)]

        def compile_one(i: int) -> None:
            src, inc = units[i]
            cmd = [*zig, *CFLAGS, *inc, "-c", str(src), "-o", str(objects[i])]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            if proc.returncode != 0:
                raise EngineError(f"compiling {src.name} for the JavaScript engine failed:\n{proc.stderr[-4000:]}")

        # quickjs.c dominates: start it first, then the rest share the other core
        order = sorted(range(len(units)), key=lambda i: -units[i][0].stat().st_size)
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            for future in [pool.submit(compile_one, i) for i in order]:
                future.result()
        tmp_out = Path(tmp) / "engine.wasm"
        cmd = [*zig, *LDFLAGS, "-o", str(tmp_out), *map(str, objects)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            raise EngineError(f"linking the JavaScript engine failed:\n{proc.stderr[-4000:]}")
        os.replace(tmp_out, out)


if __name__ == "__main__":
    print(ensure_engine(log=print))
