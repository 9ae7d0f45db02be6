// require('async_hooks'): AsyncLocalStorage and AsyncResource over the context this layer carries
// (internal.asyncContext: the stores of the code running now, a frame replaced, never changed, on
// each run/enterWith/exit). QuickJS has no promise hooks, so the context goes where this layer can
// take it: into the callbacks of then/catch/finally (Promise.prototype.then, patched once this module
// loads), timers, setImmediate, queueMicrotask and process.nextTick, each run in the context it was
// scheduled in; and an async callback's own continuations: run(store, async () => { await x;
// getStore() }) sees its store after every await, because while a promise run() returned is pending its
// frame is the one jobs start in (set by a job queued before the callback ran; put back when the promise
// settles). Code outside the run() still sees its own context synchronously, but jobs of other async
// code running at the same time see the pending run's frame: two overlapping runs of one instance (an
// invocation at a time, as Lambda runs a handler) are where this differs from Node. createHook's hooks
// are never called (an object whose enable/disable do nothing); executionAsyncId() is 1 and
// triggerAsyncId() 0, Node's values at the top level. Put into a function whose sources name
// 'async_hooks' (edge/js/build.py's ON_DEMAND).
defineBuiltin('async_hooks', function (exports, require, module, internal) {
  const EMPTY = Object.freeze(Object.create(null));
  const ctx = internal.asyncContext || (internal.asyncContext = { current: EMPTY });
  ctx.empty = EMPTY; // where each invocation's handler starts (runtime.js)

  function withFrame(frame, fn, thisArg, args) {
    const saved = ctx.current;
    ctx.current = frame;
    try {
      return Reflect.apply(fn, thisArg, args);
    } finally {
      ctx.current = saved;
    }
  }
  internal.asyncContext.wrap = function wrap(fn) { // fn, run later in the context of now
    if (typeof fn !== 'function') return fn;
    const frame = ctx.current;
    if (frame === EMPTY) return fn;
    return function (...args) { return withFrame(frame, fn, this, args); };
  };

  // then/catch/finally callbacks run in the context they were registered in
  const originalThen = Promise.prototype.then;
  if (!originalThen.edgeContext) {
    const then = {
      then(onFulfilled, onRejected) {
        return Reflect.apply(originalThen, this, [ctx.wrap(onFulfilled), ctx.wrap(onRejected)]);
      },
    }.then;
    Object.defineProperty(then, 'edgeContext', { value: true });
    Object.defineProperty(Promise.prototype, 'then', { value: then, writable: true, configurable: true, enumerable: false });
    const originalMicrotask = globalThis.queueMicrotask;
    globalThis.queueMicrotask = { queueMicrotask(callback) {
      if (typeof callback !== 'function') return originalMicrotask(callback);
      return originalMicrotask(ctx.wrap(callback));
    } }.queueMicrotask;
  }

  // A promise `result` of run(): the frame stays the one its jobs start in until it settles.
  function keepWhilePending(frame, prev, marker, result) {
    if (!(result instanceof Promise)) return;
    marker.async = true;
    const restore = () => { if (ctx.current === frame) ctx.current = prev; };
    Reflect.apply(originalThen, result, [restore, restore]);
  }
  function enter(frame, fn, thisArg, args) {
    const prev = ctx.current;
    const marker = { async: false };
    Reflect.apply(originalThen, Promise.resolve(), [() => { if (marker.async) ctx.current = frame; }]);
    ctx.current = frame;
    let result;
    try {
      result = Reflect.apply(fn, thisArg, args);
    } finally {
      ctx.current = prev;
    }
    keepWhilePending(frame, prev, marker, result);
    return result;
  }

  let nextAsyncId = 2;
  const executionAsyncId = () => 1;
  const triggerAsyncId = () => 0;
  const topResource = {};
  const executionAsyncResource = () => topResource;

  const kAsyncId = Symbol('asyncId');
  const kTriggerAsyncId = Symbol('triggerAsyncId');
  const kFrame = Symbol('context');
  class AsyncResource {
    constructor(type, opts = {}) {
      if (typeof type !== 'string') throw internal.argType('type', 'of type string', type);
      let trigger = opts;
      if (typeof opts !== 'number') trigger = opts.triggerAsyncId === undefined ? executionAsyncId() : opts.triggerAsyncId;
      if (!Number.isSafeInteger(trigger) || trigger < -1) {
        throw internal.codeError(RangeError, 'ERR_INVALID_ASYNC_ID', `Invalid triggerAsyncId value: ${trigger}`);
      }
      this[kAsyncId] = nextAsyncId++;
      this[kTriggerAsyncId] = trigger;
      this[kFrame] = ctx.current;
    }
    runInAsyncScope(fn, thisArg, ...args) { return enter(this[kFrame], fn, thisArg, args); }
    emitDestroy() { return this; }
    asyncId() { return this[kAsyncId]; }
    triggerAsyncId() { return this[kTriggerAsyncId]; }
    bind(fn, thisArg) {
      if (typeof fn !== 'function') throw internal.argType('fn', 'of type function', fn);
      const resource = this;
      const bound = thisArg === undefined
        ? function (...args) { return resource.runInAsyncScope(fn, this, ...args); }
        : (...args) => resource.runInAsyncScope(fn, thisArg, ...args);
      Object.defineProperty(bound, 'length', { value: fn.length, configurable: true });
      Object.defineProperty(bound, 'asyncResource', { value: resource, configurable: true, enumerable: true, writable: true });
      return bound;
    }
    static bind(fn, type, thisArg) {
      type = type || fn.name;
      return new AsyncResource(type || 'bound-anonymous-fn').bind(fn, thisArg);
    }
  }

  class AsyncLocalStorage {
    constructor() {
      this.kResourceStore = Symbol('kResourceStore');
      this.enabled = false;
    }
    static bind(fn) { return AsyncResource.bind(fn); }
    static snapshot() { return AsyncLocalStorage.bind((cb, ...args) => cb(...args)); }
    disable() {
      if (!this.enabled) return;
      this.enabled = false;
      if (this.kResourceStore in ctx.current) ctx.current = without(ctx.current, this.kResourceStore);
    }
    _enable() { this.enabled = true; }
    enterWith(store) {
      this._enable();
      ctx.current = Object.freeze({ __proto__: null, ...ctx.current, [this.kResourceStore]: store });
    }
    run(store, callback, ...args) {
      if (Object.is(store, this.getStore()) && this.kResourceStore in ctx.current) return Reflect.apply(callback, null, args);
      this._enable();
      return enter(Object.freeze({ __proto__: null, ...ctx.current, [this.kResourceStore]: store }), callback, null, args);
    }
    exit(callback, ...args) {
      if (!this.enabled) return Reflect.apply(callback, null, args);
      return enter(without(ctx.current, this.kResourceStore), callback, null, args);
    }
    getStore() {
      if (this.enabled) return ctx.current[this.kResourceStore];
    }
  }
  function without(frame, key) {
    const copy = { __proto__: null, ...frame };
    delete copy[key];
    return Object.freeze(copy);
  }

  class AsyncHook {
    enable() { return this; }
    disable() { return this; }
  }
  function createHook(hooks) {
    const { init, before, after, destroy, promiseResolve } = hooks || {};
    for (const [name, fn] of Object.entries({ init, before, after, destroy, promiseResolve })) {
      if (fn !== undefined && typeof fn !== 'function') {
        throw internal.codeError(TypeError, 'ERR_ASYNC_CALLBACK', `hook.${name} must be a function`);
      }
    }
    return new AsyncHook();
  }

  const asyncWrapProviders = Object.freeze({ __proto__: null, NONE: 0, DIRHANDLE: 1, DNSCHANNEL: 2, ELDHISTOGRAM: 3,
    FILEHANDLE: 4, FILEHANDLECLOSEREQ: 5, BLOBREADER: 6, FSEVENTWRAP: 7, FSREQCALLBACK: 8, FSREQPROMISE: 9,
    GETADDRINFOREQWRAP: 10, GETNAMEINFOREQWRAP: 11, HEAPSNAPSHOT: 12, HTTP2SESSION: 13, HTTP2STREAM: 14,
    HTTP2PING: 15, HTTP2SETTINGS: 16, HTTPINCOMINGMESSAGE: 17, HTTPCLIENTREQUEST: 18, JSSTREAM: 19, JSUDPWRAP: 20,
    MESSAGEPORT: 21, PIPECONNECTWRAP: 22, PIPESERVERWRAP: 23, PIPEWRAP: 24, PROCESSWRAP: 25, PROMISE: 26,
    QUERYWRAP: 27, QUIC_LOGSTREAM: 28, QUIC_PACKET: 29, SHUTDOWNWRAP: 30, SIGNALWRAP: 31, STATWATCHER: 32,
    STREAMPIPE: 33, TCPCONNECTWRAP: 34, TCPSERVERWRAP: 35, TCPWRAP: 36, TTYWRAP: 37, UDPSENDWRAP: 38, UDPWRAP: 39,
    SIGINTWATCHDOG: 40, WORKER: 41, WORKERHEAPSNAPSHOT: 42, WRITEWRAP: 43, ZLIB: 44, CHECKPRIMEREQUEST: 45,
    PBKDF2REQUEST: 46, KEYPAIRGENREQUEST: 47, KEYGENREQUEST: 48, KEYEXPORTREQUEST: 49, CIPHERREQUEST: 50,
    DERIVEBITSREQUEST: 51, HASHREQUEST: 52, RANDOMBYTESREQUEST: 53, RANDOMPRIMEREQUEST: 54, SCRYPTREQUEST: 55,
    SIGNREQUEST: 56, TLSWRAP: 57, VERIFYREQUEST: 58 });

  module.exports = { AsyncLocalStorage, createHook, executionAsyncId, triggerAsyncId, executionAsyncResource,
    asyncWrapProviders, AsyncResource };
});
