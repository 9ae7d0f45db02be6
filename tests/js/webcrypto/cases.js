'use strict';
// crypto.subtle (tests/test_js_webcrypto.py): the same cases in the edge function and in Node.
// `run(f, part)` takes the fixtures Node made at test time (keys in every format, what Node signed
// and encrypted with them) and resolves to every result of one part: `common` ones must equal Node's,
// `made` are the edge's ECDSA signatures (random in Node, RFC 6979 here: Node verifies them), `edge`
// what the edge alone is asked (what it refuses and Node does not).
const crypto = require('crypto');
const { subtle } = globalThis.crypto;

const b64 = (s) => Buffer.from(s, 'base64');
const hex = (x) => Buffer.from(x instanceof ArrayBuffer ? new Uint8Array(x) : x).toString('hex');
// ArrayBuffers and typed arrays as hex (JSON shows an ArrayBuffer as {}), long ones by their digest
function shown(value) {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const h = hex(ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value);
    return h.length > 256 ? `sha256:${crypto.createHash('sha256').update(h).digest('hex')}` : `bytes:${h}`;
  }
  if (value !== null && typeof value === 'object' && require('util').types.isCryptoKey(value)) return describe(value);
  if (Array.isArray(value)) return value.map(shown);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shown(v)]));
  return value;
}
function describe(key) {
  return { type: key.type, extractable: key.extractable, algorithm: shown({ ...key.algorithm }), usages: key.usages };
}
async function attempt(fn) {
  try {
    return shown(await fn());
  } catch (e) {
    return { error: e.name, code: e.code, message: e.message, dom: e instanceof DOMException };
  }
}
const pattern = (n, seed = 1) => new Uint8Array(Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 255));
const flip = (buf, i = 0) => {
  const b = new Uint8Array(buf instanceof ArrayBuffer ? buf.slice(0) : Buffer.from(buf)); // a copy
  b[i < 0 ? b.length + i : i] ^= 1;
  return b;
};
const HASHES = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const CURVES = { 'P-256': 'SHA-256', 'P-384': 'SHA-384', 'P-521': 'SHA-512' };
// What one operation costs in the edge, relative to a P-256 verification (cases are grouped into
// requests by it: one request has a fuel budget)
const COST = { 'P-256': 1, 'P-384': 2.6, 'P-521': 5.5, ed: 1.2, rsa: 4, small: 0.3 };
const BUDGET = 16;

// [name, cost, async (f) => result, group]
const CASES = [];
const add = (name, cost, fn, group = 'common') => CASES.push([name, cost, fn, group]);

// ---- digest ----------------------------------------------------------------------------------
add('digest', 0.2, async (f) => {
  const out = {};
  const msg = Buffer.from(f.message);
  for (const hash of HASHES) {
    out[hash] = [await attempt(() => subtle.digest(hash, msg)), await attempt(() => subtle.digest({ name: hash.toLowerCase() }, new Uint8Array(0))),
      await attempt(() => subtle.digest(hash, pattern(1000).buffer)), await attempt(() => subtle.digest(hash, new DataView(pattern(100).buffer, 3, 50)))];
  }
  return out;
});

// ---- HMAC ------------------------------------------------------------------------------------
for (const hash of HASHES) {
  add(`hmac_${hash}`, 0.3, async (f) => {
    const msg = Buffer.from(f.message);
    const key = await subtle.importKey('raw', b64(f.hmac.key), { name: 'HMAC', hash }, true, ['sign', 'verify']);
    const sig = await subtle.sign('HMAC', key, msg);
    const jwk = await subtle.exportKey('jwk', key);
    const again = await subtle.importKey('jwk', jwk, { name: 'HMAC', hash: { name: hash } }, false, ['verify']);
    const sized = await subtle.importKey('raw', b64(f.hmac.key).subarray(0, 20), { name: 'HMAC', hash, length: 160 }, true, ['sign']);
    return {
      key: describe(key), sig: shown(sig), node: await subtle.verify('HMAC', key, b64(f.hmac.sigs[hash]), msg),
      tampered: await subtle.verify({ name: 'HMAC' }, key, flip(sig), msg), other_message: await subtle.verify('HMAC', key, sig, Buffer.from('x')),
      short: await subtle.verify('HMAC', key, new Uint8Array(sig).subarray(0, 10), msg),
      raw: shown(await subtle.exportKey('raw', key)), jwk, again: [describe(again), await subtle.verify('HMAC', again, sig, msg)],
      sized: [describe(sized), shown(await subtle.sign('HMAC', sized, msg))],
      empty_message: shown(await subtle.sign('HMAC', key, new Uint8Array(0))),
    };
  });
}

// ---- RSASSA-PKCS1-v1_5: signatures are deterministic, Node's byte for byte ----------------------
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
add('rsa_keys', 0.5, async (f) => {
  const pub = await subtle.importKey('spki', b64(f.rsa.spki), RSA, true, ['verify']);
  const priv = await subtle.importKey('pkcs8', b64(f.rsa.pkcs8), RSA, true, ['sign']);
  const jwkPub = await subtle.importKey('jwk', f.rsa.jwk, { ...RSA, hash: 'SHA-384' }, true, ['verify']);
  const jwkPriv = await subtle.importKey('jwk', f.rsa.privateJwk, RSA, true, ['sign']);
  return {
    pub: describe(pub), priv: describe(priv), jwk_pub: describe(jwkPub), jwk_priv: describe(jwkPriv),
    spki: shown(await subtle.exportKey('spki', pub)), pkcs8: shown(await subtle.exportKey('pkcs8', priv)),
    jwk: await subtle.exportKey('jwk', jwkPub), private_jwk: await subtle.exportKey('jwk', priv),
    spki_of_private: await attempt(() => subtle.exportKey('spki', priv)), raw: await attempt(() => subtle.exportKey('raw', pub)),
  };
});
add('rsa_verify', COST.rsa, async (f) => {
  const msg = Buffer.from(f.message);
  const out = {};
  for (const hash of HASHES) {
    const pub = await subtle.importKey('spki', b64(f.rsa.spki), { ...RSA, hash }, false, ['verify']);
    out[hash] = [await subtle.verify(RSA, pub, b64(f.rsa.sigs[hash]), msg), await subtle.verify(RSA.name, pub, flip(b64(f.rsa.sigs[hash]), 5), msg),
      await subtle.verify(RSA, pub, b64(f.rsa.sigs[hash]), Buffer.from('other'))];
  }
  const jwk = await subtle.importKey('jwk', f.rsa.jwk, RSA, false, ['verify']);
  out.jwk = await subtle.verify(RSA, jwk, b64(f.rsa.sigs['SHA-256']), msg);
  out.short = await subtle.verify(RSA, jwk, b64(f.rsa.sigs['SHA-256']).subarray(1), msg);
  return out;
});
add('rsa_sign', COST.rsa, async (f) => {
  const msg = Buffer.from(f.message);
  const priv = await subtle.importKey('pkcs8', b64(f.rsa.pkcs8), RSA, false, ['sign']);
  const sig = await subtle.sign(RSA, priv, msg);
  const pub = await subtle.importKey('spki', b64(f.rsa.spki), RSA, false, ['verify']);
  return [shown(sig), hex(sig) === hex(b64(f.rsa.sigs['SHA-256'])), await subtle.verify(RSA, pub, sig, msg)];
});
add('rsa_small', 4 * COST.small, async (f) => {
  const out = {};
  for (const hash of HASHES) {
    const priv = await subtle.importKey('jwk', f.small.privateJwk, { ...RSA, hash }, false, ['sign']);
    out[hash] = await attempt(() => subtle.sign(RSA, priv, Buffer.from(f.message))); // SHA-512: too big for a 512-bit key
  }
  return out;
});

// ---- ECDSA (IEEE P1363 signatures) -------------------------------------------------------------
for (const [curve, hash] of Object.entries(CURVES)) {
  const cost = COST[curve];
  const algorithm = { name: 'ECDSA', namedCurve: curve };
  add(`ec_keys_${curve}`, cost, async (f) => {
    const c = f.ec[curve];
    const spki = await subtle.importKey('spki', b64(c.spki), algorithm, true, ['verify']);
    const raw = await subtle.importKey('raw', b64(c.raw), algorithm, true, ['verify']);
    const compressed = await subtle.importKey('raw', b64(c.compressed), algorithm, true, ['verify']);
    const jwk = await subtle.importKey('jwk', c.jwk, algorithm, true, ['verify']);
    const pkcs8 = await subtle.importKey('pkcs8', b64(c.pkcs8), algorithm, true, ['sign']);
    const privateJwk = await subtle.importKey('jwk', c.privateJwk, algorithm, true, ['sign']); // checked against d: one multiplication
    return {
      keys: [spki, raw, compressed, jwk, pkcs8, privateJwk].map(describe),
      spki: shown(await subtle.exportKey('spki', spki)), raw: shown(await subtle.exportKey('raw', jwk)),
      compressed_raw: shown(await subtle.exportKey('raw', compressed)), compressed_spki: shown(await subtle.exportKey('spki', compressed)),
      jwk: await subtle.exportKey('jwk', raw), private_jwk: await subtle.exportKey('jwk', pkcs8), pkcs8: shown(await subtle.exportKey('pkcs8', privateJwk)),
      raw_private: await attempt(() => subtle.exportKey('raw', pkcs8)),
    };
  });
  add(`ec_verify_${curve}`, 5 * cost, async (f) => {
    const c = f.ec[curve];
    const msg = Buffer.from(f.message);
    const key = await subtle.importKey('spki', b64(c.spki), algorithm, false, ['verify']);
    const raw = await subtle.importKey('raw', b64(c.compressed), algorithm, false, ['verify']);
    const sig = b64(c.sig);
    return [await subtle.verify({ name: 'ECDSA', hash }, key, sig, msg), await subtle.verify({ name: 'ECDSA', hash }, raw, sig, msg),
      await subtle.verify({ name: 'ECDSA', hash }, key, flip(sig, -1), msg), await subtle.verify({ name: 'ECDSA', hash: 'SHA-1' }, key, sig, msg),
      await subtle.verify({ name: 'ECDSA', hash }, key, sig, Buffer.from('other')),
      await subtle.verify({ name: 'ECDSA', hash }, key, sig.subarray(1), msg), await subtle.verify({ name: 'ECDSA', hash }, key, new Uint8Array(sig.length), msg)];
  });
  // signed here (RFC 6979 nonces: Node's are random, so the bytes differ; Node verifies them)
  add(`ec_sign_${curve}`, 3 * cost, async (f) => {
    const c = f.ec[curve];
    const msg = Buffer.from(f.message);
    const key = await subtle.importKey('pkcs8', b64(c.pkcs8), algorithm, false, ['sign']);
    const sig = await subtle.sign({ name: 'ECDSA', hash }, key, msg);
    const sha1 = await subtle.sign({ name: 'ECDSA', hash: 'SHA-1' }, key, msg);
    const pub = await subtle.importKey('jwk', c.jwk, algorithm, false, ['verify']);
    return { sig: hex(sig), sha1: hex(sha1), length: sig.byteLength, self: await subtle.verify({ name: 'ECDSA', hash }, pub, sig, msg) };
  }, 'made');
}

// ---- Ed25519: signatures are deterministic --------------------------------------------------------
add('ed25519', 8 * COST.ed, async (f) => {
  const e = f.ed;
  const msg = Buffer.from(f.message);
  const pub = await subtle.importKey('spki', b64(e.spki), 'Ed25519', true, ['verify']);
  const raw = await subtle.importKey('raw', b64(e.raw), { name: 'Ed25519' }, true, ['verify']);
  const jwk = await subtle.importKey('jwk', e.jwk, 'Ed25519', true, ['verify']);
  const priv = await subtle.importKey('pkcs8', b64(e.pkcs8), 'Ed25519', true, ['sign']);
  const privJwk = await subtle.importKey('jwk', e.privateJwk, 'Ed25519', false, ['sign']);
  const sig = await subtle.sign('Ed25519', priv, msg);
  return {
    keys: [pub, raw, jwk, priv, privJwk].map(describe), sig: shown(sig), same_as_node: hex(sig) === hex(b64(e.sig)),
    jwk_sig: shown(await subtle.sign({ name: 'Ed25519' }, privJwk, Buffer.alloc(0))),
    verify: [await subtle.verify('Ed25519', pub, b64(e.sig), msg), await subtle.verify('Ed25519', raw, flip(b64(e.sig), 40), msg),
      await subtle.verify('Ed25519', jwk, b64(e.sig), Buffer.from('x')), await subtle.verify('Ed25519', jwk, b64(e.sig).subarray(2), msg)],
    spki: shown(await subtle.exportKey('spki', raw)), raw: shown(await subtle.exportKey('raw', pub)), jwk: await subtle.exportKey('jwk', pub),
    pkcs8: shown(await subtle.exportKey('pkcs8', priv)), private_jwk: await subtle.exportKey('jwk', priv),
  };
});

// ---- AES ---------------------------------------------------------------------------------------
for (const bits of [128, 192, 256]) {
  add(`aes_gcm_${bits}`, 0.5, async (f) => {
    const key = await subtle.importKey('raw', b64(f.aes[bits]), 'AES-GCM', true, ['encrypt', 'decrypt']);
    const v = f.aesVectors[bits].gcm;
    const out = { key: describe(key), jwk: await subtle.exportKey('jwk', key), raw: shown(await subtle.exportKey('raw', key)) };
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv: b64(v.iv), additionalData: b64(v.aad) }, key, b64(v.ct));
    out.node = shown(plain);
    out.node_plain = hex(b64(v.pt)) === hex(plain);
    for (const n of [0, 1, 16, 33, 100]) {
      const iv = pattern(12, n);
      const ct = await subtle.encrypt({ name: 'AES-GCM', iv }, key, pattern(n));
      out[`len_${n}`] = [shown(ct), shown(await subtle.decrypt({ name: 'AES-GCM', iv }, key, ct))];
    }
    for (const tagLength of [32, 64, 96, 104, 112, 120, 128]) {
      const params = { name: 'AES-GCM', iv: pattern(16), additionalData: pattern(20, 3), tagLength };
      const ct = await subtle.encrypt(params, key, pattern(40));
      out[`tag_${tagLength}`] = [shown(ct), shown(await subtle.decrypt(params, key, ct)), await attempt(() => subtle.decrypt(params, key, flip(ct, -1)))];
    }
    const params = { name: 'AES-GCM', iv: pattern(12), additionalData: pattern(5) };
    const ct = await subtle.encrypt(params, key, pattern(50));
    out.wrong = [await attempt(() => subtle.decrypt({ ...params, additionalData: pattern(6) }, key, ct)),
      await attempt(() => subtle.decrypt({ ...params, iv: pattern(12, 2) }, key, ct)), await attempt(() => subtle.decrypt(params, key, flip(ct, 3))),
      await attempt(() => subtle.decrypt({ name: 'AES-GCM', iv: pattern(12) }, key, ct)), await attempt(() => subtle.decrypt(params, key, pattern(10)))];
    out.ivs = [];
    for (const n of [1, 8, 11, 12, 16, 60, 128, 129]) out.ivs.push(await attempt(() => subtle.encrypt({ name: 'AES-GCM', iv: pattern(n) }, key, pattern(20))));
    return out;
  });
  add(`aes_cbc_${bits}`, 0.5, async (f) => {
    const key = await subtle.importKey('raw', b64(f.aes[bits]), { name: 'AES-CBC' }, true, ['decrypt', 'encrypt']);
    const v = f.aesVectors[bits].cbc;
    const out = { key: describe(key), jwk: await subtle.exportKey('jwk', key) };
    out.node = hex(await subtle.decrypt({ name: 'AES-CBC', iv: b64(v.iv) }, key, b64(v.ct))) === hex(b64(v.pt));
    for (const n of [0, 1, 15, 16, 17, 100]) {
      const iv = pattern(16, n);
      const ct = await subtle.encrypt({ name: 'AES-CBC', iv }, key, pattern(n));
      out[`len_${n}`] = [shown(ct), shown(await subtle.decrypt({ name: 'AES-CBC', iv }, key, ct))];
    }
    const iv = pattern(16);
    const ct = await subtle.encrypt({ name: 'AES-CBC', iv }, key, pattern(30));
    out.wrong = [await attempt(() => subtle.decrypt({ name: 'AES-CBC', iv: pattern(16, 2) }, key, ct)),
      await attempt(() => subtle.decrypt({ name: 'AES-CBC', iv }, key, flip(ct, -1))), await attempt(() => subtle.decrypt({ name: 'AES-CBC', iv }, key, pattern(15))),
      await attempt(() => subtle.decrypt({ name: 'AES-CBC', iv }, key, new Uint8Array(0))), await attempt(() => subtle.decrypt({ name: 'AES-CBC', iv }, key, pattern(32)))];
    return out;
  });
  add(`aes_ctr_${bits}`, 0.5, async (f) => {
    const key = await subtle.importKey('raw', b64(f.aes[bits]), 'aes-ctr', true, ['encrypt', 'decrypt']);
    const v = f.aesVectors[bits].ctr;
    const out = { key: describe(key), jwk: await subtle.exportKey('jwk', key) };
    out.node = hex(await subtle.decrypt({ name: 'AES-CTR', counter: b64(v.counter), length: 64 }, key, b64(v.ct))) === hex(b64(v.pt));
    for (const [counterHex, length, n] of [['00000000000000000000000000000000', 64, 100], ['ffffffffffffffffffffffffffffffff', 128, 40],
      ['ffffffffffffffffffffffffffffffff', 64, 40], ['ffffffffffffffffffffffffffffffff', 2, 48], ['0000000000000000fffffffffffffffe', 32, 70],
      ['00000000000000000000000000000003', 2, 16], ['00000000000000000000000000000003', 2, 17], ['0102030405060708090a0b0c0d0e0f10', 8, 300],
      ['00000000000000000000000000000000', 1, 33], ['00000000000000000000000000000000', 4, 257]]) {
      const params = { name: 'AES-CTR', counter: Buffer.from(counterHex, 'hex'), length };
      out[`${counterHex}_${length}_${n}`] = await attempt(async () => {
        const ct = await subtle.encrypt(params, key, pattern(n));
        return [shown(ct), shown(await subtle.decrypt(params, key, ct))];
      });
    }
    return out;
  });
}
add('aes_jwk', 0.5, async (f) => {
  const out = {};
  for (const name of ['AES-GCM', 'AES-CBC', 'AES-CTR']) {
    const key = await subtle.importKey('jwk', { kty: 'oct', k: b64(f.aes[256]).toString('base64url'), alg: `A256${name.slice(4)}`, ext: true },
      name, true, ['encrypt']);
    out[name] = [describe(key), await subtle.exportKey('jwk', key), await attempt(() => subtle.importKey('jwk',
      { kty: 'oct', k: b64(f.aes[128]).toString('base64url'), alg: `A256${name.slice(4)}` }, name, true, ['encrypt']))];
  }
  return out;
});

// ---- PBKDF2 and HKDF -----------------------------------------------------------------------------
add('pbkdf2', 1, async (f) => {
  const base = await subtle.importKey('raw', Buffer.from('a password'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
  const out = { key: describe(base) };
  for (const hash of HASHES) {
    out[hash] = [await attempt(() => subtle.deriveBits({ name: 'PBKDF2', hash, salt: b64(f.salt), iterations: 1000 }, base, 256)),
      await attempt(() => subtle.deriveBits({ name: 'PBKDF2', hash, salt: new Uint8Array(0), iterations: 1 }, base, 8 * 100))];
  }
  const params = { name: 'PBKDF2', hash: 'SHA-256', salt: b64(f.salt), iterations: 100 };
  out.lengths = [await attempt(() => subtle.deriveBits(params, base, 0)), await attempt(() => subtle.deriveBits(params, base)),
    await attempt(() => subtle.deriveBits(params, base, null)), await attempt(() => subtle.deriveBits(params, base, 12)),
    await attempt(() => subtle.deriveBits(params, base, -8)), await attempt(() => subtle.deriveBits({ ...params, iterations: 0 }, base, 8))];
  const aes = await subtle.deriveKey(params, base, { name: 'AES-GCM', length: 256 }, true, ['encrypt', 'decrypt']);
  const hmac = await subtle.deriveKey(params, base, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  const hmac128 = await subtle.deriveKey(params, base, { name: 'HMAC', hash: 'SHA-1', length: 128 }, true, ['sign']);
  out.derived = [describe(aes), shown(await subtle.exportKey('raw', aes)), describe(hmac), shown(await subtle.exportKey('raw', hmac)),
    describe(hmac128), shown(await subtle.exportKey('raw', hmac128))];
  out.derive_errors = [await attempt(() => subtle.deriveKey(params, base, { name: 'AES-GCM', length: 100 }, true, ['encrypt'])),
    await attempt(() => subtle.deriveKey(params, base, { name: 'HMAC', hash: 'SHA-1', length: 0 }, true, ['sign'])),
    await attempt(() => subtle.deriveKey(params, base, 'HKDF', false, ['deriveBits'])),
    await attempt(() => subtle.deriveKey(params, base, { name: 'AES-GCM', length: 128 }, true, ['sign']))];
  return out;
});
add('hkdf', 0.5, async (f) => {
  const base = await subtle.importKey('raw', b64(f.aes[256]), { name: 'HKDF' }, false, ['deriveBits', 'deriveKey']);
  const out = { key: describe(base) };
  for (const hash of HASHES) {
    out[hash] = [await attempt(() => subtle.deriveBits({ name: 'HKDF', hash, salt: b64(f.salt), info: Buffer.from('info') }, base, 256)),
      await attempt(() => subtle.deriveBits({ name: 'HKDF', hash, salt: new Uint8Array(0), info: new Uint8Array(0) }, base, 8 * 200))];
  }
  const params = { name: 'HKDF', hash: 'SHA-256', salt: b64(f.salt), info: Buffer.from('ctx') };
  out.errors = [await attempt(() => subtle.deriveBits(params, base)), await attempt(() => subtle.deriveBits({ ...params, info: new Uint8Array(2000) }, base, 256)),
    await attempt(() => subtle.deriveBits(params, base, 256 * 8 * 32)), await attempt(() => subtle.deriveBits(params, base, 0))];
  const aes = await subtle.deriveKey(params, base, { name: 'AES-CBC', length: 128 }, true, ['encrypt']);
  out.derived = [describe(aes), shown(await subtle.exportKey('raw', aes))];
  return out;
});

// ---- generateKey (random keys: their shape, and that they work) ---------------------------------
add('generate', 0.5, async () => {
  const out = {};
  for (const hash of HASHES) {
    const key = await subtle.generateKey({ name: 'HMAC', hash }, true, ['sign', 'verify', 'sign']);
    const sig = await subtle.sign('HMAC', key, pattern(10));
    out[`hmac_${hash}`] = [describe(key), (await subtle.exportKey('raw', key)).byteLength, await subtle.verify('HMAC', key, sig, pattern(10))];
  }
  out.hmac_length = describe(await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 128 }, false, ['verify']));
  for (const name of ['AES-GCM', 'AES-CBC', 'AES-CTR']) {
    for (const length of [128, 192, 256]) {
      const key = await subtle.generateKey({ name, length }, length !== 192, ['encrypt', 'decrypt', 'wrapKey']);
      out[`${name}_${length}`] = [describe(key), await attempt(async () => (await subtle.exportKey('raw', key)).byteLength)];
    }
  }
  const a = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  const b = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
  out.differ = hex(await subtle.exportKey('raw', a)) !== hex(await subtle.exportKey('raw', b));
  const gcm = await subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt']);
  const ct = await subtle.encrypt({ name: 'AES-GCM', iv: pattern(12) }, gcm, pattern(30));
  out.round_trip = hex(await subtle.decrypt({ name: 'AES-GCM', iv: pattern(12) }, gcm, ct)) === hex(pattern(30));
  return out;
});

// ---- wrapKey / unwrapKey -----------------------------------------------------------------------
add('wrap', 1, async (f) => {
  const wrapping = await subtle.importKey('raw', b64(f.aes[256]), 'AES-GCM', false, ['wrapKey', 'unwrapKey']);
  const cbc = await subtle.importKey('raw', b64(f.aes[128]), 'AES-CBC', false, ['wrapKey', 'unwrapKey']);
  const hmac = await subtle.importKey('raw', b64(f.hmac.key), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  const ec = await subtle.importKey('jwk', f.ec['P-256'].jwk, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  const gcm = { name: 'AES-GCM', iv: pattern(12) };
  const jwk = await subtle.wrapKey('jwk', hmac, wrapping, gcm);
  const raw = await subtle.wrapKey('raw', hmac, cbc, { name: 'AES-CBC', iv: pattern(16) });
  const spki = await subtle.wrapKey('spki', ec, wrapping, gcm);
  return {
    jwk: shown(jwk), raw: shown(raw), spki: shown(spki),
    unwrapped: [describe(await subtle.unwrapKey('jwk', jwk, wrapping, gcm, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])),
      describe(await subtle.unwrapKey('raw', raw, cbc, { name: 'AES-CBC', iv: pattern(16) }, { name: 'HMAC', hash: 'SHA-512' }, false, ['verify'])),
      describe(await subtle.unwrapKey('spki', spki, wrapping, gcm, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']))],
    errors: [await attempt(() => subtle.unwrapKey('jwk', flip(jwk, 2), wrapping, gcm, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])),
      await attempt(() => subtle.unwrapKey('jwk', raw, cbc, { name: 'AES-CBC', iv: pattern(16) }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])),
      await attempt(() => subtle.wrapKey('raw', hmac, hmac, gcm)), await attempt(() => subtle.wrapKey('raw', ec, wrapping, gcm)),
      await attempt(async () => subtle.wrapKey('raw', await subtle.importKey('raw', b64(f.hmac.key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']), wrapping, gcm))],
  };
});

// ---- CryptoKey, the objects, and CryptoKeys where Node takes KeyObjects --------------------------
add('objects', 0.5, async (f) => {
  const key = await subtle.importKey('raw', b64(f.aes[128]), 'AES-CBC', true, ['encrypt', 'decrypt']);
  const hmac = await subtle.importKey('raw', b64(f.hmac.key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const get = Object.getOwnPropertyDescriptor(CryptoKey.prototype, 'type').get;
  const c = crypto.createCipheriv('aes-128-cbc', key, pattern(16));
  return {
    keys: Object.keys(key), json: JSON.stringify(key), tag: Object.prototype.toString.call(key), ctor: key.constructor.name,
    own: Object.getOwnPropertyNames(key), proto: Object.keys(CryptoKey.prototype).sort(),
    types: [require('util').types.isCryptoKey(key), require('util').types.isCryptoKey(crypto.createSecretKey(pattern(16))),
      require('util').types.isCryptoKey({}), require('util').types.isKeyObject(key), key instanceof CryptoKey],
    same: [crypto.subtle === globalThis.crypto.subtle, crypto.webcrypto === globalThis.crypto, crypto.webcrypto.subtle === subtle],
    tags: [Object.prototype.toString.call(subtle), Object.prototype.toString.call(globalThis.crypto), typeof SubtleCrypto, typeof CryptoKey,
      typeof Crypto, subtle instanceof SubtleCrypto, globalThis.crypto instanceof Crypto],
    methods: Object.keys(Object.getPrototypeOf(subtle)), crypto_keys: Object.keys(Object.getPrototypeOf(globalThis.crypto)),
    illegal: [await attempt(() => new CryptoKey()), await attempt(() => new SubtleCrypto()), await attempt(() => get.call({})),
      await attempt(() => { const { digest } = subtle; return digest('SHA-256', pattern(1)); }),
      await attempt(() => subtle.digest.call({}, 'SHA-256', pattern(1)))],
    key_object: [crypto.KeyObject.from(key).export().toString('hex'), crypto.KeyObject.from(hmac).type, await attempt(() => crypto.KeyObject.from({}))],
    hmac: crypto.createHmac('sha256', hmac).update('x').digest('hex'),
    cipher: c.update('text', 'utf8', 'hex') + c.final('hex'),
    inspect: require('util').inspect(key),
  };
});
add('asymmetric_objects', 2 * COST['P-256'], async (f) => {
  const priv = await subtle.importKey('pkcs8', b64(f.ec['P-256'].pkcs8), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const pub = await subtle.importKey('spki', b64(f.ec['P-256'].spki), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const msg = Buffer.from(f.message);
  const sig = crypto.sign('sha256', msg, { key: priv, dsaEncoding: 'ieee-p1363' });
  return [crypto.KeyObject.from(pub).export({ type: 'spki', format: 'pem' }), crypto.createPublicKey(priv).export({ format: 'jwk' }),
    crypto.verify('sha256', msg, { key: pub, dsaEncoding: 'ieee-p1363' }, sig), await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, sig, msg),
    await attempt(() => crypto.createPrivateKey(priv)), await attempt(() => crypto.createCipheriv('aes-128-cbc', pub, pattern(16)))];
});

// ---- errors, as Node words them -----------------------------------------------------------------
add('errors', 1, async (f) => {
  const raw = pattern(32);
  const hmac = await subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  const aes = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt']);
  const ecPub = await subtle.importKey('spki', b64(f.ec['P-256'].spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  const importHmac = (format, data, usages = ['sign'], extra = {}) => subtle.importKey(format, data, { name: 'HMAC', hash: 'SHA-256', ...extra }, true, usages);
  const importEc = (format, data, usages, curve = 'P-256', ext = true) => subtle.importKey(format, data, { name: 'ECDSA', namedCurve: curve }, ext, usages);
  const jwk = f.ec['P-256'].jwk;
  const cases = {
    digest_missing: () => subtle.digest('SHA-256'), digest_data: () => subtle.digest('SHA-256', 'abc'),
    digest_unknown: () => subtle.digest('SHA-3', raw), digest_number: () => subtle.digest(5, raw), digest_no_name: () => subtle.digest({}, raw),
    digest_sha224: () => subtle.digest('SHA-224', raw),
    import_format: () => importHmac('foo', raw), import_usage_enum: () => importHmac('raw', raw, ['foo']),
    import_usage: () => importHmac('raw', raw, ['encrypt']), import_usages_not_sequence: () => importHmac('raw', raw, 5),
    import_empty_usages: () => importHmac('raw', raw, []), import_no_hash: () => subtle.importKey('raw', raw, { name: 'HMAC' }, true, ['sign']),
    import_hash_unknown: () => subtle.importKey('raw', raw, { name: 'HMAC', hash: 'MD5' }, true, ['sign']),
    import_spki_hmac: () => importHmac('spki', raw), import_zero: () => importHmac('raw', new Uint8Array(0)),
    import_length: () => importHmac('raw', raw, ['sign'], { length: 128 }), import_length_zero: () => importHmac('raw', raw, ['sign'], { length: 0 }),
    import_length_range: () => importHmac('raw', raw, ['sign'], { length: -1 }),
    import_jwk_data: () => importHmac('jwk', raw), import_jwk_kty: () => importHmac('jwk', { kty: 'RSA' }), import_jwk_no_kty: () => importHmac('jwk', {}),
    import_jwk_no_k: () => importHmac('jwk', { kty: 'oct' }), import_jwk_use: () => importHmac('jwk', { kty: 'oct', k: 'AAAA', use: 'enc' }),
    import_jwk_alg: () => importHmac('jwk', { kty: 'oct', k: 'AAAA', alg: 'HS512' }), import_jwk_ext: () => importHmac('jwk', { kty: 'oct', k: 'AAAA', ext: false }),
    import_jwk_ops: () => importHmac('jwk', { kty: 'oct', k: 'AAAA', key_ops: ['verify'] }),
    import_jwk_ops_twice: () => importHmac('jwk', { kty: 'oct', k: 'AAAA', key_ops: ['sign', 'sign'] }),
    import_jwk_not_object: () => importHmac('jwk', 'x'), import_data: () => importHmac('raw', 'x'),
    import_unknown: () => subtle.importKey('raw', raw, 'FOO', true, ['sign']), import_missing: () => subtle.importKey('raw', raw),
    import_aes_length: () => subtle.importKey('raw', pattern(20), 'AES-GCM', true, ['encrypt']),
    import_aes_usage: () => subtle.importKey('raw', raw, 'AES-GCM', true, ['sign']),
    import_aes_spki: () => subtle.importKey('spki', raw, 'AES-CBC', true, ['encrypt']),
    import_aes_jwk_alg: () => subtle.importKey('jwk', { kty: 'oct', k: Buffer.from(raw).toString('base64url'), alg: 'A128GCM' }, 'AES-GCM', true, ['encrypt']),
    import_pbkdf2_extractable: () => subtle.importKey('raw', raw, 'PBKDF2', true, ['deriveBits']),
    import_pbkdf2_usage: () => subtle.importKey('raw', raw, 'PBKDF2', false, ['sign']),
    import_pbkdf2_jwk: () => subtle.importKey('jwk', { kty: 'oct', k: 'AAAA' }, 'HKDF', false, ['deriveBits']),
    import_ec_curve: () => importEc('spki', b64(f.ec['P-256'].spki), ['verify'], 'P-192'),
    import_ec_mismatch: () => importEc('spki', b64(f.ec['P-384'].spki), ['verify']), import_ec_k256: () => importEc('spki', b64(f.k256Spki), ['verify']),
    import_ec_rsa: () => importEc('spki', b64(f.rsa.spki), ['verify']), import_ec_garbage: () => importEc('spki', raw, ['verify']),
    import_ec_usage: () => importEc('spki', b64(f.ec['P-256'].spki), ['sign']), import_ec_private_usage: () => importEc('pkcs8', b64(f.ec['P-256'].pkcs8), ['verify']),
    import_ec_raw_bad: () => importEc('raw', pattern(65), ['verify']), import_ec_raw_short: () => importEc('raw', pattern(10), ['verify']),
    import_ec_jwk_crv: () => importEc('jwk', { ...jwk, crv: 'P-384' }, ['verify']), import_ec_jwk_kty: () => importEc('jwk', { ...jwk, kty: 'RSA' }, ['verify']),
    import_ec_jwk_alg: () => importEc('jwk', { ...jwk, alg: 'ES384' }, ['verify']), import_ec_jwk_use: () => importEc('jwk', { ...jwk, use: 'enc' }, ['verify']),
    import_ec_jwk_off_curve: () => importEc('jwk', { ...jwk, y: jwk.x }, ['verify']),
    import_ec_jwk_wrong_d: () => importEc('jwk', { ...f.ec['P-256'].privateJwk, d: f.ec['P-256'].otherD }, ['sign']),
    import_ec_empty_private: () => importEc('pkcs8', b64(f.ec['P-256'].pkcs8), []),
    import_rsa_usage: () => subtle.importKey('spki', b64(f.rsa.spki), RSA, true, ['sign']),
    import_rsa_ec: () => subtle.importKey('spki', b64(f.ec['P-256'].spki), RSA, true, ['verify']),
    import_rsa_raw: () => subtle.importKey('raw', raw, RSA, true, ['verify']),
    import_rsa_jwk_alg: () => subtle.importKey('jwk', { ...f.rsa.jwk, alg: 'RS512' }, RSA, true, ['verify']),
    import_ed_raw: () => subtle.importKey('raw', pattern(31), 'Ed25519', true, ['verify']),
    import_ed_usage: () => subtle.importKey('raw', pattern(32), 'Ed25519', true, ['sign']),
    import_ed_jwk_crv: () => subtle.importKey('jwk', { ...f.ed.jwk, crv: 'X25519' }, 'Ed25519', true, ['verify']),
    import_ed_jwk_mismatch: () => subtle.importKey('jwk', { ...f.ed.privateJwk, x: f.ec['P-256'].jwk.x }, 'Ed25519', true, ['sign']),
    import_ed_ec: () => subtle.importKey('spki', b64(f.ec['P-256'].spki), 'Ed25519', true, ['verify']),
    export_not_extractable: () => subtle.exportKey('raw', aes), export_format: () => subtle.exportKey('foo', hmac),
    export_not_key: () => subtle.exportKey('raw', {}), export_spki_secret: () => subtle.exportKey('spki', hmac),
    export_pkcs8_public: () => subtle.exportKey('pkcs8', ecPub),
    sign_usage: () => subtle.sign('HMAC', aes, raw), sign_algorithm: () => subtle.sign('ECDSA', hmac, raw),
    sign_not_key: () => subtle.sign('HMAC', {}, raw), sign_missing: () => subtle.sign('HMAC', hmac),
    sign_public: () => subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ecPub, raw), sign_ecdsa_no_hash: () => subtle.sign('ECDSA', ecPub, raw),
    verify_usage: () => subtle.verify('HMAC', hmac, raw, raw),
    encrypt_usage: () => subtle.encrypt({ name: 'AES-GCM', iv: raw }, hmac, raw), encrypt_no_iv: () => subtle.encrypt({ name: 'AES-GCM' }, aes, raw),
    encrypt_tag: () => subtle.encrypt({ name: 'AES-GCM', iv: raw, tagLength: 100 }, aes, raw),
    encrypt_tag_range: () => subtle.encrypt({ name: 'AES-GCM', iv: raw, tagLength: 300 }, aes, raw),
    encrypt_empty_iv: () => subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(0) }, aes, raw),
    encrypt_iv_type: () => subtle.encrypt({ name: 'AES-GCM', iv: 'x' }, aes, raw),
    encrypt_cbc_key: () => subtle.encrypt({ name: 'AES-CBC', iv: pattern(16) }, aes, raw),
    encrypt_unknown: () => subtle.encrypt({ name: 'AES-XYZ', iv: raw }, aes, raw),
    decrypt_usage: () => subtle.decrypt({ name: 'AES-GCM', iv: raw }, aes, raw),
    derive_usage: async () => subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: raw, info: raw }, await subtle.importKey('raw', raw, 'HKDF', false, ['deriveKey']), 8),
    derive_mismatch: async () => subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: raw, info: raw }, await subtle.importKey('raw', raw, 'PBKDF2', false, ['deriveBits']), 8),
    derive_no_salt: async () => subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', info: raw }, await subtle.importKey('raw', raw, 'HKDF', false, ['deriveBits']), 8),
    derive_iterations: async () => subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: raw, iterations: -1 }, await subtle.importKey('raw', raw, 'PBKDF2', false, ['deriveBits']), 8),
    derive_key_usage: async () => subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: raw, info: raw }, await subtle.importKey('raw', raw, 'HKDF', false, ['deriveBits']), { name: 'AES-GCM', length: 128 }, true, ['encrypt']),
    generate_aes_length: () => subtle.generateKey({ name: 'AES-GCM', length: 100 }, true, ['encrypt']),
    generate_aes_no_length: () => subtle.generateKey({ name: 'AES-GCM' }, true, ['encrypt']),
    generate_aes_usage: () => subtle.generateKey({ name: 'AES-CBC', length: 128 }, true, ['sign']),
    generate_empty: () => subtle.generateKey({ name: 'AES-CTR', length: 128 }, true, []),
    generate_hmac_odd: () => subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 12 }, true, ['sign']),
    generate_hmac_zero: () => subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 0 }, true, ['sign']),
    generate_hmac_usage: () => subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['encrypt']),
    generate_unknown: () => subtle.generateKey({ name: 'FOO' }, true, ['sign']),
    generate_pbkdf2: () => subtle.generateKey('PBKDF2', false, ['deriveBits']),
  };
  const out = {};
  for (const [name, fn] of Object.entries(cases)) out[name] = await attempt(fn);
  return out;
});

// What Node has and the edge does not: each must say what there is (edge only)
add('unsupported', 0.2, async (f) => {
  const raw = pattern(32);
  const rsa = await subtle.importKey('spki', b64(f.rsa.spki), RSA, false, ['verify']);
  const cases = {
    x448_import: () => subtle.importKey('raw', pattern(56), 'X448', false, []),
    ed448_sign: () => subtle.sign('Ed448', rsa, raw),
    generate_rsa: () => subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign']),
    generate_ed448: () => subtle.generateKey('Ed448', false, ['sign']),
    generate_x448: () => subtle.generateKey('X448', false, ['deriveBits']),
  };
  const out = {};
  for (const [name, fn] of Object.entries(cases)) out[name] = await attempt(fn);
  return out;
}, 'edge');

// The cases in requests of at most BUDGET verifications' worth (fuel)
exports.parts = [];
for (let i = 0, used = Infinity; i < CASES.length; i++) {
  const [name, cost] = CASES[i];
  if (used + cost > BUDGET || exports.parts[exports.parts.length - 1].length >= 6) {
    exports.parts.push([]);
    used = 0;
  }
  exports.parts[exports.parts.length - 1].push(name);
  used += cost;
}

exports.run = async (f, part) => {
  const names = part === undefined ? CASES.map((c) => c[0]) : exports.parts[part];
  const results = { common: {}, errors: {}, made: {}, edge: {} };
  for (const [name, , fn, group] of CASES) {
    if (names.includes(name)) results[group][name] = await fn(f);
  }
  return results;
};
