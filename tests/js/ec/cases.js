'use strict';
// ECDSA and Ed25519 signature verification (tests/test_js_ec.py): the same cases in the edge
// function and in Node. `run(f, part)` takes the fixtures Node made at test time (keys, signatures,
// JWTs) and returns every result of one part: `common` ones must equal Node's, `errors` are what the
// edge refuses and Node does not (checked in the edge only).
const crypto = require('crypto');

// The curves' group orders, to build signatures with r or s out of range and the high-s twin.
const ORDERS = {
  p256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  p384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  p521: 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  k256: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
};
const ED25519_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
// What one verification costs in the edge, relative to P-256 (cases are grouped into requests by it:
// one request has a fuel budget).
const COST = { p256: 1, k256: 1.2, p384: 2.6, p521: 5.5, ed: 1.2 };
const BUDGET = 16;

function attempt(fn) {
  try { return fn(); } catch (e) { return { name: e.name, code: e.code, message: e.message }; }
}
function flip(buf, i) {
  const b = Buffer.from(buf);
  b[i < 0 ? b.length + i : i] ^= 1;
  return b;
}
const big = (b) => BigInt('0x' + (b.toString('hex') || '0'));
const fixed = (v, len) => Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');
function derInt(v, needless00 = false) {
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
  if (needless00) hex = '00' + hex;
  const body = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from([2, body.length]), body]);
}
function derSeq(...parts) {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(body.length < 128 ? [0x30, body.length] : [0x30, 0x81, body.length]), body]);
}
// jwa (jsonwebtoken's ES*): a JOSE signature (r || s) to DER, as ecdsa-sig-formatter does.
function joseToDer(sig) {
  const half = sig.length / 2;
  return derSeq(derInt(big(sig.subarray(0, half))), derInt(big(sig.subarray(half))));
}
// A key given to verify with a dsaEncoding: {key, ...} objects keep their fields.
function withEncoding(key, dsaEncoding) {
  const plain = key !== null && typeof key === 'object' && !Buffer.isBuffer(key) && !(key instanceof crypto.KeyObject);
  return plain ? { ...key, dsaEncoding } : { key, dsaEncoding };
}
function describe(k) {
  return [k.type, k.asymmetricKeyType, k instanceof crypto.KeyObject, k.asymmetricKeyDetails, k.symmetricKeySize,
    k.export({ format: 'jwk' }), k.export({ format: 'pem', type: 'spki' }), k.export({ format: 'der', type: 'spki' }).toString('base64'),
    attempt(() => k.export({ format: 'pem', type: 'pkcs1' })), attempt(() => k.export({ format: 'der', type: 'sec1' })),
    attempt(() => k.export({ format: 'foo', type: 'spki' })), attempt(() => k.export())];
}

// [name, cost in P-256 verifications, (f) => result, edge only]
const CASES = [];
const add = (name, cost, fn, edgeOnly = false) => CASES.push([name, cost, fn, edgeOnly]);

const FORMATS = {
  spki: (c) => c.spki,
  spki_buffer: (c) => Buffer.from(c.spki),
  spki_der: (c) => ({ key: Buffer.from(c.spkiDer, 'base64'), format: 'der', type: 'spki' }),
  pem_object: (c) => ({ key: c.spki, format: 'pem' }),
  jwk: (c) => ({ key: c.jwk, format: 'jwk' }),
  jwk_private: (c) => ({ key: c.privateJwk, format: 'jwk' }), // gives its public half
  compressed: (c) => ({ key: Buffer.from(c.compressed, 'base64'), format: 'der', type: 'spki' }),
};

for (const name of Object.keys(ORDERS)) {
  const cost = COST[name];
  const fix = (f) => f.ec[name];
  const msgOf = (f) => Buffer.from(f.message);
  const keyOf = (f) => crypto.createPublicKey(fix(f).spki);
  for (const [format, input] of Object.entries(FORMATS)) {
    add(`key_${name}_${format}`, 0, (f) => {
      const k = crypto.createPublicKey(input(fix(f)));
      return [...describe(k), k.equals(keyOf(f)), k.equals(crypto.createPublicKey(fix(f).otherSpki)),
        k.equals(crypto.createPublicKey(f.ed.spki)), attempt(() => crypto.createPublicKey(k)).code];
    });
    // the key as given (not a KeyObject), both signature encodings
    add(`verify_${name}_${format}`, 2 * cost, (f) => {
      const c = fix(f);
      return [crypto.createVerify(c.hash).update(f.message).verify(input(c), Buffer.from(c.der, 'base64')),
        crypto.verify(c.hash, msgOf(f), withEncoding(input(c), 'ieee-p1363'), Buffer.from(c.p1363, 'base64'))];
    });
  }
  add(`valid_${name}`, 3 * cost, (f) => {
    const c = fix(f);
    const k = keyOf(f);
    const p1363 = Buffer.from(c.p1363, 'base64');
    return [
      crypto.createVerify(c.hash).update(msgOf(f)).verify(k, Buffer.from(c.der, 'base64')),
      crypto.createVerify(`RSA-SHA${c.hash.slice(3)}`).update(f.message.slice(0, 7)).update(f.message.slice(7)).verify(k, c.der, 'base64'),
      crypto.createVerify(c.hash.toUpperCase()).update(f.message).verify({ key: k, dsaEncoding: 'ieee-p1363' }, p1363.toString('hex'), 'hex'),
    ];
  });
  add(`valid_oneshot_${name}`, 3 * cost, (f) => {
    const c = fix(f);
    const k = keyOf(f);
    const der = Buffer.from(c.der, 'base64');
    return [
      crypto.verify(c.hash, msgOf(f), k, new Uint8Array(der)),
      crypto.verify(c.hash, msgOf(f), { key: k, dsaEncoding: 'ieee-p1363' }, Buffer.from(c.p1363, 'base64')),
      crypto.verify(c.hash, msgOf(f), { key: k, dsaEncoding: 'der', padding: crypto.constants.RSA_PKCS1_PSS_PADDING }, der), // padding: RSA only
    ];
  });
  // other digests than the curve's own (a longer one is cut to the order's size) and the default (SHA-256)
  add(`digests_${name}`, 4 * cost, (f) => {
    const c = fix(f);
    const k = keyOf(f);
    return [crypto.verify('sha1', msgOf(f), k, Buffer.from(c.sha1, 'base64')),
      crypto.verify('sha512', msgOf(f), k, Buffer.from(c.sha512, 'base64')),
      crypto.verify(null, msgOf(f), k, Buffer.from(c.sha256, 'base64')),
      crypto.verify('sha384', msgOf(f), k, Buffer.from(c.sha256, 'base64'))];
  });
  // ECDSA signatures are malleable: (r, n - s) verifies too (OpenSSL does not insist on low s)
  add(`high_s_${name}`, 2 * cost, (f) => {
    const c = fix(f);
    const k = keyOf(f);
    const p1363 = Buffer.from(c.p1363, 'base64');
    const half = p1363.length / 2;
    const r = big(p1363.subarray(0, half));
    const s = ORDERS[name] - big(p1363.subarray(half));
    return [crypto.verify(c.hash, msgOf(f), { key: k, dsaEncoding: 'ieee-p1363' }, Buffer.concat([p1363.subarray(0, half), fixed(s, half)])),
      crypto.verify(c.hash, msgOf(f), k, derSeq(derInt(r), derInt(s)))];
  });
  add(`tampered_${name}`, 5 * cost, (f) => {
    const c = fix(f);
    const k = keyOf(f);
    const der = Buffer.from(c.der, 'base64');
    const p1363 = Buffer.from(c.p1363, 'base64');
    return [crypto.createVerify(c.hash).update(f.message + '.').verify(k, der), // data
      crypto.verify(c.hash, msgOf(f), k, flip(der, -1)), // s
      crypto.verify(c.hash, msgOf(f), { key: k, dsaEncoding: 'ieee-p1363' }, flip(p1363, 5)), // r
      crypto.verify(c.hash, msgOf(f), crypto.createPublicKey(c.otherSpki), der), // wrong key
      crypto.verify(c.hash === 'sha256' ? 'sha384' : 'sha256', msgOf(f), k, der)]; // wrong digest
  });
  // no point arithmetic: refused before it
  add(`malformed_${name}`, 0, (f) => {
    const c = fix(f);
    const k = keyOf(f);
    const v = (sig, enc = 'der') => crypto.verify(c.hash, msgOf(f), { key: k, dsaEncoding: enc }, sig);
    const der = Buffer.from(c.der, 'base64');
    const p1363 = Buffer.from(c.p1363, 'base64');
    const half = p1363.length / 2;
    const n = ORDERS[name];
    const [r, s] = [big(p1363.subarray(0, half)), big(p1363.subarray(half))];
    const size = Math.ceil(n.toString(2).length / 8);
    return [v(p1363), v(der, 'ieee-p1363'), v(p1363.subarray(1), 'ieee-p1363'), v(Buffer.concat([p1363, Buffer.alloc(1)]), 'ieee-p1363'),
      v(Buffer.concat([der, Buffer.alloc(1)])), v(der.subarray(0, der.length - 1)), v(Buffer.alloc(0)), v(Buffer.alloc(0), 'ieee-p1363'),
      v(Buffer.alloc(2 * half), 'ieee-p1363'), v(Buffer.alloc(2 * half, 0xff), 'ieee-p1363'),
      v(Buffer.concat([fixed(n, size), p1363.subarray(half)]), 'ieee-p1363'), // r = n
      v(Buffer.concat([p1363.subarray(0, half), fixed(n, size)]), 'ieee-p1363'), // s = n
      v(derSeq(derInt(r + n), derInt(s))), // r + n: the same x, out of range
      v(derSeq(derInt(r, true), derInt(s))), // r with a needless leading 00
      v(derSeq(derInt(0n), derInt(s))), v(derSeq(derInt(r), derInt(0n))),
      v(Buffer.concat([Buffer.from([0x30, 0x81]), der.subarray(1)])), // long-form length where short is due
      v(Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(der[1] === 0x81 ? 3 : 2), Buffer.alloc(2)])), // BER indefinite length
      v(Buffer.concat([Buffer.from([0x31]), der.subarray(1)])), // a SET
      v(derSeq(derInt(r))), v(derSeq(derInt(r), derInt(s), derInt(s)))];
  });
}

// Ed25519 (JWT EdDSA): no digest (the message is signed); DER/P1363 do not apply.
for (const [format, input] of Object.entries({
  spki: (c) => c.spki, spki_buffer: (c) => Buffer.from(c.spki), spki_der: (c) => ({ key: Buffer.from(c.spkiDer, 'base64'), format: 'der', type: 'spki' }),
  jwk: (c) => ({ key: c.jwk, format: 'jwk' }), jwk_private: (c) => ({ key: c.privateJwk, format: 'jwk' }),
})) {
  add(`key_ed_${format}`, 0, (f) => {
    const k = crypto.createPublicKey(input(f.ed));
    return [...describe(k), k.equals(crypto.createPublicKey(f.ed.spki)), k.equals(crypto.createPublicKey(f.ed.otherSpki)),
      k.equals(crypto.createPublicKey(f.ec.p256.spki))];
  });
  add(`verify_ed_${format}`, COST.ed, (f) => crypto.verify(null, Buffer.from(f.message), input(f.ed), Buffer.from(f.ed.sig, 'base64')));
}
add('valid_ed', 4 * COST.ed, (f) => {
  const k = crypto.createPublicKey(f.ed.spki);
  const sig = Buffer.from(f.ed.sig, 'base64');
  return [crypto.verify(null, Buffer.from(f.message), k, sig), crypto.verify(undefined, f.message, k, new Uint8Array(sig)),
    crypto.verify(null, Buffer.alloc(0), k, Buffer.from(f.ed.emptySig, 'base64')),
    crypto.verify(null, Buffer.from(f.message), { key: k, dsaEncoding: 'ieee-p1363' }, sig)];
});
add('tampered_ed', 5 * COST.ed, (f) => {
  const k = crypto.createPublicKey(f.ed.spki);
  const msg = Buffer.from(f.message);
  const sig = Buffer.from(f.ed.sig, 'base64');
  const S = big(Buffer.from(sig.subarray(32)).reverse());
  const nonCanonical = Buffer.concat([sig.subarray(0, 32), fixed(S + ED25519_ORDER, 32).reverse()]); // S + L: refused
  return [crypto.verify(null, Buffer.from(f.message + '.'), k, sig), crypto.verify(null, msg, k, flip(sig, 0)),
    crypto.verify(null, msg, k, flip(sig, 40)), crypto.verify(null, msg, crypto.createPublicKey(f.ed.otherSpki), sig),
    crypto.verify(null, Buffer.alloc(0), k, sig), crypto.verify(null, msg, k, nonCanonical)];
});
add('malformed_ed', 0, (f) => {
  const k = crypto.createPublicKey(f.ed.spki);
  const msg = Buffer.from(f.message);
  const sig = Buffer.from(f.ed.sig, 'base64');
  return [crypto.verify(null, msg, k, sig.subarray(1)), crypto.verify(null, msg, k, Buffer.concat([sig, Buffer.alloc(1)])),
    crypto.verify(null, msg, k, Buffer.alloc(0)), crypto.verify(null, msg, k, Buffer.alloc(64, 0xff))];
});
add('errors_ed', 0, (f) => {
  const k = crypto.createPublicKey(f.ed.spki);
  const msg = Buffer.from(f.message);
  const sig = Buffer.from(f.ed.sig, 'base64');
  const jwk = f.ed.jwk;
  return {
    digest: attempt(() => crypto.verify('sha256', msg, k, sig)),
    sha512: attempt(() => crypto.verify('sha512', msg, k, sig)),
    unknown_digest: attempt(() => crypto.verify('nope', msg, k, sig)),
    create_verify: attempt(() => crypto.createVerify('sha512').update(msg).verify(k, sig)),
    dsa_encoding: attempt(() => crypto.verify(null, msg, { key: k, dsaEncoding: 'x' }, sig)),
    jwk_short: attempt(() => crypto.createPublicKey({ key: { ...jwk, x: jwk.x.slice(2) }, format: 'jwk' })),
    jwk_no_x: attempt(() => crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519' }, format: 'jwk' })),
    jwk_crv: attempt(() => crypto.createPublicKey({ key: { ...jwk, crv: 'P-256' }, format: 'jwk' })),
    spki_short: attempt(() => crypto.createPublicKey({ key: Buffer.from('3029300506032b6570032000' + 'ab'.repeat(31), 'hex'), format: 'der', type: 'spki' })),
    // any 32 bytes make a key (OpenSSL checks nothing more), which verifies nothing
    any_bytes: attempt(() => {
      const odd = crypto.createPublicKey({ key: Buffer.from('302a300506032b6570032100' + 'ff'.repeat(32), 'hex'), format: 'der', type: 'spki' });
      return [odd.export({ format: 'jwk' }), crypto.verify(null, msg, odd, sig)];
    }),
  };
});

// EC key errors, as Node words them
add('errors_ec', 0, (f) => {
  const c = f.ec.p256;
  const jwk = (over) => attempt(() => crypto.createPublicKey({ key: { ...c.jwk, ...over }, format: 'jwk' }));
  const der = Buffer.from(c.spkiDer, 'base64');
  const spki = (b) => attempt(() => crypto.createPublicKey({ key: b, format: 'der', type: 'spki' }));
  const k = crypto.createPublicKey(c.spki);
  const compressed = Buffer.from(c.compressed, 'base64');
  return {
    jwk_crv: jwk({ crv: 'P-257' }), jwk_no_crv: jwk({ crv: undefined }), jwk_no_x: jwk({ x: undefined }), jwk_y_number: jwk({ y: 5 }),
    jwk_not_on_curve: jwk({ y: c.jwk.x }), jwk_other_curve: jwk({ crv: 'P-384' }), jwk_k256: jwk({ crv: 'secp256k1' }),
    jwk_zero: jwk({ x: 'AAAA', y: 'AAAA' }),
    jwk_leading_zero: attempt(() => crypto.createPublicKey({ key: { ...c.jwk, x: Buffer.concat([Buffer.alloc(1), Buffer.from(c.jwk.x, 'base64url')]).toString('base64url') }, format: 'jwk' }).export({ format: 'jwk' })),
    jwk_kty: attempt(() => crypto.createPublicKey({ key: { kty: 'foo' }, format: 'jwk' })),
    jwk_not_object: attempt(() => crypto.createPublicKey({ key: 'x', format: 'jwk' })),
    spki_not_on_curve: spki(flip(der, -1)),
    spki_pem_not_on_curve: attempt(() => crypto.createPublicKey(
      `-----BEGIN PUBLIC KEY-----\n${flip(der, -1).toString('base64')}\n-----END PUBLIC KEY-----\n`)),
    spki_x_too_big: spki(Buffer.concat([der.subarray(0, der.length - 64), Buffer.alloc(64, 0xff)])),
    spki_short_point: spki(derSeq(der.subarray(2, 23), Buffer.from([0x03, 11, 0, 4]), Buffer.alloc(9, 1))),
    compressed_x_too_big: spki(Buffer.concat([compressed.subarray(0, compressed.length - 32), Buffer.alloc(32, 0xff)])),
    hybrid: attempt(() => {
      const point = der.subarray(der.length - 65);
      const hybrid = Buffer.concat([der.subarray(0, der.length - 65), Buffer.from([6 | (point[64] & 1)]), point.subarray(1)]);
      const key = crypto.createPublicKey({ key: hybrid, format: 'der', type: 'spki' });
      return [key.equals(k), key.export({ format: 'der', type: 'spki' }).toString('base64'),
        spki(Buffer.concat([der.subarray(0, der.length - 65), Buffer.from([7 - (point[64] & 1)]), point.subarray(1)]))];
    }),
    dsa_encoding: attempt(() => crypto.createVerify('sha256').update('x').verify({ key: k, dsaEncoding: 5 }, Buffer.alloc(64))),
    secret_key: attempt(() => crypto.verify('sha256', Buffer.from('x'), crypto.createSecretKey(Buffer.from('k')), Buffer.alloc(64))),
    used_twice: attempt(() => {
      const v = crypto.createVerify('sha256').update('x');
      return [v.verify(k, Buffer.alloc(64)), v.verify(k, Buffer.alloc(64))];
    }),
  };
});

// what jose checks keys with
add('util_types', 0, (f) => {
  const { types } = require('util');
  const k = crypto.createPublicKey(f.ec.p256.spki);
  return [types.isKeyObject(k), types.isKeyObject(crypto.createSecretKey(Buffer.from('k'))), types.isKeyObject({}), types.isCryptoKey(k)];
});

// JWTs signed by Node, verified the ways libraries do it
function split(token) {
  const [h, p, s] = token.split('.');
  return { input: `${h}.${p}`, sig: Buffer.from(s, 'base64url'), header: JSON.parse(Buffer.from(h, 'base64url')) };
}
function tamperedToken(token) {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.sub = 'admin';
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}
const JWT_HASH = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', EdDSA: null };
// jsonwebtoken (jws, jwa): the JOSE signature to DER, then createVerify('RSA-SHA256') with the PEM
const jwaStyle = (t, pem) => {
  const { input, sig, header } = split(t);
  if (header.alg === 'EdDSA') return crypto.verify(null, Buffer.from(input), pem, sig);
  return crypto.createVerify(`RSA-SHA${header.alg.slice(2)}`).update(input).verify(pem, joseToDer(sig).toString('base64'), 'base64');
};
// jose: a KeyObject from the JWKS entry and crypto.verify with dsaEncoding 'ieee-p1363'
const joseStyle = (t, jwk) => {
  const { input, sig, header } = split(t);
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  return crypto.verify(JWT_HASH[header.alg], Buffer.from(input), header.alg === 'EdDSA' ? key : { key, dsaEncoding: 'ieee-p1363' }, sig);
};
for (const [alg, cost] of [['ES256', COST.p256], ['ES384', COST.p384], ['ES512', COST.p521], ['EdDSA', COST.ed]]) {
  add(`jwt_${alg}`, 4 * cost, (f) => {
    const { token, pem, jwk } = f.jwt[alg];
    return [jwaStyle(token, pem), joseStyle(token, jwk), jwaStyle(tamperedToken(token), pem), joseStyle(tamperedToken(token), jwk)];
  });
}
// AWS ALB's x-amzn-oidc-data: ES256, base64url parts with '=' padding, the key a PEM from
// https://public-keys.auth.elb.<region>.amazonaws.com/<kid>
add('jwt_alb', 2 * COST.p256, (f) => {
  const { token, pem } = f.jwt.alb;
  const verify = (t) => {
    const [h, p, s] = t.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64'));
    return [header.alg, header.kid, crypto.createVerify('SHA256').update(`${h}.${p}`)
      .verify({ key: pem, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64'))];
  };
  const [h, , s] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ email: 'admin@example.com', exp: 4102444800 })).toString('base64');
  return [token.includes('='), verify(token), verify(`${h}.${forged}.${s}`)];
});

// A private key gives its public half, and verifies (tests/test_js_sign.py signs)
add('private_as_public', 2 * COST.p256, (f) => {
  const c = f.ec.p256;
  const msg = Buffer.from(f.message);
  return [crypto.createPublicKey(f.ecPrivateSec1).export({ type: 'spki', format: 'pem' }),
    crypto.createPublicKey(f.ecPrivatePkcs8).export({ format: 'jwk' }),
    crypto.createPublicKey(crypto.createPrivateKey({ key: c.privateJwk, format: 'jwk' })).equals(crypto.createPublicKey(c.spki)),
    crypto.verify(c.hash, msg, f.ecPrivatePkcs8, Buffer.from(c.der, 'base64')),
    crypto.createVerify(c.hash).update(msg).verify(crypto.createPrivateKey(f.ecPrivateSec1), Buffer.from(c.der, 'base64'))];
});

// What the edge refuses and Node does not: each must say what is supported.
add('unsupported', 0, (f) => ({
  ed448: attempt(() => crypto.createPublicKey(f.ed448Spki)),
  x448_jwk: attempt(() => crypto.createPublicKey({ key: f.x448Jwk, format: 'jwk' })),
  brainpool: attempt(() => crypto.createPublicKey(f.brainpoolSpki)),
  // Node takes a lone 00 (the point at infinity) as a key; the edge refuses it
  infinity: attempt(() => crypto.createPublicKey({ key: Buffer.from('3019301306072a8648ce3d020106082a8648ce3d030107030200' + '00', 'hex'), format: 'der', type: 'spki' })),
}), true);

// The cases in requests of at most BUDGET verifications' worth (fuel).
exports.parts = [];
for (let i = 0, used = Infinity; i < CASES.length; i++) {
  const [name, cost] = CASES[i];
  if (used + cost > BUDGET) {
    exports.parts.push([]);
    used = 0;
  }
  exports.parts[exports.parts.length - 1].push(name);
  used += cost;
}

exports.run = (f, part) => {
  const names = part === undefined ? CASES.map((c) => c[0]) : exports.parts[part];
  const results = { common: {}, errors: {} };
  for (const [name, , fn, edgeOnly] of CASES) {
    if (names.includes(name)) results[edgeOnly ? 'errors' : 'common'][name] = fn(f);
  }
  return results;
};
