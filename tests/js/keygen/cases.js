'use strict';
// Key pair generation (tests/test_js_keygen.py): crypto.generateKeyPairSync, generateKeyPair (and
// util.promisify of it) and crypto.subtle.generateKey for EC (P-256, P-384, P-521, secp256k1),
// Ed25519 and X25519, the same cases in the edge function and in Node. `run(f, part)` takes the
// keys Node made at test time; `common` results (the keys' shapes, that they sign, verify and agree
// with themselves and with Node's keys, errors) must equal Node's; `made` are the edge's public keys,
// signatures and secrets, which Node checks.
const crypto = require('crypto');
const util = require('util');
const { subtle } = globalThis.crypto;

const hex = (x) => Buffer.from(x instanceof ArrayBuffer ? new Uint8Array(x) : x).toString('hex');
function shown(value) {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return `bytes:${hex(value)}`;
  if (value !== null && typeof value === 'object' && util.types.isCryptoKey(value)) {
    return { type: value.type, extractable: value.extractable, algorithm: { ...value.algorithm }, usages: value.usages };
  }
  if (value instanceof crypto.KeyObject) return { keyObject: value.type, kind: value.asymmetricKeyType, curve: (value.asymmetricKeyDetails || {}).namedCurve };
  if (Array.isArray(value)) return value.map(shown);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shown(v)]));
  return value;
}
async function attempt(fn) {
  try {
    return shown(await fn());
  } catch (e) {
    return { error: e.name, code: e.code, message: e.message };
  }
}
// a PEM's first line and how many base64 characters it has; DER: its length
const pemShape = (pem) => [pem.split('\n')[0], pem.replace(/-----[^-]+-----|\s/g, '').length];

const CURVES = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512', secp256k1: 'sha256' };
const EC_TYPES = Object.keys(CURVES).map((c) => ['ec', c]);
const TYPES = [...EC_TYPES, ['ed25519'], ['x25519']];
const label = ([type, curve]) => curve || type;
const gen = ([type, curve], extra = {}) => crypto.generateKeyPairSync(type, curve ? { namedCurve: curve, ...extra } : extra);
const digestOf = ([type, curve]) => (type === 'ec' ? CURVES[curve] : null);

const CASES = [];
const add = (name, fn, group = 'common') => CASES.push([name, fn, group]);

for (const t of TYPES) {
  const name = label(t);
  const agreement = t[0] === 'x25519';
  // KeyObjects: their shape; they sign and verify (or agree) with themselves, and with Node's keys
  add(`objects_${name}`, (f) => {
    const { publicKey, privateKey } = gen(t);
    const msg = Buffer.from(f.message);
    const out = { publicKey: shown(publicKey), privateKey: shown(privateKey), matches: publicKey.equals(crypto.createPublicKey(privateKey)) };
    const other = f.node[name];
    if (agreement || t[0] === 'ec') {
      const nodePublic = crypto.createPublicKey(other.spki);
      const ours = crypto.diffieHellman({ privateKey, publicKey: nodePublic });
      out.agree = ours.length;
      if (agreement) out.self = crypto.diffieHellman({ privateKey, publicKey }).length;
    }
    if (!agreement) {
      const sig = crypto.sign(digestOf(t), msg, privateKey);
      out.verifies = [crypto.verify(digestOf(t), msg, publicKey, sig), crypto.verify(digestOf(t), Buffer.from('other'), publicKey, sig),
        crypto.verify(digestOf(t), msg, crypto.createPublicKey(other.spki), sig),
        crypto.verify(digestOf(t), msg, publicKey, Buffer.from(other.sig, 'base64'))];
    }
    const again = gen(t);
    out.differ = !again.publicKey.equals(publicKey) && hex(again.privateKey.export({ format: 'der', type: 'pkcs8' })) !==
      hex(privateKey.export({ format: 'der', type: 'pkcs8' }));
    return out;
  });
  // encodings: PEM and DER strings and Buffers, JWK objects; they read back as the same key
  add(`encodings_${name}`, () => {
    const out = {};
    const encodings = [['spki', 'pkcs8', 'pem'], ['spki', 'pkcs8', 'der'], ...(t[0] === 'ec' ? [['spki', 'sec1', 'pem'], ['spki', 'sec1', 'der']] : [])];
    for (const [pub, priv, format] of encodings) {
      const { publicKey, privateKey } = gen(t, { publicKeyEncoding: { type: pub, format }, privateKeyEncoding: { type: priv, format } });
      const read = format === 'pem' ? [crypto.createPublicKey(publicKey), crypto.createPrivateKey(privateKey)]
        : [crypto.createPublicKey({ key: publicKey, format, type: pub }), crypto.createPrivateKey({ key: privateKey, format, type: priv })];
      out[`${priv}_${format}`] = {
        types: [typeof publicKey, Buffer.isBuffer(publicKey), typeof privateKey, Buffer.isBuffer(privateKey)],
        shapes: format === 'pem' ? [pemShape(publicKey), pemShape(privateKey)] : [publicKey.length, privateKey.length],
        same: read[0].equals(crypto.createPublicKey(read[1])),
      };
    }
    const jwk = gen(t, { publicKeyEncoding: { format: 'jwk' }, privateKeyEncoding: { format: 'jwk' } });
    out.jwk = { public: Object.keys(jwk.publicKey), private: Object.keys(jwk.privateKey), same: jwk.publicKey.x === jwk.privateKey.x,
      read: crypto.createPublicKey({ key: jwk.publicKey, format: 'jwk' }).equals(crypto.createPublicKey(crypto.createPrivateKey({ key: jwk.privateKey, format: 'jwk' }))) };
    const half = gen(t, { publicKeyEncoding: { type: 'spki', format: 'pem' } }); // one encoded, one a KeyObject
    out.half = [typeof half.publicKey, shown(half.privateKey)];
    return out;
  });
  // the edge's public key, a signature or a secret with Node's public key: Node checks them
  add(`made_${name}`, (f) => {
    const { publicKey, privateKey } = gen(t, { publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const out = { spki: publicKey };
    if (agreement || t[0] === 'ec') out.secret = hex(crypto.diffieHellman({ privateKey, publicKey: crypto.createPublicKey(f.node[name].spki) }));
    if (!agreement) out.sig = crypto.sign(digestOf(t), Buffer.from(f.message), privateKey).toString('base64');
    return out;
  }, 'made');
}

// the callback form, util.promisify of it
add('callback', () => new Promise((resolve) => {
  const out = {};
  crypto.generateKeyPair('ec', { namedCurve: 'P-256' }, (err, publicKey, privateKey, ...rest) => {
    Object.assign(out, { err, publicKey: shown(publicKey), privateKey: shown(privateKey), rest: rest.length });
    crypto.generateKeyPair('x25519', (err2, pub2) => {
      out.noOptions = [err2, pub2.asymmetricKeyType];
      crypto.generateKeyPair('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'der' } }, (err3, pub3, priv3) => {
        out.encoded = [err3, pub3.type, Buffer.isBuffer(priv3), priv3.length];
        util.promisify(crypto.generateKeyPair)('ec', { namedCurve: 'secp384r1', publicKeyEncoding: { type: 'spki', format: 'pem' } })
          .then((pair) => {
            out.promisified = [Object.keys(pair), typeof pair.publicKey, shown(pair.privateKey)];
            return util.promisify(crypto.generateKeyPair)('ec', { namedCurve: 'P-2' }).catch((e) => [e.code, e.message]);
          })
          .then((e) => {
            out.promisifiedError = e;
            resolve(out);
          });
      });
    });
  });
  out.sync = 'before the callback';
}));
add('callback_errors', async () => ({
  curve: await attempt(() => crypto.generateKeyPair('ec', { namedCurve: 'nope' }, () => {})),
  noCallback: await attempt(() => crypto.generateKeyPair('ec', { namedCurve: 'P-256' })),
  badCallback: await attempt(() => crypto.generateKeyPair('ed25519', {}, 'no')),
}));

// crypto.subtle.generateKey
const SUBTLE = [
  [{ name: 'ECDSA', namedCurve: 'P-256' }, ['sign', 'verify']], [{ name: 'ECDSA', namedCurve: 'P-384' }, ['verify', 'sign']],
  [{ name: 'ECDSA', namedCurve: 'P-521' }, ['sign']], [{ name: 'ECDH', namedCurve: 'P-256' }, ['deriveBits', 'deriveKey']],
  [{ name: 'ECDH', namedCurve: 'P-384' }, ['deriveKey']], [{ name: 'ECDH', namedCurve: 'P-521' }, ['deriveBits']],
  ['Ed25519', ['sign', 'verify', 'sign']], [{ name: 'X25519' }, ['deriveBits', 'deriveKey']],
];
for (const [algorithm, usages] of SUBTLE) {
  const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
  add(`subtle_${name}_${algorithm.namedCurve || ''}`, async () => {
    const pair = await subtle.generateKey(algorithm, false, usages);
    const out = { proto: Object.getPrototypeOf(pair) === null, keys: Object.keys(pair), publicKey: shown(pair.publicKey),
      privateKey: shown(pair.privateKey) };
    out.exportPrivate = await attempt(() => subtle.exportKey('pkcs8', pair.privateKey));
    const spki = await subtle.exportKey('spki', pair.publicKey);
    out.spki = crypto.createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).asymmetricKeyType;
    const data = Buffer.from('to sign');
    if (name === 'ECDSA' || name === 'Ed25519') {
      const params = name === 'ECDSA' ? { name, hash: 'SHA-256' } : name;
      const sig = await subtle.sign(params, pair.privateKey, data);
      const verifier = name === 'ECDSA' ? await subtle.importKey('spki', spki, algorithm, true, ['verify']) : pair.publicKey;
      out.verifies = [await subtle.verify(params, verifier, sig, data), await subtle.verify(params, verifier, sig, Buffer.from('other'))];
    } else {
      const other = await subtle.generateKey(algorithm, true, ['deriveBits']);
      const bits = algorithm.namedCurve === 'P-521' ? 528 : algorithm.namedCurve === 'P-384' ? 384 : 256;
      if (usages.includes('deriveBits')) {
        const ab = await subtle.deriveBits({ name, public: other.publicKey }, pair.privateKey, bits);
        const ba = await subtle.deriveBits({ name, public: pair.publicKey }, other.privateKey, bits);
        out.agree = [hex(ab) === hex(ba), ab.byteLength];
      }
    }
    const extractable = await subtle.generateKey(algorithm, true, usages);
    const jwk = await subtle.exportKey('jwk', extractable.privateKey);
    out.jwk = [Object.keys(jwk).sort(), jwk.key_ops, jwk.ext];
    return out;
  });
}

const e = (fn) => () => attempt(fn);
const ERRORS = {
  unknown_curve: e(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-255' })),
  unknown_curve_secp256r1: e(() => crypto.generateKeyPairSync('ec', { namedCurve: 'secp256r1' })),
  no_curve: e(() => crypto.generateKeyPairSync('ec', {})),
  curve_type: e(() => crypto.generateKeyPairSync('ec', { namedCurve: 256 })),
  no_options: e(() => crypto.generateKeyPairSync('ec')),
  options_type: e(() => crypto.generateKeyPairSync('ed25519', 'options')),
  unknown_type: e(() => crypto.generateKeyPairSync('ecdsa', {})),
  type_type: e(() => crypto.generateKeyPairSync(1)),
  param_encoding: e(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', paramEncoding: 'implicit' })),
  encoding_not_object: e(() => crypto.generateKeyPairSync('ed25519', { publicKeyEncoding: 'pem' })),
  encoding_format: e(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { format: 'PEM', type: 'sec1' } })),
  encoding_no_type: e(() => crypto.generateKeyPairSync('ed25519', { publicKeyEncoding: { format: 'pem' } })),
  encoding_der_no_type: e(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { format: 'der' } })),
  encoding_public_pkcs8: e(() => crypto.generateKeyPairSync('x25519', { publicKeyEncoding: { format: 'pem', type: 'pkcs8' } })),
  encoding_private_spki: e(() => crypto.generateKeyPairSync('x25519', { privateKeyEncoding: { format: 'pem', type: 'spki' } })),
  encoding_pkcs1: e(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { format: 'der', type: 'pkcs1' } })),
  encoding_sec1_ed25519: e(() => crypto.generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'pem', type: 'sec1' } })),
  encoding_unknown_type: e(() => crypto.generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'pem', type: 'pkcs12' } })),
  cipher_type: e(() => crypto.generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'pem', type: 'pkcs8', cipher: 1 } })),
  cipher_no_passphrase: e(() => crypto.generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc' } })),
  passphrase_no_cipher: e(() => crypto.generateKeyPairSync('ed25519', { privateKeyEncoding: { format: 'pem', type: 'pkcs8', passphrase: 'pw' } })),
  cipher_der_sec1: e(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { format: 'der', type: 'sec1', cipher: 'aes-256-cbc', passphrase: 'pw' } })),
  subtle_no_curve: e(() => subtle.generateKey({ name: 'ECDSA' }, true, ['sign'])),
  subtle_curve: e(() => subtle.generateKey({ name: 'ECDH', namedCurve: 'P-192' }, true, ['deriveBits'])),
  subtle_k256: e(() => subtle.generateKey({ name: 'ECDSA', namedCurve: 'secp256k1' }, true, ['sign'])),
  subtle_ecdsa_usage: e(() => subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'encrypt'])),
  subtle_ecdh_usage: e(() => subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['sign'])),
  subtle_ed25519_usage: e(() => subtle.generateKey('Ed25519', true, ['deriveBits'])),
  subtle_x25519_usage: e(() => subtle.generateKey('X25519', true, ['verify'])),
  subtle_public_only: e(() => subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify'])),
  subtle_empty: e(() => subtle.generateKey('X25519', true, [])),
  subtle_bad_usage: e(() => subtle.generateKey('Ed25519', true, ['fly'])),
};
add('errors', async () => {
  const out = {};
  for (const [name, fn] of Object.entries(ERRORS)) out[name] = await fn();
  return out;
});

// what the edge refuses (Node does these)
add('unsupported', async () => ({
  rsa: await attempt(() => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })),
  rsa_callback: await attempt(() => crypto.generateKeyPair('rsa', { modulusLength: 2048 }, () => {})),
  ed448: await attempt(() => crypto.generateKeyPairSync('ed448')),
  brainpool: await attempt(() => crypto.generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' })),
  explicit: await attempt(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256', paramEncoding: 'explicit' })),
  cipher: await attempt(() => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256',
    privateKeyEncoding: { format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' } })),
  subtle_rsa: await attempt(() => subtle.generateKey({ name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256' }, true, ['sign'])),
}), 'edge');

// one request per case (a P-521 case takes about a billion instructions of the 2e9 fuel)
const names = CASES.map((c) => c[0]);
exports.parts = names.map((n) => [n]);
exports.run = async (f, part) => {
  const wanted = part === undefined ? names : exports.parts[part];
  const results = { common: {}, made: {}, edge: {} };
  for (const [name, fn, group] of CASES) {
    if (wanted.includes(name)) results[group][name] = shown(await fn(f));
  }
  return results;
};
