// The global Request, as Node 20's (undici 6's): new Request(input, init) from an absolute URL (there
// is no base: a relative one throws as in Node), a URL or another Request, with init's method
// (normalized; CONNECT, TRACE and TRACK refused), headers, body (not with GET or HEAD; a stream needs
// duplex: 'half'), mode, credentials, cache, redirect, referrer, referrerPolicy, integrity, keepalive
// and signal (the request's own AbortSignal following it), undici's errors, the body methods
// (internal/fetch_body), clone() and Node's inspect output. Nothing sends one: fetch() refuses it as
// it refuses a URL. Put into a function whose sources name Response or Request (edge/js/build.py's
// ON_DEMAND); the global is defined at the end of this file.
defineBuiltin('internal/request', function (exports, require, module, internal) {
  const { Headers } = require('internal/headers');
  const { extractBody, unusable, isDisturbed, bodyMixin, cloneBody } = require('internal/fetch_body');
  const { AbortController, AbortSignal } = require('internal/abort');
  const kState = Symbol('kState');
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const NORMALIZED = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
  const FORBIDDEN = ['CONNECT', 'TRACE', 'TRACK'];
  const ENUMS = {
    referrerPolicy: ['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin',
      'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url'],
    mode: ['navigate', 'same-origin', 'no-cors', 'cors'],
    credentials: ['omit', 'same-origin', 'include'],
    cache: ['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached'],
    redirect: ['follow', 'manual', 'error'],
    duplex: ['half'],
  };

  const illegalInvocation = () => internal.codeError(TypeError, 'ERR_INVALID_THIS', 'Illegal invocation');
  const state = (self) => {
    if (self === null || typeof self !== 'object' || !(kState in self)) throw illegalInvocation();
    return self[kState];
  };

  function parseUrl(text) {
    try {
      return new URL(text);
    } catch (err) {
      throw new TypeError(`Failed to parse URL from ${text}`, { cause: err });
    }
  }

  function option(init, name) {
    const value = `${init[name]}`;
    if (!ENUMS[name].includes(value)) {
      throw new TypeError(`Request constructor: ${value} is not an accepted type. Expected one of ${ENUMS[name].join(', ')}.`);
    }
    return value;
  }

  // A signal of the request's own, aborted when the one given is (as undici follows it)
  function follow(signal) {
    const controller = new AbortController();
    if (signal !== null && signal !== undefined) {
      if (signal.aborted) controller.abort(signal.reason);
      else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    }
    return controller.signal;
  }

  class Request {
    constructor(input, init = undefined) {
      if (arguments.length < 1) throw new TypeError('Request constructor: 1 argument required, but 0 found.');
      if (init !== undefined && init !== null && typeof init !== 'object' && typeof init !== 'function') {
        throw new TypeError(`Request constructor: Expected ${typeof init === 'symbol' ? 'Symbol()' : String(init)} to be one of: Null, Undefined, Object.`);
      }
      const options = init ?? {};
      let base;
      let inputBody = null;
      if (input instanceof Request) {
        const from = state(input);
        base = { ...from, headers: from.headers };
        inputBody = from.body;
      } else {
        const url = parseUrl(`${input}`);
        if (url.username !== '' || url.password !== '') {
          throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${input}`);
        }
        base = { method: 'GET', url: url.href, headers: null, referrer: 'about:client', referrerPolicy: '', mode: 'cors',
          credentials: 'same-origin', cache: 'default', redirect: 'follow', integrity: '', keepalive: false, signal: null };
      }
      const s = { ...base, body: null };
      if (options.referrer !== undefined) {
        const referrer = `${options.referrer}`;
        if (referrer === '') {
          s.referrer = '';
        } else {
          let parsed;
          try {
            parsed = new URL(referrer);
          } catch (err) {
            throw new TypeError(`Referrer "${referrer}" is not a valid URL.`, { cause: err });
          }
          s.referrer = parsed.protocol === 'about:' && parsed.hostname === 'client' ? 'about:client' : parsed.href;
        }
      }
      if (options.referrerPolicy !== undefined) s.referrerPolicy = option(options, 'referrerPolicy');
      if (options.mode !== undefined) {
        const mode = option(options, 'mode');
        if (mode === 'navigate') throw new TypeError('Request constructor: invalid request mode navigate.');
        s.mode = mode;
      }
      if (options.credentials !== undefined) s.credentials = option(options, 'credentials');
      if (options.cache !== undefined) s.cache = option(options, 'cache');
      if (s.cache === 'only-if-cached' && s.mode !== 'same-origin') {
        throw new TypeError("'only-if-cached' can be set only with 'same-origin' mode");
      }
      if (options.redirect !== undefined) s.redirect = option(options, 'redirect');
      if (options.integrity !== undefined) s.integrity = `${options.integrity}`;
      if (options.keepalive !== undefined) s.keepalive = Boolean(options.keepalive);
      if (options.method !== undefined) {
        const method = `${options.method}`;
        if (!TOKEN.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
        const upper = method.toUpperCase();
        if (FORBIDDEN.includes(upper)) throw new TypeError(`'${method}' HTTP method is unsupported.`);
        s.method = NORMALIZED.includes(upper) ? upper : method;
      }
      let signal = base.signal;
      if (options.signal !== undefined) {
        if (options.signal !== null && !(options.signal instanceof AbortSignal)) {
          throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
        }
        signal = options.signal;
      }
      s.signal = follow(signal);
      s.headers = new Headers(options.headers !== undefined ? options.headers : (base.headers || undefined));

      const initBody = options.body === undefined || options.body === null ? null : options.body;
      if ((initBody !== null || inputBody !== null) && (s.method === 'GET' || s.method === 'HEAD')) {
        throw new TypeError('Request with GET/HEAD method cannot have body.');
      }
      if (initBody !== null) {
        const { body, type } = extractBody(initBody);
        if (type !== null && !s.headers.has('content-type')) s.headers.append('content-type', type);
        if (body.source === null && options.duplex === undefined) {
          throw new TypeError('RequestInit: duplex option is required when sending a body.');
        }
        s.body = body;
      } else if (inputBody !== null) {
        if (unusable(inputBody)) throw new TypeError('Cannot construct a Request with a Request object that has already been used.');
        // the input's stream moves to this request, which leaves the input used (as undici pipes it through)
        const [moved, left] = inputBody.stream.tee();
        left.cancel();
        inputBody.stream = left;
        s.body = { ...inputBody, stream: moved };
      }
      if (options.duplex !== undefined) option(options, 'duplex');
      this[kState] = s;
    }

    get method() { return state(this).method; }
    get url() { return state(this).url; }
    get headers() { return state(this).headers; }
    get destination() { state(this); return ''; }
    get referrer() { return state(this).referrer; }
    get referrerPolicy() { return state(this).referrerPolicy; }
    get mode() { return state(this).mode; }
    get credentials() { return state(this).credentials; }
    get cache() { return state(this).cache; }
    get redirect() { return state(this).redirect; }
    get integrity() { return state(this).integrity; }
    get keepalive() { return state(this).keepalive; }
    get isReloadNavigation() { state(this); return false; }
    get isHistoryNavigation() { state(this); return false; }
    get signal() { return state(this).signal; }
    get body() { const { body } = state(this); return body === null ? null : body.stream; }
    get bodyUsed() { const { body } = state(this); return body !== null && isDisturbed(body.stream); }
    get duplex() { state(this); return 'half'; }

    clone() {
      const s = state(this);
      if (unusable(s.body)) throw new TypeError('unusable');
      const copy = Object.create(Request.prototype);
      copy[kState] = { ...s, headers: new Headers(s.headers), signal: follow(s.signal),
        body: s.body === null ? null : cloneBody(s.body) };
      return copy;
    }

    [internal.inspectCustom](depth, options, inspect) {
      if (depth < 0) return this;
      const shown = { method: this.method, url: this.url, headers: this.headers, destination: this.destination,
        referrer: this.referrer, referrerPolicy: this.referrerPolicy, mode: this.mode, credentials: this.credentials,
        cache: this.cache, redirect: this.redirect, integrity: this.integrity, keepalive: this.keepalive,
        isReloadNavigation: this.isReloadNavigation, isHistoryNavigation: this.isHistoryNavigation, signal: this.signal };
      return `Request ${(inspect || require('util').inspect)(shown, { ...options, depth: options.depth == null ? null : options.depth - 1 })}`;
    }
  }
  bodyMixin(Request.prototype, state);
  for (const name of ['method', 'url', 'headers', 'destination', 'referrer', 'referrerPolicy', 'mode', 'credentials',
    'cache', 'redirect', 'integrity', 'keepalive', 'isReloadNavigation', 'isHistoryNavigation', 'signal', 'body',
    'bodyUsed', 'duplex', 'clone']) {
    Object.defineProperty(Request.prototype, name, { enumerable: true });
  }
  Object.defineProperty(Request.prototype, Symbol.toStringTag, { value: 'Request', configurable: true });

  exports.Request = Request;
});
lazyGlobal('Request', () => requireBuiltin('internal/request').Request);
