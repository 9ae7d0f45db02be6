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
  codeError(Ctor, code, message) {
    const err = new Ctor(message);
    Object.defineProperty(err, 'code', { value: code, enumerable: true, writable: true, configurable: true });
    return err;
  },
  typeError(code, message) { return internal.codeError(TypeError, code, message); },
  argType(name, expected, value) {
    let got;
    if (value == null) got = ` Received ${value}`;
    else if (typeof value === 'function') got = ` Received function ${value.name}`;
    else if (typeof value === 'object') got = value.constructor && value.constructor.name
      ? ` Received an instance of ${value.constructor.name}` : ` Received ${typeof value}`;
    else {
      let shown = String(value).slice(0, 25);
      if (typeof value === 'string') shown = `'${shown}'`;
      got = ` Received type ${typeof value} (${shown})`;
    }
    return internal.typeError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}.${got}`);
  },
  // A Node.js API edge functions do not have, called: the error says why (Node's code for a
  // feature the platform lacks).
  unavailable(what, why) {
    return internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `${what} is not available in edge functions: ${why}`);
  },
  NO_NETWORK: 'they cannot make network calls (move the request to the origin, or put the data in ' +
    "the function's package, e.g. a JSON file require()d at build time)",
};

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
