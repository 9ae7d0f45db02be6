'use strict';
// http's messages in memory: IncomingMessage, OutgoingMessage and ServerResponse as the adapters that
// run an express or koa app inside a function use them, compared with Node case by case.
const http = require('http');
const { Readable, Stream, PassThrough } = require('stream');
const EventEmitter = require('events');

const described = (f) => {
  try {
    const value = f();
    return ['ok', value === undefined ? 'undefined' : value];
  } catch (e) {
    return [e.name, e.code, e.message, String(e)];
  }
};
const noDate = (text) => (typeof text === 'string' ? text.replace(/Date: [^\r]*\r\n/, 'Date: <now>\r\n') : text);
const plain = (obj) => (obj ? { proto: Object.getPrototypeOf(obj) === null ? null : 'object', ...obj } : obj);
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const request = (extra = {}) => Object.assign(new http.IncomingMessage(null), { method: 'GET', url: '/', httpVersionMajor: 1, httpVersionMinor: 1, httpVersion: '1.1' }, extra);

// A socket that keeps what it is given, as serverless-express's and serverless-http's do
function memorySocket(log) {
  const chunks = [];
  return {
    chunks,
    _writableState: {},
    writable: true,
    on: () => {}, removeListener: () => {}, destroy: () => log.push('socket.destroy'),
    cork: () => log.push('cork'), uncork: () => log.push('uncork'),
    write(data, encoding, cb) {
      if (typeof encoding === 'function') { cb = encoding; encoding = null; }
      chunks.push([Buffer.isBuffer(data) ? 'buffer' : typeof data, noDate(String(data)), encoding === undefined ? 'undefined' : encoding]);
      if (typeof cb === 'function') cb();
      return true;
    },
  };
}
function watched(res, log) {
  for (const name of ['prefinish', 'finish', 'close', 'socket', 'error', 'drain']) {
    res.on(name, (arg) => log.push(name === 'error' ? `error ${arg.code}` : name));
  }
  return res;
}
const state = (res) => [res.headersSent, res.writableEnded, res.writableFinished, res.finished, res.writableLength,
  res.destroyed, res.statusCode, res.statusMessage === undefined ? 'undefined' : res.statusMessage];

const cases = {
  exports: () => ['IncomingMessage', 'OutgoingMessage', 'ServerResponse', 'ClientRequest', 'Agent', 'Server']
    .map((name) => [name, typeof http[name]]),
  prototypes: () => [new http.ServerResponse(request()) instanceof http.OutgoingMessage,
    http.OutgoingMessage.prototype instanceof Stream, new http.OutgoingMessage() instanceof EventEmitter,
    new http.IncomingMessage(null) instanceof Readable, Object.getPrototypeOf(http.ServerResponse) === http.OutgoingMessage,
    Object.getPrototypeOf(http.IncomingMessage) === Readable, http.ServerResponse.prototype.statusCode,
    typeof http.ServerResponse.prototype.writeHeader, http.ServerResponse.prototype.writeHeader === http.ServerResponse.prototype.writeHead],
  outgoingDefaults: () => {
    const msg = new http.OutgoingMessage();
    return [msg.writable, msg.destroyed, msg.finished, msg.chunkedEncoding, msg.shouldKeepAlive, msg.useChunkedEncodingByDefault,
      msg.sendDate, msg._header, msg._headerSent, msg.socket, msg.connection, msg.headersSent, msg.writableEnded, msg.writableFinished,
      msg.writableLength, msg.writableHighWaterMark, msg.writableCorked, msg.writableObjectMode, msg.writableNeedDrain,
      msg.outputData.length, msg.outputSize, msg._hasBody, msg._trailer, msg.strictContentLength, msg._contentLength,
      msg.errored, msg.closed, plain(msg.getHeaders()), msg.getHeaderNames()];
  },
  responseDefaults: () => {
    const res = new http.ServerResponse(request());
    return [res.statusCode, res.statusMessage === undefined, res.sendDate, res.req !== undefined, res._sent100, res._expect_continue,
      res.useChunkedEncodingByDefault, res.shouldKeepAlive, res._hasBody, Object.prototype.hasOwnProperty.call(res, 'statusCode')];
  },
  headerApi: () => {
    const res = new http.ServerResponse(request());
    const out = [];
    out.push(res.setHeader('Content-Type', 'text/plain') === res);
    res.setHeader('X-Num', 5);
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    out.push(res.appendHeader('set-cookie', 'c=3') === res, res.appendHeader('X-New', ['1', '2']) === res);
    res.appendHeader('x-num', 6);
    out.push(res.getHeader('content-type'), res.getHeader('CONTENT-TYPE'), res.getHeader('x-num'), res.getHeader('missing'));
    out.push(res.getHeaderNames(), res.getRawHeaderNames(), plain(res.getHeaders()), res.hasHeader('X-NUM'), res.hasHeader('nope'));
    out.push(res.removeHeader('x-num'), res.getHeaderNames(), res.removeHeader('not-there'));
    out.push(res.setHeaders(new Map([['x-m', '1'], ['set-cookie', 'd=4']])) === res, plain(res.getHeaders()));
    res.setHeader('x-arr', ['a', 'b']);
    out.push(res.getHeader('x-arr'), plain(res._headers), plain(res._headerNames), res._renderHeaders());
    res._headers = { 'X-Replaced': 'yes' };
    out.push(plain(res.getHeaders()), res.getRawHeaderNames());
    return out;
  },
  headerErrors: () => {
    const res = new http.ServerResponse(request());
    return [() => res.setHeader('', 'x'), () => res.setHeader('a b', 'x'), () => res.setHeader(5, 'x'), () => res.setHeader('x', undefined),
      () => res.setHeader('x', 'a\nb'), () => res.setHeader('x', ['ok', 'b\r']), () => res.setHeader('x', null), () => res.setHeader('x', 'caf\u00e9'),
      () => res.setHeader('x', 'snow\u2603'), () => res.appendHeader('a:b', 'x'), () => res.appendHeader('x', undefined),
      () => res.getHeader(5), () => res.getHeader(), () => res.hasHeader(null), () => res.removeHeader(1),
      () => res.setHeaders({ a: 1 }), () => res.setHeaders([['a', 'b']]), () => res.setHeaders(null),
      () => http.validateHeaderName('a b'), () => http.validateHeaderName('ok'), () => http.validateHeaderName(''),
      () => http.validateHeaderValue('x', undefined), () => http.validateHeaderValue('x', 'a\0'), () => http.validateHeaderValue('x', 1),
      () => new http.OutgoingMessage()._implicitHeader(), () => new http.OutgoingMessage().write('x'),
      () => http.setMaxIdleHTTPParsers('x'), () => http.setMaxIdleHTTPParsers(0), () => http.setMaxIdleHTTPParsers(1.5),
      () => http.setMaxIdleHTTPParsers(3)].map((f) => described(() => { const value = f(); return value === res ? 'res' : value; }));
  },
  writeHeadErrors: () => {
    const make = () => new http.ServerResponse(request());
    const out = [99, 1000, 'abc', '201', 200.7, -1, null, undefined, {}].map((code) => described(() => { const r = make(); r.writeHead(code); return [r.statusCode, r.statusMessage]; }));
    out.push(described(() => make().writeHead(200, 'bad\nmessage')));
    out.push(described(() => { const r = make(); r.setHeader('a', 'b'); r.writeHead(200, ['x']); }));
    out.push(described(() => make().writeHead(200, ['x'])));
    out.push(described(() => make().writeHead(200, { 'bad name': 'x' })));
    out.push(described(() => make().writeHead(200, { x: 'bad\nvalue' })));
    out.push(described(() => make().writeHead(200, [['x', undefined]])));
    out.push(described(() => { const r = make(); r.writeHead(200); r.writeHead(201); }));
    out.push(described(() => { const r = make(); r.statusCode = 42; r.end(); }));
    return out;
  },
  afterHeadersSent: () => {
    const res = new http.ServerResponse(request());
    res.setHeader('x-a', '1');
    res.flushHeaders();
    return [res.headersSent, noDate(res._header), ...[() => res.setHeader('a', 'b'), () => res.appendHeader('a', 'b'),
      () => res.removeHeader('x-a'), () => res.writeHead(200), () => res._renderHeaders(), () => res.setHeaders(new Map()),
      () => res.getHeader('x-a'), () => res.hasHeader('x-a')].map(described)];
  },
  writeHeadForms: () => {
    const forms = {
      object: (r) => r.writeHead(201, { 'X-A': '1', 'Content-Type': 'text/plain' }),
      message: (r) => r.writeHead(202, 'Fine', { 'X-A': ['1', '2'] }),
      flatArray: (r) => r.writeHead(200, ['X-A', '1', 'x-a', '2', 'Set-Cookie', 'k=v']),
      pairs: (r) => r.writeHead(200, [['X-A', '1'], ['X-B', ['2', '3']]]),
      statusOnly: (r) => r.writeHead(404),
      unknownStatus: (r) => r.writeHead(599),
      mergeObject: (r) => { r.setHeader('X-A', 'old'); r.setHeader('X-Keep', 'k'); r.writeHead(200, { 'x-a': 'new', 'X-B': 'b' }); },
      mergeArray: (r) => { r.setHeader('X-A', 'old'); r.setHeader('X-Keep', 'k'); r.writeHead(200, ['x-a', '1', 'X-A', '2', '', 'skipped']); },
      presetMessage: (r) => { r.statusMessage = 'Mine'; r.writeHead(200); },
      cookieArray: (r) => r.writeHead(200, { Cookie: ['a=1', 'b=2'], 'Set-Cookie': ['c=1', 'd=2'] }),
      noContent: (r) => r.writeHead(204, { 'Content-Length': '0' }),
      contentLength: (r) => r.writeHead(200, { 'Content-Length': '5', Connection: 'close' }),
      transferEncoding: (r) => r.writeHead(200, { 'Transfer-Encoding': 'chunked' }),
      removedDate: (r) => { r.removeHeader('date'); r.writeHead(200); },
      removedConnection: (r) => { r.removeHeader('Connection'); r.removeHeader('Transfer-Encoding'); r.writeHead(200); },
      sendDateOff: (r) => { r.sendDate = false; r.setHeader('Date', 'Mon, 01 Jan 2024 00:00:00 GMT'); r.writeHead(200); },
      chainable: (r) => r.writeHead(200).writeHead === r.writeHead,
    };
    const out = {};
    for (const [name, form] of Object.entries(forms)) {
      const res = new http.ServerResponse(request());
      const returned = described(() => form(res) === res);
      out[name] = [returned, res.statusCode, res.statusMessage, noDate(res._header), plain(res.getHeaders()), res.chunkedEncoding,
        res._hasBody, res._last, res.shouldKeepAlive, res._contentLength];
    }
    return out;
  },
  noSocket: async () => {
    const log = [];
    const res = watched(new http.ServerResponse(request()), log);
    const before = state(res);
    const wrote = res.write('abc', () => log.push('write cb'));
    const mid = [state(res), noDate(res._header), res.chunkedEncoding];
    const ended = res.end('xyz', () => log.push('end cb')) === res;
    const after = state(res);
    const pending = res.outputData.map((d) => [Buffer.isBuffer(d.data) ? 'buffer' : typeof d.data, noDate(String(d.data)), d.encoding, typeof d.callback]);
    await tick();
    return { before, wrote, mid, ended, after, pending, size: res.outputSize, log };
  },
  assignedLater: async () => {
    const log = [];
    const res = watched(new http.ServerResponse(request()), log);
    res.setHeader('Content-Type', 'text/plain');
    res.end(Buffer.from('body'), () => log.push('end cb'));
    log.push('assign');
    const socket = memorySocket(log);
    res.assignSocket(socket);
    log.push(['assigned', state(res), res.outputData.length, socket._httpMessage === res]);
    await tick();
    return { chunks: socket.chunks, log, state: state(res) };
  },
  inMemorySocket: async () => {
    const out = {};
    const bodies = {
      string: (r) => r.end('hello'),
      buffer: (r) => r.end(Buffer.from('héllo')),
      uint8: (r) => r.end(new Uint8Array([104, 105])),
      writes: (r) => { r.write('a'); r.write(Buffer.from('b'), (err) => r.log.push(['write cb', err])); r.end('c', 'utf8'); },
      latin1: (r) => r.end('caf\u00e9', 'latin1'),
      hex: (r) => { r.setHeader('Content-Length', 2); r.end('6869', 'hex'); },
      empty: (r) => r.end(),
      endCallbackOnly: (r) => r.end(() => r.log.push('end cb only')),
      json: (r) => { r.statusCode = 201; r.setHeader('Content-Type', 'application/json'); r.end(JSON.stringify({ a: 1 })); },
      noContent: (r) => { r.statusCode = 204; r.write('dropped'); r.end('dropped too'); },
      notModified: (r) => { r.writeHead(304); r.end('dropped'); },
      head: (r) => { r.setHeader('Content-Length', 5); r.end('hello'); },
      flushFirst: (r) => { r.flushHeaders(); r.write('x'); r.end(); },
      chunked: (r) => { r.useChunkedEncodingByDefault = true; r.write('ab'); r.write(''); r.end('cde'); },
      trailers: (r) => { r.useChunkedEncodingByDefault = true; r.setHeader('Trailer', 'X-T'); r.write('ab'); r.addTrailers({ 'X-T': '1' }); r.end(); },
      continue: (r) => { r.writeContinue(() => r.log.push('continue cb')); r.end('ok'); },
      earlyHints: (r) => { r.writeEarlyHints({ link: ['</a.css>; rel=preload', '</b.js>; rel=preload'], 'x-h': '1' }, () => r.log.push('hints cb')); r.end('ok'); },
      writeAfterEnd: (r) => { r.end('a'); r.write('b', (err) => r.log.push(['late write cb', err && err.code])); },
      endAfterEnd: (r) => { r.end('a'); r.end('b', (err) => r.log.push(['late end cb', err && err.code])); r.end(() => r.log.push('late end, no data')); },
      destroyed: (r) => { r.destroy(); r.write('x', (err) => r.log.push(['destroyed write cb', err && err.code])); },
    };
    for (const [name, body] of Object.entries(bodies)) {
      const log = [];
      const req = request(name === 'head' ? { method: 'HEAD' } : {});
      const res = watched(new http.ServerResponse(req), log);
      res.log = log;
      // the adapters' setting: no chunks unless asked for
      res.useChunkedEncodingByDefault = false;
      const socket = memorySocket(log);
      res.assignSocket(socket);
      const returned = described(() => { body(res); });
      log.push('sync end');
      const sync = state(res);
      await tick();
      out[name] = { returned, chunks: socket.chunks, log, sync, later: state(res) };
    }
    return out;
  },
  adapterSubclass: async () => {
    // serverless-express's and serverless-http's ServerlessResponse, reduced: `_header = ''` before
    // anything is written, the body taken from the socket after the head's blank line
    const BODY = Symbol('body');
    class Collecting extends http.ServerResponse {
      constructor({ method }) {
        super({ method });
        this[BODY] = [];
        this.useChunkedEncodingByDefault = false;
        this.chunkedEncoding = false;
        this._header = '';
        this.assignSocket({
          _writableState: {}, writable: true, on: Function.prototype, removeListener: Function.prototype,
          destroy: Function.prototype, cork: Function.prototype, uncork: Function.prototype,
          write: (data, encoding, cb) => {
            if (typeof encoding === 'function') { cb = encoding; encoding = null; }
            if (this._header === '' || this._wroteHeader) {
              this[BODY].push(Buffer.from(data));
            } else {
              const text = Buffer.isBuffer(data) ? data.toString('utf8') : data;
              const at = text.indexOf('\r\n\r\n');
              if (at !== -1) {
                if (text.slice(at + 4)) this[BODY].push(Buffer.from(text.slice(at + 4)));
                this._wroteHeader = true;
              }
            }
            if (typeof cb === 'function') cb();
            return true;
          },
        });
      }
    }
    const out = {};
    for (const [name, run] of Object.entries({
      json: (r) => { r.statusCode = 200; r.setHeader('content-type', 'application/json'); r.end('{"a":1}'); },
      buffer: (r) => { r.setHeader('x-b', 'y'); r.end(Buffer.from([0, 1, 2, 255])); },
      writeHead: (r) => { r.writeHead(302, { Location: '/there' }); r.end(); },
      writes: (r) => { r.write('one '); r.write(Buffer.from('two ')); r.end('three'); },
    })) {
      const log = [];
      const res = watched(new Collecting({ method: 'GET' }), log);
      const before = [res.headersSent, res._header, res.writableEnded];
      run(res);
      log.push('sync');
      const sync = state(res);
      await tick();
      out[name] = { before, sync, log, body: Buffer.concat(res[BODY]).toString('base64'), headers: plain(res.getHeaders()), status: res.statusCode };
    }
    return out;
  },
  earlyHintsErrors: () => {
    const res = new http.ServerResponse(request());
    const written = [];
    res.assignSocket({ ...memorySocket([]), write: (data) => { written.push(data); return true; } });
    return [...[{ link: 'bad' }, { link: ['</a>; rel=preload', 'x'] }, { link: 5 }, [], null, 'x', { link: '' }, { link: [] }, {},
      { link: '</a>; rel=preload; as=style' }, { link: '<a>;rel="x y"' }, { link: '<a>; rel="x"', 'x-b': 2 }]
      .map((hints) => described(() => res.writeEarlyHints(hints))), written];
  },
  http10: () => {
    const res = new http.ServerResponse(request({ httpVersionMajor: 1, httpVersionMinor: 0, headers: { te: 'chunked' } }));
    const res2 = new http.ServerResponse(request({ httpVersionMajor: 1, httpVersionMinor: 0, headers: {} }));
    res.write('x');
    res2.write('x');
    return [noDate(res._header), res.chunkedEncoding, res.shouldKeepAlive, noDate(res2._header), res2.chunkedEncoding, res2._last];
  },
  strictLength: () => {
    const res = new http.ServerResponse(request());
    res.strictContentLength = true;
    res.setHeader('Content-Length', 3);
    const socket = memorySocket([]);
    res.assignSocket(socket);
    return [described(() => res.write('abcd')), described(() => res.end('ab'))];
  },
  socketRules: () => {
    const res = new http.ServerResponse(request());
    const socket = memorySocket([]);
    res.assignSocket(socket);
    const again = described(() => new http.ServerResponse(request()).assignSocket(socket));
    res.detachSocket(socket);
    return [again, res.socket, socket._httpMessage, res.connection];
  },
  socketClose: async () => {
    const log = [];
    const res = watched(new http.ServerResponse(request()), log);
    const socket = new PassThrough();
    res.assignSocket(socket);
    res.end('done');
    socket.destroy();
    await tick();
    return [log, res.destroyed, res.closed, res.writableEnded];
  },
  destroyResponse: async () => {
    const log = [];
    const res = watched(new http.ServerResponse(request()), log);
    const err = new Error('boom');
    const returned = res.destroy(err) === res;
    const second = res.destroy() === res;
    const socket = memorySocket(log);
    res.assignSocket(socket);
    await tick();
    return [returned, second, res.destroyed, res.errored === err, log];
  },
  pipeInto: () => {
    const res = new http.ServerResponse(request());
    const errors = [];
    res.on('error', (e) => errors.push([e.code, e.message]));
    res.pipe(new PassThrough());
    return errors;
  },
  setTimeoutReturns: () => {
    const res = new http.ServerResponse(request());
    return [res.setTimeout(10, () => {}) === res, res.listenerCount('timeout'), res.listenerCount('socket')];
  },
  incomingDefaults: () => {
    const socket = new PassThrough();
    const req = new http.IncomingMessage(socket);
    return [Object.keys(req).filter((k) => !k.startsWith('_')), req.socket === socket, req.connection === socket, req.client === socket,
      req.httpVersion, req.httpVersionMajor, req.method, req.url, req.statusCode, req.statusMessage, req.complete, req.aborted,
      req.upgrade, plain(req.headers), plain(req.trailers), req.rawHeaders, req.rawTrailers, req.readable, req.readableHighWaterMark,
      req._readableState.readingMore, plain(req.headersDistinct), req.joinDuplicateHeaders];
  },
  incomingNoSocket: () => {
    const req = new http.IncomingMessage();
    return [req.socket, req.readableHighWaterMark, req.setTimeout(5) === req];
  },
  headerLines: () => {
    const raw = ['Host', 'a.example', 'HOST', 'b.example', 'X-A', '1', 'x-a', '2', 'Set-Cookie', 'c1', 'set-cookie', 'c2',
      'Cookie', 'k1', 'cookie', 'k2', 'Content-Type', 't1', 'content-type', 't2', 'X-N', 5, 'x-n', '6', 'x-s', 's', 'x-s', 7,
      'Authorization', 'x', 'authorization', 'y', 'User-Agent', 'u1', 'user-agent', 'u2', 'Content-Length', '1', 'content-length', '2',
      'Via', 'a', 'via', 'b', 'ETag', 'e1', 'etag', 'e2', 'Referer', 'r1', 'Location', 'l', 'Age', '1', 'age', '2', 'Expires', 'x', 'expires', 'y',
      'From', 'f', 'from', 'g', 'Server', 's1', 'server', 's2', 'Max-Forwards', '1', 'max-forwards', '2', 'Retry-After', '1', 'retry-after', '2',
      'If-Modified-Since', 'a', 'if-modified-since', 'b', 'If-Unmodified-Since', 'a', 'if-unmodified-since', 'b', 'Last-Modified', 'a',
      'last-modified', 'b', 'Proxy-Authorization', 'a', 'proxy-authorization', 'b', 'Date', 'a', 'date', 'b', 'Accept', 'a', 'accept', 'b'];
    const req = new http.IncomingMessage(null);
    req._addHeaderLines(raw, raw.length);
    const joined = new http.IncomingMessage(null);
    joined.joinDuplicateHeaders = true;
    joined._addHeaderLines(raw, raw.length);
    const partial = new http.IncomingMessage(null);
    partial._addHeaderLines(['A', '1', 'B', '2'], 2);
    const early = new http.IncomingMessage(null);
    const seen = early.headers; // read before the lines come: they are added to it
    early._addHeaderLines(['X', 'y', 'x', 'z'], 4);
    return [plain(req.headers), plain(req.headersDistinct), req.rawHeaders.length, plain(joined.headers), plain(partial.headers),
      partial.rawHeaders, plain(seen), early.headers === seen, plain(early.headersDistinct)];
  },
  trailerLines: () => {
    const req = new http.IncomingMessage(null);
    req._addHeaderLines(['X-A', '1'], 2);
    req.complete = true;
    req._addHeaderLines(['X-T', 't', 'x-t', 'u'], 4);
    req._addHeaderLines([], 0);
    return [plain(req.headers), plain(req.trailers), plain(req.trailersDistinct), req.rawTrailers, req.rawHeaders];
  },
  headerSetters: () => {
    const req = new http.IncomingMessage(null);
    req.headers = { a: 'b' };
    req.trailers = { t: 'u' };
    const other = {};
    req.connection = other;
    return [req.headers, req.trailers, req.socket === other];
  },
  bodyRead: async () => {
    const log = [];
    const req = new http.IncomingMessage(null);
    req._read = function () { this.push(Buffer.from('{"a":1}')); this.push(null); };
    req.on('data', (chunk) => log.push(['data', String(chunk)]));
    req.on('end', () => log.push(['end', req.readableEnded, req.complete]));
    req.on('close', () => log.push('close'));
    await tick();
    return [log, req.readable, req.destroyed, req.aborted];
  },
  bodyPushedTwiceNull: async () => {
    // serverless-express pushes the body (null for a GET) and then null
    const log = [];
    const req = new http.IncomingMessage(null);
    req._read = () => { req.push(null); req.push(null); };
    req.on('end', () => log.push('end'));
    req.on('error', (e) => log.push(['error', e.code]));
    req.resume();
    await tick();
    return log;
  },
  bodyEncoding: async () => {
    const req = new http.IncomingMessage(null);
    req.setEncoding('utf8');
    req.push(Buffer.from([0xe2, 0x82]));
    req.push(Buffer.from([0xac, 0x21]));
    req.push(null);
    let text = '';
    for await (const chunk of req) text += chunk;
    return text;
  },
  destroyRequest: async () => {
    const log = [];
    const socket = new PassThrough();
    const req = new http.IncomingMessage(socket);
    for (const name of ['aborted', 'close', 'end', 'error']) req.on(name, (arg) => log.push(name === 'error' ? `error ${arg.message}` : name));
    socket.on('close', () => log.push('socket close'));
    req.destroy(new Error('stop'));
    log.push(['sync', req.aborted, req.destroyed]);
    await tick();
    const quiet = new http.IncomingMessage(null);
    const quietLog = [];
    quiet.on('close', () => quietLog.push('close'));
    quiet.destroy(new Error('no listener'));
    await tick();
    const done = new http.IncomingMessage(null);
    done.complete = true;
    done.push(null);
    done.resume();
    await tick();
    const doneLog = [];
    done.on('aborted', () => doneLog.push('aborted'));
    done.destroy();
    await tick();
    return [log, socket.destroyed, quietLog, quiet.aborted, doneLog, done.aborted];
  },
  dump: async () => {
    const req = new http.IncomingMessage(null);
    req.on('data', () => {});
    req.push('x');
    req.push(null);
    req._dump();
    const ended = await new Promise((resolve) => req.on('end', () => resolve('end')));
    return [req._dumped, req.listenerCount('data'), ended];
  },
  subclassRequest: () => {
    // serverless-express's ServerlessRequest
    class ServerlessRequest extends http.IncomingMessage {
      constructor({ method, url, headers, body, remoteAddress }) {
        super({ encrypted: true, readable: true, remoteAddress, address: () => ({ port: 443 }), end: Function.prototype, destroy: Function.prototype });
        const rawHeaders = Object.entries(headers).flat();
        this._addHeaderLines(rawHeaders, rawHeaders.length);
        Object.assign(this, { ip: remoteAddress, complete: true, httpVersion: '1.1', httpVersionMajor: '1', httpVersionMinor: '1', method, body, url });
        this._read = () => { this.push(body); this.push(null); };
      }
    }
    const req = new ServerlessRequest({ method: 'POST', url: '/a?b=1', headers: { host: 'example.org', 'content-length': 7, 'x-forwarded-for': '1.2.3.4' }, body: Buffer.from('{"a":1}'), remoteAddress: '1.2.3.4' });
    return [plain(req.headers), req.rawHeaders, req.socket.encrypted, req.connection.remoteAddress, req.readableHighWaterMark, req instanceof http.IncomingMessage];
  },
  clientHead: () => {
    const made = [
      http.request({ host: '127.0.0.1', port: 1, path: '/p', headers: { 'X-A': '1' } }),
      http.request({ host: '127.0.0.1', port: 1, headers: ['X-A', '1', 'x-a', '2'] }),
      http.request({ host: '127.0.0.1', port: 1, agent: new http.Agent() }),
      http.request({ host: '127.0.0.1', port: 1, method: 'POST' }),
    ];
    return made.map((req) => {
      req.on('error', () => {});
      if (req.method === 'POST') { req.write('ab'); req.end('c'); } else req.end();
      req.destroy();
      return [noDate(req._header), req.shouldKeepAlive, req.chunkedEncoding, req.getHeaderNames(), req.outputData.map((d) => noDate(String(d.data)))];
    });
  },
  agentDefaults: () => [http.globalAgent.keepAlive, require('https').globalAgent.keepAlive, new http.Agent().keepAlive],
};

exports.run = async () => {
  const out = {};
  for (const [name, run] of Object.entries(cases)) {
    try {
      out[name] = await run();
    } catch (e) {
      out[name] = ['threw', e.name, e.code, e.message];
    }
  }
  return JSON.parse(JSON.stringify(out, (key, value) => (value === undefined ? 'undefined' : value)));
};
