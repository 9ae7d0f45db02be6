'use strict';
// RSA-PSS, RSA-OAEP, ECDH, X25519 and AES-KW, in crypto.subtle and require('crypto')
// (tests/test_js_crypto_more.py): the same cases in the edge function and in Node. `run(f, part)`
// takes the fixtures Node made at test time (keys in every format, what Node signed, encrypted and
// wrapped with them) and resolves to every result of one part: `common` ones must equal Node's;
// `made` are what the edge signed, encrypted and wrapped (randomized: Node verifies and decrypts them).
const crypto = require('crypto');
const { subtle } = globalThis.crypto;

const b64 = (s) => Buffer.from(s, 'base64');
const hex = (x) => Buffer.from(x instanceof ArrayBuffer ? new Uint8Array(x) : x).toString('hex');
function shown(value) {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return `bytes:${hex(ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value)}`;
  }
  if (value !== null && typeof value === 'object' && require('util').types.isCryptoKey(value)) {
    return { type: value.type, extractable: value.extractable, algorithm: shown({ ...value.algorithm }), usages: value.usages };
  }
  if (value !== null && typeof value === 'object' && value instanceof crypto.KeyObject) return { keyObject: value.type, kind: value.asymmetricKeyType };
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
const flip = (buf, i = 0) => {
  const b = new Uint8Array(buf instanceof ArrayBuffer ? buf.slice(0) : Buffer.from(buf));
  b[i < 0 ? b.length + i : i] ^= 1;
  return b;
};
const HASHES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const nodeHash = (h) => h.replace('SHA-', 'sha');
const CURVES = ['P-256', 'P-384', 'P-521'];
const OPENSSL_CURVES = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const P = crypto.constants.RSA_PKCS1_PSS_PADDING;

// [name, async (f) => result, group]
const CASES = [];
const add = (name, fn, group = 'common') => CASES.push([name, fn, group]);

// ---- RSA-PSS ------------------------------------------------------------------------------------
for (const hash of HASHES) {
  add(`pss_verify_${hash}`, async (f) => {
    const msg = Buffer.from(f.message);
    const sig = b64(f.pss[hash]);
    const key = await subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-PSS', hash }, false, ['verify']);
    const jwkKey = await subtle.importKey('jwk', f.rsa.jwk, { name: 'RSA-PSS', hash }, false, ['verify']);
    const params = { name: 'RSA-PSS', saltLength: 32 };
    return [
      await subtle.verify(params, key, sig, msg), await subtle.verify(params, jwkKey, sig, msg),
      await subtle.verify(params, key, flip(sig, 5), msg), await subtle.verify(params, key, sig, flip(msg)),
      await subtle.verify({ name: 'RSA-PSS', saltLength: 20 }, key, sig, msg), await subtle.verify(params, key, sig.subarray(0, -1), msg),
      // Node's crypto: the same signature, salt length given, found, or the digest's
      crypto.verify(nodeHash(hash), msg, { key: f.rsa.pem, padding: P, saltLength: 32 }, sig),
      crypto.verify(nodeHash(hash), msg, { key: f.rsa.pem, padding: P }, sig),
      crypto.createVerify(nodeHash(hash)).update(msg).verify({ key: f.rsa.pem, padding: P, saltLength: 31 }, sig),
      crypto.verify(nodeHash(hash), msg, { key: f.rsa.pem, padding: P, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }, sig),
      crypto.verify(nodeHash(hash), msg, { key: f.rsa.pem }, sig), // PKCS#1 v1.5: not this signature
    ];
  });
}
add('pss_node_defaults', async (f) => {
  const msg = Buffer.from(f.message);
  const out = {};
  for (const [name, sig] of Object.entries(f.pssNode)) {
    const [hash, salt] = name.split('_');
    out[name] = [crypto.verify(hash, msg, { key: f.rsa.pem, padding: P }, b64(sig)),
      crypto.verify(hash, msg, { key: f.rsa.pem, padding: P, saltLength: Number(salt) }, b64(sig)),
      crypto.verify(hash, msg, { key: f.rsa.pem, padding: P, saltLength: -3 }, b64(sig))];
  }
  return out;
});
// A signature whose first byte is 0, without it: OpenSSL reads a PSS signature shorter than the
// modulus as the same number (PKCS#1 v1.5 it refuses); one byte longer, or none, does not verify
add('pss_short_signature', async (f) => {
  const msg = Buffer.from(f.pssShort.message);
  const sig = b64(f.pssShort.sig);
  const key = await subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']);
  const params = { name: 'RSA-PSS', saltLength: 0 };
  return [sig[0], await subtle.verify(params, key, sig, msg), await subtle.verify(params, key, sig.subarray(1), msg),
    await subtle.verify(params, key, Buffer.concat([Buffer.alloc(1), sig]), msg), await subtle.verify(params, key, sig.subarray(0, 0), msg),
    crypto.verify('sha256', msg, { key: f.rsa.pem, padding: P, saltLength: 0 }, sig.subarray(1)),
    crypto.verify('sha256', msg, { key: f.rsa.pem, padding: P }, sig.subarray(1)),
    crypto.createVerify('sha256').update(msg).verify({ key: f.rsa.pem, padding: P, saltLength: 0 }, sig.subarray(1))];
});
add('pss_sign', async (f) => {
  const msg = Buffer.from(f.message);
  const out = {};
  const key = await subtle.importKey('pkcs8', b64(f.rsa.pkcs8), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign']);
  const pub = await subtle.importKey('jwk', f.rsa.jwk, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']);
  const sig = await subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, key, msg);
  const zero = await subtle.sign({ name: 'RSA-PSS', saltLength: 0 }, key, msg);
  const again = await subtle.sign({ name: 'RSA-PSS', saltLength: 0 }, key, msg);
  out.subtle = [sig.byteLength, await subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pub, sig, msg),
    hex(zero) === hex(again), await subtle.verify({ name: 'RSA-PSS', saltLength: 0 }, pub, zero, msg)];
  const made = crypto.sign('sha512', msg, { key: f.rsa.privatePem, padding: P });
  const signer = crypto.createSign('sha384').update(msg);
  const madeDigest = signer.sign({ key: f.rsa.privatePem, padding: P, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST });
  out.crypto = [crypto.verify('sha512', msg, { key: f.rsa.pem, padding: P }, made),
    crypto.verify('sha512', msg, { key: f.rsa.pem, padding: P, saltLength: 2048 / 8 - 64 - 2 }, made),
    crypto.verify('sha384', msg, { key: f.rsa.pem, padding: P, saltLength: 48 }, madeDigest)];
  out.key = await subtle.exportKey('jwk', pub);
  return out;
});
add('pss_made', async (f) => {
  const msg = Buffer.from(f.message);
  const out = {};
  for (const hash of HASHES) {
    const key = await subtle.importKey('jwk', f.rsa.privateJwk, { name: 'RSA-PSS', hash }, false, ['sign']);
    out[hash] = hex(await subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, key, msg));
  }
  out.crypto = crypto.sign('sha256', msg, { key: f.rsa.privatePem, padding: P }).toString('hex');
  return out;
}, 'made');

// ---- RSA-OAEP -----------------------------------------------------------------------------------
for (const hash of HASHES) {
  add(`oaep_decrypt_${hash}`, async (f) => {
    const v = f.oaep[hash];
    const key = await subtle.importKey('pkcs8', b64(f.rsa.pkcs8), { name: 'RSA-OAEP', hash }, false, ['decrypt', 'unwrapKey']);
    const label = b64(v.label);
    const dec = (algorithm, data) => attempt(() => subtle.decrypt(algorithm, key, data));
    return [await dec({ name: 'RSA-OAEP', label }, b64(v.ct)), await dec({ name: 'RSA-OAEP' }, b64(v.ct)),
      await dec({ name: 'RSA-OAEP', label }, flip(b64(v.ct), 100)), await dec({ name: 'RSA-OAEP' }, b64(v.plain)),
      await dec({ name: 'RSA-OAEP', label: new Uint8Array(0) }, b64(v.noLabel))];
  });
}
add('oaep_crypto', async (f) => {
  const ct = b64(f.oaepCrypto.ct);
  const dec = (options, data) => attempt(() => crypto.privateDecrypt({ key: f.rsa.privatePem, ...options }, data));
  return {
    sha256: await dec({ oaepHash: 'sha256', oaepLabel: Buffer.from('a label') }, ct),
    default: await dec({}, b64(f.oaepCrypto.sha1)),
    pkcs8: await attempt(() => crypto.privateDecrypt({ key: b64(f.rsa.pkcs8), format: 'der', type: 'pkcs8' }, b64(f.oaepCrypto.sha1))),
    wrongLabel: await dec({ oaepHash: 'sha256', oaepLabel: Buffer.from('another') }, ct),
    wrongHash: await dec({ oaepHash: 'sha512', oaepLabel: Buffer.from('a label') }, ct),
    tampered: await dec({ oaepHash: 'sha256', oaepLabel: Buffer.from('a label') }, flip(ct, 7)),
  };
});
add('oaep_crypto_more', async (f) => {
  const ct = b64(f.oaepCrypto.ct);
  const dec = (options, data) => attempt(() => crypto.privateDecrypt({ key: f.rsa.privatePem, ...options }, data));
  return {
    tooLong: await dec({}, Buffer.concat([ct, Buffer.from([1])])),
    tooBig: await dec({}, Buffer.alloc(256, 0xff)),
    short: await dec({}, Buffer.alloc(10, 1)),
    none: await dec({ padding: crypto.constants.RSA_NO_PADDING }, b64(f.oaepCrypto.raw)),
    pkcs1: await dec({ padding: crypto.constants.RSA_PKCS1_PADDING }, ct),
    badHash: await dec({ oaepHash: 'sha3-999' }, ct),
    hashType: await dec({ oaepHash: 5 }, ct),
    public: await attempt(() => crypto.privateDecrypt(crypto.createPublicKey(f.rsa.pem), ct)),
    ec: await attempt(() => crypto.publicEncrypt(f.ec['P-256'].a.pem, Buffer.from('x'))),
    encryptTooLong: await attempt(() => crypto.publicEncrypt(f.rsa.pem, Buffer.alloc(256 - 2 * 20 - 1))),
    encryptMax: await attempt(() => crypto.publicEncrypt(f.rsa.pem, Buffer.alloc(256 - 2 * 20 - 2)).length),
    encryptPadding: await attempt(() => crypto.publicEncrypt({ key: f.rsa.pem, padding: 7 }, Buffer.from('x'))),
    roundTrip: crypto.privateDecrypt({ key: f.rsa.privatePem, oaepHash: 'sha384' },
      crypto.publicEncrypt({ key: f.rsa.pem, oaepHash: 'sha384' }, Buffer.from('round trip'))).toString(),
    privateEncrypt: crypto.publicDecrypt(f.rsa.pem, crypto.privateEncrypt(f.rsa.privatePem, Buffer.from('signed'))).toString(),
    nodePrivateEncrypt: await attempt(() => crypto.publicDecrypt(f.rsa.pem, b64(f.oaepCrypto.privateEncrypted))),
    publicDecryptBad: await attempt(() => crypto.publicDecrypt(f.rsa.pem, Buffer.alloc(256, 1))),
    pkcs1Encrypt: crypto.publicEncrypt({ key: f.rsa.pem, padding: 1 }, Buffer.from('x')).length,
  };
});
add('oaep_wrap', async (f) => {
  const unwrapping = await subtle.importKey('pkcs8', b64(f.rsa.pkcs8), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['unwrapKey']);
  const key = await subtle.unwrapKey('raw', b64(f.oaepWrap.raw), unwrapping, { name: 'RSA-OAEP' }, 'AES-GCM', true, ['encrypt']);
  const jwk = await subtle.unwrapKey('jwk', b64(f.oaepWrap.jwk), unwrapping, { name: 'RSA-OAEP' }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  const wrapping = await subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['wrapKey', 'encrypt']);
  const pub = await subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
  const wrappedHere = await subtle.wrapKey('raw', key, wrapping, { name: 'RSA-OAEP', label: Buffer.from('L') });
  return {
    raw: await subtle.exportKey('raw', key), jwk: await subtle.exportKey('jwk', jwk),
    again: await subtle.exportKey('raw', await subtle.unwrapKey('raw', wrappedHere, await subtle.importKey('pkcs8', b64(f.rsa.pkcs8),
      { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['unwrapKey']), { name: 'RSA-OAEP', label: Buffer.from('L') }, 'AES-GCM', true, ['encrypt'])),
    exported: [await subtle.exportKey('jwk', wrapping), (await subtle.exportKey('spki', wrapping)).byteLength],
    usage: await attempt(() => subtle.wrapKey('raw', key, pub, 'RSA-OAEP')),
    length: (await subtle.encrypt({ name: 'RSA-OAEP' }, wrapping, new Uint8Array(0))).byteLength,
  };
});
add('oaep_made', async (f) => {
  const out = {};
  const plain = b64(f.oaep['SHA-256'].plain);
  for (const hash of HASHES) {
    const key = await subtle.importKey('jwk', f.rsa.jwk, { name: 'RSA-OAEP', hash }, false, ['encrypt']);
    out[hash] = hex(await subtle.encrypt({ name: 'RSA-OAEP', label: Buffer.from('made') }, key, plain));
  }
  out.crypto = crypto.publicEncrypt({ key: f.rsa.pem, oaepHash: 'sha256', oaepLabel: Buffer.from('made') }, plain).toString('hex');
  out.pkcs1 = crypto.publicEncrypt({ key: f.rsa.pem, padding: crypto.constants.RSA_PKCS1_PADDING }, plain).toString('hex');
  const wrapping = await subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-OAEP', hash: 'SHA-512' }, false, ['wrapKey']);
  const key = await subtle.importKey('raw', b64(f.kw.keys[256]), 'AES-CBC', true, ['encrypt']);
  out.wrapped = hex(await subtle.wrapKey('jwk', key, wrapping, { name: 'RSA-OAEP' }));
  return out;
}, 'made');

// ---- ECDH ---------------------------------------------------------------------------------------
for (const curve of CURVES) {
  add(`ecdh_${curve}`, async (f) => {
    const { a, b } = f.ec[curve];
    const alg = { name: 'ECDH', namedCurve: curve };
    const aPrivate = await subtle.importKey('pkcs8', b64(a.pkcs8), alg, true, ['deriveBits', 'deriveKey']);
    const aJwk = await subtle.importKey('jwk', a.privateJwk, alg, false, ['deriveBits']);
    const bPublic = await subtle.importKey('spki', b64(b.spki), alg, true, []);
    const bRaw = await subtle.importKey('raw', b64(b.raw), alg, true, []);
    const bJwk = await subtle.importKey('jwk', b.jwk, alg, true, []);
    const bits = (pub, base = aPrivate, length = null) => attempt(() => subtle.deriveBits({ name: 'ECDH', public: pub }, base, length));
    const aes = await subtle.deriveKey({ name: 'ECDH', public: bPublic }, aPrivate, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    return {
      secret: await bits(bPublic), raw: await bits(bRaw), jwk: await bits(bJwk, aJwk), bits128: await bits(bPublic, aPrivate, 128),
      bits12: await bits(bPublic, aPrivate, 12), aes: await subtle.exportKey('raw', aes),
      exported: [await subtle.exportKey('jwk', aPrivate), await subtle.exportKey('raw', bPublic), await subtle.exportKey('jwk', bRaw),
        hex(await subtle.exportKey('spki', bJwk)) === hex(b64(b.spki)), hex(await subtle.exportKey('pkcs8', aPrivate)) === hex(b64(a.pkcs8))],
    };
  });
add('ecdh_generated', async () => {
  // two createECDH pairs made here agree with each other
  const alice = crypto.createECDH('prime256v1');
  const bob = crypto.createECDH('secp256k1');
  const carol = crypto.createECDH('secp256k1');
  alice.generateKeys();
  const bobKey = bob.generateKeys(null, 'compressed');
  const carolKey = carol.generateKeys('hex');
  return [alice.getPublicKey().length, bobKey.length, carolKey.length,
    bob.computeSecret(carolKey, 'hex', 'hex') === carol.computeSecret(bobKey).toString('hex'), bob.getPrivateKey().length <= 32];
});

  add(`ecdh_crypto_${curve}`, async (f) => {
    const { a, b } = f.ec[curve];
    const ecdh = crypto.createECDH(OPENSSL_CURVES[curve]);
    ecdh.setPrivateKey(Buffer.from(a.privateJwk.d, 'base64url'));
    const alg = { name: 'ECDH', namedCurve: curve };
    const aPrivate = await subtle.importKey('pkcs8', b64(a.pkcs8), alg, true, ['deriveBits']);
    const bPublic = await subtle.importKey('spki', b64(b.spki), alg, true, []);
    return {
      diffieHellman: crypto.diffieHellman({ privateKey: crypto.createPrivateKey(a.pem), publicKey: crypto.createPublicKey(b.pem) }),
      fromCryptoKey: crypto.diffieHellman({ privateKey: crypto.KeyObject.from(aPrivate), publicKey: crypto.KeyObject.from(bPublic) }),
      ecdh: [ecdh.getPublicKey('base64url'), ecdh.getPublicKey('hex', 'compressed'), ecdh.getPublicKey(null, 'hybrid'), ecdh.computeSecret(b64(b.raw)),
        ecdh.computeSecret(b64(b.raw).toString('hex'), 'hex', 'base64'), ecdh.getPrivateKey('base64url')],
      convert: crypto.ECDH.convertKey(b64(b.raw), OPENSSL_CURVES[curve], undefined, 'hex', 'compressed'),
    };
  });
}

// ---- X25519 -------------------------------------------------------------------------------------
add('x25519', async (f) => {
  const { a, b, rfc } = f.x25519;
  const aPrivate = await subtle.importKey('pkcs8', b64(a.pkcs8), 'X25519', true, ['deriveBits', 'deriveKey']);
  const bPrivate = await subtle.importKey('jwk', b.privateJwk, { name: 'X25519' }, true, ['deriveBits']);
  const aPublic = await subtle.importKey('raw', b64(a.raw), 'X25519', true, []);
  const bPublic = await subtle.importKey('spki', b64(b.spki), 'X25519', true, []);
  const bJwk = await subtle.importKey('jwk', b.jwk, 'X25519', true, []);
  const bits = (pub, base, length) => attempt(() => subtle.deriveBits({ name: 'X25519', public: pub }, base, length));
  // RFC 7748 6.1: Alice's and Bob's keys, and their shared secret
  const alice = await subtle.importKey('jwk', rfc.alice, 'X25519', false, ['deriveBits']);
  const bob = await subtle.importKey('jwk', rfc.bobPublic, 'X25519', false, []);
  const hmac = await subtle.deriveKey({ name: 'X25519', public: bPublic }, aPrivate, { name: 'HMAC', hash: 'SHA-256', length: 256 }, true, ['sign']);
  return {
    ab: await bits(bPublic, aPrivate, 256), ba: await bits(aPublic, bPrivate), jwk: await bits(bJwk, aPrivate, null),
    bits7: await bits(bPublic, aPrivate, 7), rfc: await bits(bob, alice, 256), hmac: await subtle.exportKey('raw', hmac),
    zero: await bits(await subtle.importKey('raw', new Uint8Array(32), 'X25519', false, []), aPrivate, 256),
    diffieHellman: crypto.diffieHellman({ privateKey: crypto.createPrivateKey(a.pem), publicKey: crypto.createPublicKey(b.pem) }),
    keyObjects: [crypto.createPublicKey(a.pem).export({ format: 'jwk' }), crypto.createPrivateKey(a.pem).export({ format: 'jwk' }),
      crypto.createPublicKey(a.pem).asymmetricKeyType, crypto.createPrivateKey(a.pem).export({ type: 'pkcs8', format: 'pem' }) === a.pem,
      crypto.createPublicKey(a.pem).export({ type: 'spki', format: 'der' }).toString('base64')],
    exported: [await subtle.exportKey('jwk', aPrivate), await subtle.exportKey('raw', bPublic), await subtle.exportKey('jwk', bJwk),
      await subtle.exportKey('spki', aPublic), await subtle.exportKey('pkcs8', aPrivate)],
    algorithm: aPrivate.algorithm, usages: aPrivate.usages,
  };
});

// ---- AES-KW -------------------------------------------------------------------------------------
// RFC 3394 4.1-4.6: [KEK, key data, wrapped]
const RFC3394 = [
  ['000102030405060708090A0B0C0D0E0F', '00112233445566778899AABBCCDDEEFF', '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5'],
  ['000102030405060708090A0B0C0D0E0F1011121314151617', '00112233445566778899AABBCCDDEEFF', '96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D'],
  ['000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', '00112233445566778899AABBCCDDEEFF', '64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7'],
  ['000102030405060708090A0B0C0D0E0F1011121314151617', '00112233445566778899AABBCCDDEEFF0001020304050607', '031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2'],
  ['000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', '00112233445566778899AABBCCDDEEFF0001020304050607', 'A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1'],
  ['000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', '00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', '28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21'],
];
add('aes_kw_rfc3394', async () => {
  const out = [];
  for (const [kek, data, wrapped] of RFC3394) {
    const wrapping = await subtle.importKey('raw', Buffer.from(kek, 'hex'), 'AES-KW', false, ['wrapKey', 'unwrapKey']);
    const key = await subtle.importKey('raw', Buffer.from(data, 'hex'), 'AES-CTR', true, ['encrypt']);
    const made = hex(await subtle.wrapKey('raw', key, wrapping, 'AES-KW'));
    const back = await subtle.unwrapKey('raw', Buffer.from(wrapped, 'hex'), wrapping, { name: 'AES-KW' }, 'AES-CTR', true, ['encrypt']);
    out.push([made === wrapped.toLowerCase(), hex(await subtle.exportKey('raw', back)) === data.toLowerCase()]);
  }
  return out;
});
add('aes_kw', async (f) => {
  const out = {};
  for (const bits of [128, 192, 256]) {
    const kek = await subtle.importKey('raw', b64(f.kw.keys[bits]), 'AES-KW', true, ['wrapKey', 'unwrapKey']);
    const kekJwk = await subtle.importKey('jwk', await subtle.exportKey('jwk', kek), { name: 'AES-KW' }, false, ['unwrapKey']);
    const aes = await subtle.importKey('raw', b64(f.kw.data), 'AES-GCM', true, ['encrypt', 'decrypt']);
    const hmac = await subtle.importKey('raw', b64(f.kw.hmac), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
    const wrapped = await subtle.wrapKey('raw', aes, kek, 'AES-KW');
    const wrappedJwk = await subtle.wrapKey('jwk', hmac, kek, 'AES-KW');
    const unwrapped = await subtle.unwrapKey('jwk', wrappedJwk, kekJwk, 'AES-KW', { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
    out[bits] = {
      wrapped, wrappedHmac: await subtle.wrapKey('raw', hmac, kek, 'AES-KW'), wrappedJwk: wrappedJwk.byteLength,
      unwrapped: await subtle.exportKey('raw', unwrapped), jwk: await subtle.exportKey('jwk', kek), algorithm: kek.algorithm,
      node: await attempt(async () => subtle.exportKey('raw', await subtle.unwrapKey('raw', b64(f.kw.wrapped[bits]), kek, 'AES-KW', 'AES-CBC', true, ['decrypt']))),
      tampered: await attempt(() => subtle.unwrapKey('raw', flip(wrapped, 3), kek, 'AES-KW', 'AES-GCM', true, ['encrypt'])),
      short: await attempt(() => subtle.unwrapKey('raw', new Uint8Array(16), kek, 'AES-KW', 'AES-GCM', true, ['encrypt'])),
      odd: await attempt(() => subtle.unwrapKey('raw', new Uint8Array(28), kek, 'AES-KW', 'AES-GCM', true, ['encrypt'])),
    };
  }
  const generated = await subtle.generateKey({ name: 'AES-KW', length: 192 }, true, ['wrapKey']);
  out.generated = [generated.algorithm, generated.usages, (await subtle.exportKey('raw', generated)).byteLength];
  return out;
});

// ---- errors: Node's, by name, code and message ----------------------------------------------------
add('errors', async (f) => {
  const msg = Buffer.from(f.message);
  const pss = await subtle.importKey('pkcs8', b64(f.rsa.pkcs8), { name: 'RSA-PSS', hash: 'SHA-512' }, false, ['sign']);
  const pssPublic = await subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']);
  const oaep = await subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
  const oaepPrivate = await subtle.importKey('pkcs8', b64(f.rsa.pkcs8), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  const rsassa = await subtle.importKey('pkcs8', b64(f.rsa.pkcs8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const ecAlg = (curve) => ({ name: 'ECDH', namedCurve: curve });
  const ecPrivate = await subtle.importKey('pkcs8', b64(f.ec['P-256'].a.pkcs8), ecAlg('P-256'), false, ['deriveBits', 'deriveKey']);
  const ecPublic = await subtle.importKey('spki', b64(f.ec['P-256'].b.spki), ecAlg('P-256'), false, []);
  const ec384 = await subtle.importKey('spki', b64(f.ec['P-384'].b.spki), ecAlg('P-384'), false, []);
  const ecdsa = await subtle.importKey('pkcs8', b64(f.ec['P-256'].a.pkcs8), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const xPrivate = await subtle.importKey('pkcs8', b64(f.x25519.a.pkcs8), 'X25519', false, ['deriveBits']);
  const xPublic = await subtle.importKey('raw', b64(f.x25519.b.raw), 'X25519', false, []);
  const kw = await subtle.importKey('raw', b64(f.kw.keys[128]), 'AES-KW', false, ['wrapKey']);
  const gcm = await subtle.importKey('raw', b64(f.kw.data), 'AES-GCM', true, ['encrypt', 'wrapKey']);
  const hmac20 = await subtle.importKey('raw', new Uint8Array(20), { name: 'HMAC', hash: 'SHA-1' }, true, ['sign']);
  const cases = {
    pss_no_salt: () => subtle.sign({ name: 'RSA-PSS' }, pss, msg),
    pss_salt_too_long: () => subtle.sign({ name: 'RSA-PSS', saltLength: 256 - 64 - 1 }, pss, msg),
    pss_verify_salt_too_long: () => subtle.verify({ name: 'RSA-PSS', saltLength: 1000 }, pssPublic, new Uint8Array(256), msg),
    pss_salt_range: () => subtle.sign({ name: 'RSA-PSS', saltLength: -1 }, pss, msg),
    pss_with_rsassa_key: () => subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, rsassa, msg),
    pss_public_sign: () => subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pssPublic, msg),
    pss_usage: () => subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']),
    pss_jwk_alg: () => subtle.importKey('jwk', { ...f.rsa.jwk, alg: 'PS384' }, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']),
    pss_jwk_use: () => subtle.importKey('jwk', { ...f.rsa.jwk, use: 'enc' }, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']),
    pss_ec_key: () => subtle.importKey('spki', b64(f.ec['P-256'].b.spki), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']),
    pss_crypto_salt: () => crypto.sign('sha256', msg, { key: f.rsa.privatePem, padding: P, saltLength: 256 }),
    pss_crypto_salt_negative: () => crypto.sign('sha256', msg, { key: f.rsa.privatePem, padding: P, saltLength: -4 }),
    pss_crypto_salt_type: () => crypto.sign('sha256', msg, { key: f.rsa.privatePem, padding: P, saltLength: 'x' }),
    pss_crypto_verify_negative: () => crypto.verify('sha256', msg, { key: f.rsa.pem, padding: P, saltLength: -5 }, Buffer.alloc(256)),
    pss_crypto_verify_salt_too_long: () => crypto.verify('sha256', msg, { key: f.rsa.pem, padding: P, saltLength: 1000 }, Buffer.alloc(256)),
    oaep_usage: () => subtle.importKey('spki', b64(f.rsa.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']),
    oaep_private_usage: () => subtle.importKey('pkcs8', b64(f.rsa.pkcs8), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['sign']),
    oaep_jwk_use: () => subtle.importKey('jwk', { ...f.rsa.jwk, use: 'sig' }, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']),
    oaep_jwk_alg: () => subtle.importKey('jwk', { ...f.rsa.jwk, alg: 'RSA-OAEP' }, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']),
    oaep_too_long: () => subtle.encrypt({ name: 'RSA-OAEP' }, oaep, new Uint8Array(256 - 64 - 1)),
    oaep_private_encrypt: () => subtle.encrypt({ name: 'RSA-OAEP' }, oaepPrivate, msg),
    oaep_label_type: () => subtle.encrypt({ name: 'RSA-OAEP', label: 'text' }, oaep, msg),
    oaep_decrypt_garbage: () => subtle.decrypt({ name: 'RSA-OAEP' }, oaepPrivate, new Uint8Array(256).fill(7)),
    oaep_decrypt_empty: () => subtle.decrypt({ name: 'RSA-OAEP' }, oaepPrivate, new Uint8Array(0)),
    oaep_decrypt_too_big: () => subtle.decrypt({ name: 'RSA-OAEP' }, oaepPrivate, new Uint8Array(256).fill(255)),
    oaep_with_aes_key: () => subtle.encrypt({ name: 'RSA-OAEP' }, gcm, msg),
    ecdh_usage: () => subtle.importKey('spki', b64(f.ec['P-256'].b.spki), ecAlg('P-256'), false, ['deriveBits']),
    ecdh_private_usage: () => subtle.importKey('pkcs8', b64(f.ec['P-256'].a.pkcs8), ecAlg('P-256'), false, ['sign']),
    ecdh_curve: () => subtle.importKey('spki', b64(f.ec['P-256'].b.spki), ecAlg('P-384'), false, []),
    ecdh_jwk_use: () => subtle.importKey('jwk', { ...f.ec['P-256'].a.privateJwk, use: 'sig' }, ecAlg('P-256'), false, ['deriveBits']),
    ecdh_raw_bad: () => subtle.importKey('raw', new Uint8Array(65).fill(4), ecAlg('P-256'), false, []),
    ecdh_curve_mismatch: () => subtle.deriveBits({ name: 'ECDH', public: ec384 }, ecPrivate, 256),
    ecdh_public_is_private: () => subtle.deriveBits({ name: 'ECDH', public: ecPrivate }, ecPrivate, 256),
    ecdh_x25519_public: () => subtle.deriveBits({ name: 'ECDH', public: xPublic }, ecPrivate, 256),
    ecdh_no_public: () => subtle.deriveBits({ name: 'ECDH' }, ecPrivate, 256),
    ecdh_public_not_key: () => subtle.deriveBits({ name: 'ECDH', public: 'key' }, ecPrivate, 256),
    ecdh_too_long: () => subtle.deriveBits({ name: 'ECDH', public: ecPublic }, ecPrivate, 264),
    ecdh_ecdsa_key: () => subtle.deriveBits({ name: 'ECDH', public: ecPublic }, ecdsa, 256),
    ecdh_base_public: () => subtle.deriveBits({ name: 'ECDH', public: ecPublic }, ecPublic, 256),
    ecdh_derive_hmac: () => subtle.deriveKey({ name: 'ECDH', public: ecPublic }, ecPrivate, { name: 'HMAC', hash: 'SHA-512' }, true, ['sign']),
    x25519_raw_short: () => subtle.importKey('raw', new Uint8Array(31), 'X25519', false, []),
    x25519_usage: () => subtle.importKey('raw', new Uint8Array(32), 'X25519', false, ['deriveBits']),
    x25519_jwk_crv: () => subtle.importKey('jwk', { ...f.x25519.b.jwk, crv: 'Ed25519' }, 'X25519', false, []),
    x25519_ed25519_spki: () => subtle.importKey('spki', b64(f.ed25519Spki), 'X25519', false, []),
    x25519_jwk_mismatch: () => subtle.importKey('jwk', { ...f.x25519.b.privateJwk, x: f.x25519.a.jwk.x }, 'X25519', false, ['deriveBits']),
    x25519_zero: () => subtle.deriveBits({ name: 'X25519', public: xPublic }, xPrivate, 264),
    x25519_ecdh_public: () => subtle.deriveBits({ name: 'X25519', public: ecPublic }, xPrivate, 256),
    kw_usage: () => subtle.importKey('raw', b64(f.kw.keys[128]), 'AES-KW', false, ['encrypt']),
    kw_length: () => subtle.importKey('raw', new Uint8Array(20), 'AES-KW', false, ['wrapKey']),
    kw_jwk_alg: () => subtle.importKey('jwk', { kty: 'oct', k: b64(f.kw.keys[128]).toString('base64url'), alg: 'A128GCM' }, 'AES-KW', false, ['wrapKey']),
    kw_encrypt: () => subtle.encrypt('AES-KW', kw, new Uint8Array(16)),
    kw_wrap_20_bytes: () => subtle.wrapKey('raw', hmac20, kw, 'AES-KW'),
    kw_unwrap_usage: () => subtle.unwrapKey('raw', new Uint8Array(24), kw, 'AES-KW', 'AES-GCM', true, ['encrypt']),
    kw_with_gcm_key: () => subtle.wrapKey('raw', gcm, gcm, 'AES-KW'),
    gcm_with_kw_key: () => subtle.wrapKey('raw', gcm, kw, { name: 'AES-GCM', iv: new Uint8Array(12) }),
    kw_generate_usage: () => subtle.generateKey({ name: 'AES-KW', length: 128 }, true, ['encrypt']),
    dh_curve_mismatch: () => crypto.diffieHellman({ privateKey: crypto.createPrivateKey(f.ec['P-256'].a.pem), publicKey: crypto.createPublicKey(f.ec['P-384'].b.pem) }),
    dh_key_types: () => crypto.diffieHellman({ privateKey: crypto.createPrivateKey(f.x25519.a.pem), publicKey: crypto.createPublicKey(f.ec['P-256'].b.pem) }),
    dh_rsa: () => crypto.diffieHellman({ privateKey: crypto.createPrivateKey(f.rsa.privatePem), publicKey: crypto.createPublicKey(f.rsa.pem) }),
    dh_public_as_private: () => crypto.diffieHellman({ privateKey: crypto.createPublicKey(f.x25519.a.pem), publicKey: crypto.createPublicKey(f.x25519.b.pem) }),
    dh_not_key: () => crypto.diffieHellman({ privateKey: 'x', publicKey: crypto.createPublicKey(f.x25519.b.pem) }),
    dh_options: () => crypto.diffieHellman(5),
    dh_x25519_zero: () => crypto.diffieHellman({ privateKey: crypto.createPrivateKey(f.x25519.a.pem),
      publicKey: crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.alloc(32).toString('base64url') }, format: 'jwk' }) }),
    x25519_sign: () => crypto.sign(null, msg, crypto.createPrivateKey(f.x25519.a.pem)),
    ecdh_curve_name: () => crypto.createECDH('P-256'),
    ecdh_curve_type: () => crypto.createECDH(5),
    ecdh_bad_point: () => crypto.createECDH('prime256v1').setPrivateKey(Buffer.alloc(32, 1)).computeSecret(Buffer.alloc(65, 4)),
    ecdh_zero_private: () => crypto.createECDH('prime256v1').setPrivateKey(Buffer.alloc(32)),
    ecdh_format: () => crypto.createECDH('prime256v1').setPrivateKey(Buffer.alloc(32, 1)).getPublicKey('hex', 'squashed'),
    ecdh_no_keys: () => crypto.createECDH('secp384r1').getPublicKey(),
    ecdh_no_private: () => crypto.createECDH('secp384r1').getPrivateKey(),
    // computeSecret checks the key pair first (none, or a public key set that is not the private
    // key's), then the peer's point; OpenSSL reads a lone 00 as the point at infinity, and fails on it
    ecdh_no_keys_bad_point: () => crypto.createECDH('prime256v1').computeSecret(Buffer.from([0])),
    ecdh_infinity: () => crypto.createECDH('prime256v1').setPrivateKey(Buffer.alloc(32, 1)).computeSecret(Buffer.from([0])),
    ecdh_public_only: () => crypto.createECDH('prime256v1').setPublicKey(b64(f.ec['P-256'].b.raw)).computeSecret(b64(f.ec['P-256'].b.raw)),
    ecdh_mismatched_pair: () => crypto.createECDH('prime256v1').setPrivateKey(Buffer.alloc(32, 1)).setPublicKey(b64(f.ec['P-256'].b.raw))
      .computeSecret(b64(f.ec['P-256'].b.raw)),
    ecdh_set_public_bad_point: () => crypto.createECDH('prime256v1').setPublicKey(Buffer.alloc(65, 4)),
    ecdh_convert_bad_point: () => crypto.ECDH.convertKey(Buffer.alloc(65, 4), 'prime256v1', undefined, 'hex', 'uncompressed'),
    ecdh_public_ecdsa: async () => subtle.deriveBits({ name: 'ECDH', public: await subtle.importKey('spki', b64(f.ec['P-256'].b.spki),
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']) }, ecPrivate, 256),
  };
  const out = {};
  for (const [name, fn] of Object.entries(cases)) out[name] = await attempt(fn);
  return out;
});

// What Node has and the edge does not: a NotSupportedError saying what there is (edge only)
add('unsupported', async () => {
  const cases = {
    x448: () => subtle.importKey('raw', new Uint8Array(56), 'X448', false, []),
    ed448: () => subtle.importKey('raw', new Uint8Array(57), 'Ed448', false, ['verify']),
    generate_rsa_oaep: () => subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['decrypt']),
    generate_rsa_pss: () => subtle.generateKey({ name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']),
  };
  const out = {};
  for (const [name, fn] of Object.entries(cases)) {
    try {
      await fn();
      out[name] = 'no error';
    } catch (e) {
      out[name] = { error: e.name, message: e.message, dom: e instanceof DOMException };
    }
  }
  return out;
}, 'edge');

// timingSafeEqual takes bytes only (a string is a TypeError, unlike the hashes' inputs)
add('timing_safe_equal', async () => {
  const out = [];
  for (const args of [['ab', 'ab'], [Buffer.from('ab'), 'ab'], [new Uint8Array(2), new DataView(new ArrayBuffer(2))],
    [new ArrayBuffer(2), new Uint16Array(1)], [1, 2], [Buffer.from('a'), Buffer.from('ab')], [Buffer.from('ab'), Buffer.from('ac')]]) {
    out.push(await attempt(() => crypto.timingSafeEqual(...args)));
  }
  return out;
});

// One request per part (each within the fuel of a request)
exports.parts = [
  ['pss_verify_SHA-1', 'pss_verify_SHA-256', 'pss_verify_SHA-384', 'pss_verify_SHA-512', 'pss_node_defaults', 'pss_short_signature'],
  ['pss_sign'], ['pss_made'],
  ['oaep_decrypt_SHA-1'], ['oaep_decrypt_SHA-256'], ['oaep_decrypt_SHA-384'], ['oaep_decrypt_SHA-512'],
  ['oaep_crypto'], ['oaep_crypto_more'], ['oaep_wrap'], ['oaep_made'],
  ['ecdh_P-256', 'ecdh_crypto_P-256', 'ecdh_generated'], ['ecdh_P-384', 'ecdh_crypto_P-384'], ['ecdh_P-521'], ['ecdh_crypto_P-521'],
  ['x25519', 'aes_kw_rfc3394', 'aes_kw'], ['errors', 'unsupported', 'timing_safe_equal'],
];

exports.run = async (f, part) => {
  const names = part === undefined ? CASES.map((c) => c[0]) : exports.parts[part];
  const results = { common: {}, made: {}, edge: {} };
  for (const [name, fn, group] of CASES) {
    if (names.includes(name)) results[group][name] = shown(await fn(f)); // bytes as hex: JSON shows an ArrayBuffer as {}
  }
  return results;
};
