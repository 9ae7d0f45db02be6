'use strict';
// RSA signature verification (tests/test_js_rsa.py): the same cases in the edge function and in
// Node; `run(f)` takes the fixtures Node made (keys, signatures) and returns every result.
const crypto = require('crypto');

function attempt(fn) {
  try { return fn(); } catch (e) { return { name: e.name, code: e.code, message: e.message }; }
}

function tamper(b64) {
  const b = Buffer.from(b64, 'base64');
  b[b.length - 1] ^= 1;
  return b;
}

// The key formats, then 'other': one request each in the edge (one batch is over the fuel limit).
exports.parts = ['spki', 'pkcs1', 'jwk', 'spki_buffer', 'spki_der', 'pkcs1_object', 'other'];

exports.run = (f, part) => {
  if (part === undefined) {
    const all = { common: {}, errors: {} };
    for (const p of exports.parts) {
      const r = exports.run(f, p);
      Object.assign(all.common, r.common);
      Object.assign(all.errors, r.errors);
    }
    return all;
  }
  const msg = Buffer.from(f.message);
  const common = {};
  const keys = {
    spki: f.spki, pkcs1: f.pkcs1, jwk: { key: f.jwk, format: 'jwk' }, spki_buffer: Buffer.from(f.spki),
    spki_der: { key: Buffer.from(f.spkiDer, 'base64'), format: 'der', type: 'spki' },
    pkcs1_object: { key: f.pkcs1, format: 'pem' },
  };
  if (part !== 'other') {
    const name = part;
    const key = keys[name];
    const k = crypto.createPublicKey(key);
    const d = k.asymmetricKeyDetails;
    common[`key_${name}`] = [k.type, k.asymmetricKeyType, k instanceof crypto.KeyObject, d.modulusLength, String(d.publicExponent),
      k.export({ format: 'jwk' }), k.export({ format: 'pem', type: 'spki' }), k.export({ format: 'pem', type: 'pkcs1' }),
      k.export({ format: 'der', type: 'spki' }).toString('base64'), k.equals(crypto.createPublicKey(f.spki)),
      k.equals(crypto.createPublicKey(f.otherSpki)), k.symmetricKeySize];
    for (const bits of [256, 384, 512]) {
      const sig = f.sigs[bits];
      const raw = Buffer.from(sig, 'base64');
      common[`verify_${name}_${bits}`] = [
        crypto.createVerify(`RSA-SHA${bits}`).update(f.message).verify(k, sig, 'base64'),
        crypto.createVerify(`sha${bits}`).update(f.message.slice(0, 5)).update(f.message.slice(5)).verify(key, raw),
        crypto.createVerify(`SHA${bits}`).update(msg).verify(k, raw.toString('hex'), 'hex'),
        crypto.createVerify(`sha${bits}WithRSAEncryption`).update(f.message).verify({ key: k }, new Uint8Array(raw)),
        crypto.verify(`sha${bits}`, msg, k, raw),
        crypto.verify(`RSA-SHA${bits}`, msg, key, raw),
        crypto.createVerify(`RSA-SHA${bits}`).update(f.message + '.').verify(k, sig, 'base64'), // tampered data
        crypto.verify(`sha${bits}`, msg, k, tamper(sig)), // tampered signature
        crypto.verify(`sha${bits}`, msg, f.otherSpki, raw), // wrong key
        crypto.verify(bits === 256 ? 'sha384' : 'sha256', msg, k, raw), // wrong digest
        crypto.verify(`sha${bits}`, msg, k, raw.subarray(1)), // short
        crypto.verify(`sha${bits}`, msg, k, Buffer.concat([Buffer.alloc(1), raw])), // long
        crypto.verify(`sha${bits}`, msg, k, Buffer.alloc(raw.length, 0xff)), // >= n
        crypto.verify(`sha${bits}`, msg, k, Buffer.alloc(0)),
      ];
    }
    return { common, errors: {} };
  }
  common.sha1_and_default = [crypto.verify('sha1', msg, f.spki, Buffer.from(f.sha1, 'base64')),
    crypto.verify(null, msg, f.spki, Buffer.from(f.sigs[256], 'base64')),
    crypto.verify(undefined, msg, f.spki, Buffer.from(f.sigs[384], 'base64'))];
  // jwa's RS256: base64url signature turned into base64, KeyObject from a JWK
  const jws = f.sigs[256].replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  common.jwa_style = crypto.createVerify('RSA-SHA256').update(f.message)
    .verify(crypto.createPublicKey({ key: f.jwk, format: 'jwk' }), Buffer.from(jws, 'base64url').toString('base64'), 'base64');
  common.used_twice = attempt(() => {
    const v = crypto.createVerify('sha256').update(msg);
    return [v.verify(f.spki, f.sigs[256], 'base64'), v.verify(f.spki, f.sigs[256], 'base64')];
  });
  common.secret_key = attempt(() => crypto.verify('sha256', msg, crypto.createSecretKey(Buffer.from('x')), Buffer.from(f.sigs[256], 'base64')));
  common.bad_digest = attempt(() => crypto.createVerify('nope')).name;
  common.garbage = attempt(() => crypto.createPublicKey('not a key')).code;
  // a private key verifies too, and gives its public half (tests/test_js_sign.py signs)
  common.private_as_public = [crypto.verify('sha256', msg, f.privatePkcs8, Buffer.from(f.sigs[256], 'base64')),
    crypto.createVerify('sha1').update(msg).verify(f.privatePkcs1, f.sha1, 'base64'),
    crypto.createPublicKey(f.privatePkcs1).export({ type: 'spki', format: 'pem' }) === f.spki,
    attempt(() => crypto.verify('sha256', msg, { key: f.spki, padding: 3 }, Buffer.alloc(256))).code];
  // what the edge refuses (Node has these): each must say what is supported
  const errors = {
    ed448_pem: attempt(() => crypto.createPublicKey(f.ed448Spki)),
    x448_jwk: attempt(() => crypto.createPublicKey({ key: f.x448Jwk, format: 'jwk' })),
    ed448_verify: attempt(() => crypto.verify(null, msg, f.ed448Spki, Buffer.alloc(114))),
    generate: attempt(() => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })),
  };
  return { common, errors };
};
