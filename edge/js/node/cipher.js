// require('crypto')'s ciphers: createCipheriv / createDecipheriv (and the deprecated createCipher /
// createDecipher) for AES-128, -192 and -256 in GCM, CBC, CTR and ECB, with Node's API and errors.
// The block cipher, its modes and GCM's GHASH are native (pycryptodome's C code and
// edge/js/engine/cipher.c: native.cipherNew, cipherUpdate, cipherAad, cipherTag); here are the
// arguments, OpenSSL's buffering and PKCS#7 padding for CBC and ECB, output encodings and the tag
// check. In a function only when its sources name what is here (createCipheriv, …: edge/js/build.py's
// ON_DEMAND), evaluated at build time.
defineBuiltin('internal/cipher', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const { StringDecoder } = require('string_decoder');
  const native = internal.native;

  // name -> what getCipherInfo says (Node's, OpenSSL's nids)
  const MODES = { ecb: 0, cbc: 1, ctr: 2, gcm: 3 };
  const NIDS = { 128: { cbc: 419, ctr: 904, ecb: 418, gcm: 895 }, 192: { cbc: 423, ctr: 905, ecb: 422, gcm: 898 },
    256: { cbc: 427, ctr: 906, ecb: 426, gcm: 901 } };
  const CIPHERS = Object.create(null);
  const LISTED = [];
  for (const bits of [128, 192, 256]) {
    for (const mode of ['cbc', 'ctr', 'ecb', 'gcm']) {
      const name = `aes-${bits}-${mode}`;
      const info = { mode, name: mode === 'gcm' ? `id-aes${bits}-gcm` : name, nid: NIDS[bits][mode],
        blockSize: mode === 'cbc' || mode === 'ecb' ? 16 : 1, ivLength: mode === 'ecb' ? undefined : mode === 'gcm' ? 12 : 16,
        keyLength: bits / 8 };
      if (info.ivLength === undefined) delete info.ivLength;
      CIPHERS[name] = info;
      LISTED.push(name);
    }
  }
  for (const bits of [128, 192, 256]) {
    CIPHERS[`aes${bits}`] = CIPHERS[`aes-${bits}-cbc`];
    CIPHERS[`id-aes${bits}-gcm`] = CIPHERS[`aes-${bits}-gcm`];
  }
  const NAMES = [...LISTED, 'aes128', 'aes192', 'aes256', 'id-aes128-GCM', 'id-aes192-GCM', 'id-aes256-GCM'];
  const SUPPORTED = 'edge functions have AES-128, AES-192 and AES-256 in GCM, CBC, CTR and ECB ' +
    '(aes-128-gcm, aes-256-cbc, …: crypto.getCiphers() lists them)';
  // Ciphers Node has that edge functions do not (OpenSSL's default provider), and those Node 17+
  // itself refuses (the legacy provider's).
  const NODE_ONLY = new RegExp('^(aes-(128|192|256)-(cbc-hmac-sha(1|256)|ccm|cfb|cfb1|cfb8|ocb|ofb|xts)|aes(128|192|256)-wrap|' +
    'id-aes(128|192|256)-(ccm|wrap|wrap-pad)|aria-(128|192|256)-(cbc|ccm|cfb|cfb1|cfb8|ctr|ecb|gcm|ofb)|aria(128|192|256)|' +
    'camellia-(128|192|256)-(cbc|cfb|cfb1|cfb8|ctr|ecb|ofb)|camellia(128|192|256)|chacha20(-poly1305)?|' +
    'des-ede3?(-(cbc|cfb|cfb1|cfb8|ecb|ofb))?|des3(-wrap)?|id-smime-alg-cms3deswrap|sm4(-(cbc|cfb|ctr|ecb|ofb))?)$');
  const LEGACY = /^(bf|blowfish|cast|cast5|des|desx|idea|rc2|rc4|rc5|seed)(-|$)/;

  function lookup(name) {
    const key = name.toLowerCase();
    const found = CIPHERS[key];
    if (found !== undefined) return found;
    if (NODE_ONLY.test(key)) {
      throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `The cipher ${name} is not available: ${SUPPORTED}`);
    }
    if (LEGACY.test(key)) {
      const err = new Error('error:0308010C:digital envelope routines::unsupported');
      Object.assign(err, { library: 'digital envelope routines', reason: 'unsupported', code: 'ERR_OSSL_EVP_UNSUPPORTED' });
      throw err;
    }
    throw internal.codeError(Error, 'ERR_CRYPTO_UNKNOWN_CIPHER', 'Unknown cipher');
  }

  function opensslError(code, reason, hex) {
    const err = new Error(`error:${hex}:Provider routines::${reason}`);
    Object.assign(err, { library: 'Provider routines', reason, code });
    return err;
  }
  const wrongFinalBlockLength = () => opensslError('ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH', 'wrong final block length', '1C80006B');
  const badDecrypt = () => opensslError('ERR_OSSL_BAD_DECRYPT', 'bad decrypt', '1C800064');
  const invalidState = (op) => internal.codeError(Error, 'ERR_CRYPTO_INVALID_STATE', op ? `Invalid state for operation ${op}` : 'Invalid state');
  const invalidTag = (n) => internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_AUTH_TAG', `Invalid authentication tag length: ${n}`);
  const invalidIv = () => internal.codeError(TypeError, 'ERR_CRYPTO_INVALID_IV', 'Invalid initialization vector');
  const invalidKeyLength = () => internal.codeError(RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length');
  const validTagLength = (n) => n === 4 || n === 8 || (n >= 12 && n <= 16);

  const VIEW_TYPES = 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView';
  function bytesOf(value, name, encoding) { // Node's getArrayBufferOrView
    if (typeof value === 'string') return Buffer.from(value, encoding === undefined || encoding === 'buffer' ? 'utf8' : encoding);
    if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return internal.toBuffer(value);
    throw internal.argType(name, VIEW_TYPES, value);
  }
  function view(value) { // any ArrayBufferView's bytes, as a Uint8Array
    return value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  function stringOption(options, key) {
    const value = options ? options[key] : undefined;
    if (value !== undefined && value !== null && typeof value !== 'string') {
      const err = internal.argType(`options.${key}`, 'of type string', value);
      err.message = err.message.replace('argument', 'property');
      throw err;
    }
    return value === null ? undefined : value;
  }
  function uintOption(options, key) {
    const value = options ? options[key] : undefined;
    if (value === undefined || value === null) return -1;
    if (value >>> 0 !== value) {
      const shown = typeof value === 'string' ? `'${value}'` : String(value);
      throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.${key}' is invalid. Received ${shown}`);
    }
    return value;
  }
  // Node's names for the encodings; undefined for an unknown one
  function normalizeEncoding(encoding) {
    const e = String(encoding).toLowerCase();
    if (e === 'utf8' || e === 'utf-8') return 'utf8';
    if (e === 'ucs2' || e === 'ucs-2' || e === 'utf16le' || e === 'utf-16le') return 'utf16le';
    if (e === 'binary' || e === 'latin1') return 'latin1';
    return ['hex', 'base64', 'base64url', 'ascii'].includes(e) ? e : undefined;
  }

  // The cipher's native state and OpenSSL's rules around it, shared by Cipheriv and Decipheriv.
  // Everything is kept on one internal object so that a cipher's own properties stay Node's.
  const STATE = Symbol('cipher state');
  function start(self, name, key, iv, options, encrypt) {
    if (typeof name !== 'string') throw internal.argType('cipher', 'of type string', name);
    const encoding = stringOption(options, 'encoding');
    const k = internal.secretKeyOf(key, encoding);
    const ivBytes = iv === null ? null : bytesOf(iv, 'iv');
    let tagLength = uintOption(options, 'authTagLength');
    const info = lookup(name);
    const ivLength = ivBytes === null ? 0 : ivBytes.length;
    if (ivLength === 0 && info.ivLength !== undefined) throw invalidIv();
    if (info.mode !== 'gcm' && ivLength !== 0 && ivLength !== (info.ivLength || 0)) throw invalidIv();
    if (info.mode === 'gcm' && ivLength > 128) throw invalidIv(); // OpenSSL's limit
    if (info.mode === 'gcm' && tagLength !== -1 && !validTagLength(tagLength)) throw invalidTag(tagLength);
    if (k.length !== info.keyLength) throw invalidKeyLength();
    if (info.mode !== 'gcm') tagLength = -1;
    const ivArg = ivBytes === null ? new Uint8Array(0) : view(ivBytes);
    self[STATE] = {
      handle: native.cipherNew(MODES[info.mode], encrypt, view(k), ivArg), mode: info.mode, encrypt,
      block: info.blockSize === 16, padding: true, pending: null, finished: false, tagLength,
      tag: null, // GCM: the tag made (encrypting) or given (decrypting)
      started: false,
    };
    self._decoder = null;
    self._options = options;
  }

  function update(s, data) { // bytes in -> bytes out, as OpenSSL's EVP_CipherUpdate
    if (data.length === 0) return Buffer.alloc(0);
    if (!s.block) return internal.fromBytes(native.cipherUpdate(s.handle, data));
    let all = data;
    if (s.pending !== null) {
      all = new Uint8Array(s.pending.length + data.length);
      all.set(s.pending);
      all.set(data, s.pending.length);
    }
    // whole blocks go through; decrypting with padding holds the last whole block back for final()
    let cut = all.length - (all.length % 16);
    if (!s.encrypt && s.padding && cut === all.length) cut -= 16;
    s.pending = cut < all.length ? all.slice(cut) : null;
    return internal.fromBytes(native.cipherUpdate(s.handle, cut === all.length ? all : all.subarray(0, cut)));
  }

  function final(s) {
    const pending = s.pending || new Uint8Array(0);
    s.pending = null;
    if (s.mode === 'gcm') {
      const tag = native.cipherTag(s.handle);
      if (s.encrypt) {
        s.tag = Buffer.from(tag.subarray(0, s.tagLength === -1 ? 16 : s.tagLength));
        return Buffer.alloc(0);
      }
      let diff = s.tag === null ? 1 : 0;
      if (s.tag !== null) for (let i = 0; i < s.tag.length; i++) diff |= s.tag[i] ^ tag[i];
      if (diff !== 0) throw new Error('Unsupported state or unable to authenticate data');
      return Buffer.alloc(0);
    }
    if (!s.block) return Buffer.alloc(0);
    if (s.encrypt) {
      if (!s.padding) {
        if (pending.length !== 0) throw wrongFinalBlockLength();
        return Buffer.alloc(0);
      }
      const block = new Uint8Array(16).fill(16 - pending.length);
      block.set(pending);
      return internal.fromBytes(native.cipherUpdate(s.handle, block));
    }
    if (!s.padding) {
      if (pending.length !== 0) throw wrongFinalBlockLength();
      return Buffer.alloc(0);
    }
    if (pending.length !== 16) throw wrongFinalBlockLength();
    const block = native.cipherUpdate(s.handle, pending);
    const n = block[15];
    let bad = n === 0 || n > 16 ? 1 : 0;
    for (let i = 16 - Math.min(n, 16); i < 16; i++) bad |= block[i] ^ n;
    if (bad) throw badDecrypt();
    return internal.fromBytes(block.subarray(0, 16 - n));
  }

  function decoderFor(self, encoding) { // Node's getDecoder
    const normalized = normalizeEncoding(encoding);
    if (self._decoder === null || self._decoder === undefined) {
      if (normalized === undefined) throw internal.codeError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
      self._decoder = new StringDecoder(normalized);
      self._decoder.normalized = normalized;
    } else if (self._decoder.normalized !== normalized) {
      if (normalized === undefined) throw internal.codeError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
      throw internal.codeError(Error, 'ERR_INTERNAL_ASSERTION', 'Cannot change encoding\nThis is caused by either a bug in ' +
        'Node.js or incorrect usage of Node.js internals.\nPlease open an issue with this stack trace at ' +
        'https://github.com/nodejs/node/issues\n');
    }
    return self._decoder;
  }

  const methods = {
    update(data, inputEncoding, outputEncoding) {
      let bytes;
      if (typeof data === 'string') {
        const enc = normalizeEncoding(inputEncoding);
        if (enc === 'hex' && data.length % 2 !== 0) {
          throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
            `The argument 'encoding' is invalid for data of length ${data.length}. Received '${inputEncoding}'`);
        }
        bytes = Buffer.from(data, enc || 'utf8');
      } else if (ArrayBuffer.isView(data)) {
        bytes = view(data);
      } else {
        throw internal.argType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
      }
      const s = this[STATE];
      if (s.finished) throw new Error('Trying to add data in unsupported state');
      const out = update(s, bytes);
      if (bytes.length > 0) s.started = true; // GCM: AAD may come only before the data
      if (outputEncoding && outputEncoding !== 'buffer') return decoderFor(this, outputEncoding).write(out);
      return out;
    },
    final(outputEncoding) {
      const s = this[STATE];
      if (s.finished) throw invalidState();
      s.finished = true;
      const out = final(s);
      if (outputEncoding && outputEncoding !== 'buffer') return decoderFor(this, outputEncoding).end(out);
      return out;
    },
    setAutoPadding(ap) {
      const s = this[STATE];
      if (s.finished) throw invalidState('setAutoPadding');
      s.padding = !!ap;
      return this;
    },
    setAAD(aadbuf, options) {
      const encoding = stringOption(options, 'encoding');
      uintOption(options, 'plaintextLength');
      const aad = bytesOf(aadbuf, 'aadbuf', encoding);
      const s = this[STATE];
      if (s.finished || s.mode !== 'gcm' || (s.started && aad.length > 0)) throw invalidState('setAAD');
      if (aad.length > 0) native.cipherAad(s.handle, view(aad));
      return this;
    },
  };

  function Cipheriv(cipher, key, iv, options) {
    if (!(this instanceof Cipheriv)) return new Cipheriv(cipher, key, iv, options);
    start(this, cipher, key, iv, options, true);
  }
  function Decipheriv(cipher, key, iv, options) {
    if (!(this instanceof Decipheriv)) return new Decipheriv(cipher, key, iv, options);
    start(this, cipher, key, iv, options, false);
  }
  for (const Class of [Cipheriv, Decipheriv]) {
    for (const [name, fn] of Object.entries(methods)) {
      Object.defineProperty(Class.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
    }
  }
  Object.defineProperty(Cipheriv.prototype, 'getAuthTag', {
    value: function getAuthTag() {
      const s = this[STATE];
      if (!s.finished || s.tag === null) throw invalidState('getAuthTag');
      return Buffer.from(s.tag);
    },
    writable: true, configurable: true, enumerable: false,
  });
  Object.defineProperty(Decipheriv.prototype, 'setAuthTag', {
    value: function setAuthTag(tagbuf, encoding) {
      const tag = bytesOf(tagbuf, 'buffer', encoding);
      const s = this[STATE];
      if (s.finished || s.mode !== 'gcm' || s.tag !== null) throw invalidState('setAuthTag');
      if ((s.tagLength !== -1 && s.tagLength !== tag.length) || !validTagLength(tag.length)) throw invalidTag(tag.length);
      s.tag = Buffer.from(tag);
      return this;
    },
    writable: true, configurable: true, enumerable: false,
  });

  // createCipher / createDecipher (deprecated in Node, gone in 22): key and IV from the password by
  // OpenSSL's EVP_BytesToKey with MD5, one iteration and no salt.
  function bytesToKey(password, keyLength, ivLength) {
    const out = [];
    let have = 0;
    let prev = new Uint8Array(0);
    while (have < keyLength + ivLength) {
      const input = new Uint8Array(prev.length + password.length);
      input.set(prev);
      input.set(password, prev.length);
      prev = native.digest(5, input);
      out.push(prev);
      have += prev.length;
    }
    const all = Buffer.concat(out);
    return [all.subarray(0, keyLength), all.subarray(keyLength, keyLength + ivLength)];
  }
  function withPassword(Class) {
    return function (cipher, password, options) {
      if (typeof cipher !== 'string') throw internal.argType('cipher', 'of type string', cipher);
      const pw = bytesOf(password, 'password', stringOption(options, 'encoding'));
      const info = lookup(cipher);
      const [key, iv] = bytesToKey(view(pw), info.keyLength, info.ivLength || 0);
      return new Class(cipher, key, info.ivLength ? iv : null, options);
    };
  }

  function getCipherInfo(nameOrNid, options) {
    if (typeof nameOrNid !== 'string' && typeof nameOrNid !== 'number') {
      throw internal.argType('nameOrNid', 'one of type string or number', nameOrNid);
    }
    if (typeof nameOrNid === 'number' && !Number.isInteger(nameOrNid)) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "nameOrNid" is out of range. It must be an integer. Received ${nameOrNid}`);
    }
    const info = typeof nameOrNid === 'number' ? Object.values(CIPHERS).find((i) => i.nid === nameOrNid)
      : CIPHERS[nameOrNid.toLowerCase()];
    if (info === undefined) return undefined;
    const { keyLength, ivLength } = options || {};
    if (keyLength !== undefined && keyLength !== info.keyLength) return undefined;
    if (ivLength !== undefined && ivLength !== info.ivLength && !(info.mode === 'gcm' && ivLength > 0 && ivLength <= 128)) return undefined;
    return { ...info, ...(ivLength !== undefined ? { ivLength } : {}) };
  }

  Object.assign(exports, {
    Cipheriv, Decipheriv, getCipherInfo,
    createCipheriv: (cipher, key, iv, options) => new Cipheriv(cipher, key, iv, options),
    createDecipheriv: (cipher, key, iv, options) => new Decipheriv(cipher, key, iv, options),
    createCipher: withPassword(Cipheriv),
    createDecipher: withPassword(Decipheriv),
    getCiphers: () => NAMES.slice(),
  });
});
