// http.IncomingMessage and http.ServerResponse in memory (Node 20's lib/_http_incoming.js and the
// response half of lib/_http_server.js, rewritten). There is no server to parse a request off a
// socket: adapters that run an express or koa app inside a function (serverless-express,
// serverless-http) make both themselves: `new IncomingMessage(socketLike)` filled with the event's
// method, url and headers (often through _addHeaderLines), its body pushed by their own _read, and
// `new ServerResponse(req)` with an in-memory socket (assignSocket) whose write() collects the head
// and the body. http.Server is here too, in memory: made as Node makes it, it never listens (below).
// Put into a function with http.js (edge/js/build.py).
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

  // http.Server (and what https.Server is made of): Node 20's lib/_http_server.js and lib/net.js's
  // Server, in memory. Made, it holds its options and its 'request' listener; emitting 'request' with
  // a request and a response (what serverless-http does with a server) runs the app. listen() fails as
  // a listen does in Node: its arguments checked as Node checks them (thrown), then an 'error' emitted
  // on the next tick (what Node does for EACCES or EADDRINUSE), here ERR_FEATURE_UNAVAILABLE_ON_PLATFORM.
  // Asynchronous rather than thrown so that code written for Node's failure (an 'error' listener added
  // after listen(), a port tried again) gets it where it looks; with no listener it is an uncaught
  // exception, which fails the build (listen() at the top level) or the invocation, saying why.
  const NO_SERVER = 'they cannot listen for connections (a function answers the event it is invoked with; ' +
    'to run an express or koa app in one, use an adapter such as @codegenie/serverless-express or serverless-http)';
  const kIncomingMessage = Symbol('IncomingMessage');
  const kServerResponse = Symbol('ServerResponse');
  const kUniqueHeaders = Symbol('kUniqueHeaders');
  const kEmptyObject = Object.freeze(Object.create(null));
  const kRejection = Symbol.for('nodejs.rejection');
  const MAX_SAFE = Number.MAX_SAFE_INTEGER;
  const EventEmitter = require('events');

  // Node's validators and error messages (lib/internal/validators.js, lib/internal/errors.js)
  const inspect = (value) => require('util').inspect(value);
  function outOfRange(name, range, value) {
    const received = Number.isInteger(value) && Math.abs(value) > 2 ** 32
      ? String(value).replace(/(\d)(?=(\d{3})+$)/g, '$1_') : inspect(value);
    return internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${received}`);
  }
  function argValue(name, value, reason = 'is invalid') {
    let shown = inspect(value);
    if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
    return internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
      `The ${name.includes('.') ? 'property' : 'argument'} '${name}' ${reason}. Received ${shown}`);
  }
  function validateObject(value, name) {
    if (value === null || Array.isArray(value) || typeof value !== 'object') throw internal.argType(name, 'of type object', value);
  }
  function validateInteger(value, name) {
    if (typeof value !== 'number') throw internal.argType(name, 'of type number', value);
    if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
    if (value < 0 || value > MAX_SAFE) throw outOfRange(name, `>= 0 && <= ${MAX_SAFE}`, value);
  }
  function validateType(value, name, type) {
    if (typeof value !== type) throw internal.argType(name, `of type ${type}`, value);
  }
  function validatePort(port, name) {
    if ((typeof port !== 'number' && typeof port !== 'string') || (typeof port === 'string' && port.trim().length === 0) ||
        +port !== (+port >>> 0) || port > 0xFFFF) {
      const received = internal.argType('x', 'y', port).message.slice('The "x" argument must be y. Received '.length);
      throw internal.codeError(RangeError, 'ERR_SOCKET_BAD_PORT', `${name} should be >= 0 and < 65536. Received ${received}.`);
    }
  }

  // What lib/net.js's Server holds, with no handle: it never listens, so it never has connections.
  function NetServer(options, connectionListener) {
    EventEmitter.call(this);
    options = { ...options };
    if (typeof connectionListener === 'function') this.on('connection', connectionListener);
    if (options.keepAliveInitialDelay !== undefined) {
      validateType(options.keepAliveInitialDelay, 'options.keepAliveInitialDelay', 'number');
      if (options.keepAliveInitialDelay < 0) options.keepAliveInitialDelay = 0;
    }
    if (options.highWaterMark !== undefined) {
      validateType(options.highWaterMark, 'options.highWaterMark', 'number');
      if (options.highWaterMark < 0) options.highWaterMark = 16384;
    }
    this._connections = 0;
    this._handle = null;
    this._usingWorkers = false;
    this._workers = [];
    this._unref = false;
    this._listeningId = 1;
    this.allowHalfOpen = options.allowHalfOpen || false;
    this.pauseOnConnect = !!options.pauseOnConnect;
    this.noDelay = Boolean(options.noDelay);
    this.keepAlive = Boolean(options.keepAlive);
    this.keepAliveInitialDelay = ~~(options.keepAliveInitialDelay / 1000);
    this.highWaterMark = options.highWaterMark ?? 16384;
  }
  Object.setPrototypeOf(NetServer.prototype, EventEmitter.prototype);
  Object.setPrototypeOf(NetServer, EventEmitter);
  Object.defineProperty(NetServer, 'name', { value: 'Server' });
  const toNumber = (x) => ((x = Number(x)) >= 0 ? x : false);
  const isPipeName = (s) => typeof s === 'string' && toNumber(s) === false;
  function refuseListen(server) {
    const err = internal.unavailable(`${server instanceof Server ? 'http' : 'https'}.Server.listen()`, NO_SERVER);
    nextTick(() => server.emit('error', err));
    return server;
  }
  function emitCloseNT(server) { server.emit('close'); }
  Object.assign(NetServer.prototype, {
    // Node's listen(): the arguments normalized and checked, then where Node would bind, the refusal
    listen(...args) {
      let options = {};
      const arg0 = args[0];
      if (typeof arg0 === 'object' && arg0 !== null) {
        options = arg0;
      } else if (isPipeName(arg0)) {
        options.path = arg0;
      } else if (args.length) {
        options.port = arg0;
        if (args.length > 1 && typeof args[1] === 'string') options.host = args[1];
      }
      const cb = typeof args[args.length - 1] === 'function' ? args[args.length - 1] : null;
      if (cb !== null) this.once('listening', cb);
      options = options._handle || options.handle || options;
      this._listeningId++;
      if (options.signal !== undefined) {
        const { signal } = options;
        if (signal === null || typeof signal !== 'object' || !('aborted' in signal)) {
          throw internal.argType('options.signal', 'an instance of AbortSignal', signal);
        }
        const onAborted = () => this.close();
        if (signal.aborted) nextTick(onAborted);
        else {
          signal.addEventListener('abort', onAborted, { once: true });
          this.once('close', () => signal.removeEventListener('abort', onAborted));
        }
      }
      if (typeof options.fd === 'number' && options.fd >= 0) return refuseListen(this);
      if (args.length === 0 || typeof args[0] === 'function' || (typeof options.port === 'undefined' && 'port' in options) ||
          options.port === null) {
        options.port = 0;
      }
      if (typeof options.port === 'number' || typeof options.port === 'string') {
        validatePort(options.port, 'options.port');
        return refuseListen(this);
      }
      if (options.path && isPipeName(options.path)) {
        if (options.path[0] === '\0' && (options.readableAll || options.writableAll)) {
          throw argValue('options', options, 'can not set readableAll or writableAllt to true when path is abstract unix socket');
        }
        this._pipeName = options.path; // as in Node, address() gives the path from here on
        return refuseListen(this);
      }
      if (!('port' in options || 'path' in options)) throw argValue('options', options, 'must have the property "port" or "path"');
      throw argValue('options', options);
    },
    address() { return this._pipeName || null; },
    getConnections(cb) {
      nextTick(cb, null, this._connections);
      return this;
    },
    // Closing a server that is not listening: 'close' on the next tick, and `cb` told it was not running
    close(cb) {
      this._listeningId++;
      if (typeof cb === 'function') {
        this.once('close', function close() {
          cb(internal.codeError(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.'));
        });
      }
      this._emitCloseIfDrained();
      return this;
    },
    _emitCloseIfDrained() {
      if (this._handle || this._connections) return;
      nextTick(emitCloseNT, this);
    },
    ref() {
      this._unref = false;
      return this;
    },
    unref() {
      this._unref = true;
      return this;
    },
    [kRejection](err, event, sock) {
      if (event === 'connection') sock.destroy(err);
      else this.emit('error', err);
    },
  });
  Object.defineProperty(NetServer.prototype, 'listening', { get() { return !!this._handle; }, enumerable: true, configurable: true });
  const asyncDispose = typeof Symbol.asyncDispose === 'symbol' ? Symbol.asyncDispose : null;
  if (asyncDispose) NetServer.prototype[asyncDispose] = async function () {}; // never listening: nothing to close

  // Node's storeHTTPOptions: the options an http or https server checks and keeps
  function storeHTTPOptions(options) {
    this[kIncomingMessage] = options.IncomingMessage || IncomingMessage;
    this[kServerResponse] = options.ServerResponse || ServerResponse;
    const { maxHeaderSize, insecureHTTPParser, headersTimeout } = options;
    if (maxHeaderSize !== undefined) validateInteger(maxHeaderSize, 'maxHeaderSize');
    this.maxHeaderSize = maxHeaderSize;
    if (insecureHTTPParser !== undefined) validateType(insecureHTTPParser, 'options.insecureHTTPParser', 'boolean');
    this.insecureHTTPParser = insecureHTTPParser;
    this.requestTimeout = integerOption(options, 'requestTimeout', 300000);
    this.headersTimeout = integerOption(options, 'headersTimeout', Math.min(60000, this.requestTimeout));
    if (this.requestTimeout > 0 && this.headersTimeout > 0 && this.headersTimeout > this.requestTimeout) {
      throw outOfRange('headersTimeout', '<= requestTimeout', headersTimeout);
    }
    this.keepAliveTimeout = integerOption(options, 'keepAliveTimeout', 5000);
    this.connectionsCheckingInterval = integerOption(options, 'connectionsCheckingInterval', 30000);
    this.requireHostHeader = booleanOption(options, 'requireHostHeader', true);
    this.joinDuplicateHeaders = booleanOption(options, 'joinDuplicateHeaders', undefined);
    this.rejectNonStandardBodyWrites = booleanOption(options, 'rejectNonStandardBodyWrites', false);
  }
  function integerOption(options, name, otherwise) {
    if (options[name] === undefined) return otherwise;
    validateInteger(options[name], name);
    return options[name];
  }
  function booleanOption(options, name, otherwise) {
    if (options[name] === undefined) return otherwise;
    validateType(options[name], `options.${name}`, 'boolean');
    return options[name];
  }

  // A connection would be parsed into requests here; none arrives (emitting 'connection' says why)
  function connectionListener() { throw internal.unavailable('http._connectionListener()', NO_SERVER); }
  function setupConnectionsTracking() {} // on 'listening': connections to watch, of which there are none

  // http.Server([options][, requestListener])
  function Server(options, requestListener) {
    if (!(this instanceof Server)) return new Server(options, requestListener);
    if (typeof options === 'function') {
      requestListener = options;
      options = kEmptyObject;
    } else if (options === null || options === undefined) {
      options = kEmptyObject;
    } else {
      validateObject(options, 'options');
    }
    storeHTTPOptions.call(this, options);
    NetServer.call(this, { allowHalfOpen: true, noDelay: options.noDelay ?? true, keepAlive: options.keepAlive,
      keepAliveInitialDelay: options.keepAliveInitialDelay, highWaterMark: options.highWaterMark });
    if (requestListener) this.on('request', requestListener);
    this.httpAllowHalfOpen = false;
    this.on('connection', connectionListener);
    this.on('listening', setupConnectionsTracking);
    this.timeout = 0;
    this.maxHeadersCount = null;
    this.maxRequestsPerSocket = 0;
    this[kUniqueHeaders] = parseUniqueHeadersOption(options.uniqueHeaders);
  }
  function parseUniqueHeadersOption(headers) { // Node's, whose TypeError names headers[i]
    if (!Array.isArray(headers)) return null;
    const unique = new Set();
    for (let i = 0; i < headers.length; i++) unique.add(headers[i].toLowerCase());
    return unique;
  }
  Object.setPrototypeOf(Server.prototype, NetServer.prototype);
  Object.setPrototypeOf(Server, NetServer);
  // What http.Server and https.Server share (Node's httpServerPreClose, then net's close)
  const serverMethods = {
    close() {
      this.closeIdleConnections();
      NetServer.prototype.close.apply(this, arguments);
      return this;
    },
    closeAllConnections() {}, // no connections to close
    closeIdleConnections() {},
    setTimeout(msecs, callback) {
      this.timeout = msecs;
      if (callback) this.on('timeout', callback);
      return this;
    },
  };
  const disposeByClosing = async function () {
    return new Promise((resolve, reject) => this.close((err) => (err ? reject(err) : resolve())));
  };
  Object.assign(Server.prototype, serverMethods);
  if (asyncDispose) Server.prototype[asyncDispose] = disposeByClosing;
  // captureRejections: a 'request' listener's rejected promise answers 500 (if it still can), as in Node
  Server.prototype[kRejection] = function (err, event, ...args) {
    if (event !== 'request') {
      NetServer.prototype[kRejection].apply(this, arguments);
      return;
    }
    const res = args[1];
    if (!res.headersSent && !res.writableEnded) {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.statusCode = 500;
      res.end(require('http').STATUS_CODES[500]);
    } else {
      res.destroy();
    }
  };

  Object.assign(exports, { IncomingMessage, ServerResponse, Server, NetServer, storeHTTPOptions, connectionListener,
    setupConnectionsTracking, serverMethods, disposeByClosing, kEmptyObject, validateObject, validateType, NO_SERVER });
});
