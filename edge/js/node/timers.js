// Timers on virtual time. The host cannot sleep (WASI poll_oneoff is refused: a guest waiting in
// the host would escape the fuel and timeout limits), so when nothing else can run the due-soonest
// timer fires at once and the clock seen through Date.now()/performance.now() jumps forward by
// the time skipped. Order, nesting and clearing behave as in Node; only waiting is instantaneous.
// A timer due past the function's timeout is not fired: runtime.js ends the invocation as a timeout.
// A timer an invocation leaves pending when it returns (an async handler's, or with
// callbackWaitsForEmptyEventLoop = false) stays: a `reuse` instance's next invocation fires the ones
// then due by the clock, soonest first, before its handler runs, as a warm Lambda environment's
// event loop resumes them after the freeze (runtime.js, resumable()). A `per-request` instance is
// discarded with its timers.
defineBuiltin('timers', function (exports, require, module, internal) {
  let nextId = 1;
  let sequence = 0;
  const pending = new Map(); // id -> Timeout

  class Timeout {
    constructor(callback, after, args, repeat, immediate) {
      this._id = nextId++;
      this._callback = callback;
      this._args = args;
      this._idleTimeout = after;
      this._repeat = repeat ? after : null;
      this._ref = true;
      this._immediate = immediate;
      this._invocation = internal.invocationNumber === undefined ? 0 : internal.invocationNumber(); // 0: made while the function was built
      if (internal.asyncContext !== undefined) this._context = internal.asyncContext.current; // async_hooks.js: fired in it
      this._schedule();
    }
    _schedule() {
      this._due = internal.now() + (this._immediate ? 0 : this._idleTimeout);
      this._seq = sequence++;
      pending.set(this._id, this);
    }
    ref() { this._ref = true; return this; }
    unref() { this._ref = false; return this; }
    hasRef() { return this._ref; }
    refresh() { if (pending.has(this._id)) this._schedule(); return this; }
    close() { pending.delete(this._id); return this; }
    [Symbol.toPrimitive]() { return this._id; }
  }

  function delay(ms) {
    ms = Number(ms);
    if (!(ms >= 1 && ms <= 2147483647)) ms = 1; // Node: out of range or NaN -> 1 ms
    return Math.trunc(ms);
  }

  function check(callback) {
    if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
  }

  function setTimeout(callback, ms, ...args) {
    check(callback);
    return new Timeout(callback, delay(ms), args, false, false);
  }
  function setInterval(callback, ms, ...args) {
    check(callback);
    return new Timeout(callback, delay(ms), args, true, false);
  }
  function setImmediate(callback, ...args) {
    check(callback);
    return new Timeout(callback, 0, args, false, true);
  }
  function clear(timer) {
    if (timer == null) return;
    const id = typeof timer === 'object' ? timer._id : Number(timer);
    pending.delete(id);
  }

  // The due-soonest timer while a referenced one is pending (null: none is), and firing it (virtual time
  // moves to it). An unref'd timer does not keep the loop going, but fires when due while it goes on,
  // as in Node (AbortSignal.timeout's timer is one).
  function next() {
    let soonest = null;
    let referenced = false;
    for (const t of pending.values()) {
      if (t._ref) referenced = true;
      if (soonest === null || t._due < soonest._due || (t._due === soonest._due && t._seq < soonest._seq)) soonest = t;
    }
    return referenced ? soonest : null;
  }
  function fire(timer) {
    const now = internal.now();
    if (timer._due > now) internal.skew += timer._due - now;
    if (timer._repeat !== null) timer._schedule();
    else pending.delete(timer._id);
    const context = internal.asyncContext;
    if (context === undefined || timer._context === undefined) return timer._callback.apply(undefined, timer._args);
    const saved = context.current;
    context.current = timer._context;
    try {
      timer._callback.apply(undefined, timer._args);
    } finally {
      context.current = saved;
    }
  }
  // What a pending timer is, for messages: setTimeout(name, 10000).
  function describe(timer) {
    const kind = timer._immediate ? 'setImmediate' : timer._repeat !== null ? 'setInterval' : 'setTimeout';
    const name = (timer._callback && timer._callback.name) || '<anonymous>';
    return timer._immediate ? `${kind}(${name})` : `${kind}(${name}, ${timer._idleTimeout})`;
  }

  // The invocation that just started: its sequence number and clock, below which timers of earlier
  // invocations are resumed (a timer those fire, or an interval they reschedule, waits its turn).
  function cutoff() {
    return { seq: sequence, time: internal.now() };
  }
  // The due-soonest timer an earlier invocation left that was due when this one started (`unref`ed
  // ones too: the loop runs anyway), or null. Timers set while the function was built (the
  // snapshot's clock stood at 0) are not among them.
  function resumable(since) {
    if (pending.size === 0) return null;
    let soonest = null;
    for (const t of pending.values()) {
      if (t._invocation === 0 || t._seq >= since.seq || t._due > since.time) continue;
      if (soonest === null || t._due < soonest._due || (t._due === soonest._due && t._seq < soonest._seq)) soonest = t;
    }
    return soonest;
  }

  function hasPending() {
    for (const t of pending.values()) if (t._ref) return true;
    return false;
  }

  // timers/promises, as Node's lib/timers/promises.js: options { signal, ref } checked as Node checks
  // them, an aborted signal rejecting with Node's AbortError (cause: the signal's reason).
  class AbortError extends Error {
    constructor(message = 'The operation was aborted', options = undefined) {
      super(message, options);
      this.code = 'ABORT_ERR';
      this.name = 'AbortError';
    }
  }
  function checkOptions(options, after) {
    if (after !== undefined && typeof after !== 'number') throw internal.argType('delay', 'of type number', after);
    if (options === null || typeof options !== 'object') throw internal.argType('options', 'of type object', options);
    const { signal, ref } = options;
    if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) {
      throw internal.argType('options.signal', 'an instance of AbortSignal', signal);
    }
    if (ref !== undefined && typeof ref !== 'boolean') throw internal.argType('options.ref', 'of type boolean', ref);
  }
  // a timer made by `make(resolve)` whose promise an abort of `signal` rejects
  function cancellable(options, make) {
    const { signal, ref = true } = options;
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    let oncancel;
    const ret = new Promise((resolve, reject) => {
      const timer = make(resolve);
      if (!ref) timer.unref();
      if (signal) {
        oncancel = () => {
          if (!pending.has(timer._id)) return;
          clear(timer);
          reject(new AbortError(undefined, { cause: signal.reason }));
        };
        signal.addEventListener('abort', oncancel);
      }
    });
    return oncancel === undefined ? ret : ret.finally(() => signal.removeEventListener('abort', oncancel));
  }
  function setTimeoutPromise(after, value, options = {}) {
    try {
      checkOptions(options, after);
    } catch (err) {
      return Promise.reject(err);
    }
    return cancellable(options, (resolve) => new Timeout(resolve, delay(after), [value], false, false));
  }
  function setImmediatePromise(value, options = {}) {
    try {
      checkOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    return cancellable(options, (resolve) => new Timeout(resolve, 0, [value], false, true));
  }
  async function* setIntervalPromise(after, value, options = {}) {
    checkOptions(options, after);
    const { signal, ref = true } = options;
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal?.reason });
    let onCancel;
    let interval;
    try {
      let notYielded = 0;
      let callback;
      interval = new Timeout(() => {
        notYielded++;
        if (callback) {
          callback();
          callback = undefined;
        }
      }, delay(after), [], true, false);
      if (!ref) interval.unref();
      if (signal) {
        onCancel = () => {
          clear(interval);
          if (callback) {
            callback(Promise.reject(new AbortError(undefined, { cause: signal.reason })));
            callback = undefined;
          }
        };
        signal.addEventListener('abort', onCancel, { once: true });
      }
      while (!signal?.aborted) {
        if (notYielded === 0) await new Promise((resolve) => { callback = resolve; });
        for (; notYielded > 0; notYielded--) yield value;
      }
      throw new AbortError(undefined, { cause: signal?.reason });
    } finally {
      clear(interval);
      signal?.removeEventListener('abort', onCancel);
    }
  }
  const kScheduler = Symbol('kScheduler');
  class Scheduler {
    constructor() { throw internal.codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor'); }
    yield() {
      if (!this[kScheduler]) throw internal.codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type Scheduler');
      return setImmediatePromise();
    }
    wait(delayMs, options) {
      if (!this[kScheduler]) throw internal.codeError(TypeError, 'ERR_INVALID_THIS', 'Value of "this" must be of type Scheduler');
      return setTimeoutPromise(delayMs, undefined, options);
    }
  }
  const scheduler = Reflect.construct(function () { this[kScheduler] = true; }, [], Scheduler);
  for (const [fn, name] of [[setTimeoutPromise, 'setTimeout'], [setImmediatePromise, 'setImmediate'], [setIntervalPromise, 'setInterval']]) {
    Object.defineProperty(fn, 'name', { value: name });
  }
  const promises = { setTimeout: setTimeoutPromise, setImmediate: setImmediatePromise, setInterval: setIntervalPromise, scheduler };
  // util.promisify(setTimeout) and util.promisify(setImmediate) are these, as in Node (a getter, as Node's)
  const customPromisify = Symbol.for('nodejs.util.promisify.custom');
  Object.defineProperty(setTimeout, customPromisify, { enumerable: true, get() { return setTimeoutPromise; } });
  Object.defineProperty(setImmediate, customPromisify, { enumerable: true, get() { return setImmediatePromise; } });

  Object.assign(exports, {
    setTimeout, setInterval, setImmediate,
    clearTimeout: clear, clearInterval: clear, clearImmediate: clear,
    promises,
  });
  internal.timers = { next, fire, describe, hasPending, cutoff, resumable, pending };
});
defineBuiltin('timers/promises', function (exports, require, module) { module.exports = require('timers').promises; });
