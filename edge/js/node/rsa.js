// RSA for require('crypto') and crypto.subtle (crypto.js and webcrypto.js call this): the private-key
// operation m^d mod n with the Chinese remainder theorem, its exponentiations the engine's
// (native.modPow: pycryptodome's constant-time Montgomery code, edge/js/engine/pubkey.c), and the
// encodings of RSA-PSS (EMSA-PSS) and RSA-OAEP (EME-OAEP), RFC 8017, with MGF1. In a function only
// when its sources name 'crypto' (edge/js/build.py's ON_DEMAND), evaluated at build time.
//
// RSASSA-PKCS1-v1_5 signing is deterministic, so signatures are byte for byte OpenSSL's. The
// exponentiation by d takes the same steps whatever d's bits (BigInt, left only for a broken key's
// even modulus, does not run in constant time). What a signature raises to d is a padded hash,
// which a caller cannot choose (the timing attacks on RSA, such as Brumley and Boneh's, need chosen
// inputs). A decryption raises a ciphertext the caller chose: it is blinded first (c * r^e for a fresh random
// r, as OpenSSL does), and the OAEP padding is checked without branching on its content, so that
// every bad ciphertext fails the same way in the same time (Manger's attack needs to tell them apart).
defineBuiltin('internal/rsa', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const native = internal.native;
  // base^exp mod m. A small exponent (a public one, such as e: public data) bit by bit in BigInt,
  // ~5 million fuel for RSA-2048's 65537 where the engine's takes ~17 million (its Montgomery
  // set-up and fixed windows are worth it for long exponents only). A long one (d, dp, dq: secret)
  // the engine's for an odd modulus (every RSA modulus and prime); else (a broken key's even p or
  // q) BigInt with 5-bit windows: one multiplication per 5 bits of the exponent.
  function modPow(base, exp, m) {
    base %= m;
    if (exp < 1n << 64n) {
      let result = 1n;
      for (; exp > 0n; exp >>= 1n) {
        if (exp & 1n) result = (result * base) % m;
        if (exp > 1n) base = (base * base) % m;
      }
      return result;
    }
    const size = (m.toString(16).length + 1) >> 1;
    if (exp.toString(16).length <= 2 * size) {
      const r = native.modPow(bytesOf(base, size), bytesOf(exp, size), bytesOf(m, size));
      if (r !== null) return bigOf(r);
    }
    const table = [1n, base];
    for (let i = 2; i < 32; i++) table.push((table[i - 1] * base) % m);
    const digits = exp.toString(32);
    let result = 1n;
    for (let i = 0; i < digits.length; i++) {
      if (i > 0) for (let j = 0; j < 5; j++) result = (result * result) % m;
      const digit = parseInt(digits[i], 32);
      if (digit !== 0) result = (result * table[digit]) % m;
    }
    return result;
  }

  // m^d mod n for a private key (internal/keys' handle), 0 <= m < n. As OpenSSL: with the CRT (two
  // exponentiations half the size, ~4x faster), then checked by raising the result to e; a key whose
  // CRT values are wrong (or missing: p or q 0) is used through d instead, which still gives the
  // right signature (a wrong CRT result would give away a factor of n).
  function privateOp(key, m) {
    const { n, e } = key.public;
    const { d, p, q, dp, dq, qi } = key;
    if (p > 1n && q > 1n) {
      const m1 = modPow(m % p, dp, p);
      const m2 = modPow(m % q, dq, q);
      let h = (qi * (m1 - m2)) % p;
      if (h < 0n) h += p;
      const s = m2 + h * q;
      if (s < n && modPow(s, e, n) === m) return s;
    }
    return modPow(m, d, n);
  }

  function bigOf(bytes) {
    const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
    return hex === '' ? 0n : BigInt('0x' + hex);
  }
  function bytesOf(value, length) { // big-endian, exactly `length` bytes, or null when it does not fit
    const hex = value.toString(16);
    return hex.length > length * 2 ? null : Buffer.from(hex.padStart(length * 2, '0'), 'hex');
  }
  const hash = (id, ...parts) => Buffer.from(native.digest(id, Buffer.concat(parts)));
  const random = (n) => {
    const b = Buffer.alloc(n);
    if (n > 0) native.randomFill(b);
    return b;
  };
  function modInv(a, m) { // extended Euclid (a is a fresh random blinding value, not a key's secret)
    let [r0, r1] = [a % m, m];
    let [s0, s1] = [1n, 0n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    }
    if (r0 !== 1n) return null;
    return s0 < 0n ? s0 + m : s0;
  }
  // c^d mod n for a chosen c: blinded by a random r (c * r^e)^d = c^d * r, then r taken out
  function blindedPrivateOp(key, c) {
    const { n, e } = key.public;
    for (;;) {
      const r = bigOf(random(key.public.size + 8)) % n;
      const inverse = r > 1n ? modInv(r, n) : null;
      if (inverse === null) continue;
      return (privateOp(key, (c * modPow(r, e, n)) % n) * inverse) % n;
    }
  }
  // OpenSSL's limits on a public-key operation (rsa_ossl_public_encrypt and _decrypt): a modulus of
  // at most 16384 bits, and a public exponent of at most 64 bits once the modulus has more than
  // 3072. Node's verifications answer false for such a key, publicEncrypt and publicDecrypt throw
  // this. They also bound what a key a viewer sends can cost: an exponent as long as a 16384-bit
  // modulus took ~2e11 fuel (the whole budget, then the request failed) where Node says false.
  function publicKeyRefusal(key) {
    let reason = null;
    if (key.bits > 16384) reason = ['modulus too large', 'ERR_OSSL_RSA_MODULUS_TOO_LARGE', '02000069'];
    else if (key.bits > 3072 && key.e >= 1n << 64n) reason = ['bad e value', 'ERR_OSSL_RSA_BAD_E_VALUE', '02000065'];
    if (reason === null) return null;
    const err = new Error(`error:${reason[2]}:rsa routines::${reason[0]}`);
    return Object.assign(err, { library: 'rsa routines', reason: reason[0], code: reason[1] });
  }
  function publicOp(key, m) {
    const refusal = publicKeyRefusal(key);
    if (refusal !== null) throw refusal;
    return modPow(m, key.e, key.n);
  }

  // MGF1 (RFC 8017 B.2.1) over digest `id`
  function mgf1(id, seed, length) {
    const out = [];
    let have = 0;
    for (let counter = 0; have < length; counter++) {
      const block = hash(id, seed, Buffer.from([counter >>> 24, (counter >>> 16) & 255, (counter >>> 8) & 255, counter & 255]));
      out.push(block);
      have += block.length;
    }
    return Buffer.concat(out).subarray(0, length);
  }

  // EMSA-PSS-ENCODE (9.1.1) of a message hash: emBits = modulus bits - 1, a salt of sLen random
  // bytes. null when the key is too small for the hash and the salt.
  function pssEncode(id, mHash, emBits, sLen) {
    const hLen = mHash.length;
    const emLen = Math.ceil(emBits / 8);
    if (emLen < hLen + sLen + 2) return null;
    const salt = random(sLen);
    const H = hash(id, Buffer.alloc(8), mHash, salt);
    const db = Buffer.alloc(emLen - hLen - 1);
    db[emLen - sLen - hLen - 2] = 1;
    salt.copy(db, emLen - sLen - hLen - 1);
    const mask = mgf1(id, H, db.length);
    for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
    db[0] &= 0xff >> (8 * emLen - emBits);
    return Buffer.concat([db, H, Buffer.from([0xbc])]);
  }
  // The salt length most a key allows (OpenSSL's RSA_PSS_SALTLEN_MAX)
  const pssMaxSalt = (emBits, hLen) => Math.ceil(emBits / 8) - hLen - 2;
  // EMSA-PSS-VERIFY (9.1.2): em is the emLen-byte encoded message; sLen -1 recovers the salt's
  // length from it (OpenSSL's RSA_PSS_SALTLEN_AUTO). Public data only.
  function pssVerify(id, mHash, em, emBits, sLen) {
    const hLen = mHash.length;
    const emLen = Math.ceil(emBits / 8);
    if (em.length !== emLen || emLen < hLen + 2 || (sLen >= 0 && emLen < hLen + sLen + 2)) return false;
    if (em[emLen - 1] !== 0xbc) return false;
    const H = em.subarray(emLen - hLen - 1, emLen - 1);
    const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
    const top = 0xff >> (8 * emLen - emBits);
    if (db[0] & ~top & 0xff) return false;
    const mask = mgf1(id, H, db.length);
    for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
    db[0] &= top;
    let i = 0;
    while (i < db.length && db[i] === 0) i++;
    if (i === db.length || db[i] !== 1) return false;
    const salt = db.subarray(i + 1);
    if (sLen >= 0 && salt.length !== sLen) return false;
    return Buffer.compare(hash(id, Buffer.alloc(8), mHash, salt), H) === 0;
  }

  // EME-OAEP encoding (7.1.1) for a k-byte modulus; null when the message is too long
  function oaepEncode(id, k, message, label) {
    const lHash = hash(id, label);
    const hLen = lHash.length;
    if (message.length > k - 2 * hLen - 2) return null;
    const db = Buffer.alloc(k - hLen - 1);
    lHash.copy(db);
    db[k - message.length - hLen - 2] = 1;
    Buffer.from(message).copy(db, k - message.length - hLen - 1);
    const seed = random(hLen);
    const dbMask = mgf1(id, seed, db.length);
    for (let i = 0; i < db.length; i++) db[i] ^= dbMask[i];
    const seedMask = mgf1(id, db, hLen);
    for (let i = 0; i < hLen; i++) seed[i] ^= seedMask[i];
    return Buffer.concat([Buffer.from([0]), seed, db]);
  }
  // EME-OAEP decoding (7.1.2) of the k-byte em: the message, or null. One pass over every byte
  // whatever they hold, the failures folded into one flag (RFC 8017's note: they must not differ).
  function oaepDecode(id, k, em, label) {
    const lHash = hash(id, label);
    const hLen = lHash.length;
    if (em.length !== k || k < 2 * hLen + 2) return null;
    const seed = Buffer.from(em.subarray(1, 1 + hLen));
    const db = Buffer.from(em.subarray(1 + hLen));
    const seedMask = mgf1(id, db, hLen);
    for (let i = 0; i < hLen; i++) seed[i] ^= seedMask[i];
    const dbMask = mgf1(id, seed, db.length);
    for (let i = 0; i < db.length; i++) db[i] ^= dbMask[i];
    let bad = em[0];
    for (let i = 0; i < hLen; i++) bad |= db[i] ^ lHash[i];
    // the first non-zero byte after lHash must be 0x01; `found` becomes 1 there, and stays
    let found = 0;
    let index = 0;
    for (let i = hLen; i < db.length; i++) {
      const isOne = ((db[i] ^ 1) - 1) >>> 31; // 1 when db[i] is 1
      const isZero = (db[i] - 1) >>> 31; // 1 when db[i] is 0
      const first = isOne & (found ^ 1);
      index |= -first & i;
      bad |= (found ^ 1) & ((isOne | isZero) ^ 1); // a byte other than 0 or 1 before the separator
      found |= first;
    }
    bad |= found ^ 1;
    return bad !== 0 ? null : db.subarray(index + 1);
  }

  Object.assign(exports, {
    privateOp, blindedPrivateOp, publicOp, publicKeyRefusal, bigOf, bytesOf, pssEncode, pssVerify, pssMaxSalt, oaepEncode, oaepDecode,
  });
});
