// require('events'): EventEmitter, as in Node (synchronous listeners, once, error events).
defineBuiltin('events', function (exports, require, module, internal) {
  // A function, not a class, as in Node: older packages call EventEmitter.call(this) from their own
  // constructors, and copy its (enumerable) prototype methods onto their objects.
  function EventEmitter(opts) { EventEmitter.init.call(this, opts); }
  // captureRejections (Node's lib/events.js): a listener's returned promise that rejects is routed to
  // the emitter's Symbol.for('nodejs.rejection') method, else to its 'error' event, on the next tick.
  const kCapture = Symbol('kCapture');
  const kRejection = Symbol.for('nodejs.rejection');
  EventEmitter.init = function init(opts) {
    if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
      this._events = Object.create(null);
      this._eventsCount = 0;
    }
    this._maxListeners = this._maxListeners || undefined;
    if (opts?.captureRejections) {
      if (typeof opts.captureRejections !== 'boolean') {
        throw internal.argType('options.captureRejections', 'of type boolean', opts.captureRejections);
      }
      this[kCapture] = Boolean(opts.captureRejections);
    } else {
      this[kCapture] = EventEmitter.prototype[kCapture];
    }
  };
  const proto = EventEmitter.prototype;
  Object.defineProperty(proto, kCapture, { value: false, writable: true, enumerable: false });
  function addCatch(that, promise, type, args) {
    if (!that[kCapture]) return;
    try {
      const then = promise.then;
      if (typeof then === 'function') {
        then.call(promise, undefined, (err) => {
          require('process').nextTick(() => {
            try {
              emitUnhandledRejectionOrErr(that, err, type, args);
            } catch (thrown) { // no 'error' listener: Node's uncaught exception (a throw in a tick is not one here)
              require('timers').setImmediate(() => { throw thrown; });
            }
          });
        });
      }
    } catch (err) {
      that.emit('error', err);
    }
  }
  function emitUnhandledRejectionOrErr(ee, err, type, args) {
    if (typeof ee[kRejection] === 'function') {
      ee[kRejection](err, type, ...args);
    } else {
      const prev = ee[kCapture];
      try {
        ee[kCapture] = false;
        ee.emit('error', err);
      } finally {
        ee[kCapture] = prev;
      }
    }
  }
  proto._events = undefined;
  proto._eventsCount = 0;
  proto._maxListeners = undefined;
  // Node's validateNumber(n, 'setMaxListeners', 0), for an emitter's limit and events.setMaxListeners
  const checkLimit = (n) => {
    if (typeof n !== 'number') throw internal.argType('setMaxListeners', 'of type number', n);
    if (!(n >= 0)) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "setMaxListeners" is out of range. It must be >= 0. Received ${n}`);
    }
  };
  proto.setMaxListeners = function setMaxListeners(n) { checkLimit(n); this._maxListeners = n; return this; };
  proto.getMaxListeners = function getMaxListeners() {
    return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners;
  };
  proto.emit = function emit(type, ...args) {
    const events = this._events;
    if (type === 'error' && events !== undefined && events[errorMonitor] !== undefined) this.emit(errorMonitor, ...args);
    const handler = events && events[type];
    if (handler === undefined) {
      if (type === 'error') {
        const er = args[0];
        if (er instanceof Error) throw er;
        let shown;
        try {
          shown = require('util').inspect(er);
        } catch {
          shown = er;
        }
        const err = internal.codeError(Error, 'ERR_UNHANDLED_ERROR', `Unhandled error. (${shown})`);
        err.context = er;
        throw err;
      }
      return false;
    }
    if (typeof handler === 'function') {
      const result = handler.apply(this, args);
      if (result !== undefined && result !== null) addCatch(this, result, type, args);
    } else {
      for (const listener of handler.slice()) {
        const result = listener.apply(this, args);
        if (result !== undefined && result !== null) addCatch(this, result, type, args);
      }
    }
    return true;
  };
  proto._add = function _add(type, listener, prepend) {
    if (typeof listener !== 'function') throw internal.argType('listener', 'of type function', listener);
    if (this._events === undefined) EventEmitter.init.call(this);
    if (this._events.newListener !== undefined) this.emit('newListener', type, listener.listener ? listener.listener : listener);
    const existing = this._events[type];
    if (existing === undefined) {
      this._events[type] = listener;
      this._eventsCount++;
    } else if (typeof existing === 'function') {
      this._events[type] = prepend ? [listener, existing] : [existing, listener];
    } else if (prepend) existing.unshift(listener);
    else existing.push(listener);
    return this;
  };
  Object.defineProperty(proto, '_add', { enumerable: false });
  proto.addListener = function addListener(type, listener) { return this._add(type, listener, false); };
  proto.on = proto.addListener;
  proto.prependListener = function prependListener(type, listener) { return this._add(type, listener, true); };
  proto.once = function once(type, listener) { return this.on(type, onceWrapper(this, type, listener)); };
  proto.prependOnceListener = function prependOnceListener(type, listener) {
    return this.prependListener(type, onceWrapper(this, type, listener));
  };
  proto.removeListener = function removeListener(type, listener) {
    const list = this._events && this._events[type];
    if (list === undefined) return this;
    if (list === listener || list.listener === listener) {
      if (--this._eventsCount === 0) this._events = Object.create(null);
      else delete this._events[type];
      if (this._events.removeListener) this.emit('removeListener', type, list.listener || listener);
    } else if (typeof list !== 'function') {
      const i = list.findLastIndex((l) => l === listener || l.listener === listener);
      if (i < 0) return this;
      list.splice(i, 1);
      if (list.length === 1) this._events[type] = list[0];
      if (this._events.removeListener !== undefined) this.emit('removeListener', type, listener);
    }
    return this;
  };
  proto.off = proto.removeListener;
  proto.removeAllListeners = function removeAllListeners(type) {
    if (this._events === undefined) return this;
    if (type === undefined) {
      this._events = Object.create(null);
      this._eventsCount = 0;
    } else if (this._events[type] !== undefined) {
      delete this._events[type];
      this._eventsCount--;
    }
    return this;
  };
  proto.listeners = function listeners(type) {
    const l = this._events && this._events[type];
    if (l === undefined) return [];
    return typeof l === 'function' ? [l.listener || l] : l.map((x) => x.listener || x);
  };
  proto.rawListeners = function rawListeners(type) {
    const l = this._events && this._events[type];
    if (l === undefined) return [];
    return typeof l === 'function' ? [l] : l.slice();
  };
  proto.listenerCount = function listenerCount(type) {
    const l = this._events && this._events[type];
    if (l === undefined) return 0;
    return typeof l === 'function' ? 1 : l.length;
  };
  proto.eventNames = function eventNames() { return this._events ? Reflect.ownKeys(this._events) : []; };
  const errorMonitor = Symbol('events.errorMonitor');
  function onceWrapper(target, type, listener) {
    if (typeof listener !== 'function') throw internal.argType('listener', 'of type function', listener);
    const state = { fired: false, target, type, listener };
    const wrapped = function (...args) {
      if (!state.fired) {
        state.target.removeListener(state.type, wrapped);
        state.fired = true;
        return state.listener.apply(state.target, args);
      }
    };
    wrapped.listener = listener;
    return wrapped;
  }
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.errorMonitor = errorMonitor;
  EventEmitter.captureRejectionSymbol = kRejection;
  Object.defineProperty(EventEmitter, 'captureRejections', {
    get() { return EventEmitter.prototype[kCapture]; },
    set(value) {
      if (typeof value !== 'boolean') throw internal.argType('EventEmitter.captureRejections', 'of type boolean', value);
      EventEmitter.prototype[kCapture] = value;
    },
    enumerable: true,
  });
  EventEmitter.listenerCount = (emitter, type) => emitter.listenerCount(type);
  EventEmitter.getEventListeners = (emitter, type) => emitter.listeners(type);
  EventEmitter.once = (emitter, name) => new Promise((resolve, reject) => {
    const onError = (err) => { emitter.removeListener(name, onEvent); reject(err); };
    const onEvent = (...args) => { if (name !== 'error') emitter.removeListener('error', onError); resolve(args); };
    emitter.once(name, onEvent);
    if (name !== 'error') emitter.once('error', onError);
  });
  // Node 20's module functions a package imports by name (`import { on, setMaxListeners } from 'events'`:
  // a missing one failed the build): an EventTarget's (an AbortSignal's) limit is kept here, for
  // getMaxListeners, as there is no warning to give.
  const targetLimits = new WeakMap();
  class AbortError extends Error { // Node's (lib/internal/errors.js)
    constructor(message = 'The operation was aborted', options = undefined) {
      super(message, options);
      this.code = 'ABORT_ERR';
      this.name = 'AbortError';
    }
  }
  const isTarget = (value) => typeof globalThis.EventTarget === 'function' && value instanceof globalThis.EventTarget;
  EventEmitter.setMaxListeners = function setMaxListeners(n = EventEmitter.defaultMaxListeners, ...targets) {
    checkLimit(n);
    if (targets.length === 0) { EventEmitter.defaultMaxListeners = n; return; }
    for (const target of targets) {
      if (isTarget(target)) targetLimits.set(target, n);
      else if (target instanceof EventEmitter || typeof target?.setMaxListeners === 'function') target.setMaxListeners(n);
      else throw internal.argType('eventTargets', 'an instance of EventEmitter or EventTarget', target);
    }
  };
  EventEmitter.getMaxListeners = function getMaxListeners(emitterOrTarget) {
    if (typeof emitterOrTarget?.getMaxListeners === 'function') return emitterOrTarget.getMaxListeners();
    if (isTarget(emitterOrTarget)) return targetLimits.get(emitterOrTarget) ?? EventEmitter.defaultMaxListeners;
    throw internal.argType('emitter', 'an instance of EventEmitter or EventTarget', emitterOrTarget);
  };
  EventEmitter.addAbortListener = function addAbortListener(signal, listener) {
    if (signal === undefined || signal === null || typeof signal.aborted !== 'boolean') {
      throw internal.argType('signal', 'an instance of AbortSignal', signal);
    }
    if (typeof listener !== 'function') throw internal.argType('listener', 'of type function', listener);
    let remove = () => {};
    if (signal.aborted) {
      queueMicrotask(() => listener());
    } else {
      signal.addEventListener('abort', listener, { once: true });
      remove = () => signal.removeEventListener('abort', listener);
    }
    return { __proto__: null, [Symbol.dispose ?? Symbol.for('nodejs.dispose')]() { remove(); } };
  };
  EventEmitter.usingDomains = false;
  // events.on(emitter, name[, { signal, close }]): an async iterator of the events' argument arrays,
  // queued when none is awaited; an 'error' event rejects the next read and ends it, as Node's
  EventEmitter.on = function on(emitter, event, options = {}) {
    const signal = options?.signal;
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
    const events = [];
    const waiting = [];
    let error = null;
    let finished = false;
    const listeners = [];
    const listen = (name, fn) => { emitter.on(name, fn); listeners.push([name, fn]); };
    const done = () => ({ value: undefined, done: true });
    const closeAll = () => {
      for (const [name, fn] of listeners.splice(0)) emitter.removeListener(name, fn);
      if (signal) signal.removeEventListener('abort', onAbort);
      finished = true;
      for (const { resolve } of waiting.splice(0)) resolve(done());
    };
    const onEvent = (...args) => {
      const next = waiting.shift();
      if (next) next.resolve({ value: args, done: false });
      else events.push(args);
    };
    const onError = (err) => {
      const next = waiting.shift();
      if (next) next.reject(err);
      else error = err;
      iterator.return();
    };
    function onAbort() { onError(new AbortError(undefined, { cause: signal.reason })); }
    const iterator = Object.setPrototypeOf({
      next() {
        if (events.length) return Promise.resolve({ value: events.shift(), done: false });
        if (error) { const err = error; error = null; return Promise.reject(err); }
        if (finished) return Promise.resolve(done());
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      },
      return() { closeAll(); return Promise.resolve(done()); },
      throw(err) {
        if (!err || !(err instanceof Error)) throw internal.argType('EventEmitter.AsyncIterator', 'an instance of Error', err);
        onError(err);
      },
      [Symbol.asyncIterator]() { return this; },
    }, Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype));
    listen(event, onEvent);
    if (event !== 'error') listen('error', onError);
    for (const name of options?.close ?? []) listen(name, () => closeAll());
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    return iterator;
  };
  module.exports = EventEmitter;
});
