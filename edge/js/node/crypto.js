// require('crypto'): random numbers from WASI random_get; createHash/createHmac over SHA-1, the SHA-2
// family and MD5 (pycryptodome's C code compiled into the engine), and PBKDF2 and HKDF over HMAC;
// secret KeyObjects; RSA, EC, Ed25519 and X25519 public and private keys (read and written in keys.js,
// internal/keys), signing and verification (the engine's modPow and curves, edge/js/engine/pubkey.c,
// with BigInt for public exponents and secp256k1): RSASSA-PKCS1-v1_5 and RSA-PSS here and in rsa.js
// (internal/rsa), ECDSA and Ed25519 in ec.js (internal/ec); RSA encryption (OAEP, PKCS#1 v1.5, none:
// publicEncrypt & co.); key agreement (diffieHellman for EC and X25519 keys, createECDH); AES ciphers
// in cipher.js (internal/cipher). Other digests fail when the hash or HMAC is created, with Node's
// error; there is no key generation for key pairs, finite-field Diffie-Hellman or scrypt.
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

  // The algorithm for createHash / createHmac / signatures, or Node's error for each kind of unknown
  // name (for createSign / createVerify, `named` false, the message does not name it).
  function algorithm(name, hmac, named = true) {
    const key = String(name).toLowerCase();
    const found = ALGORITHMS[ALIASES[key] || key];
    if (found !== undefined) return found;
    if (LEGACY.test(key)) throw unsupportedByOpenSSL();
    const missing = NODE_ONLY.test(key)
      ? ` (${name} is not available in edge functions; they have ${Object.keys(ALGORITHMS).join(', ')})` : '';
    if (hmac) throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest${named ? `: ${name}` : ''}${missing}`);
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
      if (typeof name !== 'string') throw internal.argType('algorithm', 'of type string', name);
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
      if (typeof name !== 'string') throw internal.argType('hmac', 'of type string', name);
      this._alg = algorithm(name, true);
      key = fromCryptoKey(key);
      if (!(key instanceof KeyObject) && typeof key !== 'string' && internal.toBuffer(key) === null) throw internal.argType('key', BYTES_OR_KEY, key);
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

  // Keys: secret keys (HMAC, jsonwebtoken's HS*) and RSA, EC and Ed25519 public and private keys
  // (signatures: RS*, ES*, EdDSA), read and written by keys.js (internal/keys) as immutable handles.
  const keys = require('internal/keys');
  const keyBytes = new WeakMap(); // secret KeyObject -> its bytes
  const keyHandles = new WeakMap(); // public or private KeyObject -> its handle
  class KeyObject {
    constructor(type, handle) {
      if ((type === 'public' || type === 'private') && keys.isHandle(handle) && keys.isPrivate(handle) === (type === 'private')) {
        keyHandles.set(this, handle);
        return;
      }
      if (type !== 'secret' || !(handle instanceof Uint8Array)) {
        throw internal.argType('handle', 'of type object', handle);
      }
      keyBytes.set(this, handle);
    }
    get type() {
      const k = keyHandles.get(this);
      return k === undefined ? 'secret' : keys.isPrivate(k) ? 'private' : 'public';
    }
    get symmetricKeySize() {
      const b = keyBytes.get(this);
      return b === undefined ? undefined : b.length;
    }
    get asymmetricKeyType() {
      const k = keyHandles.get(this);
      return k === undefined ? undefined : k.kind;
    }
    get asymmetricKeyDetails() {
      const k = keyHandles.get(this);
      return k === undefined ? undefined : keys.details(k);
    }
    export(options) {
      const k = keyHandles.get(this);
      if (k !== undefined) return keys.exportKey(k, options);
      const key = keyBytes.get(this);
      if (options && options.format === 'jwk') return { kty: 'oct', k: Buffer.from(key).toString('base64url') };
      return Buffer.from(key);
    }
    equals(other) {
      if (!(other instanceof KeyObject)) throw internal.argType('otherKeyObject', 'an instance of KeyObject', other);
      if (other.type !== this.type) return false;
      const k = keyHandles.get(this);
      if (k !== undefined) return keys.sameKey(k, keyHandles.get(other));
      const a = keyBytes.get(this);
      const b = keyBytes.get(other);
      return a.length === b.length && timingSafeEqual(a, b);
    }
  }
  internal.isKeyObject = (value) => value instanceof KeyObject; // util.types.isKeyObject
  // A CryptoKey (crypto.subtle's, webcrypto.js) is taken wherever a KeyObject is, as its KeyObject
  const fromCryptoKey = (value) => {
    const k = internal.cryptoKeyObject === undefined ? undefined : internal.cryptoKeyObject(value);
    return k === undefined ? value : k;
  };
  Object.defineProperty(KeyObject, 'from', {
    value: function from(key) {
      const k = fromCryptoKey(key);
      if (k === key) throw internal.argType('key', 'an instance of CryptoKey', key);
      return k;
    },
    writable: true, configurable: true, enumerable: false,
  });
  class SecretKeyObject extends KeyObject {}
  class PublicKeyObject extends KeyObject {}
  class PrivateKeyObject extends KeyObject {}

  // A cipher's key, as Node's prepareSecretKey reads it: a secret KeyObject, a string (in `encoding`)
  // or bytes.
  internal.secretKeyOf = (key, encoding) => {
    key = fromCryptoKey(key);
    if (key instanceof KeyObject) {
      if (key.type !== 'secret') {
        throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${key.type}, expected secret.`);
      }
      return secretBytes(key, 'key');
    }
    if (typeof key === 'string') return Buffer.from(key, encoding === undefined || encoding === 'buffer' ? 'utf8' : encoding);
    if (key instanceof ArrayBuffer || ArrayBuffer.isView(key)) return internal.toBuffer(key);
    throw internal.argType('key', BYTES_OR_KEY, key);
  };

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

  // The key argument of createPublicKey ('createPublic'), createPrivateKey ('createPrivate'),
  // verification ('public') or signing ('private'), read as Node reads it: a KeyObject, a PEM
  // string or buffer, or {key, format: 'pem' | 'der' | 'jwk', type, encoding}. Its handle.
  // Handlers pass the same PEM on every request (jsonwebtoken parses it on every call): the last
  // few parsed ones are kept (handles are immutable; each call still returns a new KeyObject).
  const pemCache = new Map();
  const BYTES = 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView';
  const BYTES_OR_KEY = 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey';
  const isBytes = (value) => typeof value === 'string' || ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
  function keyHandle(key, use) {
    const wantPrivate = use === 'createPrivate' || use === 'private';
    const types = use === 'createPrivate' ? BYTES : BYTES_OR_KEY;
    key = fromCryptoKey(key);
    if (key !== null && typeof key === 'object' && !(key instanceof KeyObject) && !isBytes(key) && fromCryptoKey(key.key) !== key.key) {
      key = { ...key, key: fromCryptoKey(key.key) };
    }
    let data = key;
    let format;
    let type;
    let encoding;
    if (!(key instanceof KeyObject) && !isBytes(key)) {
      if (key === null || typeof key !== 'object') throw internal.argType('key', types, key);
      ({ key: data, format, type, encoding } = key);
      if (!(data instanceof KeyObject)) {
        if (format === 'jwk') return keys.fromJwk(data, wantPrivate);
        if (!isBytes(data)) throw keys.propertyType('key.key', types, data);
      }
    }
    if (data instanceof KeyObject) {
      if (use === 'createPrivate') throw internal.argType('key', BYTES, data);
      const k = keyHandles.get(data);
      if (k === undefined || (!keys.isPrivate(k) && use !== 'public')) {
        throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE',
          `Invalid key object type ${data.type}, expected ${use === 'public' ? 'private or public' : 'private'}.`);
      }
      return k;
    }
    if (format !== undefined && format !== 'pem' && format !== 'der') throw keys.invalidProperty('options.format', format);
    const b = typeof data === 'string' ? Buffer.from(data, format === 'der' ? encoding : 'utf8') : internal.toBuffer(data);
    let handle;
    if (format === 'der') {
      if (!['pkcs1', 'pkcs8', 'sec1', ...(wantPrivate ? [] : ['spki'])].includes(type)) throw keys.invalidProperty('options.type', type);
      handle = keys.fromDer(b, type);
    } else {
      const text = typeof data === 'string' ? data : b.toString('latin1');
      handle = pemCache.get(text);
      if (handle === undefined) {
        handle = keys.fromPem(text);
        if (pemCache.size >= 32) pemCache.delete(pemCache.keys().next().value);
        pemCache.set(text, handle);
      }
    }
    if (wantPrivate && !keys.isPrivate(handle)) throw keys.undecodable('a public key where a private key is needed');
    return handle;
  }
  // A private key gives its public half, as in Node (a public KeyObject does not).
  function createPublicKey(key) {
    key = fromCryptoKey(key);
    if (key instanceof KeyObject && key.type !== 'private') {
      throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${key.type}, expected private.`);
    }
    return new PublicKeyObject('public', keys.publicOf(keyHandle(key, 'createPublic')));
  }
  function createPrivateKey(key) {
    return new PrivateKeyObject('private', keyHandle(key, 'createPrivate'));
  }

  // Signatures: RSASSA-PKCS1-v1_5 (RFC 8017 8.2; the private-key operation in rsa.js, internal/rsa),
  // ECDSA and Ed25519 (ec.js). RSA signatures are deterministic, and so are ECDSA ones here (RFC 6979
  // nonces, where OpenSSL's are random: both verify the same) and Ed25519 ones.
  const DIGEST_INFO = {
    5: '3020300c06082a864886f70d020505000410', 1: '3021300906052b0e03021a05000414',
    224: '302d300d06096086480165030402040500041c', 256: '3031300d060960864801650304020105000420',
    384: '3041300d060960864801650304020205000430', 512: '3051300d060960864801650304020305000440',
    51224: '302d300d06096086480165030402050500041c', 51256: '3031300d060960864801650304020605000420',
  };
  // EMSA-PKCS1-v1_5: 0x00 0x01 FF..FF 0x00 DigestInfo || hash(data), k bytes (null when k is too small)
  function emsaPkcs1(id, data, k) {
    const t = Buffer.concat([Buffer.from(DIGEST_INFO[id], 'hex'), internal.fromBytes(native.digest(id, data))]);
    if (k < t.length + 11) return null;
    const em = Buffer.alloc(k, 0xff);
    em[0] = 0;
    em[k - t.length - 1] = 0;
    em[1] = 1;
    t.copy(em, k - t.length);
    return em;
  }
  function modPow(base, exp, mod) {
    let result = 1n;
    base %= mod;
    for (; exp > 0n; exp >>= 1n) {
      if (exp & 1n) result = (result * base) % mod;
      if (exp > 1n) base = (base * base) % mod;
    }
    return result;
  }
  // The key of a signature or a verification (use 'private' or 'public') and its options, checked
  // in Node's order: { handle, dsaEncoding } (for a verification, the public handle).
  function intOption(options, name) {
    const value = options !== null && options !== undefined ? options[name] : undefined;
    if (value !== undefined && value !== value >> 0) throw keys.invalidProperty(`options.${name}`, value);
    return value;
  }
  function signingKey(key, use) {
    const padding = intOption(key, 'padding');
    const saltLength = intOption(key, 'saltLength');
    let dsaEncoding = 'der';
    if (key !== null && typeof key === 'object') {
      ({ dsaEncoding = 'der' } = key);
      if (dsaEncoding !== 'der' && dsaEncoding !== 'ieee-p1363') throw keys.invalidProperty('options.dsaEncoding', dsaEncoding);
    }
    const k = keyHandle(key, use);
    if (k.kind === 'rsa' && padding !== undefined && padding !== 1) { // Node ignores it for other keys
      if (padding !== 6) throw keys.opensslError('ERR_OSSL_INVALID_PADDING_MODE', 'Provider routines', 'invalid padding mode', '1C8000A8');
      // RSA-PSS: OpenSSL's salt lengths -1 (the digest's length), -2 (sign: the most, verify: any), -3 (the most)
      if (saltLength !== undefined && saltLength < -3) throw invalidSaltLength();
      return { handle: use === 'public' ? keys.publicOf(k) : k, dsaEncoding, pss: saltLength === undefined ? -2 : saltLength };
    }
    return { handle: use === 'public' ? keys.publicOf(k) : k, dsaEncoding };
  }
  const invalidSaltLength = () => keys.opensslError('ERR_OSSL_INVALID_SALT_LENGTH', 'Provider routines', 'invalid salt length', '1C800070');
  const tooLargeForKey = () => keys.opensslError('ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_KEY_SIZE', 'rsa routines', 'data too large for key size', '0200006E');
  const notForKeyType = () => keys.opensslError('ERR_OSSL_EVP_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE', 'digital envelope routines',
    'operation not supported for this keytype', '03000096');
  // RSA-PSS (RFC 8017 8.1; the encoding in rsa.js): the signature of data with salt length sLen (as
  // signingKey reads it), and whether sig is one. A verification with a salt too long for the key
  // is false here and an error for crypto.subtle (`strict`), as in Node.
  function pssSalt(sLen, hLen, emBits, signing) {
    if (sLen === -1) return hLen;
    if (sLen === -3 || (sLen === -2 && signing)) return keys.rsa().pssMaxSalt(emBits, hLen);
    return sLen; // -2 when verifying: any
  }
  function pssSign(id, handle, data, sLen) {
    const rsa = keys.rsa();
    const { bits, size } = handle.public;
    const mHash = native.digest(id, data);
    const salt = pssSalt(sLen, mHash.length, bits - 1, true);
    const em = salt < 0 ? null : rsa.pssEncode(id, mHash, bits - 1, salt);
    if (em === null) throw tooLargeForKey();
    return keys.bytesOf(rsa.privateOp(handle, keys.bigOf(em)), size);
  }
  function pssVerify(id, handle, data, sig, sLen, strict = false) {
    const rsa = keys.rsa();
    const { bits, size, n } = handle;
    const mHash = native.digest(id, data);
    let salt = pssSalt(sLen, mHash.length, bits - 1, false);
    if (salt === -2) salt = -1;
    if (strict && (salt > rsa.pssMaxSalt(bits - 1, mHash.length) || rsa.pssMaxSalt(bits - 1, mHash.length) < 0)) throw tooLargeForKey();
    if (sig.length > size || rsa.publicKeyRefusal(handle) !== null) return false; // a shorter one is the same number (OpenSSL reads PSS signatures so)
    const s = keys.bigOf(sig);
    if (s >= n) return false;
    const em = keys.bytesOf(rsa.publicOp(handle, s), Math.ceil((bits - 1) / 8));
    return em !== null && rsa.pssVerify(id, mHash, em, bits - 1, salt);
  }
  // Whether sig is a signature of data by the key; alg is the digest's [id, block size] (Ed25519
  // has none: it signs the data).
  function checkSignature(alg, { handle, dsaEncoding, pss }, data, sig) {
    if (handle.kind === 'x25519') throw notForKeyType();
    if (handle.kind === 'rsa' && pss !== undefined) return pssVerify(alg[0], handle, data, sig, pss);
    if (handle.kind === 'rsa') return rsaVerify(alg[0], handle, data, sig);
    if (handle.kind === 'ec') return keys.ec().ecdsaVerify(handle.curve, handle, native.digest(alg[0], data), sig, dsaEncoding);
    return keys.ec().ed25519Verify(handle.raw, data, sig);
  }
  function rsaVerify(id, rsa, data, sig) {
    const k = rsa.size;
    if (sig.length !== k || keys.rsa().publicKeyRefusal(rsa) !== null) return false; // rsa.js: a key OpenSSL refuses
    const s = keys.bigOf(sig);
    if (s >= rsa.n) return false;
    const em = keys.bytesOf(modPow(s, rsa.e, rsa.n), k);
    const expected = emsaPkcs1(id, data, k);
    if (em === null || expected === null) return false;
    let diff = 0;
    for (let i = 0; i < k; i++) diff |= em[i] ^ expected[i];
    return diff === 0;
  }
  // The signature of data by a private key's handle
  function makeSignature(alg, { handle, dsaEncoding, pss }, data) {
    if (handle.kind === 'x25519') throw notForKeyType();
    if (handle.kind === 'rsa' && pss !== undefined) return pssSign(alg[0], handle, data, pss);
    if (handle.kind === 'rsa') {
      const k = handle.public.size;
      const em = emsaPkcs1(alg[0], data, k);
      if (em === null) throw keys.opensslError('ERR_OSSL_RSA_DIGEST_TOO_BIG_FOR_RSA_KEY', 'rsa routines', 'digest too big for rsa key', '02000070');
      return keys.bytesOf(keys.rsa().privateOp(handle, keys.bigOf(em)), k);
    }
    if (handle.kind === 'ec') {
      return keys.ec().ecdsaSign(handle.public.curve, handle.d, native.digest(alg[0], data), dsaEncoding, (key) => hmacWith(alg, key));
    }
    return keys.ec().ed25519Sign(handle.seed, handle.public.raw, data);
  }
  // Ed25519 signs the message itself, not a digest: Node refuses it in createSign/createVerify
  // (crypto.sign and crypto.verify take it, with no digest named).
  const unsupportedOperation = () => internal.codeError(Error, 'ERR_CRYPTO_UNSUPPORTED_OPERATION', 'Unsupported crypto operation');
  const notInitialised = () => internal.codeError(Error, 'ERR_CRYPTO_INVALID_STATE', 'Not initialised');
  const keyRequired = () => internal.codeError(Error, 'ERR_CRYPTO_SIGN_KEY_REQUIRED', 'No key provided to sign');
  function checkOneShot(alg, callback) { // crypto.sign / crypto.verify's first checks
    if (alg !== null && alg !== undefined && typeof alg !== 'string') throw internal.argType('algorithm', 'of type string', alg);
    if (callback !== undefined && typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
  }

  // What createSign and createVerify share: the digest named, the data gathered until used once.
  class Digesting {
    constructor(name, options) {
      if (typeof name !== 'string') throw internal.argType('algorithm', 'of type string', name);
      this._alg = algorithm(name, true, false);
      this._chunks = [];
      this._done = false;
    }
    update(data, encoding) {
      if (this._done) throw notInitialised();
      this._chunks.push(bytes(data, encoding));
      return this;
    }
  }
  class Sign extends Digesting {
    sign(key, outputEncoding) {
      if (!key) throw keyRequired();
      const k = signingKey(key, 'private');
      if (this._done) throw notInitialised();
      if (k.handle.kind === 'ed25519') throw unsupportedOperation();
      this._done = true;
      return output(makeSignature(this._alg, k, Buffer.concat(this._chunks)), outputEncoding);
    }
  }
  class Verify extends Digesting {
    verify(key, signature, sigEncoding) {
      if (this._done) throw notInitialised();
      const k = signingKey(key, 'public');
      const sig = bytes(signature, sigEncoding, 'signature');
      if (k.handle.kind === 'ed25519') throw unsupportedOperation();
      this._done = true;
      return checkSignature(this._alg, k, Buffer.concat(this._chunks), sig);
    }
  }

  // crypto.sign / crypto.verify: no digest named means SHA-256 for RSA and ECDSA (OpenSSL's
  // default); an Ed25519 key takes none.
  function oneShotDigest(alg, k) {
    if (k.handle.kind === 'ed25519') {
      if (alg !== null) throw keys.opensslError('ERR_OSSL_INVALID_DIGEST', 'Provider routines', 'invalid digest', '1C80007A');
      return null;
    }
    return alg === null ? ALGORITHMS.sha256 : alg;
  }
  function later(callback, result) {
    if (typeof callback !== 'function') return result;
    setImmediate(() => callback(null, result));
    return undefined;
  }
  function sign(alg, data, key, callback) {
    checkOneShot(alg, callback);
    const message = kdfBytes(data, 'data', 'ArrayBuffer, Buffer, TypedArray, or DataView');
    if (!key) throw keyRequired();
    const k = signingKey(key, 'private');
    const digest = oneShotDigest(alg === null || alg === undefined ? null : algorithm(alg, true), k);
    return later(callback, makeSignature(digest, k, message));
  }
  function verify(alg, data, key, signature, callback) {
    checkOneShot(alg, callback);
    const message = kdfBytes(data, 'data', 'ArrayBuffer, Buffer, TypedArray, or DataView');
    const k = signingKey(key, 'public');
    const sig = bytes(signature, undefined, 'signature');
    const digest = oneShotDigest(alg === null || alg === undefined ? null : algorithm(alg, true), k);
    return later(callback, checkSignature(digest, k, message, sig));
  }

  // RSA encryption: publicEncrypt / privateDecrypt (OAEP by default, RFC 8017 7.1; PKCS#1 v1.5
  // encryption, and none), privateEncrypt / publicDecrypt (PKCS#1 v1.5 type 1 by default, and none),
  // with Node's options (key, padding, oaepHash, oaepLabel, encoding) and OpenSSL's errors. Where a
  // private key raises data the caller chose, the operation is blinded (rsa.js).
  const rsaError = (code, reason, hex) => keys.opensslError(code, 'rsa routines', reason, hex);
  const unknownPadding = () => rsaError('ERR_OSSL_RSA_UNKNOWN_PADDING_TYPE', 'unknown padding type', '02000076');
  const oaepError = () => rsaError('ERR_OSSL_RSA_OAEP_DECODING_ERROR', 'oaep decoding error', '02000079');
  function rsaCipher(method, defaultPadding, usePrivate) {
    return function (options, buffer) {
      const handle = keyHandle(options, usePrivate ? 'private' : 'public');
      const opts = options !== null && typeof options === 'object' && !(options instanceof KeyObject) && !isBytes(options) ? options : {};
      const padding = opts.padding || defaultPadding;
      const { oaepHash, encoding } = opts;
      let { oaepLabel } = opts;
      if (oaepHash !== undefined && typeof oaepHash !== 'string') throw keys.propertyType('key.oaepHash', 'of type string', oaepHash);
      if (oaepLabel !== undefined) oaepLabel = bytes(oaepLabel, encoding, 'key.oaepLabel');
      const data = bytes(buffer, encoding, 'buffer');
      if (handle.kind !== 'rsa') throw notForKeyType();
      const rsa = keys.rsa();
      const pub = keys.publicOf(handle);
      const k = pub.size;
      if (method === 'privateDecrypt' && padding === 1) {
        throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
          'RSA_PKCS1_PADDING is no longer supported for private decryption, this can be reverted with --security-revert=CVE-2023-46809');
      }
      let digest = null;
      if (padding === 4) {
        digest = algorithm(oaepHash === undefined ? 'sha1' : oaepHash, false);
        if (digest === null) throw internal.codeError(Error, 'ERR_OSSL_EVP_INVALID_DIGEST', 'Invalid digest used');
      }
      const label = oaepLabel === undefined ? Buffer.alloc(0) : oaepLabel;
      if (method === 'publicEncrypt' || method === 'privateEncrypt') {
        let em;
        if (padding === 3) {
          if (data.length > k) throw tooLargeForKey();
          if (data.length < k) throw rsaError('ERR_OSSL_RSA_DATA_TOO_SMALL_FOR_KEY_SIZE', 'data too small for key size', '0200007A');
          em = data;
        } else if (padding === 4 && method === 'publicEncrypt') {
          em = rsa.oaepEncode(digest[0], k, data, label);
          if (em === null) throw tooLargeForKey();
        } else if (padding === 1) { // 00 02 (random non-zero) 00 m, or 00 01 FF..FF 00 m
          if (data.length > k - 11) throw tooLargeForKey();
          em = Buffer.alloc(k, 0xff);
          em[0] = 0;
          em[1] = method === 'publicEncrypt' ? 2 : 1;
          if (method === 'publicEncrypt') {
            const fill = em.subarray(2, k - data.length - 1);
            native.randomFill(fill);
            for (let i = 0; i < fill.length; i++) {
              while (fill[i] === 0) native.randomFill(fill.subarray(i, i + 1));
            }
          }
          em[k - data.length - 1] = 0;
          data.copy(em, k - data.length);
        } else if (padding === 4) {
          throw keys.opensslError('ERR_OSSL_ILLEGAL_OR_UNSUPPORTED_PADDING_MODE', 'Provider routines', 'illegal or unsupported padding mode', '1C8000A5');
        } else {
          throw unknownPadding();
        }
        const m = keys.bigOf(em);
        if (m >= pub.n) throw rsaError('ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_MODULUS', 'data too large for modulus', '02000084');
        const c = method === 'publicEncrypt' ? rsa.publicOp(pub, m) : rsa.blindedPrivateOp(handle, m);
        return keys.bytesOf(c, k);
      }
      // privateDecrypt, publicDecrypt
      if (padding !== 3 && padding !== (method === 'privateDecrypt' ? 4 : 1)) throw unknownPadding();
      if (data.length > k) throw rsaError('ERR_OSSL_RSA_DATA_GREATER_THAN_MOD_LEN', 'data greater than mod len', '0200006C');
      const c = keys.bigOf(data);
      if (c >= pub.n) throw rsaError('ERR_OSSL_RSA_DATA_TOO_LARGE_FOR_MODULUS', 'data too large for modulus', '02000084');
      const em = keys.bytesOf(method === 'privateDecrypt' ? rsa.blindedPrivateOp(handle, c) : rsa.publicOp(pub, c), k);
      if (padding === 3) return em;
      if (padding === 4) {
        const m = rsa.oaepDecode(digest[0], k, em, label);
        if (m === null) throw oaepError();
        return Buffer.from(m);
      }
      // publicDecrypt, PKCS#1 v1.5 type 1 (public data: a signature), failing as OpenSSL's check does
      if (em[0] !== 0) throw rsaError('ERR_OSSL_RSA_INVALID_PADDING', 'invalid padding', '0200008A');
      if (em[1] !== 1) throw rsaError('ERR_OSSL_RSA_BLOCK_TYPE_IS_NOT_01', 'block type is not 01', '0200006A');
      let i = 2;
      while (i < k && em[i] === 0xff) i++;
      if (i < k && em[i] !== 0) throw rsaError('ERR_OSSL_RSA_BAD_FIXED_HEADER_DECRYPT', 'bad fixed header decrypt', '02000066');
      if (i === k) throw rsaError('ERR_OSSL_RSA_NULL_BEFORE_BLOCK_TYPE', 'null before block type', '02000071');
      if (i < 10) throw rsaError('ERR_OSSL_RSA_BAD_PAD_BYTE_COUNT', 'bad pad byte count', '02000067');
      return Buffer.from(em.subarray(i + 1));
    };
  }

  // Key agreement: crypto.diffieHellman for EC keys (ECDH, the shared x coordinate) and X25519 keys,
  // and createECDH (ec.js does the arithmetic)
  function agree(privateHandle, publicHandle) {
    const ec = keys.ec();
    const pub = keys.publicOf(publicHandle);
    if (privateHandle.kind === 'x25519') {
      const secret = ec.x25519(privateHandle.seed, pub.raw);
      if (secret.every((b) => b === 0)) {
        throw keys.opensslError('ERR_OSSL_FAILED_DURING_DERIVATION', 'Provider routines', 'failed during derivation', '1C8000A4');
      }
      return secret;
    }
    if (privateHandle.public.curve !== pub.curve) {
      throw keys.opensslError('ERR_OSSL_MISMATCHING_DOMAIN_PARAMETERS', 'Provider routines', 'mismatching domain parameters', '1C8000CB');
    }
    const secret = ec.ecdh(pub.curve, privateHandle.d, pub);
    if (secret === null) throw keys.opensslError('ERR_OSSL_FAILED_DURING_DERIVATION', 'Provider routines', 'failed during derivation', '1C8000A4');
    return secret;
  }
  function diffieHellman(options) {
    if (options === null || typeof options !== 'object') throw internal.argType('options', 'of type object', options);
    const { privateKey, publicKey } = options;
    if (!(privateKey instanceof KeyObject)) throw keys.invalidProperty('options.privateKey', privateKey);
    if (!(publicKey instanceof KeyObject)) throw keys.invalidProperty('options.publicKey', publicKey);
    if (privateKey.type !== 'private') {
      throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${privateKey.type}, expected private.`);
    }
    if (publicKey.type !== 'public' && publicKey.type !== 'private') {
      throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE',
        `Invalid key object type ${publicKey.type}, expected private or public.`);
    }
    const [a, b] = [privateKey.asymmetricKeyType, publicKey.asymmetricKeyType];
    if (a !== b || (a !== 'ec' && a !== 'x25519')) {
      throw internal.codeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY', `Incompatible key types for Diffie-Hellman: ${a} and ${b}`);
    }
    return Buffer.from(agree(keyHandles.get(privateKey), keyHandles.get(publicKey)));
  }

  const ECDH_CURVES = ['prime256v1', 'secp384r1', 'secp521r1', 'secp256k1'];
  const ECDH_FORMATS = { compressed: 2, uncompressed: 4, hybrid: 6 };
  function ecdhCurve(name) {
    if (typeof name !== 'string') throw internal.argType('curve', 'of type string', name);
    const curve = keys.ec().CURVES.find((c) => c.name === name);
    if (curve === undefined || !ECDH_CURVES.includes(name)) throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_CURVE', 'Invalid EC curve name');
    return curve;
  }
  function ecdhFormat(format) {
    if (format === undefined || format === null) return 4;
    const form = typeof format === 'string' ? ECDH_FORMATS[format] : undefined;
    if (form === undefined) throw internal.codeError(TypeError, 'ERR_CRYPTO_ECDH_INVALID_FORMAT', `Invalid ECDH format: ${format}`);
    return form;
  }
  const invalidPublicKey = () => internal.codeError(Error, 'ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY', 'Public key is not valid for specified curve');
  // A point for setPublicKey and convertKey; one that is not on the curve fails as Node's conversion does
  function ecdhPoint(curve, key, encoding) {
    const point = keys.ec().decodePoint(curve, bytes(key, encoding, 'key'));
    if (point === null) throw internal.codeError(Error, 'ERR_CRYPTO_OPERATION_FAILED', 'Failed to convert Buffer to EC_POINT');
    return point;
  }
  const ECDH_STATE = new WeakMap(); // ECDH -> { curve, d, point, own (d's public point) }
  const ecdhOutput = (data, encoding) => output(data, encoding === null ? undefined : encoding);
  class ECDH {
    constructor(curve) {
      ECDH_STATE.set(this, { curve: ecdhCurve(curve), d: null, point: null, own: null });
    }
    static convertKey(key, curve, inEnc, outEnc, format) {
      const c = ecdhCurve(curve);
      const point = ecdhPoint(c, key, inEnc);
      return ecdhOutput(keys.ec().encodePoint(c, { ...point, form: ecdhFormat(format) }), outEnc);
    }
    generateKeys(encoding, format) {
      const state = ECDH_STATE.get(this);
      state.d = keys.ec().randomScalar(state.curve);
      state.point = state.own = keys.ec().publicPoint(state.curve, state.d);
      return this.getPublicKey(encoding, format);
    }
    computeSecret(key, inEnc, outEnc) {
      // As Node: the key pair first (none, or a public key set that is not the private key's), then
      // the peer's point; OpenSSL reads a lone 00 as the point at infinity, and the derivation fails
      const state = ECDH_STATE.get(this);
      const data = bytes(key, inEnc, 'key');
      const { d, point: own, own: ofD } = state;
      if (own === null || (d !== null && (own.x !== ofD.x || own.y !== ofD.y))) {
        throw internal.codeError(RangeError, 'ERR_CRYPTO_INVALID_KEYPAIR', 'Invalid key pair');
      }
      const infinity = data.length === 1 && data[0] === 0;
      const point = infinity ? null : keys.ec().decodePoint(state.curve, data);
      if (point === null && !infinity) throw invalidPublicKey();
      const secret = point === null || d === null ? null : keys.ec().ecdh(state.curve, d, point);
      if (secret === null) throw internal.codeError(Error, 'ERR_CRYPTO_OPERATION_FAILED', 'Failed to compute ECDH key');
      return ecdhOutput(secret, outEnc);
    }
    getPublicKey(encoding, format) {
      const state = ECDH_STATE.get(this);
      const form = ecdhFormat(format);
      if (state.point === null) throw internal.codeError(Error, 'ERR_CRYPTO_OPERATION_FAILED', 'Failed to get ECDH public key');
      return ecdhOutput(keys.ec().encodePoint(state.curve, { ...state.point, form }), encoding);
    }
    getPrivateKey(encoding) {
      const state = ECDH_STATE.get(this);
      if (state.d === null) throw internal.codeError(Error, 'ERR_CRYPTO_OPERATION_FAILED', 'Failed to get ECDH private key');
      let hex = state.d.toString(16);
      if (hex.length % 2) hex = `0${hex}`;
      return ecdhOutput(Buffer.from(hex, 'hex'), encoding);
    }
    setPrivateKey(key, encoding) {
      const state = ECDH_STATE.get(this);
      const d = keys.bigOf(bytes(key, encoding, 'key'));
      if (d <= 0n || d >= state.curve.n) {
        throw internal.codeError(RangeError, 'ERR_CRYPTO_INVALID_KEYTYPE', 'Private key is not valid for specified curve.');
      }
      state.d = d;
      state.point = state.own = keys.ec().publicPoint(state.curve, d);
      return this;
    }
    setPublicKey(key, encoding) {
      const state = ECDH_STATE.get(this);
      state.point = ecdhPoint(state.curve, key, encoding);
      return this;
    }
  }

  // ---- key pair generation (Node's lib/internal/crypto/keygen.js): EC, Ed25519 and X25519 --------
  // Private keys come from the engine's random source (native.randomFill, as randomBytes): an EC
  // scalar uniform in [1, n - 1] by rejection (ec.js randomScalar), an Ed25519 or X25519 key 32
  // random bytes (clamped, or hashed, where it is used). RSA, RSA-PSS, DSA, DH, Ed448 and X448 are refused.
  const KEYGEN_CURVES = { 'P-256': 'prime256v1', '1.2.840.10045.3.1.7': 'prime256v1', 'P-384': 'secp384r1', '1.3.132.0.34': 'secp384r1',
    'P-521': 'secp521r1', '1.3.132.0.35': 'secp521r1', '1.3.132.0.10': 'secp256k1' };
  // OpenSSL's other named curves (crypto.getCurves() in Node, and NIST's P-192, P-224): Node makes keys on them, the edge does not
  const OPENSSL_CURVES = /^(Oakley-EC2N-[34]|SM2|brainpoolP\d+[rt]1|c2[pt]nb\d+[vwr]\d|prime(192|239)v[123]|secp(112r[12]|128r[12]|160(k1|r[12])|192k1|224[kr]1)|sect\d+[rk][12]|wap-wsg-idm-ecid-wtls\d+|P-(192|224))$/;
  const KEYGEN_SUPPORTED = 'edge functions generate EC key pairs (namedCurve P-256, P-384, P-521 or secp256k1), Ed25519 and X25519 key pairs';
  const keygenUnavailable = (what) => internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
    `${what} is not available in edge functions: ${KEYGEN_SUPPORTED}`);
  function keygenCurve(name) {
    const curve = keys.ec().CURVES.find((c) => c.name === (KEYGEN_CURVES[name] || name));
    if (curve !== undefined) return curve;
    if (OPENSSL_CURVES.test(name)) throw keygenUnavailable(`Generating keys on the curve ${name}`);
    throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_CURVE', 'Invalid EC curve name');
  }
  const invalidArgValue = (name, value, reason = 'is invalid') => internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
    `The ${name.includes('.') ? 'property' : 'argument'} '${name}' ${reason}. Received ${
      typeof value === 'string' || internal.inspect === undefined ? shownValue(value) : internal.inspect(value)}`);
  const shownValue = (value) => (typeof value === 'string' ? `'${value}'` : String(value));
  const isStringOrBuffer = (v) => typeof v === 'string' || ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
  // Node's parsePublicKeyEncoding / parsePrivateKeyEncoding for an output key: { format, type }
  function keygenEncoding(enc, keyType, isPublic, objName) {
    const option = (name) => `options.${objName}.${name}`;
    const { format, type } = enc;
    if (format !== 'pem' && format !== 'der' && format !== 'jwk') throw invalidArgValue(option('format'), format);
    if (format !== 'jwk' || type !== undefined) {
      if (type === 'pkcs1') {
        if (keyType !== 'rsa') throw keys.incompatible('pkcs1', 'RSA');
      } else if (type === 'sec1' && !isPublic) {
        if (keyType !== 'ec') throw keys.incompatible('sec1', 'EC');
      } else if (!(type === 'spki' && isPublic) && !(type === 'pkcs8' && !isPublic)) {
        throw invalidArgValue(option('type'), type);
      }
    }
    if (!isPublic) {
      const { cipher, passphrase } = enc;
      if (cipher != null) {
        if (typeof cipher !== 'string') throw invalidArgValue(option('cipher'), cipher);
        if (format === 'der' && (type === 'pkcs1' || type === 'sec1')) {
          throw internal.codeError(Error, 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS', `The selected key encoding ${type} does not support encryption.`);
        }
        if (!isStringOrBuffer(passphrase)) throw invalidArgValue(option('passphrase'), passphrase);
        throw keygenUnavailable('Encrypting a generated private key (privateKeyEncoding.cipher)');
      } else if (passphrase !== undefined) {
        throw invalidArgValue(option('cipher'), cipher);
      }
    }
    return format === 'jwk' ? { format } : { format, type };
  }
  // The checks Node makes before it generates (they throw, in the callback form too): [make, encodings]
  function keygenJob(type, options) {
    if (typeof type !== 'string') throw internal.argType('type', 'of type string', type);
    const encodings = [];
    const opts = options === undefined ? {} : options;
    for (const [name, isPublic] of [['publicKeyEncoding', true], ['privateKeyEncoding', false]]) {
      const enc = opts[name];
      if (enc == null) encodings.push(null);
      else if (typeof enc === 'object') encodings.push(keygenEncoding(enc, type, isPublic, name));
      else throw invalidArgValue(`options.${name}`, enc);
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) throw internal.argType('options', 'of type object', options);
    let make;
    if (type === 'ec') {
      if (options === null || typeof options !== 'object') throw internal.argType('options', 'of type object', options);
      const { namedCurve, paramEncoding } = options;
      if (typeof namedCurve !== 'string') throw keys.propertyType('options.namedCurve', 'of type string', namedCurve);
      if (paramEncoding != null && paramEncoding !== 'named' && paramEncoding !== 'explicit') {
        throw invalidArgValue('options.paramEncoding', paramEncoding);
      }
      const curve = keygenCurve(namedCurve);
      if (paramEncoding === 'explicit') throw keygenUnavailable('Generating EC keys with explicit curve parameters (paramEncoding \'explicit\')');
      make = () => keys.ecPrivateHandle(curve, keys.ec().randomScalar(curve));
    } else if (type === 'ed25519' || type === 'x25519') {
      make = () => {
        const seed = Buffer.alloc(32);
        native.randomFill(seed);
        return type === 'ed25519' ? keys.ed25519PrivateHandle(seed) : keys.x25519PrivateHandle(seed);
      };
    } else if (['rsa', 'rsa-pss', 'dsa', 'dh', 'ed448', 'x448'].includes(type)) {
      if (type === 'rsa' || type === 'rsa-pss') {
        throw keygenUnavailable(`Generating ${type === 'rsa' ? 'RSA' : 'RSA-PSS'} key pairs (finding the primes takes too long in an ` +
          'edge function; make the key elsewhere and read it with createPrivateKey)');
      }
      throw keygenUnavailable(`Generating ${{ dsa: 'DSA', dh: 'DH', ed448: 'Ed448', x448: 'X448' }[type]} key pairs`);
    } else {
      throw invalidArgValue('type', type, 'must be a supported key type');
    }
    return () => {
      const handle = make();
      const out = (h, encoding, KeyClass, kind) => (encoding === null ? new KeyClass(kind, h) : keys.exportKey(h, encoding));
      return { publicKey: out(keys.publicOf(handle), encodings[0], PublicKeyObject, 'public'),
        privateKey: out(handle, encodings[1], PrivateKeyObject, 'private') };
    };
  }
  function generateKeyPairSync(type, options) {
    return keygenJob(type, options)();
  }
  function generateKeyPair(type, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
    const job = keygenJob(type, options);
    setImmediate(() => {
      let pair;
      try {
        pair = job();
      } catch (err) {
        callback(err);
        return;
      }
      callback(null, pair.publicKey, pair.privateKey);
    });
  }
  // util.promisify(generateKeyPair) resolves to { publicKey, privateKey }, as Node's (there by its customPromisifyArgs)
  Object.defineProperty(generateKeyPair, Symbol.for('nodejs.util.promisify.custom'), {
    value: function generateKeyPair(type, options) {
      return new Promise((resolve, reject) => {
        exports.generateKeyPair(type, options, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })));
      });
    },
    configurable: true,
  });

  // What there is not: finite-field Diffie-Hellman, secret key generation.
  function notAvailable(what) {
    return () => {
      throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
        `crypto.${what}() is not available in edge functions: they sign and verify with RSA (PKCS#1 v1.5 and PSS), ECDSA and ` +
        'Ed25519 keys (createPrivateKey, createPublicKey, createSign, createVerify, sign, verify), encrypt with RSA ' +
        '(publicEncrypt, privateDecrypt, privateEncrypt, publicDecrypt) and AES (createCipheriv, createDecipheriv) and agree ' +
        'on keys with ECDH and X25519 (diffieHellman, createECDH), generate EC, Ed25519 and X25519 key pairs ' +
        '(generateKeyPair, generateKeyPairSync), but have no finite-field Diffie-Hellman (createDiffieHellman, getDiffieHellman) ' +
        'and no secret key generation (generateKey, generateKeySync: use randomBytes and createSecretKey)');
    };
  }
  // The AES ciphers (cipher.js), in a function whose sources name createCipheriv, createDecipheriv,
  // getCiphers, … (edge/js/build.py)
  let cipherModule = null;
  function ciphers() {
    if (cipherModule !== null) return cipherModule;
    if (builtinFactories['internal/cipher'] === undefined) {
      throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
        "The ciphers are put in a function whose sources name them (createCipheriv, createDecipheriv, createCipher, " +
        'createDecipher, Cipheriv, Decipheriv, getCiphers, getCipherInfo): this one names none of them');
    }
    cipherModule = require('internal/cipher');
    return cipherModule;
  }
  (internal.warmups || (internal.warmups = [])).push(() => {
    if (builtinFactories['internal/cipher'] !== undefined) ciphers();
  });

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

  // Node's: DOMExceptions, a TypeMismatchError for what is no integer-type typed array (a number, a
  // DataView, a Float32Array) and a QuotaExceededError past 65,536 bytes
  const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
  function getRandomValues(array) {
    const type = typedArrayTag.call(array);
    if (type === undefined || type === 'Float32Array' || type === 'Float64Array' || type === 'Float16Array') {
      throw new DOMException('The data argument must be an integer-type TypedArray', 'TypeMismatchError');
    }
    if (array.byteLength > 65536) throw new DOMException('The requested length exceeds 65,536 bytes', 'QuotaExceededError');
    native.randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    return array;
  }

  // Node takes no strings here (unlike its hashes): ArrayBuffers and views only, with its own message
  function safeEqualBytes(value, name) {
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return internal.toBuffer(value);
    throw internal.codeError(TypeError, 'ERR_INVALID_ARG_TYPE',
      `The "${name}" argument must be an instance of ArrayBuffer, Buffer, TypedArray, or DataView.`);
  }

  function timingSafeEqual(a, b) {
    const x = safeEqualBytes(a, 'buf1');
    const y = safeEqualBytes(b, 'buf2');
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

  // crypto.X509Certificate: a certificate read (keys.certificate: its structure) and described as
  // Node describes it (OpenSSL's printing: names one attribute a line, times as ASN1_TIME_print).
  const kCert = Symbol('certificate');
  const NAME_FIELDS = {
    '2.5.4.3': 'CN', '2.5.4.4': 'SN', '2.5.4.5': 'serialNumber', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST',
    '2.5.4.9': 'street', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.12': 'title', '2.5.4.13': 'description',
    '2.5.4.15': 'businessCategory', '2.5.4.17': 'postalCode', '2.5.4.41': 'name', '2.5.4.42': 'GN', '2.5.4.43': 'initials',
    '2.5.4.44': 'generationQualifier', '2.5.4.46': 'dnQualifier', '2.5.4.65': 'pseudonym', '2.5.4.97': 'organizationIdentifier',
    '1.2.840.113549.1.9.1': 'emailAddress', '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
    '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL', '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
    '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
  };
  // The signature algorithms of certificates: [key kind, digest]
  const CERT_SIGNATURES = {
    '1.2.840.113549.1.1.5': ['rsa', 'sha1'], '1.2.840.113549.1.1.14': ['rsa', 'sha224'], '1.2.840.113549.1.1.11': ['rsa', 'sha256'],
    '1.2.840.113549.1.1.12': ['rsa', 'sha384'], '1.2.840.113549.1.1.13': ['rsa', 'sha512'], '1.2.840.10045.4.1': ['ec', 'sha1'],
    '1.2.840.10045.4.3.1': ['ec', 'sha224'], '1.2.840.10045.4.3.2': ['ec', 'sha256'], '1.2.840.10045.4.3.3': ['ec', 'sha384'],
    '1.2.840.10045.4.3.4': ['ec', 'sha512'], '1.3.101.112': ['ed25519', null],
  };
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function oidOf(bytes) {
    const out = [];
    let v = 0;
    for (let i = 0; i < bytes.length; i++) {
      v = v * 128 + (bytes[i] & 0x7f);
      if (!(bytes[i] & 0x80)) {
        if (out.length === 0) out.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
        else out.push(v);
        v = 0;
      }
    }
    return out.join('.');
  }
  function asn1String(der, t) {
    const b = der.subarray(t.start, t.end);
    if (t.tag === 0x1e) { // BMPString
      let s = '';
      for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i] * 256 + b[i + 1]);
      return s;
    }
    if (t.tag === 0x1c) { // UniversalString
      let s = '';
      for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0);
      return s;
    }
    return internal.fromBytes(b).toString(t.tag === 0x0c ? 'utf8' : 'latin1');
  }
  // X509_NAME_print_ex(XN_FLAG_SEP_MULTILINE | XN_FLAG_FN_SN | ASN1_STRFLGS_ESC_2253 | ESC_CTRL | UTF8_CONVERT)
  function escapeValue(s) {
    let out = '';
    const chars = Array.from(s);
    chars.forEach((c, i) => {
      const code = c.codePointAt(0);
      if (',+"\\<>;'.includes(c) || (c === '#' && i === 0) || (c === ' ' && (i === 0 || i === chars.length - 1))) out += '\\' + c;
      else if (code < 0x20 || code === 0x7f) out += '\\' + code.toString(16).toUpperCase().padStart(2, '0');
      else out += c;
    });
    return out;
  }
  function nameAttributes(der, name) {
    return keys.derChildren(der, name).map((rdn) => keys.derChildren(der, rdn).map((atv) => {
      const [oid, value] = keys.derChildren(der, atv);
      const id = oidOf(der.subarray(oid.start, oid.end));
      return [NAME_FIELDS[id] || id, asn1String(der, value)];
    }));
  }
  const printName = (der, name) => nameAttributes(der, name)
    .map((rdn) => rdn.map(([field, value]) => `${field}=${escapeValue(value)}`).join(' + ')).join('\n');
  // X509_NAME_cmp compares names canonically: values case-folded, spaces collapsed
  const canonicalName = (der, name) => JSON.stringify(nameAttributes(der, name)
    .map((rdn) => rdn.map(([field, value]) => [field, value.trim().replace(/\s+/g, ' ').toLowerCase()])));
  function printTime(der, t) {
    const s = internal.fromBytes(der.subarray(t.start, t.end)).toString('latin1');
    const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(s);
    if (m === null) return 'Bad time value';
    let year = Number(m[1]);
    if (t.tag === 0x17) year += year < 50 ? 2000 : 1900;
    return `${MONTHS[Number(m[2]) - 1]} ${String(Number(m[3])).padStart(2, ' ')} ${m[4]}:${m[5]}:${m[6]}${m[7] || ''} ${year} GMT`;
  }
  function extension(cert, oid) {
    const { der, parts } = cert;
    for (const ext of parts.extensions || []) {
      const kids = keys.derChildren(der, ext);
      if (oidOf(der.subarray(kids[0].start, kids[0].end)) === oid) {
        const value = kids[kids.length - 1];
        return der.subarray(value.start, value.end); // the OCTET STRING's content: the extension's DER
      }
    }
    return null;
  }
  function printGeneralName(b, t) {
    const v = b.subarray(t.start, t.end);
    const text = () => { // Node's IsSafeAltName, else quoted
      const s = internal.fromBytes(v).toString('latin1');
      if (/^[\x20-\x7e]*$/.test(s) && !/[,"\\']/.test(s)) return s;
      return `"${s.replace(/["\\]/g, '\\$&').replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
    };
    if (t.tag === 0x82) return `DNS:${text()}`;
    if (t.tag === 0x81) return `email:${text()}`;
    if (t.tag === 0x86) return `URI:${text()}`;
    if (t.tag === 0x87) {
      if (v.length === 4) return `IP Address:${Array.from(v).join('.')}`;
      if (v.length === 16) return `IP Address:${Array.from({ length: 8 }, (_, i) => (v[2 * i] * 256 + v[2 * i + 1]).toString(16).toUpperCase()).join(':')}`;
      return 'IP Address:<invalid>';
    }
    if (t.tag === 0x88) return `Registered ID:${oidOf(v)}`;
    if (t.tag === 0xa4) return `DirName:${printName(b, keys.derChildren(b, t)[0])}`;
    return '<unsupported>';
  }
  const certError = () => keys.opensslError('ERR_OSSL_PEM_NO_START_LINE', 'PEM routines', 'no start line', '0480006C');
  const hexColons = (bytes) => internal.fromBytes(bytes).toString('hex').toUpperCase().match(/../g).join(':');
  class X509Certificate {
    constructor(buffer) {
      if (typeof buffer === 'string') buffer = Buffer.from(buffer);
      if (!ArrayBuffer.isView(buffer)) {
        throw internal.argType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', buffer);
      }
      const b = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const pem = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/
        .exec(b.toString('latin1'));
      let der;
      let parts;
      if (pem !== null) { // OpenSSL's PEM reader: the first certificate block, nothing after the certificate in it
        der = Buffer.from(pem[1].replace(/\s+/g, ''), 'base64');
        parts = keys.certificate(der);
        if (parts.trailing) throw keys.opensslError('ERR_OSSL_ASN1_WRONG_TAG', 'asn1 encoding routines', 'wrong tag', '068000A8');
      } else { // then DER
        try {
          parts = keys.certificate(b);
        } catch {
          throw certError();
        }
        der = Buffer.from(parts.der);
      }
      this[kCert] = { der, parts, cache: new Map() };
    }
    get subject() { return cached(this, 'subject', (c) => printName(c.der, c.parts.subject)); }
    get issuer() { return cached(this, 'issuer', (c) => printName(c.der, c.parts.issuer)); }
    get subjectAltName() {
      return cached(this, 'subjectAltName', (c) => {
        const ext = extension(c, '2.5.29.17');
        if (ext === null) return undefined;
        return keys.derChildren(ext, keys.readTlv(ext, 0, ext.length)).map((t) => printGeneralName(ext, t)).join(', ');
      });
    }
    get infoAccess() {
      return cached(this, 'infoAccess', (c) => {
        const ext = extension(c, '1.3.6.1.5.5.7.1.1');
        if (ext === null) return undefined;
        const METHODS = { '1.3.6.1.5.5.7.48.1': 'OCSP', '1.3.6.1.5.5.7.48.2': 'CA Issuers' };
        return keys.derChildren(ext, keys.readTlv(ext, 0, ext.length)).map((ad) => {
          const [method, location] = keys.derChildren(ext, ad);
          const id = oidOf(ext.subarray(method.start, method.end));
          return `${METHODS[id] || id} - ${printGeneralName(ext, location)}`;
        }).join('\n');
      });
    }
    get validFrom() { return cached(this, 'validFrom', (c) => printTime(c.der, keys.derChildren(c.der, c.parts.validity)[0])); }
    get validTo() { return cached(this, 'validTo', (c) => printTime(c.der, keys.derChildren(c.der, c.parts.validity)[1])); }
    get fingerprint() { return cached(this, 'fingerprint', (c) => hexColons(native.digest(1, c.der))); }
    get fingerprint256() { return cached(this, 'fingerprint256', (c) => hexColons(native.digest(256, c.der))); }
    get fingerprint512() { return cached(this, 'fingerprint512', (c) => hexColons(native.digest(512, c.der))); }
    get keyUsage() {
      return cached(this, 'keyUsage', (c) => {
        const ext = extension(c, '2.5.29.37');
        if (ext === null) return undefined;
        return keys.derChildren(ext, keys.readTlv(ext, 0, ext.length)).map((t) => oidOf(ext.subarray(t.start, t.end)));
      });
    }
    get serialNumber() {
      return cached(this, 'serialNumber', (c) => {
        const { serial } = c.parts;
        const bytes = c.der.subarray(serial.start, serial.end);
        if (bytes.length > 0 && bytes[0] & 0x80) { // negative: BN_bn2hex's '-' and the magnitude
          const magnitude = (1n << BigInt(bytes.length * 8)) - keys.bigOf(bytes);
          return '-' + keys.bytesOf(magnitude, Math.ceil(magnitude.toString(16).length / 2)).toString('hex').toUpperCase();
        }
        const value = keys.bigOf(bytes);
        if (value === 0n) return '0';
        return keys.bytesOf(value, Math.ceil(value.toString(16).length / 2)).toString('hex').toUpperCase();
      });
    }
    get raw() { return cached(this, 'raw', (c) => Buffer.from(c.der)); }
    get publicKey() {
      const c = this[kCert];
      return new PublicKeyObject('public', keys.parseSpki(keys.tlvBytes(c.der, c.parts.spki)));
    }
    get ca() {
      return cached(this, 'ca', (c) => {
        const ext = extension(c, '2.5.29.19');
        if (ext === null) return false;
        const [flag] = keys.derChildren(ext, keys.readTlv(ext, 0, ext.length));
        return flag !== undefined && flag.tag === 1 && ext[flag.start] !== 0;
      });
    }
    get issuerCertificate() { return undefined; }
    toString() {
      return cached(this, 'pem', (c) => `-----BEGIN CERTIFICATE-----\n${c.der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`);
    }
    toJSON() { return this.toString(); }
    verify(publicKey) {
      return checkCertificateSignature(this[kCert], keyHandles.get(certKeyArgument(publicKey, 'public')));
    }
    checkPrivateKey(privateKey) {
      const c = this[kCert];
      return keys.sameKey(keys.parseSpki(keys.tlvBytes(c.der, c.parts.spki)), keyHandles.get(certKeyArgument(privateKey, 'private')));
    }
    // X509_check_issued(issuer = otherCert, subject = this): the names, the authority key identifier,
    // the issuer's key usage and its key's type against the signature's
    checkIssued(otherCert) {
      if (!(otherCert instanceof X509Certificate)) throw internal.argType('otherCert', 'an instance of X509Certificate', otherCert);
      const subject = this[kCert];
      const issuer = otherCert[kCert];
      if (canonicalName(issuer.der, issuer.parts.subject) !== canonicalName(subject.der, subject.parts.issuer)) return false;
      const akid = extension(subject, '2.5.29.35');
      if (akid !== null) {
        for (const t of keys.derChildren(akid, keys.readTlv(akid, 0, akid.length))) {
          if (t.tag === 0x80) {
            const skid = extension(issuer, '2.5.29.14');
            if (skid !== null) {
              const id = keys.readTlv(skid, 0, skid.length);
              if (Buffer.compare(skid.subarray(id.start, id.end), akid.subarray(t.start, t.end)) !== 0) return false;
            }
          } else if (t.tag === 0x82) {
            const serial = issuer.parts.serial;
            if (Buffer.compare(issuer.der.subarray(serial.start, serial.end), akid.subarray(t.start, t.end)) !== 0) return false;
          }
        }
      }
      const usage = extension(issuer, '2.5.29.15');
      if (usage !== null) {
        const bits = keys.readTlv(usage, 0, usage.length);
        if (bits.end - bits.start < 2 || !(usage[bits.start + 1] & 0x04)) return false; // keyCertSign
      }
      const algorithm = CERT_SIGNATURES[signatureOid(subject)];
      return algorithm === undefined || algorithm[0] === keys.parseSpki(keys.tlvBytes(issuer.der, issuer.parts.spki)).kind;
    }
    // X509_check_host, X509_check_email and X509_check_ip_asc, as Node calls them: the subject
    // alternative names of the kind, or (subject 'default', with none of them; 'always') the subject's
    // CN or emailAddress. checkHost gives the certificate's name that matched, the others their argument.
    checkHost(name, options) {
      if (typeof name !== 'string') throw internal.argType('name', 'of type string', name);
      const flags = checkOptions(options);
      const bytes = Buffer.from(name, 'utf8').toString('latin1'); // Node passes its UTF-8
      const chk = bytes.length > 1 && bytes.endsWith('\0') ? bytes.slice(0, -1) : bytes;
      if (chk.includes('\0')) throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', 'Invalid name');
      if (chk.length > 1 && chk[0] === '.') flags.dotSubdomains = true;
      const equal = flags.wildcards ? equalWildcard : equalNocase;
      return namesCheck(this[kCert], 0x82, '2.5.4.3', flags, (candidate) => equal(candidate, chk, flags));
    }
    checkEmail(email, options) {
      if (typeof email !== 'string') throw internal.argType('email', 'of type string', email);
      const flags = checkOptions(options);
      const bytes = Buffer.from(email, 'utf8').toString('latin1');
      return namesCheck(this[kCert], 0x81, '1.2.840.113549.1.9.1', flags, (candidate) => equalEmail(candidate, bytes)) !== undefined
        ? email : undefined;
    }
    checkIP(ip, options) { // (options change nothing in Node)
      if (typeof ip !== 'string') throw internal.argType('ip', 'of type string', ip);
      const bytes = ipBytes(ip);
      if (bytes === null) throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', 'Invalid IP');
      const want = String.fromCharCode(...bytes);
      return namesCheck(this[kCert], 0x87, null, { subject: 'never' }, (candidate) => candidate === want) !== undefined ? ip : undefined;
    }
    toLegacyObject() { throw x509Unavailable('toLegacyObject'); }
    [internal.inspectCustom](depth, options, inspect) {
      if (depth < 0) return this;
      const opts = { ...options, depth: options.depth == null ? null : options.depth - 1 };
      return `X509Certificate ${(inspect || require('util').inspect)({
        subject: this.subject, subjectAltName: this.subjectAltName, issuer: this.issuer, infoAccess: this.infoAccess,
        validFrom: this.validFrom, validTo: this.validTo, fingerprint: this.fingerprint, fingerprint256: this.fingerprint256,
        fingerprint512: this.fingerprint512, keyUsage: this.keyUsage, serialNumber: this.serialNumber,
      }, opts)}`;
    }
  }
  const x509Unavailable = (what) => internal.unavailable(`X509Certificate.prototype.${what}()`,
    'edge functions read a certificate\'s names, validity, fingerprints, serial number, public key and extensions ' +
    '(subjectAltName, infoAccess, keyUsage, ca), and check its signature (verify, checkIssued), key (checkPrivateKey) ' +
    'and names (checkHost, checkEmail, checkIP)');
  function checkOptions(options) {
    if (options === undefined) options = {};
    if (options === null || typeof options !== 'object') throw internal.argType('options', 'of type object', options);
    const { subject = 'default', wildcards = true, partialWildcards = true, multiLabelWildcards = false,
      singleLabelSubdomains = false } = options;
    if (!['default', 'always', 'never'].includes(subject)) {
      throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.subject' is invalid. Received ${
        typeof subject === 'string' ? `'${subject}'` : require('util').inspect(subject)}`);
    }
    const flags = { subject, wildcards, partialWildcards, multiLabelWildcards, singleLabelSubdomains };
    for (const name of ['wildcards', 'partialWildcards', 'multiLabelWildcards', 'singleLabelSubdomains']) {
      if (typeof flags[name] !== 'boolean') throw internal.argType(`options.${name}`, 'of type boolean', flags[name]);
    }
    return flags;
  }
  // do_x509_check: the alternative names of one kind (their bytes as a latin1 string), else the
  // subject's attributes of one type (as UTF-8); the first that `equal` takes
  function namesCheck(c, tag, subjectOid, flags, equal) {
    const ext = extension(c, '2.5.29.17');
    let present = false;
    if (ext !== null) {
      for (const t of keys.derChildren(ext, keys.readTlv(ext, 0, ext.length))) {
        if (t.tag !== tag) continue;
        present = true;
        const value = internal.fromBytes(ext.subarray(t.start, t.end)).toString('latin1');
        if (value.length > 0 && equal(value)) return value;
      }
    }
    if (subjectOid === null || flags.subject === 'never' || (present && flags.subject !== 'always')) return undefined;
    for (const rdn of nameAttributes(c.der, c.parts.subject)) {
      for (const [field, value] of rdn) {
        if ((NAME_FIELDS_BY_NAME[field] || field) !== subjectOid) continue;
        const utf8 = Buffer.from(value, 'utf8').toString('latin1'); // its UTF-8 bytes, which Node returns as latin1
        if (utf8.length > 0 && equal(utf8)) return utf8;
      }
    }
    return undefined;
  }
  const NAME_FIELDS_BY_NAME = Object.fromEntries(Object.entries(NAME_FIELDS).map(([oid, name]) => [name, oid]));
  const lower = (s) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
  // OpenSSL's v3_utl.c: equal_nocase (with skip_prefix), equal_email, equal_wildcard
  function equalNocase(pattern, subject, flags) {
    if (flags.dotSubdomains) {
      let p = pattern;
      while (p.length > subject.length && p[0] !== '\0') {
        if (flags.singleLabelSubdomains && p[0] === '.') break;
        p = p.slice(1);
      }
      if (p.length === subject.length) pattern = p;
    }
    return pattern.length === subject.length && !pattern.includes('\0') && lower(pattern) === lower(subject);
  }
  function equalEmail(a, b) {
    if (a.length !== b.length) return false;
    let i = a.length;
    while (i > 0) {
      i--;
      if (a[i] === '@' || b[i] === '@') {
        if (!equalNocase(a.slice(i), b.slice(i), {})) return false;
        break;
      }
    }
    if (i === 0) i = a.length;
    return a.slice(0, i) === b.slice(0, i) && !a.slice(0, i).includes('\0');
  }
  function validStar(p, flags) {
    let star = -1;
    let start = true;
    let hyphen = false;
    let idna = false;
    let dots = 0;
    for (let i = 0; i < p.length; i++) {
      const ch = p[i];
      if (ch === '*') {
        const atEnd = i === p.length - 1 || p[i + 1] === '.';
        if (star !== -1 || idna || dots) return -1;
        if (!flags.partialWildcards && (!start || !atEnd)) return -1;
        if (!start && !atEnd) return -1;
        star = i;
        start = false;
      } else if (/[A-Za-z0-9]/.test(ch)) {
        if (start && p.length - i >= 4 && lower(p.slice(i, i + 4)) === 'xn--') idna = true;
        hyphen = false;
        start = false;
      } else if (ch === '.') {
        if (hyphen || start) return -1;
        start = true;
        idna = false;
        dots++;
      } else if (ch === '-') {
        if (start) return -1;
        hyphen = true;
      } else {
        return -1;
      }
    }
    return start || hyphen || dots < 2 ? -1 : star;
  }
  function equalWildcard(pattern, subject, flags) {
    const star = subject.length > 1 && subject[0] === '.' ? -1 : validStar(pattern, flags);
    if (star === -1) return equalNocase(pattern, subject, flags);
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    if (subject.length < prefix.length + suffix.length) return false;
    if (!equalNocase(prefix, subject.slice(0, prefix.length), {})) return false;
    const wildcard = subject.slice(prefix.length, subject.length - suffix.length);
    if (!equalNocase(subject.slice(subject.length - suffix.length), suffix, {})) return false;
    let multi = false;
    let idnaOk = false;
    if (prefix.length === 0 && suffix[0] === '.') {
      if (wildcard.length === 0) return false;
      idnaOk = true;
      multi = flags.multiLabelWildcards;
    }
    if (!idnaOk && subject.length >= 4 && lower(subject.slice(0, 4)) === 'xn--') return false;
    if (wildcard === '*') return true;
    return (multi ? /^[A-Za-z0-9.-]*$/ : /^[A-Za-z0-9-]*$/).test(wildcard);
  }
  // a2i_IPADDRESS: IPv4 as sscanf reads "%d.%d.%d.%d", or IPv6 (with ::, and IPv4 at its end)
  function ipv4(text) {
    const m = /^\s*([+-]?\d+)\.\s*([+-]?\d+)\.\s*([+-]?\d+)\.\s*([+-]?\d+)$/.exec(text);
    if (m === null) return null;
    const parts = m.slice(1).map(Number);
    return parts.every((n) => n >= 0 && n <= 255) ? parts : null;
  }
  function ipBytes(text) {
    if (!text.includes(':')) return ipv4(text);
    const halves = text.split('::');
    if (halves.length > 2) return null;
    const groups = (half) => {
      if (half === '') return [];
      const out = [];
      const items = half.split(':');
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (i === items.length - 1 && item.includes('.')) {
          const v4 = ipv4(item);
          if (v4 === null) return null;
          out.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
        } else if (/^[0-9A-Fa-f]{1,4}$/.test(item)) {
          out.push(parseInt(item, 16));
        } else {
          return null;
        }
      }
      return out;
    };
    const head = groups(halves[0]);
    const tail = halves.length === 2 ? groups(halves[1]) : [];
    if (head === null || tail === null) return null;
    const missing = 8 - head.length - tail.length;
    if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
    const all = [...head, ...new Array(missing).fill(0), ...tail];
    return all.flatMap((g) => [g >> 8, g & 255]);
  }
  function certKeyArgument(key, type) {
    if (!(key instanceof KeyObject)) throw internal.argType('pkey', 'an instance of KeyObject', key);
    if (key.type !== type) {
      throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'pkey' is invalid. Received ${require('util').inspect(key)}`);
    }
    return key;
  }
  function cached(cert, name, compute) {
    const c = cert[kCert];
    if (!c.cache.has(name)) c.cache.set(name, compute(c));
    return c.cache.get(name);
  }
  function signatureOid(c) {
    const [oid] = keys.derChildren(c.der, c.parts.algorithm);
    return oidOf(c.der.subarray(oid.start, oid.end));
  }
  function checkCertificateSignature(c, handle) {
    const oid = signatureOid(c);
    if (oid === '1.2.840.113549.1.1.10') {
      throw internal.unavailable('Checking an RSA-PSS certificate signature', 'edge functions check certificates signed with ' +
        'RSA PKCS#1 v1.5, ECDSA or Ed25519');
    }
    const algorithm = CERT_SIGNATURES[oid];
    if (algorithm === undefined || algorithm[0] !== handle.kind) return false;
    const sig = c.der.subarray(c.parts.signature.start, c.parts.signature.end);
    if (sig.length === 0 || sig[0] !== 0) return false;
    try {
      return verify(algorithm[1], c.der.subarray(c.parts.tbs.at, c.parts.tbs.end), new PublicKeyObject('public', handle), sig.subarray(1));
    } catch {
      return false;
    }
  }

  function noScrypt(what) {
    return () => {
      throw internal.unavailable(`crypto.${what}()`, 'for key derivation they have pbkdf2, pbkdf2Sync, hkdf and hkdfSync');
    };
  }

  // WebCrypto: globalThis.crypto, require('crypto').webcrypto. Its subtle is webcrypto.js, in a function
  // whose sources name subtle (edge/js/build.py)
  let subtleModule = null;
  // Without webcrypto.js, crypto.subtle is an object whose every member throws saying why:
  // reading it (copying the module, `{ ...crypto }`) must not throw, as in Node.
  let absentSubtle = null;
  function subtle() {
    if (subtleModule !== null) return subtleModule.subtle;
    if (builtinFactories['internal/webcrypto'] === undefined) {
      if (absentSubtle === null) {
        absentSubtle = new Proxy({}, {
          get: () => {
            throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
              'crypto.subtle is put in a function whose sources name it (subtle, CryptoKey or SubtleCrypto): ' +
              'this one names none of them');
          },
        });
      }
      return absentSubtle;
    }
    subtleModule = require('internal/webcrypto');
    return subtleModule.subtle;
  }
  (internal.warmups || (internal.warmups = [])).push(() => {
    if (builtinFactories['internal/webcrypto'] !== undefined) subtle();
  });
  class Crypto {
    constructor() {
      throw internal.codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
    }
    get subtle() { return subtle(); }
  }
  Object.defineProperty(Crypto.prototype, 'subtle', { enumerable: true });
  // Node's webcrypto method: its `this` a Crypto and WebIDL's argument count, then require('crypto')'s
  const cryptoGetRandomValues = { getRandomValues(array) {
    if (this !== webcrypto) throw invalidThisCrypto();
    if (arguments.length < 1) {
      throw internal.plainCodeError(TypeError, 'ERR_MISSING_ARGS', "Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.");
    }
    return getRandomValues(array);
  } }.getRandomValues;
  const invalidThisCrypto = () => internal.codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type Crypto');
  for (const [name, value] of [['getRandomValues', cryptoGetRandomValues], ['randomUUID', randomUUID]]) {
    Object.defineProperty(Crypto.prototype, name, { value, writable: true, enumerable: true, configurable: true });
  }
  Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: 'Crypto', configurable: true });
  const webcrypto = Object.create(Crypto.prototype);
  internal.Crypto = Crypto;

  // Reading them never throws (code copying the module, `{ ...crypto }`, must work as in Node):
  // without the ciphers they are classes that throw saying why when used.
  for (const name of ['Cipheriv', 'Decipheriv']) {
    let absent = null;
    Object.defineProperty(exports, name, {
      get: () => {
        if (builtinFactories['internal/cipher'] !== undefined) return ciphers()[name];
        if (absent === null) {
          absent = { [name]: function () { return ciphers()[name]; } }[name];  // ciphers() throws: not built in
        }
        return absent;
      },
      enumerable: true, configurable: true,
    });
  }
  Object.defineProperty(exports, 'subtle', { get: subtle, enumerable: true, configurable: true });
  // what webcrypto.js builds crypto.subtle on
  internal.cryptoParts = {
    ALGORITHMS, hmacWith, makeSignature, checkSignature, pbkdf2Sync, hkdfSync, pssSign, pssVerify, agree,
    secretKey: (bytes) => new SecretKeyObject('secret', new Uint8Array(bytes)),
    keyObjectOf: (handle) => (keys.isPrivate(handle) ? new PrivateKeyObject('private', handle) : new PublicKeyObject('public', handle)),
    handleOf: (keyObject) => keyHandles.get(keyObject),
    bytesOf: (keyObject) => keyBytes.get(keyObject),
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
    KeyObject, createSecretKey, createPublicKey, createPrivateKey, Sign, sign, Verify, verify, X509Certificate,
    createSign: (name, options) => new Sign(name, options),
    createVerify: (name, options) => new Verify(name, options),
    generateKeyPair, generateKeyPairSync,
    createECDH: (curve) => new ECDH(curve), ECDH, diffieHellman,
    createCipheriv: (cipher, key, iv, options) => ciphers().createCipheriv(cipher, key, iv, options),
    createDecipheriv: (cipher, key, iv, options) => ciphers().createDecipheriv(cipher, key, iv, options),
    createCipher: (cipher, password, options) => ciphers().createCipher(cipher, password, options),
    createDecipher: (cipher, password, options) => ciphers().createDecipher(cipher, password, options),
    getCiphers: () => ciphers().getCiphers(),
    getCipherInfo: (nameOrNid, options) => ciphers().getCipherInfo(nameOrNid, options),
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
    publicEncrypt: rsaCipher('publicEncrypt', 4, false),
    publicDecrypt: rsaCipher('publicDecrypt', 1, false),
    privateEncrypt: rsaCipher('privateEncrypt', 1, true),
    privateDecrypt: rsaCipher('privateDecrypt', 4, true),
    createDiffieHellman: notAvailable('createDiffieHellman'),
    generateKey: notAvailable('generateKey'),
    generateKeySync: notAvailable('generateKeySync'),
    constants: { RSA_PKCS1_PADDING: 1, RSA_NO_PADDING: 3, RSA_PKCS1_OAEP_PADDING: 4, RSA_X931_PADDING: 5, RSA_PKCS1_PSS_PADDING: 6,
      RSA_PSS_SALTLEN_DIGEST: -1, RSA_PSS_SALTLEN_MAX_SIGN: -2, RSA_PSS_SALTLEN_AUTO: -2,
      POINT_CONVERSION_COMPRESSED: 2, POINT_CONVERSION_UNCOMPRESSED: 4, POINT_CONVERSION_HYBRID: 6 },
  });
});
