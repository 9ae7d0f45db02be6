// require('string_decoder'): StringDecoder for utf8 (complete characters across chunks), and the
// other Buffer encodings.
defineBuiltin('string_decoder', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const { TextDecoder } = require('internal/encoding');
  // A constructor function, as Node's is: iconv-lite 0.4 (express 4's body-parser) subclasses it with
  // `StringDecoder.call(this, enc)` and `InternalDecoder.prototype = StringDecoder.prototype`, which a
  // class refuses (a TypeError on the first JSON body).
  function StringDecoder(encoding = 'utf8') {
    const enc = String(encoding).toLowerCase().replace('-', '');
    if (!Buffer.isEncoding(enc)) throw internal.codeError(TypeError, 'ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`);
    this.encoding = enc === 'utf8' ? 'utf8' : enc;
    this._utf8 = this.encoding === 'utf8' ? new TextDecoder('utf-8', { ignoreBOM: true }) : null;
    this._rest = Buffer.alloc(0);
  }
  StringDecoder.prototype.write = function write(buf) {
    if (typeof buf === 'string') return buf;
    if (this._utf8) return this._utf8.decode(buf, { stream: true });
    const unit = this.encoding === 'base64' || this.encoding === 'base64url' ? 3 : this.encoding === 'utf16le' || this.encoding === 'ucs2' ? 2 : 1;
    const all = Buffer.concat([this._rest, Buffer.from(buf)]);
    const cut = all.length - (all.length % unit);
    this._rest = all.subarray(cut);
    return all.subarray(0, cut).toString(this.encoding);
  };
  StringDecoder.prototype.end = function end(buf) {
    let out = buf === undefined ? '' : this.write(buf);
    if (this._utf8) out += this._utf8.decode();
    else if (this._rest.length) { out += this._rest.toString(this.encoding); this._rest = Buffer.alloc(0); }
    return out;
  };
  exports.StringDecoder = StringDecoder;
});
