// http.OutgoingMessage: what ServerResponse and ClientRequest share (Node 20's lib/_http_outgoing.js,
// rewritten). Headers are kept by their lower-case name as [name as given, value]; the first write,
// end() or flushHeaders() renders them (with the status or request line) into `_header`, the text a
// socket would be sent first. With no socket everything written waits in `outputData`; with one
// (assignSocket: the in-memory sockets of serverless-express and serverless-http), the head and the
// body go to socket.write as Node sends them (the head joined to a string first chunk, else
// written before it), and 'finish' comes from the last write's callback, as in Node. Adapters read
// these internals (_header, _headerSent, outputData, chunkedEncoding, useChunkedEncodingByDefault),
// so they keep Node's names. Put into a function with http.js (edge/js/build.py).
defineBuiltin('internal/http_outgoing', function (exports, require, module, internal) {
  const { Stream } = require('stream');
  const { Buffer } = require('buffer');
  const { nextTick } = require('process');
  const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/; // RFC 9110's token
  const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
  const CLOSE = /(?:^|\W)close(?:$|\W)/i;
  const CHUNKED = /(?:^|\W)chunked(?:$|\W)/i;
  const HIGH_WATER_MARK = 16 * 1024;
  const kOutHeaders = Symbol('kOutHeaders');
  const kCorked = Symbol('corked');
  const kHighWaterMark = Symbol('kHighWaterMark');
  const kBytesWritten = Symbol('kBytesWritten');
  const kNeedDrain = Symbol('kNeedDrain');
  const kErrored = Symbol('kErrored');
  const CRLF = Buffer.from('\r\n');
  const nop = () => {};

  const codeError = (Ctor, code, message) => internal.codeError(Ctor, code, message);
  const errors = {
    headersSent: (what) => codeError(Error, 'ERR_HTTP_HEADERS_SENT', `Cannot ${what} headers after they are sent to the client`),
    token: (what, name) => codeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `${what} must be a valid HTTP token ["${name}"]`),
    headerValue: (value, name) => codeError(TypeError, 'ERR_HTTP_INVALID_HEADER_VALUE', `Invalid value "${value}" for header "${name}"`),
    invalidChar: (what, name) => codeError(TypeError, 'ERR_INVALID_CHAR',
      name === undefined ? `Invalid character in ${what}` : `Invalid character in ${what} ["${name}"]`),
    argValue: (name, value) => codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
      `The argument '${name}' is invalid. Received ${internal.inspect(value)}`),
    writeAfterEnd: () => codeError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end'),
    destroyed: (what) => codeError(Error, 'ERR_STREAM_DESTROYED', `Cannot call ${what} after a stream was destroyed`),
    alreadyFinished: (what) => codeError(Error, 'ERR_STREAM_ALREADY_FINISHED', `Cannot call ${what} after a stream was finished`),
    lengthMismatch: (written, expected) => codeError(Error, 'ERR_HTTP_CONTENT_LENGTH_MISMATCH',
      `Response body's content-length of ${written} byte(s) does not match the content-length of ${expected} byte(s) set in header`),
  };

  function validateHeaderName(name, label = 'Header name') {
    if (typeof name !== 'string' || !name || !TOKEN.test(name)) throw errors.token(label, name);
  }
  function validateHeaderValue(name, value) {
    if (value === undefined) throw errors.headerValue(value, name);
    if (INVALID_HEADER_CHAR.test(String(value))) throw errors.invalidChar('header content', name);
  }
  const validateString = (value, name) => {
    if (typeof value !== 'string') throw internal.argType(name, 'of type string', value);
  };
  const byteLength = (chunk, encoding) => (typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.byteLength);

  // The Date header's text, made again at most once a second
  let dateText = null;
  let dateSecond = -1;
  function utcDate() {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== dateSecond) {
      dateSecond = second;
      dateText = new Date(now).toUTCString();
    }
    return dateText;
  }

  function OutgoingMessage(options) {
    Stream.call(this);
    this.outputData = [];
    this.outputSize = 0;
    this.writable = true;
    this.destroyed = false;
    this._last = false;
    this.chunkedEncoding = false;
    this.shouldKeepAlive = true;
    this.maxRequestsOnConnectionReached = false;
    this._defaultKeepAlive = true;
    this.useChunkedEncodingByDefault = true;
    this.sendDate = false;
    this._removedConnection = false;
    this._removedContLen = false;
    this._removedTE = false;
    this.strictContentLength = false;
    this[kBytesWritten] = 0;
    this._contentLength = null;
    this._hasBody = true;
    this._trailer = '';
    this[kNeedDrain] = false;
    this.finished = false;
    this._headerSent = false;
    this[kCorked] = 0;
    this._closed = false;
    this.socket = null;
    this._header = null;
    this[kOutHeaders] = null;
    this._keepAliveTimeout = 0;
    this._onPendingData = nop;
    this[kErrored] = null;
    this[kHighWaterMark] = (options && options.highWaterMark) || HIGH_WATER_MARK;
  }
  Object.setPrototypeOf(OutgoingMessage.prototype, Stream.prototype);
  Object.setPrototypeOf(OutgoingMessage, Stream);

  const accessors = {
    errored() { return this[kErrored]; },
    closed() { return this._closed; },
    writableFinished() {
      return this.finished && this.outputSize === 0 && (!this.socket || this.socket.writableLength === 0);
    },
    writableObjectMode: () => false,
    writableLength() { return this.outputSize + (this.socket ? this.socket.writableLength : 0); },
    writableHighWaterMark() { return this.socket ? this.socket.writableHighWaterMark : this[kHighWaterMark]; },
    writableCorked() { return this.socket ? this.socket.writableCorked : this[kCorked]; },
    headersSent() { return Boolean(this._header); },
    writableEnded() { return this.finished; },
    writableNeedDrain() { return !this.destroyed && !this.finished && this[kNeedDrain]; },
  };
  for (const [name, get] of Object.entries(accessors)) {
    Object.defineProperty(OutgoingMessage.prototype, name, { get, configurable: true });
  }
  // Old names packages still use: the headers as an object (DEP0066), and `connection` for `socket`
  Object.defineProperties(OutgoingMessage.prototype, {
    _headers: {
      get() { return this.getHeaders(); },
      set(value) {
        if (value == null) {
          this[kOutHeaders] = null;
        } else if (typeof value === 'object') {
          const headers = this[kOutHeaders] = Object.create(null);
          for (const name of Object.keys(value)) headers[name.toLowerCase()] = [name, value[name]];
        }
      },
      configurable: true,
    },
    _headerNames: {
      get() {
        const headers = this[kOutHeaders];
        if (headers === null) return null;
        const out = Object.create(null);
        for (const key of Object.keys(headers)) out[key] = headers[key][0];
        return out;
      },
      set(value) {
        if (typeof value === 'object' && value !== null && this[kOutHeaders]) {
          for (const key of Object.keys(value)) {
            if (this[kOutHeaders][key]) this[kOutHeaders][key][0] = value[key];
          }
        }
      },
      configurable: true,
    },
    connection: {
      get() { return this.socket; },
      set(value) { this.socket = value; },
      configurable: true,
    },
  });

  Object.assign(OutgoingMessage.prototype, {
    _renderHeaders() {
      if (this._header) throw errors.headersSent('render');
      const out = {};
      const headers = this[kOutHeaders];
      if (headers !== null) for (const key of Object.keys(headers)) out[headers[key][0]] = headers[key][1];
      return out;
    },
    cork() {
      if (this.socket) this.socket.cork();
      else this[kCorked]++;
    },
    uncork() {
      if (this.socket) this.socket.uncork();
      else if (this[kCorked]) this[kCorked]--;
    },
    setTimeout(msecs, callback) {
      if (callback) this.on('timeout', callback);
      if (!this.socket) {
        this.once('socket', (socket) => { if (typeof socket.setTimeout === 'function') socket.setTimeout(msecs); });
      } else if (typeof this.socket.setTimeout === 'function') {
        this.socket.setTimeout(msecs);
      }
      return this;
    },
    destroy(error) {
      if (this.destroyed) return this;
      this.destroyed = true;
      this[kErrored] = error;
      if (this.socket) this.socket.destroy(error);
      else this.once('socket', (socket) => socket.destroy(error));
      return this;
    },

    setHeader(name, value) {
      if (this._header) throw errors.headersSent('set');
      validateHeaderName(name);
      validateHeaderValue(name, value);
      (this[kOutHeaders] || (this[kOutHeaders] = Object.create(null)))[name.toLowerCase()] = [name, value];
      return this;
    },
    setHeaders(headers) {
      if (this._header) throw errors.headersSent('set');
      if (!headers || Array.isArray(headers) || typeof headers.keys !== 'function' ||
          typeof headers.get !== 'function' || typeof headers[Symbol.iterator] !== 'function') {
        throw internal.argType('headers', 'an instance of Headers or Map', headers);
      }
      // Set-Cookie stays a list of its values, each header once
      const cookies = [];
      for (const [name, value] of headers) {
        if (name === 'set-cookie') {
          if (Array.isArray(value)) cookies.push(...value);
          else cookies.push(value);
          continue;
        }
        this.setHeader(name, value);
      }
      if (cookies.length) this.setHeader('set-cookie', cookies);
      return this;
    },
    appendHeader(name, value) {
      if (this._header) throw errors.headersSent('append');
      validateHeaderName(name);
      validateHeaderValue(name, value);
      const key = name.toLowerCase();
      const headers = this[kOutHeaders];
      if (headers === null || !headers[key]) return this.setHeader(name, value);
      if (!Array.isArray(headers[key][1])) headers[key][1] = [headers[key][1]];
      const values = headers[key][1];
      if (Array.isArray(value)) values.push(...value);
      else values.push(value);
      return this;
    },
    getHeader(name) {
      validateString(name, 'name');
      const headers = this[kOutHeaders];
      if (headers === null) return undefined;
      const entry = headers[name.toLowerCase()];
      return entry && entry[1];
    },
    getHeaderNames() { return this[kOutHeaders] !== null ? Object.keys(this[kOutHeaders]) : []; },
    getRawHeaderNames() {
      const headers = this[kOutHeaders];
      return headers === null ? [] : Object.keys(headers).map((key) => headers[key][0]);
    },
    getHeaders() {
      const headers = this[kOutHeaders];
      const out = Object.create(null);
      if (headers !== null) for (const key of Object.keys(headers)) out[key] = headers[key][1];
      return out;
    },
    hasHeader(name) {
      validateString(name, 'name');
      return this[kOutHeaders] !== null && Boolean(this[kOutHeaders][name.toLowerCase()]);
    },
    removeHeader(name) {
      validateString(name, 'name');
      if (this._header) throw errors.headersSent('remove');
      const key = name.toLowerCase();
      // a header Node would add itself is then left out
      if (key === 'connection') this._removedConnection = true;
      else if (key === 'content-length') this._removedContLen = true;
      else if (key === 'transfer-encoding') this._removedTE = true;
      else if (key === 'date') this.sendDate = false;
      if (this[kOutHeaders] !== null) delete this[kOutHeaders][key];
    },
    _implicitHeader() {
      throw codeError(Error, 'ERR_METHOD_NOT_IMPLEMENTED', 'The _implicitHeader() method is not implemented');
    },

    // The head: `firstLine`, then `headers` (this[kOutHeaders], an object, [name, value, ...] or
    // [[name, value], ...]), then what Node adds (Date, Connection, Content-Length or chunked).
    _storeHeader(firstLine, headers) {
      const state = { connection: false, contLen: false, te: false, date: false, expect: false, trailer: false, header: firstLine };
      if (headers) {
        if (headers === this[kOutHeaders]) {
          for (const key in headers) addHeader(this, state, headers[key][0], headers[key][1], false);
        } else if (Array.isArray(headers)) {
          if (headers.length && Array.isArray(headers[0])) {
            for (const entry of headers) addHeader(this, state, entry[0], entry[1], true);
          } else {
            if (headers.length % 2 !== 0) throw errors.argValue('headers', headers);
            for (let i = 0; i < headers.length; i += 2) addHeader(this, state, headers[i], headers[i + 1], true);
          }
        } else {
          for (const key of Object.keys(headers)) addHeader(this, state, key, headers[key], true);
        }
      }
      let { header } = state;
      if (this.sendDate && !state.date) header += `Date: ${utcDate()}\r\n`;
      if (this.chunkedEncoding && (this.statusCode === 204 || this.statusCode === 304)) {
        this.chunkedEncoding = false; // no body may follow those, so no chunks either
        this.shouldKeepAlive = false;
      }
      if (this._removedConnection) {
        this._last = !this.shouldKeepAlive;
      } else if (!state.connection) {
        const keepAlive = this.shouldKeepAlive && (state.contLen || this.useChunkedEncodingByDefault || this.agent);
        if (keepAlive && this.maxRequestsOnConnectionReached) {
          header += 'Connection: close\r\n';
        } else if (keepAlive) {
          header += 'Connection: keep-alive\r\n';
          if (this._keepAliveTimeout && this._defaultKeepAlive) {
            header += `Keep-Alive: timeout=${Math.floor(this._keepAliveTimeout / 1000)}\r\n`;
          }
        } else {
          this._last = true;
          header += 'Connection: close\r\n';
        }
      }
      if (!state.contLen && !state.te) {
        if (!this._hasBody) {
          this.chunkedEncoding = false;
        } else if (!this.useChunkedEncodingByDefault) {
          this._last = true;
        } else if (!state.trailer && !this._removedContLen && typeof this._contentLength === 'number') {
          header += `Content-Length: ${this._contentLength}\r\n`;
        } else if (!this._removedTE) {
          header += 'Transfer-Encoding: chunked\r\n';
          this.chunkedEncoding = true;
        } else {
          this._last = true;
        }
      }
      if (this.chunkedEncoding !== true && state.trailer) {
        throw codeError(TypeError, 'ERR_HTTP_TRAILER_INVALID', 'Trailers are invalid with this transfer encoding');
      }
      this._header = `${header}\r\n`;
      this._headerSent = false;
      if (state.expect) this._send('');
    },

    // Data for the connection: the head goes with the first of it
    _send(data, encoding, callback, size) {
      if (!this._headerSent && this._header !== null) {
        if (typeof data === 'string' && (encoding === 'utf8' || encoding === 'latin1' || !encoding)) {
          data = this._header + data;
        } else {
          this.outputData.unshift({ data: this._header, encoding: 'latin1', callback: null });
          this.outputSize += this._header.length;
          this._onPendingData(this._header.length);
        }
        this._headerSent = true;
      }
      return this._writeRaw(data, encoding, callback, size);
    },
    _writeRaw(data, encoding, callback) {
      const socket = this.socket;
      if (socket && socket.destroyed) return false;
      if (typeof encoding === 'function') {
        callback = encoding;
        encoding = null;
      }
      if (socket && socket._httpMessage === this && socket.writable) {
        if (this.outputData.length) this._flushOutput(socket);
        return socket.write(data, encoding, callback);
      }
      this.outputData.push({ data, encoding, callback });
      this.outputSize += data.length;
      this._onPendingData(data.length);
      return this.outputSize < this[kHighWaterMark];
    },
    _flushOutput(socket) {
      while (this[kCorked]) {
        this[kCorked]--;
        socket.cork();
      }
      const pending = this.outputData;
      if (pending.length <= 0) return undefined;
      socket.cork();
      let ret;
      for (const { data, encoding, callback } of pending) ret = socket.write(data, encoding, callback);
      socket.uncork();
      this.outputData = [];
      this._onPendingData(-this.outputSize);
      this.outputSize = 0;
      return ret;
    },
    _flush() {
      const socket = this.socket;
      if (socket && socket.writable) {
        const ret = this._flushOutput(socket);
        if (this.finished) {
          this._finish();
        } else if (ret && this[kNeedDrain]) {
          this[kNeedDrain] = false;
          this.emit('drain');
        }
      }
    },
    _finish() { this.emit('prefinish'); },

    write(chunk, encoding, callback) {
      if (typeof encoding === 'function') {
        callback = encoding;
        encoding = null;
      }
      const ret = write(this, chunk, encoding, callback, false);
      if (!ret) this[kNeedDrain] = true;
      return ret;
    },
    addTrailers(headers) {
      this._trailer = '';
      const entries = Array.isArray(headers) ? headers : Object.keys(headers).map((key) => [key, headers[key]]);
      for (const [name, value] of entries) {
        if (typeof name !== 'string' || !name || !TOKEN.test(name)) throw errors.token('Trailer name', name);
        if (INVALID_HEADER_CHAR.test(String(value))) throw errors.invalidChar('trailer content', name);
        this._trailer += `${name}: ${value}\r\n`;
      }
    },
    end(chunk, encoding, callback) {
      if (typeof chunk === 'function') {
        callback = chunk;
        chunk = null;
        encoding = null;
      } else if (typeof encoding === 'function') {
        callback = encoding;
        encoding = null;
      }
      if (chunk) {
        if (this.finished) {
          failWrite(this, errors.writeAfterEnd(), typeof callback === 'function' ? callback : nop);
          return this;
        }
        if (this.socket) this.socket.cork();
        write(this, chunk, encoding, null, true);
      } else if (this.finished) {
        if (typeof callback === 'function') {
          if (!this.writableFinished) this.on('finish', callback);
          else callback(errors.alreadyFinished('end'));
        }
        return this;
      } else if (!this._header) {
        if (this.socket) this.socket.cork();
        this._contentLength = 0;
        this._implicitHeader();
      }
      if (typeof callback === 'function') this.once('finish', callback);
      if (strictLength(this) && this[kBytesWritten] !== this._contentLength) {
        throw errors.lengthMismatch(this[kBytesWritten], this._contentLength);
      }
      const finish = () => {
        if (this.socket && this.socket._hadError) return;
        this.emit('finish');
      };
      if (this._hasBody && this.chunkedEncoding) {
        this._send(`0\r\n${this._trailer}\r\n`, 'latin1', finish);
      } else if (!this._headerSent || this.writableLength || chunk) {
        this._send('', 'latin1', finish);
      } else {
        nextTick(finish);
      }
      if (this.socket) {
        if (this.socket._writableState) this.socket._writableState.corked = 1; // fully uncorked below
        this.socket.uncork();
      }
      this[kCorked] = 0;
      this.finished = true;
      // everything is with the socket: the message is done
      if (this.outputData.length === 0 && this.socket && this.socket._httpMessage === this) this._finish();
      return this;
    },
    flushHeaders() {
      if (!this._header) this._implicitHeader();
      this._send('');
    },
    pipe() {
      this.emit('error', codeError(Error, 'ERR_STREAM_CANNOT_PIPE', 'Cannot pipe, not readable'));
    },
  });

  function addHeader(msg, state, name, value, validate) {
    if (validate) validateHeaderName(name);
    // several values are several lines, but a request's Cookie values are one line
    if (Array.isArray(value)) {
      if (value.length < 2 || name.toLowerCase() !== 'cookie') {
        for (const one of value) addHeaderLine(msg, state, name, one, validate);
        return;
      }
      value = value.join('; ');
    }
    addHeaderLine(msg, state, name, value, validate);
  }
  function addHeaderLine(msg, state, name, value, validate) {
    if (validate) validateHeaderValue(name, value);
    state.header += `${name}: ${value}\r\n`;
    // the headers that change what Node adds or how it sends the body
    switch (name.toLowerCase()) {
      case 'connection':
        state.connection = true;
        msg._removedConnection = false;
        if (CLOSE.test(value)) msg._last = true;
        else msg.shouldKeepAlive = true;
        break;
      case 'transfer-encoding':
        state.te = true;
        msg._removedTE = false;
        if (CHUNKED.test(value)) msg.chunkedEncoding = true;
        break;
      case 'content-length':
        state.contLen = true;
        msg._contentLength = +value;
        msg._removedContLen = false;
        break;
      case 'date': case 'expect': case 'trailer':
        state[name.toLowerCase()] = true;
        break;
      case 'keep-alive':
        msg._defaultKeepAlive = false;
        break;
      default:
    }
  }

  function strictLength(msg) {
    return msg.strictContentLength && msg._contentLength != null && msg._hasBody && !msg._removedContLen &&
      !msg.chunkedEncoding && !msg.hasHeader('transfer-encoding');
  }

  function failWrite(msg, err, callback) {
    if (msg.destroyed) return;
    nextTick(() => {
      callback(err);
      if (!msg.destroyed) msg.emit('error', err);
    });
  }

  function write(msg, chunk, encoding, callback, fromEnd) {
    if (typeof callback !== 'function') callback = nop;
    if (chunk === null) throw codeError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream');
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
      throw internal.argType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
    }
    let err = null;
    if (msg.finished) err = errors.writeAfterEnd();
    else if (msg.destroyed) err = errors.destroyed('write');
    if (err) {
      if (!msg.destroyed) failWrite(msg, err, callback);
      else nextTick(callback, err);
      return false;
    }
    let length;
    if (msg.strictContentLength) {
      length = byteLength(chunk, encoding);
      if (strictLength(msg) && (fromEnd ? msg[kBytesWritten] + length !== msg._contentLength
        : msg[kBytesWritten] + length > msg._contentLength)) {
        throw errors.lengthMismatch(length + msg[kBytesWritten], msg._contentLength);
      }
      msg[kBytesWritten] += length;
    }
    if (!msg._header) {
      if (fromEnd) msg._contentLength = length === undefined ? byteLength(chunk, encoding) : length;
      msg._implicitHeader();
    }
    if (!msg._hasBody) { // a HEAD request's response, a 204 or a 304: the body is dropped
      nextTick(callback);
      return true;
    }
    if (!fromEnd && msg.socket && !msg.socket.writableCorked) {
      msg.socket.cork();
      nextTick(() => { if (msg.socket) msg.socket.uncork(); });
    }
    if (msg.chunkedEncoding && chunk.length !== 0) {
      const size = length === undefined ? byteLength(chunk, encoding) : length;
      msg._send(size.toString(16), 'latin1', null);
      msg._send(CRLF, null, null);
      msg._send(chunk, encoding, null, size);
      return msg._send(CRLF, null, callback);
    }
    return msg._send(chunk, encoding, callback, length);
  }

  Object.assign(exports, { OutgoingMessage, validateHeaderName, validateHeaderValue, kOutHeaders, errors, TOKEN });
});
