// require('net'), require('tls') and require('http2') load, as http and https do (http.js), so that
// packages which require them at the top level and connect only on some path (axios, proxy agents)
// can be used for the rest; every call that would open a connection or a server throws, saying why.
// What needs no network is Node's: net.isIP/isIPv4/isIPv6, http2's constants, tls's defaults and dns's
// error codes. Put into a function only when one of its sources names 'net', 'tls', 'http2' or 'dns'
// (edge/js/build.py).
(function () {
  // Node's own patterns (lib/internal/net.js)
  const v4Seg = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
  const v4Str = `(?:${v4Seg}\\.){3}${v4Seg}`;
  const IPv4Reg = new RegExp(`^${v4Str}$`);
  const v6Seg = '(?:[0-9a-fA-F]{1,4})';
  const IPv6Reg = new RegExp('^(?:' +
    `(?:${v6Seg}:){7}(?:${v6Seg}|:)|` +
    `(?:${v6Seg}:){6}(?:${v4Str}|:${v6Seg}|:)|` +
    `(?:${v6Seg}:){5}(?::${v4Str}|(?::${v6Seg}){1,2}|:)|` +
    `(?:${v6Seg}:){4}(?:(?::${v6Seg}){0,1}:${v4Str}|(?::${v6Seg}){1,3}|:)|` +
    `(?:${v6Seg}:){3}(?:(?::${v6Seg}){0,2}:${v4Str}|(?::${v6Seg}){1,4}|:)|` +
    `(?:${v6Seg}:){2}(?:(?::${v6Seg}){0,3}:${v4Str}|(?::${v6Seg}){1,5}|:)|` +
    `(?:${v6Seg}:){1}(?:(?::${v6Seg}){0,4}:${v4Str}|(?::${v6Seg}){1,6}|:)|` +
    `(?::(?:(?::${v6Seg}){0,5}:${v4Str}|(?::${v6Seg}){1,7}|:))` +
  ')(?:%[0-9a-zA-Z-.:]{1,})?$');

  // `what` refuses when called; classes refuse when constructed (instanceof checks still work)
  function refusing(name, exports, internal, functions, classes) {
    const refuse = (what) => function () { throw internal.unavailable(`${name}.${what}()`, internal.NO_NETWORK); };
    for (const what of functions) exports[what] = refuse(what);
    for (const cls of classes) exports[cls] = ({ [cls]: class { constructor() { refuse(cls)(); } } })[cls];
  }

  defineBuiltin('net', function (exports, require, module, internal) {
    refusing('net', exports, internal, ['connect', 'createConnection', 'createServer'], ['Socket', 'Server', 'Stream']);
    const isIPv4 = (input) => IPv4Reg.test(String(input));
    const isIPv6 = (input) => IPv6Reg.test(String(input));
    Object.assign(exports, { isIPv4, isIPv6, isIP: (input) => (isIPv4(input) ? 4 : isIPv6(input) ? 6 : 0) });
  });

  defineBuiltin('tls', function (exports, require, module, internal) {
    refusing('tls', exports, internal, ['connect', 'createServer', 'createSecureContext', 'checkServerIdentity'],
      ['TLSSocket', 'Server', 'SecureContext']);
    Object.assign(exports, { DEFAULT_MIN_VERSION: 'TLSv1.2', DEFAULT_MAX_VERSION: 'TLSv1.3',
      DEFAULT_ECDH_CURVE: 'auto', rootCertificates: Object.freeze([]), getCiphers: () => [] });
  });

  // dns and dns/promises (undici requires dns at the top level, as cheerio loads it): the error codes
  // and the result order are Node's, every lookup or resolve throws (dns.promises' too: as Node's would
  // reject, but synchronously, saying why), and Resolver refuses to be made.
  const DNS_FUNCTIONS = ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa',
    'resolveCname', 'resolveMx', 'resolveNaptr', 'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt',
    'reverse', 'setServers'];
  const DNS_CODES = ['NODATA', 'FORMERR', 'SERVFAIL', 'NOTFOUND', 'NOTIMP', 'REFUSED', 'BADQUERY', 'BADNAME', 'BADFAMILY',
    'BADRESP', 'CONNREFUSED', 'TIMEOUT', 'EOF', 'FILE', 'NOMEM', 'DESTRUCTION', 'BADSTR', 'BADFLAGS', 'NONAME',
    'BADHINTS', 'NOTINITIALIZED', 'LOADIPHLPAPI', 'ADDRGETNETWORKPARAMS', 'CANCELLED'];
  function dnsModule(name, exports, internal) {
    let order = 'verbatim';
    refusing(name, exports, internal, DNS_FUNCTIONS, ['Resolver']);
    Object.assign(exports, {
      getDefaultResultOrder: () => order,
      setDefaultResultOrder: (value) => {
        if (value !== 'ipv4first' && value !== 'verbatim') {
          throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
            `The argument 'dnsOrder' must be one of: 'verbatim', 'ipv4first'. Received ${requireBuiltin('util').inspect(value)}`);
        }
        order = value;
      },
      getServers: () => [],
    });
    for (const code of DNS_CODES) exports[code] = code;
  }
  defineBuiltin('dns/promises', function (exports, require, module, internal) {
    dnsModule('dns.promises', exports, internal);
  });
  defineBuiltin('dns', function (exports, require, module, internal) {
    dnsModule('dns', exports, internal);
    Object.assign(exports, { ADDRCONFIG: 1024, ALL: 256, V4MAPPED: 2048, promises: require('dns/promises') });
  });

  defineBuiltin('http2', function (exports, require, module, internal) {
    refusing('http2', exports, internal, ['connect', 'createServer', 'createSecureServer'],
      ['Http2ServerRequest', 'Http2ServerResponse']);
    const constants = { NGHTTP2_CANCEL: 8, NGHTTP2_NO_ERROR: 0, NGHTTP2_PROTOCOL_ERROR: 1,
      NGHTTP2_INTERNAL_ERROR: 2, NGHTTP2_REFUSED_STREAM: 7 };
    for (const header of ['status', 'method', 'authority', 'scheme', 'path', 'protocol']) {
      constants[`HTTP2_HEADER_${header.toUpperCase()}`] = `:${header}`;
    }
    for (const header of ['accept-encoding', 'accept-language', 'accept-ranges', 'accept', 'authorization',
      'cache-control', 'connection', 'content-encoding', 'content-language', 'content-length', 'content-location',
      'content-range', 'content-type', 'cookie', 'date', 'etag', 'expect', 'host', 'if-match', 'if-modified-since',
      'if-none-match', 'if-range', 'last-modified', 'location', 'range', 'referer', 'retry-after', 'server',
      'set-cookie', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via',
      'www-authenticate', 'keep-alive', 'proxy-connection', 'x-forwarded-for']) {
      constants[`HTTP2_HEADER_${header.toUpperCase().replaceAll('-', '_')}`] = header;
    }
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE']) {
      constants[`HTTP2_METHOD_${method}`] = method;
    }
    for (const [code, n] of [['OK', 200], ['NO_CONTENT', 204], ['NOT_MODIFIED', 304], ['BAD_REQUEST', 400],
      ['NOT_FOUND', 404], ['INTERNAL_SERVER_ERROR', 500]]) constants[`HTTP_STATUS_${code}`] = n;
    Object.assign(exports, { constants, sensitiveHeaders: Symbol('nodejs.http2.sensitiveHeaders'),
      getDefaultSettings: () => ({ headerTableSize: 4096, enablePush: true, initialWindowSize: 65535,
        maxFrameSize: 16384, maxConcurrentStreams: 4294967295, maxHeaderListSize: 65535, enableConnectProtocol: false }) });
  });
})();
