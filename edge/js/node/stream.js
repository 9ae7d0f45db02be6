// require('stream'): Node's streams (Stream, Readable, Writable, Duplex, Transform, PassThrough,
// pipeline, finished, stream/promises), condensed from Node's own algorithms so buffering, flowing
// and paused modes, back-pressure and the order of events match what pure-JavaScript npm packages
// expect. Everything runs in memory on the invocation's event loop; there is nothing to stream from.
defineBuiltin('stream', function (exports, require, module, internal) {
  const EE = require('events');
  const { Buffer } = require('buffer');
  const { StringDecoder } = require('string_decoder');
  const nextTick = (fn, ...args) => queueMicrotask(() => fn(...args));
  const nop = () => {};
  const kPaused = Symbol('kPaused');
  const kOnFinished = Symbol('kOnFinished');
  const kCallback = Symbol('kCallback');
  const kConstruct = Symbol('kConstruct');

  const err = (code, message, Ctor = Error) => internal.codeError(Ctor, code, message);
  const errors = {
    pushAfterEOF: () => err('ERR_STREAM_PUSH_AFTER_EOF', 'stream.push() after EOF'),
    unshiftAfterEnd: () => err('ERR_STREAM_UNSHIFT_AFTER_END_EVENT', 'stream.unshift() after end event'),
    writeAfterEnd: () => err('ERR_STREAM_WRITE_AFTER_END', 'write after end'),
    destroyed: (name) => err('ERR_STREAM_DESTROYED', `Cannot call ${name} after a stream was destroyed`),
    alreadyFinished: (name) => err('ERR_STREAM_ALREADY_FINISHED', `Cannot call ${name} after a stream was finished`),
    nullValues: () => err('ERR_STREAM_NULL_VALUES', 'May not write null values to stream', TypeError),
    multipleCallback: () => err('ERR_MULTIPLE_CALLBACK', 'Callback called multiple times'),
    notImplemented: (name) => err('ERR_METHOD_NOT_IMPLEMENTED', `The ${name} method is not implemented`),
    prematureClose: () => err('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'),
    cannotPipe: () => err('ERR_STREAM_CANNOT_PIPE', 'Cannot pipe, not readable'),
    chunkType: (chunk) => internal.argType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk),
  };

  function defaultHighWaterMark(objectMode) { return objectMode ? 16 : 16 * 1024; }
  function highWaterMark(options, duplexKey, isDuplex, objectMode) {
    let hwm = options ? options.highWaterMark : undefined;
    if (hwm == null && isDuplex && options) hwm = options[duplexKey];
    if (hwm == null) return defaultHighWaterMark(objectMode);
    if (!Number.isInteger(hwm) || hwm < 0) {
      throw err('ERR_INVALID_ARG_VALUE', `The property 'options.${duplexKey}' is invalid. Received ${hwm}`, TypeError);
    }
    return hwm;
  }
  function isUint8Array(value) { return value instanceof Uint8Array && !Buffer.isBuffer(value); }

  // ---- destroy (shared by Readable and Writable) ----
  function checkError(error, w, r) {
    if (error) {
      if (w && !w.errored) w.errored = error;
      if (r && !r.errored) r.errored = error;
    }
  }
  function destroy(error, cb) {
    const r = this._readableState;
    const w = this._writableState;
    const s = w || r;
    if ((w && w.destroyed) || (r && r.destroyed)) {
      if (typeof cb === 'function') cb();
      return this;
    }
    checkError(error, w, r);
    if (w) w.destroyed = true;
    if (r) r.destroyed = true;
    if (!s.constructed) this.once(kConstruct, (er) => runDestroy(this, error || er, cb));
    else runDestroy(this, error, cb);
    return this;
  }
  function runDestroy(self, error, cb) {
    let called = false;
    function onDestroy(e) {
      if (called) return;
      called = true;
      const r = self._readableState;
      const w = self._writableState;
      checkError(e, w, r);
      if (w) w.closed = true;
      if (r) r.closed = true;
      if (typeof cb === 'function') cb(e);
      if (e) nextTick(emitErrorCloseNT, self, e);
      else nextTick(emitCloseNT, self);
    }
    try {
      self._destroy(error || null, onDestroy);
    } catch (e) {
      onDestroy(e);
    }
  }
  function emitErrorCloseNT(self, error) {
    emitErrorNT(self, error);
    emitCloseNT(self);
  }
  function emitCloseNT(self) {
    const r = self._readableState;
    const w = self._writableState;
    if (w) w.closeEmitted = true;
    if (r) r.closeEmitted = true;
    if ((w && w.emitClose) || (r && r.emitClose)) self.emit('close');
  }
  function emitErrorNT(self, error) {
    const r = self._readableState;
    const w = self._writableState;
    if ((w && w.errorEmitted) || (r && r.errorEmitted)) return;
    if (w) w.errorEmitted = true;
    if (r) r.errorEmitted = true;
    self.emit('error', error);
  }
  function errorOrDestroy(stream, error, sync) {
    const r = stream._readableState;
    const w = stream._writableState;
    if ((w && w.destroyed) || (r && r.destroyed)) return;
    if ((r && r.autoDestroy) || (w && w.autoDestroy)) stream.destroy(error);
    else if (error) {
      checkError(error, w, r);
      if (sync) nextTick(emitErrorNT, stream, error);
      else emitErrorNT(stream, error);
    }
  }
  function construct(stream, cb) {
    if (typeof stream._construct !== 'function') return;
    const r = stream._readableState;
    const w = stream._writableState;
    if (r) r.constructed = false;
    if (w) w.constructed = false;
    stream.once(kConstruct, cb);
    if (stream.listenerCount(kConstruct) > 1) return;
    nextTick(() => {
      let called = false;
      function onConstruct(e) {
        if (called) { errorOrDestroy(stream, e || errors.multipleCallback()); return; }
        called = true;
        if (r) r.constructed = true;
        if (w) w.constructed = true;
        if (e) errorOrDestroy(stream, e, true);
        else nextTick(() => stream.emit(kConstruct));
      }
      try {
        stream._construct((e) => nextTick(onConstruct, e));
      } catch (e) {
        nextTick(onConstruct, e);
      }
    });
  }
  function destroyer(stream, error) {
    if (!stream || stream.destroyed) return;
    if (typeof stream.destroy === 'function') stream.destroy(error);
    else if (typeof stream.close === 'function') stream.close();
  }

  // ---- Stream: the legacy base (EventEmitter with pipe) ----
  function Stream(opts) { EE.call(this, opts); }
  Object.setPrototypeOf(Stream.prototype, EE.prototype);
  Object.setPrototypeOf(Stream, EE);
  Stream.prototype.pipe = function pipe(dest, options) {
    const source = this;
    function ondata(chunk) {
      if (dest.writable && dest.write(chunk) === false && source.pause) source.pause();
    }
    source.on('data', ondata);
    function ondrain() {
      if (source.readable && source.resume) source.resume();
    }
    dest.on('drain', ondrain);
    if (!options || options.end !== false) {
      source.on('end', onend);
      source.on('close', onclose);
    }
    let didOnEnd = false;
    function onend() {
      if (didOnEnd) return;
      didOnEnd = true;
      dest.end();
    }
    function onclose() {
      if (didOnEnd) return;
      didOnEnd = true;
      if (typeof dest.destroy === 'function') dest.destroy();
    }
    function onerror(er) {
      cleanup();
      if (this.listenerCount('error') === 0) this.emit('error', er);
    }
    source.prependListener('error', onerror);
    dest.prependListener('error', onerror);
    function cleanup() {
      source.removeListener('data', ondata);
      dest.removeListener('drain', ondrain);
      source.removeListener('end', onend);
      source.removeListener('close', onclose);
      source.removeListener('error', onerror);
      dest.removeListener('error', onerror);
      source.removeListener('end', cleanup);
      source.removeListener('close', cleanup);
      dest.removeListener('close', cleanup);
    }
    source.on('end', cleanup);
    source.on('close', cleanup);
    dest.on('close', cleanup);
    dest.emit('pipe', source);
    return dest;
  };

  // ---- Readable ----
  function ReadableState(options, stream, isDuplex) {
    if (typeof isDuplex !== 'boolean') isDuplex = stream instanceof Duplex;
    this.objectMode = !!(options && options.objectMode);
    if (isDuplex) this.objectMode = this.objectMode || !!(options && options.readableObjectMode);
    this.highWaterMark = highWaterMark(options, 'readableHighWaterMark', isDuplex, this.objectMode);
    this.buffer = [];
    this.length = 0;
    this.pipes = [];
    this.flowing = null;
    this.ended = false;
    this.endEmitted = false;
    this.reading = false;
    this.constructed = true;
    this.sync = true;
    this.needReadable = false;
    this.emittedReadable = false;
    this.readableListening = false;
    this.resumeScheduled = false;
    this[kPaused] = null;
    this.errorEmitted = false;
    this.emitClose = !options || options.emitClose !== false;
    this.autoDestroy = !options || options.autoDestroy !== false;
    this.destroyed = false;
    this.errored = null;
    this.closed = false;
    this.closeEmitted = false;
    this.defaultEncoding = (options && options.defaultEncoding) || 'utf8';
    this.awaitDrainWriters = null;
    this.multiAwaitDrain = false;
    this.readingMore = false;
    this.dataEmitted = false;
    this.decoder = null;
    this.encoding = null;
    if (options && options.encoding) {
      this.decoder = new StringDecoder(options.encoding);
      this.encoding = options.encoding;
    }
  }

  function Readable(options) {
    if (!(this instanceof Readable)) return new Readable(options);
    const isDuplex = this instanceof Duplex;
    this._readableState = new ReadableState(options, this, isDuplex);
    if (options) {
      if (typeof options.read === 'function') this._read = options.read;
      if (typeof options.destroy === 'function') this._destroy = options.destroy;
      if (typeof options.construct === 'function') this._construct = options.construct;
    }
    Stream.call(this, options);
    construct(this, () => {
      if (this._readableState.needReadable) maybeReadMore(this, this._readableState);
    });
  }
  Object.setPrototypeOf(Readable.prototype, Stream.prototype);
  Object.setPrototypeOf(Readable, Stream);
  Readable.ReadableState = ReadableState;

  Readable.prototype.destroy = destroy;
  Readable.prototype._undestroy = function () {};
  Readable.prototype._destroy = function (error, cb) { cb(error); };
  Readable.prototype.push = function (chunk, encoding) { return readableAddChunk(this, chunk, encoding, false); };
  Readable.prototype.unshift = function (chunk, encoding) { return readableAddChunk(this, chunk, encoding, true); };

  function readableAddChunk(stream, chunk, encoding, addToFront) {
    const state = stream._readableState;
    let error;
    if (!state.objectMode) {
      if (typeof chunk === 'string') {
        encoding = encoding || state.defaultEncoding;
        if (state.encoding !== encoding) {
          if (addToFront && state.encoding) {
            chunk = Buffer.from(chunk, encoding).toString(state.encoding);
          } else {
            chunk = Buffer.from(chunk, encoding);
            encoding = '';
          }
        }
      } else if (Buffer.isBuffer(chunk)) {
        encoding = '';
      } else if (isUint8Array(chunk)) {
        chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        encoding = '';
      } else if (chunk != null) {
        error = errors.chunkType(chunk);
      }
    }
    if (error) {
      errorOrDestroy(stream, error);
    } else if (chunk === null) {
      state.reading = false;
      onEofChunk(stream, state);
    } else if (state.objectMode || (chunk && chunk.length > 0)) {
      if (addToFront) {
        if (state.endEmitted) errorOrDestroy(stream, errors.unshiftAfterEnd());
        else if (state.destroyed || state.errored) return false;
        else addChunk(stream, state, chunk, true);
      } else if (state.ended) {
        errorOrDestroy(stream, errors.pushAfterEOF());
      } else if (state.destroyed || state.errored) {
        return false;
      } else {
        state.reading = false;
        if (state.decoder && !encoding) {
          chunk = state.decoder.write(chunk);
          if (state.objectMode || chunk.length !== 0) addChunk(stream, state, chunk, false);
          else maybeReadMore(stream, state);
        } else {
          addChunk(stream, state, chunk, false);
        }
      }
    } else if (!addToFront) {
      state.reading = false;
      maybeReadMore(stream, state);
    }
    return !state.ended && (state.length < state.highWaterMark || state.length === 0);
  }

  function addChunk(stream, state, chunk, addToFront) {
    if (state.flowing && state.length === 0 && !state.sync && stream.listenerCount('data') > 0) {
      if (state.multiAwaitDrain) state.awaitDrainWriters.clear();
      else state.awaitDrainWriters = null;
      state.dataEmitted = true;
      stream.emit('data', chunk);
    } else {
      state.length += state.objectMode ? 1 : chunk.length;
      if (addToFront) state.buffer.unshift(chunk);
      else state.buffer.push(chunk);
      if (state.needReadable) emitReadable(stream);
    }
    maybeReadMore(stream, state);
  }

  Readable.prototype.isPaused = function () {
    const state = this._readableState;
    return state[kPaused] === true || state.flowing === false;
  };
  Readable.prototype.setEncoding = function (enc) {
    const decoder = new StringDecoder(enc);
    const state = this._readableState;
    state.decoder = decoder;
    state.encoding = decoder.encoding;
    let content = '';
    for (const data of state.buffer) content += decoder.write(data);
    state.buffer = content !== '' ? [content] : [];
    state.length = content.length;
    return this;
  };

  const MAX_HWM = 0x40000000;
  function computeNewHighWaterMark(n) {
    if (n > MAX_HWM) throw err('ERR_OUT_OF_RANGE', `The value of "size" is out of range. It must be <= 1GiB. Received ${n}`, RangeError);
    n--;
    n |= n >>> 1; n |= n >>> 2; n |= n >>> 4; n |= n >>> 8; n |= n >>> 16;
    return n + 1;
  }
  function howMuchToRead(n, state) {
    if (n <= 0 || (state.length === 0 && state.ended)) return 0;
    if (state.objectMode) return 1;
    if (Number.isNaN(n)) {
      if (state.flowing && state.length) return state.buffer[0].length;
      return state.length;
    }
    if (n <= state.length) return n;
    return state.ended ? state.length : 0;
  }

  Readable.prototype.read = function (n) {
    if (n === undefined) n = NaN;
    else if (!Number.isInteger(n)) n = Number.parseInt(n, 10);
    const state = this._readableState;
    const nOrig = n;
    if (n > state.highWaterMark) state.highWaterMark = computeNewHighWaterMark(n);
    if (n !== 0) state.emittedReadable = false;
    if (n === 0 && state.needReadable &&
        ((state.highWaterMark !== 0 ? state.length >= state.highWaterMark : state.length > 0) || state.ended)) {
      if (state.length === 0 && state.ended) endReadable(this);
      else emitReadable(this);
      return null;
    }
    n = howMuchToRead(n, state);
    if (n === 0 && state.ended) {
      if (state.length === 0) endReadable(this);
      return null;
    }
    let doRead = state.needReadable;
    if (state.length === 0 || state.length - n < state.highWaterMark) doRead = true;
    if (state.ended || state.reading || state.destroyed || state.errored || !state.constructed) {
      doRead = false;
    } else if (doRead) {
      state.reading = true;
      state.sync = true;
      if (state.length === 0) state.needReadable = true;
      try {
        this._read(state.highWaterMark);
      } catch (e) {
        errorOrDestroy(this, e);
      }
      state.sync = false;
      if (!state.reading) n = howMuchToRead(nOrig, state);
    }
    let ret = n > 0 ? fromList(n, state) : null;
    if (ret === null) {
      state.needReadable = state.length <= state.highWaterMark;
      n = 0;
    } else {
      state.length -= n;
      if (state.multiAwaitDrain) state.awaitDrainWriters.clear();
      else state.awaitDrainWriters = null;
    }
    if (state.length === 0) {
      if (!state.ended) state.needReadable = true;
      if (nOrig !== n && state.ended) endReadable(this);
    }
    if (ret !== null && !state.errorEmitted && !state.closeEmitted) {
      state.dataEmitted = true;
      this.emit('data', ret);
    }
    return ret;
  };

  function fromList(n, state) {
    if (state.length === 0) return null;
    const buffer = state.buffer;
    if (state.objectMode) return buffer.shift();
    if (!n || n >= state.length) {
      let ret;
      if (state.decoder) ret = buffer.join('');
      else if (buffer.length === 1) ret = buffer[0];
      else ret = Buffer.concat(buffer, state.length);
      state.buffer = [];
      return ret;
    }
    const first = buffer[0];
    if (n < first.length) {
      buffer[0] = first.slice(n);
      return first.slice(0, n);
    }
    if (n === first.length) return buffer.shift();
    if (typeof first === 'string') {
      let ret = '';
      while (ret.length < n) {
        const str = buffer[0];
        const need = n - ret.length;
        if (str.length <= need) { ret += str; buffer.shift(); } else { ret += str.slice(0, need); buffer[0] = str.slice(need); }
      }
      return ret;
    }
    const ret = Buffer.allocUnsafe(n);
    let copied = 0;
    while (copied < n) {
      const buf = buffer[0];
      const need = n - copied;
      if (buf.length <= need) {
        ret.set(buf, copied);
        copied += buf.length;
        buffer.shift();
      } else {
        ret.set(buf.subarray(0, need), copied);
        copied += need;
        buffer[0] = buf.slice(need);
      }
    }
    return ret;
  }

  function onEofChunk(stream, state) {
    if (state.ended) return;
    if (state.decoder) {
      const chunk = state.decoder.end();
      if (chunk && chunk.length) {
        state.buffer.push(chunk);
        state.length += state.objectMode ? 1 : chunk.length;
      }
    }
    state.ended = true;
    if (state.sync) {
      emitReadable(stream);
    } else {
      state.needReadable = false;
      state.emittedReadable = true;
      emitReadableNT(stream);
    }
  }
  function emitReadable(stream) {
    const state = stream._readableState;
    state.needReadable = false;
    if (!state.emittedReadable) {
      state.emittedReadable = true;
      nextTick(emitReadableNT, stream);
    }
  }
  function emitReadableNT(stream) {
    const state = stream._readableState;
    if (!state.destroyed && !state.errored && (state.length || state.ended)) {
      stream.emit('readable');
      state.emittedReadable = false;
    }
    state.needReadable = !state.flowing && !state.ended && state.length <= state.highWaterMark;
    flow(stream);
  }
  function maybeReadMore(stream, state) {
    if (!state.readingMore && state.constructed) {
      state.readingMore = true;
      nextTick(maybeReadMoreNT, stream, state);
    }
  }
  function maybeReadMoreNT(stream, state) {
    while (!state.reading && !state.ended &&
           (state.length < state.highWaterMark || (state.flowing && state.length === 0))) {
      const len = state.length;
      stream.read(0);
      if (len === state.length) break;
    }
    state.readingMore = false;
  }

  Readable.prototype._read = function () { throw errors.notImplemented('_read()'); };

  Readable.prototype.pipe = function (dest, pipeOpts) {
    const src = this;
    const state = this._readableState;
    if (state.pipes.length === 1 && !state.multiAwaitDrain) {
      state.multiAwaitDrain = true;
      state.awaitDrainWriters = new Set(state.awaitDrainWriters ? [state.awaitDrainWriters] : []);
    }
    state.pipes.push(dest);
    const doEnd = !pipeOpts || pipeOpts.end !== false;
    const endFn = doEnd ? onend : unpipe;
    if (state.endEmitted) nextTick(endFn);
    else src.once('end', endFn);
    dest.on('unpipe', onunpipe);
    function onunpipe(readable, unpipeInfo) {
      if (readable === src && unpipeInfo && unpipeInfo.hasUnpiped === false) {
        unpipeInfo.hasUnpiped = true;
        cleanup();
      }
    }
    function onend() { dest.end(); }
    let ondrain;
    let cleanedUp = false;
    function cleanup() {
      dest.removeListener('close', onclose);
      dest.removeListener('finish', onfinish);
      if (ondrain) dest.removeListener('drain', ondrain);
      dest.removeListener('error', onerror);
      dest.removeListener('unpipe', onunpipe);
      src.removeListener('end', onend);
      src.removeListener('end', unpipe);
      src.removeListener('data', ondata);
      cleanedUp = true;
      if (ondrain && state.awaitDrainWriters && (!dest._writableState || dest._writableState.needDrain)) ondrain();
    }
    function pause() {
      if (!cleanedUp) {
        if (state.pipes.length === 1 && state.pipes[0] === dest) {
          state.awaitDrainWriters = dest;
          state.multiAwaitDrain = false;
        } else if (state.pipes.length > 1 && state.pipes.includes(dest)) {
          state.awaitDrainWriters.add(dest);
        }
        src.pause();
      }
      if (!ondrain) {
        ondrain = pipeOnDrain(src, dest);
        dest.on('drain', ondrain);
      }
    }
    src.on('data', ondata);
    function ondata(chunk) {
      if (dest.write(chunk) === false) pause();
    }
    function onerror(er) {
      unpipe();
      dest.removeListener('error', onerror);
      if (dest.listenerCount('error') === 0) {
        const s = dest._writableState || dest._readableState;
        if (s && !s.errorEmitted) errorOrDestroy(dest, er);
        else dest.emit('error', er);
      }
    }
    dest.prependListener('error', onerror);
    function onclose() {
      dest.removeListener('finish', onfinish);
      unpipe();
    }
    dest.once('close', onclose);
    function onfinish() {
      dest.removeListener('close', onclose);
      unpipe();
    }
    dest.once('finish', onfinish);
    function unpipe() { src.unpipe(dest); }
    dest.emit('pipe', src);
    if (dest.writableNeedDrain === true) pause();
    else if (!state.flowing) src.resume();
    return dest;
  };
  function pipeOnDrain(src, dest) {
    return function pipeOnDrainFunctionResult() {
      const state = src._readableState;
      if (state.awaitDrainWriters === dest) state.awaitDrainWriters = null;
      else if (state.multiAwaitDrain) state.awaitDrainWriters.delete(dest);
      if ((!state.awaitDrainWriters || state.awaitDrainWriters.size === 0) && src.listenerCount('data')) src.resume();
    };
  }
  Readable.prototype.unpipe = function (dest) {
    const state = this._readableState;
    const unpipeInfo = { hasUnpiped: false };
    if (state.pipes.length === 0) return this;
    if (!dest) {
      const dests = state.pipes;
      state.pipes = [];
      this.pause();
      for (const d of dests) d.emit('unpipe', this, { hasUnpiped: false });
      return this;
    }
    const index = state.pipes.indexOf(dest);
    if (index === -1) return this;
    state.pipes.splice(index, 1);
    if (state.pipes.length === 0) this.pause();
    dest.emit('unpipe', this, unpipeInfo);
    return this;
  };

  Readable.prototype.on = function (ev, fn) {
    const res = Stream.prototype.on.call(this, ev, fn);
    const state = this._readableState;
    if (ev === 'data') {
      state.readableListening = this.listenerCount('readable') > 0;
      if (state.flowing !== false) this.resume();
    } else if (ev === 'readable') {
      if (!state.endEmitted && !state.readableListening) {
        state.readableListening = state.needReadable = true;
        state.flowing = false;
        state.emittedReadable = false;
        if (state.length) emitReadable(this);
        else if (!state.reading) nextTick((self) => self.read(0), this);
      }
    }
    return res;
  };
  Readable.prototype.addListener = Readable.prototype.on;
  Readable.prototype.removeListener = function (ev, fn) {
    const res = Stream.prototype.removeListener.call(this, ev, fn);
    if (ev === 'readable') nextTick(updateReadableListening, this);
    return res;
  };
  Readable.prototype.off = Readable.prototype.removeListener;
  Readable.prototype.removeAllListeners = function (ev) {
    const res = Stream.prototype.removeAllListeners.apply(this, arguments);
    if (ev === 'readable' || ev === undefined) nextTick(updateReadableListening, this);
    return res;
  };
  function updateReadableListening(self) {
    const state = self._readableState;
    state.readableListening = self.listenerCount('readable') > 0;
    if (state.resumeScheduled && state[kPaused] === false) state.flowing = true;
    else if (self.listenerCount('data') > 0) self.resume();
    else if (!state.readableListening) state.flowing = null;
  }

  Readable.prototype.resume = function () {
    const state = this._readableState;
    if (!state.flowing) {
      state.flowing = !state.readableListening;
      if (!state.resumeScheduled) {
        state.resumeScheduled = true;
        nextTick(resumeNT, this, state);
      }
    }
    state[kPaused] = false;
    return this;
  };
  function resumeNT(stream, state) {
    if (!state.reading) stream.read(0);
    state.resumeScheduled = false;
    stream.emit('resume');
    flow(stream);
    if (state.flowing && !state.reading) stream.read(0);
  }
  Readable.prototype.pause = function () {
    const state = this._readableState;
    if (state.flowing !== false) {
      state.flowing = false;
      this.emit('pause');
    }
    state[kPaused] = true;
    return this;
  };
  function flow(stream) {
    const state = stream._readableState;
    while (state.flowing && stream.read() !== null);
  }
  function endReadable(stream) {
    const state = stream._readableState;
    if (!state.endEmitted) {
      state.ended = true;
      nextTick(endReadableNT, state, stream);
    }
  }
  function endReadableNT(state, stream) {
    if (!state.errored && !state.closeEmitted && !state.endEmitted && state.length === 0) {
      state.endEmitted = true;
      stream.emit('end');
      if (stream.writable && stream.allowHalfOpen === false) {
        nextTick((s) => { if (s.writable && !s.writableEnded && !s.destroyed) s.end(); }, stream);
      } else if (state.autoDestroy) {
        const wState = stream._writableState;
        if (!wState || (wState.autoDestroy && (wState.finished || wState.writable === false))) stream.destroy();
      }
    }
  }

  // Legacy: wrap an old-style stream (data/end events, pause/resume) in a Readable.
  Readable.prototype.wrap = function (stream) {
    let paused = false;
    stream.on('data', (chunk) => {
      if (!this.push(chunk) && stream.pause) {
        paused = true;
        stream.pause();
      }
    });
    stream.on('end', () => this.push(null));
    stream.on('error', (e) => errorOrDestroy(this, e));
    stream.on('close', () => this.destroy());
    stream.on('destroy', () => this.destroy());
    this._read = () => {
      if (paused && stream.resume) {
        paused = false;
        stream.resume();
      }
    };
    return this;
  };

  Readable.prototype[Symbol.asyncIterator] = function () { return streamToAsyncIterator(this); };
  Readable.prototype.iterator = function (options) { return streamToAsyncIterator(this, options); };
  async function* streamToAsyncIterator(stream, options) {
    let callback = nop;
    function next(resolve) {
      if (this === stream) {
        callback();
        callback = nop;
      } else {
        callback = resolve;
      }
    }
    stream.on('readable', next);
    let error;
    const cleanup = finished(stream, { writable: false }, (e) => {
      error = e || null;
      callback();
      callback = nop;
    });
    try {
      while (true) {
        const chunk = stream.destroyed ? null : stream.read();
        if (chunk !== null) yield chunk;
        else if (error) throw error;
        else if (error === null) return;
        else await new Promise(next);
      }
    } catch (e) {
      error = error || e;
      throw error;
    } finally {
      if ((error || !options || options.destroyOnReturn !== false) &&
          (error === undefined || stream._readableState.autoDestroy)) {
        destroyer(stream, null);
      } else {
        stream.off('readable', next);
        cleanup();
      }
    }
  }
  Readable.prototype.toArray = async function () {
    const out = [];
    for await (const chunk of this) out.push(chunk);
    return out;
  };

  const readableGetters = {
    readable() {
      const r = this._readableState;
      return !!r && r.readable !== false && !r.destroyed && !r.errorEmitted && !r.endEmitted;
    },
    readableDidRead() { return this._readableState.dataEmitted; },
    readableAborted() {
      const r = this._readableState;
      return !!(r.readable !== false && (r.destroyed || r.errored) && !r.endEmitted);
    },
    readableHighWaterMark() { return this._readableState.highWaterMark; },
    readableBuffer() { return this._readableState && this._readableState.buffer; },
    readableFlowing() { return this._readableState.flowing; },
    readableLength() { return this._readableState.length; },
    readableObjectMode() { return this._readableState ? this._readableState.objectMode : false; },
    readableEncoding() { return this._readableState ? this._readableState.encoding : null; },
    errored() { return this._readableState ? this._readableState.errored : null; },
    closed() { return this._readableState ? this._readableState.closed : false; },
    readableEnded() { return this._readableState ? this._readableState.endEmitted : false; },
  };
  for (const [name, get] of Object.entries(readableGetters)) {
    Object.defineProperty(Readable.prototype, name, { get, enumerable: false, configurable: true });
  }
  Object.defineProperty(Readable.prototype, 'readable', {
    get: readableGetters.readable,
    set(value) { if (this._readableState) this._readableState.readable = !!value; },
    configurable: true,
  });
  Object.defineProperty(Readable.prototype, 'readableFlowing', {
    get: readableGetters.readableFlowing,
    set(value) { if (this._readableState) this._readableState.flowing = value; },
    configurable: true,
  });
  Object.defineProperty(Readable.prototype, 'destroyed', {
    get() { return this._readableState ? this._readableState.destroyed : false; },
    set(value) { if (this._readableState) this._readableState.destroyed = value; },
    configurable: true,
  });

  Readable.from = function from(iterable, opts) {
    if (typeof iterable === 'string' || Buffer.isBuffer(iterable)) {
      return new Readable({
        objectMode: true,
        ...opts,
        read() {
          this.push(iterable);
          this.push(null);
        },
      });
    }
    let isAsync;
    let iterator;
    if (iterable && typeof iterable[Symbol.asyncIterator] === 'function') {
      isAsync = true;
      iterator = iterable[Symbol.asyncIterator]();
    } else if (iterable && typeof iterable[Symbol.iterator] === 'function') {
      isAsync = false;
      iterator = iterable[Symbol.iterator]();
    } else {
      throw internal.argType('iterable', 'an instance of Iterable', iterable);
    }
    const readable = new Readable({ objectMode: true, highWaterMark: 1, ...opts });
    let reading = false;
    readable._read = function () {
      if (!reading) {
        reading = true;
        next();
      }
    };
    readable._destroy = function (error, cb) {
      close(error).then(() => nextTick(cb, error), (e) => nextTick(cb, e || error));
    };
    async function close(error) {
      const hadError = error !== undefined && error !== null;
      if (hadError && typeof iterator.throw === 'function') {
        const { value, done } = await iterator.throw(error);
        await value;
        if (done) return;
      }
      if (typeof iterator.return === 'function') {
        const { value } = await iterator.return();
        await value;
      }
    }
    async function next() {
      for (;;) {
        try {
          const { value, done } = isAsync ? await iterator.next() : iterator.next();
          if (done) {
            readable.push(null);
          } else {
            const res = value && typeof value.then === 'function' ? await value : value;
            if (res === null) {
              reading = false;
              throw errors.nullValues();
            } else if (readable.push(res)) {
              continue;
            } else {
              reading = false;
            }
          }
        } catch (e) {
          readable.destroy(e);
        }
        break;
      }
    }
    return readable;
  };

  // ---- Writable ----
  function WritableState(options, stream, isDuplex) {
    if (typeof isDuplex !== 'boolean') isDuplex = stream instanceof Duplex;
    this.objectMode = !!(options && options.objectMode);
    if (isDuplex) this.objectMode = this.objectMode || !!(options && options.writableObjectMode);
    this.highWaterMark = highWaterMark(options, 'writableHighWaterMark', isDuplex, this.objectMode);
    this.finalCalled = false;
    this.needDrain = false;
    this.ending = false;
    this.ended = false;
    this.finished = false;
    this.destroyed = false;
    this.decodeStrings = !(options && options.decodeStrings === false);
    this.defaultEncoding = (options && options.defaultEncoding) || 'utf8';
    this.length = 0;
    this.writing = false;
    this.corked = 0;
    this.sync = true;
    this.bufferProcessing = false;
    this.onwrite = onwrite.bind(undefined, stream);
    this.writecb = null;
    this.writelen = 0;
    this.afterWriteTickInfo = null;
    this.buffered = [];
    this.bufferedIndex = 0;
    this.allBuffers = true;
    this.allNoop = true;
    this.pendingcb = 0;
    this.constructed = true;
    this.prefinished = false;
    this.errorEmitted = false;
    this.emitClose = !options || options.emitClose !== false;
    this.autoDestroy = !options || options.autoDestroy !== false;
    this.errored = null;
    this.closed = false;
    this.closeEmitted = false;
    this[kOnFinished] = [];
  }
  WritableState.prototype.getBuffer = function () { return this.buffered.slice(this.bufferedIndex); };
  Object.defineProperty(WritableState.prototype, 'bufferedRequestCount', {
    get() { return this.buffered.length - this.bufferedIndex; },
  });
  function resetBuffer(state) {
    state.buffered = [];
    state.bufferedIndex = 0;
    state.allBuffers = true;
    state.allNoop = true;
  }

  function Writable(options) {
    const isDuplex = this instanceof Duplex;
    if (!isDuplex && !Function.prototype[Symbol.hasInstance].call(Writable, this)) return new Writable(options);
    this._writableState = new WritableState(options, this, isDuplex);
    if (options) {
      if (typeof options.write === 'function') this._write = options.write;
      if (typeof options.writev === 'function') this._writev = options.writev;
      if (typeof options.destroy === 'function') this._destroy = options.destroy;
      if (typeof options.final === 'function') this._final = options.final;
      if (typeof options.construct === 'function') this._construct = options.construct;
    }
    Stream.call(this, options);
    construct(this, () => {
      const state = this._writableState;
      if (!state.writing) clearBuffer(this, state);
      finishMaybe(this, state);
    });
  }
  Object.setPrototypeOf(Writable.prototype, Stream.prototype);
  Object.setPrototypeOf(Writable, Stream);
  Writable.WritableState = WritableState;
  // A Duplex is a Writable too (its prototype chain holds Readable only), as in Node.
  Object.defineProperty(Writable, Symbol.hasInstance, {
    value(object) {
      if (Function.prototype[Symbol.hasInstance].call(this, object)) return true;
      if (this !== Writable) return false;
      return !!object && object._writableState instanceof WritableState;
    },
  });

  Writable.prototype.pipe = function () { errorOrDestroy(this, errors.cannotPipe()); };

  function writeChunk(stream, chunk, encoding, cb) {
    const state = stream._writableState;
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = state.defaultEncoding;
    } else {
      if (!encoding) encoding = state.defaultEncoding;
      else if (encoding !== 'buffer' && !Buffer.isEncoding(encoding)) {
        throw err('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`, TypeError);
      }
      if (typeof cb !== 'function') cb = nop;
    }
    if (chunk === null) throw errors.nullValues();
    if (!state.objectMode) {
      if (typeof chunk === 'string') {
        if (state.decodeStrings !== false) {
          chunk = Buffer.from(chunk, encoding);
          encoding = 'buffer';
        }
      } else if (Buffer.isBuffer(chunk)) {
        encoding = 'buffer';
      } else if (isUint8Array(chunk)) {
        chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        encoding = 'buffer';
      } else {
        throw errors.chunkType(chunk);
      }
    }
    let error;
    if (state.ending) error = errors.writeAfterEnd();
    else if (state.destroyed) error = errors.destroyed('write');
    if (error) {
      nextTick(cb, error);
      errorOrDestroy(stream, error, true);
      return error;
    }
    state.pendingcb++;
    return writeOrBuffer(stream, state, chunk, encoding, cb);
  }
  Writable.prototype.write = function (chunk, encoding, cb) {
    return writeChunk(this, chunk, encoding, cb) === true;
  };
  Writable.prototype.cork = function () { this._writableState.corked++; };
  Writable.prototype.uncork = function () {
    const state = this._writableState;
    if (state.corked) {
      state.corked--;
      if (!state.writing) clearBuffer(this, state);
    }
  };
  Writable.prototype.setDefaultEncoding = function (encoding) {
    if (typeof encoding === 'string') encoding = encoding.toLowerCase();
    if (!Buffer.isEncoding(encoding)) throw err('ERR_UNKNOWN_ENCODING', `Unknown encoding: ${encoding}`, TypeError);
    this._writableState.defaultEncoding = encoding;
    return this;
  };

  function writeOrBuffer(stream, state, chunk, encoding, callback) {
    const len = state.objectMode ? 1 : chunk.length;
    state.length += len;
    const ret = state.length < state.highWaterMark;
    if (!ret) state.needDrain = true;
    if (state.writing || state.corked || state.errored || !state.constructed) {
      state.buffered.push({ chunk, encoding, callback });
      if (state.allBuffers && encoding !== 'buffer') state.allBuffers = false;
      if (state.allNoop && callback !== nop) state.allNoop = false;
    } else {
      state.writelen = len;
      state.writecb = callback;
      state.writing = true;
      state.sync = true;
      stream._write(chunk, encoding, state.onwrite);
      state.sync = false;
    }
    return ret && !state.errored && !state.destroyed;
  }
  function doWrite(stream, state, writev, len, chunk, encoding, cb) {
    state.writelen = len;
    state.writecb = cb;
    state.writing = true;
    state.sync = true;
    if (state.destroyed) state.onwrite(errors.destroyed('write'));
    else if (writev) stream._writev(chunk, state.onwrite);
    else stream._write(chunk, encoding, state.onwrite);
    state.sync = false;
  }
  function onwriteError(stream, state, er, cb) {
    --state.pendingcb;
    cb(er);
    errorBuffer(state);
    errorOrDestroy(stream, er);
  }
  function onwrite(stream, er) {
    const state = stream._writableState;
    const sync = state.sync;
    const cb = state.writecb;
    if (typeof cb !== 'function') {
      errorOrDestroy(stream, errors.multipleCallback());
      return;
    }
    state.writing = false;
    state.writecb = null;
    state.length -= state.writelen;
    state.writelen = 0;
    if (er) {
      if (!state.errored) state.errored = er;
      if (stream._readableState && !stream._readableState.errored) stream._readableState.errored = er;
      if (sync) nextTick(onwriteError, stream, state, er, cb);
      else onwriteError(stream, state, er, cb);
    } else {
      if (state.buffered.length > state.bufferedIndex) clearBuffer(stream, state);
      if (sync) {
        if (state.afterWriteTickInfo !== null && state.afterWriteTickInfo.cb === cb) {
          state.afterWriteTickInfo.count++;
        } else {
          state.afterWriteTickInfo = { count: 1, cb, stream, state };
          nextTick(afterWriteTick, state.afterWriteTickInfo);
        }
      } else {
        afterWrite(stream, state, 1, cb);
      }
    }
  }
  function afterWriteTick({ stream, state, count, cb }) {
    state.afterWriteTickInfo = null;
    return afterWrite(stream, state, count, cb);
  }
  function afterWrite(stream, state, count, cb) {
    const needDrain = !state.ending && !stream.destroyed && state.length === 0 && state.needDrain;
    if (needDrain) {
      state.needDrain = false;
      stream.emit('drain');
    }
    while (count-- > 0) {
      state.pendingcb--;
      cb();
    }
    if (state.destroyed) errorBuffer(state);
    finishMaybe(stream, state);
  }
  function errorBuffer(state) {
    if (state.writing) return;
    for (let n = state.bufferedIndex; n < state.buffered.length; ++n) {
      const { chunk, callback } = state.buffered[n];
      state.length -= state.objectMode ? 1 : chunk.length;
      callback(state.errored || errors.destroyed('write'));
    }
    for (const callback of state[kOnFinished].splice(0)) callback(state.errored || errors.destroyed('end'));
    resetBuffer(state);
  }
  function clearBuffer(stream, state) {
    if (state.corked || state.bufferProcessing || state.destroyed || !state.constructed) return;
    const { buffered, bufferedIndex, objectMode } = state;
    const bufferedLength = buffered.length - bufferedIndex;
    if (!bufferedLength) return;
    let i = bufferedIndex;
    state.bufferProcessing = true;
    if (bufferedLength > 1 && stream._writev) {
      state.pendingcb -= bufferedLength - 1;
      const callback = state.allNoop ? nop : (e) => {
        for (let n = i; n < buffered.length; ++n) buffered[n].callback(e);
      };
      const chunks = state.allNoop && i === 0 ? buffered : buffered.slice(i);
      chunks.allBuffers = state.allBuffers;
      doWrite(stream, state, true, state.length, chunks, '', callback);
      resetBuffer(state);
    } else {
      do {
        const { chunk, encoding, callback } = buffered[i];
        buffered[i++] = null;
        const len = objectMode ? 1 : chunk.length;
        doWrite(stream, state, false, len, chunk, encoding, callback);
      } while (i < buffered.length && !state.writing);
      if (i === buffered.length) resetBuffer(state);
      else if (i > 256) {
        buffered.splice(0, i);
        state.bufferedIndex = 0;
      } else {
        state.bufferedIndex = i;
      }
    }
    state.bufferProcessing = false;
  }

  Writable.prototype._write = function (chunk, encoding, cb) {
    if (this._writev) this._writev([{ chunk, encoding }], cb);
    else throw errors.notImplemented('_write()');
  };
  Writable.prototype._writev = null;

  Writable.prototype.end = function (chunk, encoding, cb) {
    const state = this._writableState;
    if (typeof chunk === 'function') {
      cb = chunk;
      chunk = null;
      encoding = null;
    } else if (typeof encoding === 'function') {
      cb = encoding;
      encoding = null;
    }
    let error;
    if (chunk !== null && chunk !== undefined) {
      const ret = writeChunk(this, chunk, encoding);
      if (ret instanceof Error) error = ret;
    }
    if (state.corked) {
      state.corked = 1;
      this.uncork();
    }
    if (error) {
      // the write's error is reported through its callback and 'error'
    } else if (!state.errored && !state.ending) {
      state.ending = true;
      finishMaybe(this, state, true);
      state.ended = true;
    } else if (state.finished) {
      error = errors.alreadyFinished('end');
    } else if (state.destroyed) {
      error = errors.destroyed('end');
    }
    if (typeof cb === 'function') {
      if (error || state.finished) nextTick(cb, error);
      else state[kOnFinished].push(cb);
    }
    return this;
  };

  function needFinish(state) {
    return state.ending && !state.destroyed && state.constructed && state.length === 0 && !state.errored &&
      state.buffered.length === 0 && !state.finished && !state.writing && !state.errorEmitted && !state.closeEmitted;
  }
  function callFinal(stream, state) {
    let called = false;
    function onFinish(e) {
      if (called) {
        errorOrDestroy(stream, e || errors.multipleCallback());
        return;
      }
      called = true;
      state.pendingcb--;
      if (e) {
        for (const callback of state[kOnFinished].splice(0)) callback(e);
        errorOrDestroy(stream, e, state.sync);
      } else if (needFinish(state)) {
        state.prefinished = true;
        stream.emit('prefinish');
        state.pendingcb++;
        nextTick(finish, stream, state);
      }
    }
    state.sync = true;
    state.pendingcb++;
    try {
      stream._final(onFinish);
    } catch (e) {
      onFinish(e);
    }
    state.sync = false;
  }
  function prefinish(stream, state) {
    if (!state.prefinished && !state.finalCalled) {
      if (typeof stream._final === 'function' && !state.destroyed) {
        state.finalCalled = true;
        callFinal(stream, state);
      } else {
        state.prefinished = true;
        stream.emit('prefinish');
      }
    }
  }
  function finishMaybe(stream, state, sync) {
    if (needFinish(state)) {
      prefinish(stream, state);
      if (state.pendingcb === 0) {
        if (sync) {
          state.pendingcb++;
          nextTick((s, st) => {
            if (needFinish(st)) finish(s, st);
            else st.pendingcb--;
          }, stream, state);
        } else if (needFinish(state)) {
          state.pendingcb++;
          finish(stream, state);
        }
      }
    }
  }
  function finish(stream, state) {
    state.pendingcb--;
    state.finished = true;
    for (const callback of state[kOnFinished].splice(0)) callback();
    stream.emit('finish');
    if (state.autoDestroy) {
      const rState = stream._readableState;
      if (!rState || (rState.autoDestroy && (rState.endEmitted || rState.readable === false))) stream.destroy();
    }
  }

  const writableGetters = {
    closed() { return this._writableState ? this._writableState.closed : false; },
    writableFinished() { return this._writableState ? this._writableState.finished : false; },
    writableObjectMode() { return this._writableState ? this._writableState.objectMode : false; },
    writableBuffer() { return this._writableState && this._writableState.getBuffer(); },
    writableEnded() { return this._writableState ? this._writableState.ending : false; },
    writableNeedDrain() {
      const w = this._writableState;
      return !!w && !w.destroyed && !w.ending && w.needDrain;
    },
    writableHighWaterMark() { return this._writableState && this._writableState.highWaterMark; },
    writableCorked() { return this._writableState ? this._writableState.corked : 0; },
    writableLength() { return this._writableState && this._writableState.length; },
    errored() { return this._writableState ? this._writableState.errored : null; },
    writableAborted() {
      const w = this._writableState;
      return !!(w.writable !== false && (w.destroyed || w.errored) && !w.finished);
    },
  };
  for (const [name, get] of Object.entries(writableGetters)) {
    Object.defineProperty(Writable.prototype, name, { get, enumerable: false, configurable: true });
  }
  Object.defineProperty(Writable.prototype, 'destroyed', {
    get() { return this._writableState ? this._writableState.destroyed : false; },
    set(value) { if (this._writableState) this._writableState.destroyed = value; },
    configurable: true,
  });
  Object.defineProperty(Writable.prototype, 'writable', {
    get() {
      const w = this._writableState;
      return !!w && w.writable !== false && !w.destroyed && !w.errored && !w.ending && !w.ended;
    },
    set(value) { if (this._writableState) this._writableState.writable = !!value; },
    configurable: true,
  });
  Writable.prototype.destroy = function (error, cb) {
    const state = this._writableState;
    if (!state.destroyed && (state.bufferedIndex < state.buffered.length || state[kOnFinished].length)) {
      nextTick(errorBuffer, state);
    }
    destroy.call(this, error, cb);
    return this;
  };
  Writable.prototype._undestroy = function () {};
  Writable.prototype._destroy = function (error, cb) { cb(error); };

  // ---- Duplex: a Readable that is also a Writable ----
  function Duplex(options) {
    if (!(this instanceof Duplex)) return new Duplex(options);
    Readable.call(this, options);
    Writable.call(this, options);
    if (options) {
      this.allowHalfOpen = options.allowHalfOpen !== false;
      if (options.readable === false) {
        this._readableState.readable = false;
        this._readableState.ended = true;
        this._readableState.endEmitted = true;
      }
      if (options.writable === false) {
        this._writableState.writable = false;
        this._writableState.ending = true;
        this._writableState.ended = true;
        this._writableState.finished = true;
      }
    } else {
      this.allowHalfOpen = true;
    }
  }
  Object.setPrototypeOf(Duplex.prototype, Readable.prototype);
  Object.setPrototypeOf(Duplex, Readable);
  // Writable's methods and writable* properties (not what Readable has already, as in Node)
  for (const key of Object.getOwnPropertyNames(Writable.prototype)) {
    if (key === 'constructor' || key in Duplex.prototype) continue;
    Object.defineProperty(Duplex.prototype, key, Object.getOwnPropertyDescriptor(Writable.prototype, key));
  }
  Object.defineProperty(Duplex.prototype, 'destroyed', {
    get() {
      if (this._readableState === undefined || this._writableState === undefined) return false;
      return this._readableState.destroyed && this._writableState.destroyed;
    },
    set(value) {
      if (this._readableState && this._writableState) {
        this._readableState.destroyed = value;
        this._writableState.destroyed = value;
      }
    },
    configurable: true,
  });

  // ---- Transform and PassThrough ----
  function Transform(options) {
    if (!(this instanceof Transform)) return new Transform(options);
    const readableHighWaterMark = options ? highWaterMark(options, 'readableHighWaterMark', true, false) : null;
    if (readableHighWaterMark === 0) {
      options = { ...options, highWaterMark: null, readableHighWaterMark, writableHighWaterMark: options.writableHighWaterMark || 0 };
    }
    Duplex.call(this, options);
    this._readableState.sync = false;
    this[kCallback] = null;
    if (options) {
      if (typeof options.transform === 'function') this._transform = options.transform;
      if (typeof options.flush === 'function') this._flush = options.flush;
    }
    this.on('prefinish', transformPrefinish);
  }
  Object.setPrototypeOf(Transform.prototype, Duplex.prototype);
  Object.setPrototypeOf(Transform, Duplex);
  function transformFinal(cb) {
    if (typeof this._flush === 'function' && !this.destroyed) {
      this._flush((er, data) => {
        if (er) {
          if (cb) cb(er);
          else this.destroy(er);
          return;
        }
        if (data != null) this.push(data);
        this.push(null);
        if (cb) cb();
      });
    } else {
      this.push(null);
      if (cb) cb();
    }
  }
  function transformPrefinish() {
    if (this._final !== transformFinal) transformFinal.call(this);
  }
  Transform.prototype._final = transformFinal;
  Transform.prototype._transform = function () { throw errors.notImplemented('_transform()'); };
  Transform.prototype._write = function (chunk, encoding, callback) {
    const rState = this._readableState;
    const wState = this._writableState;
    const length = rState.length;
    this._transform(chunk, encoding, (error, val) => {
      if (error) {
        callback(error);
        return;
      }
      if (val != null) this.push(val);
      if (wState.ended || length === rState.length || rState.length < rState.highWaterMark) callback();
      else this[kCallback] = callback;
    });
  };
  Transform.prototype._read = function () {
    if (this[kCallback]) {
      const callback = this[kCallback];
      this[kCallback] = null;
      callback();
    }
  };

  function PassThrough(options) {
    if (!(this instanceof PassThrough)) return new PassThrough(options);
    Transform.call(this, options);
  }
  Object.setPrototypeOf(PassThrough.prototype, Transform.prototype);
  Object.setPrototypeOf(PassThrough, Transform);
  PassThrough.prototype._transform = function (chunk, encoding, cb) { cb(null, chunk); };

  // ---- finished (end-of-stream) ----
  const isReadableNodeStream = (obj) => !!(obj && typeof obj.pipe === 'function' && typeof obj.on === 'function' &&
    (!obj._writableState || (obj._readableState && obj._readableState.readable !== false)) &&
    (!obj._writableState || obj._readableState));
  const isWritableNodeStream = (obj) => !!(obj && typeof obj.write === 'function' && typeof obj.on === 'function' &&
    (!obj._readableState || (obj._writableState && obj._writableState.writable !== false)));
  const isNodeStream = (obj) => !!(obj && (obj._readableState || obj._writableState ||
    (typeof obj.write === 'function' && typeof obj.on === 'function') ||
    (typeof obj.pipe === 'function' && typeof obj.on === 'function')));
  const isIterable = (obj, isAsync) => {
    if (obj == null) return false;
    if (isAsync === true) return typeof obj[Symbol.asyncIterator] === 'function';
    if (isAsync === false) return typeof obj[Symbol.iterator] === 'function';
    return typeof obj[Symbol.asyncIterator] === 'function' || typeof obj[Symbol.iterator] === 'function';
  };
  function isReadableFinished(stream, strict) {
    const r = stream._readableState;
    if (!r || r.errored) return false;
    return !!(r.endEmitted || (strict === false && r.ended === true && r.length === 0));
  }
  function isWritableFinished(stream, strict) {
    const w = stream._writableState;
    if (!w || w.errored) return false;
    return !!(w.finished || (strict === false && w.ended === true && w.length === 0));
  }
  function isReadable(stream) {
    if (stream && stream._readableState) return stream.readable && !isReadableFinished(stream);
    return stream && typeof stream.readable === 'boolean' ? stream.readable : null;
  }
  function isWritable(stream) {
    if (stream && stream._writableState) return stream.writable && !stream.writableEnded;
    return stream && typeof stream.writable === 'boolean' ? stream.writable : null;
  }
  function isClosed(stream) {
    const w = stream._writableState;
    const r = stream._readableState;
    if (typeof (w && w.closed) === 'boolean' || typeof (r && r.closed) === 'boolean') {
      return (w && w.closed) || (r && r.closed);
    }
    return typeof stream.closed === 'boolean' ? stream.closed : null;
  }
  function errored(stream) {
    return (stream._writableState && stream._writableState.errored) ||
      (stream._readableState && stream._readableState.errored) || null;
  }

  function finished(stream, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    } else if (options == null) {
      options = {};
    }
    if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
    let done = false;
    const original = callback;
    callback = function (...args) {
      if (done) return;
      done = true;
      original.apply(this, args);
    };
    const readable = options.readable != null ? options.readable : isReadableNodeStream(stream);
    const writable = options.writable != null ? options.writable : isWritableNodeStream(stream);
    const wState = stream._writableState;
    const rState = stream._readableState;
    const onlegacyfinish = () => { if (!stream.writable) onfinish(); };
    let willEmitClose = !!((wState && wState.autoDestroy && wState.emitClose && wState.closed === false) ||
      (rState && rState.autoDestroy && rState.emitClose && rState.closed === false)) &&
      isReadableNodeStream(stream) === readable && isWritableNodeStream(stream) === writable;
    let writableFinished = isWritableFinished(stream, false);
    const onfinish = () => {
      writableFinished = true;
      if (stream.destroyed) willEmitClose = false;
      if (willEmitClose && (!stream.readable || readable)) return;
      if (!readable || readableFinished) callback.call(stream);
    };
    let readableFinished = isReadableFinished(stream, false);
    const onend = () => {
      readableFinished = true;
      if (stream.destroyed) willEmitClose = false;
      if (willEmitClose && (!stream.writable || writable)) return;
      if (!writable || writableFinished) callback.call(stream);
    };
    const onerror = (e) => { callback.call(stream, e); };
    let closed = isClosed(stream);
    const onclose = () => {
      closed = true;
      const e = errored(stream);
      if (e && typeof e !== 'boolean') return callback.call(stream, e);
      if (readable && !readableFinished && isReadableNodeStream(stream)) {
        if (!isReadableFinished(stream, false)) return callback.call(stream, errors.prematureClose());
      }
      if (writable && !writableFinished) {
        if (!isWritableFinished(stream, false)) return callback.call(stream, errors.prematureClose());
      }
      callback.call(stream);
    };
    const onclosed = () => {
      closed = true;
      const e = errored(stream);
      if (e && typeof e !== 'boolean') return callback.call(stream, e);
      callback.call(stream);
    };
    if (!wState && !rState) {
      if (writable) {
        stream.on('end', onlegacyfinish);
        stream.on('close', onlegacyfinish);
      }
    }
    stream.on('end', onend);
    stream.on('finish', onfinish);
    if (options.error !== false) stream.on('error', onerror);
    stream.on('close', onclose);
    if (closed) {
      nextTick(onclose);
    } else if ((wState && wState.errorEmitted) || (rState && rState.errorEmitted)) {
      if (!willEmitClose) nextTick(onclosed);
    } else if (!readable && (!willEmitClose || isReadable(stream)) && (writableFinished || isWritable(stream) === false)) {
      nextTick(onclosed);
    } else if (!writable && (!willEmitClose || isWritable(stream)) && (readableFinished || isReadable(stream) === false)) {
      nextTick(onclosed);
    }
    return function cleanup() {
      callback = nop;
      stream.removeListener('end', onlegacyfinish);
      stream.removeListener('close', onlegacyfinish);
      stream.removeListener('end', onend);
      stream.removeListener('finish', onfinish);
      stream.removeListener('error', onerror);
      stream.removeListener('close', onclose);
    };
  }

  // ---- pipeline ----
  function pipeline(...streams) {
    const callback = typeof streams[streams.length - 1] === 'function' ? streams.pop() : null;
    if (callback === null) throw internal.argType('callback', 'of type function', streams[streams.length - 1]);
    return pipelineImpl(streams, callback);
  }

  function pipelineImpl(streams, callback, opts) {
    if (streams.length === 1 && Array.isArray(streams[0])) streams = streams[0];
    if (streams.length < 2) throw err('ERR_MISSING_ARGS', 'The "streams" argument must be specified', TypeError);
    const end = !opts || opts.end !== false;
    let error;
    let value;
    const destroys = [];
    let finishCount = 0;
    function finish(e) { finishImpl(e, --finishCount === 0); }
    function finishImpl(e, final) {
      if (e && (!error || error.code === 'ERR_STREAM_PREMATURE_CLOSE')) error = e;
      if (!error && !final) return;
      while (destroys.length) destroys.shift()(error);
      if (final) nextTick(callback, error, value);
    }
    function destroyerOf(stream, reading, writing) {
      let done = false;
      stream.on('close', () => { done = true; });
      const cleanup = finished(stream, { readable: reading, writable: writing }, (e) => { done = !e; });
      return {
        destroy: (e) => {
          if (done) return;
          done = true;
          destroyer(stream, e || errors.destroyed('pipe'));
        },
        cleanup,
      };
    }
    let ret;
    for (let i = 0; i < streams.length; i++) {
      const stream = streams[i];
      const reading = i < streams.length - 1;
      const writing = i > 0;
      const isLast = i === streams.length - 1;
      if (isNodeStream(stream)) {
        if (end || !isLast) destroys.push(destroyerOf(stream, reading, writing).destroy);
        const onError = (e) => {
          if (e && e.name !== 'AbortError' && e.code !== 'ERR_STREAM_PREMATURE_CLOSE') finish(e);
        };
        stream.on('error', onError);
      }
      if (i === 0) {
        if (typeof stream === 'function') {
          ret = stream({});
          if (!isIterable(ret)) throw err('ERR_INVALID_RETURN_VALUE', 'Expected Iterable, AsyncIterable or Stream to be returned from the "source" function.', TypeError);
        } else if (isIterable(stream) || isReadableNodeStream(stream)) {
          ret = stream;
        } else {
          throw internal.argType('source', 'a stream, an iterable or a function', stream);
        }
      } else if (typeof stream === 'function') {
        ret = isReadableNodeStream(ret) ? streamToAsyncIterator(ret) : ret;
        ret = stream(ret, {});
        if (reading) {
          if (!isIterable(ret, true)) {
            throw err('ERR_INVALID_RETURN_VALUE', `Expected AsyncIterable to be returned from the "transform[${i - 1}]" function.`, TypeError);
          }
        } else {
          const pt = new PassThrough({ objectMode: true });
          if (ret && typeof ret.then === 'function') {
            finishCount++;
            ret.then((val) => {
              value = val;
              if (val != null) pt.write(val);
              if (end) pt.end();
              nextTick(finish);
            }, (e) => {
              pt.destroy(e);
              nextTick(finish, e);
            });
          } else if (isIterable(ret, true)) {
            finishCount++;
            pumpToNode(ret, pt, finish, end);
          } else {
            throw err('ERR_INVALID_RETURN_VALUE', 'Expected AsyncIterable or Promise to be returned from the "destination" function.', TypeError);
          }
          ret = pt;
          destroys.push(destroyerOf(ret, false, true).destroy);
        }
      } else if (isNodeStream(stream)) {
        if (isReadableNodeStream(ret)) {
          finishCount += 2;
          pipeInto(ret, stream, finish, isLast ? end : true);
        } else if (isIterable(ret)) {
          finishCount++;
          pumpToNode(ret, stream, finish, isLast ? end : true);
        } else {
          throw internal.argType('val', 'a readable stream or an iterable', ret);
        }
        ret = stream;
      } else {
        throw internal.argType(`streams[${i}]`, 'a stream or a function', stream);
      }
    }
    return ret;
  }
  function pipeInto(src, dst, finish, end) {
    let ended = false;
    dst.on('close', () => {
      if (!ended) finish(errors.prematureClose());
    });
    src.pipe(dst, { end: false });
    if (end) {
      const endFn = () => {
        ended = true;
        dst.end();
      };
      if (isReadableFinished(src)) nextTick(endFn);
      else src.once('end', endFn);
      finished(src, { readable: true, writable: false }, (e) => {
        const rState = src._readableState;
        if (e && e.code === 'ERR_STREAM_PREMATURE_CLOSE' && rState && rState.ended && !rState.errored && !rState.errorEmitted) {
          src.once('end', finish).once('error', finish);
        } else {
          finish(e);
        }
      });
    } else {
      finish();
    }
    finished(dst, { readable: false, writable: true }, finish);
  }
  async function pumpToNode(iterable, writable, finish, end) {
    let error;
    let onresolve = null;
    const resume = (e) => {
      if (e) error = e;
      if (onresolve) {
        const callback = onresolve;
        onresolve = null;
        callback();
      }
    };
    const wait = () => new Promise((resolve, reject) => {
      if (error) reject(error);
      else onresolve = () => (error ? reject(error) : resolve());
    });
    writable.on('drain', resume);
    const cleanup = finished(writable, { readable: false }, resume);
    try {
      if (writable.writableNeedDrain) await wait();
      for await (const chunk of iterable) {
        if (!writable.write(chunk)) await wait();
      }
      if (end) {
        writable.end();
        await wait();
      }
      finish();
    } catch (e) {
      finish(error !== e ? (error || e) : e);
    } finally {
      cleanup();
      writable.off('drain', resume);
    }
  }

  const promises = {
    pipeline: (...streams) => new Promise((resolve, reject) => {
      let opts;
      const last = streams[streams.length - 1];
      if (last && typeof last === 'object' && !isNodeStream(last) && !isIterable(last)) opts = streams.pop();
      pipelineImpl(streams, (e, value) => (e ? reject(e) : resolve(value)), opts);
    }),
    finished: (stream, opts) => new Promise((resolve, reject) => {
      finished(stream, opts, (e) => (e ? reject(e) : resolve()));
    }),
  };

  Stream.Stream = Stream;
  Stream.Readable = Readable;
  Stream.Writable = Writable;
  Stream.Duplex = Duplex;
  Stream.Transform = Transform;
  Stream.PassThrough = PassThrough;
  Stream.pipeline = pipeline;
  Stream.finished = finished;
  Stream.promises = promises;
  Stream.destroy = destroyer;
  Stream.isReadable = (s) => !!isReadable(s);
  Stream.isErrored = (s) => !!errored(s);
  Stream.isDisturbed = (s) => !!(s && s._readableState && (s._readableState.dataEmitted || s._readableState.endEmitted || s._readableState.destroyed));
  Stream.getDefaultHighWaterMark = defaultHighWaterMark;
  Stream._isUint8Array = isUint8Array;
  Stream._uint8ArrayToBuffer = (chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  Object.defineProperty(pipeline, Symbol.for('nodejs.util.promisify.custom'), { value: promises.pipeline });
  Object.defineProperty(finished, Symbol.for('nodejs.util.promisify.custom'), { value: promises.finished });
  module.exports = Stream;
});
defineBuiltin('stream/promises', function (exports, require, module) { module.exports = require('stream').promises; });
