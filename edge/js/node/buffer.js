// require('buffer'): feross/buffer (npm `buffer`, the browser port of Node's Buffer), bundled at build
// time, with Node's inspect output, and what the package does a byte at a time in JavaScript done
// natively (edge_js.c: bufFrom, bufWrite, bufToString, bufByteLength, bufIndexOf, bufCompare, bufSwap) behind
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
    return `<${this.constructor.name} ${str}>`;
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
  const typedFill = Uint8Array.prototype.fill, typedSet = Uint8Array.prototype.set;
  const typedCopyWithin = Uint8Array.prototype.copyWithin;

  // Node's FastBuffer (what subarray, slice and Buffer.from construct: no argument checks), its
  // Buffer.prototype.subarray and slice, Buffer.from(uint8Array)'s copy and Buffer.from(string)'s
  // bytes (bytesOf) are the engine's (edge_js.c, bufViews): each Buffer is born one, made by
  // Uint8Array's constructor with `target` as new.target. In JavaScript (new Uint8Array, then
  // Object.setPrototypeOf) a slice cost ~12,000 fuel (bench/README.md J17). subarray below is
  // Node's own, for the calls the engine hands back (any other `this`, offsets that are not numbers).
  function subarray(start, end) {
    const srcLength = this.length;
    start = adjustOffset(start, srcLength);
    end = end !== undefined ? adjustOffset(end, srcLength) : srcLength;
    const newLength = end > start ? end - start : 0;
    return new FastBuffer(this.buffer, this.byteOffset + start, newLength);
  }
  // Buffer.from and Buffer.concat are the engine's too for their common calls (a string without an
  // encoding, a Uint8Array or Buffer, an ArrayBuffer with number offsets; an Array of Uint8Arrays
  // and Buffers): `from` and `concat` below are Node's, for every other call and every error.
  const views = native.bufViews(Uint8Array, Object.freeze({ __proto__: null, prototype: proto }), subarray, from, concat);
  const FastBuffer = views[0], copyBytes = views[3], bytesOf = views[4], fastFrom = views[5], fastConcat = views[6];
  for (const [name, value] of [['subarray', views[1]], ['slice', views[2]]]) {
    Object.defineProperty(proto, name, { value, writable: true, enumerable: true, configurable: true });
  }

  function fromString(string, encoding) {
    let enc = UTF8;
    if (typeof encoding === 'string' && encoding.length !== 0) {
      enc = encodingOf(encoding);
      if (enc < 0) throw unknownEncoding(encoding);
    }
    return bytesOf(string, enc);
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
  // An array or a typed array (not a BigInt one: Node refuses it) is copied by Uint8Array's set,
  // each element as a number modulo 256 as in Node (~220 fuel an element of an array; feross's
  // loop ~2,300, Uint8Array's constructor ~1,100)
  const isNumberArray = (v) => Array.isArray(v) ||
    (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array));
  function from(value, encodingOrOffset, length) {
    if (typeof value === 'string') return fromString(value, encodingOrOffset);
    const copy = copyBytes(value); // a Uint8Array's or Buffer's bytes; undefined for any other value
    if (copy !== undefined) return copy;
    if (isArrayBuffer(value)) return fromArrayBuffer(value, encodingOrOffset, length);
    // Node's fromObject and fromArrayLike (lib/buffer.js) with the length the source gives, its own
    // too: a Uint8Array with an own length gets here (copyBytes takes only the engine's own views)
    if (isNumberArray(value)) {
      if (value.length === undefined && !isArrayBuffer(value.buffer)) throw notASource(value);
      if (typeof value.length !== 'number' || value.length <= 0) return FastBuffer();
      // Buffer.poolSize >>> 1: Node copies into its pool with set (an Array's length is its own: set
      // is Node's result at any length, and ~5x cheaper than Uint8Array's constructor)
      if (value.length < 4096 || Array.isArray(value)) {
        const bytes = FastBuffer(value.length);
        try {
          typedSet.call(bytes, value);
        } catch (e) { // a source longer than its length: V8's words
          if (e instanceof RangeError) throw new RangeError('offset is out of bounds');
          throw e;
        }
        return bytes;
      }
      return FastBuffer(value); // new FastBuffer(obj): a typed array's own elements
    }
    // Node's error for what is no Buffer's source (feross's words were its own)
    if (typeof value !== 'object' || value === null) throw notASource(value);
    try {
      return libFrom(value, encodingOrOffset, length);
    } catch (e) {
      if (e instanceof TypeError && e.code === undefined && String(e.message).startsWith('The first argument must be one of type')) throw notASource(value);
      throw e;
    }
  }
  const notASource = (value) => internal.argType('first argument',
    'of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object', value);

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
      if (typeof string !== 'string') throw internal.plainCodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'argument must be a string'); // Node's C++
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
    if (typeof string !== 'string') throw internal.plainCodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'argument must be a string'); // Node's C++
    return native.bufWrite(this, string, enc, offset, length);
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

  // Filling: Node's _fill (its argument shuffles and errors). One byte is Uint8Array's own fill; a
  // pattern of several bytes is written once, then doubled with copyWithin. feross's loops cost
  // 1,100-1,600 fuel a byte (Buffer.alloc(1 MB, 1): 1.16e9 fuel, now ~2.5 million).
  const kMaxLength = 2 ** 32; // Node 20's buffer.constants.MAX_LENGTH, as its messages show it
  const invalidValue = (value) => internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'value' is invalid. Received ${
    internal.inspect === undefined ? String(value) : internal.inspect(value)}`.replace(/^(.{128}).+$/s, '$1...'));
  function fillEncoding(encoding) { // Node's normalizeEncoding, then its errors
    if (encoding === undefined || encoding === null || encoding === '') return UTF8;
    const enc = typeof encoding === 'string' ? encodingOf(encoding) : -1;
    if (enc >= 0) return enc;
    if (typeof encoding !== 'string') throw internal.argType('encoding', 'of type string', encoding);
    throw unknownEncoding(encoding);
  }
  function fillBytes(buf, value, offset, end, encoding) {
    let enc = UTF8;
    if (typeof value === 'string') {
      if (offset === undefined || typeof offset === 'string') {
        encoding = offset;
        offset = 0;
        end = buf.length;
      } else if (typeof end === 'string') {
        encoding = end;
        end = buf.length;
      }
      enc = fillEncoding(encoding);
      if (value.length === 0) value = 0; // '' fills with zeros
      else if (value.length === 1) {
        const code = value.charCodeAt(0);
        if ((enc === UTF8 && code < 128) || enc === LATIN1) value = code;
      }
    }
    if (offset === undefined) {
      offset = 0;
      end = buf.length;
    } else {
      validateOffset(offset, 'offset', 0, kMaxLength);
      if (end === undefined) end = buf.length;
      else validateOffset(end, 'end', 0, buf.length);
      if (offset >= end) return buf;
    }
    if (typeof value === 'number') return typedFill.call(buf, value, offset, end);
    let bytes;
    if (typeof value === 'string') bytes = native.bufFrom(value, enc);
    else if (ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    else {
      if (typeof value === 'bigint') throw new TypeError('Cannot convert a BigInt value to a number');
      return typedFill.call(buf, value >>> 0, offset, end); // true is 1; null, undefined and {} are 0
    }
    const length = end - offset;
    if (bytes.length >= length) {
      typedSet.call(buf, bytes.length === length ? bytes : bytes.subarray(0, length), offset);
      return buf;
    }
    if (bytes.length === 0) throw invalidValue(value); // an empty Buffer, hex or base64 with no byte in it
    typedSet.call(buf, bytes, offset);
    let filled = bytes.length;
    for (; filled < length - filled; filled *= 2) typedCopyWithin.call(buf, offset + filled, offset, offset + filled);
    typedCopyWithin.call(buf, offset + filled, offset, end - filled);
    return buf;
  }
  Object.defineProperty(proto, 'fill', { writable: true, configurable: true, value: function fill(value, offset, end, encoding) {
    return fillBytes(this, value, offset, end, encoding);
  } });
  // Buffer.allocUnsafe and allocUnsafeSlow: Node's size check (validateNumber(size, 'size', 0,
  // kMaxLength)) and a new Buffer (zeroed; Node's small ones come from its pool), without feross's
  // new Uint8Array and setPrototypeOf (~9,800 fuel a call; now ~6,500)
  function allocUnsafe(size) {
    if (typeof size !== 'number') throw internal.argType('size', 'of type number', size);
    if (!(size >= 0 && size <= kMaxLength)) throw outOfRange('size', `>= 0 && <= ${kMaxLength}`, size);
    return FastBuffer(size);
  }
  // Node's Buffer.concat (lib/buffer.js), for the calls the engine hands back (bufViews' concat does
  // an Array of Uint8Arrays and Buffers itself: ~27,000 fuel for two pieces in feross's loop, whose
  // errors were not Node's)
  const typedArrayGetter = (name) => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), name).get;
  const typedTag = typedArrayGetter(Symbol.toStringTag);
  const isRealUint8Array = (v) => typedTag.call(v) === 'Uint8Array'; // Node's types.isUint8Array
  function concat(list, length) {
    if (!Array.isArray(list)) throw internal.argType('list', 'an instance of Array', list);
    if (list.length === 0) return new FastBuffer();
    if (length === undefined) {
      length = 0;
      for (let i = 0; i < list.length; i++) {
        if (list[i].length) length += list[i].length;
      }
    } else validateOffset(length, 'length', 0, kMaxLength);
    const buffer = allocUnsafe(length);
    let pos = 0;
    for (let i = 0; i < list.length; i++) {
      const buf = list[i];
      if (!isRealUint8Array(buf)) throw internal.argType(`list[${i}]`, 'an instance of Buffer or Uint8Array', list[i]);
      pos += copyActual(buf, buffer, pos, buf.length);
    }
    if (pos < length) typedFill.call(buffer, 0, pos, length);
    return buffer;
  }
  function copyActual(source, target, targetStart, sourceEnd) { // Node 20's _copyActual(source, target, targetStart, 0, sourceEnd)
    if (sourceEnd > target.length - targetStart) sourceEnd = target.length - targetStart;
    let nb = sourceEnd;
    const sourceLen = source.length;
    if (nb > sourceLen) nb = sourceLen;
    if (sourceEnd < source.length) source = new Uint8Array(source.buffer, source.byteOffset, nb);
    typedSet.call(target, source, targetStart);
    return nb;
  }
  function alloc(size, fill, encoding) { // Node's: its size check, and a fill of 0 is no fill
    if (typeof size !== 'number') throw internal.argType('size', 'of type number', size);
    if (!(size >= 0 && size <= kMaxLength)) throw outOfRange('size', `>= 0 && <= ${kMaxLength}`, size);
    const buf = FastBuffer(size);
    return fill !== undefined && fill !== 0 && buf.length > 0 ? fillBytes(buf, fill, 0, buf.length, encoding) : buf;
  }

  // swap16/32/64 in the engine (feross's loops: ~1,500 fuel a byte), with Node's error
  function swapper(bits) {
    return function () {
      if (this.length % (bits / 8) !== 0) {
        throw internal.codeError(RangeError, 'ERR_INVALID_BUFFER_SIZE', `Buffer size must be a multiple of ${bits}-bits`);
      }
      native.bufSwap(this, bits / 8);
      return this;
    };
  }
  for (const bits of [16, 32, 64]) {
    Object.defineProperty(proto, `swap${bits}`, { writable: true, configurable: true, value: swapper(bits) });
  }

  // Number reads and writes (readUInt32LE, writeInt16BE, readDoubleLE, writeBigUInt64BE, ...): each
  // method is the engine's bufNumber (edge_js.c), which does a call on a Uint8Array with an offset
  // inside it (and, for a write, a value in range) itself and hands any other call, with its
  // arguments untouched, to Node's own JavaScript (lib/internal/buffer.js) ported below: Node's
  // results and errors, ~700 fuel a call where feross's functions took 4,000-30,000 (and threw
  // their own errors, 'offset is not uint'). bench/README.md, J15.
  let utilInspect = null;
  const inspect = (value, options) => (utilInspect || (utilInspect = require('util').inspect))(value, options);
  function addNumericalSeparator(val) {
    let res = '';
    let i = val.length;
    const start = val[0] === '-' ? 1 : 0;
    for (; i >= start + 4; i -= 3) res = `_${val.slice(i - 3, i)}${res}`;
    return `${val.slice(0, i)}${res}`;
  }
  function rangeError(name, range, input) { // Node's ERR_OUT_OF_RANGE
    let received;
    if (Number.isInteger(input) && Math.abs(input) > 2 ** 32) received = addNumericalSeparator(String(input));
    else if (typeof input === 'bigint') {
      received = String(input);
      if (input > 2n ** 32n || input < -(2n ** 32n)) received = addNumericalSeparator(received);
      received += 'n';
    } else received = inspect(input);
    return internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${received}`);
  }
  function specificType(value) { // Node's determineSpecificType
    if (value == null) return '' + value;
    if (typeof value === 'function' && value.name) return `function ${value.name}`;
    if (typeof value === 'object') {
      if (value.constructor && value.constructor.name) return `an instance of ${value.constructor.name}`;
      return `${inspect(value, { depth: -1 })}`;
    }
    let inspected = inspect(value, { colors: false });
    if (inspected.length > 28) inspected = `${inspected.slice(0, 25)}...`;
    return `type ${typeof value} (${inspected})`;
  }
  function validateNumber(value, name) {
    if (typeof value !== 'number') {
      throw internal.typeError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be of type number. Received ${specificType(value)}`);
    }
  }
  function checkBounds(buf, offset, byteLength) {
    validateNumber(offset, 'offset');
    if (buf[offset] === undefined || buf[offset + byteLength] === undefined) boundsError(offset, buf.length - (byteLength + 1));
  }
  function checkInt(value, min, max, buf, offset, byteLength) {
    if (value > max || value < min) {
      const n = typeof min === 'bigint' ? 'n' : '';
      let range;
      if (byteLength > 3) {
        if (min === 0 || min === 0n) range = `>= 0${n} and < 2${n} ** ${(byteLength + 1) * 8}${n}`;
        else range = `>= -(2${n} ** ${(byteLength + 1) * 8 - 1}${n}) and < 2${n} ** ${(byteLength + 1) * 8 - 1}${n}`;
      } else range = `>= ${min}${n} and <= ${max}${n}`;
      throw rangeError('value', range, value);
    }
    checkBounds(buf, offset, byteLength);
  }
  function boundsError(value, length, type) {
    if (Math.floor(value) !== value) {
      validateNumber(value, type);
      throw rangeError(type || 'offset', 'an integer', value);
    }
    if (length < 0) throw internal.codeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', 'Attempt to access memory outside buffer bounds');
    throw rangeError(type || 'offset', `>= ${type ? 1 : 0} and <= ${length}`, value);
  }
  const float32Array = new Float32Array(1);
  const uInt8Float32Array = new Uint8Array(float32Array.buffer);
  const float64Array = new Float64Array(1);
  const uInt8Float64Array = new Uint8Array(float64Array.buffer);
  const mixedBigInt = () => new TypeError('Cannot mix BigInt and other types, use explicit conversions'); // V8's words
  function toNumber(value) { // +value, with V8's words for what cannot be one
    if (typeof value === 'bigint') throw new TypeError('Cannot convert a BigInt value to a number');
    if (typeof value === 'symbol') throw new TypeError('Cannot convert a Symbol value to a number');
    return +value;
  }

  // Node's reads (wasm is little-endian: its "forwards" float functions are LE)
  function start(buf, offset, size) { // Node's opening lines of each read: offset validated, first and last bytes there
    validateNumber(offset, 'offset');
    if (buf[offset] === undefined || buf[offset + size - 1] === undefined) boundsError(offset, buf.length - size);
  }
  const slowReads = {
    readUInt8(offset = 0) { start(this, offset, 1); return this[offset]; },
    readInt8(offset = 0) { start(this, offset, 1); const val = this[offset]; return val | (val & 2 ** 7) * 0x1fffffe; },
    readUInt16LE(offset = 0) { start(this, offset, 2); return this[offset] + this[offset + 1] * 2 ** 8; },
    readUInt16BE(offset = 0) { start(this, offset, 2); return this[offset] * 2 ** 8 + this[offset + 1]; },
    readInt16LE(offset = 0) {
      start(this, offset, 2);
      const val = this[offset] + this[offset + 1] * 2 ** 8;
      return val | (val & 2 ** 15) * 0x1fffe;
    },
    readInt16BE(offset = 0) {
      start(this, offset, 2);
      const val = this[offset] * 2 ** 8 + this[offset + 1];
      return val | (val & 2 ** 15) * 0x1fffe;
    },
    readUInt32LE(offset = 0) {
      start(this, offset, 4);
      return this[offset] + this[offset + 1] * 2 ** 8 + this[offset + 2] * 2 ** 16 + this[offset + 3] * 2 ** 24;
    },
    readUInt32BE(offset = 0) {
      start(this, offset, 4);
      return this[offset] * 2 ** 24 + this[offset + 1] * 2 ** 16 + this[offset + 2] * 2 ** 8 + this[offset + 3];
    },
    readInt32LE(offset = 0) {
      start(this, offset, 4);
      return this[offset] + this[offset + 1] * 2 ** 8 + this[offset + 2] * 2 ** 16 + (this[offset + 3] << 24);
    },
    readInt32BE(offset = 0) {
      start(this, offset, 4);
      return (this[offset] << 24) + this[offset + 1] * 2 ** 16 + this[offset + 2] * 2 ** 8 + this[offset + 3];
    },
    readFloatLE(offset = 0) {
      start(this, offset, 4);
      for (let i = 0; i < 4; i++) uInt8Float32Array[i] = this[offset + i];
      return float32Array[0];
    },
    readFloatBE(offset = 0) {
      start(this, offset, 4);
      for (let i = 0; i < 4; i++) uInt8Float32Array[3 - i] = this[offset + i];
      return float32Array[0];
    },
    readDoubleLE(offset = 0) {
      start(this, offset, 8);
      for (let i = 0; i < 8; i++) uInt8Float64Array[i] = this[offset + i];
      return float64Array[0];
    },
    readDoubleBE(offset = 0) {
      start(this, offset, 8);
      for (let i = 0; i < 8; i++) uInt8Float64Array[7 - i] = this[offset + i];
      return float64Array[0];
    },
    readBigUInt64LE(offset = 0) {
      start(this, offset, 8);
      const lo = this[offset] + this[offset + 1] * 2 ** 8 + this[offset + 2] * 2 ** 16 + this[offset + 3] * 2 ** 24;
      const hi = this[offset + 4] + this[offset + 5] * 2 ** 8 + this[offset + 6] * 2 ** 16 + this[offset + 7] * 2 ** 24;
      return BigInt(lo) + (BigInt(hi) << 32n);
    },
    readBigUInt64BE(offset = 0) {
      start(this, offset, 8);
      const hi = this[offset] * 2 ** 24 + this[offset + 1] * 2 ** 16 + this[offset + 2] * 2 ** 8 + this[offset + 3];
      const lo = this[offset + 4] * 2 ** 24 + this[offset + 5] * 2 ** 16 + this[offset + 6] * 2 ** 8 + this[offset + 7];
      return (BigInt(hi) << 32n) + BigInt(lo);
    },
    readBigInt64LE(offset = 0) {
      start(this, offset, 8);
      const val = this[offset + 4] + this[offset + 5] * 2 ** 8 + this[offset + 6] * 2 ** 16 + (this[offset + 7] << 24);
      return (BigInt(val) << 32n) +
        BigInt(this[offset] + this[offset + 1] * 2 ** 8 + this[offset + 2] * 2 ** 16 + this[offset + 3] * 2 ** 24);
    },
    readBigInt64BE(offset = 0) {
      start(this, offset, 8);
      const val = (this[offset] << 24) + this[offset + 1] * 2 ** 16 + this[offset + 2] * 2 ** 8 + this[offset + 3];
      return (BigInt(val) << 32n) +
        BigInt(this[offset + 4] * 2 ** 24 + this[offset + 5] * 2 ** 16 + this[offset + 6] * 2 ** 8 + this[offset + 7]);
    },
  };
  // 3, 5 and 6 bytes (readUIntLE(offset, byteLength) and the like): Node's, in JavaScript only
  const wide = {
    readUInt24LE(buf, offset = 0) { start(buf, offset, 3); return buf[offset] + buf[offset + 1] * 2 ** 8 + buf[offset + 2] * 2 ** 16; },
    readUInt24BE(buf, offset = 0) { start(buf, offset, 3); return buf[offset] * 2 ** 16 + buf[offset + 1] * 2 ** 8 + buf[offset + 2]; },
    readUInt40LE(buf, offset = 0) {
      start(buf, offset, 5);
      return buf[offset] + buf[offset + 1] * 2 ** 8 + buf[offset + 2] * 2 ** 16 + buf[offset + 3] * 2 ** 24 + buf[offset + 4] * 2 ** 32;
    },
    readUInt40BE(buf, offset = 0) {
      start(buf, offset, 5);
      return buf[offset] * 2 ** 32 + buf[offset + 1] * 2 ** 24 + buf[offset + 2] * 2 ** 16 + buf[offset + 3] * 2 ** 8 + buf[offset + 4];
    },
    readUInt48LE(buf, offset = 0) {
      start(buf, offset, 6);
      return buf[offset] + buf[offset + 1] * 2 ** 8 + buf[offset + 2] * 2 ** 16 + buf[offset + 3] * 2 ** 24 +
        (buf[offset + 4] + buf[offset + 5] * 2 ** 8) * 2 ** 32;
    },
    readUInt48BE(buf, offset = 0) {
      start(buf, offset, 6);
      return (buf[offset] * 2 ** 8 + buf[offset + 1]) * 2 ** 32 + buf[offset + 2] * 2 ** 24 + buf[offset + 3] * 2 ** 16 +
        buf[offset + 4] * 2 ** 8 + buf[offset + 5];
    },
    readInt24LE(buf, offset = 0) {
      start(buf, offset, 3);
      const val = buf[offset] + buf[offset + 1] * 2 ** 8 + buf[offset + 2] * 2 ** 16;
      return val | (val & 2 ** 23) * 0x1fe;
    },
    readInt24BE(buf, offset = 0) {
      start(buf, offset, 3);
      const val = buf[offset] * 2 ** 16 + buf[offset + 1] * 2 ** 8 + buf[offset + 2];
      return val | (val & 2 ** 23) * 0x1fe;
    },
    readInt40LE(buf, offset = 0) {
      start(buf, offset, 5);
      const last = buf[offset + 4];
      return (last | (last & 2 ** 7) * 0x1fffffe) * 2 ** 32 +
        buf[offset] + buf[offset + 1] * 2 ** 8 + buf[offset + 2] * 2 ** 16 + buf[offset + 3] * 2 ** 24;
    },
    readInt40BE(buf, offset = 0) {
      start(buf, offset, 5);
      const first = buf[offset];
      return (first | (first & 2 ** 7) * 0x1fffffe) * 2 ** 32 +
        buf[offset + 1] * 2 ** 24 + buf[offset + 2] * 2 ** 16 + buf[offset + 3] * 2 ** 8 + buf[offset + 4];
    },
    readInt48LE(buf, offset = 0) {
      start(buf, offset, 6);
      const val = buf[offset + 4] + buf[offset + 5] * 2 ** 8;
      return (val | (val & 2 ** 15) * 0x1fffe) * 2 ** 32 +
        buf[offset] + buf[offset + 1] * 2 ** 8 + buf[offset + 2] * 2 ** 16 + buf[offset + 3] * 2 ** 24;
    },
    readInt48BE(buf, offset = 0) {
      start(buf, offset, 6);
      const val = buf[offset + 1] + buf[offset] * 2 ** 8;
      return (val | (val & 2 ** 15) * 0x1fffe) * 2 ** 32 +
        buf[offset + 2] * 2 ** 24 + buf[offset + 3] * 2 ** 16 + buf[offset + 4] * 2 ** 8 + buf[offset + 5];
    },
  };
  function readVariable(sizes, name) { // readUIntLE(offset, byteLength) and its three siblings
    return {
      [name](offset, byteLength) {
        if (offset === undefined) throw internal.typeError('ERR_INVALID_ARG_TYPE', 'The "offset" argument must be of type number. Received undefined');
        if (byteLength === 6) return sizes[6](this, offset);
        if (byteLength === 5) return sizes[5](this, offset);
        if (byteLength === 3) return sizes[3](this, offset);
        if (byteLength === 4) return this[sizes[4]](offset);
        if (byteLength === 2) return this[sizes[2]](offset);
        if (byteLength === 1) return this[sizes[1]](offset);
        boundsError(byteLength, 6, 'byteLength');
      },
    }[name];
  }

  // Node's writes: each takes +value once, then checks the value's range before the offset
  function writeBytes(buf, value, offset, size, bigEndian) { // value a whole number within 32 bits' range, or NaN
    for (let i = 0; i < size; i++) {
      buf[bigEndian ? offset + size - 1 - i : offset + i] = value;
      value = value >>> 8;
    }
    return offset + size;
  }
  function writeInt(size, bigEndian, min, max) {
    if (size === 1) {
      return function (buf, value, offset) { // Node's writeU_Int8: the offset's type, then the value, then the bounds
        value = toNumber(value);
        validateNumber(offset, 'offset');
        if (value > max || value < min) throw rangeError('value', `>= ${min} and <= ${max}`, value);
        if (buf[offset] === undefined) boundsError(offset, buf.length - 1);
        buf[offset] = value;
        return offset + 1;
      };
    }
    if (size <= 4) {
      return function (buf, value, offset) {
        value = toNumber(value);
        checkInt(value, min, max, buf, offset, size - 1);
        return writeBytes(buf, value, offset, size, bigEndian);
      };
    }
    return function (buf, value, offset) { // 40 and 48 bits: the high bytes from Math.floor(value * 2 ** -32)
      value = toNumber(value);
      checkInt(value, min, max, buf, offset, size - 1);
      const high = Math.floor(value * 2 ** -32);
      if (bigEndian) {
        writeBytes(buf, high, offset, size - 4, true);
        return writeBytes(buf, value, offset + size - 4, 4, true);
      }
      writeBytes(buf, value, offset, 4, false);
      return writeBytes(buf, high, offset + 4, size - 4, false);
    };
  }
  function writeBigInt(bigEndian, min, max) {
    return function (buf, value, offset) {
      checkInt(value, min, max, buf, offset, 7);
      let lo;
      try {
        lo = Number(value & 0xffffffffn); // a number (or a string) for value: V8's TypeError
      } catch (err) {
        throw err instanceof TypeError && typeof value !== 'bigint' && /mix|BigInt to number/i.test(err.message) ? mixedBigInt() : err;
      }
      const hi = Number(value >> 32n & 0xffffffffn);
      if (bigEndian) {
        writeBytes(buf, hi, offset, 4, true);
        return writeBytes(buf, lo, offset + 4, 4, true);
      }
      writeBytes(buf, lo, offset, 4, false);
      return writeBytes(buf, hi, offset + 4, 4, false);
    };
  }
  function writeFloat(scratch, bytes, bigEndian) {
    const size = bytes.length;
    return function (val, offset = 0) {
      val = toNumber(val);
      checkBounds(this, offset, size - 1);
      scratch[0] = val;
      for (let i = 0; i < size; i++) this[offset++] = bytes[bigEndian ? size - 1 - i : i];
      return offset;
    };
  }
  const U = (size) => 2 ** (8 * size) - 1;
  const S = (size) => 2 ** (8 * size - 1);
  const writers = { UInt: {}, Int: {} }; // [kind][size][endianness]: (buf, value, offset)
  for (const size of [1, 2, 3, 4, 5, 6]) {
    writers.UInt[size] = { LE: writeInt(size, false, 0, U(size)), BE: writeInt(size, true, 0, U(size)) };
    writers.Int[size] = { LE: writeInt(size, false, -S(size), S(size) - 1), BE: writeInt(size, true, -S(size), S(size) - 1) };
  }
  const slowWrites = {};
  for (const kind of ['UInt', 'Int']) {
    slowWrites[`write${kind}8`] = { [`write${kind}8`](value, offset = 0) { return writers[kind][1].LE(this, value, offset); } }[`write${kind}8`];
    for (const size of [2, 4]) {
      for (const end of ['LE', 'BE']) {
        const name = `write${kind}${size * 8}${end}`;
        slowWrites[name] = { [name](value, offset = 0) { return writers[kind][size][end](this, value, offset); } }[name];
      }
    }
  }
  slowWrites.writeBigUInt64LE = function writeBigUInt64LE(value, offset = 0) { return writeBigInt(false, 0n, 0xffffffffffffffffn)(this, value, offset); };
  slowWrites.writeBigUInt64BE = function writeBigUInt64BE(value, offset = 0) { return writeBigInt(true, 0n, 0xffffffffffffffffn)(this, value, offset); };
  slowWrites.writeBigInt64LE = function writeBigInt64LE(value, offset = 0) {
    return writeBigInt(false, -0x8000000000000000n, 0x7fffffffffffffffn)(this, value, offset);
  };
  slowWrites.writeBigInt64BE = function writeBigInt64BE(value, offset = 0) {
    return writeBigInt(true, -0x8000000000000000n, 0x7fffffffffffffffn)(this, value, offset);
  };
  slowWrites.writeFloatLE = writeFloat(float32Array, uInt8Float32Array, false);
  slowWrites.writeFloatBE = writeFloat(float32Array, uInt8Float32Array, true);
  slowWrites.writeDoubleLE = writeFloat(float64Array, uInt8Float64Array, false);
  slowWrites.writeDoubleBE = writeFloat(float64Array, uInt8Float64Array, true);
  function writeVariable(kind, end) { // writeUIntLE(value, offset, byteLength) and its three siblings
    const name = `write${kind}${end}`;
    return {
      [name](value, offset, byteLength) {
        if (byteLength >= 1 && byteLength <= 6 && byteLength === Math.trunc(byteLength)) {
          return writers[kind][byteLength][end](this, value, offset);
        }
        boundsError(byteLength, 6, 'byteLength');
      },
    }[name];
  }

  // The engine's flags (edge_js.c, BN_*): the size in bytes, then signed, big-endian, float, BigInt, write
  const SIGNED = 0x10, BE = 0x20, FLOAT = 0x40, BIGINT = 0x80, WRITE = 0x100;
  const NUMBER_METHODS = [];
  for (const [name, size, flags] of [['UInt8', 1, 0], ['Int8', 1, SIGNED], ['UInt16', 2, 0], ['Int16', 2, SIGNED],
    ['UInt32', 4, 0], ['Int32', 4, SIGNED], ['Float', 4, FLOAT], ['Double', 8, FLOAT], ['BigUInt64', 8, BIGINT],
    ['BigInt64', 8, BIGINT | SIGNED]]) {
    for (const end of size === 1 ? [''] : ['LE', 'BE']) {
      const f = size | flags | (end === 'BE' ? BE : 0);
      NUMBER_METHODS.push([`read${name}${end}`, f, 0, slowReads[`read${name}${end}`]]);
      NUMBER_METHODS.push([`write${name}${end}`, f | WRITE, 1, slowWrites[`write${name}${end}`]]);
    }
  }
  for (const [name, flags, length, slow] of NUMBER_METHODS) {
    const method = native.bufNumber(flags, name, length, slow);
    proto[name] = method;
    if (name.includes('UInt')) proto[name.replace('UInt', 'Uint')] = method; // Node's aliases: readUint32LE, writeBigUint64BE
  }
  const variable = {
    readUIntLE: readVariable({ 1: 'readUInt8', 2: 'readUInt16LE', 3: wide.readUInt24LE, 4: 'readUInt32LE', 5: wide.readUInt40LE, 6: wide.readUInt48LE }, 'readUIntLE'),
    readUIntBE: readVariable({ 1: 'readUInt8', 2: 'readUInt16BE', 3: wide.readUInt24BE, 4: 'readUInt32BE', 5: wide.readUInt40BE, 6: wide.readUInt48BE }, 'readUIntBE'),
    readIntLE: readVariable({ 1: 'readInt8', 2: 'readInt16LE', 3: wide.readInt24LE, 4: 'readInt32LE', 5: wide.readInt40LE, 6: wide.readInt48LE }, 'readIntLE'),
    readIntBE: readVariable({ 1: 'readInt8', 2: 'readInt16BE', 3: wide.readInt24BE, 4: 'readInt32BE', 5: wide.readInt40BE, 6: wide.readInt48BE }, 'readIntBE'),
    writeUIntLE: writeVariable('UInt', 'LE'),
    writeUIntBE: writeVariable('UInt', 'BE'),
    writeIntLE: writeVariable('Int', 'LE'),
    writeIntBE: writeVariable('Int', 'BE'),
  };
  for (const [name, slow] of Object.entries(variable)) { // flags 0: the size is the call's byteLength
    const write = name.startsWith('write');
    const method = native.bufNumber((name.includes('UInt') ? 0 : SIGNED) | (name.endsWith('BE') ? BE : 0) | (write ? WRITE : 0),
      name, write ? 3 : 2, slow);
    proto[name] = method;
    if (name.includes('UInt')) proto[name.replace('UInt', 'Uint')] = method;
  }

  // toJSON: the bytes made an Array in the engine (feross's Array.prototype.slice.call: ~640 fuel a byte)
  proto.toJSON = function toJSON() {
    if (this.length > 0) {
      if (isUint8Array(this)) return { type: 'Buffer', data: native.bufToArray(this) };
      const data = new Array(this.length);
      for (let i = 0; i < this.length; ++i) data[i] = this[i];
      return { type: 'Buffer', data };
    }
    return { type: 'Buffer', data: [] };
  };

  // The Buffer users see: feross's, except that a string or an ArrayBuffer goes the native way
  // (`new Buffer(string)`, still common in older code, and what subarray() constructs).
  function Buffer(arg, encodingOrOffset, length) {
    if (typeof arg === 'number') return Lib(arg, encodingOrOffset, length);
    return fastFrom(arg, encodingOrOffset, length);
  }
  const isEncoding = (encoding) => typeof encoding === 'string' && encoding.length !== 0 && encodingOf(encoding) >= 0;
  const statics = { from: fastFrom, concat: fastConcat, byteLength, isEncoding, compare, alloc, allocUnsafe, allocUnsafeSlow: function allocUnsafeSlow(size) { return allocUnsafe(size); } };
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

  // isAscii / isUtf8: Node's argument checks (an ArrayBuffer or any typed array; not a DataView)
  function validatedBytes(input) {
    const isBuffer = input instanceof ArrayBuffer || typedTag.call(input) !== undefined;
    if (!isBuffer) throw internal.argType('input', 'an instance of ArrayBuffer, Buffer, or TypedArray', input);
    const buffer = input instanceof ArrayBuffer ? input : input.buffer;
    if (buffer.detached) throw internal.codeError(Error, 'ERR_INVALID_STATE', 'Cannot validate on a detached buffer');
    return input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(buffer, input.byteOffset, input.byteLength);
  }
  function isUtf8(input) {
    const bytes = validatedBytes(input);
    if (internal.validUtf8 === undefined) require('internal/encoding');
    return internal.validUtf8(bytes);
  }
  function isAscii(input) {
    const bytes = validatedBytes(input);
    for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
    return true;
  }

  // transcode: what Node 20 gives through ICU and simdutf, pair by pair. UTF-8 is read with
  // replacements (each bad byte U+FFFD), except into UCS-2, which refuses it (U_INVALID_CHAR_FOUND,
  // as for no whole code unit or a lone surrogate from UCS-2 into UTF-8); ASCII and Latin-1 write '?'
  // for what they cannot hold and drop the default-ignorable code points (ICU's substitution does);
  // ASCII and Latin-1 widen byte by byte into UCS-2; UCS-2 into itself writes U+FFFD for an odd byte.
  const TRANSCODABLE = { __proto__: null, [UTF8]: 'utf8', [UTF16LE]: 'ucs2', [LATIN1]: 'latin1', [ASCII]: 'ascii' };
  const IGNORABLE = [[0xad, 0xad], [0x34f, 0x34f], [0x61c, 0x61c], [0x115f, 0x1160], [0x17b4, 0x17b5], [0x180b, 0x180f],
    [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
    [0xffa0, 0xffa0], [0xfff0, 0xfff8], [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a], [0xe0000, 0xe0fff]];
  const ignorable = (cp) => IGNORABLE.some(([lo, hi]) => cp >= lo && cp <= hi);
  const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');
  function transcodeFailed(code, errno) {
    const err = new Error(`Unable to transcode Buffer [${code}]`);
    return Object.assign(err, { code, errno });
  }
  function narrow(text, max) { // into ASCII (max 0x7f) or Latin-1 (0xff)
    const out = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0);
      if (cp <= max) out.push(cp);
      else if (!ignorable(cp)) out.push(0x3f);
    }
    return Buffer.from(out);
  }
  function transcode(source, fromEncoding, toEncoding) {
    if (!isRealUint8Array(source)) throw internal.argType('source', 'an instance of Buffer or Uint8Array', source);
    if (source.length === 0) return Buffer.alloc(0);
    const code = (enc) => (enc === undefined || enc === null || enc === '' ? UTF8 : encodingOf(enc));
    const from = TRANSCODABLE[code(fromEncoding)], to = TRANSCODABLE[code(toEncoding)];
    if (from === undefined || to === undefined) throw transcodeFailed('U_ILLEGAL_ARGUMENT_ERROR', 1);
    const bytes = FastBuffer(source.buffer, source.byteOffset, source.byteLength);
    if (from === 'ucs2') {
      const units = bytes.length >> 1;
      const text = bytes.toString('utf16le', 0, units * 2);
      if (to === 'ucs2') { // lone surrogates, and an odd last byte, become U+FFFD
        const whole = Buffer.from(text.replace(LONE_SURROGATES, '\ufffd'), 'utf16le');
        return units * 2 === bytes.length ? whole : Buffer.concat([whole, Buffer.from([0xfd, 0xff])]);
      }
      if (to === 'utf8') {
        if (units === 0 || LONE_SURROGATE.test(text)) throw transcodeFailed('U_INVALID_CHAR_FOUND', 10);
        return Buffer.from(text, 'utf8');
      }
      return narrow(text, to === 'ascii' ? 0x7f : 0xff);
    }
    if (from !== 'utf8' && to === 'ucs2') return Buffer.from(bytes.toString('latin1'), 'utf16le');
    if (from === 'utf8' && to === 'ucs2') {
      if (!isUtf8(bytes)) throw transcodeFailed('U_INVALID_CHAR_FOUND', 10);
      return Buffer.from(bytes.toString('utf8'), 'utf16le');
    }
    // ASCII's bytes above 0x7f are U+FFFD, as bad UTF-8 is
    const text = from === 'utf8' ? bytes.toString('utf8') : from === 'latin1' ? bytes.toString('latin1')
      : bytes.toString('latin1').replace(/[\x80-\xff]/g, '\ufffd');
    if (to === 'utf8') return Buffer.from(text, 'utf8');
    return narrow(text, to === 'ascii' ? 0x7f : 0xff);
  }

  const MAX_STRING_LENGTH = 2 ** 29 - 24; // Node 20's (V8's on 64-bit), which code compares lengths against
  Object.assign(exports, lib, {
    Buffer,
    atob: globalThis.atob,
    btoa: globalThis.btoa,
    constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH },
    kMaxLength,
    kStringMaxLength: MAX_STRING_LENGTH,
    isUtf8,
    isAscii,
    transcode,
    // blob: URLs come from URL.createObjectURL, which functions do not have: none resolves
    resolveObjectURL: (url) => { String(url); return undefined; },
  });
  // Blob and File: the globals' classes (blob.js, in a function whose sources name Blob, File or
  // FormData). Reading them never throws (code copying the module must work); without blob.js they
  // are classes that throw saying why when used.
  for (const name of ['Blob', 'File']) {
    let absent = null;
    Object.defineProperty(exports, name, {
      get: () => {
        if (builtinFactories['internal/blob'] !== undefined) return require('internal/blob')[name];
        if (absent === null) {
          absent = { [name]: function () {
            throw internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `buffer.${name} is put in a function ` +
              'whose sources name Blob, File or FormData: this one names none of them');
          } }[name];
        }
        return absent;
      },
      enumerable: true, configurable: true,
    });
  }
});
