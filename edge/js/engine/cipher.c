/*
 * AES for the Node layer (edge/js/node/cipher.js: createCipheriv / createDecipheriv, and
 * crypto.subtle's AES-GCM, AES-CBC and AES-CTR): our glue over pycryptodome's C code, taken from
 * its sdist on PyPI (edge/js/engine.py): src/AES.c (the block cipher, Rijndael's reference
 * "fst" code with T-tables), src/raw_ecb.c, raw_cbc.c and raw_ctr.c (the modes) and
 * src/ghash_portable.c (GCM's GHASH, constant-time). GCM itself is assembled here as NIST SP
 * 800-38D puts it (pycryptodome does it in Python): J0 from the IV, CTR from inc32(J0) for the
 * text, GHASH over the AAD and the ciphertext, the tag E(K, J0) xor GHASH.
 *
 * A cipher is a JavaScript object of class EdgeCipher holding the mode's state; the JavaScript
 * side (cipher.js) checks the arguments, buffers partial blocks and pads (ECB and CBC here take
 * whole blocks only), and compares tags:
 *   cipherNew(mode 0 ECB | 1 CBC | 2 CTR | 3 GCM, encrypt, key, iv) -> cipher
 *   cipherUpdate(cipher, data) -> a new Uint8Array of data's length
 *   cipherAad(cipher, data)    GCM, before the first update
 *   cipherTag(cipher) -> the 16-byte GCM tag (the cipher takes no more data)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"
#include "block_base.h" /* pycryptodome's BlockBase: the block cipher's encrypt/decrypt/destructor */

/* pycryptodome's entry points (the state types are opaque here) */
int AES_start_operation(const uint8_t key[], size_t key_len, BlockBase **result);
int ECB_start_operation(BlockBase *cipher, void **result);
int ECB_encrypt(void *state, const uint8_t *in, uint8_t *out, size_t len);
int ECB_decrypt(void *state, const uint8_t *in, uint8_t *out, size_t len);
int ECB_stop_operation(void *state);
int CBC_start_operation(BlockBase *cipher, const uint8_t iv[], size_t iv_len, void **result);
int CBC_encrypt(void *state, const uint8_t *in, uint8_t *out, size_t len);
int CBC_decrypt(void *state, const uint8_t *in, uint8_t *out, size_t len);
int CBC_stop_operation(void *state);
int CTR_start_operation(BlockBase *cipher, uint8_t counter_block0[], size_t block_len, size_t prefix_len,
                        unsigned counter_len, unsigned little_endian, void **result);
int CTR_encrypt(void *state, const uint8_t *in, uint8_t *out, size_t len);
int CTR_stop_operation(void *state);
int ghash_expand_portable(const uint8_t h[16], void **tables);
int ghash_portable(uint8_t y_out[16], const uint8_t *data, size_t len, const uint8_t y_in[16], const void *tables);
int ghash_destroy_portable(void *tables);

enum { MODE_ECB, MODE_CBC, MODE_CTR, MODE_GCM };

typedef struct {
    int mode, encrypt, done;
    void *state;    /* the mode's state, which owns the block cipher */
    void *ghash;    /* GCM: H's tables */
    uint8_t mask[16], y[16], part[16]; /* GCM: E(K, J0), GHASH so far, bytes waiting for a whole block */
    size_t part_len;
    uint64_t aad_len, text_len;
    int in_text;
} Cipher;

static JSClassID cipher_class;

static void cipher_free(Cipher *s) {
    if (s->state) {
        if (s->mode == MODE_ECB) ECB_stop_operation(s->state);
        else if (s->mode == MODE_CBC) CBC_stop_operation(s->state);
        else CTR_stop_operation(s->state);
    }
    if (s->ghash) ghash_destroy_portable(s->ghash);
    memset(s, 0, sizeof *s);
    free(s);
}

static void cipher_finalizer(JSRuntime *rt, JSValueConst val) {
    Cipher *s = JS_GetOpaque(val, cipher_class);
    if (s) cipher_free(s);
}

/* GHASH over data as a stream: whole blocks as they come, the rest kept in part */
static void ghash_stream(Cipher *s, const uint8_t *p, size_t n) {
    if (s->part_len) {
        size_t take = 16 - s->part_len < n ? 16 - s->part_len : n;
        memcpy(s->part + s->part_len, p, take);
        s->part_len += take;
        p += take;
        n -= take;
        if (s->part_len < 16) return;
        ghash_portable(s->y, s->part, 16, s->y, s->ghash);
        s->part_len = 0;
    }
    size_t whole = n & ~(size_t)15;
    if (whole) ghash_portable(s->y, p, whole, s->y, s->ghash);
    memcpy(s->part, p + whole, n - whole);
    s->part_len = n - whole;
}

/* the partial block, padded with zeros */
static void ghash_flush(Cipher *s) {
    if (!s->part_len) return;
    memset(s->part + s->part_len, 0, 16 - s->part_len);
    ghash_portable(s->y, s->part, 16, s->y, s->ghash);
    s->part_len = 0;
}

static void store64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static JSValue n_cipher_new(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    int32_t mode;
    size_t key_len, iv_len = 0;
    if (JS_ToInt32(c, &mode, argv[0])) return JS_EXCEPTION;
    int encrypt = JS_ToBool(c, argv[1]);
    const uint8_t *key = JS_GetUint8Array(c, &key_len, argv[2]);
    if (!key) return JS_EXCEPTION;
    const uint8_t *iv = mode == MODE_ECB ? NULL : JS_GetUint8Array(c, &iv_len, argv[3]);
    if (mode != MODE_ECB && !iv) return JS_EXCEPTION;
    if (mode < MODE_ECB || mode > MODE_GCM || ((mode == MODE_CBC || mode == MODE_CTR) && iv_len != 16) ||
        (mode == MODE_GCM && iv_len == 0))
        return JS_ThrowTypeError(c, "cipherNew: bad mode or IV");

    Cipher *s = calloc(1, sizeof *s);
    BlockBase *aes = NULL;
    if (!s) return JS_ThrowOutOfMemory(c);
    s->mode = mode;
    s->encrypt = encrypt;
    if (AES_start_operation(key, key_len, &aes)) {
        free(s);
        return JS_ThrowRangeError(c, "Invalid key length");
    }
    int err = 0;
    if (mode == MODE_ECB) {
        err = ECB_start_operation(aes, &s->state);
    } else if (mode == MODE_CBC) {
        err = CBC_start_operation(aes, iv, iv_len, &s->state);
    } else if (mode == MODE_CTR) { /* the whole block is the counter, big-endian, as OpenSSL's aes-*-ctr */
        uint8_t block[16];
        memcpy(block, iv, 16);
        err = CTR_start_operation(aes, block, 16, 0, 16, 0, &s->state);
    } else {
        uint8_t h[16] = {0}, j0[16];
        aes->encrypt(aes, h, h, 16);
        err = ghash_expand_portable(h, &s->ghash);
        if (!err && iv_len == 12) {
            memcpy(j0, iv, 12);
            j0[12] = j0[13] = j0[14] = 0;
            j0[15] = 1;
        } else if (!err) { /* J0 = GHASH(IV || 0-padding || 0^64 || [len(IV) in bits]_64) */
            uint8_t lengths[16] = {0};
            ghash_stream(s, iv, iv_len);
            ghash_flush(s);
            store64(lengths + 8, (uint64_t)iv_len * 8);
            ghash_portable(s->y, lengths, 16, s->y, s->ghash);
            memcpy(j0, s->y, 16);
            memset(s->y, 0, 16);
        }
        if (!err) {
            aes->encrypt(aes, j0, s->mask, 16);
            for (int i = 15; i >= 12 && ++j0[i] == 0; i--) {} /* inc32 */
            err = CTR_start_operation(aes, j0, 16, 12, 4, 0, &s->state);
        }
    }
    if (err) {
        if (!s->state) aes->destructor(aes);
        cipher_free(s);
        return JS_ThrowInternalError(c, "the cipher could not be set up (%d)", err);
    }
    JSValue obj = JS_NewObjectClass(c, cipher_class);
    if (JS_IsException(obj)) {
        cipher_free(s);
        return obj;
    }
    JS_SetOpaque(obj, s);
    return obj;
}

static Cipher *cipher_of(JSContext *c, JSValueConst v) {
    Cipher *s = JS_GetOpaque2(c, v, cipher_class);
    if (s && s->done) {
        JS_ThrowTypeError(c, "the cipher has finished");
        return NULL;
    }
    return s;
}

static JSValue n_cipher_update(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    Cipher *s = cipher_of(c, argv[0]);
    if (!s) return JS_EXCEPTION;
    size_t len;
    const uint8_t *in = JS_GetUint8Array(c, &len, argv[1]);
    if (!in) return JS_EXCEPTION;
    if ((s->mode == MODE_ECB || s->mode == MODE_CBC) && len % 16)
        return JS_ThrowRangeError(c, "cipherUpdate: not whole blocks");
    if (s->mode == MODE_GCM && !s->in_text) {
        ghash_flush(s); /* the AAD's last block */
        s->in_text = 1;
    }
    JSValue r = JS_NewUint8ArrayCopy(c, in, len); /* then worked on in place */
    if (JS_IsException(r) || len == 0) return r;
    size_t n;
    uint8_t *out = JS_GetUint8Array(c, &n, r);
    int err;
    switch (s->mode) {
    case MODE_ECB: err = s->encrypt ? ECB_encrypt(s->state, out, out, len) : ECB_decrypt(s->state, out, out, len); break;
    case MODE_CBC: err = s->encrypt ? CBC_encrypt(s->state, out, out, len) : CBC_decrypt(s->state, out, out, len); break;
    case MODE_CTR: err = CTR_encrypt(s->state, out, out, len); break;
    default:
        if (!s->encrypt) ghash_stream(s, out, len);
        err = CTR_encrypt(s->state, out, out, len);
        if (s->encrypt) ghash_stream(s, out, len);
        s->text_len += len;
    }
    if (err) {
        JS_FreeValue(c, r);
        return JS_ThrowRangeError(c, "the counter would repeat the key stream (too much data for one IV)");
    }
    return r;
}

static JSValue n_cipher_aad(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    Cipher *s = cipher_of(c, argv[0]);
    if (!s) return JS_EXCEPTION;
    size_t len;
    const uint8_t *in = JS_GetUint8Array(c, &len, argv[1]);
    if (!in) return JS_EXCEPTION;
    if (s->mode != MODE_GCM || s->in_text) return JS_ThrowTypeError(c, "cipherAad: not GCM, or after the text");
    if (len) ghash_stream(s, in, len);
    s->aad_len += len;
    return JS_UNDEFINED;
}

static JSValue n_cipher_tag(JSContext *c, JSValueConst this_val, int argc, JSValueConst *argv) {
    Cipher *s = cipher_of(c, argv[0]);
    if (!s) return JS_EXCEPTION;
    if (s->mode != MODE_GCM) return JS_ThrowTypeError(c, "cipherTag: not GCM");
    uint8_t lengths[16], tag[16];
    ghash_flush(s);
    store64(lengths, s->aad_len * 8);
    store64(lengths + 8, s->text_len * 8);
    ghash_portable(s->y, lengths, 16, s->y, s->ghash);
    for (int i = 0; i < 16; i++) tag[i] = s->y[i] ^ s->mask[i];
    s->done = 1;
    return JS_NewUint8ArrayCopy(c, tag, 16);
}

void edge_cipher_install(JSContext *c, JSValue native) {
    static const JSClassDef def = { "EdgeCipher", cipher_finalizer, NULL, NULL, NULL };
    JS_NewClassID(JS_GetRuntime(c), &cipher_class);
    JS_NewClass(JS_GetRuntime(c), cipher_class, &def);
    JS_SetPropertyStr(c, native, "cipherNew", JS_NewCFunction(c, n_cipher_new, "cipherNew", 4));
    JS_SetPropertyStr(c, native, "cipherUpdate", JS_NewCFunction(c, n_cipher_update, "cipherUpdate", 2));
    JS_SetPropertyStr(c, native, "cipherAad", JS_NewCFunction(c, n_cipher_aad, "cipherAad", 2));
    JS_SetPropertyStr(c, native, "cipherTag", JS_NewCFunction(c, n_cipher_tag, "cipherTag", 1));
}
