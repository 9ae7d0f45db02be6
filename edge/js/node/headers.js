// Headers, the Fetch API's header list (a global in Node 18+, undici's): names compared without case,
// values trimmed, a name's values joined with ", " (Set-Cookie's kept apart), iteration sorted by
// name, undici's errors. Packages build one before they fetch (jose's createRemoteJWKSet): with it they
// reach fetch(), which refuses with the reason (edge functions make no network calls), instead of
// failing on `Headers is not defined`. Put in a function only when one of its sources names Headers.
defineBuiltin('internal/headers', function (exports, require, module, internal) {
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const EDGES = /^[\t\n\r ]+|[\t\n\r ]+$/g;

  function headerName(name, method) {
    const text = String(name);
    if (!TOKEN.test(text)) throw new TypeError(`Headers.${method}: "${text}" is an invalid header name.`);
    return text.toLowerCase();
  }

  function headerValue(value, method) {
    const text = String(value).replace(EDGES, '');
    if (/[\0\r\n]/.test(text)) throw new TypeError(`Headers.${method}: "${text}" is an invalid header value.`);
    return text;
  }

  const IteratorPrototype = Object.create(Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())), {
    [Symbol.toStringTag]: { value: 'Headers Iterator', configurable: true },
  });

  // Headers a Response.error() or Response.redirect() made, which undici guards as 'immutable'
  const immutable = new WeakSet();
  const refuseChange = (headers) => {
    if (immutable.has(headers)) throw new TypeError('immutable');
  };

  class Headers {
    #list = []; // [lower-case name, value], in the order they were added

    constructor(init = undefined) {
      if (init === undefined || init === null) return;
      if (typeof init !== 'object' && typeof init !== 'function') {
        throw new TypeError('Headers constructor: Argument 1 could not be converted to one of: '
          + 'sequence<sequence<ByteString>>, record<ByteString, ByteString>.');
      }
      if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const entry = [...pair];
          if (entry.length !== 2) {
            throw new TypeError(`Headers constructor: expected name/value pair to be length 2, found ${entry.length}.`);
          }
          this.append(entry[0], entry[1]);
        }
      } else {
        for (const key of Reflect.ownKeys(init)) {
          if (typeof key === 'string' && Object.prototype.propertyIsEnumerable.call(init, key)) this.append(key, init[key]);
        }
      }
    }

    append(name, value) {
      const entry = [headerName(name, 'append'), headerValue(value, 'append')];
      refuseChange(this);
      this.#list.push(entry);
    }

    delete(name) {
      const key = headerName(name, 'delete');
      refuseChange(this);
      this.#list = this.#list.filter(([k]) => k !== key);
    }

    get(name) {
      const key = headerName(name, 'get');
      const values = this.#list.filter(([k]) => k === key).map(([, v]) => v);
      return values.length === 0 ? null : values.join(', ');
    }

    getSetCookie() {
      return this.#list.filter(([k]) => k === 'set-cookie').map(([, v]) => v);
    }

    has(name) {
      const key = headerName(name, 'has');
      return this.#list.some(([k]) => k === key);
    }

    set(name, value) {
      const key = headerName(name, 'set');
      const text = headerValue(value, 'set');
      refuseChange(this);
      const first = this.#list.findIndex(([k]) => k === key);
      if (first === -1) {
        this.#list.push([key, text]);
        return;
      }
      this.#list[first] = [key, text];
      this.#list = this.#list.filter(([k], i) => i <= first || k !== key);
    }

    forEach(callback, thisArg = undefined) {
      for (const [name, value] of this) callback.call(thisArg, value, name, this);
    }

    #sorted() {
      const names = [...new Set(this.#list.map(([k]) => k))].sort();
      const out = [];
      for (const name of names) {
        if (name === 'set-cookie') out.push(...this.getSetCookie().map((v) => [name, v]));
        else out.push([name, this.get(name)]);
      }
      return out;
    }

    #iterate(pick) {
      const items = this.#sorted();
      let i = 0;
      return Object.create(IteratorPrototype, {
        next: { value: () => (i < items.length ? { value: pick(items[i++]), done: false } : { value: undefined, done: true }) },
      });
    }

    entries() { return this.#iterate((pair) => pair); }
    keys() { return this.#iterate(([name]) => name); }
    values() { return this.#iterate(([, value]) => value); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return 'Headers'; }

    // undici's: each name once, in the order first added, its values joined (Set-Cookie's too)
    [internal.inspectCustom](depth, options, inspect) {
      const shown = {};
      for (const [name] of this.#list) if (!(name in shown)) shown[name] = this.#list.filter(([k]) => k === name).map(([, v]) => v).join(', ');
      return `Headers ${(inspect || require('util').inspect)(shown, options)}`;
    }
  }

  exports.Headers = Headers;
  exports.makeImmutable = (headers) => { immutable.add(headers); };
});
