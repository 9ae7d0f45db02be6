// The global Response, as Node 20's (undici 6's): new Response(body, { status, statusText, headers })
// with undici's checks and errors, status/statusText/ok/headers/type/url/redirected/body/bodyUsed, the
// body methods (internal/fetch_body), clone(), Response.json(), Response.error() and
// Response.redirect() (their headers immutable, as undici guards them), and Node's inspect output.
// Workers-style handlers build one; koa 3 tests `body instanceof Response`. Put into a function whose
// sources name Response or Request (edge/js/build.py's ON_DEMAND); the global is defined at the end.
defineBuiltin('internal/response', function (exports, require, module, internal) {
  const { Headers, makeImmutable } = require('internal/headers');
  const { extractBody, unusable, bodyMixin, cloneBody } = require('internal/fetch_body');
  const kState = Symbol('kState');
  const kMake = Symbol('kMake'); // the statics' way past the constructor's checks
  const NULL_BODY_STATUS = [101, 204, 205, 304];
  const REDIRECT_STATUS = [301, 302, 303, 307, 308];
  const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

  const illegalInvocation = () => internal.codeError(TypeError, 'ERR_INVALID_THIS', 'Illegal invocation');
  const state = (self) => {
    if (self === null || typeof self !== 'object' || !(kState in self)) throw illegalInvocation();
    return self[kState];
  };
  // WebIDL's unsigned short, as undici converts init.status
  const unsignedShort = (value) => {
    const number = Number(value);
    if (!Number.isFinite(number)) return 0;
    return ((Math.trunc(number) % 65536) + 65536) % 65536;
  };
  const dictionary = (init, prefix) => {
    if (init === undefined || init === null) return {};
    if (typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError(`${prefix}: Expected ${typeof init === 'symbol' ? 'Symbol()' : String(init)} to be one of: Null, Undefined, Object.`);
    }
    return init;
  };

  function fresh(type, status, statusText, headers, body) {
    const response = Object.create(Response.prototype);
    response[kState] = { type, status, statusText, headers, body, url: '', redirected: false };
    return response;
  }

  // The spec's "initialize a response": status, statusText, headers, then the body and its type
  function initialize(response, init, body) {
    const s = response[kState];
    if (init.status !== undefined) {
      s.status = unsignedShort(init.status);
      if (s.status < 200 || s.status > 599) throw new RangeError('init["status"] must be in the range of 200 to 599, inclusive.');
    }
    if (init.statusText !== undefined) {
      s.statusText = `${init.statusText}`;
      if (!REASON_PHRASE.test(s.statusText)) throw new TypeError('Invalid statusText');
    }
    if (init.headers !== undefined) {
      for (const [name, value] of new Headers(init.headers)) s.headers.append(name, value);
    }
    if (body !== null) {
      if (NULL_BODY_STATUS.includes(s.status)) throw new TypeError(`Response constructor: Invalid response status code ${s.status}`);
      s.body = body.body;
      if (body.type !== null && !s.headers.has('content-type')) s.headers.append('content-type', body.type);
    }
  }

  class Response {
    constructor(body = null, init = undefined) {
      const options = dictionary(init, 'undefined');
      this[kState] = { type: 'default', status: 200, statusText: '', headers: new Headers(), body: null, url: '', redirected: false };
      initialize(this, options, body === null || body === undefined ? null : extractBody(body));
    }

    static json(data, init = undefined) {
      const options = dictionary(init, 'Response.json');
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError('Value is not JSON serializable');
      const response = fresh('default', 200, '', new Headers(), null);
      initialize(response, options, { body: extractBody(text).body, type: 'application/json' });
      return response;
    }

    static error() {
      const headers = new Headers();
      makeImmutable(headers);
      return fresh('error', 0, '', headers, null);
    }

    static redirect(url, status = 302) {
      let parsed;
      try {
        parsed = new URL(`${url}`);
      } catch (err) {
        throw new TypeError(`Failed to parse URL from ${url}`, { cause: err });
      }
      const code = unsignedShort(status);
      if (!REDIRECT_STATUS.includes(code)) throw new RangeError(`Invalid status code ${code}`);
      const headers = new Headers({ location: parsed.href });
      makeImmutable(headers);
      return fresh('default', code, '', headers, null);
    }

    get type() { return state(this).type; }
    get url() { return state(this).url; }
    get redirected() { return state(this).redirected; }
    get status() { return state(this).status; }
    get ok() { const { status } = state(this); return status >= 200 && status <= 299; }
    get statusText() { return state(this).statusText; }
    get headers() { return state(this).headers; }
    get body() { const { body } = state(this); return body === null ? null : body.stream; }
    get bodyUsed() { const { body } = state(this); return body !== null && require('internal/fetch_body').isDisturbed(body.stream); }

    clone() {
      const s = state(this);
      if (unusable(s.body)) throw new TypeError('Response.clone: Body has already been consumed.');
      const headers = new Headers(s.headers);
      const copy = fresh(s.type, s.status, s.statusText, headers, s.body === null ? null : cloneBody(s.body));
      Object.assign(copy[kState], { url: s.url, redirected: s.redirected });
      return copy;
    }

    [internal.inspectCustom](depth, options, inspect) {
      if (depth < 0) return this;
      const shown = { status: this.status, statusText: this.statusText, headers: this.headers, body: this.body,
        bodyUsed: this.bodyUsed, ok: this.ok, redirected: this.redirected, type: this.type, url: this.url };
      return `Response ${(inspect || require('util').inspect)(shown, { ...options, depth: options.depth == null ? null : options.depth - 1 })}`;
    }
  }
  bodyMixin(Response.prototype, state);
  for (const name of ['type', 'url', 'redirected', 'status', 'ok', 'statusText', 'headers', 'body', 'bodyUsed', 'clone']) {
    Object.defineProperty(Response.prototype, name, { enumerable: true });
  }
  Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: 'Response', configurable: true });

  exports.Response = Response;
});
lazyGlobal('Response', () => requireBuiltin('internal/response').Response);
