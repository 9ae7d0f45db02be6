// require('http') and require('https') load, so that packages which require them at the top level
// and reach the network only on some path (aws-jwt-verify's JWKS download, an SDK's client) can be
// used for the rest; every call that would open a connection or a server throws, saying why.
// The data Node's http has (METHODS, STATUS_CODES) is here. Put into a function only when one of
// its sources names 'http' or 'https' (edge/js/build.py).
(function () {
  function networkModule(name, exports, internal, Base) {
    const refuse = (what) => function () { throw internal.unavailable(`${name}.${what}()`, internal.NO_NETWORK); };
    // Creating an agent opens nothing (packages make one at the top level); its requests fail.
    class Agent extends Base {
      constructor(options) {
        super();
        this.options = { path: null, ...options };
        this.defaultPort = name === 'https' ? 443 : 80;
        this.protocol = `${name}:`;
        this.requests = Object.create(null);
        this.sockets = Object.create(null);
        this.freeSockets = Object.create(null);
      }
      destroy() {}
    }
    Agent.prototype.createConnection = refuse('Agent.createConnection');
    // What a connection would give: their constructors throw (instanceof checks still work).
    const unconstructable = (cls) => ({ [cls]: class { constructor() { refuse(cls)(); } } })[cls];
    for (const cls of ['ClientRequest', 'IncomingMessage', 'OutgoingMessage', 'Server', 'ServerResponse']) {
      exports[cls] = unconstructable(cls);
    }
    Object.assign(exports, {
      Agent, globalAgent: new Agent(),
      request: refuse('request'), get: refuse('get'), createServer: refuse('createServer'),
    });
  }

  defineBuiltin('http', function (exports, require, module, internal) {
    networkModule('http', exports, internal, require('events'));
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
    networkModule('https', exports, internal, require('http').Agent);
  });
})();
