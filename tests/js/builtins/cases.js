'use strict';
// Built-in module cases: the edge function and real Node both run them; the test compares.
const querystring = require('querystring');
const url = require('url');
const util = require('util');
const path = require('path');
const crypto = require('crypto');
const zlib = require('zlib');
const http = require('http');
const https = require('https');
const { Buffer } = require('buffer');

// gzip/deflate data made by Node's zlib (node -e "...gzipSync('hello from node zlib').toString('base64')")
const NODE_GZIP = 'H4sIAAAAAAAAA8tIzcnJV0grys9VyMtPSVWoyslMAgBYRWbDFAAAAA==';
const NODE_DEFLATE = 'eJzLSM3JyVdIK8rPVcjLT0lVqMrJTAIATzgHgA==';

const cases = {
  // querystring
  qs_parse: () => querystring.parse('a=1&b=2&a=3&c&d=&=e&f=g=h&sp=a+b%20c&bad=%E0%A4%A&u=%F0%9F%98%80'),
  qs_parse_sep: () => querystring.parse('w:1;x:2;x:3', ';', ':'),
  qs_parse_maxkeys: () => querystring.parse('a=1&b=2&c=3', null, null, { maxKeys: 2 }),
  qs_parse_plus_key: () => querystring.parse('a+b=c+d&%zz=1&x=%41%42'),
  qs_stringify: () => querystring.stringify({ a: 'b c', d: ['e', 'f'], g: 1, h: true, i: null, j: undefined, k: [], 'l m': '€ü😀', n: "!'()*~-_." }),
  qs_stringify_sep: () => querystring.stringify({ a: 1, b: 2 }, ';', ':'),
  qs_escape: () => querystring.escape('a b&c/d?e=f#g\u00e9'),
  qs_unescape: () => [querystring.unescape('a%20b+c'), querystring.unescape('%E0%A4%A'), querystring.unescape('%zz%41')],
  qs_roundtrip_lower: () => querystring.stringify(querystring.parse('Size=LARGE&Color=Red'.toLowerCase())),
  // Buffer
  buf_base64: () => Buffer.from('aGVsbG8gd29ybGQ=', 'base64').toString(),
  buf_encodings: () => ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'ucs2']
    .map((e) => Buffer.from('héllo wörld ✓', 'utf8').toString(e)),
  buf_from_hex: () => Buffer.from('48656c6c6f', 'hex').toString('utf8'),
  buf_from_latin1: () => Buffer.from('caf\u00e9', 'latin1').toJSON(),
  buf_concat: () => Buffer.concat([Buffer.from('ab'), Buffer.from([0x63, 0x64]), new Uint8Array([101])]).toString(),
  buf_bytelength: () => [Buffer.byteLength('héllo'), Buffer.byteLength('aGk=', 'base64'), Buffer.byteLength('abcd', 'hex')],
  buf_misc: () => {
    const b = Buffer.alloc(6);
    b.writeUInt16BE(0x1234, 0);
    b.writeInt32LE(-5, 2);
    return [b.toString('hex'), b.readUInt16BE(0), b.readInt32LE(2), Buffer.compare(Buffer.from('a'), Buffer.from('b')),
      Buffer.isBuffer(b), b.slice(1, 3).toString('hex'), b.equals(Buffer.from(b)), Buffer.from('abc').indexOf('c')];
  },
  buf_inspect: () => util.inspect(Buffer.from('hi there')),
  // url (legacy) and WHATWG URL
  url_parse: () => url.parse('https://user:pw@Example.COM:8080/p/a/t/h?query=string&a=1#hash'),
  url_parse_query: () => url.parse('/path?a=1&b=2&a=3', true).query,
  url_parse_relative: () => url.parse('/only/a/path?x=y'),
  url_format: () => url.format({ protocol: 'https', hostname: 'example.com', pathname: '/some/path', query: { page: 1, format: 'json' } }),
  url_resolve: () => [url.resolve('/one/two/three', 'four'), url.resolve('http://example.com/', '/one'), url.resolve('http://example.com/one', '/two')],
  whatwg_url: () => {
    const u = new URL('https://user:pass@sub.Example.com:8080/p/a/t/h/../x?query=string&a=b%20c#hash');
    return [u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash,
      [...u.searchParams]];
  },
  whatwg_url_relative: () => [new URL('../c?d#e', 'http://a/b/x/y').href, new URL('//h/p', 'https://a/').href,
    new URL('?q', 'http://a/b').href, new URL('http://[::1]:80/').href, new URL('http://0x7f.1/').href,
    new URL('HTTP://EXAMPLE.com:443/%7Efoo/ä b').href, new URL('file:///tmp/a b').href, new URL('mailto:Someone@Example.com').href],
  whatwg_url_setters: () => {
    const u = new URL('http://example.com/a?b=c');
    u.pathname = '/x y';
    u.searchParams.append('d', 'e f');
    u.hash = 'frag';
    u.port = '8443';
    u.protocol = 'https';
    u.hostname = 'Other.Example';
    return u.href;
  },
  whatwg_url_invalid: () => {
    try { new URL('not a url'); return 'no error'; } catch (err) { return [err.name, err.code, err.message]; }
  },
  url_search_params: () => {
    const p = new URLSearchParams('a=1&b=2&a=3&c=%20x+y&d');
    p.append('e', 'ü &=');
    p.delete('b');
    p.set('a', '9');
    p.sort();
    return [p.toString(), p.get('c'), p.getAll('a'), p.has('d'), [...p.keys()], p.size];
  },
  url_search_params_init: () => [new URLSearchParams({ x: 1, y: 'two' }).toString(), new URLSearchParams([['a', 'b'], ['c', 'd']]).toString(), new URLSearchParams('?q=1').toString()],
  url_inspect: () => util.inspect(new URL('https://example.com/a?b=c#d')),
  // TextEncoder / TextDecoder / atob / btoa
  text_encoder: () => Array.from(new TextEncoder().encode('hé✓😀\ud800')),
  text_decoder: () => [new TextDecoder().decode(new Uint8Array([0x68, 0xc3, 0xa9, 0xe2, 0x9c, 0x93])),
    new TextDecoder('utf-8').decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])),
    new TextDecoder('latin1').decode(new Uint8Array([0x63, 0xe9]))],
  atob_btoa: () => [btoa('hello world'), atob('aGVsbG8gd29ybGQ='), btoa('\u00ff\u00fe')],
  // util.inspect / format (console's formatting)
  inspect_basic: () => [util.inspect({ a: 1, b: 'two', c: [1, 2, 3], d: { e: { f: { g: 1 } } }, 'h-i': null, j: undefined }),
    util.inspect([1, 'a', true, null, undefined, -0, 10n]), util.inspect('str'), util.inspect(new Map([['a', 1], ['b', { c: 2 }]])),
    util.inspect(new Set([1, 2])), util.inspect(function named() {}), util.inspect(() => {}), util.inspect(class Foo {}),
    util.inspect(Symbol('s')), util.inspect(new Date(0)), util.inspect(/ab+c/gi), util.inspect([]), util.inspect({}),
    util.inspect(Object.create(null)), util.inspect([, 1, , , 2]), util.inspect(new Uint8Array([1, 2, 3])),
    util.inspect({ [Symbol('k')]: 1 }), util.inspect(new (class Point { constructor() { this.x = 1; } })())],
  inspect_long: () => [util.inspect({ key1: 'a fairly long value string', key2: 'another fairly long value', key3: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }),
    util.inspect(Array.from({ length: 30 }, (_, i) => i * 3)), util.inspect(Array.from({ length: 120 }, (_, i) => i)),
    util.inspect({ a: { b: { c: { d: { e: 1 } } } } }), util.inspect('it\'s "quoted"'), util.inspect(['a\nb', 'tab\there'])],
  inspect_circular: () => { const o = { name: 'o' }; o.self = o; o.list = [o]; return util.inspect(o); },
  format: () => [util.format('%s=%d %i %f %j %o %%', 'x', 42.5, 42.5, '3.5', { a: 1 }, [1]), util.format('a', 1, { b: 2 }, ['c']),
    util.format('%s', { toString() { return 'custom'; } }), util.format('%s', null, undefined), util.format(1, 2), util.format('%c%s', 'css', 'x')],
  // path
  path: () => [path.join('/a/b', '../c', './d'), path.normalize('/a//b/../c/.'), path.extname('/x/y.tar.gz'), path.basename('/x/y.html', '.html'),
    path.dirname('/a/b/c'), path.parse('/home/u/file.txt'), path.relative('/a/b/c', '/a/d'), path.resolve('/a', 'b', '../c'), path.isAbsolute('x')],
  // crypto (deterministic parts)
  hashes: () => ['sha1', 'sha256', 'md5'].map((a) => [crypto.createHash(a).update('hello ').update(Buffer.from('world')).digest('hex'),
    crypto.createHash(a).update('').digest('base64')]),
  hmac: () => [crypto.createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex'),
    crypto.createHmac('sha256', 'k'.repeat(100)).update('data').digest('base64'), crypto.createHmac('sha1', 'key').update('x').digest('hex'),
    crypto.createHmac('md5', Buffer.from('key')).update('x').digest('hex')],
  hash_unsupported: () => { try { crypto.createHash('whirlpool'); return 'no error'; } catch (err) { return err.message; } },
  sha2_family: () => ['sha224', 'sha384', 'sha512', 'sha512-224', 'sha512-256', 'SHA-384', 'RSA-SHA512', 'sha384WithRSAEncryption']
    .map((a) => ['hex', 'base64', 'base64url', 'latin1', undefined].map((enc) => {
      const out = crypto.createHash(a).update('The quick brown fox ').update(Buffer.from('jumps over the lazy dog')).digest(enc);
      return Buffer.isBuffer(out) ? ['buffer', out.toString('hex')] : out;
    })),
  sha2_empty_and_long: () => ['sha384', 'sha512'].map((a) => [crypto.createHash(a).digest('hex'),
    crypto.createHash(a).update('x'.repeat(1000)).digest('base64'), crypto.hash(a, 'one shot')]),
  hmac_sha2_family: () => ['sha224', 'sha384', 'sha512', 'sha512-256'].map((a) => [
    crypto.createHmac(a, 'key').update('The quick brown fox jumps over the lazy dog').digest('hex'),
    crypto.createHmac(a, 'k'.repeat(200)).update('long key, hashed first').digest('base64'),
    crypto.createHmac(a, Buffer.alloc(128, 1)).update('block-sized key').digest('base64url'),
    crypto.createHmac(a, crypto.createSecretKey(Buffer.from('secret'))).update('from a KeyObject').digest('hex')]),
  digest_errors: () => [['createHash', 'sha999'], ['createHash', 'md4'], ['createHmac', 'sha999'], ['createHmac', 'whirlpool'], ['hash', 'nope']]
    .map(([fn, alg]) => {
      try { crypto[fn](alg, fn === 'hash' ? 'data' : 'key'); return 'no error'; } catch (err) { return [err.name, err.code, err.message]; }
    }),
  secret_key_object: () => {
    const key = crypto.createSecretKey('c2VjcmV0', 'base64');
    return [key.type, key.symmetricKeySize, key.export().toString(), key.export({ format: 'jwk' }), key.asymmetricKeyType,
      key instanceof crypto.KeyObject, key.equals(crypto.createSecretKey(Buffer.from('secret'))),
      key.equals(crypto.createSecretKey(Buffer.from('other'))), typeof crypto.createPublicKey,
      (() => { try { crypto.createSecretKey(5); return 'no error'; } catch (e) { return e.code; } })()];
  },
  // key derivation: PBKDF2 (RFC 6070 and longer outputs) and HKDF (RFC 5869 case 1 and more)
  pbkdf2: () => [
    crypto.pbkdf2Sync('password', 'salt', 1, 20, 'sha1').toString('hex'),
    crypto.pbkdf2Sync('password', 'salt', 4096, 20, 'sha1').toString('hex'),
    crypto.pbkdf2Sync('password', 'salt', 300, 32, 'sha256').toString('hex'),
    crypto.pbkdf2Sync(Buffer.from('pass\0word'), new Uint8Array([115, 97, 0, 108, 116]), 3, 150, 'sha512').toString('base64'),
    crypto.pbkdf2Sync('p'.repeat(200), 'salt', 2, 40, 'SHA384').toString('hex'),
    crypto.pbkdf2Sync(new ArrayBuffer(3), 'salt', 2, 33, 'RSA-SHA256').toString('hex'),
    crypto.pbkdf2Sync('pw', 'salt', 1, 0, 'md5').length,
    crypto.pbkdf2Sync('pw', Buffer.alloc(0), 2, 16, 'sha224').toString('hex'),
  ],
  pbkdf2_errors: () => [['pw', 'salt', 0, 32, 'sha256'], ['pw', 'salt', 1.5, 32, 'sha256'], ['pw', 'salt', '1', 32, 'sha256'],
    ['pw', 'salt', 1, -1, 'sha256'], ['pw', 'salt', 1, 32, undefined], ['pw', 'salt', 1, 32, 'md55'], [1, 'salt', 1, 32, 'sha256'],
    ['pw', {}, 1, 32, 'sha256'], [crypto.createSecretKey(Buffer.from('k')), 'salt', 1, 32, 'sha256']]
    .map((args) => { try { crypto.pbkdf2Sync(...args); return 'no error'; } catch (e) { return [e.name, e.code, e.message]; } }),
  hkdf: () => [
    Buffer.from(crypto.hkdfSync('sha256', Buffer.alloc(22, 0x0b), Buffer.from('000102030405060708090a0b0c', 'hex'),
      Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex'), 42)).toString('hex'),
    Buffer.from(crypto.hkdfSync('sha512', 'key', 'salt', 'info', 255 * 64)).toString('base64').length,
    Buffer.from(crypto.hkdfSync('SHA-1', '', '', '', 30)).toString('hex'),
    Buffer.from(crypto.hkdfSync('sha384', crypto.createSecretKey(Buffer.from('secret')), new Uint8Array(4), 'x'.repeat(1024), 7)).toString('hex'),
    crypto.hkdfSync('sha256', 'key', 'salt', 'info', 0).byteLength,
    crypto.hkdfSync('md5', 'key', 'salt', 'info', 16) instanceof ArrayBuffer,
  ],
  hkdf_errors: () => [['sha256', 'key', 'salt', 'info', 255 * 32 + 1], ['sha256', 'key', 'salt', 'x'.repeat(1025), 32],
    ['md55', 'key', 'salt', 'info', 32], ['sha256', 1, 'salt', 'info', 32], ['sha256', 'key', 1, 'info', 32],
    ['sha256', 'key', 'salt', 'info'], [1, 'k', 'salt', 'info', 4]]
    .map((args) => { try { crypto.hkdfSync(...args); return 'no error'; } catch (e) { return [e.name, e.code, e.message]; } }),
  kdf_callback_errors: () => [() => crypto.pbkdf2('pw', 'salt', 1, 8, 'sha256'), () => crypto.hkdf('sha256', 'k', 's', 'i', 4),
    () => crypto.pbkdf2('pw', 'salt', 1, 8, 'md55', () => {})]
    .map((f) => { try { f(); return 'no error'; } catch (e) { return [e.name, e.code, e.message]; } }),
  // http's data (its calls cannot reach the network here)
  http_data: () => [http.STATUS_CODES, http.METHODS, typeof http.request, typeof https.get, typeof https.Agent,
    new https.Agent({ keepAlive: true }) instanceof http.Agent, https.globalAgent.defaultPort, http.globalAgent.defaultPort],
  // structuredClone
  clone_values: () => {
    const buffer = new ArrayBuffer(8);
    new Uint8Array(buffer).set([1, 2, 3, 4, 5, 6, 7, 8]);
    const source = {
      n: 1, s: 'two', b: true, nil: null, undef: undefined, big: 10n, neg0: -0, nan: NaN,
      date: new Date(0), re: /a+b/gi, boxed: [Object(false), Object(3), Object('s'), Object(7n)],
      map: new Map([[1, { a: 1 }], ['k', [2]]]), set: new Set([1, 'x']), arr: [1, , 3],
      typed: new Uint16Array(buffer, 2, 2), view: new DataView(buffer, 1, 4), buffer, floats: new Float64Array([1.5, -2]),
      nested: { deep: { deeper: [{ x: 1 }] } }, fromBuffer: Buffer.from('hi'),
    };
    source.arr.extra = 'kept';
    const copy = structuredClone(source);
    const view = copy.view;
    delete copy.view;
    return [util.inspect(copy, { depth: 5 }), copy.typed.buffer === copy.buffer, view.buffer === copy.buffer,
      view instanceof DataView, view.byteOffset, view.byteLength, view.getUint16(0),
      copy.date !== source.date, copy.map.get(1) !== source.map.get(1), 1 in copy.arr, Object.getPrototypeOf(copy.fromBuffer) === Uint8Array.prototype];
  },
  clone_objects: () => {
    class Point { constructor() { this.x = 1; } get y() { return 2; } }
    const withGetter = { get g() { return 7; } };
    Object.defineProperty(withGetter, 'hidden', { value: 1, enumerable: false });
    withGetter[Symbol('s')] = 1;
    const circular = { name: 'c' };
    circular.self = circular;
    circular.list = [circular];
    const m = new Map();
    m.set(m, m);
    const c = structuredClone(circular);
    const cm = structuredClone(m);
    return [util.inspect(structuredClone(new Point())), util.inspect(structuredClone(withGetter)),
      c.self === c, c.list[0] === c, cm.get(cm) === cm, util.inspect(structuredClone(Object.create(null))),
      util.inspect(structuredClone(new (class extends Map {})([[1, 2]]))), structuredClone('str'), structuredClone(null)];
  },
  clone_errors: () => {
    const plain = Object.assign(new RangeError('bad', { cause: 'why' }), { extra: 1, code: 'X' });
    class MyErr extends Error { constructor(m) { super(m); this.name = 'MyErr'; } }
    const renamed = new TypeError('t');
    renamed.name = 'Custom';
    return [plain, new MyErr('mine'), renamed, new Error('plain')].map((e) => {
      const copy = structuredClone(e);
      return [copy.name, copy.constructor.name, copy.message, copy.cause, Object.keys(copy), copy instanceof Error,
        typeof copy.stack];
    });
  },
  clone_failures: () => [() => function named() {}, () => () => 1, () => Symbol('sym'), () => ({ nested: Symbol('in') }),
    () => new WeakMap(), () => Promise.resolve(), () => (function* () {})(), () => ({ f() {} })]
    .map((make) => {
      try { structuredClone(make()); return 'cloned'; } catch (err) {
        return [err.name, err.code, err.message, err instanceof DOMException, err instanceof Error];
      }
    }).concat([(() => { try { structuredClone(); return 'no error'; } catch (e) { return [e.name, e.code, e.message]; } })()]),
  clone_transfer: () => {
    const ab = new Uint8Array([9, 8, 7]).buffer;
    const copy = structuredClone({ ab }, { transfer: [ab] });
    return [ab.byteLength, [...new Uint8Array(copy.ab)]];
  },
  random: () => {
    const uuid = crypto.randomUUID();
    const ints = Array.from({ length: 200 }, () => crypto.randomInt(10, 20));
    return [/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuid), crypto.randomBytes(16).length,
      ints.every((n) => n >= 10 && n < 20 && Number.isInteger(n)), new Set(ints).size > 5, crypto.randomInt(1) === 0,
      Math.random() !== Math.random(), crypto.getRandomValues(new Uint8Array(8)).length];
  },
  random_errors: () => [(() => { try { crypto.randomInt(5, 5); } catch (e) { return e.code; } })(),
    (() => { try { crypto.randomInt(1.5); } catch (e) { return e.code; } })()],
  // zlib
  zlib_node_data: () => [zlib.gunzipSync(Buffer.from(NODE_GZIP, 'base64')).toString(), zlib.inflateSync(Buffer.from(NODE_DEFLATE, 'base64')).toString(),
    zlib.unzipSync(Buffer.from(NODE_GZIP, 'base64')).toString()],
  zlib_roundtrip: () => {
    const text = 'edge '.repeat(1000) + 'ü✓';
    return [zlib.gunzipSync(zlib.gzipSync(text)).toString() === text, zlib.inflateSync(zlib.deflateSync(text, { level: 9 })).toString() === text,
      zlib.inflateRawSync(zlib.deflateRawSync(Buffer.from(text))).toString() === text, zlib.gzipSync(text).length < 200,
      zlib.gzipSync('x').slice(0, 3).toString('hex')];
  },
  zlib_brotli_constants: () => [Object.entries(zlib.constants).filter(([name]) => name.startsWith('BROTLI_')),
    zlib.BROTLI_PARAM_QUALITY, zlib.Z_BEST_COMPRESSION, typeof zlib.brotliCompressSync],
  zlib_error: () => { try { zlib.gunzipSync(Buffer.from('not gzip')); return 'no error'; } catch (e) { return [e.message, e.code, e.errno]; } },
  // err.stack: V8's first line `Name: message` (made when first read), then the frames
  error_stack: () => {
    const first = (s) => (typeof s === 'string' ? [s.split('\n')[0], s.split('\n')[1].startsWith('    at '), s.endsWith('\n')] : [typeof s, s]);
    class Custom extends Error { constructor(m) { super(m); this.name = 'CustomError'; } }
    class Proto extends Error {}
    Proto.prototype.name = 'ProtoName';
    class Cap extends Error { constructor(m) { super(m); Error.captureStackTrace(this, Cap); this.name = 'CapError'; } }
    const changed = new Error('before');
    changed.message = 'after';
    const read = new Error('read');
    const once = read.stack;
    read.message = 'later';
    const plain = {};
    Error.captureStackTrace(plain);
    const named = { message: 'om', name: 'Named' };
    Error.captureStackTrace(named);
    const noName = new Error('nn');
    noName.name = '';
    const keys = new Error('k');
    void keys.stack;
    const assigned = new Error('a');
    assigned.stack = 'custom stack';
    let thrown;
    try { null.x; } catch (e) { thrown = e; }
    const prep = Error.prepareStackTrace;
    Error.prepareStackTrace = (err, frames) => `custom:${err.message}:${Array.isArray(frames)}`;
    const prepared = new Error('prepared');
    const preparedStack = prepared.stack;
    Error.prepareStackTrace = prep;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const none = new Error('no frames');
    Error.stackTraceLimit = limit;
    return [first(new Error('boom').stack), first(new Error().stack), first(new TypeError('bad type').stack), first(new RangeError('').stack),
      first(new Custom('c').stack), first(new Proto('p').stack), first(new Cap('cap').stack), first(changed.stack), [first(read.stack), once === read.stack],
      first(plain.stack), first(named.stack), first(noName.stack), new Error('line1\nline2').stack.split('\n').slice(0, 2),
      [Object.keys(keys), JSON.stringify(keys), Object.getOwnPropertyNames(keys).includes('stack')], [assigned.stack, Object.keys(assigned)],
      first(thrown.stack)[0].startsWith('TypeError: '), [preparedStack, prepared.stack], [none.stack, util.inspect(none)],
      util.inspect(new Error('insp')).split('\n')[0], first(new AggregateError([new Error('x')], 'many').stack)];
  },
  // timers: order on (virtual) time
  timers_sync_order: () => 'see timers case in the handler',
};

function run() {
  const out = {};
  for (const [name, fn] of Object.entries(cases)) {
    try {
      out[name] = JSON.parse(JSON.stringify(fn(), (k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? 'null');
    } catch (err) {
      out[name] = `THREW ${err && err.name}: ${err && err.message}`;
    }
  }
  return out;
}

// Asynchronous behaviour: timers, promises and nextTick, in the order Node runs them.
function timers() {
  const order = [];
  return new Promise((resolve) => {
    const started = Date.now();
    // Gaps of 80+ ms between neighbours, the first timer included: Node runs on real time and an
    // interval is rescheduled from when its callback ran, so under load close deadlines can swap
    // places in Node itself (a 10 ms interval once came before setImmediate).
    setTimeout(() => order.push('timeout 250'), 250);
    const cleared = setTimeout(() => order.push('cleared'), 5);
    clearTimeout(cleared);
    setImmediate(() => order.push('immediate'));
    process.nextTick(() => order.push('nextTick'));
    Promise.resolve().then(() => order.push('microtask'));
    let n = 0;
    const iv = setInterval(() => { order.push(`interval ${++n}`); if (n === 2) clearInterval(iv); }, 80);
    setTimeout(() => { order.push(`elapsed>=350 ${Date.now() - started >= 350}`); resolve(order); }, 350);
    order.push('sync');
  });
}

module.exports = { run, timers, gzip: (text) => zlib.gzipSync(text).toString('base64') };
