// require('buffer'): feross/buffer (npm `buffer`, the browser port of Node's Buffer), bundled at build
// time, with Node's inspect output and UTF-8 conversion done natively.
defineBuiltin('buffer', function (exports, require, module, internal) {
  const lib = require('internal/deps/buffer');
  const Buffer = lib.Buffer;
  Buffer.prototype[internal.inspectCustom] = function inspect(recurseTimes, ctx) {
    const max = lib.INSPECT_MAX_BYTES;
    const actualMax = Math.min(max, this.length);
    const remaining = this.length - max;
    let str = this.toString('hex', 0, actualMax).replace(/(.{2})/g, '$1 ').trim();
    if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
    return `<${this.constructor.name} ${str}>`.replace(' >', '>');
  };
  const utf8Slice = Buffer.prototype.utf8Slice;
  if (typeof utf8Slice === 'function') {
    Buffer.prototype.utf8Slice = function (start, end) {
      return internal.native.utf8Decode(this.subarray(start, end));
    };
  }
  const toString = Buffer.prototype.toString;
  Buffer.prototype.toString = function (encoding, start, end) {
    if ((encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') && start === undefined && end === undefined) {
      return internal.native.utf8Decode(this);
    }
    return toString.call(this, encoding, start, end);
  };
  // buffer@6 predates 'base64url' (Node 15+): base64-js already decodes its alphabet
  const isUrl = (e) => typeof e === 'string' && e.toLowerCase() === 'base64url';
  const from = Buffer.from;
  Buffer.from = function (value, encodingOrOffset, length) {
    if (typeof value === 'string' && isUrl(encodingOrOffset)) encodingOrOffset = 'base64';
    return from.call(this, value, encodingOrOffset, length);
  };
  const byteLength = Buffer.byteLength;
  Buffer.byteLength = (string, encoding) => byteLength(string, isUrl(encoding) ? 'base64' : encoding);
  const isEncoding = Buffer.isEncoding;
  Buffer.isEncoding = (encoding) => isUrl(encoding) || isEncoding(encoding);
  const write = Buffer.prototype.write;
  Buffer.prototype.write = function (string, offset, length, encoding) {
    if (isUrl(encoding)) encoding = 'base64';
    else if (isUrl(length)) length = 'base64';
    else if (isUrl(offset)) offset = 'base64';
    return write.call(this, string, offset, length, encoding);
  };
  const toStringPlain = Buffer.prototype.toString;
  Buffer.prototype.toString = function (encoding, start, end) {
    if (isUrl(encoding)) return toStringPlain.call(this, 'base64', start, end).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    return toStringPlain.call(this, encoding, start, end);
  };
  internal.toBuffer = (value, encoding) => {
    if (typeof value === 'string') return Buffer.from(value, encoding);
    if (Buffer.isBuffer(value)) return value;
    if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof ArrayBuffer) return Buffer.from(value);
    return null;
  };
  internal.fromBytes = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  Object.assign(exports, lib, {
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
