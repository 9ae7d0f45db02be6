// require('stream/consumers'): Node's text, json, buffer and arrayBuffer of a Node stream, a web
// ReadableStream (stream/web) or any async iterable, read to its end (lib/stream/consumers.js: strings
// taken as they are, bytes decoded as UTF-8 in streaming mode), and blob() (the build puts Blob into
// functions naming 'stream/consumers'). Put into a function whose sources name 'stream/consumers'
// (edge/js/build.py's ON_DEMAND).
defineBuiltin('stream/consumers', function (exports, require, module, internal) {
  const { Buffer } = require('buffer');
  const bytesOf = (chunk) => {
    if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
    if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
    if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    return Buffer.from(`${chunk}`, 'utf8'); // Blob's parts: anything else is its string
  };
  async function arrayBuffer(stream) {
    const chunks = [];
    let length = 0;
    for await (const chunk of stream) {
      const bytes = bytesOf(chunk);
      chunks.push(bytes);
      length += bytes.byteLength;
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const bytes of chunks) {
      out.set(bytes, at);
      at += bytes.byteLength;
    }
    return out.buffer;
  }
  async function blob(stream) {
    if (typeof globalThis.Blob !== 'function') {
      throw internal.unavailable('stream/consumers.blob()', 'there is no Blob (use buffer(), arrayBuffer() or text())');
    }
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return new globalThis.Blob(chunks);
  }
  async function buffer(stream) {
    return Buffer.from(await arrayBuffer(stream));
  }
  async function text(stream) {
    const dec = new TextDecoder();
    let str = '';
    for await (const chunk of stream) {
      if (typeof chunk === 'string') str += chunk;
      else str += dec.decode(chunk, { stream: true });
    }
    str += dec.decode(undefined, { stream: false });
    return str;
  }
  async function json(stream) {
    return JSON.parse(await text(stream));
  }
  module.exports = { arrayBuffer, blob, buffer, text, json };
});
