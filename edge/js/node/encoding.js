// TextEncoder / TextDecoder (WHATWG Encoding: UTF-8, UTF-16LE and latin1), natively converted.
defineBuiltin('internal/encoding', function (exports, require, module, internal) {
  const native = internal.native;
  function toBytes(input) {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof Uint8Array) return input;
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    throw internal.argType('input', 'an instance of ArrayBuffer or ArrayBufferView', input);
  }
  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') {
      return native.utf8Encode(String(input).toWellFormed());
    }
    encodeInto(src, dest) {
      const bytes = this.encode(src);
      let written = bytes.length <= dest.length ? bytes.length : 0;
      let read = src.length;
      if (bytes.length > dest.length) {
        // whole code points only
        read = 0;
        written = 0;
        for (const ch of String(src)) {
          const b = native.utf8Encode(ch.toWellFormed());
          if (written + b.length > dest.length) break;
          dest.set(b, written);
          written += b.length;
          read += ch.length;
        }
        return { read, written };
      }
      dest.set(bytes, 0);
      return { read, written };
    }
    get [Symbol.toStringTag]() { return 'TextEncoder'; }
  }
  const LABELS = {
    'utf-8': 'utf-8', utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8',
    'utf-16le': 'utf-16le', 'utf-16': 'utf-16le', ucs2: 'utf-16le',
    latin1: 'windows-1252', 'iso-8859-1': 'windows-1252', ascii: 'windows-1252', 'us-ascii': 'windows-1252',
    'windows-1252': 'windows-1252',
  };
  class TextDecoder {
    constructor(label = 'utf-8', options = {}) {
      const encoding = LABELS[String(label).trim().toLowerCase()];
      if (encoding === undefined) {
        throw internal.codeError(RangeError, 'ERR_ENCODING_NOT_SUPPORTED', `The "${label}" encoding is not supported`);
      }
      this._encoding = encoding;
      this._fatal = Boolean(options && options.fatal);
      this._ignoreBOM = Boolean(options && options.ignoreBOM);
      this._pending = null;
    }
    get encoding() { return this._encoding; }
    get fatal() { return this._fatal; }
    get ignoreBOM() { return this._ignoreBOM; }
    decode(input, options = {}) {
      let bytes = toBytes(input);
      if (this._pending) {
        const joined = new Uint8Array(this._pending.length + bytes.length);
        joined.set(this._pending, 0);
        joined.set(bytes, this._pending.length);
        bytes = joined;
        this._pending = null;
      }
      const stream = Boolean(options && options.stream);
      if (this._encoding === 'windows-1252') return String.fromCharCode.apply(null, Array.from(bytes));
      if (this._encoding === 'utf-16le') {
        let end = bytes.length & ~1;
        if (stream && end < bytes.length) this._pending = bytes.slice(end);
        let out = '';
        let start = 0;
        if (!this._ignoreBOM && bytes[0] === 0xFF && bytes[1] === 0xFE) start = 2;
        for (let i = start; i < end; i += 2) out += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
        return out;
      }
      if (stream) {
        // keep an incomplete trailing sequence for the next call
        let cut = bytes.length;
        for (let back = 1; back <= 3 && back <= bytes.length; back++) {
          const b = bytes[bytes.length - back];
          if ((b & 0xC0) === 0x80) continue;
          const need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
          if (need > back) cut = bytes.length - back;
          break;
        }
        if (cut < bytes.length) {
          this._pending = bytes.slice(cut);
          bytes = bytes.subarray(0, cut);
        }
      }
      let text = native.utf8Decode(bytes);
      if (this._fatal && text.includes('\uFFFD') && !validUtf8(bytes)) {
        throw internal.codeError(TypeError, 'ERR_ENCODING_INVALID_ENCODED_DATA', `The encoded data was not valid for encoding ${this._encoding}`);
      }
      if (!this._ignoreBOM && text.charCodeAt(0) === 0xFEFF) text = text.slice(1);
      return text;
    }
    get [Symbol.toStringTag]() { return 'TextDecoder'; }
  }
  // Well-formed UTF-8: no overlong forms, no encoded surrogates (ED A0..BF), nothing past U+10FFFF
  // (the second byte's range depends on the first, as the Encoding Standard's decoder checks)
  function validUtf8(b) {
    let i = 0;
    while (i < b.length) {
      const c = b[i];
      const n = c < 0x80 ? 0 : c >= 0xC2 && c < 0xE0 ? 1 : c >= 0xE0 && c < 0xF0 ? 2 : c >= 0xF0 && c < 0xF5 ? 3 : -1;
      if (n < 0 || i + n >= b.length + (n ? 0 : 1)) return false;
      for (let k = 1; k <= n; k++) if ((b[i + k] & 0xC0) !== 0x80) return false;
      const second = b[i + 1];
      if ((c === 0xE0 && second < 0xA0) || (c === 0xED && second > 0x9F) || (c === 0xF0 && second < 0x90)
          || (c === 0xF4 && second > 0x8F)) return false;
      i += n + 1;
    }
    return true;
  }
  internal.validUtf8 = validUtf8;
  Object.assign(exports, { TextEncoder, TextDecoder });
});
