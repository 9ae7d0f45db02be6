// The Node layer's start: the native helpers, the built-in module registry and the globals.
// Evaluated once at build time inside the function's snapshot (edge/js/build.py joins the files
// of edge/js/node/ into /edge/boot.js); nothing here runs per request except the functions it defines.
const native = globalThis.__edge_native;
delete globalThis.__edge_native;

const internal = {
  native,
  skew: 0, // virtual milliseconds added by timers that fired early (timers.js)
  now() { return native.now() + internal.skew; },
  inspectCustom: Symbol.for('nodejs.util.inspect.custom'),
  // An error with a code. One of Node's own (lib/internal/errors.js's NodeError) reads
  // `TypeError [ERR_X]: message` in String(err) and in its stack's first line, with err.name still
  // 'TypeError' (nodeErrorPrototype says how); others are plain errors with a code, as in Node.
  kIsNodeError: Symbol('kIsNodeError'),
  // `codeFirst`: its own `code` before its `message` (['stack', 'code', 'message']), as Node's errors
  // whose message is made by a function (ERR_MISSING_ARGS, ERR_INVALID_ARG_TYPE) have them
  codeError(Ctor, code, message, codeFirst = false) {
    const err = new Ctor(codeFirst ? undefined : message);
    if (isNodeErrorCode(code)) Object.setPrototypeOf(err, nodeErrorPrototype(Ctor, code));
    Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
    if (codeFirst) Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true });
    return err;
  },
  // A plain error with a code, where Node makes one of its codes so (WebIDL's codedTypeError)
  plainCodeError(Ctor, code, message) {
    const err = new Ctor(message);
    Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
    return err;
  },
  typeError(code, message, codeFirst) { return internal.codeError(TypeError, code, message, codeFirst); },
  argType(name, expected, value) {
    let got;
    if (value == null) got = ` Received ${value}`;
    else if (typeof value === 'function') got = ` Received function ${value.name}`;
    else if (typeof value === 'object') got = value.constructor && value.constructor.name
      ? ` Received an instance of ${value.constructor.name}` : ` Received ${typeof value}`;
    else if (typeof value === 'string') { // Node's determineSpecificType
      const shown = value.length > 28 ? `${value.slice(0, 25)}...` : value;
      got = ` Received type string (${shown.includes("'") ? JSON.stringify(shown) : `'${shown}'`})`;
    } else {
      let shown = typeof value === 'bigint' ? `${value}n` : Object.is(value, -0) ? '-0' : String(value);
      if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
      got = ` Received type ${typeof value} (${shown})`;
    }
    // Node's wording: "The "x" argument", a "property" for a dotted name, a name ending ' argument' as it is
    const subject = name.endsWith(' argument') ? name : `"${name}" ${name.includes('.') ? 'property' : 'argument'}`;
    return internal.typeError('ERR_INVALID_ARG_TYPE', `The ${subject} must be ${expected}.${got}`);
  },
  // A Node.js API edge functions do not have, called: the error says why (Node's code for a
  // feature the platform lacks).
  unavailable(what, why) {
    return internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `${what} is not available in edge functions: ${why}`);
  },
  NO_NETWORK: 'they cannot make network calls (move the request to the origin, or put the data in ' +
    "the function's package, e.g. a JSON file require()d at build time)",
};

// Node's NodeError for a (constructor, code): a prototype of its own between the error and, say,
// TypeError.prototype, whose toString gives `${name} [${code}]: ${message}`, whose constructor is
// still TypeError, and whose kIsNodeError mark makes the stack's first line
// `${name} [${err.code}]: ${message}` when the stack is first read (util.js, stackHeader), as
// Node's prepareStackTrace does. Codes Node's C++ throws (node_errors.h: these, and OpenSSL's
// ERR_OSSL_*) and codes not ERR_ (MODULE_NOT_FOUND, Z_DATA_ERROR) are plain errors there.
const CPP_CODES = new Set(['ERR_BROTLI_COMPRESSION_FAILED', 'ERR_ZLIB_INITIALIZATION_FAILED',
  'ERR_CRYPTO_INVALID_AUTH_TAG', 'ERR_CRYPTO_INVALID_CURVE', 'ERR_CRYPTO_INVALID_IV',
  'ERR_CRYPTO_INVALID_KEYLEN', 'ERR_CRYPTO_INVALID_KEYPAIR', 'ERR_CRYPTO_INVALID_KEYTYPE', 'ERR_CRYPTO_OPERATION_FAILED',
  'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'ERR_CRYPTO_UNKNOWN_CIPHER', 'ERR_CRYPTO_UNSUPPORTED_OPERATION',
  'ERR_DLOPEN_FAILED', 'ERR_CONSTRUCT_CALL_INVALID']);
const isNodeErrorCode = (code) => typeof code === 'string' && code.startsWith('ERR_') && !code.startsWith('ERR_OSSL_') &&
  !CPP_CODES.has(code);
const nodeErrorPrototypes = new Map(); // constructor -> code -> prototype
function nodeErrorPrototype(Ctor, code) {
  let byCode = nodeErrorPrototypes.get(Ctor);
  if (byCode === undefined) nodeErrorPrototypes.set(Ctor, byCode = new Map());
  let proto = byCode.get(code);
  if (proto === undefined) {
    const descriptors = Object.getOwnPropertyDescriptors({
      get constructor() { return Ctor; },
      toString() { return `${this.name} [${code}]: ${this.message}`; },
      get [internal.kIsNodeError]() { return true; },
    });
    for (const key of Reflect.ownKeys(descriptors)) descriptors[key].enumerable = false;
    proto = Object.create(Ctor.prototype, descriptors);
    byCode.set(code, proto);
  }
  return proto;
}

// Promises rejected with no handler yet (promise -> reason): the invocation loop (runtime.js) fails
// the invocation once the jobs have run and one is still unhandled, as Node does between ticks.
internal.rejections = new Map();
native.onRejection((promise, reason, handled) => {
  if (handled) internal.rejections.delete(promise);
  else internal.rejections.set(promise, reason);
});

const builtinFactories = Object.create(null);
const builtinCache = Object.create(null);

function defineBuiltin(name, factory) {
  builtinFactories[name] = factory;
}

function loadBuiltin(name) {
  const cached = builtinCache[name];
  if (cached !== undefined) return cached.exports;
  const factory = builtinFactories[name];
  if (factory === undefined) return undefined;
  const module = { exports: {} };
  builtinCache[name] = module;
  factory(module.exports, requireBuiltin, module, internal);
  return module.exports;
}

function requireBuiltin(name) {
  const bare = name.startsWith('node:') ? name.slice(5) : name;
  const exports = loadBuiltin(bare);
  if (exports === undefined) throw internal.codeError(Error, 'MODULE_NOT_FOUND', `Cannot find module '${name}'`);
  return exports;
}

// Globals Node has and QuickJS does not: defined lazily so a function pays only for what it uses
// (the build also evaluates the ones its sources name, so they are in the snapshot already).
function lazyGlobal(name, get) {
  Object.defineProperty(globalThis, name, {
    configurable: true,
    enumerable: false,
    get() {
      const value = get();
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
      return value;
    },
    set(value) {
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
    },
  });
}
