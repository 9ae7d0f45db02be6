// require('http') and require('https') load, so that packages which require them at the top level
// and reach the network only on some path (aws-jwt-verify's JWKS download, an SDK's client) can be
// used for the rest. The data Node's http has (METHODS, STATUS_CODES) is here. A request is Node's
// ClientRequest up to the connection: http.request / https.request / get / new ClientRequest check
// their arguments as Node 20's lib/_http_client.js does and throw its errors synchronously (a bad
// protocol ERR_INVALID_PROTOCOL, a bad header name or value ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR /
// ERR_HTTP_INVALID_HEADER_VALUE, a bad method, path, host, agent or timeout, an invalid URL), then
// return the request, which fails as Node's does when it cannot connect: 'error' (here
// ERR_FEATURE_UNAVAILABLE_ON_PLATFORM, saying edge functions cannot make network calls) and then
// 'close', emitted later (a macrotask after the request was made, as a DNS or connection failure
// comes in Node), so code that listens for 'error' after the call (aws-jwt-verify's fetch) gets it.
// destroy(err), abort() and an aborted `signal` end it as in Node ('error' with err, 'socket hang up'
// ECONNRESET or AbortError, then 'close'; abort() emits 'abort'). Headers (setHeader, getHeader, ...),
// write and end work as on a request not yet connected (http_outgoing.js); there is no 'socket' or
// 'response'. IncomingMessage and ServerResponse are Node's, in memory (http_server.js): what adapters
// running an express or koa app inside a function build. So is a server (http_server.js; https's here):
// createServer / new Server check their options as Node 20 does and return a server that never listens,
// whose 'request' listener an adapter can emit to (serverless-http given `http.createServer(app)`).
// Its listen() fails as a listen fails in Node, with an 'error' on the next tick (here
// ERR_FEATURE_UNAVAILABLE_ON_PLATFORM, saying why) rather than a throw: code written for Node handles a
// listen failure there, and with no 'error' listener it is still an uncaught exception that fails the
// build or the invocation, saying why. Put into a function, with http_outgoing.js, http_server.js and
// stream.js, when one of its sources names 'http' or 'https' (edge/js/build.py).
(function () {
  const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/; // Node's checkIsHttpToken
  const INVALID_PATH = /[^\u0021-\u00ff]/;
  const TIMEOUT_MAX = 2 ** 31 - 1;

  function networkModule(name, exports, internal, Base) {
    const refuse = (what) => function () { throw internal.unavailable(`${name}.${what}()`, internal.NO_NETWORK); };
    // Creating an agent opens nothing (packages make one at the top level); its requests fail.
    class Agent extends Base {
      constructor(options) {
        super();
        this.options = { path: null, ...options };
        this.defaultPort = name === 'https' ? 443 : 80;
        this.protocol = `${name}:`;
        this.keepAlive = Boolean(this.options.keepAlive);
        this.maxSockets = this.options.maxSockets || Infinity;
        this.requests = Object.create(null);
        this.sockets = Object.create(null);
        this.freeSockets = Object.create(null);
      }
      addRequest() {} // a request never reaches its agent here (ClientRequest fails it first)
      destroy() {}
    }
    Agent.prototype.createConnection = refuse('Agent.createConnection');
    return Agent;
  }

  defineBuiltin('http', function (exports, require, module, internal) {
    const EventEmitter = require('events');
    const { setImmediate } = require('timers');
    const Agent = networkModule('http', exports, internal, EventEmitter);
    const globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
    const { OutgoingMessage, validateHeaderName, validateHeaderValue, kOutHeaders } = require('internal/http_outgoing');
    const { IncomingMessage, ServerResponse, Server, connectionListener } = require('internal/http_server');
    const kError = Symbol('kError');
    const kConnecting = Symbol('kConnecting'); // the request would be connecting (Node: it has a socket)
    const kScheme = Symbol('kScheme'); // 'http' or 'https', and the function called, for the error
    const codeError = (Ctor, code, message) => internal.codeError(Ctor, code, message);
    function timerDuration(value, what) { // Node's getTimerDuration
      if (typeof value !== 'number') throw internal.argType(what, 'of type number', value);
      if (value < 0 || !Number.isFinite(value)) {
        throw codeError(RangeError, 'ERR_OUT_OF_RANGE',
          `The value of "${what}" is out of range. It must be a non-negative finite number. Received ${value}`);
      }
      return Math.min(value, TIMEOUT_MAX);
    }
    function connectionReset(message) {
      const err = new Error(message);
      err.code = 'ECONNRESET';
      return err;
    }
    class AbortError extends Error {
      constructor(message = 'The operation was aborted', options = undefined) {
        super(message, options);
        this.code = 'ABORT_ERR';
        this.name = 'AbortError';
      }
    }

    // Node 20's ClientRequest constructor, up to the connection (lib/_http_client.js).
    function ClientRequest(input, options, cb) {
      OutgoingMessage.call(this);
      if (typeof input === 'string') {
        input = require('url').urlToHttpOptions(new (require('url').URL)(input));
      } else if (input instanceof require('url').URL) {
        input = require('url').urlToHttpOptions(input);
      } else {
        cb = options;
        options = input;
        input = null;
      }
      if (typeof options === 'function') {
        cb = options;
        options = input || {};
      } else {
        options = Object.assign(input || {}, options);
      }
      let agent = options.agent;
      const defaultAgent = options._defaultAgent || globalAgent;
      if (agent === false) {
        agent = new defaultAgent.constructor();
      } else if (agent === null || agent === undefined) {
        if (typeof options.createConnection !== 'function') agent = defaultAgent;
      } else if (typeof agent.addRequest !== 'function') {
        throw internal.argType('options.agent', 'one of Agent-like Object, undefined, or false', agent);
      }
      this.agent = agent;
      const protocol = options.protocol || defaultAgent.protocol;
      const expectedProtocol = agent && agent.protocol ? agent.protocol : defaultAgent.protocol;
      if (options.path && INVALID_PATH.test(String(options.path))) {
        throw codeError(TypeError, 'ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters');
      }
      if (protocol !== expectedProtocol) {
        throw codeError(TypeError, 'ERR_INVALID_PROTOCOL', `Protocol "${protocol}" not supported. Expected "${expectedProtocol}"`);
      }
      const defaultPort = options.defaultPort || (agent && agent.defaultPort);
      const port = options.port || defaultPort || 80;
      const host = validateHost(options.hostname, 'hostname') || validateHost(options.host, 'host') || 'localhost';
      const setHost = options.setHost === undefined || Boolean(options.setHost);
      this.socketPath = options.socketPath;
      if (options.timeout !== undefined) this.timeout = timerDuration(options.timeout, 'timeout');
      const signal = options.signal;
      if (signal) {
        if (typeof signal !== 'object' || !('aborted' in signal)) throw internal.argType('signal', 'an instance of AbortSignal', signal);
        const onAbort = () => this.destroy(new AbortError(undefined, { cause: signal.reason }));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }
      let method = options.method;
      if (method !== null && method !== undefined && typeof method !== 'string') {
        throw internal.argType('options.method', 'of type string', method);
      }
      if (method) {
        if (!TOKEN.test(method)) throw codeError(TypeError, 'ERR_INVALID_HTTP_TOKEN', `Method must be a valid HTTP token ["${method}"]`);
        method = method.toUpperCase();
      } else {
        method = 'GET';
      }
      this.method = method;
      for (const flag of ['insecureHTTPParser', 'joinDuplicateHeaders']) {
        if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
          throw internal.argType(`options.${flag}`, 'of type boolean', options[flag]);
        }
        this[flag] = options[flag];
      }
      this.maxHeaderSize = options.maxHeaderSize;
      this.path = options.path || '/';
      if (cb) this.once('response', cb);
      this.useChunkedEncodingByDefault = !['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'].includes(method);
      this._ended = false;
      this.res = null;
      this.aborted = false;
      this.timeoutCb = null;
      this.upgradeOrConnect = false;
      this.parser = null;
      this.maxHeadersCount = null;
      this.reusedSocket = false;
      this.host = host;
      this.protocol = protocol;
      if (this.agent) { // a connection kept for another request only with an agent that keeps them
        this.shouldKeepAlive = Boolean(this.agent.keepAlive || Number.isFinite(this.agent.maxSockets));
        this._last = !this.shouldKeepAlive;
      }
      if (Array.isArray(options.headers)) { // written as they are: no Host, nothing to change later
        this._storeHeader(`${this.method} ${this.path} HTTP/1.1\r\n`, options.headers);
      } else {
        if (options.headers) {
          for (const key of Object.keys(options.headers)) this.setHeader(key, options.headers[key]);
        }
        if (host && !this.getHeader('host') && setHost) {
          let hostHeader = host;
          const colon = hostHeader.indexOf(':');
          if (colon !== -1 && hostHeader.includes(':', colon + 1) && hostHeader.charCodeAt(0) !== 91) hostHeader = `[${hostHeader}]`;
          if (port && +port !== defaultPort) hostHeader += `:${port}`;
          this.setHeader('Host', hostHeader);
        }
        if (options.auth && !this.getHeader('Authorization')) {
          this.setHeader('Authorization', `Basic ${require('buffer').Buffer.from(options.auth).toString('base64')}`);
        }
      }
      this[kScheme] = this[kScheme] || `${protocol.replace(/:$/, '')}.request`;
      // Node's agent gives the request its socket on the next tick, which (in a handler, code running in
      // a promise job) comes after the promise jobs: an immediate here, whose microtasks then run first too
      setImmediate(connect, this);
    }
    Object.setPrototypeOf(ClientRequest.prototype, OutgoingMessage.prototype);
    Object.setPrototypeOf(ClientRequest, OutgoingMessage);
    function validateHost(host, what) {
      if (host !== null && host !== undefined && typeof host !== 'string') {
        throw internal.argType(`options.${what}`, 'of type string or one of undefined or null', host);
      }
      return host;
    }
    // The connection: refused, reported as Node reports one that fails (a later turn of the loop)
    function connect(req) {
      if (req.destroyed) { ended(req, req[kError]); return; }
      req[kConnecting] = true;
      setImmediate(() => {
        if (req.destroyed) return; // destroy() ended it meanwhile
        req.destroyed = true;
        ended(req, internal.unavailable(`${req[kScheme]}()`, internal.NO_NETWORK));
      });
    }
    function ended(req, err) {
      if (!req.aborted && !err) err = connectionReset('socket hang up');
      if (err) req.emit('error', err);
      req._closed = true;
      req.emit('close');
    }
    Object.assign(ClientRequest.prototype, {
      abort() {
        if (this.aborted) return;
        this.aborted = true;
        setImmediate(() => this.emit('abort'));
        this.destroy();
      },
      destroy(err) {
        if (this.destroyed) return this;
        this.destroyed = true;
        this[kError] = err;
        if (this[kConnecting]) setImmediate(ended, this, err);
        return this;
      },
      setTimeout(msecs, callback) {
        if (this._ended) return this;
        timerDuration(msecs, 'msecs');
        if (callback) this.once('timeout', callback);
        return this;
      },
      setNoDelay() {}, setSocketKeepAlive() {}, clearTimeout(cb) { if (cb) this.removeListener('timeout', cb); },
      _implicitHeader() {
        if (this._header) throw codeError(Error, 'ERR_HTTP_HEADERS_SENT', 'Cannot render headers after they are sent to the client');
        this._storeHeader(`${this.method} ${this.path} HTTP/1.1\r\n`, this[kOutHeaders]);
      },
    });

    // a request made by `called` (http.request, https.get, ...), the name its error gives
    function construct(called, args) {
      const req = Object.create(ClientRequest.prototype);
      req[kScheme] = called;
      ClientRequest.apply(req, args);
      return req;
    }
    function request(url, options, cb) { return construct('http.request', [url, options, cb]); }
    function get(url, options, cb) {
      const req = construct('http.get', [url, options, cb]);
      req.end();
      return req;
    }
    internal.httpClient = { construct };
    Object.assign(exports, {
      Agent, globalAgent, ClientRequest, OutgoingMessage, IncomingMessage, ServerResponse, request, get, Server,
      createServer(options, requestListener) { return new Server(options, requestListener); },
      _connectionListener: connectionListener,
      validateHeaderName, validateHeaderValue,
      setMaxIdleHTTPParsers(max) { // there are no parsers to keep; the argument is checked as Node does
        if (typeof max !== 'number') throw internal.argType('max', 'of type number', max);
        if (!Number.isInteger(max) || max < 1 || max > Number.MAX_SAFE_INTEGER) {
          throw codeError(RangeError, 'ERR_OUT_OF_RANGE', Number.isInteger(max)
            ? `The value of "max" is out of range. It must be >= 1 && <= ${Number.MAX_SAFE_INTEGER}. Received ${max}`
            : `The value of "max" is out of range. It must be an integer. Received ${max}`);
        }
      },
    });
    exports.METHODS = ['ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK',
      'M-SEARCH', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST',
      'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE',
      'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE'];
    exports.STATUS_CODES = {
      100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
      200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
      205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
      300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
      305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
      400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
      405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
      409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large',
      414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed',
      418: "I'm a Teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked',
      424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
      429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
      500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
      504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates',
      507: 'Insufficient Storage', 508: 'Loop Detected', 509: 'Bandwidth Limit Exceeded', 510: 'Not Extended',
      511: 'Network Authentication Required',
    };
    exports.maxHeaderSize = 16384;
  });

  defineBuiltin('https', function (exports, require, module, internal) {
    const http = require('http');
    const { construct } = internal.httpClient;
    const Agent = networkModule('https', exports, internal, http.Agent);
    const globalAgent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
    // Node's https.request: a URL's options, then the options object, with https's agent by default
    function makeRequest(called, args) {
      let options = {};
      if (typeof args[0] === 'string') options = require('url').urlToHttpOptions(new (require('url').URL)(args.shift()));
      else if (args[0] instanceof require('url').URL) options = require('url').urlToHttpOptions(args.shift());
      if (args[0] && typeof args[0] !== 'function') Object.assign(options, args.shift());
      options._defaultAgent = globalAgent;
      return construct(called, [options, ...args]);
    }
    function request(...args) { return makeRequest('https.request', args); }
    function get(...args) {
      const req = makeRequest('https.get', args);
      req.end();
      return req;
    }

    // tls.Server's constructor (lib/_tls_wrap.js): its checks, and the TLS options kept as given (key,
    // cert, ca, ... are not parsed or checked as tls.createSecureContext would: there is no TLS for them
    // to configure, and no secure context, _sharedCreds, is made)
    const { Buffer } = require('buffer');
    const { NetServer, storeHTTPOptions, connectionListener, setupConnectionsTracking, serverMethods, disposeByClosing,
      kEmptyObject, validateObject, validateType, NO_SERVER } = require('internal/http_server');
    const kHandshakeTimeout = Symbol('handshake-timeout');
    const kSNICallback = Symbol('snicallback');
    const kPskCallback = Symbol('pskcallback');
    const kPskIdentityHint = Symbol('pskidentityhint');
    const kEnableTrace = Symbol('enableTrace');
    const kRejection = Symbol.for('nodejs.rejection');
    function tlsConnectionListener() { throw internal.unavailable('https.Server handling a connection', NO_SERVER); }
    function TlsServer(options, listener) {
      this._contexts = [];
      this.requestCert = options.requestCert === true;
      this.rejectUnauthorized = options.rejectUnauthorized !== false;
      this.ALPNCallback = options.ALPNCallback;
      if (this.ALPNCallback && options.ALPNProtocols) {
        throw internal.codeError(TypeError, 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS',
          'The ALPNCallback and ALPNProtocols TLS options are mutually exclusive');
      }
      if (options.sessionTimeout) this.sessionTimeout = options.sessionTimeout;
      if (options.ticketKeys) this.ticketKeys = options.ticketKeys;
      if (options.ALPNProtocols) convertALPNProtocols(options.ALPNProtocols, this);
      this.setSecureContext(options);
      this[kHandshakeTimeout] = options.handshakeTimeout || (120 * 1000);
      this[kSNICallback] = options.SNICallback;
      this[kPskCallback] = options.pskCallback;
      this[kPskIdentityHint] = options.pskIdentityHint;
      validateType(this[kHandshakeTimeout], 'options.handshakeTimeout', 'number');
      if (this[kSNICallback]) validateType(this[kSNICallback], 'options.SNICallback', 'function');
      if (this[kPskCallback]) validateType(this[kPskCallback], 'options.pskCallback', 'function');
      if (this[kPskIdentityHint]) validateType(this[kPskIdentityHint], 'options.pskIdentityHint', 'string');
      NetServer.call(this, options, tlsConnectionListener);
      if (listener) this.on('secureConnection', listener);
      this[kEnableTrace] = options.enableTrace;
    }
    Object.setPrototypeOf(TlsServer.prototype, NetServer.prototype);
    Object.setPrototypeOf(TlsServer, NetServer);
    Object.defineProperty(TlsServer, 'name', { value: 'Server' });
    // ALPN protocols as the wire has them: each one's length, then its bytes
    function convertALPNProtocols(protocols, out) {
      if (Array.isArray(protocols)) {
        const lengths = protocols.map((protocol, i) => {
          const length = Buffer.byteLength(protocol);
          if (length > 255) {
            throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The byte length of the protocol at index ${i} ` +
              `exceeds the maximum length. It must be <= 255. Received ${length}`);
          }
          return length;
        });
        const buffer = Buffer.allocUnsafe(lengths.reduce((total, length) => total + 1 + length, 0));
        let offset = 0;
        for (let i = 0; i < protocols.length; i++) {
          buffer[offset++] = lengths[i];
          buffer.write(protocols[i], offset);
          offset += lengths[i];
        }
        out.ALPNProtocols = buffer;
      } else if (protocols instanceof Uint8Array) {
        out.ALPNProtocols = Buffer.from(protocols);
      } else if (ArrayBuffer.isView(protocols)) {
        out.ALPNProtocols = Buffer.from(protocols.buffer.slice(protocols.byteOffset, protocols.byteOffset + protocols.byteLength));
      }
    }
    const kept = (value) => value || undefined; // Node keeps a falsy option as undefined
    Object.assign(TlsServer.prototype, {
      // the options kept, in Node's order; sessionIdContext is undefined unless given (Node hashes its argv)
      setSecureContext(options) {
        validateObject(options, 'options');
        for (const name of ['pfx', 'key', 'passphrase', 'cert', 'clientCertEngine', 'ca', 'minVersion', 'maxVersion',
          'secureProtocol', 'crl']) this[name] = kept(options[name]);
        this.sigalgs = options.sigalgs;
        this.ciphers = kept(options.ciphers);
        this.ecdhCurve = options.ecdhCurve;
        this.dhparam = kept(options.dhparam);
        this.honorCipherOrder = options.honorCipherOrder !== undefined ? !!options.honorCipherOrder : true;
        this.secureOptions = kept(options.secureOptions || 0);
        this.sessionIdContext = kept(options.sessionIdContext);
        if (options.sessionTimeout) this.sessionTimeout = options.sessionTimeout;
        if (options.ticketKeys) this.ticketKeys = options.ticketKeys;
        this.privateKeyIdentifier = options.privateKeyIdentifier;
        this.privateKeyEngine = options.privateKeyEngine;
      },
      [kRejection](err, event, sock) {
        if (event === 'secureConnection') sock.destroy(err);
        else NetServer.prototype[kRejection].call(this, err, event, sock);
      },
    });

    // https.Server([options][, requestListener]): an http server's options and listeners, over tls.Server's
    function Server(opts, requestListener) {
      if (!(this instanceof Server)) return new Server(opts, requestListener);
      let ALPNProtocols = ['http/1.1'];
      if (typeof opts === 'function') {
        requestListener = opts;
        opts = kEmptyObject;
      } else if (opts === null || opts === undefined) {
        opts = kEmptyObject;
      } else {
        validateObject(opts, 'options');
        if (opts.ALPNProtocols || opts.ALPNCallback) ALPNProtocols = undefined;
      }
      storeHTTPOptions.call(this, opts);
      TlsServer.call(this, { noDelay: true, ALPNProtocols, ...opts }, connectionListener);
      this.httpAllowHalfOpen = false;
      if (requestListener) this.addListener('request', requestListener);
      this.addListener('tlsClientError', function addListener(err, conn) {
        if (!this.emit('clientError', err, conn)) conn.destroy(err);
      });
      this.timeout = 0;
      this.maxHeadersCount = null;
      this.on('listening', setupConnectionsTracking);
    }
    Object.setPrototypeOf(Server.prototype, TlsServer.prototype);
    Object.setPrototypeOf(Server, TlsServer);
    const { closeAllConnections, closeIdleConnections, setTimeout, close } = serverMethods;
    Object.assign(Server.prototype, { closeAllConnections, closeIdleConnections, setTimeout, close });
    if (typeof Symbol.asyncDispose === 'symbol') Server.prototype[Symbol.asyncDispose] = disposeByClosing;
    Object.assign(exports, {
      Agent, globalAgent, Server, request, get,
      createServer(opts, requestListener) { return new Server(opts, requestListener); },
    });
  });
})();
