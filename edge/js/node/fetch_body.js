// The Fetch API's body, shared by Response and Request as Node 20's (undici 6's): a body made from a
// string, an ArrayBuffer or view, a Blob, URLSearchParams, FormData (multipart, with a boundary as
// undici draws it), a ReadableStream or an async iterable, with the Content-Type each implies; its
// consumers text(), json(), arrayBuffer(), blob(), bytes() and formData() (urlencoded and multipart
// bodies parsed), a body read once (undici's "Body is unusable" error after), and a body's tee for
// clone(). Written for this layer; put into a function whose sources name Response or Request
// (edge/js/build.py's ON_DEMAND, with the web streams, Blob, FormData and Headers).
defineBuiltin('internal/fetch_body', function (exports, require, module, internal) {
  const { ReadableStream } = require('stream/web');
  const { Blob, File } = require('internal/blob');
  const { FormData } = require('internal/formdata');
  const { TextEncoder, TextDecoder } = require('internal/encoding');
  const encoder = new TextEncoder();
  const utf8 = (text) => encoder.encode(text);
  const decode = (bytes) => new TextDecoder().decode(bytes); // strips a BOM, replaces bad sequences

  // stream/web keeps a stream's state under a symbol of its own; Node's bodyUsed is the stream's
  // "disturbed" flag (read from or canceled), which only that state holds
  let stateKey = null;
  function isDisturbed(stream) {
    if (stateKey === null) {
      stateKey = Object.getOwnPropertySymbols(stream).find((key) => key.description === 'kState') || false;
    }
    return stateKey ? Boolean(stream[stateKey].disturbed) : false;
  }

  // A byte stream giving `bytes` as its one chunk (none when empty), as undici makes one for a
  // string, buffer or FormData body
  function streamOf(bytes) {
    return new ReadableStream({
      type: 'bytes',
      pull(controller) {
        if (bytes.byteLength > 0) controller.enqueue(bytes);
        controller.close();
      },
    });
  }

  // undici's multipart/form-data writing: names and filenames escaped, string values' line ends
  // made CRLF, a File's type (or application/octet-stream) given
  const escapeName = (text) => text.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
  const crlf = (text) => text.replace(/\r?\n|\r/g, '\r\n');
  function multipart(formData) {
    const boundary = `----formdata-undici-0${`${Math.floor(Math.random() * 1e11)}`.padStart(11, '0')}`;
    const parts = [];
    for (const [name, value] of formData) {
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(crlf(name))}"`;
      if (typeof value === 'string') {
        parts.push(utf8(`${head}\r\n\r\n${crlf(value)}\r\n`));
      } else {
        parts.push(utf8(`${head}; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`));
        parts.push(value, utf8('\r\n'));
      }
    }
    parts.push(utf8(`--${boundary}--\r\n`));
    return { blob: new Blob(parts), type: `multipart/form-data; boundary=${boundary}` };
  }

  // undici's extractBody: { stream, source, length } and the Content-Type the object implies (or null)
  function extractBody(object) {
    if (typeof object === 'string') return { body: fixed(utf8(object)), type: 'text/plain;charset=UTF-8' };
    if (object instanceof URLSearchParams) {
      return { body: fixed(utf8(object.toString())), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
    }
    if (object instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && object instanceof SharedArrayBuffer)) {
      return { body: fixed(new Uint8Array(object.slice(0))), type: null };
    }
    if (ArrayBuffer.isView(object)) {
      return { body: fixed(new Uint8Array(object.buffer.slice(object.byteOffset, object.byteOffset + object.byteLength))), type: null };
    }
    if (object instanceof FormData) {
      const { blob, type } = multipart(object);
      return { body: { stream: blob.stream(), source: object, length: blob.size }, type };
    }
    if (object instanceof Blob) {
      return { body: { stream: object.stream(), source: object, length: object.size }, type: object.type || null };
    }
    if (object instanceof ReadableStream) {
      if (object.locked || isDisturbed(object)) throw new TypeError('Response body object should not be disturbed or locked');
      return { body: { stream: object, source: null, length: null }, type: null };
    }
    if (object !== null && typeof object === 'object' && typeof object[Symbol.asyncIterator] === 'function') {
      return { body: { stream: ReadableStream.from(bytesFrom(object)), source: null, length: null }, type: null };
    }
    return extractBody(`${object}`);
  }
  // An async iterable's chunks as undici reads them: strings as UTF-8, bytes as they are, anything
  // else through Buffer.from (whose TypeError a number gets)
  async function* bytesFrom(iterable) {
    for await (const chunk of iterable) {
      if (typeof chunk === 'string') yield new TextEncoder().encode(chunk);
      else if (chunk instanceof Uint8Array) yield chunk;
      else yield require('buffer').Buffer.from(chunk);
    }
  }
  const fixed = (bytes) => ({ stream: streamOf(bytes), source: bytes, length: bytes.byteLength });

  const unusable = (body) => body !== null && (body.stream.locked || isDisturbed(body.stream));

  async function readAll(stream) {
    const reader = stream.getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError('Received non-Uint8Array chunk');
      chunks.push(value);
      total += value.byteLength;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes;
  }

  // A Content-Type's MIME type serialized as the MIME Sniffing standard does (type and parameter
  // names lower-cased, no spaces), or '' when it does not parse
  function parseMimeType(text) {
    const [essence, ...params] = `${text}`.split(';');
    const match = /^[\t\n\r ]*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\/([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[\t\n\r ]*$/.exec(essence);
    if (match === null) return null;
    const parameters = new Map();
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      const name = param.slice(0, eq).replace(/^[\t\n\r ]+/, '').toLowerCase();
      let value = param.slice(eq + 1).replace(/[\t\n\r ]+$/, '');
      if (value.startsWith('"')) value = value.slice(1).replace(/"[^]*$/, '').replace(/\\(.)/g, '$1');
      if (name && !parameters.has(name)) parameters.set(name, value);
    }
    return { essence: `${match[1]}/${match[2]}`.toLowerCase(), parameters };
  }
  function serializeMimeType(mime) {
    let text = mime.essence;
    for (const [name, value] of mime.parameters) {
      text += `;${name}=${/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`}`;
    }
    return text;
  }
  function mimeTypeOf(headers) {
    const value = headers.get('content-type');
    return value === null ? null : parseMimeType(value);
  }

  // multipart/form-data read back: each part's name, filename and Content-Type, as undici 6 parses them
  const malformed = () => new TypeError('Failed to parse body as FormData.');
  function indexOf(bytes, needle, from) {
    outer: for (let i = from; i <= bytes.length - needle.length; i++) {
      for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }
  function parseMultipart(bytes, boundary) {
    const form = new FormData();
    const delimiter = utf8(`--${boundary}`);
    let at = indexOf(bytes, delimiter, 0);
    if (at !== 0) throw malformed();
    at += delimiter.length;
    for (;;) {
      if (bytes[at] === 0x2d && bytes[at + 1] === 0x2d) return form; // the closing delimiter
      if (bytes[at] !== 0x0d || bytes[at + 1] !== 0x0a) throw malformed();
      at += 2;
      const headEnd = indexOf(bytes, utf8('\r\n\r\n'), at);
      if (headEnd === -1) throw malformed();
      let name = null;
      let filename = null;
      let type = null;
      for (const line of new TextDecoder('latin1').decode(bytes.subarray(at, headEnd)).split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon === -1) continue;
        const field = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (field === 'content-disposition') {
          const nameMatch = /(?:^|;)\s*name="([^"]*)"/i.exec(value);
          const fileMatch = /;\s*filename="([^"]*)"/i.exec(value);
          if (nameMatch) name = decode(Uint8Array.from(nameMatch[1], (c) => c.charCodeAt(0)));
          if (fileMatch) filename = decode(Uint8Array.from(fileMatch[1], (c) => c.charCodeAt(0)));
        } else if (field === 'content-type') {
          type = value;
        }
      }
      if (name === null) throw malformed();
      const bodyStart = headEnd + 4;
      const bodyEnd = indexOf(bytes, utf8(`\r\n--${boundary}`), bodyStart);
      if (bodyEnd === -1) throw malformed();
      const content = bytes.slice(bodyStart, bodyEnd);
      if (filename !== null) form.append(name, new File([content], filename, { type: type || '' }));
      else form.append(name, decode(content));
      at = bodyEnd + 2 + delimiter.length;
    }
  }

  function toFormData(bytes, headers) {
    const mime = mimeTypeOf(headers);
    if (mime !== null && mime.essence === 'multipart/form-data') {
      const boundary = mime.parameters.get('boundary');
      if (boundary === undefined) throw malformed();
      return parseMultipart(bytes, boundary);
    }
    if (mime !== null && mime.essence === 'application/x-www-form-urlencoded') {
      const form = new FormData();
      for (const [name, value] of new URLSearchParams(decode(bytes))) form.append(name, value);
      return form;
    }
    throw new TypeError('Content-Type was not one of "multipart/form-data" or "application/x-www-form-urlencoded".');
  }

  // The body methods, on Response.prototype and Request.prototype: `state(this)` gives the object's
  // { body, headers } (and throws Illegal invocation for another object)
  function bodyMixin(prototype, state) {
    const consume = async (self, convert) => {
      const { body, headers } = state(self);
      if (unusable(body)) throw new TypeError('Body is unusable: Body has already been read');
      const bytes = body === null ? new Uint8Array(0) : await readAll(body.stream);
      return convert(bytes, headers);
    };
    const methods = {
      blob() {
        return consume(this, (bytes, headers) => {
          const mime = mimeTypeOf(headers);
          return new Blob([bytes], { type: mime === null ? '' : serializeMimeType(mime) });
        });
      },
      arrayBuffer() { return consume(this, (bytes) => bytes.buffer); },
      text() { return consume(this, decode); },
      json() { return consume(this, (bytes) => JSON.parse(decode(bytes))); },
      formData() { return consume(this, toFormData); },
      bytes() { return consume(this, (bytes) => bytes); },
    };
    for (const [name, fn] of Object.entries(methods)) {
      Object.defineProperty(prototype, name, { value: fn, writable: true, enumerable: true, configurable: true });
    }
  }

  // clone()'s body: the stream teed, one branch kept by the original
  function cloneBody(body) {
    const [kept, given] = body.stream.tee();
    body.stream = kept;
    return { stream: given, source: body.source, length: body.length };
  }

  Object.assign(exports, { extractBody, unusable, isDisturbed, bodyMixin, cloneBody, parseMimeType });
});
