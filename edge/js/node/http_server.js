// http.IncomingMessage and http.ServerResponse in memory (Node 20's lib/_http_incoming.js and the
// response half of lib/_http_server.js, rewritten). There is no server to parse a request off a
// socket: adapters that run an express or koa app inside a function (serverless-express,
// serverless-http) make both themselves: `new IncomingMessage(socketLike)` filled with the event's
// method, url and headers (often through _addHeaderLines), its body pushed by their own _read, and
// `new ServerResponse(req)` with an in-memory socket (assignSocket) whose write() collects the head
// and the body. Put into a function with http.js (edge/js/build.py).
defineBuiltin('internal/http_server', function (exports, require, module, internal) {
  const { Readable, finished } = require('stream');
  const { nextTick } = require('process');
  const { OutgoingMessage, kOutHeaders, errors } = require('internal/http_outgoing');
  const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
  // a Link value: <uri> then `; param` or `; param=value` (a quoted value has no spaces or quotes)
  const LINK = /^<[^>]*>(?:\s*;\s*[^;"\s]+(?:=(?:"[^;"\s]*"|[^;"\s]*))?)*$/;
  const kHeaders = Symbol('kHeaders');
  const kHeadersDistinct = Symbol('kHeadersDistinct');
  const kHeadersCount = Symbol('kHeadersCount');
  const kTrailers = Symbol('kTrailers');
  const kTrailersDistinct = Symbol('kTrailersDistinct');
  const kTrailersCount = Symbol('kTrailersCount');
  // Headers of which a message has one: a repeated one is dropped (unless joinDuplicateHeaders)
  const SINGLE = new Set(['host', 'content-type', 'content-length', 'user-agent', 'referer', 'authorization',
    'proxy-authorization', 'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards',
    'retry-after', 'etag', 'last-modified', 'server', 'age', 'expires']);

  function IncomingMessage(socket) {
    Readable.call(this, socket ? { highWaterMark: socket.readableHighWaterMark } : undefined);
    this._readableState.readingMore = true;
    this.socket = socket;
    this.httpVersionMajor = null;
    this.httpVersionMinor = null;
    this.httpVersion = null;
    this.complete = false;
    this[kHeaders] = null;
    this[kHeadersCount] = 0;
    this[kHeadersDistinct] = null;
    this.rawHeaders = [];
    this[kTrailers] = null;
    this[kTrailersCount] = 0;
    this[kTrailersDistinct] = null;
    this.rawTrailers = [];
    this.joinDuplicateHeaders = false;
    this.aborted = false;
    this.upgrade = null;
    this.url = '';
    this.method = null;
    this.statusCode = null;
    this.statusMessage = null;
    this.client = socket;
    this._consuming = false;
    this._dumped = false;
  }
  Object.setPrototypeOf(IncomingMessage.prototype, Readable.prototype);
  Object.setPrototypeOf(IncomingMessage, Readable);

  // headers, trailers and their Distinct forms are made from the raw lists when first read
  function fromRaw(slot, raw, count, add, prototype) {
    return {
      get() {
        if (!this[slot]) {
          const dest = this[slot] = Object.create(prototype);
          const list = this[raw];
          for (let i = 0; i < this[count]; i += 2) add.call(this, list[i], list[i + 1], dest);
        }
        return this[slot];
      },
      set(value) { this[slot] = value; },
      configurable: true,
    };
  }
  function addLine(field, value, dest) { this._addHeaderLine(field, value, dest); }
  Object.defineProperties(IncomingMessage.prototype, {
    connection: { get() { return this.socket; }, set(value) { this.socket = value; }, configurable: true },
    headers: fromRaw(kHeaders, 'rawHeaders', kHeadersCount, addLine, Object.prototype),
    headersDistinct: fromRaw(kHeadersDistinct, 'rawHeaders', kHeadersCount, addDistinct, null),
    trailers: fromRaw(kTrailers, 'rawTrailers', kTrailersCount, addLine, Object.prototype),
    trailersDistinct: fromRaw(kTrailersDistinct, 'rawTrailers', kTrailersCount, addDistinct, null),
  });
  function addDistinct(field, value, dest) {
    const key = field.toLowerCase();
    if (!dest[key]) dest[key] = [value];
    else dest[key].push(value);
  }

  Object.assign(IncomingMessage.prototype, {
    setTimeout(msecs, callback) {
      if (callback) this.on('timeout', callback);
      this.socket.setTimeout(msecs); // as in Node, a message made without a socket has none to time
      return this;
    },
    // No parser feeds this message: what its maker pushes is all it reads
    _read() {
      if (!this._consuming) {
        this._readableState.readingMore = false;
        this._consuming = true;
      }
      const socket = this.socket;
      if (socket && socket.readable && !socket._paused && typeof socket.resume === 'function') socket.resume();
    },
    _destroy(err, cb) {
      if (!this.readableEnded || !this.complete) {
        this.aborted = true;
        this.emit('aborted');
      }
      const done = (error) => nextTick(() => cb(this.listenerCount('error') ? error : undefined)); // as in Node: for listeners only
      if (this.socket && !this.socket.destroyed && this.aborted) {
        // the socket goes too; the message is destroyed once it is (its own error passed on)
        this.socket.destroy(err);
        const cleanup = finished(this.socket, (e) => {
          cleanup();
          done((e && e.code !== 'ERR_STREAM_PREMATURE_CLOSE' && e) || err);
        });
      } else {
        done(err);
      }
    },
    // Header lines [name, value, ...] (its first n): the headers, or the trailers once complete
    _addHeaderLines(headers, n) {
      if (!headers || !headers.length) return;
      let dest;
      if (this.complete) {
        this.rawTrailers = headers;
        this[kTrailersCount] = n;
        dest = this[kTrailers];
      } else {
        this.rawHeaders = headers;
        this[kHeadersCount] = n;
        dest = this[kHeaders];
      }
      if (dest) for (let i = 0; i < n; i += 2) this._addHeaderLine(headers[i], headers[i + 1], dest);
    },
    // Node's rules for a repeated header: Set-Cookie is a list, Cookie joined with '; ', the
    // single-valued ones keep their first value, any other is joined with ', ' (onto a string only)
    _addHeaderLine(field, value, dest) {
      const key = field.toLowerCase();
      if (key === 'set-cookie') {
        if (dest[key] !== undefined) dest[key].push(value);
        else dest[key] = [value];
      } else if (!SINGLE.has(key)) {
        if (typeof dest[key] === 'string') dest[key] += (key === 'cookie' ? '; ' : ', ') + value;
        else dest[key] = value;
      } else if (this.joinDuplicateHeaders && dest[key] !== undefined) {
        dest[key] += `, ${value}`;
      } else if (dest[key] === undefined) {
        dest[key] = value;
      }
    },
    _addHeaderLineDistinct: addDistinct,
    _dump() {
      if (!this._dumped) {
        this._dumped = true;
        this.removeAllListeners('data');
        this.resume();
      }
    },
  });

  function ServerResponse(req, options) {
    OutgoingMessage.call(this, options);
    if (req.method === 'HEAD') this._hasBody = false;
    this.req = req;
    this.sendDate = true;
    this._sent100 = false;
    this._expect_continue = false;
    if (req.httpVersionMajor < 1 || req.httpVersionMinor < 1) { // HTTP/1.0 has no chunks unless asked for
      this.useChunkedEncodingByDefault = /(?:^|\W)chunked(?:$|\W)/i.test(req.headers && req.headers.te);
      this.shouldKeepAlive = false;
    }
  }
  Object.setPrototypeOf(ServerResponse.prototype, OutgoingMessage.prototype);
  Object.setPrototypeOf(ServerResponse, OutgoingMessage);
  ServerResponse.prototype.statusCode = 200;
  ServerResponse.prototype.statusMessage = undefined;

  // the socket closing closes the response (once)
  function onSocketClose() {
    const res = this._httpMessage;
    if (res && !res._closed) {
      res.destroyed = true;
      res._closed = true;
      res.emit('close');
    }
  }

  Object.assign(ServerResponse.prototype, {
    _finish() { OutgoingMessage.prototype._finish.call(this); },
    assignSocket(socket) {
      if (socket._httpMessage) {
        throw internal.codeError(Error, 'ERR_HTTP_SOCKET_ASSIGNED', 'ServerResponse has an already assigned socket');
      }
      socket._httpMessage = this;
      socket.on('close', onSocketClose);
      this.socket = socket;
      this.emit('socket', socket);
      this._flush();
    },
    detachSocket(socket) {
      if (socket._httpMessage !== this) {
        throw internal.codeError(Error, 'ERR_INTERNAL_ASSERTION', 'This is caused by either a bug in Node.js or incorrect usage of Node.js internals.\nPlease open an issue with this stack trace at https://github.com/nodejs/node/issues\n');
      }
      socket.removeListener('close', onSocketClose);
      socket._httpMessage = null;
      this.socket = null;
    },
    writeContinue(callback) {
      this._writeRaw('HTTP/1.1 100 Continue\r\n\r\n', 'ascii', callback);
      this._sent100 = true;
    },
    writeProcessing(callback) {
      this._writeRaw('HTTP/1.1 102 Processing\r\n\r\n', 'ascii', callback);
    },
    // 103 Early Hints: the Link header (a string or a list of them), then the other hints
    writeEarlyHints(hints, callback) {
      if (!hints || typeof hints !== 'object' || Array.isArray(hints)) throw internal.argType('hints', 'of type object', hints);
      if (hints.link === null || hints.link === undefined) return;
      const links = Array.isArray(hints.link) ? hints.link : [hints.link];
      for (const link of links) {
        if (typeof link !== 'string' || !LINK.test(link)) {
          throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', 'The argument \'hints\' must be an array or string of format ' +
            `"</styles.css>; rel=preload; as=style". Received ${internal.inspect(link)}`);
        }
      }
      if (!links.length) return;
      let head = `HTTP/1.1 103 Early Hints\r\nLink: ${links.join(', ')}\r\n`;
      for (const key of Object.keys(hints)) if (key !== 'link') head += `${key}: ${hints[key]}\r\n`;
      this._writeRaw(`${head}\r\n`, 'ascii', callback);
    },
    _implicitHeader() { this.writeHead(this.statusCode); },
    // writeHead(status[, message][, headers]): headers an object, [name, value, ...] or [[name, value], ...]
    writeHead(statusCode, reason, obj) {
      if (this._header) throw errors.headersSent('write');
      const given = statusCode;
      statusCode |= 0;
      if (statusCode < 100 || statusCode > 999) {
        throw internal.codeError(RangeError, 'ERR_HTTP_INVALID_STATUS_CODE', `Invalid status code: ${internal.format('%s', given)}`);
      }
      if (typeof reason === 'string') {
        this.statusMessage = reason;
      } else {
        if (!this.statusMessage) this.statusMessage = require('http').STATUS_CODES[statusCode] || 'unknown';
        if (obj === undefined || obj === null) obj = reason;
      }
      this.statusCode = statusCode;
      let headers;
      if (this[kOutHeaders]) {
        // headers set before: the given ones are set over them
        if (Array.isArray(obj)) {
          if (obj.length % 2 !== 0) throw errors.argValue('headers', obj);
          for (let i = 0; i < obj.length; i += 2) if (obj[i]) this.setHeader(obj[i], obj[i + 1]);
        } else if (obj) {
          for (const key of Object.keys(obj)) if (key) this.setHeader(key, obj[key]);
        }
        headers = this[kOutHeaders];
      } else {
        headers = obj; // only written into the head: getHeaders() does not list them
      }
      if (INVALID_HEADER_CHAR.test(String(this.statusMessage))) throw errors.invalidChar('statusMessage');
      if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode <= 199)) this._hasBody = false;
      if (this._expect_continue && !this._sent100) this.shouldKeepAlive = false;
      this._storeHeader(`HTTP/1.1 ${statusCode} ${this.statusMessage}\r\n`, headers);
      return this;
    },
  });
  ServerResponse.prototype.writeHeader = ServerResponse.prototype.writeHead;

  Object.assign(exports, { IncomingMessage, ServerResponse });
});
