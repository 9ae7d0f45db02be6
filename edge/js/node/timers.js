// Timers on virtual time. The host cannot sleep (WASI poll_oneoff is refused: a guest waiting in
// the host would escape the fuel and timeout limits), so when nothing else can run the due-soonest
// timer fires at once and the clock seen through Date.now()/performance.now() jumps forward by
// the time skipped. Order, nesting and clearing behave as in Node; only waiting is instantaneous.
// A timer due past the function's timeout is not fired: runtime.js ends the invocation as a timeout.
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

  // The due-soonest referenced timer (null: none is pending), and firing it (virtual time moves to it).
  function next() {
    let soonest = null;
    for (const t of pending.values()) {
      if (!t._ref) continue;
      if (soonest === null || t._due < soonest._due || (t._due === soonest._due && t._seq < soonest._seq)) soonest = t;
    }
    return soonest;
  }
  function fire(timer) {
    const now = internal.now();
    if (timer._due > now) internal.skew += timer._due - now;
    if (timer._repeat !== null) timer._schedule();
    else pending.delete(timer._id);
    timer._callback.apply(undefined, timer._args);
  }
  // What a pending timer is, for messages: setTimeout(name, 10000).
  function describe(timer) {
    const kind = timer._immediate ? 'setImmediate' : timer._repeat !== null ? 'setInterval' : 'setTimeout';
    const name = (timer._callback && timer._callback.name) || '<anonymous>';
    return timer._immediate ? `${kind}(${name})` : `${kind}(${name}, ${timer._idleTimeout})`;
  }

  function hasPending() {
    for (const t of pending.values()) if (t._ref) return true;
    return false;
  }

  const promises = {
    setTimeout: (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value)),
    setImmediate: (value) => new Promise((resolve) => setImmediate(resolve, value)),
  };

  Object.assign(exports, {
    setTimeout, setInterval, setImmediate,
    clearTimeout: clear, clearInterval: clear, clearImmediate: clear,
    promises,
  });
  internal.timers = { next, fire, describe, hasPending };
});
defineBuiltin('timers/promises', function (exports, require, module) { module.exports = require('timers').promises; });
