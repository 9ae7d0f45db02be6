// The globals Event, EventTarget, AbortController and AbortSignal, as Node 20 has them (its
// lib/internal/event_target.js and abort_controller.js, reduced to what one thread with no DOM needs):
// listeners as functions or { handleEvent } objects with once, signal and capture options,
// dispatchEvent with preventDefault/stopImmediatePropagation, AbortSignal's aborted/reason/onabort/
// throwIfAborted, AbortSignal.abort(), AbortSignal.timeout(ms) (an unref'd timer, on virtual time:
// Node's does not keep the process alive either) and AbortSignal.any(). An abort's default reason is
// Node's DOMException (AbortError, 'This operation was aborted'; TimeoutError for timeout()). A
// listener that throws does not stop the others and is the invocation's uncaught exception, as Node
// reports it on the process. Put into a function whose sources name AbortController, AbortSignal,
// EventTarget or Event (@middy/core 6 makes an AbortController as it loads), by edge/js/build.py's
// ON_DEMAND; runtime.js defines the globals.
defineBuiltin('internal/abort', function (exports, require, module, internal) {
  const kState = Symbol('kState');
  const kTrusted = Symbol('kTrusted');
  const illegal = () => internal.codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
  const uncaught = (err) => { require('timers').setImmediate(() => { throw err; }); };
  const inspect = (name, value, options, fn) => `${name} ${(fn || require('util').inspect)(value, options)}`;

  class Event {
    constructor(type, options = undefined) {
      if (arguments.length === 0) throw internal.codeError(TypeError, 'ERR_MISSING_ARGS', 'The "type" argument must be specified');
      if (options != null && typeof options !== 'object') throw internal.argType('options', 'of type object', options);
      this[kState] = { type: `${type}`, bubbles: Boolean(options?.bubbles), cancelable: Boolean(options?.cancelable),
        composed: Boolean(options?.composed), defaultPrevented: false, timeStamp: internal.now() - internal.timeOrigin,
        target: null, currentTarget: null, stop: false, propagationStopped: false, dispatching: false };
      Object.defineProperty(this, 'isTrusted', { get: isTrusted, enumerable: true, configurable: false });
      this[kTrusted] = false;
    }
    initEvent(type, bubbles = false, cancelable = false) {
      const s = this[kState];
      if (s.dispatching) return;
      Object.assign(s, { type: `${type}`, bubbles: Boolean(bubbles), cancelable: Boolean(cancelable) });
    }
    stopImmediatePropagation() { this[kState].stop = true; this[kState].propagationStopped = true; }
    preventDefault() { if (this[kState].cancelable) this[kState].defaultPrevented = true; }
    get target() { return this[kState].target; }
    get currentTarget() { return this[kState].currentTarget; }
    get srcElement() { return this[kState].target; }
    get type() { return this[kState].type; }
    get cancelable() { return this[kState].cancelable; }
    get defaultPrevented() { return this[kState].cancelable && this[kState].defaultPrevented; }
    get timeStamp() { return this[kState].timeStamp; }
    composedPath() { return this[kState].dispatching ? [this[kState].currentTarget] : []; }
    get returnValue() { return !this.defaultPrevented; }
    get bubbles() { return this[kState].bubbles; }
    get composed() { return this[kState].composed; }
    get eventPhase() { return this[kState].dispatching ? 2 : 0; }
    get cancelBubble() { return this[kState].propagationStopped; }
    set cancelBubble(value) { if (value) this[kState].propagationStopped = true; }
    stopPropagation() { this[kState].propagationStopped = true; }
    [internal.inspectCustom](depth, options, fn) {
      const s = this[kState];
      return inspect(this.constructor.name, { type: s.type, defaultPrevented: this.defaultPrevented, cancelable: s.cancelable,
        timeStamp: s.timeStamp }, options, fn);
    }
  }
  function isTrusted() { return this[kTrusted]; }
  for (const [name, value] of [['NONE', 0], ['CAPTURING_PHASE', 1], ['AT_TARGET', 2], ['BUBBLING_PHASE', 3]]) {
    Object.defineProperty(Event, name, { value, enumerable: true });
  }

  class EventTarget {
    constructor() { this[kState] = new Map(); } // type -> [{ listener, once, capture }]
    addEventListener(type, listener, options = undefined) {
      if (arguments.length < 2) {
        throw internal.codeError(TypeError, 'ERR_MISSING_ARGS', 'The "type" and "listener" arguments must be specified');
      }
      if (listener == null) return;
      if (typeof listener !== 'function' && typeof listener !== 'object') {
        throw internal.argType('listener', 'an instance of EventListener', listener);
      }
      const opts = typeof options === 'boolean' ? { capture: options } : (options || {});
      const capture = Boolean(opts.capture);
      const signal = opts.signal;
      if (signal !== undefined && signal !== null && signal.aborted) return;
      type = `${type}`;
      let list = this[kState].get(type);
      if (list === undefined) this[kState].set(type, list = []);
      if (list.some((l) => l.listener === listener && l.capture === capture)) return;
      const entry = { listener, once: Boolean(opts.once), capture, removed: false };
      list.push(entry);
      if (signal != null && typeof signal.addEventListener === 'function') {
        signal.addEventListener('abort', () => this.removeEventListener(type, listener, { capture }), { once: true });
      }
    }
    removeEventListener(type, listener, options = undefined) {
      const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
      const list = this[kState].get(`${type}`);
      if (list === undefined) return;
      const i = list.findIndex((l) => l.listener === listener && l.capture === capture);
      if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
    }
    dispatchEvent(event) {
      if (!(event instanceof Event)) throw internal.argType('event', 'an instance of Event', event);
      const s = event[kState];
      if (s.dispatching) throw internal.codeError(Error, 'ERR_EVENT_RECURSION', `The event "${s.type}" is already being dispatched`);
      s.dispatching = true;
      s.target = this;
      s.currentTarget = this;
      const list = this[kState].get(s.type);
      for (const entry of list ? list.slice() : []) {
        if (entry.removed) continue;
        if (entry.once) this.removeEventListener(s.type, entry.listener, { capture: entry.capture });
        try {
          const { listener } = entry;
          const result = typeof listener === 'function' ? listener.call(this, event)
            : typeof listener.handleEvent === 'function' ? listener.handleEvent(event) : undefined;
          if (result !== undefined && result !== null && typeof result.then === 'function') result.then(undefined, uncaught);
        } catch (err) {
          uncaught(err);
        }
        if (s.stop) break;
      }
      s.dispatching = false;
      s.currentTarget = null;
      return !event.defaultPrevented;
    }
    [internal.inspectCustom](depth, options, fn) { return inspect(this.constructor.name, {}, options, fn); }
  }

  const abortError = () => new DOMException('This operation was aborted', 'AbortError');
  const kMake = Symbol('kMake');
  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== kMake) throw illegal();
      super();
      this[kState].aborted = false; // the listeners' Map carries the signal's own state too
      this[kState].reason = undefined;
    }
    get aborted() { return this[kState].aborted; }
    get reason() { return this[kState].reason; }
    throwIfAborted() { if (this.aborted) throw this.reason; }
    static abort(reason = abortError()) {
      const signal = new AbortSignal(kMake);
      signal[kState].aborted = true;
      signal[kState].reason = reason;
      return signal;
    }
    static timeout(delay) {
      if (typeof delay !== 'number') throw internal.argType('delay', 'of type number', delay);
      if (!Number.isInteger(delay)) {
        throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "delay" is out of range. It must be an integer. Received ${delay}`);
      }
      if (delay < 0 || delay > 4294967295) {
        throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
          `The value of "delay" is out of range. It must be >= 0 && <= 4294967295. Received ${delay}`);
      }
      const signal = new AbortSignal(kMake);
      require('timers').setTimeout(() => {
        abortSignal(signal, new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      }, delay).unref();
      return signal;
    }
    static any(signals) {
      if (!Array.isArray(signals)) throw internal.argType('signals', 'an instance of Array', signals);
      const signal = new AbortSignal(kMake);
      for (const [i, s] of signals.entries()) {
        if (!(s instanceof AbortSignal)) throw internal.argType(`signals[${i}]`, 'an instance of AbortSignal', s);
      }
      const done = signals.find((s) => s.aborted);
      if (done) {
        signal[kState].aborted = true;
        signal[kState].reason = done.reason;
        return signal;
      }
      for (const s of signals) s.addEventListener('abort', () => abortSignal(signal, s.reason), { once: true });
      return signal;
    }
    [internal.inspectCustom](depth, options, fn) { return inspect('AbortSignal', { aborted: this.aborted }, options, fn); }
  }
  let onabort = new WeakMap();
  Object.defineProperty(AbortSignal.prototype, 'onabort', {
    get() { return onabort.get(this)?.handler ?? null; },
    set(handler) {
      const old = onabort.get(this);
      if (old) this.removeEventListener('abort', old.wrapper);
      if (typeof handler !== 'function') { onabort.delete(this); return; }
      const wrapper = (event) => handler.call(this, event);
      onabort.set(this, { handler, wrapper });
      this.addEventListener('abort', wrapper);
    },
    enumerable: true, configurable: true,
  });
  function abortSignal(signal, reason) {
    if (signal[kState].aborted) return;
    signal[kState].aborted = true;
    signal[kState].reason = reason;
    const event = new Event('abort');
    event[kTrusted] = true;
    signal.dispatchEvent(event);
  }

  class AbortController {
    constructor() { this[kState] = new AbortSignal(kMake); }
    get signal() { return this[kState]; }
    abort(reason = abortError()) { abortSignal(this[kState], reason); }
    [internal.inspectCustom](depth, options, fn) { return inspect('AbortController', { signal: this.signal }, options, fn); }
  }

  // Object.prototype.toString tags, as Node's (a MessagePort, an EventTarget of its own, shows 'EventTarget')
  for (const [cls, tag] of [[Event, 'Event'], [EventTarget, 'EventTarget'], [AbortSignal, 'AbortSignal'],
    [AbortController, 'AbortController']]) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  }

  Object.assign(exports, { Event, EventTarget, AbortController, AbortSignal });
});
