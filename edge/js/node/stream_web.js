// require('stream/web'): the WHATWG Streams Node 20 exports, written for this layer after the
// Streams Standard's algorithms (the engine has none): ReadableStream (default readers, async
// iteration, tee, pipeTo, pipeThrough, ReadableStream.from, `type: 'bytes'` sources read through a
// default reader as Uint8Arrays), WritableStream and its writer, TransformStream, the queuing
// strategies, TextEncoderStream, TextDecoderStream, and CompressionStream / DecompressionStream
// (gzip, deflate, deflate-raw over the built-in zlib: the data is compressed or decompressed when the
// writable side closes, so the output comes in one chunk). Back-pressure follows the strategies'
// high-water marks; pipeTo's `signal` aborts a pipe when it starts or while it runs. Not here: BYOB
// readers (getReader({mode: 'byob'}) throws saying so).
// Its classes are globals too, as in Node 20 (the same ones: require('stream/web').ReadableStream ===
// ReadableStream), defined at the end of this file. Put into a function whose sources name 'stream/web',
// one of the globals, Blob or File (Blob's stream()) (edge/js/build.py's ON_DEMAND).
defineBuiltin('stream/web', function (exports, require, module, internal) {
  const kState = Symbol('kState');
  const illegal = () => internal.codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
  const invalidState = (what) => internal.codeError(TypeError, 'ERR_INVALID_STATE', `Invalid state: ${what}`);
  const invalidValue = (name, value) => internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
    `The property '${name}' is invalid. Received ${require('util').inspect(value)}`);
  function deferred() {
    const d = {};
    d.promise = new Promise((resolve, reject) => { d.resolve = resolve; d.reject = reject; });
    return d;
  }
  const handled = (promise) => { promise.catch(() => {}); return promise; };
  const call = (fn, thisArg, args) => {
    try {
      return Promise.resolve(fn === undefined ? undefined : Reflect.apply(fn, thisArg, args));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  function strategyOf(strategy, defaultHWM) {
    const { highWaterMark, size } = strategy || {};
    const hwm = highWaterMark === undefined ? defaultHWM : Number(highWaterMark);
    if (Number.isNaN(hwm) || hwm < 0) {
      throw internal.codeError(RangeError, 'ERR_INVALID_ARG_VALUE',
        `The property 'strategy.highWaterMark' is invalid. Received ${require('util').inspect(highWaterMark)}`);
    }
    if (size !== undefined && typeof size !== 'function') throw internal.argType('strategy.size', 'of type function', size);
    return { hwm, size };
  }

  // ---- ReadableStream ----
  class ReadableStreamDefaultController {
    constructor(skip) { if (skip !== kState) throw illegal(); }
    get desiredSize() { return desiredSize(this[kState]); }
    enqueue(chunk) {
      const c = this[kState];
      if (c.closeRequested || c.stream[kState].state !== 'readable') throw invalidState('Controller is already closed');
      enqueue(c, chunk);
    }
    close() {
      const c = this[kState];
      if (c.closeRequested || c.stream[kState].state !== 'readable') throw invalidState('Controller is already closed');
      c.closeRequested = true;
      if (c.queue.length === 0) closeStream(c.stream);
    }
    error(err) { errorStream(this[kState].stream, err); }
  }
  class ReadableByteStreamController extends ReadableStreamDefaultController {
    get byobRequest() { return null; }
    enqueue(chunk) {
      if (!ArrayBuffer.isView(chunk)) throw internal.argType('chunk', 'an instance of ArrayBufferView', chunk);
      super.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  }
  class ReadableStreamBYOBRequest { constructor() { throw illegal(); } }
  class ReadableStreamBYOBReader {
    constructor() {
      throw internal.unavailable('ReadableStreamBYOBReader', 'this layer reads byte streams through default readers');
    }
  }

  function desiredSize(c) {
    const state = c.stream[kState].state;
    if (state === 'errored') return null;
    if (state === 'closed') return 0;
    return c.hwm - c.queueTotal;
  }
  function enqueue(c, chunk) {
    const s = c.stream[kState];
    const reader = s.reader;
    if (reader && reader[kState].requests.length > 0) {
      reader[kState].requests.shift().resolve({ value: chunk, done: false });
    } else {
      let size = 1;
      if (c.size !== undefined) {
        try {
          size = Number(c.size(chunk));
          if (Number.isNaN(size) || size < 0 || size === Infinity) throw new RangeError('Invalid size');
        } catch (err) {
          errorStream(c.stream, err);
          throw err;
        }
      }
      c.queue.push({ chunk, size });
      c.queueTotal += size;
    }
    pullIfNeeded(c);
  }
  function pullIfNeeded(c) {
    const s = c.stream[kState];
    if (!c.started || c.closeRequested || s.state !== 'readable') return;
    const waiting = s.reader ? s.reader[kState].requests.length : 0;
    if (waiting === 0 && !(desiredSize(c) > 0)) return;
    if (c.pulling) { c.pullAgain = true; return; }
    c.pulling = true;
    call(c.pull, c.source, [c.controller]).then(() => {
      c.pulling = false;
      if (c.pullAgain) { c.pullAgain = false; pullIfNeeded(c); }
    }, (err) => errorStream(c.stream, err));
  }
  function closeStream(stream) {
    const s = stream[kState];
    if (s.state !== 'readable') return;
    s.state = 'closed';
    const reader = s.reader;
    if (reader) {
      for (const request of reader[kState].requests.splice(0)) request.resolve({ value: undefined, done: true });
      reader[kState].closed.resolve();
    }
  }
  function errorStream(stream, err) {
    const s = stream[kState];
    if (s.state !== 'readable') return;
    s.state = 'errored';
    s.storedError = err;
    s.controller[kState].queue = [];
    s.controller[kState].queueTotal = 0;
    const reader = s.reader;
    if (reader) {
      for (const request of reader[kState].requests.splice(0)) request.reject(err);
      handled(reader[kState].closed.promise);
      reader[kState].closed.reject(err);
    }
  }
  function cancelStream(stream, reason) {
    const s = stream[kState];
    s.disturbed = true;
    if (s.state === 'closed') return Promise.resolve();
    if (s.state === 'errored') return Promise.reject(s.storedError);
    closeStream(stream);
    const c = s.controller[kState];
    c.queue = [];
    c.queueTotal = 0;
    return call(c.cancel, c.source, [reason]).then(() => undefined);
  }

  class ReadableStream {
    constructor(source = {}, strategy = {}) {
      if (source === null || typeof source !== 'object') throw internal.argType('source', 'of type object', source);
      const type = source.type;
      if (type !== undefined && `${type}` !== 'bytes') throw invalidValue('source.type', type);
      const bytes = type !== undefined;
      const { hwm, size } = strategyOf(strategy, bytes ? 0 : 1);
      for (const name of ['start', 'pull', 'cancel']) {
        if (source[name] !== undefined && typeof source[name] !== 'function') {
          throw internal.argType(`source.${name}`, 'of type function', source[name]);
        }
      }
      const controller = Object.create((bytes ? ReadableByteStreamController : ReadableStreamDefaultController).prototype);
      const c = { stream: this, controller, source, pull: source.pull, cancel: source.cancel, hwm,
        size: bytes ? (chunk) => chunk.byteLength : size, queue: [], queueTotal: 0, started: false,
        closeRequested: false, pulling: false, pullAgain: false };
      controller[kState] = c;
      this[kState] = { state: 'readable', reader: undefined, storedError: undefined, disturbed: false, controller, bytes };
      let started;
      try {
        started = Promise.resolve(source.start === undefined ? undefined : source.start.call(source, controller));
      } catch (err) {
        throw err;
      }
      started.then(() => { c.started = true; pullIfNeeded(c); }, (err) => errorStream(this, err));
    }
    get locked() { return this[kState].reader !== undefined; }
    cancel(reason) {
      if (this.locked) return Promise.reject(invalidState('ReadableStream is locked'));
      return cancelStream(this, reason);
    }
    getReader(options = {}) {
      if (options !== null && typeof options === 'object' && options.mode !== undefined) {
        if (`${options.mode}` !== 'byob') throw invalidValue('options.mode', options.mode);
        throw internal.unavailable("getReader({ mode: 'byob' })", 'this layer reads byte streams through default readers');
      }
      return new ReadableStreamDefaultReader(this);
    }
    pipeThrough(transform, options = {}) {
      if (this.locked) throw invalidState('The ReadableStream is locked');
      const { readable, writable } = transform || {};
      if (!(readable instanceof ReadableStream)) throw internal.argType('transform.readable', 'an instance of ReadableStream', readable);
      if (!(writable instanceof WritableStream)) throw internal.argType('transform.writable', 'an instance of WritableStream', writable);
      if (writable.locked) throw invalidState('The WritableStream is locked');
      handled(this.pipeTo(writable, options));
      return readable;
    }
    pipeTo(destination, options = {}) {
      if (!(destination instanceof WritableStream)) {
        return Promise.reject(internal.argType('transform.writable', 'an instance of WritableStream', destination));
      }
      if (this.locked) return Promise.reject(invalidState('The ReadableStream is locked'));
      if (destination.locked) return Promise.reject(invalidState('The WritableStream is locked'));
      const { preventClose = false, preventAbort = false, preventCancel = false, signal } = options || {};
      const reader = this.getReader();
      const writer = destination.getWriter();
      // the signal's abort, as a rejection each wait of the pipe races with
      const kAborted = {};
      let stopListening = () => {};
      let abortion = null;
      if (signal && typeof signal.addEventListener === 'function' && !signal.aborted) {
        abortion = new Promise((_resolve, reject) => {
          const onAbort = () => reject(kAborted);
          signal.addEventListener('abort', onAbort, { once: true });
          stopListening = () => signal.removeEventListener('abort', onAbort);
        });
        handled(abortion);
      }
      const raced = (promise) => (abortion === null ? promise : Promise.race([promise, abortion]));
      const abortPipe = async () => {
        const reason = signal.reason;
        if (!preventAbort) await writer.abort(reason).catch(() => {});
        if (!preventCancel) await reader.cancel(reason).catch(() => {});
        return reason;
      };
      const release = () => { stopListening(); reader.releaseLock(); writer.releaseLock(); };
      return (async () => {
        if (signal && signal.aborted) throw await abortPipe();
        for (;;) {
          try {
            await raced(writer.ready);
          } catch (err) {
            if (err === kAborted) throw await abortPipe();
            if (!preventCancel) await reader.cancel(err).catch(() => {});
            throw err;
          }
          let next;
          try {
            next = await raced(reader.read());
          } catch (err) {
            if (err === kAborted) throw await abortPipe();
            if (!preventAbort) await writer.abort(err).catch(() => {});
            throw err;
          }
          if (next.done) {
            if (!preventClose) await writer.close();
            return undefined;
          }
          handled(writer.write(next.value));
        }
      })().then((value) => { release(); return value; }, (err) => { release(); throw err; });
    }
    tee() {
      if (this.locked) throw invalidState('ReadableStream is locked');
      const reader = this.getReader();
      let reading = false;
      let canceled = [false, false];
      const reasons = [];
      const cancelAll = deferred();
      const controllers = [];
      const pull = () => {
        if (reading) return undefined;
        reading = true;
        return reader.read().then(({ value, done }) => {
          reading = false;
          controllers.forEach((c, i) => {
            if (canceled[i]) return;
            if (done) c.close();
            else c.enqueue(value);
          });
        }, (err) => { controllers.forEach((c) => c.error(err)); });
      };
      const branch = (i) => new ReadableStream({
        start(c) { controllers[i] = c; },
        pull,
        cancel(reason) {
          canceled[i] = true;
          reasons[i] = reason;
          if (canceled[0] && canceled[1]) cancelAll.resolve(reader.cancel(reasons));
          return cancelAll.promise;
        },
      });
      handled(reader.closed).catch((err) => controllers.forEach((c) => c.error(err)));
      return [branch(0), branch(1)];
    }
    values(options = {}) {
      const reader = this.getReader();
      const preventCancel = Boolean(options && options.preventCancel);
      let finished = false;
      const iterator = Object.create(AsyncIteratorPrototype);
      iterator.next = () => {
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return reader.read().then((result) => {
          if (result.done) { finished = true; reader.releaseLock(); }
          return result;
        }, (err) => { finished = true; reader.releaseLock(); throw err; });
      };
      iterator.return = (value) => {
        if (finished) return Promise.resolve({ value, done: true });
        finished = true;
        if (!preventCancel) {
          const cancelled = reader.cancel(value);
          reader.releaseLock();
          return cancelled.then(() => ({ value, done: true }));
        }
        reader.releaseLock();
        return Promise.resolve({ value, done: true });
      };
      return iterator;
    }
    [Symbol.asyncIterator](options) { return this.values(options); }
    static from(iterable) {
      if (iterable instanceof ReadableStream) return iterable;
      const method = iterable != null && (iterable[Symbol.asyncIterator] || iterable[Symbol.iterator]);
      if (typeof method !== 'function') throw internal.argType('iterable', 'an instance of Iterable', iterable);
      const iterator = iterable[Symbol.asyncIterator] ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
      return new ReadableStream({
        async pull(c) {
          const { value, done } = await iterator.next();
          if (done) c.close();
          else c.enqueue(await value);
        },
        async cancel(reason) {
          if (typeof iterator.return === 'function') await iterator.return(reason);
        },
      }, { highWaterMark: 0 });
    }
    [internal.inspectCustom](depth, options, inspect) {
      const s = this[kState];
      return `ReadableStream ${(inspect || require('util').inspect)({ locked: this.locked, state: s.state, supportsBYOB: false }, options)}`;
    }
  }
  const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((async function* () {})()[Symbol.asyncIterator]()));

  class ReadableStreamDefaultReader {
    constructor(stream) {
      if (!(stream instanceof ReadableStream)) throw internal.argType('stream', 'an instance of ReadableStream', stream);
      if (stream.locked) throw invalidState('ReadableStream is locked');
      const s = stream[kState];
      s.reader = this;
      const closed = deferred();
      handled(closed.promise);
      this[kState] = { stream, requests: [], closed };
      if (s.state === 'closed') closed.resolve();
      else if (s.state === 'errored') closed.reject(s.storedError);
    }
    get closed() { return this[kState].closed.promise; }
    read() {
      const { stream, requests } = this[kState];
      if (stream === undefined) return Promise.reject(invalidState('The reader is not attached to a stream'));
      const s = stream[kState];
      s.disturbed = true;
      if (s.state === 'closed') return Promise.resolve({ value: undefined, done: true });
      if (s.state === 'errored') return Promise.reject(s.storedError);
      const c = s.controller[kState];
      if (c.queue.length > 0) {
        const { chunk, size } = c.queue.shift();
        c.queueTotal -= size;
        if (c.queue.length === 0) c.queueTotal = 0;
        if (c.closeRequested && c.queue.length === 0) closeStream(stream);
        else pullIfNeeded(c);
        return Promise.resolve({ value: chunk, done: false });
      }
      const request = deferred();
      requests.push(request);
      pullIfNeeded(c);
      return request.promise;
    }
    releaseLock() {
      const state = this[kState];
      if (state.stream === undefined) return;
      const err = invalidState('Releasing reader');
      for (const request of state.requests.splice(0)) request.reject(err);
      const s = state.stream[kState];
      if (s.state === 'readable') state.closed.reject(err);
      else {
        state.closed = deferred();
        handled(state.closed.promise);
        state.closed.reject(err);
      }
      s.reader = undefined;
      state.stream = undefined;
    }
    cancel(reason) {
      const { stream } = this[kState];
      if (stream === undefined) return Promise.reject(invalidState('The reader is not attached to a stream'));
      return cancelStream(stream, reason);
    }
  }

  // ---- WritableStream ----
  class WritableStreamDefaultController {
    constructor(skip) { if (skip !== kState) throw illegal(); }
    error(err) {
      const w = this[kState];
      if (w.state === 'writable') errorWritable(w, err);
    }
  }
  function errorWritable(w, err) {
    if (w.state === 'errored' || w.state === 'closed') return;
    w.state = 'errored';
    w.storedError = err;
    for (const write of w.queue.splice(0)) write.reject(err);
    if (w.closeRequest) { w.closeRequest.reject(err); w.closeRequest = undefined; }
    if (w.writer) {
      const ws = w.writer[kState];
      if (ws.readyPending) { ws.ready.reject(err); ws.readyPending = false; } else { ws.ready = rejected(err); }
      ws.closed.reject(err);
    }
  }
  function rejected(err) { const d = deferred(); handled(d.promise); d.reject(err); return d; }
  function writableDesired(w) {
    if (w.state === 'errored') return null;
    if (w.state === 'closed') return 0;
    return w.hwm - w.queueTotal;
  }
  function updateBackpressure(w) {
    if (!w.writer || w.state !== 'writable' || w.closeRequest) return;
    const ws = w.writer[kState];
    const pressure = writableDesired(w) <= 0;
    if (pressure && !ws.readyPending) { ws.ready = deferred(); handled(ws.ready.promise); ws.readyPending = true; }
    if (!pressure && ws.readyPending) { ws.ready.resolve(); ws.readyPending = false; }
  }
  function advance(w) {
    if (!w.started || w.inFlight || w.state !== 'writable') return;
    if (w.queue.length === 0) {
      if (w.closeRequest) {
        w.inFlight = true;
        const request = w.closeRequest;
        call(w.sink.close, w.sink, []).then(() => {
          w.inFlight = false;
          w.state = 'closed';
          w.closeRequest = undefined;
          request.resolve();
          if (w.writer) w.writer[kState].closed.resolve();
        }, (err) => { w.inFlight = false; errorWritable(w, err); });
      }
      return;
    }
    const write = w.queue[0];
    w.inFlight = true;
    call(w.sink.write, w.sink, [write.chunk, w.controller]).then(() => {
      w.inFlight = false;
      w.queue.shift();
      w.queueTotal -= write.size;
      write.resolve();
      updateBackpressure(w);
      advance(w);
    }, (err) => { w.inFlight = false; w.queue.shift(); write.reject(err); errorWritable(w, err); });
  }
  class WritableStream {
    constructor(sink = {}, strategy = {}) {
      if (sink === null || typeof sink !== 'object') throw internal.argType('sink', 'of type object', sink);
      if (sink.type !== undefined) throw invalidValue('sink.type', sink.type);
      const { hwm, size } = strategyOf(strategy, 1);
      const controller = Object.create(WritableStreamDefaultController.prototype);
      const w = { stream: this, sink, controller, hwm, size, queue: [], queueTotal: 0, state: 'writable', storedError: undefined,
        writer: undefined, started: false, inFlight: false, closeRequest: undefined };
      controller[kState] = w;
      this[kState] = w;
      const started = Promise.resolve(sink.start === undefined ? undefined : sink.start.call(sink, controller));
      started.then(() => { w.started = true; advance(w); }, (err) => errorWritable(w, err));
    }
    get locked() { return this[kState].writer !== undefined; }
    abort(reason) {
      if (this.locked) return Promise.reject(invalidState('WritableStream is locked'));
      return abortWritable(this[kState], reason);
    }
    close() {
      if (this.locked) return Promise.reject(invalidState('WritableStream is locked'));
      return closeWritable(this[kState]);
    }
    getWriter() { return new WritableStreamDefaultWriter(this); }
    [internal.inspectCustom](depth, options, inspect) {
      return `WritableStream ${(inspect || require('util').inspect)({ locked: this.locked, state: this[kState].state }, options)}`;
    }
  }
  function abortWritable(w, reason) {
    if (w.state === 'closed' || w.state === 'errored') return Promise.resolve();
    errorWritable(w, reason);
    return call(w.sink.abort, w.sink, [reason]).then(() => undefined);
  }
  function closeWritable(w) {
    if (w.state !== 'writable' || w.closeRequest) return Promise.reject(invalidState('WritableStream is closed'));
    w.closeRequest = deferred();
    if (w.writer && w.writer[kState].readyPending) { w.writer[kState].ready.resolve(); w.writer[kState].readyPending = false; }
    const promise = w.closeRequest.promise;
    advance(w);
    return promise;
  }
  class WritableStreamDefaultWriter {
    constructor(stream) {
      if (!(stream instanceof WritableStream)) throw internal.argType('stream', 'an instance of WritableStream', stream);
      if (stream.locked) throw invalidState('WritableStream is locked');
      const w = stream[kState];
      w.writer = this;
      const closed = deferred();
      handled(closed.promise);
      const ready = deferred();
      handled(ready.promise);
      this[kState] = { w, closed, ready, readyPending: false };
      if (w.state === 'closed') { closed.resolve(); ready.resolve(); } else if (w.state === 'errored') {
        closed.reject(w.storedError);
        ready.reject(w.storedError);
      } else {
        ready.resolve();
        updateBackpressure(w);
      }
    }
    get closed() { return this[kState].closed.promise; }
    get ready() { return this[kState].ready.promise; }
    get desiredSize() {
      if (this[kState].w === undefined) throw invalidState('Writer is not bound to a WritableStream');
      return writableDesired(this[kState].w);
    }
    write(chunk) {
      const w = this[kState].w;
      if (w === undefined) return Promise.reject(invalidState('Writer is not bound to a WritableStream'));
      if (w.state === 'errored') return Promise.reject(w.storedError);
      if (w.state === 'closed' || w.closeRequest) return Promise.reject(invalidState('WritableStream is closed'));
      let size = 1;
      if (w.size !== undefined) {
        try {
          size = Number(w.size(chunk));
        } catch (err) {
          errorWritable(w, err);
          return Promise.reject(err);
        }
      }
      const write = deferred();
      write.chunk = chunk;
      write.size = size;
      w.queue.push(write);
      w.queueTotal += size;
      updateBackpressure(w);
      advance(w);
      return write.promise;
    }
    close() {
      const w = this[kState].w;
      if (w === undefined) return Promise.reject(invalidState('Writer is not bound to a WritableStream'));
      return closeWritable(w);
    }
    abort(reason) {
      const w = this[kState].w;
      if (w === undefined) return Promise.reject(invalidState('Writer is not bound to a WritableStream'));
      return abortWritable(w, reason);
    }
    releaseLock() {
      const state = this[kState];
      if (state.w === undefined) return;
      const err = invalidState('Writer has been released');
      if (state.w.state === 'writable') state.closed.reject(err);
      state.closed = rejected(err);
      state.ready = rejected(err);
      state.readyPending = false;
      state.w.writer = undefined;
      state.w = undefined;
    }
  }

  // ---- TransformStream ----
  class TransformStreamDefaultController {
    constructor(skip) { if (skip !== kState) throw illegal(); }
    get desiredSize() { return this[kState].readableController.desiredSize; }
    enqueue(chunk) { this[kState].readableController.enqueue(chunk); }
    error(reason) { this[kState].error(reason); }
    terminate() { this[kState].terminate(); }
  }
  class TransformStream {
    constructor(transformer = {}, writableStrategy = {}, readableStrategy = {}) {
      if (transformer === null || typeof transformer !== 'object') transformer = {};
      if (transformer.readableType !== undefined) throw invalidValue('transformer.readableType', transformer.readableType);
      if (transformer.writableType !== undefined) throw invalidValue('transformer.writableType', transformer.writableType);
      const controller = Object.create(TransformStreamDefaultController.prototype);
      const t = { readableController: undefined, writableController: undefined, pulled: undefined };
      controller[kState] = t;
      const startDone = deferred();
      const waitForPull = () => {
        if (t.readableController.desiredSize > 0) return undefined;
        if (t.pulled === undefined) t.pulled = deferred();
        return t.pulled.promise;
      };
      t.error = (reason) => {
        try { t.readableController.error(reason); } catch {}
        t.writableController.error(reason);
      };
      t.terminate = () => {
        try { t.readableController.close(); } catch {}
        t.writableController.error(new TypeError('The transform stream has been terminated'));
      };
      const readable = new ReadableStream({
        start(c) { t.readableController = c; return startDone.promise; },
        pull() {
          if (t.pulled !== undefined) { t.pulled.resolve(); t.pulled = undefined; }
        },
        cancel(reason) {
          t.writableController.error(reason);
          return call(transformer.cancel, transformer, [reason]);
        },
      }, readableStrategy);
      const writable = new WritableStream({
        start(c) { t.writableController = c; return startDone.promise; },
        async write(chunk) {
          await waitForPull();
          if (transformer.transform === undefined) controller.enqueue(chunk);
          else {
            try {
              await transformer.transform.call(transformer, chunk, controller);
            } catch (err) {
              t.error(err);
              throw err;
            }
          }
        },
        async close() {
          try {
            if (transformer.flush !== undefined) await transformer.flush.call(transformer, controller);
          } catch (err) {
            t.error(err);
            throw err;
          }
          try { t.readableController.close(); } catch {}
        },
        abort(reason) {
          try { t.readableController.error(reason); } catch {}
        },
      }, writableStrategy);
      Object.defineProperty(this, kState, { value: { readable, writable } });
      Promise.resolve(transformer.start === undefined ? undefined : transformer.start.call(transformer, controller))
        .then(startDone.resolve, startDone.reject);
    }
    get readable() { return this[kState].readable; }
    get writable() { return this[kState].writable; }
    [internal.inspectCustom](depth, options, inspect) {
      return `TransformStream ${(inspect || require('util').inspect)({ readable: this.readable, writable: this.writable }, options)}`;
    }
  }

  // ---- strategies ----
  class ByteLengthQueuingStrategy {
    constructor(init) {
      if (init === null || typeof init !== 'object') throw internal.argType('init', 'of type object', init);
      if (init.highWaterMark === undefined) throw internal.codeError(TypeError, 'ERR_MISSING_OPTION', 'options.highWaterMark is required');
      Object.defineProperty(this, kState, { value: Number(init.highWaterMark) });
    }
    get highWaterMark() { return this[kState]; }
    get size() { return (chunk) => chunk.byteLength; }
  }
  class CountQueuingStrategy {
    constructor(init) {
      if (init === null || typeof init !== 'object') throw internal.argType('init', 'of type object', init);
      if (init.highWaterMark === undefined) throw internal.codeError(TypeError, 'ERR_MISSING_OPTION', 'options.highWaterMark is required');
      Object.defineProperty(this, kState, { value: Number(init.highWaterMark) });
    }
    get highWaterMark() { return this[kState]; }
    get size() { return () => 1; }
  }

  // ---- text and compression ----
  class TextEncoderStream {
    constructor() {
      const encoder = new TextEncoder();
      let pending = ''; // a high surrogate at the end of a chunk, for the next one
      const stream = new TransformStream({
        transform(chunk, c) {
          let text = pending + `${chunk}`;
          pending = '';
          const last = text.charCodeAt(text.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) { pending = text.slice(-1); text = text.slice(0, -1); }
          if (text.length > 0) c.enqueue(encoder.encode(text));
        },
        flush(c) { if (pending) c.enqueue(new Uint8Array([0xef, 0xbf, 0xbd])); },
      });
      Object.defineProperty(this, kState, { value: stream });
    }
    get encoding() { return 'utf-8'; }
    get readable() { return this[kState].readable; }
    get writable() { return this[kState].writable; }
  }
  class TextDecoderStream {
    constructor(encoding = 'utf-8', options = {}) {
      const decoder = new TextDecoder(encoding, options);
      const stream = new TransformStream({
        transform(chunk, c) {
          const text = decoder.decode(chunk, { stream: true });
          if (text) c.enqueue(text);
        },
        flush(c) {
          const text = decoder.decode();
          if (text) c.enqueue(text);
        },
      });
      Object.defineProperty(this, kState, { value: { stream, decoder } });
    }
    get encoding() { return this[kState].decoder.encoding; }
    get fatal() { return this[kState].decoder.fatal; }
    get ignoreBOM() { return this[kState].decoder.ignoreBOM; }
    get readable() { return this[kState].stream.readable; }
    get writable() { return this[kState].stream.writable; }
  }
  function zlibStream(target, format, fns) {
    if (!Object.prototype.hasOwnProperty.call(fns, format)) throw invalidValue('format', format);
    const zlib = require('zlib');
    const { Buffer } = require('buffer');
    const chunks = [];
    const stream = new TransformStream({
      transform(chunk) {
        if (!ArrayBuffer.isView(chunk) && !(chunk instanceof ArrayBuffer)) {
          throw internal.argType('chunk', 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', chunk);
        }
        chunks.push(Buffer.from(chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      },
      flush(c) {
        const out = zlib[fns[format]](Buffer.concat(chunks));
        if (out.length > 0) c.enqueue(new Uint8Array(out.buffer, out.byteOffset, out.length));
      },
    });
    Object.defineProperty(target, kState, { value: stream });
  }
  class CompressionStream {
    constructor(format) { zlibStream(this, format, { gzip: 'gzipSync', deflate: 'deflateSync', 'deflate-raw': 'deflateRawSync' }); }
    get readable() { return this[kState].readable; }
    get writable() { return this[kState].writable; }
  }
  class DecompressionStream {
    constructor(format) { zlibStream(this, format, { gzip: 'gunzipSync', deflate: 'inflateSync', 'deflate-raw': 'inflateRawSync' }); }
    get readable() { return this[kState].readable; }
    get writable() { return this[kState].writable; }
  }

  module.exports = { ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamBYOBRequest,
    ReadableByteStreamController, ReadableStreamDefaultController, TransformStream, TransformStreamDefaultController,
    WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController, ByteLengthQueuingStrategy,
    CountQueuingStrategy, TextEncoderStream, TextDecoderStream, CompressionStream, DecompressionStream };
});
for (const name of ['ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader', 'ReadableStreamBYOBRequest',
  'ReadableByteStreamController', 'ReadableStreamDefaultController', 'TransformStream', 'TransformStreamDefaultController',
  'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController', 'ByteLengthQueuingStrategy',
  'CountQueuingStrategy', 'TextEncoderStream', 'TextDecoderStream', 'CompressionStream', 'DecompressionStream']) {
  lazyGlobal(name, () => requireBuiltin('stream/web')[name]);
}
