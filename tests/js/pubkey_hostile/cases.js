'use strict';
// Hostile inputs to the public-key paths whose arithmetic is the engine's (edge/js/engine/pubkey.c:
// modPow, ecMul, ecMulAdd, edMul, edMulAdd, x25519), through the public APIs only
// (tests/test_js_pubkey_hostile.py). `run(f, part)` gives every result of one part, in the edge
// function and in Node alike: a value, or the thrown error's name and code. Nothing here depends on
// randomness (an ECDSA or RSA-PSS signature is only ever verified, never compared).
const crypto = require('crypto');

const P256 = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};
const N384 = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
const N521 = 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n;
const P25519 = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function attempt(fn) {
  try {
    const r = fn();
    return Buffer.isBuffer(r) ? { hex: r.toString('hex') } : { value: r };
  } catch (e) {
    return { name: e.name, code: e.code };
  }
}
async function attemptAsync(fn) {
  try {
    const r = await fn();
    return r instanceof ArrayBuffer ? { hex: Buffer.from(r).toString('hex') } : { value: r };
  } catch (e) {
    return { name: e.name, code: e.code };
  }
}
const fixed = (v, len) => Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');
const b64u = (buf) => Buffer.from(buf).toString('base64url');
const big = (b) => BigInt('0x' + (Buffer.from(b).toString('hex') || '0'));
const fromB64u = (s) => big(Buffer.from(s, 'base64url'));
const le = (v) => fixed(v, 32).reverse();
const msg = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ');

function ecJwkPublic(crv, x, y, len) {
  return crypto.createPublicKey({ key: { kty: 'EC', crv, x: b64u(fixed(x, len)), y: b64u(fixed(y, len)) }, format: 'jwk' });
}

// RSA private keys with crafted values: PKCS#1 v1.5 signatures are deterministic, so a key whose
// CRT values or d are wrong must still sign as Node does (or fail as Node does)
function rsaVariants(f, names) {
  const out = {};
  const jwk = f.rsa.jwk;
  const pub = crypto.createPublicKey(f.rsa.pub);
  const v = Object.fromEntries(['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((k) => [k, fromB64u(jwk[k])]));
  const enc = (x) => b64u(x === 0n ? Buffer.alloc(1) : Buffer.from((x.toString(16).length % 2 ? '0' : '') + x.toString(16), 'hex'));
  const variants = {
    ok: {}, bad_crt: { dp: v.dp + 2n, dq: 3n }, p_q_swapped: { p: v.q, q: v.p }, qi_zero: { qi: 0n },
    p_one: { p: 1n }, p_zero: { p: 0n }, p_even: { p: 2n }, dp_huge: { dp: v.dp + (v.p - 1n) * (1n << 3000n) },
    d_plus_phi: { dp: 5n, d: v.d + (v.p - 1n) * (v.q - 1n) }, dp_zero: { dp: 0n, dq: 0n },
    leading_zero_n: 'n0',
  };
  for (const name of names) {
    const change = variants[name];
    out[name] = attempt(() => {
      const key = change === 'n0' ? { ...jwk, n: b64u(Buffer.concat([Buffer.alloc(3), Buffer.from(jwk.n, 'base64url')])) }
        : { ...jwk, ...Object.fromEntries(Object.entries(change).map(([k, x]) => [k, enc(x)])) };
      const priv = crypto.createPrivateKey({ key, format: 'jwk' });
      const sig = crypto.sign('sha256', msg, priv);
      return [sig.toString('hex'), crypto.verify('sha256', msg, pub, sig)];
    });
  }
  return out;
}

const PARTS = {
  // EC public keys from JWK with bogus coordinates, and ECDSA verification with them
  ec_jwk(f) {
    const out = {};
    const { p, gx, gy } = P256;
    const bogus = {
      x_is_p: [p, gy], x_plus_p: [gx + p, gy], y_plus_p: [gx, gy + p], y_is_p_minus: [gx, p - gy],
      zero_zero: [0n, 0n], off_curve: [gx, gy + 1n], x_zero: [0n, gy], all_ff: [2n ** 256n - 1n, 2n ** 256n - 1n],
    };
    for (const [name, [x, y]] of Object.entries(bogus)) {
      const len = Math.max(32, Math.ceil(x.toString(16).length / 2), Math.ceil(y.toString(16).length / 2));
      out[name] = attempt(() => ecJwkPublic('P-256', x, y, len).export({ format: 'jwk' }));
    }
    out.empty = attempt(() => crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: '', y: '' }, format: 'jwk' }));
    out.short = attempt(() => ecJwkPublic('P-256', gx, gy, 31).export({ format: 'jwk' }));
    // the generator (and its negation) as a public key: a signature by d = 1 verifies with it
    const sig1 = f.sigByOne;
    out.g_verifies = attempt(() => crypto.verify('sha256', msg, { key: ecJwkPublic('P-256', gx, gy, 32), dsaEncoding: 'ieee-p1363' },
      Buffer.from(sig1, 'base64')));
    out.minus_g = attempt(() => crypto.verify('sha256', msg, { key: ecJwkPublic('P-256', gx, p - gy, 32), dsaEncoding: 'ieee-p1363' },
      Buffer.from(sig1, 'base64')));
    return out;
  },
  // ECDSA verification with signatures at the edges of [1, n - 1], both encodings
  ecdsa_sigs(f) {
    const out = {};
    for (const [name, n, size, hash] of [['p256', P256.n, 32, 'sha256'], ['p384', N384, 48, 'sha384'], ['p521', N521, 66, 'sha512']]) {
      const key = crypto.createPublicKey(f[name].pub);
      const [r0, s0] = [big(Buffer.from(f[name].sig, 'base64').subarray(0, size)), big(Buffer.from(f[name].sig, 'base64').subarray(size))];
      const sigs = {
        zero: [0n, 0n], r0: [0n, s0], s0: [r0, 0n], rn: [n, s0], sn: [r0, n], r1s1: [1n, 1n], nm1: [n - 1n, n - 1n],
        rplusn: [r0 + n, s0], high_s: [r0, n - s0], ok: [r0, s0], ff: [2n ** BigInt(8 * size) - 1n, 2n ** BigInt(8 * size) - 1n],
      };
      for (const [s, [r, sv]] of Object.entries(sigs)) {
        const sig = Buffer.concat([fixed(r, size), fixed(sv, size)]);
        out[`${name}_${s}`] = attempt(() => crypto.verify(hash, msg, { key, dsaEncoding: 'ieee-p1363' }, sig.length === 2 * size ? sig : sig));
      }
      out[`${name}_empty`] = attempt(() => crypto.verify(hash, msg, { key, dsaEncoding: 'ieee-p1363' }, Buffer.alloc(0)));
      out[`${name}_der_empty`] = attempt(() => crypto.verify(hash, msg, key, Buffer.alloc(0)));
      // an all-zero digest (e = 0: u1 = 0)
      out[`${name}_zero_digest`] = attempt(() => crypto.verify(null, Buffer.alloc(32), { key, dsaEncoding: 'ieee-p1363' },
        Buffer.concat([fixed(r0, size), fixed(s0, size)])));
    }
    return out;
  },
  // EC private keys with out-of-range scalars; a private JWK whose x, y are not d's
  ec_private(f) {
    const out = {};
    const jwk = f.p256.jwk;
    for (const [name, d] of Object.entries({ zero: 0n, one: 1n, n: P256.n, n_plus_1: P256.n + 1n, nm1: P256.n - 1n, big: 2n ** 264n })) {
      out[name] = attempt(() => {
        const key = crypto.createPrivateKey({ key: { ...jwk, d: b64u(fixed(d, Math.max(32, Math.ceil(d.toString(16).length / 2)))) }, format: 'jwk' });
        // its own (stale) public point: verifies nothing it signs (unless d is the real one)
        const sig = crypto.sign('sha256', msg, key);
        return [crypto.verify('sha256', msg, key, sig), crypto.verify('sha256', msg, crypto.createPublicKey(f.p256.pub), sig)];
      });
    }
    out.empty_d = attempt(() => crypto.createPrivateKey({ key: { ...jwk, d: '' }, format: 'jwk' }).export({ format: 'jwk' }));
    // SEC1 keys with no public point: d*G computed (d = 1, n - 1, n, 0)
    for (const [name, der] of Object.entries(f.sec1)) {
      out[`sec1_${name}`] = attempt(() => crypto.createPrivateKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'sec1' })
        .export({ format: 'jwk' }));
    }
    return out;
  },
  // ECDH: createECDH with bad private keys and peer points; diffieHellman across curves
  ecdh(f) {
    const out = {};
    const { p, n, gx, gy } = P256;
    const e = crypto.createECDH('prime256v1');
    for (const [name, d] of Object.entries({ zero: Buffer.alloc(32), n: fixed(n, 32), nm1: fixed(n - 1n, 32), empty: Buffer.alloc(0),
      long: Buffer.alloc(40, 1), one_byte: Buffer.from([1]) })) {
      out[`set_${name}`] = attempt(() => crypto.createECDH('prime256v1').setPrivateKey(d).getPublicKey('hex'));
    }
    e.setPrivateKey(fixed(n - 1n, 32));
    const peers = {
      g: Buffer.concat([Buffer.from([4]), fixed(gx, 32), fixed(gy, 32)]),
      minus_g: Buffer.concat([Buffer.from([4]), fixed(gx, 32), fixed(p - gy, 32)]),
      g_compressed: Buffer.concat([Buffer.from([2 + Number(gy & 1n)]), fixed(gx, 32)]),
      off_curve: Buffer.concat([Buffer.from([4]), fixed(gx, 32), fixed(gy + 1n, 32)]),
      x_is_p: Buffer.concat([Buffer.from([4]), fixed(p, 32), fixed(gy, 32)]),
      compressed_p: Buffer.concat([Buffer.from([2]), fixed(p, 32)]),
      compressed_no_root: Buffer.concat([Buffer.from([2]), fixed(1n, 32)]),
      zero_zero: Buffer.concat([Buffer.from([4]), Buffer.alloc(64)]),
      infinity: Buffer.from([0]),
      empty: Buffer.alloc(0),
      hybrid_wrong_parity: Buffer.concat([Buffer.from([6 + 1 - Number(gy & 1n)]), fixed(gx, 32), fixed(gy, 32)]),
      too_long: Buffer.concat([Buffer.from([4]), fixed(gx, 32), fixed(gy, 32), Buffer.from([0])]),
      peer: crypto.createPublicKey(f.p256.peer).export({ format: 'jwk' }),
    };
    for (const [name, point] of Object.entries(peers)) {
      const bytes = Buffer.isBuffer(point) ? point
        : Buffer.concat([Buffer.from([4]), Buffer.from(point.x, 'base64url'), Buffer.from(point.y, 'base64url')]);
      out[`secret_${name}`] = attempt(() => e.computeSecret(bytes).toString('hex'));
    }
    for (const [name, curve] of [['p384', 'secp384r1'], ['p521', 'secp521r1']]) {
      const c = crypto.createECDH(curve);
      c.setPrivateKey(Buffer.from([1]));
      out[`${name}_one_with_peer`] = attempt(() => c.computeSecret(crypto.createPublicKey(f[name].peer).export({ format: 'der', type: 'spki' })
        .subarray(-(curve === 'secp384r1' ? 97 : 133))).toString('hex'));
    }
    out.mismatch = attempt(() => crypto.diffieHellman({ privateKey: crypto.createPrivateKey(f.p256.priv),
      publicKey: crypto.createPublicKey(f.p384.peer) }));
    out.dh_ok = attempt(() => crypto.diffieHellman({ privateKey: crypto.createPrivateKey(f.p256.priv),
      publicKey: crypto.createPublicKey(f.p256.peer) }));
    return out;
  },
  // X25519 with low-order and non-canonical u, as keys and through createPublicKey / JWK
  x25519(f) {
    const out = {};
    const priv = crypto.createPrivateKey(f.x.priv);
    const us = {
      zero: 0n, one: 1n, p_minus_1: P25519 - 1n, p: P25519, p_plus_1: P25519 + 1n,
      // the points of order 8 (little-endian encodings, as in libsodium's blocklist)
      order8a: 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      order8b: '5f9c95bc3d6f7c7b1e4c5cff8e1c0aa4f49e7d53d45e6d0c8b1f9b5b7a1a2057',
      two_to_255_minus_1: 2n ** 255n - 1n, nine: 9n, nine_plus_p: 9n + P25519, top_bit: 2n ** 255n + 9n,
    };
    for (const [name, u] of Object.entries(us)) {
      const x = typeof u === 'string' ? Buffer.from(u, 'hex') : le(u);
      out[name] = attempt(() => crypto.diffieHellman({ privateKey: priv,
        publicKey: crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(x) }, format: 'jwk' }) }));
    }
    out.short = attempt(() => crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(Buffer.alloc(31, 9)) }, format: 'jwk' }));
    out.priv_short = attempt(() => crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(Buffer.alloc(32, 9)),
      d: b64u(Buffer.alloc(31, 1)) }, format: 'jwk' }));
    // private keys whose clamped scalars are extreme (all zero bytes, all ones): public keys Node's
    for (const [name, d] of Object.entries({ d_zero: Buffer.alloc(32), d_ff: Buffer.alloc(32, 255) })) {
      out[name] = attempt(() => crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(Buffer.alloc(32)), d: b64u(d) }, format: 'jwk' })
        .export({ format: 'jwk' }).x);
    }
    return out;
  },
  // Ed25519 verification with non-canonical and small-order keys and signatures
  ed25519(f) {
    const out = {};
    const pub = crypto.createPublicKey(f.ed.pub);
    const sig = Buffer.from(f.ed.sig, 'base64');
    const raw = (bytes) => crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(bytes) }, format: 'jwk' });
    const identity = le(1n);
    const keys = {
      identity, identity_sign: Buffer.from([...identity.subarray(0, 31), 0x80]), zero: Buffer.alloc(32), ff: Buffer.alloc(32, 255),
      y_p: le(P25519), y_p_plus_1: le(P25519 + 1n), minus_one: le(P25519 - 1n),
      order8: Buffer.from('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'hex'),
      order4: Buffer.from('0000000000000000000000000000000000000000000000000000000000000080', 'hex'),
      real: pub.export({ format: 'jwk' }).x,
    };
    for (const [name, k] of Object.entries(keys)) {
      const bytes = typeof k === 'string' ? Buffer.from(k, 'base64url') : k;
      out[`key_${name}`] = attempt(() => {
        const key = raw(bytes);
        // the all-zero-S signature with R = the identity, and with R = the key itself; the real signature
        const forged = [Buffer.concat([identity, Buffer.alloc(32)]), Buffer.concat([bytes, Buffer.alloc(32)]), sig];
        return forged.map((s) => crypto.verify(null, msg, key, s));
      });
    }
    const S = big(Buffer.from(sig.subarray(32)).reverse());
    const sigs = {
      s_plus_l: Buffer.concat([sig.subarray(0, 32), le(S + L)]), s_l: Buffer.concat([sig.subarray(0, 32), le(L)]),
      s_ff: Buffer.concat([sig.subarray(0, 32), Buffer.alloc(32, 255)]), short: sig.subarray(0, 63), long: Buffer.concat([sig, Buffer.from([0])]),
      r_noncanonical: Buffer.concat([le(big(Buffer.from(sig.subarray(0, 31)).reverse()) + P25519), sig.subarray(32)]),
      empty: Buffer.alloc(0), zero: Buffer.alloc(64),
    };
    for (const [name, s] of Object.entries(sigs)) out[`sig_${name}`] = attempt(() => crypto.verify(null, msg, pub, s));
    for (const [name, d] of Object.entries({ d_zero: Buffer.alloc(32), d_ff: Buffer.alloc(32, 255) })) {
      out[name] = attempt(() => {
        const key = crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(Buffer.alloc(32)), d: b64u(d) }, format: 'jwk' });
        return [key.export({ format: 'jwk' }).x, crypto.sign(null, msg, key).toString('hex')];
      });
    }
    out.d_short = attempt(() => crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(Buffer.alloc(32)), d: b64u(Buffer.alloc(33)) }, format: 'jwk' }));
    return out;
  },
  rsa_a(f) { return rsaVariants(f, ['ok', 'bad_crt', 'p_q_swapped', 'qi_zero']); },
  rsa_b(f) { return rsaVariants(f, ['p_one', 'p_zero', 'p_even']); },
  rsa_c(f) { return rsaVariants(f, ['dp_huge', 'd_plus_phi']); },
  rsa_d(f) { return rsaVariants(f, ['dp_zero', 'leading_zero_n']); },
  rsa_tiny() {
    const out = {};
    const enc = (x) => b64u(x === 0n ? Buffer.alloc(1) : Buffer.from((x.toString(16).length % 2 ? '0' : '') + x.toString(16), 'hex'));
    // a tiny key: too small for the digest; a modulus of 3 primes' worth set as n with any p, q
    const small = { kty: 'RSA', n: enc(3233n), e: enc(17n), d: enc(2753n), p: enc(61n), q: enc(53n), dp: enc(53n), dq: enc(49n), qi: enc(38n) };
    out.tiny = attempt(() => crypto.sign('sha256', msg, crypto.createPrivateKey({ key: small, format: 'jwk' })));
    out.tiny_raw = attempt(() => crypto.privateDecrypt({ key: crypto.createPrivateKey({ key: small, format: 'jwk' }),
      padding: crypto.constants.RSA_NO_PADDING }, Buffer.from([0x0c, 0xa1])).toString('hex'));
    return out;
  },
  // OpenSSL's limits on public keys (a modulus over 16384 bits; an exponent over 64 bits with a
  // modulus over 3072): verification false, publicEncrypt / publicDecrypt errors, and quickly (an
  // exponent as long as a 16384-bit modulus is ~2e11 fuel of arithmetic)
  rsa_limits() {
    const out = {};
    const enc = (x) => b64u(Buffer.from((x.toString(16).length % 2 ? '0' : '') + x.toString(16), 'hex'));
    const n16k = (1n << 16383n) + 0x1234567n * 2n + 1n;
    const keys = {
      n_16400: [(1n << 16400n) + 1n, 65537n], n_16384_long_e: [n16k, n16k - 2n], n_4096_e_100: [(1n << 4096n) - 1n, (1n << 100n) + 1n],
      n_4096_e_64: [(1n << 4096n) - 1n, (1n << 64n) - 1n], n_3072_e_65: [(1n << 3072n) - 1n, (1n << 64n) + 1n],
    };
    for (const [name, [n, e]] of Object.entries(keys)) {
      out[name] = attempt(() => {
        const key = crypto.createPublicKey({ key: { kty: 'RSA', n: enc(n), e: enc(e) }, format: 'jwk' });
        const size = Math.ceil(n.toString(2).length / 8);
        const sig = Buffer.alloc(size, 1);
        return [crypto.verify('sha256', msg, key, sig), crypto.verify('sha256', msg, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING }, sig),
          attempt(() => crypto.publicEncrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, Buffer.alloc(size, 0)).length),
          attempt(() => crypto.publicDecrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.alloc(5, 1)).length)];
      });
    }
    return out;
  },
  rsa_e(f) {
    const out = {};
    const jwk = f.rsa.jwk;
    const pub = crypto.createPublicKey(f.rsa.pub);
    const v = { n: fromB64u(jwk.n) };
    const enc = (x) => b64u(x === 0n ? Buffer.alloc(1) : Buffer.from((x.toString(16).length % 2 ? '0' : '') + x.toString(16), 'hex'));
    // a public exponent as long as the modulus (public data: verification still works or fails as Node's)
    out.long_e = attempt(() => crypto.verify('sha256', msg, crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: enc(v.n - 2n) }, format: 'jwk' }),
      Buffer.from(f.rsa.sig, 'base64')));
    out.e_one = attempt(() => crypto.verify('sha256', msg, crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: enc(1n) }, format: 'jwk' }),
      Buffer.from(f.rsa.sig, 'base64')));
    out.sig_ge_n = attempt(() => crypto.verify('sha256', msg, pub, fixed(v.n, 256)));
    out.sig_zero = attempt(() => crypto.verify('sha256', msg, pub, Buffer.alloc(256)));
    out.sig_short = attempt(() => crypto.verify('sha256', msg, pub, Buffer.alloc(255, 1)));
    return out;
  },
};

const parts = Object.keys(PARTS);
// webcrypto: importKey with bogus keys, verify and deriveBits with hostile inputs
async function subtleCases(f) {
  const out = {};
  const { subtle } = crypto.webcrypto;
  const { p, gx, gy } = P256;
  const rawPoint = (x, y) => Buffer.concat([Buffer.from([4]), fixed(x, 32), fixed(y, 32)]);
  for (const [name, bytes] of Object.entries({ off: rawPoint(gx, gy + 1n), x_p: rawPoint(p, gy), zero: rawPoint(0n, 0n), infinity: Buffer.from([0]) })) {
    out[`import_${name}`] = await attemptAsync(() => subtle.importKey('raw', bytes, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])
      .then(() => 'imported'));
  }
  out.import_jwk_x_p = await attemptAsync(() => subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: b64u(fixed(gx + p, 33)), y: b64u(fixed(gy, 32)) },
    { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']).then(() => 'imported'));
  const g = await subtle.importKey('raw', rawPoint(gx, gy), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  const sigByOne = Buffer.from(f.sigByOne, 'base64');
  out.verify_g = await attemptAsync(() => subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, g, sigByOne, msg));
  out.verify_g_zero = await attemptAsync(() => subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, g, Buffer.alloc(64), msg));
  out.verify_g_short = await attemptAsync(() => subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, g, Buffer.alloc(63), msg));
  const ecdhPriv = await subtle.importKey('pkcs8', crypto.createPrivateKey(f.p256.priv).export({ format: 'der', type: 'pkcs8' }),
    { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const ecdhG = await subtle.importKey('raw', rawPoint(gx, gy), { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  out.derive_g = await attemptAsync(() => subtle.deriveBits({ name: 'ECDH', public: ecdhG }, ecdhPriv, 256));
  const xPriv = await subtle.importKey('pkcs8', crypto.createPrivateKey(f.x.priv).export({ format: 'der', type: 'pkcs8' }), { name: 'X25519' }, false, ['deriveBits']);
  for (const [name, u] of Object.entries({ zero: 0n, one: 1n, order8: 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', p: P25519, nine: 9n })) {
    out[`x25519_${name}`] = await attemptAsync(async () => {
      const k = await subtle.importKey('raw', typeof u === 'string' ? Buffer.from(u, 'hex') : le(u), { name: 'X25519' }, true, []);
      return subtle.deriveBits({ name: 'X25519', public: k }, xPriv, 256);
    });
  }
  const edKeys = { identity: le(1n), zero: Buffer.alloc(32), ff: Buffer.alloc(32, 255) };
  for (const [name, k] of Object.entries(edKeys)) {
    out[`ed_${name}`] = await attemptAsync(async () => {
      const key = await subtle.importKey('raw', k, { name: 'Ed25519' }, true, ['verify']);
      return subtle.verify({ name: 'Ed25519' }, key, Buffer.concat([le(1n), Buffer.alloc(32)]), msg);
    });
  }
  return out;
}
parts.push('subtle');

async function run(f, part) {
  const names = part === undefined ? parts : [parts[part]];
  const out = {};
  for (const name of names) {
    const group = name.startsWith('rsa') ? 'rsa' : name; // the RSA cases, in several requests (fuel)
    out[group] = { ...out[group], ...(name === 'subtle' ? await subtleCases(f) : PARTS[name](f)) };
  }
  return out;
}

module.exports = { run, parts };
