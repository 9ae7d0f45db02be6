/*
 * Public-key arithmetic for the Node layer (edge/js/node/rsa.js, ec.js, crypto.js): our glue over
 * pycryptodome's C code, taken from its sdist on PyPI (edge/js/engine.py): src/modexp.c (modular
 * exponentiation in Montgomery form, a fixed 4-bit window whose table is read through a
 * scattered, seed-shuffled copy) over src/mont.c, and src/ec_ws.c (P-256, P-384 and P-521:
 * complete projective formulas; scalar multiplication of the generator over the precomputed
 * tables src/p256_table.c, p384_table.c, p521_table.c, of any other point with a fixed window
 * and a blinded scalar), src/ed25519.c and src/curve25519.c (Montgomery ladders over every bit
 * of the scalar). All take the same steps whatever the secret values; the JavaScript
 * side only converts between BigInt and bytes. QuickJS's BigInt did the same arithmetic ~2 (RSA) to
 * 7 (P-256) times slower in fuel (bench/README.md J10).
 *
 * All numbers are big-endian Uint8Arrays:
 *   modPow(base, exp, modulus) -> base^exp mod modulus, modulus's length; null when modulus is
 *       even or 1 (the caller then uses BigInt). base < modulus, exp at most modulus's length.
 *   ecMul(curve 0 P-256 | 1 P-384 | 2 P-521, k, x, y) -> the affine x || y of k*(x, y), or of
 *       k*G when x is undefined; null for the point at infinity. k is secret, 0 < k < n, of the
 *       curve's size; (x, y) must be on the curve.
 *   ecMulAdd(curve, u1, u2, x, y) -> u1*G + u2*(x, y), the same way (ECDSA verification).
 *   edMul(k, x, y) -> the affine x || y of k*(x, y) on Ed25519, of k*B when x is undefined.
 *   edMulAdd(u1, u2, x, y) -> u1*B + u2*(x, y) (EdDSA verification). Scalars of 32 bytes.
 *   x25519(k, u) -> the u-coordinate of k*u (32 bytes each, k clamped and u below p by the
 *       caller), all zero when that is the point at infinity (u of small order).
 * The random seeds pycryptodome asks for (table shuffles, point and scalar blinding) come from
 * the engine's secure random source. Buffers that held a secret (a scalar, an ECDH shared point,
 * a private exponent) are cleared with explicit_bzero before they are let go, on every path: a
 * plain memset of a buffer about to die is a dead store the compiler may drop.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quickjs.h"

/* pycryptodome's entry points (the EC types are opaque here) */
int monty_pow(uint8_t *out, const uint8_t *base, const uint8_t *exp, const uint8_t *modulus, size_t len,
              uint64_t seed);
typedef struct _EcContext EcContext;
typedef struct _EcPoint EcPoint;
int ec_ws_new_context(EcContext **pec_ctx, const uint8_t *modulus, const uint8_t *b, const uint8_t *order,
                      size_t len, uint64_t seed);
void ec_ws_free_context(EcContext *ec_ctx);
int ec_ws_new_point(EcPoint **pecp, const uint8_t *x, const uint8_t *y, size_t len, const EcContext *ec_ctx);
void ec_ws_free_point(EcPoint *ecp);
int ec_ws_get_xy(uint8_t *x, uint8_t *y, size_t len, const EcPoint *ecp);
int ec_ws_add(EcPoint *ecpa, EcPoint *ecpb);
int ec_ws_scalar(EcPoint *ecp, const uint8_t *k, size_t len, uint64_t seed);

typedef struct Point Point; /* ed25519.c's and curve25519.c's (different types, opaque here) */
int ed25519_new_point(Point **out, const uint8_t x[32], const uint8_t y[32], size_t modsize, void *context);
void ed25519_free_point(Point *p);
int ed25519_get_xy(uint8_t *xb, uint8_t *yb, size_t modsize, Point *p);
int ed25519_add(Point *P1, const Point *P2);
int ed25519_scalar(Point *P, const uint8_t *scalar, size_t scalar_len, uint64_t seed);
int curve25519_new_point(Point **out, const uint8_t x[32], size_t modsize, const void *context);
void curve25519_free_point(Point *p);
int curve25519_get_x(uint8_t *xb, size_t modsize, const Point *p);
int curve25519_scalar(Point *P, const uint8_t *scalar, size_t scalar_len, uint64_t seed);

int edge_building(void); /* edge_js.c: 1 while the function is built (its memory becomes the snapshot) */

#define ERR_MEMORY 2 /* pycryptodome's src/errors.h */
#define ERR_MODULUS 17

static uint64_t seed(void) {
    uint64_t s = 0;
    if (getentropy(&s, sizeof s) != 0 || s == 0) s = 0x9E3779B97F4A7C15ull; /* non-zero: 0 turns blinding off */
    return s;
}

static const uint8_t *array_of(JSContext *c, JSValueConst v, size_t *len) {
    const uint8_t *p = JS_GetUint8Array(c, len, v);
    if (!p && !JS_HasException(c)) JS_ThrowTypeError(c, "expected a Uint8Array");
    return p;
}

static JSValue n_mod_pow(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t bl, el, ml;
    const uint8_t *b = array_of(c, argv[0], &bl), *e = b ? array_of(c, argv[1], &el) : NULL,
                  *m = e ? array_of(c, argv[2], &ml) : NULL;
    if (!m) return JS_EXCEPTION;
    if (ml == 0 || bl > ml || el > ml) return JS_ThrowRangeError(c, "modPow: base or exponent longer than the modulus");
    if (!(m[ml - 1] & 1) || (ml == 1 && m[0] == 1)) return JS_NULL;
    /* base and exponent left-padded to the modulus's length, as monty_pow takes them */
    uint8_t *buf = js_mallocz(c, 3 * ml);
    if (!buf) return JS_EXCEPTION;
    memcpy(buf + ml - bl, b, bl);
    memcpy(buf + 2 * ml - el, e, el);
    int err = monty_pow(buf + 2 * ml, buf, buf + ml, m, ml, seed());
    JSValue r = err == ERR_MODULUS ? JS_NULL : err ? JS_ThrowInternalError(c, "modPow failed (%d)", err)
                                                     : JS_NewUint8ArrayCopy(c, buf + 2 * ml, ml);
    explicit_bzero(buf, 3 * ml); /* the exponent may be a private key's */
    js_free(c, buf);
    return r;
}

/* The curves' p, b, n, Gx, Gy (FIPS 186), `size` bytes each; a = -3 for all three, as ec_ws.c assumes */
static const struct {
    size_t size;
    const char *p, *b, *n, *gx, *gy;
} CURVES[3] = {
    {32, "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
     "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
     "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
     "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
     "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"},
    {48, "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
     "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
     "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
     "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
     "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f"},
    {66, "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
     "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
     "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
     "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
     "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650"},
};

static void unhex(uint8_t *out, const char *hex, size_t size) {
    for (size_t i = 0; i < size; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char ch = hex[2 * i + j];
            v = v * 16 + (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
}

/* A curve's context (Montgomery constants, the generator's tables shuffled by a random seed),
 * made once per instance: ~3 million fuel for P-256. One made while the function is built is
 * not kept, or its shuffle would be the same in every instance of the snapshot. */
static EcContext *contexts[3];

static EcContext *context_of(JSContext *c, int curve, int *owned) {
    *owned = 0;
    if (contexts[curve]) return contexts[curve];
    uint8_t p[66], b[66], n[66];
    size_t size = CURVES[curve].size;
    unhex(p, CURVES[curve].p, size);
    unhex(b, CURVES[curve].b, size);
    unhex(n, CURVES[curve].n, size);
    EcContext *ec = NULL;
    if (ec_ws_new_context(&ec, p, b, n, size, seed())) {
        JS_ThrowOutOfMemory(c);
        return NULL;
    }
    if (edge_building()) *owned = 1;
    else contexts[curve] = ec;
    return ec;
}

/* A point of the curve: (x, y), or G when x is undefined. NULL with an exception when it is not
 * on the curve (the Node layer checks points when it reads them: this is not its error path), or
 * out of memory. */
static EcPoint *point_of(JSContext *c, EcContext *ec, int curve, JSValueConst x, JSValueConst y) {
    size_t size = CURVES[curve].size, xl, yl;
    uint8_t gx[66], gy[66];
    const uint8_t *px = gx, *py = gy;
    if (JS_IsUndefined(x)) {
        unhex(gx, CURVES[curve].gx, size);
        unhex(gy, CURVES[curve].gy, size);
    } else {
        px = array_of(c, x, &xl);
        py = px ? array_of(c, y, &yl) : NULL;
        if (!py) return NULL;
        if (xl != size || yl != size) {
            JS_ThrowRangeError(c, "ecMul: coordinates of the wrong length");
            return NULL;
        }
    }
    EcPoint *P = NULL;
    int err = ec_ws_new_point(&P, px, py, size, ec);
    if (err) {
        if (err == ERR_MEMORY) JS_ThrowOutOfMemory(c);
        else JS_ThrowRangeError(c, "ecMul: not a point of the curve");
        return NULL;
    }
    return P;
}

/* P's affine x || y, or null for the point at infinity (which ec_ws_get_xy gives as (0, 0), not
 * a point of these curves: b is not 0) */
static JSValue affine_of(JSContext *c, EcPoint *P, size_t size) {
    uint8_t xy[132];
    if (ec_ws_get_xy(xy, xy + size, size, P)) return JS_ThrowInternalError(c, "ecMul failed");
    uint8_t any = 0;
    for (size_t i = 0; i < 2 * size; i++) any |= xy[i];
    return any ? JS_NewUint8ArrayCopy(c, xy, 2 * size) : JS_NULL;
}

/* a - b over `size` big-endian bytes (a >= b), no branch on either */
static void subtract(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t size) {
    unsigned borrow = 0;
    for (size_t i = size; i-- > 0;) {
        unsigned d = (unsigned)a[i] - b[i] - borrow;
        out[i] = (uint8_t)d;
        borrow = (d >> 8) & 1;
    }
}

/* out = mask ? a : b, mask 0x00 or 0xff */
static void select_bytes(uint8_t *out, const uint8_t *a, const uint8_t *b, size_t size, uint8_t mask) {
    for (size_t i = 0; i < size; i++) out[i] = (uint8_t)((a[i] & mask) | (b[i] & (uint8_t)~mask));
}

/* k*P for a secret k (size bytes, 0 < k < n), P a point of the curve or G. The loops over G's
 * tables start at the scalar's first non-zero byte, so a k with a zero top byte would take fewer
 * steps (the nonce-length leak of Minerva): n - k stands in for it, as one of k and n - k is at
 * least n/2 (a non-zero top byte; for P-521 all but ~2^-260 of them), and the result is negated
 * back ((n - k)*P = -(k*P): every point has order n), both chosen by masks. Other points (ECDH)
 * go the same way (ec_ws_scalar also blinds their scalar with a random multiple of n), so a
 * peer's key equal to G gets no shorter loop either. */
static JSValue multiple(JSContext *c, EcContext *ec, int curve, const uint8_t *k, size_t kl, JSValueConst x,
                        JSValueConst y) {
    size_t size = CURVES[curve].size;
    if (kl != size) return JS_ThrowRangeError(c, "ecMul: the scalar must be of the curve's size");
    uint8_t n[66], p[66], s[66], xy[132], neg[66];
    unhex(n, CURVES[curve].n, size);
    unhex(p, CURVES[curve].p, size);
    subtract(s, n, k, size);
    uint8_t flip = (uint8_t)-(uint8_t)((((unsigned)k[0]) - 1) >> 8 & 1); /* 0xff when k's top byte is 0 */
    select_bytes(s, s, k, size, flip);
    EcPoint *P = point_of(c, ec, curve, x, y);
    int err = !P || ec_ws_scalar(P, s, size, seed()) || ec_ws_get_xy(xy, xy + size, size, P);
    ec_ws_free_point(P);
    JSValue r;
    if (err) {
        r = P ? JS_ThrowInternalError(c, "ecMul failed") : JS_EXCEPTION;
    } else {
        uint8_t any = 0; /* (0, 0): the point at infinity (b is not 0, so no point of the curve) */
        for (size_t i = 0; i < 2 * size; i++) any |= xy[i];
        subtract(neg, p, xy + size, size); /* -y = p - y */
        select_bytes(xy + size, neg, xy + size, size, flip);
        r = any ? JS_NewUint8ArrayCopy(c, xy, 2 * size) : JS_NULL;
    }
    /* the scalar, and k*P (an ECDH shared secret) with its negated y */
    explicit_bzero(s, sizeof s);
    explicit_bzero(xy, sizeof xy);
    explicit_bzero(neg, sizeof neg);
    return r;
}

static int curve_of(JSContext *c, JSValueConst v) {
    int32_t curve;
    if (JS_ToInt32(c, &curve, v)) return -1;
    if (curve < 0 || curve > 2) {
        JS_ThrowRangeError(c, "unknown curve %d", curve);
        return -1;
    }
    return curve;
}

static JSValue n_ec_mul(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int curve = curve_of(c, argv[0]), owned;
    size_t kl;
    const uint8_t *k = curve < 0 ? NULL : array_of(c, argv[1], &kl);
    EcContext *ec = k ? context_of(c, curve, &owned) : NULL;
    if (!ec) return JS_EXCEPTION;
    JSValue r = multiple(c, ec, curve, k, kl, argv[2], argv[3]);
    if (owned) ec_ws_free_context(ec);
    return r;
}

static JSValue n_ec_mul_add(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int curve = curve_of(c, argv[0]), owned;
    size_t l1, l2;
    const uint8_t *u1 = curve < 0 ? NULL : array_of(c, argv[1], &l1), *u2 = u1 ? array_of(c, argv[2], &l2) : NULL;
    EcContext *ec = u2 ? context_of(c, curve, &owned) : NULL;
    if (!ec) return JS_EXCEPTION;
    if (l1 == 0 || l2 == 0) {
        if (owned) ec_ws_free_context(ec);
        return JS_ThrowRangeError(c, "ecMulAdd: empty scalar");
    }
    EcPoint *G = point_of(c, ec, curve, JS_UNDEFINED, JS_UNDEFINED);
    EcPoint *Q = G ? point_of(c, ec, curve, argv[3], argv[4]) : NULL;
    JSValue r = JS_EXCEPTION;
    if (Q) {
        if (ec_ws_scalar(G, u1, l1, seed()) || ec_ws_scalar(Q, u2, l2, seed()) || ec_ws_add(G, Q))
            r = JS_ThrowRangeError(c, "ecMulAdd: scalar too long");
        else
            r = affine_of(c, G, CURVES[curve].size);
    }
    ec_ws_free_point(G);
    ec_ws_free_point(Q);
    if (owned) ec_ws_free_context(ec);
    return r;
}

/* Ed25519's base point B (RFC 8032), big-endian */
static const char ED_BX[] = "216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a";
static const char ED_BY[] = "6666666666666666666666666666666666666666666666666666666666666658";

/* (x, y) on Ed25519, B when x is undefined; NULL with an exception otherwise (not a point of
 * Ed25519, or out of memory) */
static Point *ed_point_of(JSContext *c, JSValueConst x, JSValueConst y) {
    uint8_t bx[32], by[32];
    const uint8_t *px = bx, *py = by;
    size_t xl = 32, yl = 32;
    if (JS_IsUndefined(x)) {
        unhex(bx, ED_BX, 32);
        unhex(by, ED_BY, 32);
    } else if (!(px = array_of(c, x, &xl)) || !(py = array_of(c, y, &yl))) {
        return NULL;
    }
    Point *P = NULL;
    int err = xl != 32 || yl != 32 ? -1 : ed25519_new_point(&P, px, py, 32, NULL);
    if (err) {
        if (err == ERR_MEMORY) JS_ThrowOutOfMemory(c);
        else JS_ThrowRangeError(c, "edMul: not a point of Ed25519");
        return NULL;
    }
    return P;
}

static const uint8_t *scalar32(JSContext *c, JSValueConst v) {
    size_t len;
    const uint8_t *k = array_of(c, v, &len);
    if (k && len != 32) {
        JS_ThrowRangeError(c, "expected a 32-byte scalar");
        return NULL;
    }
    return k;
}

static JSValue ed_affine(JSContext *c, Point *P) {
    uint8_t xy[64];
    if (ed25519_get_xy(xy, xy + 32, 32, P)) return JS_ThrowInternalError(c, "edMul failed");
    return JS_NewUint8ArrayCopy(c, xy, 64);
}

static JSValue n_ed_mul(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    const uint8_t *k = scalar32(c, argv[0]);
    Point *P = k ? ed_point_of(c, argv[1], argv[2]) : NULL;
    if (!P) return JS_EXCEPTION;
    JSValue r = ed25519_scalar(P, k, 32, 0) ? JS_ThrowInternalError(c, "edMul failed") : ed_affine(c, P);
    ed25519_free_point(P);
    return r;
}

static JSValue n_ed_mul_add(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    const uint8_t *u1 = scalar32(c, argv[0]), *u2 = u1 ? scalar32(c, argv[1]) : NULL;
    Point *B = u2 ? ed_point_of(c, JS_UNDEFINED, JS_UNDEFINED) : NULL;
    Point *Q = B ? ed_point_of(c, argv[2], argv[3]) : NULL;
    JSValue r = JS_EXCEPTION;
    if (Q) {
        if (ed25519_scalar(B, u1, 32, 0) || ed25519_scalar(Q, u2, 32, 0) || ed25519_add(B, Q))
            r = JS_ThrowInternalError(c, "edMulAdd failed");
        else
            r = ed_affine(c, B);
    }
    ed25519_free_point(B);
    ed25519_free_point(Q);
    return r;
}

static JSValue n_x25519(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    const uint8_t *k = scalar32(c, argv[0]), *u = k ? scalar32(c, argv[1]) : NULL;
    if (!u) return JS_EXCEPTION;
    Point *P = NULL;
    if (curve25519_new_point(&P, u, 32, NULL) || curve25519_scalar(P, k, 32, 0)) {
        curve25519_free_point(P);
        return JS_ThrowInternalError(c, "x25519 failed");
    }
    uint8_t x[32];
    if (curve25519_get_x(x, 32, P)) memset(x, 0, 32); /* the point at infinity: RFC 7748's all-zero output */
    curve25519_free_point(P);
    JSValue r = JS_NewUint8ArrayCopy(c, x, 32);
    explicit_bzero(x, sizeof x); /* the shared secret */
    return r;
}

void edge_pubkey_install(JSContext *c, JSValue native) {
    JS_SetPropertyStr(c, native, "modPow", JS_NewCFunction(c, n_mod_pow, "modPow", 3));
    JS_SetPropertyStr(c, native, "ecMul", JS_NewCFunction(c, n_ec_mul, "ecMul", 4));
    JS_SetPropertyStr(c, native, "ecMulAdd", JS_NewCFunction(c, n_ec_mul_add, "ecMulAdd", 5));
    JS_SetPropertyStr(c, native, "edMul", JS_NewCFunction(c, n_ed_mul, "edMul", 3));
    JS_SetPropertyStr(c, native, "edMulAdd", JS_NewCFunction(c, n_ed_mul_add, "edMulAdd", 4));
    JS_SetPropertyStr(c, native, "x25519", JS_NewCFunction(c, n_x25519, "x25519", 2));
}
