// The globals MessageChannel, MessagePort and MessageEvent, as Node 20 has them (lib/internal/worker/io.js)
// within one thread: postMessage(value[, transfer]) clones the value at once (structuredClone,
// clone.js: what cannot be cloned throws its DataCloneError there, and a transferred ArrayBuffer is
// detached) and the other port gets it later, each message a macrotask of its own (setImmediate; the
// microtasks a listener queues run before the next message, as in Node). A port delivers once started:
// by start(), by setting onmessage, or by adding a 'message' listener (addEventListener or Node's
// on/once); until then its messages wait. Listeners added with addEventListener get a MessageEvent
// (data, origin '', lastEventId '', source null, ports []), those added with on/once the data itself,
// as in Node. close() stops both sides: messages already on their way are delivered, then each port
// gets a 'close' event. ref/unref/hasRef are there (a port never keeps an invocation waiting: a
// handler's result ends it, as on Lambda). Not here: transferring a port (postMessage(v, [port])
// throws ERR_FEATURE_UNAVAILABLE_ON_PLATFORM), BroadcastChannel, 'messageerror' (nothing fails to
// deserialize in one thread). Put into a function whose sources name MessageChannel, MessagePort,
// MessageEvent or 'worker_threads' (whose MessageChannel, MessagePort and receiveMessageOnPort these
// are, as in Node) (edge/js/build.py's ON_DEMAND, with abort.js for EventTarget); the globals are defined
// at the end of this file.
defineBuiltin('internal/messaging', function (exports, require, module, internal) {
  const { Event, EventTarget } = require('internal/abort');
  const { structuredClone } = require('internal/clone');
  const { setImmediate } = require('timers');
  const kPort = Symbol('kPort');
  const kEvent = Symbol('kEvent');
  const kMake = Symbol('kMake');

  class MessageEvent extends Event {
    constructor(type, { data = null, origin = '', lastEventId = '', source = null, ports = [] } = {}) {
      super(type);
      Object.defineProperty(this, kEvent, { value: { data, origin: `${origin}`, lastEventId: `${lastEventId}`, source,
        ports: [...ports] } });
    }
    get data() { return this[kEvent].data; }
    get origin() { return this[kEvent].origin; }
    get lastEventId() { return this[kEvent].lastEventId; }
    get source() { return this[kEvent].source; }
    get ports() { return this[kEvent].ports; }
  }
  for (const name of ['data', 'origin', 'lastEventId', 'source', 'ports']) {
    Object.defineProperty(MessageEvent.prototype, name, { enumerable: true });
  }
  class MessagePortCloseEvent extends Event {
    constructor() { super('close'); }
  }

  const addListener = EventTarget.prototype.addEventListener;
  const removeListener = EventTarget.prototype.removeEventListener;

  // Messages are taken from the inbox once the port is started, each by an immediate of its own.
  function pump(port) {
    const s = port[kPort];
    if (!s.started || s.detached) return;
    while (s.inbox.length > 0) {
      const data = s.inbox.shift();
      s.inFlight += 1;
      setImmediate(() => {
        s.inFlight -= 1;
        if (!s.detached) port.dispatchEvent(new MessageEvent('message', { data }));
      });
    }
  }

  // The 'close' events, once the messages already scheduled for either side are delivered.
  function finishClose(port) {
    const peer = port[kPort].peer;
    if (port[kPort].inFlight > 0 || (peer !== null && peer[kPort].inFlight > 0)) {
      setImmediate(() => finishClose(port));
      return;
    }
    for (const p of peer === null ? [port] : [port, peer]) {
      const s = p[kPort];
      if (s.detached) continue;
      s.detached = true;
      s.inbox.length = 0;
      p.dispatchEvent(new MessagePortCloseEvent());
    }
  }

  const transferable = (transfer) => {
    if (transfer === undefined || transfer === null) return undefined;
    const options = typeof transfer === 'object' && !Array.isArray(transfer) && !(Symbol.iterator in transfer)
      ? transfer : { transfer };
    const list = options.transfer;
    if (list != null && typeof list[Symbol.iterator] === 'function') {
      for (const item of list) {
        if (item instanceof MessagePort) {
          throw internal.unavailable('Transferring a MessagePort',
            'a function runs on one thread, where ports cannot move (post the data itself)');
        }
      }
    }
    return options;
  };

  class MessagePort extends EventTarget {
    constructor(key = undefined) {
      if (key !== kMake) throw internal.codeError(TypeError, 'ERR_CONSTRUCT_CALL_INVALID', 'Constructor cannot be called');
      super();
      Object.defineProperty(this, kPort, { value: { peer: null, inbox: [], inFlight: 0, started: false, closed: false,
        detached: false, refed: true, onmessage: null, nodeListeners: [] } });
    }
    postMessage(message, transfer = undefined) {
      if (arguments.length === 0) {
        // Node's C++ throws it: a plain TypeError with the code
        throw internal.plainCodeError(TypeError, 'ERR_MISSING_ARGS', 'Not enough arguments to MessagePort.postMessage');
      }
      const s = this[kPort];
      const data = structuredClone(message, transferable(transfer));
      if (s.closed || s.peer === null) return;
      s.peer[kPort].inbox.push(data);
      pump(s.peer);
    }
    start() {
      const s = this[kPort];
      if (s.started) return;
      s.started = true;
      pump(this);
    }
    close() {
      const s = this[kPort];
      if (s.closed) return;
      s.closed = true;
      if (s.peer !== null) s.peer[kPort].closed = true;
      setImmediate(() => finishClose(this));
    }
    ref() { this[kPort].refed = true; }
    unref() { this[kPort].refed = false; }
    hasRef() {
      const s = this[kPort];
      return s.refed && s.started && !s.detached;
    }
    addEventListener(type, listener, options = undefined) {
      Reflect.apply(addListener, this, arguments);
      if (`${type}` === 'message' && listener != null) this.start();
    }
    // Node's EventEmitter-like methods (NodeEventTarget): a 'message' listener gets the data
    on(type, listener) { return nodeListen(this, type, listener, false); }
    addListener(type, listener) { return nodeListen(this, type, listener, false); }
    once(type, listener) { return nodeListen(this, type, listener, true); }
    off(type, listener) { return nodeUnlisten(this, type, listener); }
    removeListener(type, listener) { return nodeUnlisten(this, type, listener); }
    removeAllListeners(type = undefined) {
      for (const l of [...this[kPort].nodeListeners]) {
        if (type === undefined || l.type === `${type}`) nodeUnlisten(this, l.type, l.listener);
      }
      return this;
    }
  }
  function nodeListen(port, type, listener, once) {
    if (typeof listener !== 'function') throw internal.argType('listener', 'of type function', listener);
    type = `${type}`;
    const record = { type, listener, wrapper: null };
    record.wrapper = function (event) {
      if (once) nodeUnlisten(port, type, listener);
      return listener.call(port, type === 'message' && event instanceof MessageEvent ? event.data : event);
    };
    port[kPort].nodeListeners.push(record);
    port.addEventListener(type, record.wrapper);
    return port;
  }
  function nodeUnlisten(port, type, listener) {
    const list = port[kPort].nodeListeners;
    type = `${type}`;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i].type === type && list[i].listener === listener) {
        removeListener.call(port, type, list[i].wrapper);
        list.splice(i, 1);
        break;
      }
    }
    return port;
  }
  Object.defineProperty(MessagePort.prototype, 'onmessage', {
    get() { return this[kPort].onmessage?.handler ?? null; },
    set(handler) {
      const s = this[kPort];
      if (s.onmessage) removeListener.call(this, 'message', s.onmessage.wrapper);
      s.onmessage = null;
      if (typeof handler !== 'function') return;
      const port = this;
      s.onmessage = { handler, wrapper(event) { return handler.call(port, event); } };
      this.addEventListener('message', s.onmessage.wrapper);
    },
    enumerable: true, configurable: true,
  });

  class MessageChannel {
    constructor() {
      const port1 = new MessagePort(kMake);
      const port2 = new MessagePort(kMake);
      port1[kPort].peer = port2;
      port2[kPort].peer = port1;
      this.port1 = port1;
      this.port2 = port2;
    }
  }

  // worker_threads.receiveMessageOnPort(port): the oldest message a port holds, taken synchronously
  // ({ message }), or undefined; a started port's messages are already on their way to its listeners.
  function receiveMessageOnPort(port) {
    if (!(port instanceof MessagePort)) {
      throw internal.codeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "port" argument must be a MessagePort instance');
    }
    const s = port[kPort];
    return s.inbox.length > 0 && !s.detached ? { message: s.inbox.shift() } : undefined;
  }

  Object.assign(exports, { MessageChannel, MessagePort, MessageEvent, receiveMessageOnPort });
});
for (const name of ['MessageChannel', 'MessagePort', 'MessageEvent']) {
  lazyGlobal(name, () => requireBuiltin('internal/messaging')[name]);
}
