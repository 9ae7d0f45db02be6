// The globals Blob and File, also require('buffer').Blob and .File (the same classes), as Node 20's
// lib/internal/blob.js and file.js have them: parts of strings (UTF-8; `endings: 'native'` turns
// \r\n and \n into \n, Lambda's line end), ArrayBuffers, views and Blobs, copied when the Blob is made
// (a Blob never changes); `type` lower-cased, or '' if it has a character outside U+0020-U+007E;
// `size`, `slice(start, end, type)`, `text()`, `arrayBuffer()`, `bytes()` and `stream()` (a byte
// ReadableStream giving each part as a chunk, as Node's does), File's `name` and `lastModified`, Node's
// argument errors and inspect output. Put into a function whose sources name Blob, File or FormData
// (edge/js/build.py's ON_DEMAND, which puts stream_web.js in with it for stream()); the globals are
// defined at the end of this file.
defineBuiltin('internal/blob', function (exports, require, module, internal) {
  const kParts = Symbol('kParts'); // the Blob's bytes: Uint8Arrays of their own, never changed
  const kSize = Symbol('kSize');
  const kType = Symbol('kType');
  const kFile = Symbol('kFile'); // { name, lastModified }
  const DISALLOWED_TYPE = /[^\u0020-\u007E]/u;
  const invalidThis = (type) => internal.codeError(TypeError, 'ERR_INVALID_THIS', `Value of "this" must be of type ${type}`);
  const isBlob = (value) => value !== null && typeof value === 'object' && kParts in value;
  let encoder = null;
  const utf8 = (text) => (encoder || (encoder = new (require('internal/encoding').TextEncoder)())).encode(text);
  const normalizedType = (type) => {
    const text = `${type}`;
    return DISALLOWED_TYPE.test(text) ? '' : text.toLowerCase();
  };

  function bytesOf(source, endings) {
    if (isBlob(source)) return source[kParts];
    let view;
    if (source instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && source instanceof SharedArrayBuffer)) {
      view = new Uint8Array(source);
    } else if (ArrayBuffer.isView(source)) {
      view = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    } else {
      let text = `${source}`;
      if (endings === 'native') text = text.replace(/\n|\r\n/g, '\n');
      return [utf8(text)];
    }
    return [view.slice()];
  }

  function make(target, parts, type) {
    let size = 0;
    for (const part of parts) size += part.byteLength;
    Object.defineProperty(target, kParts, { value: parts });
    Object.defineProperty(target, kSize, { value: size });
    Object.defineProperty(target, kType, { value: type });
    return target;
  }

  function joined(blob) {
    const parts = blob[kParts];
    if (parts.length === 1) return parts[0].slice();
    const out = new Uint8Array(blob[kSize]);
    let at = 0;
    for (const part of parts) { out.set(part, at); at += part.byteLength; }
    return out;
  }

  const rejectIfNotBlob = (value) => (isBlob(value) ? null : Promise.reject(invalidThis('Blob')));

  class Blob {
    constructor(sources = [], options = undefined) {
      if (sources === null || typeof sources[Symbol.iterator] !== 'function' || typeof sources === 'string') {
        throw internal.argType('sources', 'a sequence', sources);
      }
      if (options != null && typeof options !== 'object' && typeof options !== 'function') {
        throw internal.argType('options', 'a dictionary', options);
      }
      const { type = '', endings = 'transparent' } = options ?? {};
      const ending = `${endings}`;
      if (ending !== 'transparent' && ending !== 'native') {
        throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
          `The property 'options.endings' is invalid. Received ${require('util').inspect(ending)}`);
      }
      const parts = [];
      for (const source of Array.from(sources)) {
        for (const part of bytesOf(source, ending)) parts.push(part); // (a spread of 70,000 parts overflows the call)
      }
      make(this, parts, normalizedType(type));
    }
    get type() {
      if (!isBlob(this)) throw invalidThis('Blob');
      return this[kType];
    }
    get size() {
      if (!isBlob(this)) throw invalidThis('Blob');
      return this[kSize];
    }
    slice(start = 0, end = this[kSize], contentType = '') {
      if (!isBlob(this)) throw invalidThis('Blob');
      const length = this[kSize];
      start = start < 0 ? Math.max(length + start, 0) : Math.min(start, length);
      end = end < 0 ? Math.max(length + end, 0) : Math.min(end, length);
      start = Math.trunc(start) || 0;
      const span = Math.max((Math.trunc(end) || 0) - start, 0);
      const parts = [];
      let offset = 0;
      for (const part of this[kParts]) { // the parts that overlap [start, start + span)
        const from = Math.max(start - offset, 0);
        const to = Math.min(start + span - offset, part.byteLength);
        if (to > from) parts.push(from === 0 && to === part.byteLength ? part : part.subarray(from, to));
        offset += part.byteLength;
      }
      return make(Object.create(Blob.prototype), parts, normalizedType(contentType));
    }
    arrayBuffer() {
      return rejectIfNotBlob(this) || Promise.resolve(joined(this).buffer);
    }
    text() {
      return rejectIfNotBlob(this) || Promise.resolve(new (require('internal/encoding').TextDecoder)().decode(joined(this)));
    }
    bytes() {
      return rejectIfNotBlob(this) || Promise.resolve(joined(this));
    }
    stream() {
      if (!isBlob(this)) throw invalidThis('Blob');
      const { ReadableStream } = require('stream/web');
      const parts = this[kParts].filter((part) => part.byteLength > 0); // a byte stream takes no empty chunk
      let next = 0;
      return new ReadableStream({
        type: 'bytes',
        pull(controller) {
          if (next < parts.length) controller.enqueue(parts[next++].slice());
          else controller.close();
        },
      }, { highWaterMark: 0 });
    }
    [internal.inspectCustom](depth, options, inspect) {
      if (depth < 0) return this;
      const opts = { ...options, depth: options.depth == null ? null : options.depth - 1 };
      return `Blob ${(inspect || require('util').inspect)({ size: this.size, type: this.type }, opts)}`;
    }
  }

  class File extends Blob {
    constructor(fileBits, fileName, options = {}) {
      if (arguments.length < 2) {
        throw internal.codeError(TypeError, 'ERR_MISSING_ARGS', 'The "fileBits" and "fileName" arguments must be specified');
      }
      super(fileBits, options);
      let { lastModified } = options ?? {};
      if (lastModified !== undefined) {
        lastModified = +lastModified;
        if (Number.isNaN(lastModified)) lastModified = 0;
      } else {
        lastModified = Date.now();
      }
      Object.defineProperty(this, kFile, { value: { name: `${fileName}`.toWellFormed(), lastModified } });
    }
    get name() {
      if (!(this instanceof File) || this[kFile] === undefined) throw invalidThis('File');
      return this[kFile].name;
    }
    get lastModified() {
      if (!(this instanceof File) || this[kFile] === undefined) throw invalidThis('File');
      return this[kFile].lastModified;
    }
    [internal.inspectCustom](depth, options, inspect) {
      if (depth < 0) return this;
      const opts = { ...options, depth: options.depth == null ? null : options.depth - 1 };
      return `File ${(inspect || require('util').inspect)({ size: this.size, type: this.type, name: this.name,
        lastModified: this.lastModified }, opts)}`;
    }
  }

  // Node's: the accessors and methods enumerable (bytes(), newer, is not), a tag for Object.prototype.toString
  const enumerable = (proto, names, tag) => {
    for (const name of names) Object.defineProperty(proto, name, { enumerable: true });
    Object.defineProperty(proto, Symbol.toStringTag, { value: tag, configurable: true });
  };
  enumerable(Blob.prototype, ['size', 'type', 'slice', 'stream', 'text', 'arrayBuffer'], 'Blob');
  enumerable(File.prototype, ['name', 'lastModified'], 'File');

  Object.assign(exports, { Blob, File, isBlob });
});
for (const name of ['Blob', 'File']) lazyGlobal(name, () => requireBuiltin('internal/blob')[name]);
