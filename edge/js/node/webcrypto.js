// crypto.subtle (WebCrypto), as Node 20 has it on globalThis.crypto.subtle and require('crypto').webcrypto
// / .subtle: every method async, arguments converted and checked as Node's WebIDL layer does, errors
// with Node's DOMException names and messages. Over what require('crypto') has (crypto.js's
// internal.cryptoParts): the engine's digests, HMAC, PBKDF2 and HKDF, RSASSA-PKCS1-v1_5, RSA-PSS and
// RSA-OAEP, ECDSA (P-256, P-384, P-521; IEEE P1363 signatures), Ed25519, ECDH and X25519 (keys.js,
// rsa.js, ec.js), and the engine's AES (native.cipherNew & co., edge/js/engine/cipher.c) for AES-GCM,
// AES-CBC, AES-CTR and AES-KW (RFC 3394, over single ECB blocks). generateKey makes HMAC and AES keys
// and ECDSA, ECDH, Ed25519 and X25519 key pairs (crypto.js's generateKeyPairSync); wrapKey and
// unwrapKey wrap with AES-KW, AES-GCM, AES-CBC, AES-CTR or RSA-OAEP. What Node has and edge
// functions do not (X448, Ed448, RSA key pair generation) rejects with a NotSupportedError saying
// what there is. In a function only when its sources name `subtle`,
// `CryptoKey` or `SubtleCrypto` (edge/js/build.py's ON_DEMAND), evaluated at build time.
defineBuiltin('internal/webcrypto', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  require('crypto');
  const parts = internal.cryptoParts;
  const keys = require('internal/keys');
  const native = internal.native;

  // ---- errors ---------------------------------------------------------------------------------
  function domError(message, name, cause) { // Node's lazyDOMException
    const err = name === undefined ? new DOMException(message) : new DOMException(message, name);
    Error.captureStackTrace(err, domError); // its frames from domError's caller, as Node's
    if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
    return err;
  }
  const operationFailed = (cause) => domError('The operation failed for an operation-specific reason', 'OperationError', cause);
  const invalidThis = (type) => internal.codeError(TypeError, 'ERR_INVALID_THIS', `Value of "this" must be of type ${type}`);
  const SUPPORTED = 'crypto.subtle in edge functions has digest (SHA-1, SHA-256, SHA-384, SHA-512); sign and verify with HMAC, ' +
    'RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA (P-256, P-384, P-521) and Ed25519 keys; encrypt and decrypt with AES-GCM, AES-CBC, ' +
    'AES-CTR and RSA-OAEP; wrapKey and unwrapKey with those and AES-KW; deriveBits and deriveKey with PBKDF2, HKDF, ECDH ' +
    '(P-256, P-384, P-521) and X25519; generateKey for HMAC and AES keys and ECDSA, ECDH, Ed25519 and X25519 key pairs; importKey and exportKey for all of these';
  // Algorithms Node has for an operation that edge functions do not
  const NODE_ONLY = {
    generateKey: ['X448', 'Ed448'], sign: ['Ed448'], verify: ['Ed448'], importKey: ['X448', 'Ed448'], deriveBits: ['X448'],
  };
  function unavailable(name, op) {
    return domError(`${name} (${op}) is not available in edge functions: ${SUPPORTED}`, 'NotSupportedError');
  }

  // ---- WebIDL conversions (Node's internal/crypto/webidl) ----------------------------------------
  function makeException(message, opts = {}) {
    const prefix = opts.prefix ? `${opts.prefix}: ` : '';
    const context = opts.context !== undefined && opts.context.length === 0 ? '' : `${opts.context === undefined ? 'Value' : opts.context} `;
    return internal.plainCodeError(TypeError, opts.code || 'ERR_INVALID_ARG_TYPE', `${prefix}${context}${message}`); // Node's codedTypeError
  }
  const isObject = (V) => V !== null && (typeof V === 'object' || typeof V === 'function');
  function toNumber(value, opts) {
    if (typeof value === 'bigint') throw makeException('is a BigInt and cannot be converted to a number.', opts);
    if (typeof value === 'symbol') throw makeException('is a Symbol and cannot be converted to a number.', opts);
    return Number(value);
  }
  function integer(bitLength) {
    const upper = 2 ** bitLength - 1;
    return (V, opts = {}) => {
      let x = toNumber(V, opts);
      if (opts.enforceRange) {
        if (!Number.isFinite(x)) throw makeException('is not a finite number.', opts);
        x = Math.trunc(x);
        if (x < 0 || x > upper) throw makeException(`is outside the expected range of 0 to ${upper}.`, { ...opts, code: 'ERR_OUT_OF_RANGE' });
        return x;
      }
      if (!Number.isFinite(x) || x === 0) return 0;
      x = Math.trunc(x);
      return x >= 0 && x <= upper ? x : x % 2 ** bitLength;
    };
  }
  const octet = integer(8);
  const unsignedShort = integer(16);
  const unsignedLong = integer(32);
  const enforced = (convert) => (V, opts) => convert(V, { ...opts, enforceRange: true });
  function DOMString(V, opts) {
    if (typeof V === 'symbol') throw makeException('is a Symbol and cannot be converted to a string.', opts);
    return String(V);
  }
  function BufferSource(V, opts) {
    if (ArrayBuffer.isView(V) || V instanceof ArrayBuffer) return V;
    throw makeException('is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.', opts);
  }
  function requiredArguments(length, required, prefix) {
    if (length < required) {
      throw makeException(`${required} argument${required === 1 ? '' : 's'} required, but only ${length} present.`,
        { prefix, context: '', code: 'ERR_MISSING_ARGS' });
    }
  }
  function enumConverter(name, values) {
    return (V, opts) => {
      const S = String(V);
      if (!values.includes(S)) throw makeException(`value '${S}' is not a valid enum value of type ${name}.`, { ...opts, code: 'ERR_INVALID_ARG_VALUE' });
      return S;
    };
  }
  const KeyFormat = enumConverter('KeyFormat', ['raw', 'pkcs8', 'spki', 'jwk']);
  const KeyUsage = enumConverter('KeyUsage', ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey', 'deriveBits', 'wrapKey', 'unwrapKey']);
  function sequence(convert) {
    return (V, opts = {}) => {
      const iter = isObject(V) && typeof V[Symbol.iterator] === 'function' ? V[Symbol.iterator]() : undefined;
      if (iter === undefined) throw makeException('can not be converted to sequence.', opts);
      const out = [];
      for (;;) {
        const res = iter.next();
        if (res === undefined) throw makeException('can not be converted to sequence.', opts);
        if (res.done === true) break;
        out.push(convert(res.value, { ...opts, context: `${opts.context}, index ${out.length}` }));
      }
      return out;
    };
  }
  const KeyUsages = sequence(KeyUsage);
  const AlgorithmIdentifier = (V, opts) => (isObject(V) ? V : DOMString(V, opts));
  function dictionary(name, members) { // members: [key, converter, required]; read in key order, as Node does
    const sorted = members.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const anyRequired = members.some((m) => m[2]);
    return (V, opts = {}) => {
      if (V !== undefined && V !== null && !isObject(V)) throw makeException('can not be converted to a dictionary', opts);
      const out = {};
      if ((V === undefined || V === null) && !anyRequired) return out;
      for (const [key, convert, required] of sorted) {
        const value = V === undefined || V === null ? undefined : V[key];
        if (value !== undefined) {
          out[key] = convert(value, { ...opts, context: `'${key}' of '${name}'${opts.context ? ` (${opts.context})` : ''}` });
        } else if (required) {
          throw makeException(`can not be converted to '${name}' because '${key}' is required in '${name}'.`,
            { ...opts, code: 'ERR_MISSING_OPTION' });
        }
      }
      return out;
    };
  }
  const NAME = ['name', DOMString, true];
  const HASH = ['hash', AlgorithmIdentifier, true];
  const DICTIONARIES = {
    Algorithm: dictionary('Algorithm', [NAME]),
    HmacImportParams: dictionary('HmacImportParams', [NAME, HASH, ['length', enforced(unsignedLong)]]),
    HmacKeyGenParams: dictionary('HmacKeyGenParams', [NAME, HASH, ['length', enforced(unsignedLong)]]),
    AesKeyGenParams: dictionary('AesKeyGenParams', [NAME, ['length', enforced(unsignedShort), true]]),
    AesDerivedKeyParams: dictionary('AesDerivedKeyParams', [NAME, ['length', enforced(unsignedShort), true]]),
    AesCbcParams: dictionary('AesCbcParams', [NAME, ['iv', BufferSource, true]]),
    AesGcmParams: dictionary('AesGcmParams', [NAME, ['iv', BufferSource, true], ['tagLength', enforced(octet)], ['additionalData', BufferSource]]),
    AesCtrParams: dictionary('AesCtrParams', [NAME, ['counter', BufferSource, true], ['length', enforced(octet), true]]),
    RsaHashedImportParams: dictionary('RsaHashedImportParams', [NAME, HASH]),
    EcKeyImportParams: dictionary('EcKeyImportParams', [NAME, ['namedCurve', DOMString, true]]),
    EcKeyGenParams: dictionary('EcKeyGenParams', [NAME, ['namedCurve', DOMString, true]]),
    EcdsaParams: dictionary('EcdsaParams', [NAME, HASH]),
    RsaPssParams: dictionary('RsaPssParams', [NAME, ['saltLength', enforced(unsignedLong), true]]),
    RsaOaepParams: dictionary('RsaOaepParams', [NAME, ['label', BufferSource]]),
    EcdhKeyDeriveParams: dictionary('EcdhKeyDeriveParams', [NAME, ['public', CryptoKeyArg, true]]),
    HkdfParams: dictionary('HkdfParams', [NAME, HASH, ['salt', BufferSource, true], ['info', BufferSource, true]]),
    Pbkdf2Params: dictionary('Pbkdf2Params', [NAME, HASH, ['iterations', enforced(unsignedLong), true], ['salt', BufferSource, true]]),
  };
  const JWK_STRINGS = ['kty', 'use', 'alg', 'crv', 'x', 'y', 'd', 'n', 'e', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
  const JsonWebKey = dictionary('JsonWebKey', [
    ...JWK_STRINGS.map((k) => [k, DOMString]), ['key_ops', sequence(DOMString)], ['ext', (v) => !!v],
    ['oth', sequence(dictionary('RsaOtherPrimesInfo', [['r', DOMString], ['d', DOMString], ['t', DOMString]]))],
  ]);
  function CryptoKeyArg(V, opts) {
    if (!SLOTS.has(V)) throw makeException('is not of type CryptoKey.', opts);
    return V;
  }

  // ---- algorithm normalization (the registered algorithms per operation: the edge's) --------------
  const SHA = { 'SHA-1': null, 'SHA-256': null, 'SHA-384': null, 'SHA-512': null };
  const AES = (type) => ({ 'AES-CTR': type, 'AES-CBC': type, 'AES-GCM': type, 'AES-KW': type });
  const CIPHERS = { 'RSA-OAEP': 'RsaOaepParams', 'AES-CBC': 'AesCbcParams', 'AES-GCM': 'AesGcmParams', 'AES-CTR': 'AesCtrParams' };
  const SIGNATURES = { 'RSASSA-PKCS1-v1_5': null, 'RSA-PSS': 'RsaPssParams', ECDSA: 'EcdsaParams', HMAC: null, Ed25519: null };
  const REGISTERED = {
    digest: SHA,
    generateKey: { HMAC: 'HmacKeyGenParams', ...AES('AesKeyGenParams'), ECDSA: 'EcKeyGenParams', ECDH: 'EcKeyGenParams', Ed25519: null,
      X25519: null },
    sign: SIGNATURES,
    verify: SIGNATURES,
    importKey: { 'RSASSA-PKCS1-v1_5': 'RsaHashedImportParams', 'RSA-PSS': 'RsaHashedImportParams', 'RSA-OAEP': 'RsaHashedImportParams',
      ECDSA: 'EcKeyImportParams', ECDH: 'EcKeyImportParams', HMAC: 'HmacImportParams', HKDF: null, PBKDF2: null, ...AES(null),
      Ed25519: null, X25519: null },
    deriveBits: { HKDF: 'HkdfParams', PBKDF2: 'Pbkdf2Params', ECDH: 'EcdhKeyDeriveParams', X25519: 'EcdhKeyDeriveParams' },
    encrypt: CIPHERS,
    decrypt: CIPHERS,
    wrapKey: { 'AES-KW': null }, // then what encrypt has, as Node does
    unwrapKey: { 'AES-KW': null },
    'get key length': { ...AES('AesDerivedKeyParams'), HMAC: 'HmacImportParams', HKDF: null, PBKDF2: null },
  };
  // Node's too, for the error: key pairs it generates, and the algorithms it has that the edge does not
  const NODE_GENERATES = ['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP'];
  const BUFFER_MEMBERS = ['iv', 'additionalData', 'counter', 'salt', 'info', 'label'];
  const bytes = (V) => (V instanceof ArrayBuffer ? new Uint8Array(V) : new Uint8Array(V.buffer, V.byteOffset, V.byteLength));

  function normalizeAlgorithm(algorithm, op) {
    if (typeof algorithm === 'string') return normalizeAlgorithm({ name: algorithm }, op);
    if (op === 'wrapKey' || op === 'unwrapKey') {
      try {
        return normalizeAlgorithm(algorithm, `${op} only`);
      } catch {
        return normalizeAlgorithm(algorithm, op === 'wrapKey' ? 'encrypt' : 'decrypt');
      }
    }
    const opts = { prefix: 'Failed to normalize algorithm', context: 'passed algorithm' };
    const initial = DICTIONARIES.Algorithm(algorithm, opts);
    if (op.endsWith(' only')) op = op.slice(0, -5);
    const registered = REGISTERED[op];
    let name = initial.name;
    let type;
    for (const key of Object.keys(registered)) {
      if (key.toUpperCase() === name.toUpperCase()) {
        name = key;
        type = registered[key];
      }
    }
    if (type === undefined) {
      const upper = name.toUpperCase();
      const known = (NODE_ONLY[op] || []).find((n) => n.toUpperCase() === upper);
      if (known !== undefined) throw unavailable(known, op);
      if (op === 'generateKey') {
        const pair = NODE_GENERATES.find((n) => n.toUpperCase() === upper);
        if (pair !== undefined) {
          throw domError(`Generating ${pair} key pairs is not available in edge functions (finding RSA primes takes too long ` +
            'there): crypto.subtle.generateKey makes HMAC and AES keys and ECDSA, ECDH (P-256, P-384, P-521), Ed25519 and X25519 ' +
            'key pairs (import RSA key pairs made elsewhere with importKey)', 'NotSupportedError');
        }
      }
      throw domError('Unrecognized algorithm name', 'NotSupportedError');
    }
    if (type === null) return { name };
    const normalized = DICTIONARIES[type](algorithm, opts);
    normalized.name = name;
    for (const member of BUFFER_MEMBERS) {
      if (normalized[member]) normalized[member] = bytes(normalized[member]).slice();
    }
    if (normalized.hash !== undefined) normalized.hash = normalizeAlgorithm(normalized.hash, 'digest');
    return normalized;
  }

  const DIGESTS = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
  const digestOf = (hashName) => parts.ALGORITHMS[DIGESTS[hashName]]; // [native id, block size in bytes]
  const blockBits = (hashName) => (hashName === 'SHA-1' || hashName === 'SHA-256' ? 512 : hashName === undefined ? undefined : 1024);
  const arrayBuffer = (u8) => (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8.buffer : u8.slice().buffer);
  const hasAnyNotIn = (usages, allowed) => usages.some((u) => !allowed.includes(u));
  const unique = (usages) => [...new Set(usages)];

  // ---- CryptoKey --------------------------------------------------------------------------------
  const SLOTS = new WeakMap(); // CryptoKey -> { keyObject, algorithm, extractable, usages }
  class CryptoKey {
    constructor() {
      throw internal.codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
    }
    [internal.inspectCustom](depth, options, inspect) {
      if (depth < 0) return this;
      const show = inspect || require('util').inspect;
      return `CryptoKey ${show({ type: this.type, extractable: this.extractable, algorithm: this.algorithm, usages: this.usages },
        { ...options, depth: options && options.depth != null ? options.depth - 1 : null })}`;
    }
  }
  const slot = (key) => {
    const s = SLOTS.get(key);
    if (s === undefined) throw invalidThis('CryptoKey');
    return s;
  };
  for (const [name, get] of [['type', (s) => s.keyObject.type], ['extractable', (s) => s.extractable],
    ['algorithm', (s) => s.algorithm], ['usages', (s) => s.usages]]) {
    Object.defineProperty(CryptoKey.prototype, name, {
      get: { [name]() { return get(slot(this)); } }[name], enumerable: true, configurable: true,
    });
  }
  Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: 'CryptoKey', configurable: true });
  function makeKey(keyObject, algorithm, usages, extractable) {
    const key = Object.create(CryptoKey.prototype);
    SLOTS.set(key, { keyObject, algorithm, usages, extractable });
    return key;
  }
  internal.isCryptoKey = (value) => SLOTS.has(value); // util.types.isCryptoKey
  internal.cryptoKeyObject = (value) => { // crypto.js: a CryptoKey where a key is taken is its KeyObject
    const s = SLOTS.get(value);
    return s === undefined ? undefined : s.keyObject;
  };
  const secretOf = (key) => parts.bytesOf(SLOTS.get(key).keyObject);
  const handleOf = (key) => parts.handleOf(SLOTS.get(key).keyObject);

  // ---- JWK checks shared by every algorithm ------------------------------------------------------
  const KEY_OPS = ['sign', 'verify', 'encrypt', 'decrypt', 'wrapKey', 'unwrapKey', 'deriveKey', 'deriveBits'];
  function validateKeyOps(keyOps, usages) {
    if (keyOps === undefined) return;
    const seen = new Set();
    for (const op of keyOps) {
      if (!KEY_OPS.includes(op)) continue;
      if (seen.has(op)) throw domError('Duplicate key operation', 'DataError');
      seen.add(op);
    }
    for (const use of usages) if (!keyOps.includes(use)) throw domError('Key operations and usage mismatch', 'DataError');
  }
  function checkJwk(jwk, kty, use, usages) {
    if (!jwk.kty) throw domError('Invalid keyData', 'DataError');
    if (jwk.kty !== kty) throw domError('Invalid JWK "kty" Parameter', 'DataError');
    if (use !== null && usages.length > 0 && jwk.use !== undefined && jwk.use !== use) throw domError('Invalid JWK "use" Parameter', 'DataError');
  }
  function checkJwkOpsAndExt(jwk, usages, extractable) {
    validateKeyOps(jwk.key_ops, new Set(usages));
    if (jwk.ext === false && extractable === true) throw domError('JWK "ext" Parameter and extractable mismatch', 'DataError');
  }
  function jwkSecret(jwk) {
    if (typeof jwk.k !== 'string') {
      throw domError('Invalid keyData', 'DataError', internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK secret key format'));
    }
    return new Uint8Array(Buffer.from(jwk.k, 'base64'));
  }
  function asymmetric(make) { // a KeyObject from DER or a JWK; any error becomes DataError 'Invalid keyData'
    try {
      return make();
    } catch (err) {
      throw domError('Invalid keyData', 'DataError', err);
    }
  }

  // ---- importKey --------------------------------------------------------------------------------
  function importHmac(format, keyData, algorithm, extractable, usages) {
    if (hasAnyNotIn(usages, ['sign', 'verify'])) throw domError('Unsupported key usage for an HMAC key', 'SyntaxError');
    let key;
    if (format === 'raw') {
      const bits = keyData.byteLength * 8;
      if (bits === 0 || algorithm.length === 0) throw domError('Zero-length key is not supported', 'DataError');
      if (algorithm.length !== undefined && algorithm.length !== bits) throw domError('Invalid key length', 'DataError');
      key = bytes(keyData).slice();
    } else if (format === 'jwk') {
      checkJwk(keyData, 'oct', 'sig', usages);
      checkJwkOpsAndExt(keyData, usages, extractable);
      if (keyData.alg !== undefined && keyData.alg !== `HS${algorithm.hash.name.slice(4)}`) {
        throw domError('JWK "alg" does not match the requested algorithm', 'DataError');
      }
      key = jwkSecret(keyData);
    } else {
      throw domError(`Unable to import HMAC key with format ${format}`);
    }
    return makeKey(parts.secretKey(key), { name: 'HMAC', hash: algorithm.hash, length: key.length * 8 }, usages, extractable);
  }

  const AES_NAMES = ['AES-CTR', 'AES-CBC', 'AES-GCM', 'AES-KW'];
  const aesUsages = (name) => (name === 'AES-KW' ? ['wrapKey', 'unwrapKey'] : ['wrapKey', 'unwrapKey', 'encrypt', 'decrypt']);
  function importAes(format, keyData, algorithm, extractable, usages) {
    const { name } = algorithm;
    if (hasAnyNotIn(usages, aesUsages(name))) throw domError('Unsupported key usage for an AES key', 'SyntaxError');
    const validLength = (bits) => {
      if (bits !== 128 && bits !== 192 && bits !== 256) throw domError('Invalid key length', 'DataError');
    };
    let key;
    if (format === 'raw') {
      validLength(keyData.byteLength * 8);
      key = bytes(keyData).slice();
    } else if (format === 'jwk') {
      checkJwk(keyData, 'oct', 'enc', usages);
      checkJwkOpsAndExt(keyData, usages, extractable);
      key = jwkSecret(keyData);
      validLength(key.length * 8);
      if (keyData.alg !== undefined && keyData.alg !== `A${key.length * 8}${name.slice(4)}`) {
        throw domError('JWK "alg" does not match the requested algorithm', 'DataError');
      }
    } else {
      throw domError(`Unable to import AES key with format ${format}`, 'NotSupportedError');
    }
    return makeKey(parts.secretKey(key), { name, length: key.length * 8 }, usages, extractable);
  }

  function importKdf(format, keyData, { name, length }, extractable, usages) {
    if (extractable) throw domError(`${name} keys are not extractable`, 'SyntaxError');
    if (hasAnyNotIn(usages, ['deriveKey', 'deriveBits'])) throw domError(`Unsupported key usage for a ${name} key`, 'SyntaxError');
    if (format !== 'raw') throw domError(`Unable to import ${name} key with format ${format}`, 'NotSupportedError');
    if (length !== undefined && length !== keyData.byteLength * 8) throw domError('Invalid key length', 'DataError');
    return makeKey(parts.secretKey(bytes(keyData).slice()), { name }, usages, false);
  }

  function acceptable(name, usages, allowed, article) {
    if (hasAnyNotIn(usages, allowed)) throw domError(`Unsupported key usage for ${article} ${name} key`, 'SyntaxError');
  }
  const derKey = (keyData, type) => parts.keyObjectOf(keys.fromDer(Buffer.from(bytes(keyData)), type));

  // A JWK's "alg" names a hash as Node's normalizeHashName reads it (any RSA or HMAC JWA name, or the
  // hash's own name, in any case): RSA keys take any of them whose hash is the key's
  const JWK_HASHES = {};
  for (const [hash, bits] of [['SHA-1', '1'], ['SHA-256', '256'], ['SHA-384', '384'], ['SHA-512', '512']]) {
    for (const alias of [hash, `sha${bits}`, `RS${bits}`, `PS${bits}`, `HS${bits}`, bits === '1' ? 'RSA-OAEP' : `RSA-OAEP-${bits}`]) {
      JWK_HASHES[alias.toLowerCase()] = hash;
    }
  }
  const RSA_USAGES = { 'RSA-OAEP': [['encrypt', 'wrapKey'], ['decrypt', 'unwrapKey']], other: [['verify'], ['sign']] };
  function importRsa(format, keyData, algorithm, extractable, usages) {
    const { name } = algorithm;
    const [publicUsages, privateUsages] = RSA_USAGES[name] || RSA_USAGES.other;
    const check = (isPublic) => acceptable(name, usages, isPublic ? publicUsages : privateUsages, 'an');
    let keyObject;
    if (format === 'spki' || format === 'pkcs8') {
      check(format === 'spki');
      keyObject = asymmetric(() => derKey(keyData, format));
    } else if (format === 'jwk') {
      checkJwk(keyData, 'RSA', null, usages);
      check(keyData.d === undefined);
      const use = name === 'RSA-OAEP' ? 'enc' : 'sig';
      if (usages.length > 0 && keyData.use !== undefined && keyData.use !== use) throw domError('Invalid JWK "use" Parameter', 'DataError');
      checkJwkOpsAndExt(keyData, usages, extractable);
      if (keyData.alg !== undefined) {
        const hash = JWK_HASHES[String(keyData.alg).toLowerCase()] || keyData.alg;
        if (hash !== algorithm.hash.name) throw domError('JWK "alg" does not match the requested algorithm', 'DataError');
      }
      keyObject = asymmetric(() => parts.keyObjectOf(keys.fromJwk(keyData, keyData.d !== undefined)));
    } else {
      throw domError(`Unable to import RSA key with format ${format}`, 'NotSupportedError');
    }
    const handle = parts.handleOf(keyObject);
    if (handle.kind !== 'rsa') throw domError('Invalid key type', 'DataError');
    const { modulusLength, publicExponent } = keys.details(handle);
    let hex = publicExponent.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    return makeKey(keyObject, { name, modulusLength, publicExponent: new Uint8Array(Buffer.from(hex, 'hex')), hash: algorithm.hash },
      usages, extractable);
  }

  const CURVES = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
  const ES_CURVES = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
  const AGREEMENT_USAGES = ['deriveKey', 'deriveBits'];
  function importEc(format, keyData, algorithm, extractable, usages) {
    const { name, namedCurve } = algorithm;
    if (!Object.keys(CURVES).includes(namedCurve)) throw domError('Unrecognized namedCurve', 'NotSupportedError');
    const [publicUsages, privateUsages] = name === 'ECDH' ? [[], AGREEMENT_USAGES] : [['verify'], ['sign']];
    const check = (isPublic) => acceptable(name, usages, isPublic ? publicUsages : privateUsages, 'a');
    const curve = keys.ec().byJwk.get(namedCurve);
    let keyObject;
    if (format === 'spki' || format === 'pkcs8') {
      check(format === 'spki');
      keyObject = asymmetric(() => derKey(keyData, format));
    } else if (format === 'jwk') {
      checkJwk(keyData, 'EC', null, usages);
      if (keyData.crv !== namedCurve) throw domError('JWK "crv" does not match the requested algorithm', 'DataError');
      check(keyData.d === undefined);
      const use = name === 'ECDH' ? 'enc' : 'sig';
      if (usages.length > 0 && keyData.use !== undefined && keyData.use !== use) throw domError('Invalid JWK "use" Parameter', 'DataError');
      checkJwkOpsAndExt(keyData, usages, extractable);
      if (name === 'ECDSA' && keyData.alg !== undefined && ES_CURVES[keyData.alg] !== namedCurve) {
        throw domError('JWK "alg" does not match the requested algorithm', 'DataError');
      }
      keyObject = asymmetric(() => parts.keyObjectOf(keys.fromJwk(keyData, keyData.d !== undefined)));
      const handle = parts.handleOf(keyObject);
      if (handle.d !== undefined) { // OpenSSL checks the public point against d (~one signature's work)
        const point = keys.ec().publicPoint(curve, handle.d);
        if (point.x !== handle.public.x || point.y !== handle.public.y) throw domError('Invalid keyData', 'DataError');
      }
    } else { // raw: a public point, compressed or not (exported uncompressed, as OpenSSL does)
      check(true);
      const point = keys.ec().decodePoint(curve, bytes(keyData));
      if (point === null) throw domError('Invalid keyData', 'DataError');
      keyObject = parts.keyObjectOf(keys.ecPublicHandle(curve, { x: point.x, y: point.y, form: 4 }));
    }
    const handle = parts.handleOf(keyObject);
    if (handle.kind !== 'ec') throw domError('Invalid key type', 'DataError');
    if (keys.publicOf(handle).curve !== curve) throw domError('Named curve mismatch', 'DataError');
    return makeKey(keyObject, { name, namedCurve }, usages, extractable);
  }

  // Ed25519 and X25519 keys (RFC 8037's OKP)
  function rawOkp(name, data, isPublic) {
    if (data.length !== 32) throw domError(`${name} raw keys must be exactly 32-bytes`, 'DataError');
    if (name === 'X25519') return parts.keyObjectOf(isPublic ? keys.x25519PublicHandle(data) : keys.x25519PrivateHandle(data));
    return parts.keyObjectOf(isPublic ? keys.ed25519PublicHandle(data) : keys.ed25519PrivateHandle(data));
  }
  function importOkp(format, keyData, { name }, extractable, usages) {
    const [publicUsages, privateUsages] = name === 'X25519' ? [[], AGREEMENT_USAGES] : [['verify'], ['sign']];
    const check = (isPublic) => acceptable(name, usages, isPublic ? publicUsages : privateUsages, 'a');
    let keyObject;
    if (format === 'spki' || format === 'pkcs8') {
      check(format === 'spki');
      keyObject = asymmetric(() => derKey(keyData, format));
    } else if (format === 'jwk') {
      checkJwk(keyData, 'OKP', null, usages);
      if (keyData.crv !== name) throw domError('JWK "crv" Parameter and algorithm name mismatch', 'DataError');
      const isPublic = keyData.d === undefined;
      const use = name === 'X25519' ? 'enc' : 'sig';
      if (usages.length > 0 && keyData.use !== undefined && keyData.use !== use) throw domError('Invalid JWK "use" Parameter', 'DataError');
      checkJwkOpsAndExt(keyData, usages, extractable);
      if (name === 'Ed25519' && keyData.alg !== undefined && keyData.alg !== name && keyData.alg !== 'EdDSA') {
        throw domError('JWK "alg" does not match the requested algorithm', 'DataError');
      }
      if (!isPublic && typeof keyData.x !== 'string') throw domError('Invalid JWK', 'DataError');
      check(isPublic);
      keyObject = asymmetric(() => {
        const publicKey = rawOkp(name, Buffer.from(keyData.x, 'base64'), true);
        if (isPublic) return publicKey;
        const privateKey = rawOkp(name, Buffer.from(keyData.d, 'base64'), false);
        if (!keys.sameKey(parts.handleOf(privateKey), parts.handleOf(publicKey))) {
          throw internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_JWK', 'Invalid JWK data');
        }
        return privateKey;
      });
    } else {
      check(true);
      keyObject = rawOkp(name, Buffer.from(bytes(keyData)), true);
    }
    if (parts.handleOf(keyObject).kind !== name.toLowerCase()) throw domError('Invalid key type', 'DataError');
    return makeKey(keyObject, { name }, usages, extractable);
  }

  // ---- exportKey --------------------------------------------------------------------------------
  const ASYMMETRIC = ['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP', 'ECDSA', 'ECDH', 'Ed25519', 'X25519'];
  function exportKey(format, key) {
    const { algorithm, extractable, usages, keyObject } = SLOTS.get(key);
    if (!extractable) throw domError('key is not extractable', 'InvalidAccessException');
    const { name } = algorithm;
    const type = keyObject.type;
    if (format === 'spki' || format === 'pkcs8') {
      const wanted = format === 'spki' ? 'public' : 'private';
      if (!ASYMMETRIC.includes(name) || type !== wanted) {
        throw domError(`Unable to export a ${format === 'spki' ? 'raw' : 'pkcs8'} ${name} ${type} key`, 'InvalidAccessError');
      }
      return arrayBuffer(keys.exportKey(handleOf(key), { format: 'der', type: format }));
    }
    if (format === 'raw') {
      if ((name === 'ECDSA' || name === 'ECDH' || name === 'Ed25519' || name === 'X25519') && type === 'public') {
        const handle = handleOf(key);
        if (name === 'Ed25519' || name === 'X25519') return arrayBuffer(Buffer.from(handle.raw));
        return arrayBuffer(keys.ec().encodePoint(handle.curve, { x: handle.x, y: handle.y, form: 4 }));
      }
      if (AES_NAMES.includes(name) || name === 'HMAC') return arrayBuffer(Buffer.from(secretOf(key)));
      throw domError(`Unable to export a raw ${name} ${type} key`, 'InvalidAccessError');
    }
    // jwk
    const jwk = { key_ops: usages, ext: extractable };
    if (type === 'secret') {
      Object.assign(jwk, { kty: 'oct', k: Buffer.from(secretOf(key)).toString('base64url') });
    } else {
      Object.assign(jwk, keys.exportKey(handleOf(key), { format: 'jwk' }));
    }
    if (name === 'RSASSA-PKCS1-v1_5') jwk.alg = `RS${algorithm.hash.name.slice(4)}`;
    else if (name === 'RSA-PSS') jwk.alg = `PS${algorithm.hash.name.slice(4)}`;
    else if (name === 'RSA-OAEP') jwk.alg = algorithm.hash.name === 'SHA-1' ? 'RSA-OAEP' : `RSA-OAEP-${algorithm.hash.name.slice(4)}`;
    else if (name === 'ECDSA' || name === 'ECDH') jwk.crv = jwk.crv || algorithm.namedCurve;
    else if (name === 'Ed25519') jwk.alg = 'Ed25519';
    else if (name === 'X25519') { /* no "alg" */ }
    else if (AES_NAMES.includes(name)) jwk.alg = `A${algorithm.length}${name.slice(4)}`;
    else if (name === 'HMAC') jwk.alg = `HS${algorithm.hash.name.slice(4)}`;
    else throw domError('Not yet supported', 'NotSupportedError');
    return jwk;
  }

  // ---- sign / verify ----------------------------------------------------------------------------
  function signVerify(algorithm, key, data, signature) {
    const usage = signature === undefined ? 'sign' : 'verify';
    algorithm = normalizeAlgorithm(algorithm, usage);
    const s = SLOTS.get(key);
    if (!s.usages.includes(usage) || algorithm.name !== s.algorithm.name) {
      throw domError(`Unable to use this key to ${usage}`, 'InvalidAccessError');
    }
    const message = Buffer.from(bytes(data));
    if (algorithm.name === 'HMAC') {
      const mac = parts.hmacWith(digestOf(s.algorithm.hash.name), secretOf(key))(message);
      if (signature === undefined) return arrayBuffer(mac);
      const sig = bytes(signature);
      if (sig.length !== mac.length) return false;
      let diff = 0;
      for (let i = 0; i < mac.length; i++) diff |= mac[i] ^ sig[i];
      return diff === 0;
    }
    const wanted = signature === undefined ? 'private' : 'public';
    if (s.keyObject.type !== wanted) throw domError(`Key must be a ${wanted} key`, 'InvalidAccessError');
    const hash = algorithm.name === 'ECDSA' ? algorithm.hash.name : algorithm.name === 'Ed25519' ? null : s.algorithm.hash.name;
    const alg = hash === null ? null : digestOf(hash);
    const k = { handle: handleOf(key), dsaEncoding: 'ieee-p1363' };
    if (algorithm.name === 'RSA-PSS') { // the salt length exactly; one too long for the key fails (OpenSSL's check)
      try {
        if (signature === undefined) return arrayBuffer(parts.pssSign(alg[0], k.handle, message, algorithm.saltLength));
        return parts.pssVerify(alg[0], k.handle, message, Buffer.from(bytes(signature)), algorithm.saltLength, true);
      } catch (err) {
        throw operationFailed(err);
      }
    }
    if (signature === undefined) {
      try {
        return arrayBuffer(parts.makeSignature(alg, k, message));
      } catch (err) {
        throw operationFailed(err);
      }
    }
    return parts.checkSignature(alg, k, message, Buffer.from(bytes(signature)));
  }

  // ---- encrypt / decrypt (AES) ------------------------------------------------------------------
  const MODE = { 'AES-CBC': 1, 'AES-CTR': 2, 'AES-GCM': 3 };
  const TAG_LENGTHS = [32, 64, 96, 104, 112, 120, 128];
  function aesOnce(mode, encrypt, key, iv, data) {
    const handle = native.cipherNew(mode, encrypt, key, iv);
    return data.length ? native.cipherUpdate(handle, data) : new Uint8Array(0);
  }
  function aesCtr(encrypt, key, data, { counter, length }) {
    if (counter.byteLength !== 16) throw domError('algorithm.counter must contain exactly 16 bytes', 'OperationError');
    if (length === 0 || length > 128) throw domError('AES-CTR algorithm.length must be between 1 and 128', 'OperationError');
    // the counter is the last `length` bits of the block, and may not repeat (Node fails as Chromium does)
    const blocks = BigInt(Math.ceil(data.length / 16));
    const mask = (1n << BigInt(length)) - 1n;
    const whole = BigInt(`0x${Buffer.from(counter).toString('hex')}`);
    const current = whole & mask;
    const room = mask + 1n - current;
    if (blocks > mask + 1n) throw operationFailed(new Error('Cipher job failed'));
    if (blocks <= room) return aesOnce(MODE['AES-CTR'], encrypt, key, counter, data);
    const split = Number(room) * 16;
    const first = aesOnce(MODE['AES-CTR'], encrypt, key, counter, data.subarray(0, split));
    const zeroed = Buffer.from((whole & ~mask).toString(16).padStart(32, '0'), 'hex');
    const second = aesOnce(MODE['AES-CTR'], encrypt, key, new Uint8Array(zeroed), data.subarray(split));
    return Buffer.concat([first, second]);
  }
  function aesCbc(encrypt, key, data, { iv }) {
    if (iv.byteLength !== 16) throw domError('algorithm.iv must contain exactly 16 bytes', 'OperationError');
    if (encrypt) { // PKCS#7
      const n = 16 - (data.length % 16);
      const padded = new Uint8Array(data.length + n).fill(n);
      padded.set(data);
      return aesOnce(MODE['AES-CBC'], true, key, iv, padded);
    }
    if (data.length === 0 || data.length % 16) {
      throw operationFailed(keys.opensslError('ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH', 'Provider routines', 'wrong final block length', '1C80006B'));
    }
    const out = aesOnce(MODE['AES-CBC'], false, key, iv, data);
    const n = out[out.length - 1];
    let bad = n === 0 || n > 16 ? 1 : 0;
    for (let i = out.length - Math.min(n, 16); i < out.length; i++) bad |= out[i] ^ n;
    if (bad) throw operationFailed(keys.opensslError('ERR_OSSL_BAD_DECRYPT', 'Provider routines', 'bad decrypt', '1C800064'));
    return out.subarray(0, out.length - n);
  }
  function aesGcm(encrypt, key, data, { iv, additionalData, tagLength = 128 }) {
    if (!TAG_LENGTHS.includes(tagLength)) throw domError(`${tagLength} is not a valid AES-GCM tag length`, 'OperationError');
    const tagBytes = tagLength / 8;
    let tag = null;
    if (!encrypt) {
      if (data.length < tagBytes) throw domError('The provided data is too small.', 'OperationError');
      tag = data.subarray(data.length - tagBytes);
      data = data.subarray(0, data.length - tagBytes);
    }
    if (iv.length < 12) throw operationFailed(internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_IV', 'Invalid initialization vector'));
    if (iv.length > 128) throw operationFailed(keys.opensslError('ERR_OSSL_INVALID_IV_LENGTH', 'Provider routines', 'invalid iv length', '1C80006D'));
    const handle = native.cipherNew(MODE['AES-GCM'], encrypt, key, iv);
    if (additionalData !== undefined && additionalData.length) native.cipherAad(handle, additionalData);
    const out = data.length ? native.cipherUpdate(handle, data) : new Uint8Array(0);
    const full = native.cipherTag(handle);
    if (encrypt) return Buffer.concat([out, full.subarray(0, tagBytes)]);
    let diff = 0;
    for (let i = 0; i < tagBytes; i++) diff |= full[i] ^ tag[i];
    if (diff !== 0) throw operationFailed(new Error('Cipher job failed'));
    return out;
  }
  function cipherOrWrap(encrypt, algorithm, key, data, op) {
    const s = SLOTS.get(key);
    if (s.algorithm.name !== algorithm.name || !s.usages.includes(op)) {
      throw domError('The requested operation is not valid for the provided key', 'InvalidAccessError');
    }
    const input = bytes(data);
    if (algorithm.name === 'RSA-OAEP') return arrayBuffer(rsaOaep(encrypt, key, input, algorithm));
    const k = secretOf(key);
    const run = { 'AES-CTR': aesCtr, 'AES-CBC': aesCbc, 'AES-GCM': aesGcm, 'AES-KW': aesKw }[algorithm.name];
    return arrayBuffer(run(encrypt, k, input, algorithm));
  }
  // AES-KW (RFC 3394 2.2.1, 2.2.2): the key data in 64-bit blocks, at least two; the integrity check
  // compared in constant time
  const KW_IV = [0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6];
  function aesKw(encrypt, key, data) {
    if (data.length % 8 !== 0 || data.length < (encrypt ? 16 : 24)) throw operationFailed();
    const n = data.length / 8 - (encrypt ? 0 : 1);
    const handle = native.cipherNew(0, encrypt, key, new Uint8Array(0)); // ECB: one block at a time
    const block = new Uint8Array(16);
    const A = block.subarray(0, 8);
    const R = new Uint8Array(data.subarray(encrypt ? 0 : 8)); // a copy
    if (encrypt) A.set(KW_IV);
    else A.set(data.subarray(0, 8));
    const xorT = (t) => {
      for (let i = 7; t > 0; i--, t = Math.floor(t / 256)) A[i] ^= t & 255;
    };
    for (let step = 0; step < 6; step++) {
      const j = encrypt ? step : 5 - step;
      for (let k = 0; k < n; k++) {
        const i = encrypt ? k : n - 1 - k;
        const t = n * j + i + 1;
        if (!encrypt) xorT(t);
        block.set(R.subarray(8 * i, 8 * i + 8), 8);
        const B = native.cipherUpdate(handle, block);
        block.set(B);
        if (encrypt) xorT(t);
        R.set(block.subarray(8), 8 * i);
      }
    }
    if (encrypt) {
      const out = new Uint8Array(8 + R.length);
      out.set(A);
      out.set(R, 8);
      return out;
    }
    let diff = 0;
    for (let i = 0; i < 8; i++) diff |= A[i] ^ KW_IV[i];
    if (diff !== 0) throw operationFailed();
    return R;
  }
  // RSA-OAEP (RFC 8017 7.1; rsa.js) with the key's hash; a decryption is blinded there
  function rsaOaep(encrypt, key, data, { label }) {
    const s = SLOTS.get(key);
    if (s.keyObject.type !== (encrypt ? 'public' : 'private')) {
      throw domError('The requested operation is not valid for the provided key', 'InvalidAccessError');
    }
    const rsa = keys.rsa();
    const handle = handleOf(key);
    const pub = keys.publicOf(handle);
    const id = digestOf(s.algorithm.hash.name)[0];
    const L = label === undefined ? new Uint8Array(0) : label;
    if (encrypt) {
      const em = rsa.oaepEncode(id, pub.size, data, L);
      if (em === null) throw operationFailed();
      return rsa.bytesOf(rsa.publicOp(pub, rsa.bigOf(em)), pub.size);
    }
    const c = rsa.bigOf(data);
    if (data.length > pub.size || c >= pub.n) throw operationFailed();
    const m = rsa.oaepDecode(id, pub.size, rsa.bytesOf(rsa.blindedPrivateOp(handle, c), pub.size), L);
    if (m === null) throw operationFailed();
    return new Uint8Array(m); // a copy: m is a view into the decoded block
  }

  // ---- deriveBits / deriveKey -------------------------------------------------------------------
  // ECDH and X25519 (Node's ecdhDeriveBits): the whole shared secret, or its first `length` bits
  // (the last byte's unused bits zeroed)
  function agree(algorithm, baseKey, length) {
    const pub = SLOTS.get(algorithm.public);
    const base = SLOTS.get(baseKey);
    if (pub.keyObject.type !== 'public') throw domError('algorithm.public must be a public key', 'InvalidAccessError');
    if (base.keyObject.type !== 'private') throw domError('baseKey must be a private key', 'InvalidAccessError');
    if (!['ECDH', 'X25519', 'X448'].includes(pub.algorithm.name)) throw domError('Keys must be ECDH, X25519, or X448 keys', 'InvalidAccessError');
    if (pub.algorithm.name !== base.algorithm.name) throw domError('The public and private keys must be of the same type', 'InvalidAccessError');
    if (pub.algorithm.name === 'ECDH' && pub.algorithm.namedCurve !== base.algorithm.namedCurve) {
      throw domError('Named curve mismatch', 'InvalidAccessError');
    }
    let secret;
    try {
      secret = parts.agree(handleOf(baseKey), handleOf(algorithm.public));
    } catch (err) {
      throw operationFailed(err);
    }
    if (length === null) return arrayBuffer(secret);
    const size = Math.ceil(length / 8);
    if (secret.length < size) throw domError('derived bit length is too small', 'OperationError');
    const out = new Uint8Array(secret.subarray(0, size));
    if (length % 8) out[size - 1] &= (0xff << (8 - (length % 8))) & 0xff;
    return out.buffer;
  }
  function derive(algorithm, baseKey, length) {
    if (algorithm.name === 'ECDH' || algorithm.name === 'X25519') return agree(algorithm, baseKey, length);
    const digest = DIGESTS[algorithm.hash.name];
    if (algorithm.name === 'PBKDF2' && algorithm.iterations === 0) throw domError('iterations cannot be zero', 'OperationError');
    if (length === 0) return new ArrayBuffer(0);
    if (length === null) throw domError('length cannot be null', 'OperationError');
    if (length % 8) throw domError('length must be a multiple of 8', 'OperationError');
    const secret = Buffer.from(secretOf(baseKey));
    try {
      if (algorithm.name === 'HKDF') return parts.hkdfSync(digest, secret, algorithm.salt, algorithm.info, length / 8);
      return arrayBuffer(parts.pbkdf2Sync(secret, algorithm.salt, algorithm.iterations, length / 8, digest));
    } catch (err) {
      throw operationFailed(err);
    }
  }
  function keyLength({ name, length, hash }) {
    if (AES_NAMES.includes(name)) {
      if (length !== 128 && length !== 192 && length !== 256) throw domError('Invalid key length', 'OperationError');
      return length;
    }
    if (name === 'HMAC') {
      if (length === undefined) return blockBits(hash && hash.name);
      if (typeof length === 'number' && length !== 0) return length;
      throw domError('Invalid key length', 'OperationError');
    }
    return null;
  }

  // ---- generateKey ------------------------------------------------------------------------------
  // Key pairs as Node's ecGenerateKey and cfrgGenerateKey make them (require('crypto')'s
  // generateKeyPairSync): the public key extractable always, each key's usages those asked for
  // that it can have, in Node's order.
  const PAIR_USAGES = { ECDSA: ['verify', 'sign'], Ed25519: ['verify', 'sign'], ECDH: [[], AGREEMENT_USAGES], X25519: [[], AGREEMENT_USAGES] };
  function generatePair(algorithm, extractable, usages) {
    const { name, namedCurve } = algorithm;
    if (namedCurve !== undefined && !Object.keys(CURVES).includes(namedCurve)) throw domError('Unrecognized namedCurve', 'NotSupportedError');
    const [publicAllowed, privateAllowed] = PAIR_USAGES[name].map((u) => (typeof u === 'string' ? [u] : u));
    if (hasAnyNotIn(usages, [...privateAllowed, ...publicAllowed])) {
      throw domError(`Unsupported key usage for an ${name} key`, 'SyntaxError');
    }
    let pair;
    try {
      pair = namedCurve === undefined ? require('crypto').generateKeyPairSync(name.toLowerCase())
        : require('crypto').generateKeyPairSync('ec', { namedCurve: CURVES[namedCurve] });
    } catch (err) {
      throw operationFailed(err);
    }
    const keyAlgorithm = namedCurve === undefined ? { name } : { name, namedCurve };
    const union = (allowed) => allowed.filter((u) => usages.includes(u));
    const privateKey = makeKey(pair.privateKey, { ...keyAlgorithm }, union(privateAllowed), extractable);
    const publicKey = makeKey(pair.publicKey, { ...keyAlgorithm }, union(publicAllowed), true);
    // Node's order: publicKey first for EC pairs, privateKey first for Ed25519 and X25519
    return namedCurve === undefined ? { __proto__: null, privateKey, publicKey } : { __proto__: null, publicKey, privateKey };
  }
  function generate(algorithm, extractable, usages) {
    const { name } = algorithm;
    if (PAIR_USAGES[name] !== undefined) return generatePair(algorithm, extractable, usages);
    if (name === 'HMAC') {
      let { length } = algorithm;
      if (length === undefined) length = blockBits(algorithm.hash.name);
      if (length % 8) {
        throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'algorithm.length' must be a multiple of 8. Received ${length}`);
      }
      if (hasAnyNotIn(usages, ['sign', 'verify'])) throw domError('Unsupported key usage for an HMAC key', 'SyntaxError');
      if (length < 8) {
        throw operationFailed(internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
          `The value of "options.length" is out of range. It must be >= 8 && <= 2147483647. Received ${length}`));
      }
      const key = new Uint8Array(length / 8);
      native.randomFill(key);
      return makeKey(parts.secretKey(key), { name, length, hash: { name: algorithm.hash.name } }, unique(usages), extractable);
    }
    const { length } = algorithm;
    if (length !== 128 && length !== 192 && length !== 256) throw domError('AES key length must be 128, 192, or 256 bits', 'OperationError');
    if (hasAnyNotIn(usages, aesUsages(name))) throw domError('Unsupported key usage for an AES key', 'SyntaxError');
    const key = new Uint8Array(length / 8);
    native.randomFill(key);
    return makeKey(parts.secretKey(key), { name, length }, unique(usages), extractable);
  }

  // ---- SubtleCrypto -----------------------------------------------------------------------------
  let subtle;
  const ORDINALS = ['1st', '2nd', '3rd', '4th', '5th', '6th', '7th'];
  // converts the arguments as Node's WebIDL layer does: [converter, ...] by position
  function convert(method, args, required, converters) {
    const prefix = `Failed to execute '${method}' on 'SubtleCrypto'`;
    requiredArguments(args.length, required, prefix);
    return converters.map((c, i) => (c === null ? args[i] : c(args[i], { prefix, context: `${ORDINALS[i]} argument` })));
  }
  const boolean = (v) => !!v;

  const methods = {
    async encrypt(algorithm, key, data) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [algorithm, key, data] = convert('encrypt', arguments, 3, [AlgorithmIdentifier, CryptoKeyArg, BufferSource]);
      return cipherOrWrap(true, normalizeAlgorithm(algorithm, 'encrypt'), key, data, 'encrypt');
    },
    async decrypt(algorithm, key, data) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [algorithm, key, data] = convert('decrypt', arguments, 3, [AlgorithmIdentifier, CryptoKeyArg, BufferSource]);
      return cipherOrWrap(false, normalizeAlgorithm(algorithm, 'decrypt'), key, data, 'decrypt');
    },
    async sign(algorithm, key, data) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [algorithm, key, data] = convert('sign', arguments, 3, [AlgorithmIdentifier, CryptoKeyArg, BufferSource]);
      return signVerify(algorithm, key, data);
    },
    async verify(algorithm, key, signature, data) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [algorithm, key, signature, data] = convert('verify', arguments, 4, [AlgorithmIdentifier, CryptoKeyArg, BufferSource, BufferSource]);
      return signVerify(algorithm, key, data, signature);
    },
    async digest(algorithm, data) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [algorithm, data] = convert('digest', arguments, 2, [AlgorithmIdentifier, BufferSource]);
      algorithm = normalizeAlgorithm(algorithm, 'digest');
      return arrayBuffer(native.digest(digestOf(algorithm.name)[0], bytes(data)));
    },
    async generateKey(algorithm, extractable, keyUsages) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [algorithm, extractable, keyUsages] = convert('generateKey', arguments, 3, [AlgorithmIdentifier, boolean, KeyUsages]);
      const key = generate(normalizeAlgorithm(algorithm, 'generateKey'), extractable, keyUsages);
      if (SLOTS.get(SLOTS.has(key) ? key : key.privateKey).usages.length === 0) throw domError('Usages cannot be empty when creating a key.', 'SyntaxError');
      return key;
    },
    async deriveKey(algorithm, baseKey, derivedKeyAlgorithm, extractable, keyUsages) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      const original = arguments[2];
      [algorithm, baseKey, derivedKeyAlgorithm, extractable, keyUsages] = convert('deriveKey', arguments, 5,
        [AlgorithmIdentifier, CryptoKeyArg, AlgorithmIdentifier, boolean, KeyUsages]);
      algorithm = normalizeAlgorithm(algorithm, 'deriveBits');
      derivedKeyAlgorithm = normalizeAlgorithm(derivedKeyAlgorithm, 'importKey');
      const s = SLOTS.get(baseKey);
      if (!s.usages.includes('deriveKey')) throw domError('baseKey does not have deriveKey usage', 'InvalidAccessError');
      if (s.algorithm.name !== algorithm.name) throw domError('Key algorithm mismatch', 'InvalidAccessError');
      const length = keyLength(normalizeAlgorithm(original, 'get key length'));
      const bits = derive(algorithm, baseKey, length);
      return methods.importKey.call(subtle, 'raw', bits, derivedKeyAlgorithm, extractable, keyUsages);
    },
    async deriveBits(algorithm, baseKey, length = null) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [algorithm, baseKey] = convert('deriveBits', arguments, 2, [AlgorithmIdentifier, CryptoKeyArg]);
      if (length !== null) length = unsignedLong(length, { prefix: "Failed to execute 'deriveBits' on 'SubtleCrypto'", context: '3rd argument' });
      algorithm = normalizeAlgorithm(algorithm, 'deriveBits');
      const s = SLOTS.get(baseKey);
      if (!s.usages.includes('deriveBits')) throw domError('baseKey does not have deriveBits usage', 'InvalidAccessError');
      if (s.algorithm.name !== algorithm.name) throw domError('Key algorithm mismatch', 'InvalidAccessError');
      return derive(algorithm, baseKey, length);
    },
    async importKey(format, keyData, algorithm, extractable, keyUsages) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      const dataType = arguments.length > 0 && String(format) === 'jwk' ? JsonWebKey : BufferSource;
      [format, keyData, algorithm, extractable, keyUsages] = convert('importKey', arguments, 4,
        [KeyFormat, dataType, AlgorithmIdentifier, boolean, KeyUsages]);
      algorithm = normalizeAlgorithm(algorithm, 'importKey');
      let key;
      switch (algorithm.name) {
        case 'RSASSA-PKCS1-v1_5': case 'RSA-PSS': case 'RSA-OAEP': key = importRsa(format, keyData, algorithm, extractable, keyUsages); break;
        case 'ECDSA': case 'ECDH': key = importEc(format, keyData, algorithm, extractable, keyUsages); break;
        case 'Ed25519': case 'X25519': key = importOkp(format, keyData, algorithm, extractable, keyUsages); break;
        case 'HMAC': key = importHmac(format, keyData, algorithm, extractable, keyUsages); break;
        case 'HKDF': case 'PBKDF2': key = importKdf(format, keyData, algorithm, extractable, keyUsages); break;
        default: key = importAes(format, keyData, algorithm, extractable, keyUsages);
      }
      const s = SLOTS.get(key);
      if ((s.keyObject.type === 'secret' || s.keyObject.type === 'private') && s.usages.length === 0) {
        throw domError(`Usages cannot be empty when importing a ${s.keyObject.type} key.`, 'SyntaxError');
      }
      return key;
    },
    async exportKey(format, key) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [format, key] = convert('exportKey', arguments, 2, [KeyFormat, CryptoKeyArg]);
      return exportKey(format, key);
    },
    async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [format, key, wrappingKey, wrapAlgorithm] = convert('wrapKey', arguments, 4,
        [KeyFormat, CryptoKeyArg, CryptoKeyArg, AlgorithmIdentifier]);
      wrapAlgorithm = normalizeAlgorithm(wrapAlgorithm, 'wrapKey');
      let keyData = exportKey(format, key);
      if (format === 'jwk') { // AES-KW takes whole 64-bit blocks: Node pads the JSON with spaces
        const json = JSON.stringify(keyData);
        keyData = Buffer.from(wrapAlgorithm.name === 'AES-KW' && json.length % 8 ? json + ' '.repeat(8 - (json.length % 8)) : json);
      }
      return cipherOrWrap(true, wrapAlgorithm, wrappingKey, keyData, 'wrapKey');
    },
    async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
      if (this !== subtle) throw invalidThis('SubtleCrypto');
      [format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages] = convert('unwrapKey',
        arguments, 7, [KeyFormat, BufferSource, CryptoKeyArg, AlgorithmIdentifier, AlgorithmIdentifier, boolean, KeyUsages]);
      unwrapAlgorithm = normalizeAlgorithm(unwrapAlgorithm, 'unwrapKey');
      let keyData = cipherOrWrap(false, unwrapAlgorithm, unwrappingKey, wrappedKey, 'unwrapKey');
      if (format === 'jwk') {
        try {
          keyData = JSON.parse(Buffer.from(keyData).toString('utf8'));
        } catch {
          throw domError('Invalid wrapped JWK key', 'DataError');
        }
      }
      return methods.importKey.call(subtle, format, keyData, unwrappedKeyAlgorithm, extractable, keyUsages);
    },
  };

  class SubtleCrypto {
    constructor() {
      throw internal.codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
    }
  }
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(SubtleCrypto.prototype, name, { value: fn, writable: true, enumerable: true, configurable: true });
  }
  Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: 'SubtleCrypto', configurable: true });
  subtle = Object.create(SubtleCrypto.prototype);

  Object.assign(exports, { subtle, CryptoKey, SubtleCrypto, SUPPORTED });
});
