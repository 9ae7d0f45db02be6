// require('crypto'): random numbers from WASI random_get; createHash/createHmac over SHA-1, SHA-256
// and MD5 (pycryptodome's C code compiled into the engine). Other algorithms fail with Node's error.
defineBuiltin('crypto', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const native = internal.native;
  const ALGORITHMS = { sha1: [1, 64], sha256: [256, 64], md5: [5, 64] };
  const ALIASES = { 'sha-1': 'sha1', 'sha-256': 'sha256', rsasha1: 'sha1', 'rsa-sha1': 'sha1', 'rsa-sha256': 'sha256', 'rsa-md5': 'md5' };

  function algorithm(name) {
    const key = String(name).toLowerCase();
    const found = ALGORITHMS[ALIASES[key] || key];
    if (found === undefined) {
      const err = new Error('error:0308010C:digital envelope routines::unsupported');
      err.code = 'ERR_OSSL_EVP_UNSUPPORTED';
      err.library = 'digital envelope routines';
      err.reason = 'unsupported';
      throw err;
    }
    return found;
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
      this._alg = algorithm(name);
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
      this._alg = algorithm(name);
      let k = typeof key === 'object' && key !== null && key.type === 'secret' && key._key ? key._key : bytes(key, undefined, 'key');
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

  const webcrypto = {
    getRandomValues,
    randomUUID,
    get subtle() { throw new Error('crypto.subtle is not available in edge functions; use require("crypto").createHash/createHmac'); },
  };

  Object.assign(exports, {
    createHash: (name, options) => new Hash(name, options),
    createHmac: (name, key, options) => new Hmac(name, key, options),
    Hash, Hmac,
    hash: (name, data, encoding = 'hex') => new Hash(name).update(data).digest(encoding),
    getHashes: () => Object.keys(ALGORITHMS),
    randomBytes, pseudoRandomBytes: randomBytes, randomFillSync,
    randomFill: (buf, offset, size, callback) => {
      if (typeof offset === 'function') { callback = offset; offset = 0; size = undefined; }
      else if (typeof size === 'function') { callback = size; size = undefined; }
      randomFillSync(buf, offset, size);
      setImmediate(() => callback(null, buf));
    },
    randomInt, randomUUID, getRandomValues, timingSafeEqual, webcrypto,
    constants: {},
  });
});
