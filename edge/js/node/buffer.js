// require('buffer'): feross/buffer (npm `buffer`, the browser port of Node's Buffer), bundled at build
// time, with Node's inspect output, and what the package does a byte at a time in JavaScript done
// natively (edge_js.c: bufFrom, bufWrite, bufToString, bufByteLength, bufIndexOf, bufCompare) behind
// Node's argument handling: Buffer.from(string), Buffer.byteLength, buf.write and buf.toString in
// every encoding give Node's results, lenient base64 and hex decoding included.
defineBuiltin('buffer', function (exports, require, module, internal) {
  const lib = require('internal/deps/buffer');
  const native = internal.native;
  const Lib = lib.Buffer; // feross's own: its internals keep calling it
  const proto = Lib.prototype;
  Lib.prototype[internal.inspectCustom] = function inspect(recurseTimes, ctx) {
    const max = lib.INSPECT_MAX_BYTES;
    const actualMax = Math.min(max, this.length);
    const remaining = this.length - max;
    let str = this.toString('hex', 0, actualMax).replace(/(.{2})/g, '$1 ').trim();
    if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
    return `<${this.constructor.name} ${str}>`.replace(' >', '>');
  };

  // Encodings as edge_js.c numbers them; names as Node's getEncodingOps reads them (any case)
  const UTF8 = 0, UTF16LE = 1, LATIN1 = 2, ASCII = 3, BASE64 = 4, BASE64URL = 5, HEX = 6;
  const ENCODINGS = {
    __proto__: null, utf8: UTF8, 'utf-8': UTF8, ucs2: UTF16LE, 'ucs-2': UTF16LE, utf16le: UTF16LE, 'utf-16le': UTF16LE,
    latin1: LATIN1, binary: LATIN1, ascii: ASCII, base64: BASE64, base64url: BASE64URL, hex: HEX,
  };
  function encodingOf(encoding) { // -1: unknown
    const name = '' + encoding;
    const code = ENCODINGS[name];
    if (code !== undefined) return code;
    const lower = ENCODINGS[name.toLowerCase()];
    return lower === undefined ? -1 : lower;
  }
  const unknownEncoding = (encoding) => internal.codeError(TypeError, 'ERR_UNKNOWN_ENCODING',
    typeof encoding === 'string' ? `Unknown encoding: ${encoding}` : require('util').format('Unknown encoding: %s', encoding));
  const shown = (value) => (Number.isInteger(value) && Math.abs(value) > 2 ** 32
    ? String(value).replace(/(\d)(?=(\d{3})+$)/g, '$1_') : String(value));
  const outOfRange = (name, range, value) => internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${shown(value)}`);
  const outOfBounds = (name) => internal.codeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', `"${name}" is outside of buffer bounds`);
  const indexOutOfRange = () => internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', 'Index out of range');
  function validateOffset(value, name, min, max) {
    if (typeof value !== 'number') throw internal.argType(name, 'of type number', value);
    if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
    if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  }
  function asBuffer(bytes) {
    Object.setPrototypeOf(bytes, proto);
    return bytes;
  }

  // What Buffer.prototype.subarray and friends construct (Node's FastBuffer): no argument checks
  function FastBuffer(bufferOrLength, byteOffset, length) {
    return asBuffer(new Uint8Array(bufferOrLength, byteOffset, length));
  }

  function fromString(string, encoding) {
    let enc = UTF8;
    if (typeof encoding === 'string' && encoding.length !== 0) {
      enc = encodingOf(encoding);
      if (enc < 0) throw unknownEncoding(encoding);
    }
    return asBuffer(native.bufFrom(string, enc));
  }
  function fromArrayBuffer(buffer, byteOffset, length) {
    if (byteOffset === undefined) byteOffset = 0;
    else {
      byteOffset = +byteOffset;
      if (Number.isNaN(byteOffset)) byteOffset = 0;
    }
    const maxLength = buffer.byteLength - byteOffset;
    if (maxLength < 0) throw outOfBounds('offset');
    if (length === undefined) length = maxLength;
    else {
      length = +length;
      if (length > 0) {
        if (length > maxLength) throw outOfBounds('length');
      } else length = 0;
    }
    return FastBuffer(buffer, byteOffset, length);
  }
  const isArrayBuffer = (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer);
  const libFrom = Lib.from;
  function from(value, encodingOrOffset, length) {
    if (typeof value === 'string') return fromString(value, encodingOrOffset);
    if (isArrayBuffer(value)) return fromArrayBuffer(value, encodingOrOffset, length);
    return libFrom(value, encodingOrOffset, length);
  }

  const base64ByteLength = (str, bytes) => {
    if (str.charCodeAt(bytes - 1) === 0x3D) bytes--;
    if (bytes > 1 && str.charCodeAt(bytes - 1) === 0x3D) bytes--;
    return (bytes * 3) >>> 2;
  };
  function byteLength(string, encoding) {
    if (typeof string !== 'string') {
      if (ArrayBuffer.isView(string) || isArrayBuffer(string)) return string.byteLength;
      throw internal.argType('string', 'of type string or an instance of Buffer or ArrayBuffer', string);
    }
    const len = string.length;
    if (len === 0) return 0;
    const enc = encoding ? encodingOf(encoding) : UTF8;
    switch (enc) {
      case UTF16LE: return len * 2;
      case LATIN1: case ASCII: return len;
      case BASE64: case BASE64URL: return base64ByteLength(string, len);
      case HEX: return len >>> 1;
      default: return native.bufByteLength(string); // utf8, and unknown encodings as Node
    }
  }

  function slice(enc) {
    return function (start, end) { // Node's native xxxSlice(start, end)
      const len = this.length;
      start = start === undefined ? 0 : Math.trunc(+start) || 0;
      end = end === undefined ? len : Math.trunc(+end) || 0;
      if (start < 0 || end < 0) throw indexOutOfRange();
      if (end < start) end = start;
      if (end > len) throw indexOutOfRange();
      return native.bufToString(this, enc, start, end);
    };
  }
  function write(enc) {
    return function (string, offset, length) { // Node's native xxxWrite(string, offset, length)
      if (typeof string !== 'string') throw internal.typeError('ERR_INVALID_ARG_TYPE', 'argument must be a string');
      const size = this.length;
      offset = offset === undefined ? 0 : Math.trunc(+offset) || 0;
      if (offset < 0) throw indexOutOfRange();
      if (offset > size) throw outOfBounds('offset');
      length = length === undefined ? size - offset : Math.trunc(+length) || 0;
      if (length < 0) throw indexOutOfRange();
      return native.bufWrite(this, string, enc, offset, Math.min(length, size - offset));
    };
  }
  const NAMES = { utf8: UTF8, ucs2: UTF16LE, latin1: LATIN1, ascii: ASCII, base64: BASE64, base64url: BASE64URL, hex: HEX };
  for (const [name, enc] of Object.entries(NAMES)) {
    Object.defineProperty(proto, `${name}Slice`, { value: slice(enc), writable: true, configurable: true });
    Object.defineProperty(proto, `${name}Write`, { value: write(enc), writable: true, configurable: true });
  }

  Object.defineProperty(proto, 'toString', { writable: true, configurable: true, value: function toString(encoding, start, end) {
    const len = this.length;
    if (arguments.length === 0) return native.bufToString(this, UTF8, 0, len);
    if (start <= 0) start = 0;
    else if (start >= len) return '';
    else start = Math.trunc(start) || 0;
    if (end === undefined || end > len) end = len;
    else end = Math.trunc(end) || 0;
    if (end <= start) return '';
    const enc = encoding === undefined ? UTF8 : encodingOf(encoding);
    if (enc < 0) throw unknownEncoding(encoding);
    return native.bufToString(this, enc, start, end);
  } });
  proto.toLocaleString = proto.toString;

  Object.defineProperty(proto, 'write', { writable: true, configurable: true, value: function write(string, offset, length, encoding) {
    if (offset === undefined) return this.utf8Write(string, 0, this.length);
    if (length === undefined && typeof offset === 'string') {
      encoding = offset;
      length = this.length;
      offset = 0;
    } else {
      validateOffset(offset, 'offset', 0, this.length);
      const remaining = this.length - offset;
      if (length === undefined) length = remaining;
      else if (typeof length === 'string') {
        encoding = length;
        length = remaining;
      } else {
        validateOffset(length, 'length', 0, this.length);
        if (length > remaining) length = remaining;
      }
    }
    const enc = !encoding ? UTF8 : encodingOf(encoding);
    if (enc < 0) throw unknownEncoding(encoding);
    if (typeof string !== 'string') throw internal.typeError('ERR_INVALID_ARG_TYPE', 'argument must be a string');
    return native.bufWrite(this, string, enc, offset, length);
  } });

  Object.defineProperty(proto, 'slice', { writable: true, configurable: true, value: function slice(start, end) {
    const len = this.length;
    start = adjustOffset(start, len);
    end = end !== undefined ? adjustOffset(end, len) : len;
    return FastBuffer(this.buffer, this.byteOffset + start, end > start ? end - start : 0);
  } });
  function adjustOffset(offset, length) {
    offset = Math.trunc(offset);
    if (offset === 0) return 0;
    if (offset < 0) {
      offset += length;
      return offset > 0 ? offset : 0;
    }
    if (offset < length) return offset;
    return Number.isNaN(offset) ? 0 : length;
  }

  // Searching and comparing: Node's argument handling, the bytes compared natively (feross's
  // loops cost the interpreter some 3,000 fuel a byte).
  const isUint8Array = (v) => v instanceof Uint8Array;
  function bidirectionalIndexOf(buffer, val, byteOffset, encoding, dir) {
    if (typeof byteOffset === 'string') {
      encoding = byteOffset;
      byteOffset = undefined;
    } else if (byteOffset > 0x7fffffff) byteOffset = 0x7fffffff;
    else if (byteOffset < -0x80000000) byteOffset = -0x80000000;
    byteOffset = +byteOffset;
    if (Number.isNaN(byteOffset)) byteOffset = dir ? 0 : (buffer.length || buffer.byteLength);
    byteOffset = Math.trunc(byteOffset);
    if (typeof val === 'number') return native.bufIndexOf(buffer, val >>> 0, byteOffset, dir, 0);
    const enc = encoding === undefined ? UTF8 : encodingOf(encoding);
    if (typeof val === 'string') {
      if (enc < 0) throw unknownEncoding(encoding);
      return native.bufIndexOf(buffer, native.bufFrom(val, enc), byteOffset, dir, enc === UTF16LE ? 1 : 0);
    }
    if (isUint8Array(val)) return native.bufIndexOf(buffer, val, byteOffset, dir, enc === UTF16LE ? 2 : 0);
    throw internal.argType('value', 'one of type number or string or an instance of Buffer or Uint8Array', val);
  }
  Object.defineProperty(proto, 'indexOf', { writable: true, configurable: true, value: function indexOf(val, byteOffset, encoding) {
    return bidirectionalIndexOf(this, val, byteOffset, encoding, true);
  } });
  Object.defineProperty(proto, 'lastIndexOf', { writable: true, configurable: true, value: function lastIndexOf(val, byteOffset, encoding) {
    return bidirectionalIndexOf(this, val, byteOffset, encoding, false);
  } });
  const notBytes = (name, value) => internal.argType(name, 'an instance of Buffer or Uint8Array', value);
  function compare(buf1, buf2) {
    if (!isUint8Array(buf1)) throw notBytes('buf1', buf1);
    if (!isUint8Array(buf2)) throw notBytes('buf2', buf2);
    return buf1 === buf2 ? 0 : native.bufCompare(buf1, buf2);
  }
  Object.defineProperty(proto, 'equals', { writable: true, configurable: true, value: function equals(otherBuffer) {
    if (!isUint8Array(otherBuffer)) throw notBytes('otherBuffer', otherBuffer);
    if (this === otherBuffer) return true;
    if (this.byteLength !== otherBuffer.byteLength) return false;
    return this.byteLength === 0 || native.bufCompare(this, otherBuffer) === 0;
  } });
  const validateRange = (value, name, max) => validateOffset(value, name, 0, max === undefined ? 2 ** 32 : max); // Node's kMaxLength
  Object.defineProperty(proto, 'compare', { writable: true, configurable: true, value: function compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
    if (!isUint8Array(target)) throw notBytes('target', target);
    if (arguments.length === 1) return native.bufCompare(this, target);
    if (targetStart === undefined) targetStart = 0;
    else validateRange(targetStart, 'targetStart');
    if (targetEnd === undefined) targetEnd = target.length;
    else validateRange(targetEnd, 'targetEnd', target.length);
    if (sourceStart === undefined) sourceStart = 0;
    else validateRange(sourceStart, 'sourceStart');
    if (sourceEnd === undefined) sourceEnd = this.length;
    else validateRange(sourceEnd, 'sourceEnd', this.length);
    if (sourceStart >= sourceEnd) return targetStart >= targetEnd ? 0 : -1;
    if (targetStart >= targetEnd) return 1;
    if (sourceStart > this.length) throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "sourceStart" is out of range.');
    if (targetStart > target.length) throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', 'The value of "targetStart" is out of range.');
    return native.bufCompare(this.subarray(sourceStart, sourceEnd), target.subarray(targetStart, targetEnd));
  } });

  // The Buffer users see: feross's, except that a string or an ArrayBuffer goes the native way
  // (`new Buffer(string)`, still common in older code, and what subarray() constructs).
  function Buffer(arg, encodingOrOffset, length) {
    if (typeof arg === 'number') return Lib(arg, encodingOrOffset, length);
    return from(arg, encodingOrOffset, length);
  }
  const isEncoding = (encoding) => typeof encoding === 'string' && encoding.length !== 0 && encodingOf(encoding) >= 0;
  const statics = { from, byteLength, isEncoding, compare };
  for (const [name, value] of Object.entries(statics)) {
    Object.defineProperty(Lib, name, { value, writable: true, enumerable: true, configurable: true });
  }
  for (const key of Reflect.ownKeys(Lib)) {
    const own = Object.getOwnPropertyDescriptor(Buffer, key);
    if (key !== 'prototype' && (!own || own.configurable)) Object.defineProperty(Buffer, key, Object.getOwnPropertyDescriptor(Lib, key));
  }
  for (const ctor of [Lib, Buffer]) {
    Object.defineProperty(ctor, Symbol.species, { get() { return FastBuffer; }, configurable: true });
  }
  Object.setPrototypeOf(Buffer, Uint8Array);
  Buffer.prototype = proto;
  Object.defineProperty(proto, 'constructor', { value: Buffer, writable: true, configurable: true });
  FastBuffer.prototype = proto;

  internal.toBuffer = (value, encoding) => {
    if (typeof value === 'string') return fromString(value, encoding);
    if (Lib.isBuffer(value)) return value;
    if (ArrayBuffer.isView(value)) return FastBuffer(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ArrayBuffer) return FastBuffer(value);
    return null;
  };
  internal.fromBytes = (u8) => FastBuffer(u8.buffer, u8.byteOffset, u8.byteLength);
  Object.assign(exports, lib, {
    Buffer,
    atob: globalThis.atob,
    btoa: globalThis.btoa,
    constants: { MAX_LENGTH: lib.kMaxLength, MAX_STRING_LENGTH: (1 << 30) - 25 },
    isUtf8: (input) => {
      try {
        new (require('internal/encoding').TextDecoder)('utf-8', { fatal: true }).decode(input);
        return true;
      } catch {
        return false;
      }
    },
  });
});
