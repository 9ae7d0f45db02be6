// RSA private-key operations for require('crypto') (crypto.js pads the message and calls this):
// m^d mod n with the Chinese remainder theorem, in BigInt. In a function only when its sources name
// 'crypto' (edge/js/build.py's ON_DEMAND), evaluated at build time.
//
// Signing is deterministic (RSASSA-PKCS1-v1_5), so signatures are byte for byte OpenSSL's. BigInt
// arithmetic does not run in constant time; what is raised to d here is a padded hash, which a
// caller cannot choose (the timing attacks on RSA, such as Brumley and Boneh's, need chosen inputs).
defineBuiltin('internal/rsa', function (exports, require, module, internal) {
  // base^exp mod m with 5-bit windows: one multiplication per 5 bits of the exponent, not one per
  // set bit (a small exponent, such as e, bit by bit).
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

  Object.assign(exports, { privateOp });
});
