// require('util'): inspect and format with Node 20's output (console uses them), and the helpers
// handlers reach for (inherits, promisify, types, isDeepStrictEqual, TextEncoder/TextDecoder).
defineBuiltin('util', function (exports, require, module, internal) {
  const kObjectType = 0;
  const kArrayType = 1;
  const kArrayExtrasType = 2;
  const custom = internal.inspectCustom;
  const defaults = {
    showHidden: false, depth: 2, colors: false, customInspect: true, showProxy: false,
    maxArrayLength: 100, maxStringLength: 10000, breakLength: 80, compact: 3, sorted: false, getters: false,
    numericSeparator: false,
  };
  const identifier = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const meta = [
    '\\x00', '\\x01', '\\x02', '\\x03', '\\x04', '\\x05', '\\x06', '\\x07', '\\b', '\\t', '\\n', '\\x0B', '\\f', '\\r',
    '\\x0E', '\\x0F', '\\x10', '\\x11', '\\x12', '\\x13', '\\x14', '\\x15', '\\x16', '\\x17', '\\x18', '\\x19', '\\x1A',
    '\\x1B', '\\x1C', '\\x1D', '\\x1E', '\\x1F',
  ];
  // and lone surrogates, shown as \ud800 as Node shows them
  const escapeTest = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const escapeReplace = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

  function strEscape(str) {
    let quote = "'";
    let test = escapeTest;
    let replace = escapeReplace;
    if (str.includes("'")) {
      if (!str.includes('"')) quote = '"';
      else if (!str.includes('`') && !str.includes('${')) quote = '`';
      if (quote !== "'") {
        test = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
        replace = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
      }
    }
    if (str.length < 5000 && !test.test(str)) return quote + str + quote;
    const out = str.replace(replace, (c) => {
      const code = c.charCodeAt(0);
      if (code < 32) return meta[code];
      if (c === "'") return "\\'";
      if (c === '\\') return '\\\\';
      if (code >= 0xd800 && code <= 0xdfff) return '\\u' + code.toString(16);
      return '\\x' + code.toString(16).toUpperCase().padStart(2, '0');
    });
    return quote + out + quote;
  }

  function inspect(value, opts) {
    const ctx = { ...defaults, seen: [], indentationLvl: 0, currentDepth: 0, circular: undefined, budget: {} };
    if (arguments.length > 1 && typeof opts !== 'object') {
      if (arguments.length >= 3 && arguments[2] !== undefined) ctx.depth = arguments[2];
      if (typeof opts === 'boolean') ctx.showHidden = opts;
    } else if (opts && typeof opts === 'object') {
      for (const key of Object.keys(opts)) if (key in defaults || key === 'stylize') ctx[key] = opts[key];
    }
    if (ctx.depth === null) ctx.depth = Infinity;
    if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
    if (ctx.maxStringLength === null) ctx.maxStringLength = Infinity;
    return formatValue(ctx, value, 0);
  }
  inspect.custom = custom;
  inspect.defaultOptions = defaults;

  function formatValue(ctx, value, recurseTimes, typedArray) {
    if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(ctx, value);
    if (value === null) return 'null';
    if (ctx.customInspect) {
      const fn = value[custom];
      if (typeof fn === 'function' && fn !== inspect && !(Object.getOwnPropertyDescriptor(value, 'constructor') &&
          Object.getOwnPropertyDescriptor(value, 'constructor').value &&
          Object.getOwnPropertyDescriptor(value, 'constructor').value.prototype === value)) {
        const depth = ctx.depth === Infinity ? ctx.depth : ctx.depth - recurseTimes;
        const ret = fn.call(value, depth, { ...ctx, depth, stylize: (s) => s }, inspect);
        if (ret !== value) {
          if (typeof ret !== 'string') return formatValue(ctx, ret, recurseTimes);
          return ret.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
        }
      }
    }
    if (ctx.seen.includes(value)) {
      let index = 1;
      if (ctx.circular === undefined) {
        ctx.circular = new Map();
        ctx.circular.set(value, index);
      } else {
        index = ctx.circular.get(value);
        if (index === undefined) {
          index = ctx.circular.size + 1;
          ctx.circular.set(value, index);
        }
      }
      return `[Circular *${index}]`;
    }
    return formatRaw(ctx, value, recurseTimes, typedArray);
  }

  function formatNumber(n) {
    if (Object.is(n, -0)) return '-0';
    return `${n}`;
  }

  function formatPrimitive(ctx, value) {
    switch (typeof value) {
      case 'string': {
        let trailer = '';
        if (value.length > ctx.maxStringLength) {
          const remaining = value.length - ctx.maxStringLength;
          value = value.slice(0, ctx.maxStringLength);
          trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
        }
        if (ctx.compact !== true && value.length > 16 && value.length > ctx.breakLength - ctx.indentationLvl - 4) {
          const lines = value.split(/(?<=\n)/);
          if (lines.length > 1) {
            return lines.map((line) => strEscape(line)).join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer;
          }
        }
        return strEscape(value) + trailer;
      }
      case 'number': return formatNumber(value);
      case 'bigint': return `${value}n`;
      case 'boolean': return `${value}`;
      case 'undefined': return 'undefined';
      default: return value.toString(); // symbol
    }
  }

  function getConstructorName(obj) {
    let o = obj;
    while (o !== null && o !== undefined) {
      const desc = Object.getOwnPropertyDescriptor(o, 'constructor');
      if (desc !== undefined && typeof desc.value === 'function' && desc.value.name !== '') return desc.value.name;
      o = Object.getPrototypeOf(o);
    }
    return null;
  }

  function getPrefix(constructor, tag, fallback, size) {
    if (constructor === null) {
      if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
      return `[${fallback}${size}: null prototype] `;
    }
    if (tag !== '' && constructor !== tag) return `${constructor}${size} [${tag}] `;
    return `${constructor}${size} `;
  }

  function getKeys(value, showHidden) {
    const symbols = Object.getOwnPropertySymbols(value);
    let keys;
    if (showHidden) {
      keys = Object.getOwnPropertyNames(value);
      if (symbols.length !== 0) keys.push(...symbols);
    } else {
      keys = Object.keys(value);
      for (const s of symbols) if (Object.prototype.propertyIsEnumerable.call(value, s)) keys.push(s);
    }
    return keys;
  }

  const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  const typedArrayTag = Object.getOwnPropertyDescriptor(typedArrayProto, Symbol.toStringTag).get;
  function isTypedArray(v) { return typedArrayTag.call(v) !== undefined; }

  function isError(v) {
    return v instanceof Error || Object.prototype.toString.call(v) === '[object Error]';
  }

  // One of Node's own errors (prelude.js, codeError): its stack's first line names its code
  const isNodeError = (err) => err !== null && (typeof err === 'object' || typeof err === 'function') && internal.kIsNodeError in err;
  function errorStack(err, improve) {
    const name = err.name || 'Error';
    const message = err.message === undefined ? '' : String(err.message);
    const header = isNodeError(err) ? stackHeader(err) : message ? `${name}: ${message}` : `${name}`;
    const own = err.stack;
    let stack = typeof own === 'string' ? own : own ? String(own) : ''; // Node's getStackString
    if (stack === '' || stack === header) return `[${improve ? improve(header) : header}]`; // no frames: Node's brackets
    if (!/^\S/.test(stack)) stack = `${header}\n${stack}`; // QuickJS: frames only
    if (internal.unwrapColumns) stack = internal.unwrapColumns(stack); // the loader's (CommonJS first lines)
    stack = stack.replace(/\n+$/, '');
    if (!improve) return stack;
    stack = improve(stack);
    // util.inspect brackets a stack with no frames after the message, as Node's formatError (one
    // Error.prepareStackTrace made, or one set)
    let pos = (message && stack.indexOf(message)) || -1;
    if (pos !== -1) pos += message.length;
    return stack.indexOf('\n    at', pos) === -1 ? `[${stack}]` : stack;
  }

  // Node's improveStack (util.inspect): an error whose class is not what its name says shows both,
  // `DOMException [AbortError]: m`, `Foo [Error]: x` (class Foo extends Error), `Error [CustomError]: w`
  // (a name set on a plain Error); one with a null prototype `[Error: null prototype]: q`.
  function improveStack(stack, constructor, name, tag) {
    let len = name.length;
    if (constructor === null || (name.endsWith('Error') && stack.startsWith(name) &&
        (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
      let fallback = 'Error';
      if (constructor === null) {
        const start = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/.exec(stack) || /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
        fallback = (start && start[1]) || '';
        len = fallback.length;
        fallback = fallback || 'Error';
      }
      const prefix = getPrefix(constructor, tag, fallback, '').slice(0, -1);
      if (name !== prefix) {
        if (prefix.includes(name)) stack = len === 0 ? `${prefix}: ${stack}` : `${prefix}${stack.slice(len)}`;
        else stack = `${prefix} [${name}]${stack.slice(len)}`;
      }
    }
    return stack;
  }

  // err.stack as V8 writes it: the first line `Name: message`, then the frames. QuickJS keeps the
  // frames only; the first line is added when the stack is first read (V8 formats it then, so a
  // name or message set after the error was made is in it), and the result stays on the error as
  // V8's own non-enumerable `stack` does.
  const FRAMES_ONLY = /^(?: {4}at [^\n]*(?:\n|$))*$/;
  function stackHeader(err) {
    let name;
    let message;
    try {
      name = err.name;
      message = err.message;
      if (isNodeError(err)) return `${name} [${err.code}]: ${message}`; // as Node's prepareStackTrace
    } catch {
      return 'Error';
    }
    name = name === undefined ? 'Error' : String(name);
    message = message === undefined ? '' : String(message);
    if (name === '') return message;
    return message === '' ? name : `${name}: ${message}`;
  }
  const withHeader = (err, frames) => (frames === '' ? stackHeader(err) : `${stackHeader(err)}\n${frames.replace(/\n$/, '')}`);
  // Error.prepareStackTrace(err, callSites) is V8's: the CallSites are taken as the error is made (or
  // Error.captureStackTrace called), Error.stackTraceLimit of them, and the function installed when
  // `stack` is first read makes it then (a name set after super(), packages such as
  // source-map-support installed later); what it returns stays, a throw is the read's and the next
  // read calls it again. The engine calls the function it holds as it takes a stack: `keepSites`
  // while one is installed, which keeps the CallSites for that read; with none installed it writes
  // the frames as text, read back as CallSites (callsite.js) should one be installed by then.
  const BaseError = Error;
  const keptSites = new WeakSet();
  const keepSites = (_err, callSites) => { keptSites.add(callSites); return callSites; };
  const isTaken = (value) => (typeof value === 'string' ? FRAMES_ONLY.test(value)
    : value !== null && typeof value === 'object' && keptSites.has(value));
  let preparing = false; // a stack first read inside Error.prepareStackTrace gets V8's default, as in V8
  function makeStack(err, taken) {
    // Node's lookup: the global Error's (a subclass put in its place included), else the engine's Error's
    let holder = globalThis.Error;
    if (holder == null || typeof holder.prepareStackTrace !== 'function') holder = BaseError;
    if (typeof holder.prepareStackTrace === 'function' && !preparing) {
      const sites = typeof taken === 'string' ? internal.textCallSites(taken) : taken;
      preparing = true;
      try {
        return holder.prepareStackTrace(err, sites); // as Node calls it: `this` is that Error
      } finally {
        preparing = false;
      }
    }
    return withHeader(err, typeof taken === 'string' ? taken : taken.map(internal.engineFrame).join('\n'));
  }
  // Every error's `stack` is its own from the start, as V8's, and made when first read: the engine
  // keeps it lazy until then (engine.py's QUICKJS_EDITS, "lazy stack") and calls the maker below;
  // an Error's frames are in the engine (read with its Error.prototype.stack getter, which V8 has
  // not, so it goes), those of an Error.captureStackTrace target or a DOMException here.
  const takenFor = new WeakMap();
  function lazyStack(target, taken) {
    takenFor.set(target, taken);
    if (internal.native.lazyStack(target)) return;
    // not an own data property the engine can make lazy (a Proxy's target has it): made now
    Object.defineProperty(target, 'stack', { value: makeStack(target, taken), writable: true, configurable: true, enumerable: false });
  }
  const stackAccessor = Object.getOwnPropertyDescriptor(Error.prototype, 'stack');
  const prepareAccessor = Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace');
  if (stackAccessor && typeof stackAccessor.get === 'function' && prepareAccessor && typeof prepareAccessor.set === 'function') {
    const frames = stackAccessor.get;
    const setEngine = prepareAccessor.set;
    let installed = prepareAccessor.get.call(Error);
    setEngine.call(Error, typeof installed === 'function' ? keepSites : undefined);
    Object.defineProperty(Error, 'prepareStackTrace', { configurable: true, enumerable: false,
      get: function prepareStackTrace() { return installed; },
      set: function prepareStackTrace(value) {
        if (this !== BaseError && this !== null && (typeof this === 'object' || typeof this === 'function')) {
          // a subclass's own, as assigning it does in V8 (Error's is the one V8 calls)
          Object.defineProperty(this, 'prepareStackTrace', { value, writable: true, enumerable: true, configurable: true });
          return;
        }
        installed = value;
        setEngine.call(BaseError, typeof value === 'function' ? keepSites : undefined);
      } });
    delete Error.prototype.stack;
    internal.native.setStackMaker((err) => {
      let taken = takenFor.get(err);
      if (taken === undefined) taken = frames.call(err);
      // none taken (Promise.any's AggregateError, made in a job) or the engine could not (its stack had run out)
      if (!isTaken(taken)) taken = '';
      return makeStack(err, taken);
    });
    const capture = Error.captureStackTrace;
    Object.defineProperty(Error, 'captureStackTrace', { writable: true, configurable: true, enumerable: false,
      value: function captureStackTrace(target, constructorOpt) {
        capture(target, typeof constructorOpt === 'function' ? constructorOpt : captureStackTrace); // not this frame
        const own = Object.getOwnPropertyDescriptor(target, 'stack');
        if (own && isTaken(own.value)) lazyStack(target, own.value);
      } });
  }

  // A DOMException's stack as V8 writes it, `Name: message` first: QuickJS's DOMException keeps an
  // own `stack` of frames only. The global is a function sharing QuickJS's prototype, statics and
  // behaviour; it makes the exception with QuickJS's (for a subclass with its new.target) and drops its
  // own frame; the stack is made when first read, as an Error's (Error.prepareStackTrace's then).
  // Those the engine throws itself (atob's) keep frames only; util.inspect and Lambda's logged trace add the line.
  const NativeDOMException = globalThis.DOMException;
  if (typeof NativeDOMException === 'function') {
    const OWN_FRAME = /^ {4}at (?:new )?(?:DOMException|construct) \(node:internal\/[^\n]*\n?/;
    const isOwnSite = (site) => /^(?:DOMException|construct)$/.test(site.getFunctionName()) &&
      /^node:internal\//.test(site.getFileName());
    const DOMException = function DOMException(message, name) {
      if (new.target === undefined) throw new TypeError("Class constructor DOMException cannot be invoked without 'new'");
      let args = arguments;
      if (typeof name === 'object' && name !== null) args = [message, `${name.name}`]; // Node 20's options: { name, cause }
      const err = new.target === DOMException ? new NativeDOMException(...args) : Reflect.construct(NativeDOMException, args, new.target);
      if (args !== arguments && 'cause' in name) {
        Object.defineProperty(err, 'cause', { value: name.cause, configurable: true, writable: true, enumerable: false });
      }
      const own = Object.getOwnPropertyDescriptor(err, 'stack');
      if (own && isTaken(own.value)) {
        let taken = own.value;
        if (typeof taken === 'string') {
          while (OWN_FRAME.test(taken)) taken = taken.replace(OWN_FRAME, '');
        } else {
          while (taken.length !== 0 && isOwnSite(taken[0])) taken.shift();
        }
        lazyStack(err, taken);
      }
      return err;
    };
    for (const key of Reflect.ownKeys(NativeDOMException)) {
      if (key !== 'prototype' && key !== 'length' && key !== 'name') Object.defineProperty(DOMException, key, Object.getOwnPropertyDescriptor(NativeDOMException, key));
    }
    Object.defineProperty(DOMException, 'length', { value: NativeDOMException.length, configurable: true });
    Object.defineProperty(DOMException, 'prototype', { value: NativeDOMException.prototype, writable: false });
    Object.setPrototypeOf(DOMException, Object.getPrototypeOf(NativeDOMException));
    Object.defineProperty(NativeDOMException.prototype, 'constructor', { value: DOMException, writable: true, configurable: true });
    Object.defineProperty(globalThis, 'DOMException', { ...Object.getOwnPropertyDescriptor(globalThis, 'DOMException'), value: DOMException });
    // atob and btoa throw Node 20's errors (its forgiving-base64 checks, in its order; the engine's
    // own words differ), their stacks from the caller: no argument is ERR_MISSING_ARGS, anything
    // else is made a string first (a Symbol throws), then decoded or encoded by the engine
    const NOT_BASE64 = /[^\t\n\f\r A-Za-z0-9+/=]/;
    const BASE64_SPACE = /[\t\n\f\r ]/;
    const BASE64_SPACES = /[\t\n\f\r ]/g;
    const NOT_LATIN1 = /[^\x00-\xff]/;
    const invalid = (message, wrapped) => {
      const err = new DOMException(message, 'InvalidCharacterError');
      Error.captureStackTrace(err, wrapped);
      return err;
    };
    function base64Problem(input) {
      if (NOT_BASE64.test(input)) return 'Invalid character';
      const chars = BASE64_SPACE.test(input) ? input.replace(BASE64_SPACES, '') : input;
      const first = chars.indexOf('=');
      const equals = first === -1 ? 0 : chars.length - first;
      if (equals > 2 || (equals !== 0 && chars.slice(first) !== '='.repeat(equals))) return 'Invalid character';
      let reminder = chars.length % 4;
      if (reminder === 0) reminder = (chars.length - equals) % 4;
      else if (equals !== 0) return 'Invalid character';
      return reminder === 1 ? 'The string to be decoded is not correctly encoded.' : null;
    }
    for (const name of ['atob', 'btoa']) {
      const engine = globalThis[name];
      if (typeof engine !== 'function') continue;
      const wrapped = { [name](data) {
        if (arguments.length === 0) {
          const err = internal.typeError('ERR_MISSING_ARGS', 'The "input" argument must be specified', true);
          Error.captureStackTrace(err, wrapped);
          throw err;
        }
        const input = `${data}`;
        const problem = name === 'atob' ? base64Problem(input) : NOT_LATIN1.test(input) ? 'Invalid character' : null;
        if (problem !== null) throw invalid(problem, wrapped);
        try {
          return engine(input);
        } catch (err) {
          const own = err instanceof NativeDOMException ? Object.getOwnPropertyDescriptor(err, 'stack') : undefined;
          if (own && isTaken(own.value)) {
            Error.captureStackTrace(err, wrapped); // from the caller, a lazy first line (util's captureStackTrace)
          }
          throw err;
        }
      } }[name];
      Object.defineProperty(globalThis, name, { ...Object.getOwnPropertyDescriptor(globalThis, name), value: wrapped });
    }
  }

  function formatError(err, constructor, tag, ctx, keys) {
    const name = err.name != null ? String(err.name) : 'Error';
    let stack = errorStack(err, (text) => improveStack(text, constructor, name, tag));
    for (const name of ['name', 'message', 'stack']) {
      const index = keys.indexOf(name);
      if (index !== -1 && stack.includes(err[name])) keys.splice(index, 1);
    }
    if ('cause' in err && (keys.length === 0 || !keys.includes('cause'))) keys.push('cause');
    if (ctx.indentationLvl !== 0) {
      const indentation = ' '.repeat(ctx.indentationLvl);
      stack = stack.replaceAll('\n', `\n${indentation}`);
    }
    return stack;
  }

  function formatRaw(ctx, value, recurseTimes, typedArray) {
    let keys;
    let protoProps;
    const constructor = getConstructorName(value);
    let tag = value[Symbol.toStringTag];
    if (typeof tag !== 'string' || (tag !== '' && (ctx.showHidden ? Object.prototype.hasOwnProperty : Object.prototype.propertyIsEnumerable).call(value, Symbol.toStringTag))) {
      tag = typeof tag === 'string' && tag !== '' ? tag : '';
      if (typeof value[Symbol.toStringTag] !== 'string') tag = '';
    }
    let base = '';
    let formatter = getEmptyFormatArray;
    let braces;
    let noIterator = true;
    let i = 0;
    let extrasType = kObjectType;
    if (Symbol.iterator in value || constructor === null) {
      noIterator = false;
      if (Array.isArray(value)) {
        const prefix = (constructor !== 'Array' || tag !== '') ? getPrefix(constructor, tag, 'Array', `(${value.length})`) : '';
        keys = getKeys(value, ctx.showHidden).filter((k) => typeof k !== 'string' || !/^(0|[1-9][0-9]*)$/.test(k) || Number(k) >= 4294967295);
        braces = [`${prefix}[`, ']'];
        if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
        extrasType = kArrayExtrasType;
        formatter = formatArray;
      } else if (value instanceof Set) {
        const size = value.size;
        const prefix = getPrefix(constructor, tag, 'Set', `(${size})`);
        keys = getKeys(value, ctx.showHidden);
        formatter = formatSet;
        if (size === 0 && keys.length === 0) return `${prefix}{}`;
        braces = [`${prefix}{`, '}'];
      } else if (value instanceof Map) {
        const size = value.size;
        const prefix = getPrefix(constructor, tag, 'Map', `(${size})`);
        keys = getKeys(value, ctx.showHidden);
        formatter = formatMap;
        if (size === 0 && keys.length === 0) return `${prefix}{}`;
        braces = [`${prefix}{`, '}'];
      } else if (isTypedArray(value)) {
        keys = getKeys(value, ctx.showHidden).filter((k) => typeof k !== 'string' || !/^(0|[1-9][0-9]*)$/.test(k));
        const fallback = typedArrayTag.call(value);
        const size = value.length;
        const prefix = getPrefix(constructor, tag, fallback, `(${size})`);
        braces = [`${prefix}[`, ']'];
        if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
        formatter = formatTypedArray;
        extrasType = kArrayExtrasType;
      } else if (tag === 'Map Iterator' || tag === 'Set Iterator') {
        keys = getKeys(value, ctx.showHidden);
        braces = [`[${tag}] {`, '}'];
        formatter = (c, v, r) => formatList(c, [...v], r);
      } else {
        noIterator = true;
      }
    }
    if (noIterator) {
      keys = getKeys(value, ctx.showHidden);
      braces = ['{', '}'];
      if (constructor === 'Object') {
        if (value[Symbol.toStringTag] !== undefined && tag !== '') braces[0] = `${getPrefix(constructor, tag, 'Object', '')}{`;
        if (keys.length === 0) return `${braces[0]}}`;
      } else if (typeof value === 'function') {
        base = getFunctionBase(value, constructor, tag);
        if (keys.length === 0) return base;
      } else if (value instanceof RegExp) {
        base = RegExp.prototype.toString.call(value);
        const prefix = getPrefix(constructor, tag, 'RegExp', '');
        if (prefix !== 'RegExp ') base = `${prefix}${base}`;
        keys = keys.filter((k) => k !== 'lastIndex');
        if (keys.length === 0 || recurseTimes > ctx.depth) return base;
      } else if (value instanceof Date) {
        base = Number.isNaN(value.getTime()) ? Date.prototype.toString.call(value) : Date.prototype.toISOString.call(value);
        const prefix = getPrefix(constructor, tag, 'Date', '');
        if (prefix !== 'Date ') base = `${prefix}${base}`;
        if (keys.length === 0) return base;
      } else if (isError(value)) {
        base = formatError(value, constructor, tag, ctx, keys);
        if (keys.length === 0) return base;
      } else if (value instanceof ArrayBuffer) {
        const bytes = new Uint8Array(value);
        let hex = Array.from(bytes.subarray(0, Math.min(ctx.maxArrayLength, bytes.length)), (b) => b.toString(16).padStart(2, '0')).join(' ');
        const remaining = bytes.length - ctx.maxArrayLength;
        if (remaining > 0) hex += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
        const prefix = getPrefix(constructor, tag, 'ArrayBuffer', '');
        if (keys.length === 0 && recurseTimes > ctx.depth) return `${prefix}{ byteLength: ${value.byteLength} }`;
        braces[0] = `${prefix}{`;
        formatter = () => [`[Uint8Contents]: <${hex}>`, `byteLength: ${value.byteLength}`];
      } else if (value instanceof Promise) {
        braces[0] = `${getPrefix(constructor, tag, 'Promise', '')}{`;
        formatter = (c, v, r) => {
          const [state, result] = internal.native.promiseState ? internal.native.promiseState(v) : [0];
          if (state === 0) return ['<pending>'];
          c.indentationLvl += 2;
          const str = formatValue(c, result, r);
          c.indentationLvl -= 2;
          return [state === 2 ? `<rejected> ${str}` : str];
        };
      } else if (value instanceof WeakSet || value instanceof WeakMap) {
        return `${getPrefix(constructor, tag, value instanceof WeakSet ? 'WeakSet' : 'WeakMap', '')}{ <items unknown> }`;
      } else if (value instanceof Number || value instanceof String || value instanceof Boolean ||
                 (typeof BigInt === 'function' && value instanceof BigInt) || value instanceof Symbol) {
        let type;
        let fallback;
        if (value instanceof String) {
          fallback = strEscape(String.prototype.valueOf.call(value));
          type = 'String';
          keys = keys.filter((k) => typeof k !== 'string' || !/^(0|[1-9][0-9]*)$/.test(k) || Number(k) >= value.length);
        } else if (value instanceof Number) { fallback = formatNumber(Number.prototype.valueOf.call(value)); type = 'Number'; }
        else if (value instanceof Boolean) { fallback = `${Boolean.prototype.valueOf.call(value)}`; type = 'Boolean'; }
        else if (value instanceof Symbol) { fallback = Symbol.prototype.toString.call(value); type = 'Symbol'; }
        else { fallback = `${BigInt.prototype.valueOf.call(value)}n`; type = 'BigInt'; }
        base = `[${type}`;
        if (type !== constructor) base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
        base += `: ${fallback}]`;
        if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
        if (keys.length === 0) return base;
      } else {
        if (constructor === null && keys.length === 0) return `${getPrefix(constructor, tag, 'Object', '')}{}`;
        braces[0] = `${getPrefix(constructor, tag, 'Object', '')}{`;
        if (keys.length === 0) return `${braces[0]}}`;
      }
    }
    if (recurseTimes > ctx.depth && ctx.depth !== null) {
      let name = (getConstructorName(value) || tag || 'Object');
      if (Array.isArray(value)) name = 'Array';
      return `[${name}]`;
    }
    recurseTimes += 1;
    ctx.seen.push(value);
    ctx.currentDepth = recurseTimes;
    let output;
    try {
      output = formatter(ctx, value, recurseTimes);
      for (i = 0; i < keys.length; i++) output.push(formatProperty(ctx, value, recurseTimes, keys[i], extrasType));
    } finally {
      ctx.seen.pop();
    }
    if (ctx.circular !== undefined) {
      const index = ctx.circular.get(value);
      if (index !== undefined) {
        const reference = `<ref *${index}>`;
        if (ctx.compact !== true) base = base === '' ? reference : `${reference} ${base}`;
        else braces[0] = `${reference} ${braces[0]}`;
      }
    }
    if (ctx.sorted) {
      const cmp = ctx.sorted === true ? undefined : ctx.sorted;
      if (extrasType === kObjectType) output.sort(cmp);
    }
    const res = reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
    const newLength = (ctx.budget[ctx.indentationLvl] || 0) + res.length;
    ctx.budget[ctx.indentationLvl] = newLength;
    return res;
  }

  function getFunctionBase(value, constructor, tag) {
    const source = Function.prototype.toString.call(value);
    if (source.startsWith('class') && /^class(\s|\{)/.test(source)) {
      let base = `[class`;
      base += value.name ? ` ${value.name}` : ' (anonymous)';
      const superName = Object.getPrototypeOf(value).name;
      if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
      if (superName) base += ` extends ${superName}`;
      return base + ']';
    }
    let type = 'Function';
    if (constructor === 'AsyncFunction' || constructor === 'GeneratorFunction' || constructor === 'AsyncGeneratorFunction') type = constructor;
    let base = `[${type}`;
    if (constructor === null) base += ' (null prototype)';
    base += value.name === '' ? ' (anonymous)' : `: ${value.name}`;
    base += ']';
    if (constructor !== type && constructor !== null) base += ` ${constructor}`;
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
    return base;
  }

  function getEmptyFormatArray() { return []; }

  function formatArray(ctx, value, recurseTimes) {
    const valLen = value.length;
    const len = Math.min(Math.max(0, ctx.maxArrayLength), valLen);
    const remaining = valLen - len;
    const output = [];
    for (let i = 0; i < len; i++) {
      if (!Object.prototype.hasOwnProperty.call(value, i)) return formatArrayBuffer_holes(ctx, value, recurseTimes, len, output, i);
      output.push(formatProperty(ctx, value, recurseTimes, i, kArrayType));
    }
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }

  function formatArrayBuffer_holes(ctx, value, recurseTimes, len, output, start) {
    let i = start;
    let outputLen = output.length;
    while (i < value.length && outputLen < ctx.maxArrayLength) {
      if (Object.prototype.hasOwnProperty.call(value, i)) {
        output.push(formatProperty(ctx, value, recurseTimes, i, kArrayType));
        i++;
      } else {
        let j = i;
        while (j < value.length && !Object.prototype.hasOwnProperty.call(value, j)) j++;
        const holes = j - i;
        output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`);
        i = j;
      }
      outputLen++;
    }
    const remaining = value.length - i;
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }

  function formatTypedArray(ctx, value, recurseTimes) {
    const length = value.length;
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = length - maxLength;
    const output = new Array(maxLength);
    const big = typeof value[0] === 'bigint';
    for (let i = 0; i < maxLength; ++i) output[i] = big ? `${value[i]}n` : formatNumber(value[i]);
    if (remaining > 0) output[maxLength] = `... ${remaining} more item${remaining > 1 ? 's' : ''}`;
    if (ctx.showHidden) {
      ctx.indentationLvl += 2;
      for (const key of ['BYTES_PER_ELEMENT', 'length', 'byteLength', 'byteOffset', 'buffer']) {
        output.push(`[${key}]: ${formatValue(ctx, value[key], recurseTimes, true)}`);
      }
      ctx.indentationLvl -= 2;
    }
    return output;
  }

  function formatList(ctx, list, recurseTimes) {
    ctx.indentationLvl += 2;
    const output = list.map((v) => formatValue(ctx, v, recurseTimes));
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatSet(ctx, value, recurseTimes) {
    const length = value.size;
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = length - maxLength;
    const output = [];
    ctx.indentationLvl += 2;
    let i = 0;
    for (const v of value) {
      if (i >= maxLength) break;
      output.push(formatValue(ctx, v, recurseTimes));
      i++;
    }
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatMap(ctx, value, recurseTimes) {
    const length = value.size;
    const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
    const remaining = length - maxLength;
    const output = [];
    ctx.indentationLvl += 2;
    let i = 0;
    for (const [k, v] of value) {
      if (i >= maxLength) break;
      output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
      i++;
    }
    if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatProperty(ctx, value, recurseTimes, key, type) {
    let name;
    let str;
    const desc = Object.getOwnPropertyDescriptor(value, key) || { value: value[key], enumerable: true };
    if (desc.value !== undefined) {
      const diff = ctx.compact !== true || type !== kObjectType ? 2 : 3;
      ctx.indentationLvl += diff;
      str = formatValue(ctx, desc.value, recurseTimes);
      ctx.indentationLvl -= diff;
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
    } else if (desc.set !== undefined) {
      str = '[Setter]';
    } else {
      str = 'undefined';
    }
    if (type === kArrayType) return str;
    if (typeof key === 'symbol') {
      name = `[${key.toString().replace(escapeReplace, (c) => strEscape(c).slice(1, -1))}]`;
    } else if (key === '__proto__') {
      name = "['__proto__']";
    } else if (desc.enumerable === false) {
      name = `[${identifier.test(key) ? key : strEscape(key)}]`;
    } else if (identifier.test(key)) {
      name = key;
    } else {
      name = strEscape(key);
    }
    return `${name}: ${str}`;
  }

  function isBelowBreakLength(ctx, output, start, base) {
    let totalLength = output.length + start;
    if (totalLength + output.length > ctx.breakLength) return false;
    for (let i = 0; i < output.length; i++) {
      totalLength += output[i].length;
      if (totalLength > ctx.breakLength) return false;
    }
    return base === '' || !base.includes('\n');
  }

  function groupArrayElements(ctx, output, value) {
    let totalLength = 0;
    let maxLength = 0;
    let i = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--;
    const separatorSpace = 2;
    const dataLen = new Array(outputLength);
    for (; i < outputLength; i++) {
      const len = output[i].length;
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
        (totalLength / actualMax > 5 || maxLength <= 6)) {
      const averageBias = Math.sqrt(actualMax - totalLength / output.length);
      const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
      const columns = Math.min(
        Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
        Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        ctx.compact * 4,
        15,
      );
      if (columns <= 1) return output;
      const tmp = [];
      const maxLineLength = [];
      for (let c = 0; c < columns; c++) {
        let lineLength = 0;
        for (let j = c; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j];
        maxLineLength.push(lineLength + separatorSpace);
      }
      let padStart = true;
      if (value !== undefined) {
        for (let k = 0; k < output.length; k++) {
          if (typeof value[k] !== 'number' && typeof value[k] !== 'bigint') { padStart = false; break; }
        }
      }
      for (let r = 0; r < outputLength; r += columns) {
        const max = Math.min(r + columns, outputLength);
        let str = '';
        let j = r;
        for (; j < max - 1; j++) {
          const padding = maxLineLength[j - r];
          str += padStart ? `${output[j]}, `.padStart(padding, ' ') : `${output[j]}, `.padEnd(padding, ' ');
        }
        if (padStart) str += output[j].padStart(maxLineLength[j - r] - separatorSpace, ' ');
        else str += output[j];
        tmp.push(str);
      }
      if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength]);
      output = tmp;
    }
    return output;
  }

  function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
    if (ctx.compact !== true) {
      if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
        const entries = output.length;
        if (extrasType === kArrayExtrasType && entries > 6) output = groupArrayElements(ctx, output, value);
        if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
          const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
          if (isBelowBreakLength(ctx, output, start, base)) {
            const joined = output.join(', ');
            if (!joined.includes('\n')) return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
          }
        }
      }
      const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
      return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
    }
    if (isBelowBreakLength(ctx, output, 0, base)) {
      return `${braces[0]}${base ? ` ${base}` : ''} ${output.join(', ')} ${braces[1]}`;
    }
    const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
    const ln = base === '' && braces[0].length === 1 ? ' ' : `${base ? ` ${base}` : ''}\n${' '.repeat(ctx.indentationLvl)}  `;
    return `${braces[0]}${ln}${output.join(`,${indentation}  `)} ${braces[1]}`;
  }

  function hasBuiltInToString(value) {
    let obj = value;
    // an own or inherited toString that is not Object.prototype's / Error.prototype's / ... counts as user-defined
    while (obj !== null && obj !== undefined) {
      if (Object.prototype.hasOwnProperty.call(obj, 'toString')) {
        const ctor = Object.prototype.hasOwnProperty.call(obj, 'constructor') ? obj.constructor : undefined;
        return [Object, Error, Array, Date, RegExp, Function, Number, Boolean, String, Symbol].includes(ctor);
      }
      obj = Object.getPrototypeOf(obj);
    }
    return true;
  }

  function formatWithOptions(inspectOptions, ...args) {
    const first = args[0];
    let a = 0;
    let str = '';
    let join = '';
    if (typeof first === 'string') {
      if (args.length === 1) return first;
      let tempStr;
      let lastPos = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) === 37) { // '%'
          const nextChar = first.charCodeAt(++i);
          if (a + 1 !== args.length) {
            switch (nextChar) {
              case 115: { // 's'
                const tempArg = args[++a];
                if (typeof tempArg === 'number') tempStr = formatNumber(tempArg);
                else if (typeof tempArg === 'bigint') tempStr = `${tempArg}n`;
                else if (typeof tempArg !== 'object' || tempArg === null || !hasBuiltInToString(tempArg)) tempStr = String(tempArg);
                else tempStr = inspect(tempArg, { ...inspectOptions, depth: 0, colors: false, compact: 3 });
                break;
              }
              case 106: // 'j'
                try { tempStr = JSON.stringify(args[++a]); } catch (err) { tempStr = '[Circular]'; }
                break;
              case 100: { // 'd'
                const tempNum = args[++a];
                if (typeof tempNum === 'bigint') tempStr = `${tempNum}n`;
                else if (typeof tempNum === 'symbol') tempStr = 'NaN';
                else tempStr = formatNumber(Number(tempNum));
                break;
              }
              case 79: tempStr = inspect(args[++a], inspectOptions); break; // 'O'
              case 111: tempStr = inspect(args[++a], { ...inspectOptions, showHidden: true, showProxy: true, depth: 4 }); break; // 'o'
              case 105: { // 'i'
                const tempInteger = args[++a];
                if (typeof tempInteger === 'bigint') tempStr = `${tempInteger}n`;
                else if (typeof tempInteger === 'symbol') tempStr = 'NaN';
                else tempStr = formatNumber(Number.parseInt(tempInteger));
                break;
              }
              case 102: { // 'f'
                const tempFloat = args[++a];
                tempStr = typeof tempFloat === 'symbol' ? 'NaN' : formatNumber(Number.parseFloat(tempFloat));
                break;
              }
              case 99: a += 1; tempStr = ''; break; // 'c'
              case 37: str += first.slice(lastPos, i); lastPos = i + 1; continue; // '%'
              default: continue;
            }
            if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
            str += tempStr;
            lastPos = i + 1;
          } else if (nextChar === 37) {
            str += first.slice(lastPos, i);
            lastPos = i + 1;
          }
        }
      }
      if (lastPos !== 0) {
        a++;
        join = ' ';
        if (lastPos < first.length) str += first.slice(lastPos);
      }
    }
    while (a < args.length) {
      const value = args[a];
      str += join;
      str += typeof value !== 'string' ? inspect(value, inspectOptions) : value;
      join = ' ';
      a++;
    }
    return str;
  }

  function format(...args) { return formatWithOptions(undefined, ...args); }

  function inherits(ctor, superCtor) {
    if (ctor === undefined || ctor === null) throw internal.argType('ctor', 'of type function', ctor);
    if (superCtor === undefined || superCtor === null) throw internal.argType('superCtor', 'of type function', superCtor);
    if (superCtor.prototype === undefined) throw internal.argType('superCtor.prototype', 'of type object', superCtor.prototype);
    Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
    Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
  }

  const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');
  function promisify(original) {
    if (typeof original !== 'function') throw internal.argType('original', 'of type function', original);
    if (original[kCustomPromisify]) return original[kCustomPromisify];
    function fn(...args) {
      return new Promise((resolve, reject) => {
        original.call(this, ...args, (err, ...values) => {
          if (err) return reject(err);
          resolve(values[0]);
        });
      });
    }
    Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
    Object.defineProperty(fn, kCustomPromisify, { value: fn, configurable: true });
    return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
  }
  promisify.custom = kCustomPromisify;

  function callbackify(original) {
    if (typeof original !== 'function') throw internal.argType('original', 'of type function', original);
    return function (...args) {
      const cb = args.pop();
      if (typeof cb !== 'function') throw internal.argType('last argument', 'of type function', cb);
      original.apply(this, args).then((v) => cb(null, v), (e) => cb(e || new Error(String(e))));
    };
  }

  function isDeepStrictEqual(a, b) {
    return deepEqual(a, b, new Map());
  }
  function deepEqual(a, b, memo) {
    if (Object.is(a, b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (memo.get(a) === b) return true;
    memo.set(a, b);
    if (a instanceof Date) return a.getTime() === b.getTime();
    if (a instanceof RegExp) return String(a) === String(b);
    if (ArrayBuffer.isView(a)) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    }
    if (a instanceof Map) {
      if (a.size !== b.size) return false;
      for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k), memo)) return false;
    }
    if (a instanceof Set) {
      if (a.size !== b.size) return false;
      for (const v of a) if (!b.has(v)) return false;
    }
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual(a[k], b[k], memo)) return false;
    return true;
  }

  const types = {
    isDate: (v) => v instanceof Date,
    isRegExp: (v) => v instanceof RegExp,
    isMap: (v) => v instanceof Map,
    isSet: (v) => v instanceof Set,
    isPromise: (v) => v instanceof Promise,
    isTypedArray,
    isUint8Array: (v) => v instanceof Uint8Array,
    isArrayBuffer: (v) => v instanceof ArrayBuffer,
    isAnyArrayBuffer: (v) => v instanceof ArrayBuffer,
    isArrayBufferView: (v) => ArrayBuffer.isView(v),
    isNativeError: (v) => v instanceof Error,
    isAsyncFunction: (v) => typeof v === 'function' && getConstructorName(v) === 'AsyncFunction',
    isGeneratorFunction: (v) => typeof v === 'function' && /GeneratorFunction$/.test(getConstructorName(v) || ''),
    isBoxedPrimitive: (v) => v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof Symbol,
    isKeyObject: (v) => internal.isKeyObject !== undefined && internal.isKeyObject(v), // crypto sets it when it loads
    isCryptoKey: (v) => internal.isCryptoKey !== undefined && internal.isCryptoKey(v), // webcrypto.js sets it when it loads
  };

  Object.assign(exports, {
    inspect, format, formatWithOptions, inherits, promisify, callbackify, isDeepStrictEqual, types,
    isArray: Array.isArray,
    deprecate: (fn) => fn,
    debuglog: () => () => {},
    stripVTControlCharacters: (s) => String(s).replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''),
    toUSVString: (s) => String(s).toWellFormed ? String(s).toWellFormed() : String(s),
  });
  internal.completeUtil(exports); // util_types.js: the rest of util.types, and the legacy util.isString & co.
  lazyGetter(exports, 'TextEncoder', () => globalThis.TextEncoder);
  lazyGetter(exports, 'TextDecoder', () => globalThis.TextDecoder);
  internal.inspect = inspect;
  internal.format = format;
  internal.formatWithOptions = formatWithOptions;
  internal.errorStack = errorStack;

  function lazyGetter(obj, name, get) {
    Object.defineProperty(obj, name, { enumerable: true, configurable: true, get });
  }
});
defineBuiltin('util/types', function (exports, require, module) { module.exports = require('util').types; });
