'use strict';
// Signing and private keys (tests/test_js_sign.py): the same cases in the edge function and in
// Node. `run(f, part)` takes the fixtures Node made at test time (key pairs in every format, Node's
// signatures) and returns one part's results:
//   common: must equal Node's (keys and their exports, RSA and Ed25519 signatures, verifications)
//   errors: Node's error name and code; the message too (OpenSSL's, the edge's may add a hint)
//   made:   ECDSA signatures (Node's nonces are random): the test has Node verify the edge's
//   edge:   what the edge refuses and Node does not (checked in the edge only)
const crypto = require('crypto');

function attempt(fn) {
  try { return fn(); } catch (e) { return { name: e.name, code: e.code, message: e.message }; }
}
const b64 = (buf) => buf.toString('base64');
const HASH = { p256: 'sha256', p384: 'sha384', p521: 'sha512', k256: 'sha256' };
// What one operation costs in the edge, in units of ~50 million fuel (cases are grouped into
// requests by it: one request has the default fuel budget, 2e9)
const COST = { rsa: 4, p256: 1, k256: 1.2, p384: 2.6, p521: 5.2, ed: 1 };
const BUDGET = 24;

// A private KeyObject as Node describes it, and what it exports (PEM and DER as their SHA-256: a
// viewer-request response has at most 40 KB)
const sha256 = (text) => `sha256:${crypto.createHash('sha256').update(text).digest('hex')}`;
function describe(k) {
  const d = k.asymmetricKeyDetails;
  const exported = (type, format) => attempt(() => {
    const out = k.export({ type, format });
    return sha256(format === 'der' ? b64(out) : out);
  });
  return [k.type, k.asymmetricKeyType, k instanceof crypto.KeyObject, k.constructor.name,
    d.publicExponent === undefined ? d : { ...d, publicExponent: String(d.publicExponent) },
    k.symmetricKeySize, k.export({ format: 'jwk' }), exported('pkcs8', 'pem'), exported('pkcs8', 'der'), exported('pkcs1', 'pem'),
    exported('pkcs1', 'der'), exported('sec1', 'pem'), exported('sec1', 'der'), exported('spki', 'pem'),
    attempt(() => k.export()), attempt(() => k.export({ format: 'pem' })),
    sha256(crypto.createPublicKey(k).export({ type: 'spki', format: 'pem' })), crypto.createPublicKey(k).type];
}

// [name, cost, (f) => result, group]
const CASES = [];
const add = (name, cost, fn, group = 'common') => CASES.push([name, cost, fn, group]);

// RSA: every key format, then signatures with every digest (PKCS#1 v1.5 is deterministic: Node's bytes)
const RSA_FORMATS = {
  pkcs1_pem: (r) => r.pkcs1, pkcs8_pem: (r) => r.pkcs8, pem_buffer: (r) => Buffer.from(r.pkcs1),
  pem_object: (r) => ({ key: r.pkcs8, format: 'pem', passphrase: 'ignored: the key is not encrypted' }),
  pkcs1_der: (r) => ({ key: Buffer.from(r.pkcs1Der, 'base64'), format: 'der', type: 'pkcs1' }),
  pkcs8_der: (r) => ({ key: Buffer.from(r.pkcs8Der, 'base64'), format: 'der', type: 'pkcs8' }),
  der_string: (r) => ({ key: r.pkcs8Der, format: 'der', type: 'pkcs8', encoding: 'base64' }),
  jwk: (r) => ({ key: r.jwk, format: 'jwk' }),
};
for (const [format, input] of Object.entries(RSA_FORMATS)) {
  add(`rsa_key_${format}`, 0, (f) => {
    const k = crypto.createPrivateKey(input(f.rsa));
    return [...describe(k), k.equals(crypto.createPrivateKey(f.rsa.pkcs1)), k.equals(crypto.createPrivateKey(f.other.pkcs8)),
      k.equals(crypto.createPublicKey(f.rsa.spki))];
  });
  // the key as given (not a KeyObject), as jsonwebtoken and the CloudFront signers pass it
  add(`rsa_sign_${format}`, COST.rsa, (f) => b64(crypto.sign('sha256', Buffer.from(f.message), input(f.rsa))));
}
const RSA_DIGESTS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'sha512-224', 'sha512-256', 'RSA-SHA1', 'RSA-SHA256',
  'sha256WithRSAEncryption', 'SHA512'];
for (const digest of RSA_DIGESTS) {
  add(`rsa_digest_${digest}`, COST.rsa, (f) => crypto.createSign(digest).update(f.message).sign(f.rsa.pkcs8, 'base64'));
}
add('rsa_ways', 4 * COST.rsa, (f) => {
  const k = crypto.createPrivateKey(f.rsa.pkcs1);
  const msg = Buffer.from(f.message);
  const s = crypto.createSign('RSA-SHA256');
  s.update(f.message.slice(0, 9));
  s.update(msg.subarray(9));
  return [s.sign(k, 'hex'),
    b64(crypto.sign(null, new Uint8Array(msg), k)), // no digest: SHA-256
    b64(crypto.sign('sha256', f.message, { key: k, padding: crypto.constants.RSA_PKCS1_PADDING, dsaEncoding: 'ieee-p1363' })),
    b64(crypto.createSign('sha1').sign(k))]; // no data
});
add('rsa_ways_2', 3 * COST.rsa, (f) => {
  const msg = Buffer.from(f.message);
  return [crypto.createSign('sha384').update(Buffer.from(f.message).toString('hex'), 'hex').sign({ key: f.rsa.pkcs8 }, 'base64url'),
    b64(crypto.sign('sha512', msg.buffer.slice(msg.byteOffset, msg.byteOffset + msg.length), f.rsa.pkcs1)), // an ArrayBuffer
    crypto.sign('sha256', msg, f.rsa.pkcs1, () => {}), // the callback form returns nothing
    b64(crypto.sign('sha256', msg, f.small.pkcs8))]; // a 512-bit key
});
// what is signed verifies (here and in Node), and Node's signature verifies with the private key
add('rsa_verify', COST.rsa + 1, (f) => {
  const msg = Buffer.from(f.message);
  const k = crypto.createPrivateKey(f.rsa.pkcs8);
  const sig = crypto.sign('sha256', msg, k);
  return [crypto.verify('sha256', msg, f.rsa.spki, sig), crypto.verify('sha256', msg, k, Buffer.from(f.rsa.sig, 'base64')),
    crypto.createVerify('sha256').update(msg).verify(f.rsa.pkcs1, f.rsa.sig, 'base64'), sig.equals(Buffer.from(f.rsa.sig, 'base64'))];
});

// EC: keys in every format (exports byte for byte), ECDSA signatures that Node must verify, Node's
// that the edge must verify
const EC_FORMATS = {
  pkcs8_pem: (c) => c.pkcs8, sec1_pem: (c) => c.sec1,
  sec1_pem_with_params: (c) => c.paramsAndSec1, // `openssl ecparam -genkey` writes EC PARAMETERS first
  pkcs8_der: (c) => ({ key: Buffer.from(c.pkcs8Der, 'base64'), format: 'der', type: 'pkcs8' }),
  sec1_der: (c) => ({ key: Buffer.from(c.sec1Der, 'base64'), format: 'der', type: 'sec1' }),
  jwk: (c) => ({ key: c.jwk, format: 'jwk' }),
};
for (const curve of Object.keys(HASH)) {
  for (const [format, input] of Object.entries(EC_FORMATS)) {
    add(`ec_key_${curve}_${format}`, 0, (f) => {
      const k = crypto.createPrivateKey(input(f.ec[curve]));
      return [...describe(k), k.equals(crypto.createPrivateKey(f.ec[curve].pkcs8)), k.equals(crypto.createPrivateKey(f.ec.p256other))];
    });
  }
  // signed here: DER and P1363 with the curve's digest, SHA-1, the default (SHA-256), from a JWK
  add(`ecdsa_${curve}`, 6 * COST[curve], (f) => {
    const c = f.ec[curve];
    const msg = Buffer.from(f.message);
    const k = crypto.createPrivateKey(c.pkcs8);
    return {
      der: b64(crypto.sign(HASH[curve], msg, k)), p1363: b64(crypto.sign(HASH[curve], msg, { key: k, dsaEncoding: 'ieee-p1363' })),
      sha1: crypto.createSign('sha1').update(f.message).sign(c.sec1, 'base64'), default: b64(crypto.sign(null, msg, k)),
      jwk: crypto.createSign(`RSA-${HASH[curve].toUpperCase()}`).update(msg).sign({ key: c.jwk, format: 'jwk', dsaEncoding: 'ieee-p1363' }, 'base64'),
      again: b64(crypto.sign(HASH[curve], msg, c.pkcs8)), // deterministic nonces (RFC 6979): the same as `der`
    };
  }, 'made');
  add(`ecdsa_verify_${curve}`, 3 * COST[curve], (f) => {
    const c = f.ec[curve];
    const msg = Buffer.from(f.message);
    const sig = crypto.sign(HASH[curve], msg, c.pkcs8);
    return [crypto.verify(HASH[curve], msg, c.pkcs8, Buffer.from(c.sig, 'base64')), crypto.verify(HASH[curve], msg, c.spki, sig),
      crypto.verify(HASH[curve], Buffer.from(f.message + '.'), c.spki, sig)];
  });
}

// Ed25519: signatures are deterministic (RFC 8032): Node's bytes
const ED_FORMATS = {
  pkcs8_pem: (e) => e.pkcs8, pkcs8_der: (e) => ({ key: Buffer.from(e.pkcs8Der, 'base64'), format: 'der', type: 'pkcs8' }),
  jwk: (e) => ({ key: e.jwk, format: 'jwk' }),
};
for (const [format, input] of Object.entries(ED_FORMATS)) {
  add(`ed_key_${format}`, 3 * COST.ed, (f) => {
    const k = crypto.createPrivateKey(input(f.ed));
    return [...describe(k), k.equals(crypto.createPrivateKey(f.ed.pkcs8)), b64(crypto.sign(null, Buffer.from(f.message), k))];
  });
}
add('ed_ways', 8 * COST.ed, (f) => {
  const msg = Buffer.from(f.message);
  const k = crypto.createPrivateKey(f.ed.pkcs8);
  const sig = crypto.sign(undefined, msg, k);
  return [b64(sig), b64(crypto.sign(null, Buffer.alloc(0), k)), b64(crypto.sign(null, f.message, { key: k, dsaEncoding: 'ieee-p1363' })),
    b64(crypto.sign(null, Buffer.alloc(1000, 7), { key: f.ed.jwk, format: 'jwk' })),
    crypto.verify(null, msg, f.ed.spki, sig), crypto.verify(null, msg, k, Buffer.from(f.ed.sig, 'base64'))];
});

// Errors, as Node words them
add('errors', 2 * COST.ed, (f) => {
  const msg = Buffer.from(f.message);
  const rsa = crypto.createPrivateKey(f.rsa.pkcs8);
  const small = crypto.createPrivateKey(f.small.pkcs8); // what is signed here: a 512-bit key, for speed
  const ed = crypto.createPrivateKey(f.ed.pkcs8);
  const signer = () => crypto.createSign('sha256').update(msg);
  return {
    create_sign_unknown: attempt(() => crypto.createSign('nope')),
    create_sign_number: attempt(() => crypto.createSign(5)),
    create_verify_unknown: attempt(() => crypto.createVerify('sha-nope')),
    sign_unknown: attempt(() => crypto.sign('nope', msg, rsa)),
    sign_algorithm_number: attempt(() => crypto.sign(5, msg, rsa)),
    sign_data_number: attempt(() => crypto.sign('sha256', 5, rsa)),
    sign_callback_number: attempt(() => crypto.sign('sha256', msg, rsa, 5)),
    public_key_object: attempt(() => signer().sign(crypto.createPublicKey(f.rsa.spki))),
    public_key_object_one_shot: attempt(() => crypto.sign('sha256', msg, { key: crypto.createPublicKey(f.rsa.spki) })),
    public_pem: attempt(() => signer().sign(f.rsa.spki)),
    public_pem_one_shot: attempt(() => crypto.sign('sha256', msg, f.ec.p256.spki)),
    public_jwk: attempt(() => crypto.sign('sha256', msg, { key: JSON.parse(JSON.stringify(f.rsa.publicJwk)), format: 'jwk' })),
    secret_key: attempt(() => crypto.sign('sha256', msg, crypto.createSecretKey(Buffer.from('k')))),
    no_key: attempt(() => signer().sign()),
    no_key_one_shot: attempt(() => crypto.sign('sha256', msg, null)),
    key_number: attempt(() => crypto.sign('sha256', msg, 5)),
    key_key_number: attempt(() => signer().sign({ key: 5 })),
    signed_twice: attempt(() => {
      const s = signer();
      s.sign(small);
      return s.sign(small);
    }),
    update_after_sign: attempt(() => {
      const s = signer();
      s.sign(small);
      return s.update('more');
    }),
    padding_3: attempt(() => crypto.sign('sha256', msg, { key: rsa, padding: 3 })),
    padding_string: attempt(() => crypto.sign('sha256', msg, { key: rsa, padding: 'x' })),
    salt_length_string: attempt(() => crypto.sign('sha256', msg, { key: rsa, saltLength: 'x' })),
    dsa_encoding: attempt(() => crypto.sign('sha256', msg, { key: f.ec.p256.pkcs8, dsaEncoding: 'x' })),
    digest_too_big: attempt(() => crypto.sign('sha512', msg, f.small.pkcs8)),
    output_encoding: attempt(() => signer().sign(f.small.pkcs8, 'nope')),
    ed_create_sign: attempt(() => signer().sign(ed)),
    ed_digest: attempt(() => crypto.sign('sha256', msg, ed)),
    create_private_public_pem: attempt(() => crypto.createPrivateKey(f.rsa.spki)),
    create_private_garbage: attempt(() => crypto.createPrivateKey('not a key')),
    create_private_key_object: attempt(() => crypto.createPrivateKey(rsa)),
    create_private_key_object_in_object: attempt(() => crypto.createPrivateKey({ key: rsa })),
    create_private_number: attempt(() => crypto.createPrivateKey(5)),
    create_private_jwk_without_format: attempt(() => crypto.createPrivateKey({ key: f.rsa.jwk })),
    create_private_jwk_not_object: attempt(() => crypto.createPrivateKey({ key: 'x', format: 'jwk' })),
    create_private_jwk_kty: attempt(() => crypto.createPrivateKey({ key: { kty: 'oct', k: 'AAAA' }, format: 'jwk' })),
    create_private_public_jwk: attempt(() => crypto.createPrivateKey({ key: f.rsa.publicJwk, format: 'jwk' })),
    create_private_jwk_no_qi: attempt(() => crypto.createPrivateKey({ key: { ...f.rsa.jwk, qi: undefined }, format: 'jwk' })),
    create_private_ec_jwk_no_d: attempt(() => crypto.createPrivateKey({ key: { ...f.ec.p256.jwk, d: undefined }, format: 'jwk' })),
    create_private_ec_jwk_off_curve: attempt(() => crypto.createPrivateKey({ key: { ...f.ec.p256.jwk, y: f.ec.p256.jwk.x }, format: 'jwk' })),
    create_private_ed_jwk_short: attempt(() => crypto.createPrivateKey({ key: { ...f.ed.jwk, d: f.ed.jwk.d.slice(4) }, format: 'jwk' })),
    create_private_ed_jwk_no_x: attempt(() => crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: f.ed.jwk.d }, format: 'jwk' })),
    create_private_der_no_type: attempt(() => crypto.createPrivateKey({ key: Buffer.from(f.rsa.pkcs8Der, 'base64'), format: 'der' })),
    create_private_der_spki: attempt(() => crypto.createPrivateKey({ key: Buffer.from(f.rsa.pkcs8Der, 'base64'), format: 'der', type: 'spki' })),
    create_private_format: attempt(() => crypto.createPrivateKey({ key: f.rsa.pkcs8, format: 'foo' })),
    create_public_public_key_object: attempt(() => crypto.createPublicKey(crypto.createPublicKey(f.rsa.spki))),
    export_pkcs1_ec: attempt(() => crypto.createPrivateKey(f.ec.p256.pkcs8).export({ type: 'pkcs1', format: 'pem' })),
    export_sec1_ed: attempt(() => ed.export({ type: 'sec1', format: 'der' })),
    export_format: attempt(() => rsa.export({ type: 'pkcs8', format: 'foo' })),
  };
}, 'errors');

// What the edge refuses and Node does not: each must say what is supported.
add('unsupported', 0, (f) => ({
  encrypted_pkcs8: attempt(() => crypto.createPrivateKey({ key: f.encrypted.pkcs8, passphrase: 'secret' })),
  encrypted_pkcs1: attempt(() => crypto.sign('sha256', Buffer.from('x'), { key: f.encrypted.pkcs1, passphrase: 'secret' })),
  encrypted_der: attempt(() => crypto.createPrivateKey({ key: Buffer.from(f.encrypted.pkcs8Der, 'base64'), format: 'der', type: 'pkcs8', passphrase: 'secret' })),
  export_cipher: attempt(() => crypto.createPrivateKey(f.rsa.pkcs8).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })),
  rsa_pss_key: attempt(() => crypto.createPrivateKey(f.rsaPss)),
  ed448: attempt(() => crypto.createPrivateKey(f.ed448)),
  x448: attempt(() => crypto.createPrivateKey(f.x448)),
  generate: attempt(() => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })),
  dh: attempt(() => crypto.createDiffieHellman(512)),
}), 'edge');

// The cases in requests of at most BUDGET units (fuel)
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
  const results = { common: {}, errors: {}, made: {}, edge: {} };
  for (const [name, , fn, group] of CASES) {
    if (names.includes(name)) results[group][name] = fn(f);
  }
  return results;
};
