// require('crypto'): random numbers from WASI random_get; createHash/createHmac over SHA-1, the SHA-2
// family and MD5 (pycryptodome's C code compiled into the engine), and PBKDF2 and HKDF over HMAC;
// secret KeyObjects; RSA, EC and Ed25519 public keys and signature verification (BigInt):
// RSASSA-PKCS1-v1_5 here, ECDSA and Ed25519 in ec.js (internal/ec). Other digests fail when the hash
// or HMAC is created, with Node's error; there are no ciphers, private keys, signing or scrypt.
defineBuiltin('crypto', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const native = internal.native;
  // name -> [native id, block size in bytes]
  const ALGORITHMS = {
    md5: [5, 64], sha1: [1, 64], sha224: [224, 64], sha256: [256, 64], sha384: [384, 128], sha512: [512, 128],
    'sha512-224': [51224, 128], 'sha512-256': [51256, 128],
  };
  const ALIASES = { 'rsa-md5': 'md5', md5withrsaencryption: 'md5', 'rsa-sha1-2': 'sha1' };
  for (const name of Object.keys(ALGORITHMS)) {
    if (!name.startsWith('sha')) continue;
    const dashed = name.includes('-') ? name.replace('sha512-', 'sha-512/') : name.replace('sha', 'sha-');
    ALIASES[dashed] = ALIASES[`rsa-${name}`] = ALIASES[`rsa-${dashed.replace('sha-', 'sha')}`] = ALIASES[`${name}withrsaencryption`] = name;
  }
  // Digests Node has that edge functions do not (OpenSSL's default provider), and the ones Node 17+
  // itself refuses (OpenSSL's legacy provider): each fails as in Node, naming what is available.
  const NODE_ONLY = /^(ripemd|rmd160|sha3-|shake|blake2|sm3|md5-sha1|ssl3-|id-rsassa-pkcs1-v1_5-with-sha3-)/;
  const LEGACY = /^(md4|md4withrsaencryption|rsa-md4|whirlpool|mdc2|rsa-mdc2|mdc2withrsa)$/;

  function unsupportedByOpenSSL() {
    const err = new Error('error:0308010C:digital envelope routines::unsupported');
    err.code = 'ERR_OSSL_EVP_UNSUPPORTED';
    err.library = 'digital envelope routines';
    err.reason = 'unsupported';
    return err;
  }

  // The algorithm for createHash / createHmac, or Node's error for each kind of unknown name.
  function algorithm(name, hmac) {
    const key = String(name).toLowerCase();
    const found = ALGORITHMS[ALIASES[key] || key];
    if (found !== undefined) return found;
    if (LEGACY.test(key)) throw unsupportedByOpenSSL();
    const missing = NODE_ONLY.test(key)
      ? ` (${name} is not available in edge functions; they have ${Object.keys(ALGORITHMS).join(', ')})` : '';
    if (hmac) throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${name}${missing}`);
    return null;
  }

  function hashAlgorithm(name, message) {
    const found = algorithm(name, false);
    if (found !== null) return found;
    const key = String(name).toLowerCase();
    const missing = NODE_ONLY.test(key)
      ? ` (${name} is not available in edge functions; they have ${Object.keys(ALGORITHMS).join(', ')})` : '';
    throw new Error(message + missing);
  }

  function bytes(data, encoding, name = 'data') {
    if (typeof data === 'string') return Buffer.from(data, encoding === 'buffer' ? 'utf8' : encoding);
    const b = internal.toBuffer(data);
    if (b === null) throw internal.argType(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
    return b;
  }

  function output(digest, encoding) {
    const buf = internal.fromBytes(digest);
    return encoding === undefined || encoding === 'buffer' ? buf : buf.toString(encoding);
  }

  class Hash {
    constructor(name, options) {
      this._alg = hashAlgorithm(name, 'Digest method not supported');
      this._chunks = [];
      this._done = false;
    }
    update(data, encoding) {
      if (this._done) throw internal.codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
      this._chunks.push(bytes(data, encoding));
      return this;
    }
    _digest() {
      const data = this._chunks.length === 1 ? this._chunks[0] : Buffer.concat(this._chunks);
      return native.digest(this._alg[0], data);
    }
    digest(encoding) {
      if (this._done) throw internal.codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
      this._done = true;
      return output(this._digest(), encoding);
    }
    copy() {
      if (this._done) throw internal.codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
      const h = Object.create(Hash.prototype);
      h._alg = this._alg;
      h._chunks = this._chunks.slice();
      h._done = false;
      return h;
    }
  }

  class Hmac {
    constructor(name, key, options) {
      this._alg = algorithm(name, true);
      let k = key instanceof KeyObject ? secretBytes(key, 'key') : bytes(key, undefined, 'key');
      const block = this._alg[1];
      if (k.length > block) k = internal.fromBytes(native.digest(this._alg[0], k));
      const ipad = Buffer.alloc(block, 0x36);
      const opad = Buffer.alloc(block, 0x5c);
      for (let i = 0; i < k.length; i++) {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
      }
      this._opad = opad;
      this._chunks = [ipad];
      this._done = false;
    }
    update(data, encoding) {
      if (this._done) throw internal.codeError(Error, 'ERR_CRYPTO_HASH_FINALIZED', 'Digest already called');
      this._chunks.push(bytes(data, encoding));
      return this;
    }
    digest(encoding) {
      if (this._done) return output(new Uint8Array(0), encoding);
      this._done = true;
      const inner = native.digest(this._alg[0], Buffer.concat(this._chunks));
      return output(native.digest(this._alg[0], Buffer.concat([this._opad, internal.fromBytes(inner)])), encoding);
    }
  }

  // Keys: secret keys (HMAC, jsonwebtoken's HS*) and public keys (signature verification: RS*, ES*,
  // EdDSA). A public key's handle is immutable and one of
  //   { kind: 'rsa', n, e (BigInt), bits, size (modulus bytes) }
  //   { kind: 'ec', curve (from internal/ec), x, y (BigInt), form (4 uncompressed, 2 compressed, 6 hybrid) }
  //   { kind: 'ed25519', raw (the 32-byte public key) }
  const keyBytes = new WeakMap(); // secret KeyObject -> its bytes
  const publicKeys = new WeakMap(); // public KeyObject -> its handle
  const KEY_HANDLE = Symbol('public key');
  // ec.js is in a function when a source of it names 'crypto' (edge/js/build.py), and evaluated at
  // build time, in the snapshot, when crypto is loaded then.
  let ecModule = null;
  function ec() {
    if (ecModule !== null) return ecModule;
    if (builtinFactories['internal/ec'] === undefined) { // crypto reached without its name in a source
      throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
        "EC and Ed25519 keys need a literal require('crypto') (or import) in the function's sources: the build includes them then");
    }
    ecModule = require('internal/ec');
    return ecModule;
  }
  (internal.warmups || (internal.warmups = [])).push(() => {
    if (builtinFactories['internal/ec'] !== undefined) ec();
  });
  class KeyObject {
    constructor(type, handle) {
      if (type === 'public' && handle !== null && typeof handle === 'object' && handle[KEY_HANDLE] === true) {
        publicKeys.set(this, handle);
        return;
      }
      if (type !== 'secret' || !(handle instanceof Uint8Array)) {
        throw internal.argType('handle', 'of type object', handle);
      }
      keyBytes.set(this, handle);
    }
    get type() { return publicKeys.has(this) ? 'public' : 'secret'; }
    get symmetricKeySize() {
      const b = keyBytes.get(this);
      return b === undefined ? undefined : b.length;
    }
    get asymmetricKeyType() {
      const k = publicKeys.get(this);
      return k === undefined ? undefined : k.kind;
    }
    get asymmetricKeyDetails() {
      const k = publicKeys.get(this);
      if (k === undefined) return undefined;
      if (k.kind === 'rsa') return { modulusLength: k.bits, publicExponent: k.e };
      if (k.kind === 'ec') return { namedCurve: k.curve.name };
      return {};
    }
    export(options) {
      const pub = publicKeys.get(this);
      if (pub !== undefined) return exportPublic(pub, options);
      const key = keyBytes.get(this);
      if (options && options.format === 'jwk') return { kty: 'oct', k: Buffer.from(key).toString('base64url') };
      return Buffer.from(key);
    }
    equals(other) {
      if (!(other instanceof KeyObject)) throw internal.argType('otherKeyObject', 'an instance of KeyObject', other);
      const pa = publicKeys.get(this);
      const pb = publicKeys.get(other);
      if (pa !== undefined || pb !== undefined) return pa !== undefined && pb !== undefined && samePublicKey(pa, pb);
      const a = keyBytes.get(this);
      const b = keyBytes.get(other);
      return a.length === b.length && timingSafeEqual(a, b);
    }
  }
  function samePublicKey(a, b) {
    if (a.kind !== b.kind) return false;
    if (a.kind === 'rsa') return a.n === b.n && a.e === b.e;
    if (a.kind === 'ec') return a.curve === b.curve && a.x === b.x && a.y === b.y;
    return Buffer.compare(a.raw, b.raw) === 0;
  }
  internal.isKeyObject = (value) => value instanceof KeyObject; // util.types.isKeyObject
  class SecretKeyObject extends KeyObject {}
  class PublicKeyObject extends KeyObject {}

  function secretBytes(key, name) {
    const b = keyBytes.get(key);
    if (b === undefined) throw internal.argType(name, 'a secret KeyObject', key);
    return Buffer.from(b);
  }

  function createSecretKey(key, encoding) {
    let b;
    if (typeof key === 'string') b = Buffer.from(key, encoding);
    else if (key instanceof ArrayBuffer) b = Buffer.from(new Uint8Array(key));
    else b = internal.toBuffer(key);
    if (b === null || b === undefined) {
      throw internal.argType('key', 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', key);
    }
    return new SecretKeyObject('secret', new Uint8Array(b));
  }

  // Public keys: PEM 'PUBLIC KEY' (SPKI, any of the key types) and 'RSA PUBLIC KEY' (PKCS#1), the
  // same as DER, or a JWK (kty 'RSA', 'EC' or 'OKP').
  const SUPPORTED_KEYS = 'edge functions read public keys only (RSA, EC on P-256, P-384, P-521 or secp256k1, and ' +
    'Ed25519; as PEM "PUBLIC KEY" or "RSA PUBLIC KEY", DER spki or pkcs1, or a JWK), to verify signatures';
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

  // DER: one TLV at pos, within end.
  function readTlv(buf, pos, end) {
    if (pos + 2 > end) throw undecodable('truncated DER');
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
    return { tag, start: pos, end: pos + len };
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
  function hexOf(bytes) {
    return internal.fromBytes(bytes).toString('hex');
  }
  function bigOf(bytes) {
    const hex = hexOf(bytes);
    return hex === '' ? 0n : BigInt('0x' + hex);
  }
  function bytesOf(value, length) {
    const hex = value.toString(16);
    if (hex.length > length * 2) return null;
    return Buffer.from(hex.padStart(length * 2, '0'), 'hex');
  }

  function rsaKey(n, e) {
    if (n <= 0n || (n & 1n) === 0n || e <= 1n || e >= n) throw undecodable('invalid RSA modulus or exponent');
    const bits = n.toString(2).length;
    return new PublicKeyObject('public', { [KEY_HANDLE]: true, kind: 'rsa', n, e, bits, size: Math.ceil(bits / 8) });
  }
  function ecKey(curve, point) {
    return new PublicKeyObject('public', { [KEY_HANDLE]: true, kind: 'ec', curve, x: point.x, y: point.y, form: point.form });
  }
  function ed25519Key(raw) {
    return new PublicKeyObject('public', { [KEY_HANDLE]: true, kind: 'ed25519', raw: Buffer.from(raw) });
  }
  function parsePkcs1(buf, start, end) {
    const seq = readTlv(buf, start, end);
    const kids = seq.tag === 0x30 ? derChildren(buf, seq) : [];
    if (kids.length !== 2 || kids[0].tag !== 2 || kids[1].tag !== 2) {
      if (kids.length > 2 && kids.every((k) => k.tag === 2)) throw unsupportedKey('RSA private keys');
      throw undecodable('not an RSAPublicKey');
    }
    return rsaKey(bigOf(buf.subarray(kids[0].start, kids[0].end)), bigOf(buf.subarray(kids[1].start, kids[1].end)));
  }
  const KEY_OIDS = {
    '2a864886f70d010101': 'rsa', '2a864886f70d01010a': 'RSA-PSS keys', '2a8648ce3d0201': 'ec',
    '2b6570': 'ed25519', '2b6571': 'Ed448 keys', '2b656e': 'X25519 keys', '2b656f': 'X448 keys',
    '2a8648ce380401': 'DSA keys', '2a864886f70d010301': 'DH keys',
  };
  // An SPKI's AlgorithmIdentifier content by key kind: the OID (and RSA's NULL; EC adds its curve's OID)
  const SPKI_ALGORITHMS = { rsa: '06092a864886f70d0101010500', ec: '06072a8648ce3d0201', ed25519: '06032b6570' };
  function parseSpki(buf) {
    const seq = readTlv(buf, 0, buf.length);
    const kids = seq.tag === 0x30 ? derChildren(buf, seq) : [];
    if (kids.length !== 2 || kids[0].tag !== 0x30 || kids[1].tag !== 3) {
      if (kids.length === 3 && kids[0].tag === 2) throw unsupportedKey('private keys (PKCS#8)');
      throw undecodable('not a SubjectPublicKeyInfo');
    }
    const [oid, params] = derChildren(buf, kids[0]);
    const kind = oid && oid.tag === 6 ? KEY_OIDS[hexOf(buf.subarray(oid.start, oid.end))] : undefined;
    if (kind === undefined) throw unsupportedKey('public keys of this algorithm');
    if (kind !== 'rsa' && kind !== 'ec' && kind !== 'ed25519') throw unsupportedKey(kind);
    if (kids[1].end === kids[1].start || buf[kids[1].start] !== 0) throw undecodable('bad BIT STRING');
    if (kind === 'rsa') return parsePkcs1(buf, kids[1].start + 1, kids[1].end);
    const key = buf.subarray(kids[1].start + 1, kids[1].end);
    if (kind === 'ed25519') {
      if (params !== undefined || key.length !== 32) throw decodeError();
      return ed25519Key(key);
    }
    // EC: the parameters name the curve (RFC 5480); explicit curve parameters are not supported
    if (params === undefined || params.tag !== 6) throw unsupportedKey('EC keys with explicit curve parameters');
    const curve = ec().byOid.get(hexOf(buf.subarray(params.start, params.end)));
    if (curve === undefined) throw unsupportedKey('EC keys on other curves than P-256, P-384, P-521 and secp256k1');
    const point = ec().decodePoint(curve, key);
    if (point === null) throw decodeError();
    return ecKey(curve, point);
  }
  function fromPem(text) {
    const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
    if (m === null) throw undecodable('not a PEM key');
    const label = m[1];
    if (/PRIVATE KEY/.test(label)) throw unsupportedKey(`private keys (PEM "${label}")`);
    if (label === 'CERTIFICATE') throw unsupportedKey('X.509 certificates');
    if (label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') throw unsupportedKey(`PEM "${label}" blocks`);
    if (/:/.test(m[2])) throw undecodable('PEM headers');
    const der = Buffer.from(m[2].replace(/\s+/g, ''), 'base64');
    return label === 'PUBLIC KEY' ? parseSpki(der) : parsePkcs1(der, 0, der.length);
  }
  // A JWK, checked as Node does (its errors, in its order). A private JWK gives its public half, as in Node.
  function fromJwk(jwk) {
    if (jwk === null || typeof jwk !== 'object') throw propertyType('key.key', 'of type object', jwk);
    const string = (name) => {
      if (typeof jwk[name] !== 'string') throw propertyType(`key.${name}`, 'of type string', jwk[name]);
      return jwk[name];
    };
    if (jwk.kty === 'EC') {
      const crv = string('crv');
      if (!['P-256', 'secp256k1', 'P-384', 'P-521'].includes(crv)) throw notOneOf('key.crv', ['P-256', 'secp256k1', 'P-384', 'P-521'], crv);
      const x = bigOf(Buffer.from(string('x'), 'base64url'));
      const y = bigOf(Buffer.from(string('y'), 'base64url'));
      const curve = ec().byJwk.get(crv);
      if (!curve.onCurve(x, y)) throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK EC key');
      return ecKey(curve, { x, y, form: 4 });
    }
    if (jwk.kty === 'OKP') {
      const crv = string('crv');
      if (!['Ed25519', 'Ed448', 'X25519', 'X448'].includes(crv)) throw notOneOf('key.crv', ['Ed25519', 'Ed448', 'X25519', 'X448'], crv);
      const x = Buffer.from(string('x'), 'base64url');
      if (crv !== 'Ed25519') throw unsupportedKey(`${crv} keys`);
      if (x.length !== 32) throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK data');
      return ed25519Key(x);
    }
    if (jwk.kty !== 'RSA') {
      if (jwk.kty === 'oct') throw unsupportedKey('JWKs with kty "oct" (use createSecretKey)');
      throw notOneOf('key.kty', ['RSA', 'EC', 'OKP'], jwk.kty);
    }
    const n = string('n');
    return rsaKey(bigOf(Buffer.from(n, 'base64url')), bigOf(Buffer.from(string('e'), 'base64url')));
  }

  // Handlers pass the same PEM on every request (jsonwebtoken parses it on every verify): the last
  // few parsed ones are kept (handles are immutable; each call still returns a new KeyObject).
  const pemCache = new Map();
  function createPublicKey(key) {
    if (key instanceof KeyObject) { // Node derives a public key from a private one only (and there are none here)
      throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${key.type}, expected private.`);
    }
    let data = key;
    let format = 'pem';
    let type;
    let encoding;
    if (key !== null && typeof key === 'object' && !ArrayBuffer.isView(key) && !(key instanceof ArrayBuffer)) {
      ({ key: data, format = 'pem', type, encoding } = key);
      if (data instanceof KeyObject) return createPublicKey(data);
    }
    if (format === 'jwk') return fromJwk(data);
    const b = typeof data === 'string' ? Buffer.from(data, format === 'der' ? encoding : 'utf8') : internal.toBuffer(data);
    if (b === null || b === undefined) {
      throw internal.argType('key', 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey', data);
    }
    if (format === 'der') {
      if (type === 'spki') return parseSpki(b);
      if (type === 'pkcs1') return parsePkcs1(b, 0, b.length);
      if (type === 'pkcs8' || type === 'sec1') throw unsupportedKey(`private keys (DER ${type})`);
      throw invalidProperty('key.type', type);
    }
    if (format !== 'pem') {
      throw invalidProperty('key.format', format);
    }
    const text = typeof data === 'string' ? data : b.toString('latin1');
    let handle = pemCache.get(text);
    if (handle === undefined) {
      handle = publicKeys.get(fromPem(text));
      if (pemCache.size >= 32) pemCache.delete(pemCache.keys().next().value);
      pemCache.set(text, handle);
    }
    return new PublicKeyObject('public', handle);
  }

  function derLength(n) {
    if (n < 128) return [n];
    const out = [];
    for (; n > 0; n = Math.floor(n / 256)) out.unshift(n & 255);
    return [0x80 | out.length, ...out];
  }
  function der(tag, content) { return Buffer.concat([Buffer.from([tag, ...derLength(content.length)]), content]); }
  function derInteger(value) {
    let hex = value.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
    return der(2, Buffer.from(hex, 'hex'));
  }
  // A public key as JWK (Node's member order), PKCS#1 (RSA only) or SPKI, in PEM or DER.
  function exportJwk(k) {
    const b64 = (value, length) => bytesOf(value, length).toString('base64url');
    if (k.kind === 'rsa') return { kty: 'RSA', n: b64(k.n, k.size), e: b64(k.e, Math.ceil(k.e.toString(16).length / 2)) };
    if (k.kind === 'ec') return { kty: 'EC', x: b64(k.x, k.curve.size), y: b64(k.y, k.curve.size), crv: k.curve.jwk };
    return { crv: 'Ed25519', x: k.raw.toString('base64url'), kty: 'OKP' };
  }
  function exportPublic(k, options) {
    if (options === null || typeof options !== 'object') throw internal.argType('options', 'of type object', options);
    if (options.format === 'jwk') return exportJwk(k);
    if (options.format !== 'pem' && options.format !== 'der') throw invalidProperty('options.format', options.format);
    const pkcs1 = () => der(0x30, Buffer.concat([derInteger(k.n), derInteger(k.e)]));
    let body;
    if (options.type === 'pkcs1') {
      if (k.kind !== 'rsa') {
        throw internal.codeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS', 'The selected key encoding pkcs1 can only be used for RSA keys.');
      }
      body = pkcs1();
    } else if (options.type === 'spki') {
      let algorithm = Buffer.from(SPKI_ALGORITHMS[k.kind], 'hex');
      if (k.kind === 'ec') algorithm = Buffer.concat([algorithm, der(6, Buffer.from(k.curve.oid, 'hex'))]);
      const key = k.kind === 'rsa' ? pkcs1() : k.kind === 'ec' ? ec().encodePoint(k.curve, k) : k.raw;
      body = der(0x30, Buffer.concat([der(0x30, algorithm), der(3, Buffer.concat([Buffer.from([0]), key]))]));
    } else {
      throw invalidProperty('options.type', options.type);
    }
    if (options.format === 'der') return body;
    const label = options.type === 'pkcs1' ? 'RSA PUBLIC KEY' : 'PUBLIC KEY';
    const lines = body.toString('base64').match(/.{1,64}/g).join('\n');
    return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
  }

  // RSASSA-PKCS1-v1_5 verification (RFC 8017 8.2.2): s^e mod n must be exactly
  // 0x00 0x01 FF..FF 0x00 DigestInfo(hash) || hash(data); compared in full, without early exit.
  const DIGEST_INFO = {
    5: '3020300c06082a864886f70d020505000410', 1: '3021300906052b0e03021a05000414',
    224: '302d300d06096086480165030402040500041c', 256: '3031300d060960864801650304020105000420',
    384: '3041300d060960864801650304020205000430', 512: '3051300d060960864801650304020305000440',
    51224: '302d300d06096086480165030402050500041c', 51256: '3031300d060960864801650304020605000420',
  };
  function modPow(base, exp, mod) {
    let result = 1n;
    base %= mod;
    for (; exp > 0n; exp >>= 1n) {
      if (exp & 1n) result = (result * base) % mod;
      if (exp > 1n) base = (base * base) % mod;
    }
    return result;
  }
  // The key of a verification and its options, checked as Node does: { handle, dsaEncoding }.
  function verifyKey(key) {
    const options = key !== null && typeof key === 'object' && !(key instanceof KeyObject) && !ArrayBuffer.isView(key) &&
      !(key instanceof ArrayBuffer) ? key : {};
    const { dsaEncoding = 'der' } = options;
    if (dsaEncoding !== 'der' && dsaEncoding !== 'ieee-p1363') throw invalidProperty('options.dsaEncoding', dsaEncoding);
    const k = key instanceof KeyObject ? key : options.key instanceof KeyObject ? options.key : null;
    if (k !== null && !publicKeys.has(k)) {
      throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${k.type}, expected private or public.`);
    }
    const handle = publicKeys.get(k !== null ? k : createPublicKey(key));
    if (handle.kind === 'rsa' && options.padding !== undefined && options.padding !== 1) { // Node ignores it for other keys
      throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
        'RSA-PSS signatures (PS256/384/512) are not supported in edge functions: only RSASSA-PKCS1-v1_5 (RS256/384/512)');
    }
    return { handle, dsaEncoding };
  }
  // Whether sig is a signature of data by the key; id is the digest's (Ed25519 has none: it signs the data).
  function checkSignature(id, { handle, dsaEncoding }, data, sig) {
    if (handle.kind === 'rsa') return rsaVerify(id, handle, data, sig);
    if (handle.kind === 'ec') return ec().ecdsaVerify(handle.curve, handle, native.digest(id, data), sig, dsaEncoding);
    return ec().ed25519Verify(handle.raw, data, sig);
  }
  function rsaVerify(id, rsa, data, sig) {
    const k = rsa.size;
    if (sig.length !== k) return false;
    const s = bigOf(sig);
    if (s >= rsa.n) return false;
    const em = bytesOf(modPow(s, rsa.e, rsa.n), k);
    const t = Buffer.concat([Buffer.from(DIGEST_INFO[id], 'hex'), internal.fromBytes(native.digest(id, data))]);
    if (em === null || k < t.length + 11) return false;
    const expected = Buffer.alloc(k, 0xff);
    expected[0] = 0;
    expected[1] = 1;
    expected[k - t.length - 1] = 0;
    t.copy(expected, k - t.length);
    let diff = 0;
    for (let i = 0; i < k; i++) diff |= em[i] ^ expected[i];
    return diff === 0;
  }

  class Verify {
    constructor(name, options) {
      this._alg = algorithm(name, true);
      this._chunks = [];
      this._done = false;
    }
    update(data, encoding) {
      if (this._done) throw internal.codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Not initialised');
      this._chunks.push(bytes(data, encoding));
      return this;
    }
    verify(key, signature, sigEncoding) {
      if (this._done) throw internal.codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Not initialised');
      const k = verifyKey(key);
      const sig = bytes(signature, sigEncoding, 'signature');
      // Ed25519 signs the message itself, not a digest: Node refuses it here (crypto.verify takes it)
      if (k.handle.kind === 'ed25519') throw internal.codeError(Error, 'ERR_CRYPTO_UNSUPPORTED_OPERATION', 'Unsupported crypto operation');
      this._done = true;
      return checkSignature(this._alg[0], k, Buffer.concat(this._chunks), sig);
    }
  }

  function verify(alg, data, key, signature, callback) {
    const id = alg === null || alg === undefined ? null : algorithm(alg, true)[0];
    const k = verifyKey(key);
    if (k.handle.kind === 'ed25519' && id !== null) {
      throw opensslError('ERR_OSSL_INVALID_DIGEST', 'Provider routines', 'invalid digest', '1C80007A');
    }
    // no digest named: SHA-256 for RSA and ECDSA, as OpenSSL's default
    const result = checkSignature(id === null ? 256 : id, k, bytes(data, undefined, 'data'), bytes(signature, undefined, 'signature'));
    if (typeof callback === 'function') {
      setImmediate(() => callback(null, result));
      return undefined;
    }
    return result;
  }

  function noAsymmetricKeys(what) {
    return () => {
      throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
        `crypto.${what}() is not available in edge functions: they verify RSA, ECDSA and Ed25519 signatures (createPublicKey, ` +
        'createVerify, verify) but have no private keys, signing, key generation or ciphers');
    };
  }

  function randomBytes(size, callback) {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > 2 ** 31 - 1) {
      if (typeof size !== 'number') throw internal.argType('size', 'of type number', size);
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${size}`);
    }
    const buf = Buffer.allocUnsafe(size);
    if (size > 0) native.randomFill(buf);
    if (typeof callback === 'function') {
      setImmediate(() => callback(null, buf));
      return undefined;
    }
    return buf;
  }

  function randomFillSync(buf, offset = 0, size) {
    const view = ArrayBuffer.isView(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
      : buf instanceof ArrayBuffer ? new Uint8Array(buf) : null;
    if (view === null) throw internal.argType('buf', 'an instance of ArrayBuffer or ArrayBufferView', buf);
    const end = size === undefined ? view.length : offset + size;
    if (end > offset) native.randomFill(view.subarray(offset, end));
    return buf;
  }

  const RAND_MAX = 0xFFFFFFFFFFFF; // 2^48 - 1
  function randomInt(min, max, callback) {
    const minNotSpecified = typeof max === 'undefined' || typeof max === 'function';
    if (minNotSpecified) {
      callback = max;
      max = min;
      min = 0;
    }
    if (callback !== undefined && typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
    if (!Number.isSafeInteger(min)) throw internal.argType('min', 'a safe integer', min);
    if (!Number.isSafeInteger(max)) throw internal.argType('max', 'a safe integer', max);
    if (max <= min) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
    }
    const range = max - min;
    if (!(range <= RAND_MAX)) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "max - min" is out of range. It must be <= ${RAND_MAX}. Received ${range}`);
    }
    const randLimit = RAND_MAX - (RAND_MAX % range);
    const six = new Uint8Array(6);
    let value;
    do {
      native.randomFill(six);
      value = six[0] * 2 ** 40 + six[1] * 2 ** 32 + ((six[2] << 24) >>> 0) + (six[3] << 16) + (six[4] << 8) + six[5];
    } while (value >= randLimit);
    const n = min + (value % range);
    if (callback) {
      setImmediate(() => callback(null, n));
      return undefined;
    }
    return n;
  }

  function randomUUID() {
    const b = new Uint8Array(16);
    native.randomFill(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function getRandomValues(array) {
    if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array || array instanceof DataView) {
      throw internal.codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The data argument must be an integer-type TypedArray');
    }
    if (array.byteLength > 65536) {
      const err = new Error(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`);
      err.name = 'QuotaExceededError';
      throw err;
    }
    native.randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    return array;
  }

  function timingSafeEqual(a, b) {
    const x = bytes(a, undefined, 'buf1');
    const y = bytes(b, undefined, 'buf2');
    if (x.length !== y.length) {
      throw internal.codeError(RangeError, 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length');
    }
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  }

  // Key derivation: PBKDF2 (RFC 8018) and HKDF (RFC 5869), loops of HMAC over the engine's digests,
  // with Node's argument checks. PBKDF2 costs two digests per iteration, ~11,000 fuel with SHA-256
  // (~0.1 s per 10,000 iterations): the default fuel limit allows ~18,000 iterations in a call.
  function hmacWith(alg, key) { // key -> (data -> HMAC), the padded key blocks computed once
    const [id, block] = alg;
    const k = key.length > block ? native.digest(id, key) : key;
    const inner = new Uint8Array(block).fill(0x36);
    const outer = new Uint8Array(block).fill(0x5c);
    for (let i = 0; i < k.length; i++) { inner[i] ^= k[i]; outer[i] ^= k[i]; }
    return (data) => {
      const a = new Uint8Array(block + data.length);
      a.set(inner);
      a.set(data, block);
      const h = native.digest(id, a);
      const b = new Uint8Array(block + h.length);
      b.set(outer);
      b.set(h, block);
      return native.digest(id, b);
    };
  }
  function kdfBytes(value, name, types) {
    const b = typeof value === 'string' || value instanceof ArrayBuffer || ArrayBuffer.isView(value) ? internal.toBuffer(value) : null;
    if (b === null) throw internal.argType(name, `of type string or an instance of ${types}`, value);
    return b;
  }
  function int32(value, name, min) {
    if (typeof value !== 'number') throw internal.argType(name, 'of type number', value);
    const range = !Number.isInteger(value) ? 'an integer' : value < min || value > 2147483647 ? `>= ${min} && <= 2147483647` : null;
    if (range) throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${value}`);
  }
  function digestName(digest) {
    if (typeof digest !== 'string') throw internal.argType('digest', 'of type string', digest);
    return algorithm(digest, true);
  }
  function asyncly(callback, compute) { // the callback forms: errors in the arguments throw, as in Node
    const result = compute();
    if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
    setImmediate(() => callback(null, result));
  }

  const PBKDF2_TYPES = 'ArrayBuffer, Buffer, TypedArray, or DataView';
  function pbkdf2Sync(password, salt, iterations, keylen, digest) {
    const p = kdfBytes(password, 'password', PBKDF2_TYPES);
    const s = kdfBytes(salt, 'salt', PBKDF2_TYPES);
    int32(iterations, 'iterations', 1);
    int32(keylen, 'keylen', 0);
    const alg = digestName(digest);
    const hmac = hmacWith(alg, p);
    const out = Buffer.alloc(keylen);
    for (let block = 1, at = 0; at < keylen; block++) {
      let u = hmac(Buffer.concat([s, Buffer.from([block >>> 24, (block >>> 16) & 255, (block >>> 8) & 255, block & 255])]));
      const t = u.slice();
      for (let i = 1; i < iterations; i++) {
        u = hmac(u);
        for (let j = 0; j < t.length; j++) t[j] ^= u[j];
      }
      out.set(t.subarray(0, Math.min(t.length, keylen - at)), at);
      at += t.length;
    }
    return out;
  }

  function hkdfSync(digest, ikm, salt, info, keylen) {
    const alg = digestName(digest);
    const key = ikm instanceof KeyObject && ikm.type === 'secret' ? secretBytes(ikm, 'ikm')
      : kdfBytes(ikm, 'ikm', 'SecretKeyObject, ArrayBuffer, TypedArray, DataView, or Buffer');
    const s = kdfBytes(salt, 'salt', 'ArrayBuffer, TypedArray, DataView, or Buffer');
    const i = kdfBytes(info, 'info', 'ArrayBuffer, TypedArray, DataView, or Buffer');
    int32(keylen, 'length', 0);
    if (i.length > 1024) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "info" is out of range. It must be must not contain more than 1024 bytes. Received ${i.length}`);
    }
    const prk = hmacWith(alg, s)(key);
    if (keylen > 255 * prk.length) throw internal.codeError(RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length');
    const expand = hmacWith(alg, prk);
    const out = new Uint8Array(keylen);
    let t = new Uint8Array(0);
    for (let n = 1, at = 0; at < keylen; n++, at += t.length) {
      t = expand(Buffer.concat([t, i, Buffer.from([n])]));
      out.set(t.subarray(0, Math.min(t.length, keylen - at)), at);
    }
    return out.buffer;
  }

  function noScrypt(what) {
    return () => {
      throw internal.unavailable(`crypto.${what}()`, 'for key derivation they have pbkdf2, pbkdf2Sync, hkdf and hkdfSync');
    };
  }

  const webcrypto = {
    getRandomValues,
    randomUUID,
    get subtle() { throw new Error('crypto.subtle is not available in edge functions; use require("crypto").createHash/createHmac'); },
  };

  Object.assign(exports, {
    createHash: (name, options) => new Hash(name, options),
    createHmac: (name, key, options) => new Hmac(name, key, options),
    Hash, Hmac,
    hash: (name, data, encoding = 'hex') => {
      const h = Object.create(Hash.prototype);
      h._alg = hashAlgorithm(name, `Digest method ${name} is not supported`);
      h._chunks = [];
      h._done = false;
      return h.update(data).digest(encoding);
    },
    getHashes: () => [...Object.keys(ALGORITHMS), ...Object.keys(ALIASES)].sort(),
    KeyObject, createSecretKey, createPublicKey, Verify, verify,
    createVerify: (name, options) => new Verify(name, options),
    createPrivateKey: noAsymmetricKeys('createPrivateKey'),
    generateKeyPair: noAsymmetricKeys('generateKeyPair'),
    generateKeyPairSync: noAsymmetricKeys('generateKeyPairSync'),
    createSign: noAsymmetricKeys('createSign'),
    createECDH: noAsymmetricKeys('createECDH'),
    sign: noAsymmetricKeys('sign'),
    createCipheriv: noAsymmetricKeys('createCipheriv'),
    createDecipheriv: noAsymmetricKeys('createDecipheriv'),
    randomBytes, pseudoRandomBytes: randomBytes, randomFillSync,
    randomFill: (buf, offset, size, callback) => {
      if (typeof offset === 'function') { callback = offset; offset = 0; size = undefined; }
      else if (typeof size === 'function') { callback = size; size = undefined; }
      randomFillSync(buf, offset, size);
      setImmediate(() => callback(null, buf));
    },
    randomInt, randomUUID, getRandomValues, timingSafeEqual, webcrypto,
    pbkdf2Sync,
    pbkdf2: (password, salt, iterations, keylen, digest, callback) =>
      asyncly(callback, () => pbkdf2Sync(password, salt, iterations, keylen, digest)),
    hkdfSync,
    hkdf: (digest, ikm, salt, info, keylen, callback) => asyncly(callback, () => hkdfSync(digest, ikm, salt, info, keylen)),
    scrypt: noScrypt('scrypt'),
    scryptSync: noScrypt('scryptSync'),
    publicEncrypt: noAsymmetricKeys('publicEncrypt'),
    publicDecrypt: noAsymmetricKeys('publicDecrypt'),
    privateEncrypt: noAsymmetricKeys('privateEncrypt'),
    privateDecrypt: noAsymmetricKeys('privateDecrypt'),
    createDiffieHellman: noAsymmetricKeys('createDiffieHellman'),
    generateKey: noAsymmetricKeys('generateKey'),
    generateKeySync: noAsymmetricKeys('generateKeySync'),
    constants: { RSA_PKCS1_PADDING: 1, RSA_PKCS1_PSS_PADDING: 6, RSA_PSS_SALTLEN_DIGEST: -1, RSA_PSS_SALTLEN_MAX_SIGN: -2, RSA_PSS_SALTLEN_AUTO: -2 },
  });
});
