// The global FormData, as Node 20's (undici 6's lib/web/fetch/formdata.js): entries of a name and a
// string or a File (a Blob becomes a File named 'blob', or the filename given; a File given a
// filename is a new File of that name, its type and lastModified kept), append, set, get, getAll,
// has, delete, keys/values/entries/forEach and iteration in insertion order, with undici's errors
// and inspect output; a Request or Response body encodes it as multipart (fetch_body.js). Put into a
// function whose sources name FormData (edge/js/build.py's ON_DEMAND, with blob.js); the global is
// defined at the end of this file.
defineBuiltin('internal/formdata', function (exports, require, module, internal) {
  const { Blob, File } = require('internal/blob');
  const kEntries = Symbol('kEntries');

  const illegalInvocation = () => {
    const err = new TypeError('Illegal invocation');
    err.code = 'ERR_INVALID_THIS';
    return err;
  };
  function check(self, args, min, prefix) {
    if (!(self instanceof FormData)) throw illegalInvocation();
    if (args.length < min) {
      throw new TypeError(`${prefix}: ${min} argument${min !== 1 ? 's' : ''} required, but${args.length ? ' only' : ''} ${args.length} found.`);
    }
  }
  const usv = (value) => `${value}`.toWellFormed();
  const isBlobLike = (value) => value instanceof Blob || (value !== null && typeof value === 'object' &&
    (value[Symbol.toStringTag] === 'Blob' || value[Symbol.toStringTag] === 'File') &&
    (typeof value.stream === 'function' || typeof value.arrayBuffer === 'function'));

  // The HTML standard's "create an entry"
  function entry(name, value, filename) {
    if (typeof value !== 'string') {
      if (!(value instanceof File) && value instanceof Blob) value = new File([value], 'blob', { type: value.type });
      if (filename !== undefined) {
        value = value instanceof File
          ? new File([value], filename, { type: value.type, lastModified: value.lastModified }) : value;
      }
    }
    return { name, value };
  }

  function parse(self, args, method) {
    const [name, value, filename] = args;
    if (args.length === 3 && !isBlobLike(value)) {
      throw new TypeError(`Failed to execute '${method}' on 'FormData': parameter 2 is not of type 'Blob'`);
    }
    return entry(usv(name), isBlobLike(value) ? value : usv(value), args.length === 3 ? usv(filename) : undefined);
  }

  class FormData {
    constructor(form) {
      if (form !== undefined) {
        throw new TypeError('FormData constructor: Argument 1 could not be converted to: undefined.');
      }
      Object.defineProperty(this, kEntries, { value: [], writable: true });
    }
    append(name, value, filename = undefined) {
      check(this, arguments, 2, 'FormData.append');
      this[kEntries].push(parse(this, Array.prototype.slice.call(arguments, 0, 3), 'append'));
    }
    delete(name) {
      check(this, arguments, 1, 'FormData.delete');
      const key = usv(name);
      this[kEntries] = this[kEntries].filter((e) => e.name !== key);
    }
    get(name) {
      check(this, arguments, 1, 'FormData.get');
      const key = usv(name);
      const found = this[kEntries].find((e) => e.name === key);
      return found === undefined ? null : found.value;
    }
    getAll(name) {
      check(this, arguments, 1, 'FormData.getAll');
      const key = usv(name);
      return this[kEntries].filter((e) => e.name === key).map((e) => e.value);
    }
    has(name) {
      check(this, arguments, 1, 'FormData.has');
      const key = usv(name);
      return this[kEntries].some((e) => e.name === key);
    }
    set(name, value, filename = undefined) {
      check(this, arguments, 2, 'FormData.set');
      const added = parse(this, Array.prototype.slice.call(arguments, 0, 3), 'set');
      const entries = this[kEntries];
      const i = entries.findIndex((e) => e.name === added.name);
      if (i === -1) entries.push(added);
      else this[kEntries] = [...entries.slice(0, i), added, ...entries.slice(i + 1).filter((e) => e.name !== added.name)];
    }
    [internal.inspectCustom](depth, options, inspect) {
      const state = { __proto__: null };
      for (const { name, value } of this[kEntries]) {
        if (!state[name]) state[name] = value;
        else if (Array.isArray(state[name])) state[name].push(value);
        else state[name] = [state[name], value];
      }
      const shown = (inspect || require('util').inspect)(state, { ...options, depth: options.depth ?? depth });
      return `FormData ${shown.slice(shown.indexOf(']') + 2)}`; // without "[Object: null prototype]"
    }
  }

  // undici's iteratorMixin: live iterators over the entries, tagged 'FormData Iterator'
  const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  const kTarget = Symbol('kTarget');
  const FormDataIterator = Object.create(IteratorPrototype, {
    next: {
      value: function next() {
        if (this === null || typeof this !== 'object' || !(kTarget in this)) {
          throw new TypeError("'next' called on an object that does not implement interface FormData Iterator.");
        }
        const state = this[kTarget];
        const entries = state.target[kEntries];
        if (state.index >= entries.length) return { value: undefined, done: true };
        const { name, value } = entries[state.index++];
        return { value: state.kind === 'key' ? name : state.kind === 'value' ? value : [name, value], done: false };
      },
      writable: true, enumerable: true, configurable: true,
    },
    [Symbol.toStringTag]: { value: 'FormData Iterator', configurable: true },
  });
  const iterator = (target, kind) => Object.create(FormDataIterator, { [kTarget]: { value: { target, kind, index: 0 } } });
  const method = (value) => ({ value, writable: true, enumerable: true, configurable: true });
  const entries = function entries() {
    if (!(this instanceof FormData)) throw illegalInvocation();
    return iterator(this, 'key+value');
  };
  Object.defineProperties(FormData.prototype, {
    keys: method(function keys() {
      if (!(this instanceof FormData)) throw illegalInvocation();
      return iterator(this, 'key');
    }),
    values: method(function values() {
      if (!(this instanceof FormData)) throw illegalInvocation();
      return iterator(this, 'value');
    }),
    entries: method(entries),
    forEach: method(function forEach(callbackfn, thisArg = globalThis) {
      check(this, arguments, 1, 'FormData.forEach');
      if (typeof callbackfn !== 'function') {
        throw new TypeError("Failed to execute 'forEach' on 'FormData': parameter 1 is not of type 'Function'.");
      }
      for (const [key, value] of iterator(this, 'key+value')) callbackfn.call(thisArg, value, key, this);
    }),
    [Symbol.iterator]: { value: entries, writable: true, enumerable: false, configurable: true },
    [Symbol.toStringTag]: { value: 'FormData', configurable: true },
  });
  for (const name of ['append', 'delete', 'get', 'getAll', 'has', 'set']) {
    Object.defineProperty(FormData.prototype, name, { enumerable: true });
  }

  exports.FormData = FormData;
});
lazyGlobal('FormData', () => requireBuiltin('internal/formdata').FormData);
