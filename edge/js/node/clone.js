// structuredClone(value, { transfer }): the HTML structured clone as Node's (V8's) serializer does it,
// in JavaScript since QuickJS has none. What cannot be cloned (functions, symbols, promises, weak
// collections, generators) throws a DOMException named DataCloneError with V8's message.
defineBuiltin('internal/clone', function (exports, require, module, internal) {
  const ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  const UNCLONEABLE = [Promise, WeakMap, WeakSet, WeakRef, FinalizationRegistry];
  const UNCLONEABLE_TAGS = new Set(['Generator', 'AsyncGenerator', 'Module']);
  const toString = Object.prototype.toString;
  const own = Object.prototype.hasOwnProperty;

  function described(value) {
    if (typeof value === 'function') return Function.prototype.toString.call(value);
    if (typeof value === 'symbol') return value.toString();
    let name = '';
    try {
      const ctor = value.constructor;
      name = typeof ctor === 'function' && typeof ctor.name === 'string' ? ctor.name : '';
    } catch (err) { /* a throwing getter: fall back to the tag */ }
    return name ? `#<${name}>` : toString.call(value); // V8: [object Generator] when there is no constructor
  }

  function dataCloneError(message) {
    return new DOMException(message, 'DataCloneError');
  }

  function define(target, key, value) {
    if (key === '__proto__') {
      Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
    } else {
      target[key] = value;
    }
  }

  function hidden(target, key, value) {
    Object.defineProperty(target, key, { value, writable: true, enumerable: false, configurable: true });
  }

  // Error objects keep their standard type (by `name`), message, stack and cause; nothing else.
  function cloneError(value, memory, clone) {
    let name;
    try { name = value.name; } catch (err) { name = undefined; }
    const Ctor = typeof name === 'string' && own.call(ERRORS, name) ? ERRORS[name] : Error;
    const out = Object.create(Ctor.prototype);
    memory.set(value, out);
    const message = Object.getOwnPropertyDescriptor(value, 'message');
    if (message !== undefined && 'value' in message) hidden(out, 'message', String(message.value));
    let stack;
    try { stack = value.stack; } catch (err) { stack = undefined; }
    if (typeof stack === 'string') hidden(out, 'stack', stack);
    if (own.call(value, 'cause')) hidden(out, 'cause', clone(value.cause));
    return out;
  }

  function typedArrayCtor(value) {
    const ctor = globalThis[toString.call(value).slice(8, -1)];
    return typeof ctor === 'function' && typeof ctor.BYTES_PER_ELEMENT === 'number' ? ctor : Uint8Array; // Buffer -> Uint8Array
  }

  function structuredClone(value, options) {
    if (arguments.length === 0) {
      throw internal.codeError(TypeError, 'ERR_MISSING_ARGS', 'The value argument must be specified');
    }
    const transfer = transferList(options);
    const memory = new Map();

    function clone(v) {
      if (typeof v === 'symbol' || typeof v === 'function') throw dataCloneError(`${described(v)} could not be cloned.`);
      if (v === null || typeof v !== 'object') return v;
      const seen = memory.get(v);
      if (seen !== undefined) return seen;
      let out;
      if (Array.isArray(v)) {
        out = new Array(v.length);
        memory.set(v, out);
        for (const key of Object.keys(v)) define(out, key, clone(v[key]));
        return out;
      }
      if (v instanceof Date) out = new Date(v.getTime());
      else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
      else if (v instanceof Boolean) out = Object(Boolean.prototype.valueOf.call(v));
      else if (v instanceof Number) out = Object(Number.prototype.valueOf.call(v));
      else if (v instanceof String) out = Object(String.prototype.valueOf.call(v));
      else if (typeof BigInt === 'function' && v instanceof BigInt) out = Object(BigInt.prototype.valueOf.call(v));
      else if (v instanceof ArrayBuffer) out = v.slice(0);
      else if (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer) out = v; // shared, as in Node
      else if (ArrayBuffer.isView(v)) {
        const buffer = clone(v.buffer);
        out = v instanceof DataView ? new DataView(buffer, v.byteOffset, v.byteLength)
          : new (typedArrayCtor(v))(buffer, v.byteOffset, v.length);
      } else if (v instanceof Map) {
        out = new Map();
        memory.set(v, out);
        for (const [key, item] of [...Map.prototype.entries.call(v)]) out.set(clone(key), clone(item));
        return out;
      } else if (v instanceof Set) {
        out = new Set();
        memory.set(v, out);
        for (const item of [...Set.prototype.values.call(v)]) out.add(clone(item));
        return out;
      } else if (v instanceof Error) {
        return cloneError(v, memory, clone);
      } else if (v instanceof Symbol) {
        throw dataCloneError(`${Symbol.prototype.toString.call(v)} could not be cloned.`);
      } else if (UNCLONEABLE.some((Ctor) => typeof Ctor === 'function' && v instanceof Ctor)
        || UNCLONEABLE_TAGS.has(toString.call(v).slice(8, -1))) {
        throw dataCloneError(`${described(v)} could not be cloned.`);
      } else {
        // any other object: a plain object of its own enumerable string-keyed properties
        out = {};
        memory.set(v, out);
        for (const key of Object.keys(v)) define(out, key, clone(v[key]));
        return out;
      }
      memory.set(v, out);
      return out;
    }

    const result = clone(value);
    for (const buffer of transfer) buffer.transfer(); // detach the originals, as a transfer does
    return result;
  }

  function transferList(options) {
    if (options === undefined || options === null) return [];
    if (typeof options !== 'object') {
      throw internal.argType('options', 'of type object', options);
    }
    const list = options.transfer;
    if (list === undefined) return [];
    if (list === null || typeof list !== 'object' || typeof list[Symbol.iterator] !== 'function') {
      throw internal.argType('options.transfer', 'an iterable object', list);
    }
    const buffers = [];
    for (const item of list) {
      if (!(item instanceof ArrayBuffer)) throw dataCloneError('Value not transferable');
      if (buffers.includes(item)) throw dataCloneError('ArrayBuffer at index ' + buffers.length + ' is a duplicate of an earlier ArrayBuffer. Duplicate ArrayBuffers are not allowed.');
      if (item.detached) throw dataCloneError('An ArrayBuffer is detached and could not be cloned.');
      buffers.push(item);
    }
    return buffers;
  }

  exports.structuredClone = structuredClone;
});
