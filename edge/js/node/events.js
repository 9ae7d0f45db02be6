// require('events'): EventEmitter, as in Node (synchronous listeners, once, error events).
defineBuiltin('events', function (exports, require, module, internal) {
  class EventEmitter {
    constructor() { EventEmitter.init.call(this); }
    static init() {
      if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
        this._events = Object.create(null);
        this._eventsCount = 0;
      }
      this._maxListeners = this._maxListeners || undefined;
    }
    setMaxListeners(n) { this._maxListeners = n; return this; }
    getMaxListeners() { return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners; }
    emit(type, ...args) {
      const events = this._events;
      const handler = events && events[type];
      if (handler === undefined) {
        if (type === 'error') {
          const er = args[0];
          if (er instanceof Error) throw er;
          const err = new Error(`Unhandled error. (${internal.inspect ? internal.inspect(er) : er})`);
          err.context = er;
          throw err;
        }
        return false;
      }
      if (typeof handler === 'function') {
        handler.apply(this, args);
      } else {
        for (const listener of handler.slice()) listener.apply(this, args);
      }
      return true;
    }
    _add(type, listener, prepend) {
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
    }
    addListener(type, listener) { return this._add(type, listener, false); }
    on(type, listener) { return this._add(type, listener, false); }
    prependListener(type, listener) { return this._add(type, listener, true); }
    once(type, listener) { return this.on(type, onceWrapper(this, type, listener)); }
    prependOnceListener(type, listener) { return this.prependListener(type, onceWrapper(this, type, listener)); }
    removeListener(type, listener) {
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
    }
    off(type, listener) { return this.removeListener(type, listener); }
    removeAllListeners(type) {
      if (this._events === undefined) return this;
      if (type === undefined) {
        this._events = Object.create(null);
        this._eventsCount = 0;
      } else if (this._events[type] !== undefined) {
        delete this._events[type];
        this._eventsCount--;
      }
      return this;
    }
    listeners(type) {
      const l = this._events && this._events[type];
      if (l === undefined) return [];
      return typeof l === 'function' ? [l.listener || l] : l.map((x) => x.listener || x);
    }
    rawListeners(type) {
      const l = this._events && this._events[type];
      if (l === undefined) return [];
      return typeof l === 'function' ? [l] : l.slice();
    }
    listenerCount(type) {
      const l = this._events && this._events[type];
      if (l === undefined) return 0;
      return typeof l === 'function' ? 1 : l.length;
    }
    eventNames() { return this._events ? Reflect.ownKeys(this._events) : []; }
  }
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
  EventEmitter.once = (emitter, name) => new Promise((resolve, reject) => {
    const onError = (err) => { emitter.removeListener(name, onEvent); reject(err); };
    const onEvent = (...args) => { if (name !== 'error') emitter.removeListener('error', onError); resolve(args); };
    emitter.once(name, onEvent);
    if (name !== 'error') emitter.once('error', onError);
  });
  module.exports = EventEmitter;
});
