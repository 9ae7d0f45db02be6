// require('string_decoder'): StringDecoder for utf8 (complete characters across chunks), and the
// other Buffer encodings.
defineBuiltin('string_decoder', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const { TextDecoder } = require('internal/encoding');
  // A constructor function, as Node's is: iconv-lite 0.4 (express 4's body-parser) subclasses it with
  // `StringDecoder.call(this, enc)` and `InternalDecoder.prototype = StringDecoder.prototype`, which a
  // class refuses (a TypeError on the first JSON body).
  // Node's names for the encodings (ucs2 and utf-16le are utf16le, binary latin1; none is utf8); the
  // decoder's own state is under symbols, so Object.keys(decoder) is ['encoding'], as in Node
  const kUtf8 = Symbol('kUtf8');
  const kRest = Symbol('kRest');
  const ALIASES = { ucs2: 'utf16le', binary: 'latin1' };
  function StringDecoder(encoding) {
    let enc = encoding == null || encoding === '' ? 'utf8' : String(encoding).toLowerCase().replace('-', '');
    enc = ALIASES[enc] || enc;
    if (!Buffer.isEncoding(enc)) throw internal.codeError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
    this.encoding = enc;
    this[kUtf8] = enc === 'utf8' ? new TextDecoder('utf-8', { ignoreBOM: true }) : null;
    this[kRest] = Buffer.alloc(0);
  }
  StringDecoder.prototype.write = function write(buf) {
    if (typeof buf === 'string') return buf;
    if (this[kUtf8]) return this[kUtf8].decode(buf, { stream: true });
    const unit = this.encoding === 'base64' || this.encoding === 'base64url' ? 3 : this.encoding === 'utf16le' || this.encoding === 'ucs2' ? 2 : 1;
    const all = Buffer.concat([this[kRest], Buffer.from(buf)]);
    const cut = all.length - (all.length % unit);
    this[kRest] = all.subarray(cut);
    return all.subarray(0, cut).toString(this.encoding);
  };
  StringDecoder.prototype.end = function end(buf) {
    let out = buf === undefined ? '' : this.write(buf);
    if (this[kUtf8]) out += this[kUtf8].decode();
    else if (this[kRest].length) { out += this[kRest].toString(this.encoding); this[kRest] = Buffer.alloc(0); }
    return out;
  };
  exports.StringDecoder = StringDecoder;
});
