// Elliptic curves for require('crypto') and crypto.subtle (crypto.js, webcrypto.js and keys.js read
// the keys and call this): ECDSA over P-256, P-384, P-521 and secp256k1 (JWT ES256, ES384, ES512,
// ES256K) and Ed25519 (JWT EdDSA), signing and verification, and key agreement: ECDH on those
// curves and X25519 (RFC 7748). In a function only when its sources name 'crypto'
// (edge/js/build.py's ON_DEMAND), evaluated at build time.
// The scalar multiplications of P-256, P-384, P-521, Ed25519 and X25519 and every modular
// exponentiation (square roots, inversions) are the engine's (native.ecMul, ecMulAdd, edMul,
// edMulAdd, x25519, modPow: pycryptodome's constant-time C code, edge/js/engine/pubkey.c);
// secp256k1's points are BigInt here (fixedMultiply, jointMultiply).
// Verification handles public data only. Signing handles secrets (private keys, nonces): their
// scalar multiplications take the same steps whatever the scalar (the engine's, and fixedMultiply
// here over scalars padded to one length) and secret values are inverted by exponentiation, not by
// Euclid's algorithm, whose steps depend on the value; BigInt arithmetic itself does not run in
// constant time. ECDSA nonces are RFC 6979's (deterministic, from the key and the message), so a
// signature never depends on the quality of a random source.
defineBuiltin('internal/ec', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const native = internal.native;

  function bigOf(bytes) { // big-endian
    const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
    return hex === '' ? 0n : BigInt('0x' + hex);
  }
  function bytesOf(value, length) { // big-endian, exactly `length` bytes
    return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
  }
  function mod(a, m) {
    const r = a % m;
    return r < 0n ? r + m : r;
  }
  // base^exp mod m: the engine's (constant-time) for the odd moduli of every curve here, BigInt
  // for what it refuses
  function modPow(base, exp, m) {
    base = mod(base, m);
    const size = (m.toString(16).length + 1) >> 1;
    if (exp >= 0n && exp.toString(16).length <= 2 * size) {
      const r = native.modPow(bytesOf(base, size), bytesOf(exp, size), bytesOf(m, size));
      if (r !== null) return bigOf(r);
    }
    let result = 1n;
    for (; exp > 0n; exp >>= 1n) {
      if (exp & 1n) result = (result * base) % m;
      base = (base * base) % m;
    }
    return result;
  }
  function modInv(a, m) { // extended Euclid; m is prime and a is not a multiple of it
    let [r0, r1] = [mod(a, m), m];
    let [s0, s1] = [1n, 0n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    }
    return mod(s0, m);
  }

  // u1*P1 + u2*P2 with one chain of doublings (Shamir's trick), two bits of each scalar at a time:
  // table[4*i + j] = i*P1 + j*P2 for i, j in 0..3.
  function jointMultiply(group, u1, P1, u2, P2) {
    const table = [group.zero];
    for (let k = 1; k < 16; k++) {
      const i = k >> 2;
      const j = k & 3;
      if (j === 0) table.push(i === 1 ? P1 : group.add(table[k - 4], P1)); // i*P1
      else if (i === 0) table.push(j === 1 ? P2 : group.add(table[j - 1], P2)); // j*P2
      else table.push(group.add(table[4 * i], table[j])); // i*P1 + j*P2
    }
    const digits = Math.max(u1.toString(4).length, u2.toString(4).length);
    const d1 = u1.toString(4).padStart(digits, '0');
    const d2 = u2.toString(4).padStart(digits, '0');
    let R = group.zero;
    for (let k = 0; k < digits; k++) {
      R = group.double(group.double(R));
      const entry = 4 * (d1.charCodeAt(k) - 48) + (d2.charCodeAt(k) - 48);
      if (entry !== 0) R = group.add(R, table[entry]);
    }
    return R;
  }

  // Short Weierstrass curves y^2 = x^3 + ax + b over GF(p), each of prime order n (cofactor 1, so
  // every point on the curve other than infinity is a valid public key). Points are Jacobian
  // [X, Y, Z], standing for the affine (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
  // `native`: the engine's number for the curve (native.ecMul), undefined for secp256k1.
  function weierstrass(name, jwk, oid, native, p, a, b, n, gx, gy) {
    const aIsMinus3 = a === p - 3n; // the NIST curves: 3x^2 + aZ^4 = 3(x - Z^2)(x + Z^2)
    const curve = {
      name, jwk, oid, native, p, a, b, n, G: [gx, gy, 1n],
      size: Math.ceil(p.toString(2).length / 8), // bytes per coordinate
      orderBits: n.toString(2).length,
      orderSize: Math.ceil(n.toString(2).length / 8), // bytes per r and s in a P1363 signature
      zero: [0n, 1n, 0n],
      double([X, Y, Z]) {
        if (Z === 0n || Y === 0n) return curve.zero;
        const YY = (Y * Y) % p;
        const ZZ = (Z * Z) % p;
        const S = (4n * X * YY) % p;
        const M = aIsMinus3 ? (3n * (X - ZZ) * (X + ZZ)) % p : (3n * X * X + a * ((ZZ * ZZ) % p)) % p;
        const X3 = mod(M * M - 2n * S, p);
        const Y3 = mod(M * (S - X3) - 8n * YY * YY, p);
        return [X3, Y3, (2n * Y * Z) % p];
      },
      add(P, Q) {
        const [X1, Y1, Z1] = P;
        const [X2, Y2, Z2] = Q;
        if (Z1 === 0n) return Q;
        if (Z2 === 0n) return P;
        const Z1Z1 = (Z1 * Z1) % p;
        const Z2Z2 = (Z2 * Z2) % p;
        const U1 = (X1 * Z2Z2) % p;
        const S1 = (Y1 * Z2 * Z2Z2) % p;
        const H = mod((X2 * Z1Z1) % p - U1, p);
        const R = mod((Y2 * Z1 * Z1Z1) % p - S1, p);
        if (H === 0n) return R === 0n ? curve.double(P) : curve.zero; // P == Q, or P == -Q
        const HH = (H * H) % p;
        const HHH = (H * HH) % p;
        const V = (U1 * HH) % p;
        const X3 = mod(R * R - HHH - 2n * V, p);
        const Y3 = mod(R * (V - X3) - S1 * HHH, p);
        return [X3, Y3, (Z1 * Z2 * H) % p];
      },
      onCurve(x, y) {
        return x >= 0n && x < p && y >= 0n && y < p && mod(y * y - (x * x * x + a * x + b), p) === 0n;
      },
    };
    return curve;
  }

  // (OpenSSL's name, JWK "crv", OID, p, a, b, n, G): the parameters of SEC 2 and FIPS 186
  const CURVES = [
    weierstrass('prime256v1', 'P-256', '2a8648ce3d030107', 0,
      0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
      0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
      0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
      0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
      0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
      0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n),
    weierstrass('secp384r1', 'P-384', '2b81040022', 1,
      0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
      0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
      0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
      0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
      0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
      0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn),
    weierstrass('secp521r1', 'P-521', '2b81040023', 2,
      2n ** 521n - 1n,
      2n ** 521n - 4n,
      0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
      0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
      0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
      0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n),
    weierstrass('secp256k1', 'secp256k1', '2b8104000a', undefined,
      0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn, 0n, 7n,
      0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
      0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
      0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n),
  ];
  // The curves by SPKI OID (hex) and by JWK "crv" (`name` is OpenSSL's: asymmetricKeyDetails.namedCurve).
  const byOid = new Map(CURVES.map((c) => [c.oid, c]));
  const byJwk = new Map(CURVES.map((c) => [c.jwk, c]));

  // An SEC1 point (uncompressed 04||X||Y, compressed 02/03||X, hybrid 06/07||X||Y) on `curve`:
  // { x, y, form } or null when the bytes are not a point on the curve. Node (OpenSSL) also takes a
  // lone 00 (the point at infinity) as a key that verifies nothing; it is refused here.
  function decodePoint(curve, bytes) {
    const { p, a, b, size } = curve;
    const form = bytes[0] & ~1;
    if (bytes.length === 1 + size && form === 2) {
      const x = bigOf(bytes.subarray(1));
      if (x >= p) return null;
      // p = 3 (mod 4) for every curve here: a square root of c is c^((p+1)/4)
      const c = mod(x * x * x + a * x + b, p);
      let y = modPow(c, (p + 1n) / 4n, p);
      if ((y * y) % p !== c) return null;
      if ((y & 1n) !== BigInt(bytes[0] & 1)) y = mod(-y, p);
      return { x, y, form: 2 };
    }
    if (bytes.length === 1 + 2 * size && (bytes[0] === 4 || form === 6)) {
      const x = bigOf(bytes.subarray(1, 1 + size));
      const y = bigOf(bytes.subarray(1 + size));
      if (!curve.onCurve(x, y)) return null;
      if (form === 6 && (y & 1n) !== BigInt(bytes[0] & 1)) return null;
      return { x, y, form: bytes[0] === 4 ? 4 : 6 };
    }
    return null;
  }
  function encodePoint(curve, { x, y, form }) {
    const odd = Number(y & 1n);
    if (form === 2) return Buffer.concat([Buffer.from([2 + odd]), bytesOf(x, curve.size)]);
    return Buffer.concat([Buffer.from([form === 6 ? 6 + odd : 4]), bytesOf(x, curve.size), bytesOf(y, curve.size)]);
  }

  // ECDSA signatures: DER (SEQUENCE of two INTEGERs, Node's default) or IEEE P1363 (r || s, each
  // orderSize bytes: what JWT ES256/384/512 use). [r, s], or null for anything but the one canonical
  // encoding, which OpenSSL also refuses (a non-minimal DER signature does not verify in Node).
  function derSignature(sig) {
    let pos = 0;
    function length() { // short form, or 81 xx for 128-255: nothing longer is needed, nor allowed in DER
      let len = sig[pos++];
      if (len === 0x81) {
        len = sig[pos++];
        if (len < 0x80) return -1;
      } else if (len >= 0x80) {
        return -1;
      }
      return len === undefined ? -1 : len;
    }
    function integer() {
      if (sig[pos++] !== 2) return null;
      const len = length();
      if (len < 1 || pos + len > sig.length) return null;
      const body = sig.subarray(pos, pos + len);
      pos += len;
      if (body[0] >= 0x80 || (len > 1 && body[0] === 0 && body[1] < 0x80)) return null; // negative, not minimal
      return bigOf(body);
    }
    if (sig[pos++] !== 0x30 || length() !== sig.length - pos) return null;
    const r = integer();
    const s = r === null ? null : integer();
    return s === null || pos !== sig.length ? null : [r, s];
  }
  function p1363Signature(curve, sig) {
    if (sig.length !== 2 * curve.orderSize) return null;
    return [bigOf(sig.subarray(0, curve.orderSize)), bigOf(sig.subarray(curve.orderSize))];
  }

  // ECDSA verification (SEC 1 4.1.4): digest is the message's hash, of any length (its leftmost
  // orderBits bits are used, as OpenSSL does); point is a decoded public key.
  function ecdsaVerify(curve, point, digest, signature, dsaEncoding) {
    const rs = dsaEncoding === 'ieee-p1363' ? p1363Signature(curve, signature) : derSignature(signature);
    if (rs === null) return false;
    const [r, s] = rs;
    const { n, p } = curve;
    if (r < 1n || r >= n || s < 1n || s >= n) return false;
    let e = bigOf(digest);
    if (digest.length * 8 > curve.orderBits) e >>= BigInt(digest.length * 8 - curve.orderBits);
    const w = modInv(s, n);
    if (curve.native !== undefined) {
      const xy = native.ecMulAdd(curve.native, bytesOf((e * w) % n, curve.orderSize), bytesOf((r * w) % n, curve.orderSize),
        bytesOf(point.x, curve.size), bytesOf(point.y, curve.size));
      return xy !== null && bigOf(xy.subarray(0, curve.size)) % n === r;
    }
    const R = jointMultiply(curve, (e * w) % n, curve.G, (r * w) % n, [point.x, point.y, 1n]);
    const [X, , Z] = R;
    if (Z === 0n) return false;
    // R's affine x is X/Z^2; it must be r modulo n. As r < n and x < p < 2n, x is r or r + n:
    // compare X with r*Z^2 (and (r+n)*Z^2) instead of inverting Z.
    const ZZ = (Z * Z) % p;
    return (r * ZZ) % p === X || (r + n < p && ((r + n) * ZZ) % p === X);
  }

  // Ed25519 (RFC 8032) on the twisted Edwards curve -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19):
  // points are decoded here, multiplied by the engine (native.edMul, edMulAdd: affine x || y,
  // big-endian, 32 bytes each).
  const P = 2n ** 255n - 19n;
  const L = 2n ** 252n + 27742317777372353535851937790883648493n; // the base point's order
  const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n; // -121665/121666
  const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n; // 2^((p-1)/4)

  function littleEndian(bytes) {
    return bigOf(Buffer.from(bytes).reverse());
  }
  // A 32-byte encoding to a point, or null. As OpenSSL: the 255 bits of y are reduced mod p (a
  // non-canonical y is accepted), and x = 0 with the sign bit set decodes to x = 0.
  function edDecode(bytes) {
    const top = bytes[31];
    const y = mod(littleEndian(bytes) & ((1n << 255n) - 1n), P);
    const u = mod(y * y - 1n, P);
    const v = mod(D * y * y + 1n, P);
    // x = sqrt(u/v) = u v^3 (u v^7)^((p-5)/8), times sqrt(-1) if that squares to -u/v
    const v3 = (v * v % P) * v % P;
    let x = (u * v3 % P) * modPow(u * v3 * v3 * v, (P - 5n) / 8n, P) % P;
    const vxx = (v * x % P) * x % P;
    if (vxx !== u) {
      if (vxx !== mod(-u, P)) return null;
      x = (x * SQRT_M1) % P;
    }
    if (Number(x & 1n) !== top >> 7) x = mod(-x, P);
    return [x, y];
  }
  // The encoding of the engine's affine x || y: y little-endian, x's low bit on top
  function edEncode(xy) {
    const out = Buffer.from(xy.subarray(32)).reverse();
    out[31] |= (xy[31] & 1) << 7;
    return out;
  }

  // Verification as OpenSSL does it: S < L, A decodes, and the encoding of [S]B - [k]A (k =
  // SHA-512(R || A || message) mod L) is byte for byte R.
  function ed25519Verify(publicKey, message, signature) {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    const S = littleEndian(signature.subarray(32));
    if (S >= L) return false;
    const A = edDecode(publicKey);
    if (A === null) return false;
    const hash = internal.native.digest(512, Buffer.concat([signature.subarray(0, 32), publicKey, message]));
    const k = littleEndian(hash) % L;
    const R = edEncode(native.edMulAdd(bytesOf(S, 32), bytesOf(k, 32), bytesOf(mod(-A[0], P), 32), bytesOf(A[1], 32)));
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= R[i] ^ signature[i];
    return diff === 0;
  }

  // Signing on secp256k1. k*P for a secret scalar k < 2^bits: 4-bit windows over a fixed number of digits, with
  // one addition per digit whatever its value (a zero digit adds to a point that is thrown away).
  const baseTables = new WeakMap(); // P -> [0, P, 2P, ..., 15P]
  function fixedMultiply(group, P, k, bits) {
    let table = baseTables.get(P);
    if (table === undefined) {
      table = [group.zero, P];
      for (let i = 2; i < 16; i++) table.push(i % 2 === 0 ? group.double(table[i / 2]) : group.add(table[i - 1], P));
      baseTables.set(P, table);
    }
    const digits = k.toString(16).padStart(Math.ceil(bits / 4), '0');
    let R = group.zero;
    for (let i = 0; i < digits.length; i++) {
      R = group.double(group.double(group.double(group.double(R))));
      const digit = digits.charCodeAt(i) - (digits.charCodeAt(i) < 97 ? 48 : 87);
      const sum = group.add(R, table[digit === 0 ? 1 : digit]);
      if (digit !== 0) R = sum;
    }
    return R;
  }
  // k + n or k + 2n, whichever has exactly one bit more than n: the same multiple of a point of
  // order n, and the same number of digits for every k, so the length of k does not show (Minerva).
  function fixedLength(k, n) {
    const bits = n.toString(2).length;
    let padded = k + n;
    if (padded >> BigInt(bits) === 0n) padded += n;
    return [padded, bits + 1];
  }
  const invert = (a, m) => modPow(a, m - 2n, m); // m prime: Fermat
  function affine(curve, [X, Y, Z]) {
    const { p } = curve;
    const zi = invert(Z, p);
    const zi2 = (zi * zi) % p;
    return { x: (X * zi2) % p, y: (((Y * zi2) % p) * zi) % p, form: 4 };
  }
  // k*P (P a decoded point, or G when undefined) for a secret k in [1, n - 1] on a curve the engine
  // has: { x, y, form: 4 }, or null for the point at infinity. The engine's steps do not show k's
  // length (pubkey.c multiplies by k or n - k, whichever has a non-zero top byte).
  function nativeMultiply(curve, k, P) {
    const scalar = bytesOf(k, curve.orderSize);
    const xy = P === undefined ? native.ecMul(curve.native, scalar)
      : native.ecMul(curve.native, scalar, bytesOf(P.x, curve.size), bytesOf(P.y, curve.size));
    if (xy === null) return null;
    return { x: bigOf(xy.subarray(0, curve.size)), y: bigOf(xy.subarray(curve.size)), form: 4 };
  }
  // An EC private key's public point: d*G
  function publicPoint(curve, d) {
    if (curve.native !== undefined) return nativeMultiply(curve, d);
    return affine(curve, fixedMultiply(curve, curve.G, ...fixedLength(d, curve.n)));
  }

  // A digest's leftmost orderBits bits as an integer (SEC 1's e; RFC 6979's bits2int)
  function bitsToInt(curve, bytes) {
    const e = bigOf(bytes);
    return bytes.length * 8 > curve.orderBits ? e >> BigInt(bytes.length * 8 - curve.orderBits) : e;
  }
  // RFC 6979 3.2: the nonces for private key x and message digest h1, from HMAC-DRBG over the
  // digest's own hash function (hmacWith(key) gives data -> HMAC with that key).
  function* rfc6979(curve, x, h1, hmacWith) {
    const { n, orderBits, orderSize } = curve;
    const mac = (key, ...parts) => Buffer.from(hmacWith(key)(Buffer.concat(parts)));
    const seed = [bytesOf(x, orderSize), bytesOf(bitsToInt(curve, h1) % n, orderSize)];
    let V = Buffer.alloc(h1.length, 1);
    let K = Buffer.alloc(h1.length, 0);
    K = mac(K, V, Buffer.from([0]), ...seed);
    V = mac(K, V);
    K = mac(K, V, Buffer.from([1]), ...seed);
    V = mac(K, V);
    for (;;) {
      let T = Buffer.alloc(0);
      while (T.length * 8 < orderBits) {
        V = mac(K, V);
        T = Buffer.concat([T, V]);
      }
      const k = bitsToInt(curve, T);
      if (k >= 1n && k < n) yield k;
      K = mac(K, V, Buffer.from([0]));
      V = mac(K, V);
    }
  }
  function derInteger(value) {
    let hex = value.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
    return Buffer.concat([Buffer.from([2, hex.length / 2]), Buffer.from(hex, 'hex')]);
  }
  // ECDSA signing (SEC 1 4.1.3) with private key d of digest (the message's hash), in Node's
  // encodings: DER by default, r || s with dsaEncoding 'ieee-p1363'.
  function ecdsaSign(curve, d, digest, dsaEncoding, hmacWith) {
    const { n } = curve;
    const e = bitsToInt(curve, digest);
    for (const k of rfc6979(curve, d, digest, hmacWith)) {
      const R = curve.native !== undefined ? nativeMultiply(curve, k) : affine(curve, fixedMultiply(curve, curve.G, ...fixedLength(k, n)));
      const r = R.x % n;
      if (r === 0n) continue;
      const s = (invert(k, n) * ((e + r * d) % n)) % n;
      if (s === 0n) continue;
      if (dsaEncoding === 'ieee-p1363') return Buffer.concat([bytesOf(r, curve.orderSize), bytesOf(s, curve.orderSize)]);
      const body = Buffer.concat([derInteger(r), derInteger(s)]);
      return Buffer.concat([Buffer.from(body.length < 128 ? [0x30, body.length] : [0x30, 0x81, body.length]), body]);
    }
  }

  // Ed25519 (RFC 8032 5.1.5, 5.1.6): the secret scalar a and the nonce prefix from SHA-512(seed)
  function ed25519Expand(seed) {
    const h = internal.native.digest(512, seed);
    const a = (littleEndian(h.subarray(0, 32)) & ((1n << 254n) - 8n)) | (1n << 254n);
    return [a, h.subarray(32)];
  }
  function ed25519Public(seed) {
    const [a] = ed25519Expand(seed);
    return edEncode(native.edMul(bytesOf(a, 32)));
  }
  function ed25519Sign(seed, publicKey, message) {
    const [a, prefix] = ed25519Expand(seed);
    const r = littleEndian(internal.native.digest(512, Buffer.concat([prefix, message]))) % L;
    const R = edEncode(native.edMul(bytesOf(r, 32)));
    const k = littleEndian(internal.native.digest(512, Buffer.concat([R, publicKey, message]))) % L;
    return Buffer.concat([R, bytesOf((r + k * a) % L, 32).reverse()]);
  }

  // ECDH (SEC 1 3.3.1): the x coordinate of d*Q, `size` bytes; null for the point at infinity
  // (impossible on these prime-order curves for a valid Q and 0 < d < n, but checked as OpenSSL does)
  function ecdh(curve, d, point) {
    if (curve.native !== undefined) {
      const R = nativeMultiply(curve, d, point);
      return R === null ? null : bytesOf(R.x, curve.size);
    }
    const R = fixedMultiply(curve, [point.x, point.y, 1n], ...fixedLength(d, curve.n));
    if (R[2] === 0n) return null;
    return bytesOf(affine(curve, R).x, curve.size);
  }
  // A fresh private key for `curve`: uniform in [1, n - 1] (by rejection)
  function randomScalar(curve) {
    const bytes = Buffer.alloc(curve.orderSize);
    for (;;) {
      internal.native.randomFill(bytes);
      let d = bigOf(bytes);
      d >>= BigInt(curve.orderSize * 8 - curve.orderBits);
      if (d >= 1n && d < curve.n) return d;
    }
  }

  // X25519 (RFC 7748 5): the engine's Montgomery ladder (native.x25519, big-endian) over every bit
  // of the clamped scalar. 32 bytes, all zero when u is of small order (callers refuse that, as
  // OpenSSL does).
  function x25519(scalar, u) {
    const k = Buffer.from(scalar);
    k[0] &= 248;
    k[31] = (k[31] & 127) | 64;
    const uBytes = Buffer.from(u);
    uBytes[31] &= 127;
    const x1 = littleEndian(uBytes) % P; // a u of 2^255 - 19 or more is taken modulo p
    return Buffer.from(native.x25519(k.reverse(), bytesOf(x1, 32))).reverse();
  }
  const X25519_BASE = Buffer.concat([Buffer.from([9]), Buffer.alloc(31)]);
  const x25519Public = (scalar) => x25519(scalar, X25519_BASE);

  Object.assign(exports, {
    ecdh, randomScalar, x25519, x25519Public,
    CURVES, byOid, byJwk, decodePoint, encodePoint, publicPoint, ecdsaVerify, ecdsaSign, ed25519Public, ed25519Verify, ed25519Sign,
  });
});
