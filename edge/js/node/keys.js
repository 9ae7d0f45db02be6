// Asymmetric keys for require('crypto'): PEM, DER and JWK read into key handles, and written back
// as Node writes them. crypto.js wraps the handles in KeyObjects. Key types: RSA, EC on P-256,
// P-384, P-521 and secp256k1 (curves and points: ec.js, internal/ec), Ed25519 and X25519.
//   public:  SPKI (PEM 'PUBLIC KEY'), PKCS#1 ('RSA PUBLIC KEY'), JWK, an X.509 certificate's
//            (PEM 'CERTIFICATE': its subjectPublicKeyInfo, as Node takes it)
//   private: PKCS#8 ('PRIVATE KEY'), PKCS#1 ('RSA PRIVATE KEY'), SEC1 ('EC PRIVATE KEY'), JWK;
//            unencrypted only
// A handle is immutable. Public ones:
//   { kind: 'rsa', n, e (BigInt), bits, size (modulus bytes) }
//   { kind: 'ec', curve (from internal/ec), x, y (BigInt), form (4 uncompressed, 2 compressed, 6 hybrid) }
//   { kind: 'ed25519' or 'x25519', raw (the 32-byte public key) }
// A private one has the same kind, `public` (its public handle) and the private values:
//   rsa: d, p, q, dp, dq, qi (BigInt); ec: d (BigInt); ed25519, x25519: seed (the 32-byte private key)
defineBuiltin('internal/keys', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const KEY_HANDLE = Symbol('key handle');

  // ec.js and rsa.js are in a function when a source of it names 'crypto' (edge/js/build.py), and
  // evaluated at build time, in the snapshot, when crypto is loaded then.
  function onDemand(name, what) {
    let loaded = null;
    return () => {
      if (loaded !== null) return loaded;
      if (builtinFactories[name] === undefined) { // crypto reached without its name in a source
        throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
          `${what} need a literal require('crypto') (or import) in the function's sources: the build includes them then`);
      }
      loaded = require(name);
      return loaded;
    };
  }
  const ec = onDemand('internal/ec', 'EC and Ed25519 keys');
  const rsa = onDemand('internal/rsa', 'RSA signatures');
  (internal.warmups || (internal.warmups = [])).push(() => {
    if (builtinFactories['internal/ec'] !== undefined) ec();
    if (builtinFactories['internal/rsa'] !== undefined) rsa();
  });

  // Errors, as Node words them, and what edge functions do not read.
  const SUPPORTED_KEYS = 'edge functions read RSA keys, EC keys on P-256, P-384, P-521 or secp256k1, Ed25519 and X25519 keys: ' +
    'public (PEM "PUBLIC KEY", "RSA PUBLIC KEY" or "CERTIFICATE", DER spki or pkcs1, JWK) and unencrypted private (PEM "PRIVATE KEY", ' +
    '"RSA PRIVATE KEY" or "EC PRIVATE KEY", DER pkcs8, pkcs1 or sec1, JWK)';
  function unsupportedKey(what) {
    return internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `${what} are not supported: ${SUPPORTED_KEYS}`);
  }
  function undecodable(why) {
    const err = new Error(`error:1E08010C:DECODER routines::unsupported (${why}; ${SUPPORTED_KEYS})`);
    err.code = 'ERR_OSSL_UNSUPPORTED';
    return err;
  }
  function opensslError(code, library, reason, hex) {
    const err = new Error(`error:${hex}:${library}::${reason}`);
    Object.assign(err, { library, reason, code });
    return err;
  }
  // Node's error for key bytes OpenSSL cannot turn into a key (an EC point not on its curve, say).
  const decodeError = () => opensslError('ERR_OSSL_EVP_DECODE_ERROR', 'digital envelope routines', 'decode error', '03000072');
  function shown(value) { // how Node's errors show a received value
    return typeof value === 'string' ? `'${value}'` : String(value);
  }
  function invalidProperty(name, value) {
    return internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property '${name}' is invalid. Received ${shown(value)}`);
  }
  function notOneOf(name, allowed, value) {
    return internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
      `The property '${name}' must be one of: ${allowed.map(shown).join(', ')}. Received ${shown(value)}`);
  }
  function propertyType(name, expected, value) { // Node says "property" for a dotted name
    const err = internal.argType(name, expected, value);
    err.message = err.message.replace(`"${name}" argument`, `"${name}" property`);
    return err;
  }
  const invalidJwk = (what = 'data') => internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', `Invalid JWK ${what}`);

  // DER: one TLV at pos, within end.
  function readTlv(buf, pos, end) {
    if (pos + 2 > end) throw undecodable('truncated DER');
    const at = pos;
    const tag = buf[pos];
    let len = buf[pos + 1];
    pos += 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || pos + n > end) throw undecodable('bad DER length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + buf[pos++];
    }
    if (pos + len > end) throw undecodable('truncated DER');
    return { tag, at, start: pos, end: pos + len };
  }
  function derChildren(buf, tlv) {
    const out = [];
    for (let p = tlv.start; p < tlv.end;) {
      const t = readTlv(buf, p, tlv.end);
      out.push(t);
      p = t.end;
    }
    return out;
  }
  // The children of the SEQUENCE that is all of buf[start, end), or [] when it is something else.
  function sequence(buf, start = 0, end = buf.length) {
    const seq = readTlv(buf, start, end);
    return seq.tag === 0x30 && seq.end === end ? derChildren(buf, seq) : [];
  }
  function hexOf(bytes) {
    return internal.fromBytes(bytes).toString('hex');
  }
  function bigOf(bytes) {
    const hex = hexOf(bytes);
    return hex === '' ? 0n : BigInt('0x' + hex);
  }
  const contents = (buf, tlv) => buf.subarray(tlv.start, tlv.end);
  const integers = (buf, tlvs) => tlvs.map((t) => bigOf(contents(buf, t)));
  function bytesOf(value, length) {
    const hex = value.toString(16);
    if (hex.length > length * 2) return null;
    return Buffer.from(hex.padStart(length * 2, '0'), 'hex');
  }
  const minimalBytes = (value) => bytesOf(value, Math.ceil(value.toString(16).length / 2));

  function derLength(n) {
    if (n < 128) return [n];
    const out = [];
    for (; n > 0; n = Math.floor(n / 256)) out.unshift(n & 255);
    return [0x80 | out.length, ...out];
  }
  function der(tag, ...content) {
    const body = Buffer.concat(content);
    return Buffer.concat([Buffer.from([tag, ...derLength(body.length)]), body]);
  }
  function derInteger(value) {
    let hex = value.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
    return der(2, Buffer.from(hex, 'hex'));
  }
  const bitString = (bytes) => der(3, Buffer.from([0]), bytes);

  // Handles
  function rsaPublic(n, e) {
    if (n <= 0n || (n & 1n) === 0n || e <= 1n || e >= n) throw undecodable('invalid RSA modulus or exponent');
    const bits = n.toString(2).length;
    return { [KEY_HANDLE]: true, kind: 'rsa', n, e, bits, size: Math.ceil(bits / 8) };
  }
  function rsaPrivate(n, e, d, p, q, dp, dq, qi) {
    return { [KEY_HANDLE]: true, kind: 'rsa', public: rsaPublic(n, e), d, p, q, dp, dq, qi };
  }
  function ecPublic(curve, point) {
    return { [KEY_HANDLE]: true, kind: 'ec', curve, x: point.x, y: point.y, form: point.form };
  }
  // An EC private key; without its public point (which SEC1 makes optional) it is computed, as OpenSSL does.
  function ecPrivate(curve, d, point, invalid) {
    if (d <= 0n || d >= curve.n) throw invalid();
    return { [KEY_HANDLE]: true, kind: 'ec', public: ecPublic(curve, point || ec().publicPoint(curve, d)), d };
  }
  function ed25519Public(raw) {
    return { [KEY_HANDLE]: true, kind: 'ed25519', raw: Buffer.from(raw) };
  }
  function ed25519Private(seed) {
    return { [KEY_HANDLE]: true, kind: 'ed25519', public: ed25519Public(ec().ed25519Public(seed)), seed: Buffer.from(seed) };
  }
  function x25519Public(raw) {
    return { [KEY_HANDLE]: true, kind: 'x25519', raw: Buffer.from(raw) };
  }
  function x25519Private(seed) {
    return { [KEY_HANDLE]: true, kind: 'x25519', public: x25519Public(ec().x25519Public(seed)), seed: Buffer.from(seed) };
  }
  const OKP = { ed25519: [ed25519Public, ed25519Private], x25519: [x25519Public, x25519Private] };
  const isHandle = (value) => value !== null && typeof value === 'object' && value[KEY_HANDLE] === true;
  const isPrivate = (handle) => handle.public !== undefined;
  const publicOf = (handle) => handle.public || handle;

  // Reading. PKCS#1: RSAPublicKey, or RSAPrivateKey (two primes: version 0).
  function parsePkcs1(buf, start = 0, end = buf.length) {
    const kids = sequence(buf, start, end);
    if (!kids.every((k) => k.tag === 2)) throw undecodable('not an RSA key');
    if (kids.length === 2) return rsaPublic(...integers(buf, kids));
    if (kids.length < 9) throw undecodable('not an RSA key');
    const [version, ...values] = integers(buf, kids);
    if (version !== 0n || kids.length !== 9) throw unsupportedKey('RSA keys with more than two primes');
    return rsaPrivate(...values);
  }
  const KEY_OIDS = {
    '2a864886f70d010101': 'rsa', '2a864886f70d01010a': 'RSA-PSS keys', '2a8648ce3d0201': 'ec',
    '2b6570': 'ed25519', '2b6571': 'Ed448 keys', '2b656e': 'x25519', '2b656f': 'X448 keys',
    '2a8648ce380401': 'DSA keys', '2a864886f70d010301': 'DH keys',
  };
  // An SPKI's or PKCS#8's AlgorithmIdentifier content by key kind: the OID (and RSA's NULL; EC adds its curve's OID)
  const ALGORITHM_IDS = { rsa: '06092a864886f70d0101010500', ec: '06072a8648ce3d0201', ed25519: '06032b6570', x25519: '06032b656e' };
  // An AlgorithmIdentifier: [kind, the curve for EC]
  function algorithmOf(buf, tlv) {
    const [oid, params] = tlv.tag === 0x30 ? derChildren(buf, tlv) : [];
    const kind = oid && oid.tag === 6 ? KEY_OIDS[hexOf(contents(buf, oid))] : undefined;
    if (kind === undefined) throw unsupportedKey('keys of this algorithm');
    if (kind !== 'rsa' && kind !== 'ec' && kind !== 'ed25519' && kind !== 'x25519') throw unsupportedKey(kind);
    if ((kind === 'ed25519' || kind === 'x25519') && params !== undefined) throw decodeError();
    return [kind, kind === 'ec' ? namedCurve(buf, params) : null];
  }
  // EC parameters naming the curve (RFC 5480); explicit curve parameters are not supported.
  function namedCurve(buf, params) {
    if (params === undefined || params.tag !== 6) throw unsupportedKey('EC keys with explicit curve parameters');
    const curve = ec().byOid.get(hexOf(contents(buf, params)));
    if (curve === undefined) throw unsupportedKey('EC keys on other curves than P-256, P-384, P-521 and secp256k1');
    return curve;
  }
  function ecPoint(curve, bytes) {
    const point = ec().decodePoint(curve, bytes);
    if (point === null) throw decodeError();
    return point;
  }
  function bitStringBytes(buf, tlv) {
    if (tlv.tag !== 3 || tlv.end === tlv.start || buf[tlv.start] !== 0) throw undecodable('bad BIT STRING');
    return buf.subarray(tlv.start + 1, tlv.end);
  }
  function parseSpki(buf) {
    const kids = sequence(buf);
    if (kids.length !== 2 || kids[1].tag !== 3) {
      if (kids.length >= 3 && kids[0].tag === 2) return parsePkcs8(buf); // a private key: its public half
      if (kids.length === 3 && kids[0].tag === 0x30 && kids[1].tag === 0x30 && kids[2].tag === 3) { // a certificate
        throw asn1Error('wrong tag', '068000A8');
      }
      throw undecodable('not a SubjectPublicKeyInfo');
    }
    const [kind, curve] = algorithmOf(buf, kids[0]);
    const key = bitStringBytes(buf, kids[1]);
    if (kind === 'rsa') return parsePkcs1(key);
    if (kind === 'ed25519' || kind === 'x25519') {
      if (key.length !== 32) throw decodeError();
      return OKP[kind][0](key);
    }
    return ecPublic(curve, ecPoint(curve, key));
  }
  // PKCS#8 (RFC 5958): version, AlgorithmIdentifier, the key in an OCTET STRING, [0] attributes, [1] public key
  function parsePkcs8(buf) {
    const kids = sequence(buf);
    if (kids.length === 2 && kids[0].tag === 0x30 && kids[1].tag === 4) throw unsupportedKey('encrypted private keys');
    if (kids.length < 3 || kids[0].tag !== 2 || kids[2].tag !== 4) {
      if (kids.length === 2 && kids[1].tag === 3) throw undecodable('a public key where a private key is needed');
      throw undecodable('not a PKCS#8 PrivateKeyInfo');
    }
    const [kind, curve] = algorithmOf(buf, kids[1]);
    const key = contents(buf, kids[2]);
    if (kind === 'rsa') return parsePkcs1(key);
    if (kind === 'ec') return parseSec1(key, curve);
    const seed = readTlv(key, 0, key.length);
    if (seed.tag !== 4 || seed.end !== key.length || seed.end - seed.start !== 32) throw decodeError();
    return OKP[kind][1](contents(key, seed));
  }
  // SEC1 ECPrivateKey: version 1, the private key, [0] the curve (optional in PKCS#8), [1] the public key
  function parseSec1(buf, curve = null) {
    const kids = sequence(buf);
    if (kids.length < 2 || kids[0].tag !== 2 || kids[1].tag !== 4 || bigOf(contents(buf, kids[0])) !== 1n) {
      throw undecodable('not an ECPrivateKey');
    }
    let publicKey = null;
    for (const field of kids.slice(2)) {
      const [inner] = derChildren(buf, field);
      if (field.tag === 0xa0 && inner !== undefined) {
        const named = namedCurve(buf, inner);
        if (curve !== null && named !== curve) throw decodeError();
        curve = named;
      } else if (field.tag === 0xa1 && inner !== undefined) {
        publicKey = bitStringBytes(buf, inner);
      } else {
        throw undecodable('not an ECPrivateKey');
      }
    }
    if (curve === null) throw undecodable('an EC private key that names no curve');
    return ecPrivate(curve, bigOf(contents(buf, kids[1])), publicKey && ecPoint(curve, publicKey), decodeError);
  }
  // X.509 (RFC 5280): a Certificate's parts, as TLVs of buf ({tag, at (its header), start, end}),
  // its structure checked as OpenSSL's decoder checks it, with its errors. Where a public key is
  // expected a PEM CERTIFICATE is its subjectPublicKeyInfo, as in Node (fromPem); X509Certificate
  // (crypto.js) reads the rest.
  const asn1Error = (reason, hex) => opensslError(`ERR_OSSL_ASN1_${reason.toUpperCase().replace(/ /g, '_')}`,
    'asn1 encoding routines', reason, hex);
  function certificate(buf) {
    const tlv = (pos, limit, tag) => {
      if (pos >= limit) throw asn1Error('field missing', '06800079');
      if (pos + 2 > limit) throw asn1Error('header too long', '0680007B');
      let len = buf[pos + 1];
      let p = pos + 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 4 || p + n > limit) throw asn1Error('header too long', '0680007B');
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + buf[p++];
      }
      if (p + len > limit) throw asn1Error('too long', '0680009B');
      if (tag !== undefined && buf[pos] !== tag) throw asn1Error('wrong tag', '068000A8');
      return { tag: buf[pos], at: pos, start: p, end: p + len };
    };
    const cert = tlv(0, buf.length, 0x30);
    const tbs = tlv(cert.start, cert.end, 0x30);
    let p = tbs.start;
    let version = 0;
    if (p < tbs.end && buf[p] === 0xa0) {
      const v = tlv(p, tbs.end, 0xa0);
      const n = tlv(v.start, v.end, 2);
      version = Number(bigOf(contents(buf, n)));
      p = v.end;
    }
    const next = (tag) => {
      const t = tlv(p, tbs.end, tag);
      p = t.end;
      return t;
    };
    const parts = { version, serial: next(2), innerAlgorithm: next(0x30), issuer: next(0x30), validity: next(0x30),
      subject: next(0x30), spki: next(0x30), extensions: null };
    for (const tag of [0x81, 0xa1, 0x82, 0xa2]) if (p < tbs.end && buf[p] === tag) next(tag); // issuer and subject unique IDs
    if (p < tbs.end && buf[p] === 0xa3) parts.extensions = derChildren(buf, derChildren(buf, next(0xa3))[0]);
    if (p !== tbs.end) throw asn1Error('wrong tag', '068000A8');
    const algorithm = tlv(tbs.end, cert.end, 0x30);
    const signature = tlv(algorithm.end, cert.end, 3);
    return Object.assign(parts, { der: buf.subarray(0, cert.end), tbs, algorithm, signature, trailing: cert.end !== buf.length });
  }
  const tlvBytes = (buf, t) => buf.subarray(t.at, t.end);

  function fromDer(buf, type) {
    if (type === 'spki') return parseSpki(buf);
    if (type === 'pkcs1') return parsePkcs1(buf);
    if (type === 'pkcs8') return parsePkcs8(buf);
    if (type === 'sec1') return parseSec1(buf);
    throw invalidProperty('options.type', type);
  }

  // PEM: the first block of a key (OpenSSL passes over others, such as the EC PARAMETERS that
  // `openssl ecparam -genkey` writes first).
  const PEM_TYPES = { 'PUBLIC KEY': 'spki', 'RSA PUBLIC KEY': 'pkcs1', 'RSA PRIVATE KEY': 'pkcs1', 'PRIVATE KEY': 'pkcs8',
    'EC PRIVATE KEY': 'sec1' };
  function fromPem(text) {
    const blocks = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
    let first = null;
    for (let m; (m = blocks.exec(text)) !== null;) {
      const [, label, body] = m;
      if (label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,\s*ENCRYPTED/.test(body)) {
        throw unsupportedKey('encrypted private keys (decrypt the key first, e.g. openssl pkey -in key.pem -out plain.pem)');
      }
      if (label === 'CERTIFICATE') {
        const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
        return parseSpki(tlvBytes(der, certificate(der).spki));
      }
      const type = PEM_TYPES[label];
      if (type === undefined) {
        if (first === null) first = label;
        continue;
      }
      if (/:/.test(body)) throw undecodable('PEM headers');
      return fromDer(Buffer.from(body.replace(/\s+/g, ''), 'base64'), type);
    }
    if (first !== null) throw unsupportedKey(`PEM "${first}" blocks`);
    throw undecodable('not a PEM key');
  }

  // A JWK, checked as Node does (its errors, in its order). Unless `wantPrivate`, a private JWK
  // gives its public half, as in Node.
  function fromJwk(jwk, wantPrivate) {
    if (jwk === null || typeof jwk !== 'object') throw propertyType('key.key', 'of type object', jwk);
    const string = (name) => {
      if (typeof jwk[name] !== 'string') throw propertyType(`key.${name}`, 'of type string', jwk[name]);
      return jwk[name];
    };
    const big = (name) => bigOf(Buffer.from(string(name), 'base64url'));
    if (jwk.kty === 'EC') {
      const crv = string('crv');
      if (!['P-256', 'secp256k1', 'P-384', 'P-521'].includes(crv)) throw notOneOf('key.crv', ['P-256', 'secp256k1', 'P-384', 'P-521'], crv);
      const x = big('x');
      const y = big('y');
      const d = wantPrivate ? big('d') : null;
      const curve = ec().byJwk.get(crv);
      if (!curve.onCurve(x, y)) throw invalidJwk('EC key');
      // Node keeps x and y as given (it does not check them against d)
      return wantPrivate ? ecPrivate(curve, d, { x, y, form: 4 }, () => invalidJwk('EC key')) : ecPublic(curve, { x, y, form: 4 });
    }
    if (jwk.kty === 'OKP') {
      const crv = string('crv');
      if (!['Ed25519', 'Ed448', 'X25519', 'X448'].includes(crv)) throw notOneOf('key.crv', ['Ed25519', 'Ed448', 'X25519', 'X448'], crv);
      const x = Buffer.from(string('x'), 'base64url');
      const d = wantPrivate ? Buffer.from(string('d'), 'base64url') : null;
      if (crv !== 'Ed25519' && crv !== 'X25519') throw unsupportedKey(`${crv} keys`);
      if ((wantPrivate ? d : x).length !== 32) throw invalidJwk();
      const [makePublic, makePrivate] = OKP[crv.toLowerCase()];
      return wantPrivate ? makePrivate(d) : makePublic(x); // a private key's public half is computed from d
    }
    if (jwk.kty !== 'RSA') {
      if (jwk.kty === 'oct' && !wantPrivate) throw unsupportedKey('JWKs with kty "oct" (use createSecretKey)');
      throw notOneOf('key.kty', ['RSA', 'EC', 'OKP'], jwk.kty);
    }
    string('n');
    const [n, e] = [big('n'), big('e')];
    if (!wantPrivate) return rsaPublic(n, e);
    return rsaPrivate(n, e, ...['d', 'p', 'q', 'dp', 'dq', 'qi'].map(big));
  }

  // Writing, as Node: JWK (its member order), PKCS#1 (RSA), SPKI, PKCS#8, SEC1 (EC), in PEM or DER.
  function jwkOf(k) {
    const b64 = (value, length) => bytesOf(value, length).toString('base64url');
    const pub = publicOf(k);
    if (k.kind === 'rsa') {
      const jwk = { kty: 'RSA', n: b64(pub.n, pub.size), e: minimalBytes(pub.e).toString('base64url') };
      if (isPrivate(k)) for (const name of ['d', 'p', 'q', 'dp', 'dq', 'qi']) jwk[name] = minimalBytes(k[name]).toString('base64url');
      return jwk;
    }
    if (k.kind === 'ec') {
      const jwk = { kty: 'EC', x: b64(pub.x, pub.curve.size), y: b64(pub.y, pub.curve.size), crv: pub.curve.jwk };
      if (isPrivate(k)) jwk.d = b64(k.d, pub.curve.size);
      return jwk;
    }
    const crv = k.kind === 'x25519' ? 'X25519' : 'Ed25519';
    return isPrivate(k) ? { crv, d: k.seed.toString('base64url'), x: pub.raw.toString('base64url'), kty: 'OKP' }
      : { crv, x: k.raw.toString('base64url'), kty: 'OKP' };
  }
  const pkcs1Public = (k) => der(0x30, derInteger(k.n), derInteger(k.e));
  function algorithmId(k) {
    const id = Buffer.from(ALGORITHM_IDS[k.kind], 'hex');
    return der(0x30, id, k.kind === 'ec' ? der(6, Buffer.from(publicOf(k).curve.oid, 'hex')) : Buffer.alloc(0));
  }
  function spki(k) {
    const key = k.kind === 'rsa' ? pkcs1Public(k) : k.kind === 'ec' ? ec().encodePoint(k.curve, k) : k.raw;
    return der(0x30, algorithmId(k), bitString(key));
  }
  function pkcs1Private(k) {
    const { n, e } = k.public;
    return der(0x30, ...[0n, n, e, k.d, k.p, k.q, k.dp, k.dq, k.qi].map(derInteger));
  }
  // ECPrivateKey; in PKCS#8 without its curve, which the AlgorithmIdentifier names
  function sec1(k, withCurve) {
    const { curve } = k.public;
    return der(0x30, derInteger(1n), der(4, bytesOf(k.d, curve.orderSize)),
      withCurve ? der(0xa0, der(6, Buffer.from(curve.oid, 'hex'))) : Buffer.alloc(0),
      der(0xa1, bitString(ec().encodePoint(curve, k.public))));
  }
  function pkcs8(k) {
    const key = k.kind === 'rsa' ? pkcs1Private(k) : k.kind === 'ec' ? sec1(k, false) : der(4, k.seed);
    return der(0x30, derInteger(0n), algorithmId(k), der(4, key));
  }
  const incompatible = (type, kinds) => internal.codeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS',
    `The selected key encoding ${type} can only be used for ${kinds} keys.`);
  function exportKey(k, options) {
    if (options === null || typeof options !== 'object') throw internal.argType('options', 'of type object', options);
    const { format, type, cipher } = options;
    if (format === 'jwk') return jwkOf(k);
    if (format !== 'pem' && format !== 'der') throw invalidProperty('options.format', format);
    let body;
    let label;
    if (type === 'pkcs1') {
      if (k.kind !== 'rsa') throw incompatible('pkcs1', 'RSA');
      [body, label] = isPrivate(k) ? [pkcs1Private(k), 'RSA PRIVATE KEY'] : [pkcs1Public(k), 'RSA PUBLIC KEY'];
    } else if (type === 'spki' && !isPrivate(k)) {
      [body, label] = [spki(k), 'PUBLIC KEY'];
    } else if (type === 'pkcs8' && isPrivate(k)) {
      [body, label] = [pkcs8(k), 'PRIVATE KEY'];
    } else if (type === 'sec1' && isPrivate(k)) {
      if (k.kind !== 'ec') throw incompatible('sec1', 'EC');
      [body, label] = [sec1(k, true), 'EC PRIVATE KEY'];
    } else {
      throw invalidProperty('options.type', type);
    }
    if (isPrivate(k) && cipher !== undefined) {
      throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
        'encrypting a private key (options.cipher) is not available in edge functions: they export private keys unencrypted');
    }
    if (format === 'der') return body;
    const lines = body.toString('base64').match(/.{1,64}/g).join('\n');
    return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
  }

  function details(k) {
    const pub = publicOf(k);
    if (k.kind === 'rsa') return { modulusLength: pub.bits, publicExponent: pub.e };
    if (k.kind === 'ec') return { namedCurve: pub.curve.name };
    return {};
  }
  // Whether two handles are the same key (their public halves, as OpenSSL compares them)
  function sameKey(x, y) {
    const [a, b] = [publicOf(x), publicOf(y)];
    if (a.kind !== b.kind) return false;
    if (a.kind === 'rsa') return a.n === b.n && a.e === b.e;
    if (a.kind === 'ec') return a.curve === b.curve && a.x === b.x && a.y === b.y;
    return Buffer.compare(a.raw, b.raw) === 0;
  }

  Object.assign(exports, {
    ec, rsa, isHandle, isPrivate, publicOf, fromDer, fromPem, fromJwk, exportKey, details, sameKey,
    bigOf, bytesOf, undecodable, incompatible, certificate, tlvBytes, parseSpki, derChildren, readTlv, hexOf, unsupportedKey, opensslError, invalidProperty, propertyType,
    // handles from their parts, for crypto.subtle's raw keys (webcrypto.js)
    ecPublicHandle: ecPublic, ed25519PublicHandle: ed25519Public, ed25519PrivateHandle: ed25519Private,
    ecPrivateHandle: (curve, d) => ecPrivate(curve, d, null, decodeError), x25519PublicHandle: x25519Public,
    x25519PrivateHandle: x25519Private,
  });
});
