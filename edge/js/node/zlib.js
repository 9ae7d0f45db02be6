// require('zlib'): gzip, deflate (zlib format) and raw deflate, sync and callback styles, by
// libdeflate compiled into the engine. Output is valid zlib/gzip data (bytes differ from Node's
// zlib, as they do between zlib versions); anything zlib can read, this reads. Where libdeflate
// fails, the engine reads the input as zlib does (edge_js.c, zi_run): zlib's error, or the output
// before a truncated end.
// Brotli (brotliCompressSync, brotliDecompressSync, brotliCompress, brotliDecompress and the
// BrotliCompress / BrotliDecompress streams) is Google's brotli library compiled into the engine
// (engine/brotli_glue.c), run as Node runs it: the same parameters, the same streaming calls, so the
// same bytes as a Node whose brotli is the same release, and Node's errors.
defineBuiltin('zlib', function (exports, require, module, internal) {
  const { Buffer, kMaxLength } = require('buffer');
  const RAW = 0;
  const ZLIB = 1;
  const GZIP = 2;
  const constants = {
    Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
    Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
    Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6, Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1,
    Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1, Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3,
    Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0, ZLIB_VERNUM: 4865, DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4,
    DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7, Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15,
    Z_DEFAULT_WINDOWBITS: 15, Z_MIN_CHUNK: 64, Z_MAX_CHUNK: Infinity, Z_DEFAULT_CHUNK: 16384,
    Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9, Z_DEFAULT_MEMLEVEL: 8, Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9,
    Z_DEFAULT_LEVEL: -1,
    // brotli's constants are Node's
    BROTLI_DECODE: 8, BROTLI_ENCODE: 9, BROTLI_OPERATION_PROCESS: 0, BROTLI_OPERATION_FLUSH: 1,
    BROTLI_OPERATION_FINISH: 2, BROTLI_OPERATION_EMIT_METADATA: 3, BROTLI_PARAM_MODE: 0,
    BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2, BROTLI_DEFAULT_MODE: 0,
    BROTLI_PARAM_QUALITY: 1, BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11,
    BROTLI_PARAM_LGWIN: 2, BROTLI_MIN_WINDOW_BITS: 10, BROTLI_MAX_WINDOW_BITS: 24,
    BROTLI_LARGE_MAX_WINDOW_BITS: 30, BROTLI_DEFAULT_WINDOW: 22, BROTLI_PARAM_LGBLOCK: 3,
    BROTLI_MIN_INPUT_BLOCK_BITS: 16, BROTLI_MAX_INPUT_BLOCK_BITS: 24,
    BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4, BROTLI_PARAM_SIZE_HINT: 5, BROTLI_PARAM_LARGE_WINDOW: 6,
    BROTLI_PARAM_NPOSTFIX: 7, BROTLI_PARAM_NDIRECT: 8, BROTLI_DECODER_RESULT_ERROR: 0,
    BROTLI_DECODER_RESULT_SUCCESS: 1, BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2,
    BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3, BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0,
    BROTLI_DECODER_PARAM_LARGE_WINDOW: 1, BROTLI_DECODER_NO_ERROR: 0, BROTLI_DECODER_SUCCESS: 1,
    BROTLI_DECODER_NEEDS_MORE_INPUT: 2, BROTLI_DECODER_NEEDS_MORE_OUTPUT: 3,
    BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_NIBBLE: -1, BROTLI_DECODER_ERROR_FORMAT_RESERVED: -2,
    BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_META_NIBBLE: -3,
    BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_ALPHABET: -4,
    BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_SAME: -5, BROTLI_DECODER_ERROR_FORMAT_CL_SPACE: -6,
    BROTLI_DECODER_ERROR_FORMAT_HUFFMAN_SPACE: -7, BROTLI_DECODER_ERROR_FORMAT_CONTEXT_MAP_REPEAT: -8,
    BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_1: -9, BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_2: -10,
    BROTLI_DECODER_ERROR_FORMAT_TRANSFORM: -11, BROTLI_DECODER_ERROR_FORMAT_DICTIONARY: -12,
    BROTLI_DECODER_ERROR_FORMAT_WINDOW_BITS: -13, BROTLI_DECODER_ERROR_FORMAT_PADDING_1: -14,
    BROTLI_DECODER_ERROR_FORMAT_PADDING_2: -15, BROTLI_DECODER_ERROR_FORMAT_DISTANCE: -16,
    BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET: -19, BROTLI_DECODER_ERROR_INVALID_ARGUMENTS: -20,
    BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES: -21, BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS: -22,
    BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP: -25, BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1: -26,
    BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2: -27, BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES: -30,
    BROTLI_DECODER_ERROR_UNREACHABLE: -31,
  };

  function input(buffer) {
    const b = internal.toBuffer(buffer);
    if (b === null) {
      throw internal.argType('buffer', 'of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer', buffer);
    }
    return b;
  }

  function level(options) {
    if (!options || options.level === undefined) return 6;
    const l = options.level;
    if (typeof l !== 'number' || !Number.isInteger(l) || l < -1 || l > 9) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.level" is out of range. It must be >= -1 and <= 9. Received ${l}`);
    }
    return l === -1 ? 6 : l;
  }

  // Node's checkRangesOrGetDefault for options.finishFlush
  function finishFlush(options) {
    const f = options ? options.finishFlush : undefined;
    if (f === undefined) return constants.Z_FINISH;
    if (typeof f !== 'number') throw internal.argType('options.finishFlush', 'of type number', f);
    if (Number.isNaN(f)) return constants.Z_FINISH;
    if (!Number.isFinite(f)) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.finishFlush" is out of range. It must be a finite number. Received ${f}`);
    }
    if (f < constants.Z_NO_FLUSH || f > constants.Z_BLOCK) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.finishFlush" is out of range. It must be >= 0 and <= 5. Received ${f}`);
    }
    return f;
  }
  // {info: true}: {buffer, engine}, the engine standing for Node's zlib stream object (its class
  // name and bytesWritten, the input it read; there are no zlib streams here)
  const ENGINES = {};
  for (const name of ['Gzip', 'Gunzip', 'Deflate', 'Inflate', 'DeflateRaw', 'InflateRaw', 'Unzip', 'BrotliCompress',
    'BrotliDecompress']) {
    ENGINES[name] = { [name]: class { constructor(bytesWritten) { this.bytesWritten = bytesWritten; } } }[name];
  }
  const withInfo = (options, buffer, engine, bytesWritten) =>
    (options && options.info ? { buffer, engine: new ENGINES[engine](bytesWritten) } : buffer);

  function compress(format, engine) {
    return (buffer, options) => {
      const data = input(buffer);
      finishFlush(options);
      return withInfo(options, internal.fromBytes(internal.native.deflate(format, level(options), data)), engine, data.length);
    };
  }

  // zlib's errors, as Node makes them: the message zlib gives, errno and its code
  const CODE_NAMES = { '-5': 'Z_BUF_ERROR', '-3': 'Z_DATA_ERROR', '2': 'Z_NEED_DICT' };
  function decompress(format, engine) {
    return (buffer, options) => {
      const data = input(buffer);
      const flush = finishFlush(options);
      let detected = format;
      if (format === -1) detected = data[0] === 0x1f && data[1] === 0x8b ? GZIP : ZLIB;
      const max = options && options.maxOutputLength ? options.maxOutputLength : kMaxLength;
      // Node inflates a chunk (chunkSize bytes of output) at a time and checks zlib's error before
      // the size: past maxOutputLength is an error once a whole chunk beyond it is out, or at the end
      const chunk = options && typeof options.chunkSize === 'number' && options.chunkSize >= 64 ? options.chunkSize : 16384;
      const tooLarge = () => internal.codeError(RangeError, 'ERR_BUFFER_TOO_LARGE', `Cannot create a Buffer larger than ${max} bytes`);
      let result;
      try {
        result = internal.native.inflate(detected, data, (Math.floor(max / chunk) + 1) * chunk, flush);
      } catch (err) {
        if (err instanceof RangeError) throw tooLarge();
        throw err;
      }
      const [errno, message, bytes, read] = result;
      if (errno === 0 && bytes.length > max) throw tooLarge();
      if (errno !== 0) {
        const e = new Error(message);
        e.errno = errno;
        e.code = CODE_NAMES[errno];
        throw e;
      }
      return withInfo(options, internal.fromBytes(bytes), engine, read);
    };
  }

  const sync = {
    gzipSync: compress(GZIP, 'Gzip'),
    deflateSync: compress(ZLIB, 'Deflate'),
    deflateRawSync: compress(RAW, 'DeflateRaw'),
    gunzipSync: decompress(GZIP, 'Gunzip'),
    inflateSync: decompress(ZLIB, 'Inflate'),
    inflateRawSync: decompress(RAW, 'InflateRaw'),
    unzipSync: decompress(-1, 'Unzip'),
  };
  for (const [name, fn] of Object.entries(sync)) {
    exports[name] = fn;
    const asyncName = name.slice(0, -4);
    exports[asyncName] = function (buffer, options, callback) {
      if (typeof options === 'function') { callback = options; options = {}; }
      if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
      let result;
      let error = null;
      try { result = fn(buffer, options); } catch (err) { error = err; }
      setImmediate(() => (error ? callback(error) : callback(null, result)));
    };
  }
  const unavailable = (message) => internal.codeError(Error, 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', message);

  // ---- Brotli: brotliCompressSync, brotliDecompressSync, brotliCompress, brotliDecompress ----
  const BROTLI_PARAMS = 9; // Node's kMaxBrotliParam (BROTLI_PARAM_NDIRECT) + 1
  const BROTLI_FINISH = constants.BROTLI_OPERATION_FINISH;
  const MAX_LENGTH = 2 ** 32; // Node 20's buffer.constants.MAX_LENGTH, the bound its option checks name
  // Node's ERR_OUT_OF_RANGE (an integer past 2**32 shown as 8_589_934_592)
  const outOfRange = (name, range, value) => internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
    `The value of "${name}" is out of range. It must be ${range}. Received ${Number.isInteger(value) && Math.abs(value) > 2 ** 32
      ? String(value).replace(/\B(?=(\d{3})+$)/g, '_') : value}`);
  // Node's validateFiniteNumber and checkRangesOrGetDefault
  function finiteOrDefault(number, name) {
    if (number === undefined) return false;
    if (Number.isFinite(number)) return true;
    if (Number.isNaN(number)) return false;
    if (typeof number !== 'number') throw internal.argType(name, 'of type number', number);
    throw outOfRange(name, 'a finite number', number);
  }
  function checkRange(number, name, lower, upper, def) {
    if (!finiteOrDefault(number, name)) return def;
    if (number < lower || number > upper) throw outOfRange(name, `>= ${lower} and <= ${upper}`, number);
    return number;
  }
  // Node's checks of a brotli stream's options, in its order (Brotli's of `params`, the encoder's or
  // decoder's refusal of a parameter, then ZlibBase's): the parameters as Node's Uint32Array (a
  // number or boolean each, converted as that array converts them; 0xFFFFFFFF is "not given") and
  // the options ZlibBase keeps
  function brotliOptions(opts, decoding) {
    const params = new Uint32Array(BROTLI_PARAMS).fill(-1);
    if (opts && opts.params) {
      for (const origKey of Object.keys(opts.params)) {
        const key = +origKey;
        if (Number.isNaN(key) || key < 0 || key > BROTLI_PARAMS - 1 || (params[key] | 0) !== -1) {
          throw internal.codeError(RangeError, 'ERR_BROTLI_INVALID_PARAM', `${origKey} is not a valid Brotli parameter`);
        }
        const value = opts.params[origKey];
        if (typeof value !== 'number' && typeof value !== 'boolean') {
          throw internal.argType('options.params[key]', 'of type number', opts.params[origKey]);
        }
        params[key] = value;
      }
    }
    // what brotli's BrotliDecoderSetParameter / BrotliEncoderSetParameter refuse: the decoder knows
    // parameters 0 and 1 only, the encoder takes BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING 0 or 1
    const refused = decoding ? params.some((v, i) => i > 1 && v !== 0xFFFFFFFF)
      : params[constants.BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING] > 1 &&
        params[constants.BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING] !== 0xFFFFFFFF;
    if (refused) throw initFailed();
    const o = { params, chunkSize: constants.Z_DEFAULT_CHUNK, flush: constants.BROTLI_OPERATION_PROCESS,
      finishFlush: BROTLI_FINISH, maxOutputLength: MAX_LENGTH, info: opts && opts.info };
    if (opts) {
      const chunkSize = opts.chunkSize;
      if (finiteOrDefault(chunkSize, 'options.chunkSize')) {
        if (chunkSize < constants.Z_MIN_CHUNK) throw outOfRange('options.chunkSize', '>= 64', chunkSize);
        o.chunkSize = chunkSize;
      }
      o.flush = checkRange(opts.flush, 'options.flush', 0, 3, o.flush);
      o.finishFlush = checkRange(opts.finishFlush, 'options.finishFlush', 0, 3, o.finishFlush);
      o.maxOutputLength = checkRange(opts.maxOutputLength, 'options.maxOutputLength', 1, MAX_LENGTH, MAX_LENGTH);
    }
    return o;
  }
  // Errors Node's C++ makes: plain errors (String(err) is `Error: ...`), errno and code own properties
  const initFailed = () => internal.plainCodeError(Error, 'ERR_ZLIB_INITIALIZATION_FAILED', 'Initialization failed');
  function nativeError(message, errno, code) {
    const e = new Error(message);
    e.errno = errno;
    e.code = code;
    return e;
  }
  const bufferTooLarge = (max) => internal.codeError(RangeError, 'ERR_BUFFER_TOO_LARGE', `Cannot create a Buffer larger than ${max} bytes`);
  // {errno, message, code, bytes, read}: the whole input (de)compressed with `op`. Decompressing,
  // more output than `cap` is errno 1.
  function brotliRun(decoding, params, data, op, cap) {
    const bytesOfParams = new Uint8Array(params.buffer, params.byteOffset, params.byteLength);
    if (!decoding) {
      const r = internal.native.brotliEncode(bytesOfParams, data, op);
      if (r === 1) throw initFailed();
      if (r === 2) return { errno: -1, message: 'Compression failed', code: 'ERR_BROTLI_COMPRESSION_FAILED', bytes: new Uint8Array(0), read: 0 };
      return { errno: 0, bytes: r, read: data.length };
    }
    const r = internal.native.brotliDecode(bytesOfParams, data, cap, op);
    if (r === 1) throw initFailed();
    const [errno, code, bytes, read] = r;
    return { errno, message: errno === constants.Z_BUF_ERROR ? 'unexpected end of file' : 'Decompression failed', code, bytes, read };
  }
  // Node's processChunkSync over one (de)compression: its output comes in chunkSize pieces and is
  // checked against maxOutputLength after each; decompressing, the decoder's error in the piece
  // that passes the limit comes first (so the output is capped at the end of that piece)
  function brotliSync(decoding, engine) {
    return function syncBufferWrapper(buffer, opts) {
      const o = brotliOptions(opts, decoding);
      const data = input(buffer); // zlibBufferSync's: a string as UTF-8, any view's bytes, an ArrayBuffer's
      const cap = (Math.floor(o.maxOutputLength / o.chunkSize) + 1) * o.chunkSize;
      const r = brotliRun(decoding, o.params, data, o.finishFlush, cap);
      if (r.errno !== 0 && r.errno !== 1) throw nativeError(r.message, r.errno, r.code);
      if (r.errno === 1 || r.bytes.length > o.maxOutputLength) throw bufferTooLarge(o.maxOutputLength);
      const out = internal.fromBytes(r.bytes);
      return o.info ? { buffer: out, engine: new ENGINES[engine](r.read) } : out;
    };
  }
  // the callback forms: the options are checked (and thrown) at once, as Node makes its stream
  // there, then the callback and the input (Node's Writable end(chunk): a TypeError naming "chunk");
  // the result comes in a later turn of the event loop, as from Node's thread pool
  function brotliAsync(sync, decoding) {
    return function asyncBufferWrapper(buffer, opts, callback) {
      if (typeof opts === 'function') { callback = opts; opts = {}; }
      brotliOptions(opts, decoding);
      if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
      if (typeof buffer !== 'string' && !ArrayBuffer.isView(buffer) && !(buffer instanceof ArrayBuffer) && buffer != null) {
        throw internal.argType('chunk', 'of type string or an instance of Buffer, TypedArray, or DataView', buffer);
      }
      let result;
      let error = null;
      try { result = sync(buffer == null ? Buffer.alloc(0) : buffer, opts); } catch (err) { error = err; }
      setImmediate(() => (error ? callback(error) : callback(null, result)));
    };
  }
  exports.brotliCompressSync = brotliSync(false, 'BrotliCompress');
  exports.brotliDecompressSync = brotliSync(true, 'BrotliDecompress');
  exports.brotliCompress = brotliAsync(exports.brotliCompressSync, false);
  exports.brotliDecompress = brotliAsync(exports.brotliDecompressSync, true);

  // ---- The stream classes (Gzip, Gunzip, Deflate, Inflate, DeflateRaw, InflateRaw, Unzip;
  // BrotliCompress and BrotliDecompress below) ----
  // Node's Transform streams over the one-shot native code: the input is kept as it is written and
  // (de)compressed when the stream ends (_flush), so the output arrives then, in chunkSize pieces,
  // not as the input comes. Events, errors (zlib's, with errno and code) and bytesWritten are
  // Node's for a whole stream; where Node meets a data error in a write, the output it had pushed
  // (every whole chunkSize piece before the error) is pushed here too. Defined on first use, as
  // they need the stream module (put in a function only when its sources name 'stream').
  const MODES = { Deflate: [1, ZLIB, false], Inflate: [2, ZLIB, true], Gzip: [3, GZIP, false], Gunzip: [4, GZIP, true],
    DeflateRaw: [5, RAW, false], InflateRaw: [6, RAW, true], Unzip: [7, -1, true] };
  const BROTLI_MODES = { BrotliCompress: false, BrotliDecompress: true }; // name: decoding
  const STREAMS = [...Object.keys(MODES), ...Object.keys(BROTLI_MODES)];
  let streamClasses = null;
  function defineStreams() {
    if (streamClasses) return streamClasses;
    let stream;
    try {
      stream = require('stream');
    } catch (err) {
      throw unavailable('zlib streams (createGzip(), zlib.Gunzip, createBrotliCompress(), ...) are not available in this function: they ' +
        "need the stream module, which a function gets when one of its sources names it: add require('stream') " +
        'to the handler (or use the *Sync functions)');
    }
    const { Transform, finished } = stream;
    const kFlushFlag = Symbol('kFlushFlag');
    const kPushed = Symbol('kPushed'); // the output pushed so far
    const flushiness = [];
    [0, 5, 1, 2, 3, 4].forEach((flag, i) => { flushiness[flag] = i; });
    const maxFlush = (a, b) => (flushiness[a] > flushiness[b] ? a : b);

    // What stands for Node's native handle (its _handle): the input kept, closed by close(); pngjs
    // (jimp) drives writeSync() itself as Node's binding: the whole input is (de)compressed at
    // Z_FINISH and handed out in the output windows it gives
    class ZlibHandle {
      constructor(owner, mode) {
        this.owner = owner;
        this.mode = mode;
        this.reset();
      }
      reset() {
        this.chunks = [];
        this.length = 0;
        this.starts = [];
        this.done = null; // {errno, message, bytes, read} once (de)compressed
        this.handedOut = 0;
      }
      add(chunk) {
        if (chunk.length) {
          this.done = null; // more input after the end (a gzip member written later): read it all again
          this.starts.push(this.length);
          this.chunks.push(chunk);
          this.length += chunk.length;
        }
      }
      input() {
        if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.length)];
        return this.chunks.length ? this.chunks[0] : Buffer.alloc(0);
      }
      run(flush) {
        if (this.done && (this.done.flush === flush || this.done.flush === undefined)) return this.done;
        const [, format, decompressing] = MODES[this.mode];
        const data = this.input();
        if (!decompressing) {
          this.done = { errno: 0, bytes: internal.native.deflate(format, this.owner._level === -1 ? 6 : this.owner._level, data), read: data.length };
          return this.done;
        }
        const detected = format === -1 ? (data[0] === 0x1f && data[1] === 0x8b ? GZIP : ZLIB) : format;
        const [errno, message, bytes, read] = internal.native.inflate(detected, data, kMaxLength, flush);
        this.done = { errno, message, bytes, read, detected, flush };
        return this.done;
      }
      writeSync(flush, chunk, inOff, inLen, out, outOff, outLen) {
        this.add(internal.fromBytes(chunk.subarray(inOff, inOff + inLen)));
        const state = this.owner._writeState;
        state[1] = 0;
        state[0] = outLen;
        if (flush !== constants.Z_FINISH && !this.done) return state;
        const result = this.run(flush);
        if (result.errno !== 0) {
          this.onerror(result.message, result.errno, CODE_NAMES[result.errno]);
          return state;
        }
        const n = Math.min(outLen, result.bytes.length - this.handedOut);
        out.set(result.bytes.subarray(this.handedOut, this.handedOut + n), outOff);
        this.handedOut += n;
        state[0] = outLen - n;
        return state;
      }
      params() {}
      close() { this.chunks = []; this.done = null; }
    }
    function onerror(message, errno, code) {
      const error = new Error(message);
      error.errno = errno;
      error.code = code;
      this.owner.destroy(error);
    }

    // Node's ZlibBase and Zlib in one: a constructor function (util.inherits and Inflate.call(this)
    // work as with Node's)
    function Zlib(opts, mode) {
      let chunkSize = constants.Z_DEFAULT_CHUNK;
      let flush = constants.Z_NO_FLUSH;
      let finishFlush = constants.Z_FINISH;
      let level = constants.Z_DEFAULT_COMPRESSION;
      let strategy = constants.Z_DEFAULT_STRATEGY;
      const code = MODES[mode][0];
      if (opts) {
        if (!((opts.windowBits == null || opts.windowBits === 0) && (code === 2 || code === 4 || code === 7))) {
          checkRange(opts.windowBits, 'options.windowBits', 8 + (code === 3 ? 1 : 0), 15, 15);
        }
        level = checkRange(opts.level, 'options.level', -1, 9, -1);
        checkRange(opts.memLevel, 'options.memLevel', 1, 9, 8);
        strategy = checkRange(opts.strategy, 'options.strategy', 0, 4, 0);
        const dictionary = opts.dictionary;
        if (dictionary !== undefined && !ArrayBuffer.isView(dictionary) && !(dictionary instanceof ArrayBuffer)) {
          throw internal.argType('options.dictionary', 'an instance of Buffer, TypedArray, DataView, or ArrayBuffer', dictionary);
        }
        chunkSize = opts.chunkSize;
        if (!finiteOrDefault(chunkSize, 'options.chunkSize')) chunkSize = constants.Z_DEFAULT_CHUNK;
        else if (chunkSize < constants.Z_MIN_CHUNK) throw outOfRange('options.chunkSize', '>= 64', chunkSize);
        flush = checkRange(opts.flush, 'options.flush', 0, 5, flush);
        finishFlush = checkRange(opts.finishFlush, 'options.finishFlush', 0, 5, finishFlush);
        checkRange(opts.maxOutputLength, 'options.maxOutputLength', 1, kMaxLength, kMaxLength);
        if (opts.encoding || opts.objectMode || opts.writableObjectMode) {
          opts = { ...opts, encoding: null, objectMode: false, writableObjectMode: false };
        }
      }
      this._writeState = new Uint32Array(2);
      Transform.call(this, { autoDestroy: true, ...opts });
      const handle = new ZlibHandle(this, mode);
      handle.onerror = onerror;
      this.bytesWritten = 0;
      this._handle = handle;
      this._outOffset = 0;
      this[kPushed] = 0;
      this._chunkSize = chunkSize;
      this._defaultFlushFlag = flush;
      this._finishFlushFlag = finishFlush;
      this._defaultFullFlushFlag = constants.Z_FULL_FLUSH;
      this._info = opts && opts.info;
      this._maxOutputLength = opts && opts.maxOutputLength ? opts.maxOutputLength : kMaxLength;
      this._level = level;
      this._strategy = strategy;
    }
    Object.setPrototypeOf(Zlib.prototype, Transform.prototype);
    Object.setPrototypeOf(Zlib, Transform);
    Object.defineProperty(Zlib.prototype, '_closed', {
      configurable: true, enumerable: true, get() { return !this._handle; },
    });
    Object.defineProperty(Zlib.prototype, 'bytesRead', {
      configurable: true, enumerable: true,
      get() { return this.bytesWritten; },
      set(value) { this.bytesWritten = value; },
    });
    // Node's output buffer, which packages driving _handle.writeSync (pngjs) write into: made when
    // first read (the streams here do not use it)
    Object.defineProperty(Zlib.prototype, '_outBuffer', {
      configurable: true, enumerable: false,
      get() {
        const buffer = Buffer.allocUnsafe(this._chunkSize);
        Object.defineProperty(this, '_outBuffer', { value: buffer, writable: true, configurable: true, enumerable: true });
        return buffer;
      },
      set(value) { Object.defineProperty(this, '_outBuffer', { value, writable: true, configurable: true, enumerable: true }); },
    });
    Zlib.prototype.reset = function () {
      if (!this._handle) throw internal.codeError(Error, 'ERR_INTERNAL_ASSERTION', 'zlib binding closed');
      this._handle.reset();
    };
    Zlib.prototype._final = function (callback) { callback(); };
    Zlib.prototype._flush = function (callback) { this._transform(Buffer.alloc(0), '', callback); };
    Zlib.prototype.flush = function (kind, callback) {
      if (typeof kind === 'function' || (kind === undefined && !callback)) {
        callback = kind;
        kind = this._defaultFullFlushFlag;
      }
      if (this.writableFinished) {
        if (callback) process.nextTick(callback);
      } else if (this.writableEnded) {
        if (callback) this.once('end', callback);
      } else {
        const marker = Buffer.alloc(0);
        marker[kFlushFlag] = kind;
        this.write(marker, '', callback);
      }
    };
    Zlib.prototype.close = function (callback) {
      if (callback) finished(this, callback);
      this.destroy();
    };
    Zlib.prototype._destroy = function (err, callback) {
      if (this._handle) { this._handle.close(); this._handle = null; }
      callback(err);
    };
    Zlib.prototype.params = function (level, strategy, callback) {
      checkRange(level, 'level', -1, 9);
      checkRange(strategy, 'strategy', 0, 4);
      if (this._level !== level || this._strategy !== strategy) {
        this.flush(constants.Z_SYNC_FLUSH, () => {
          if (!this.destroyed) {
            this._level = level;
            this._strategy = strategy;
            if (callback) callback();
          }
        });
      } else {
        process.nextTick(callback);
      }
    };
    Zlib.prototype._transform = function (chunk, encoding, cb) {
      let flushFlag = this._defaultFlushFlag;
      if (typeof chunk[kFlushFlag] === 'number') flushFlag = chunk[kFlushFlag];
      const last = this.writableEnded && this.writableLength === chunk.byteLength;
      if (last) flushFlag = maxFlush(flushFlag, this._finishFlushFlag);
      processChunk(this, chunk, flushFlag, cb, last);
    };
    Zlib.prototype._processChunk = function (chunk, flushFlag, cb) {
      if (typeof cb === 'function') return processChunk(this, chunk, flushFlag, cb, true);
      // Node's processChunkSync (zlibBufferSync's), kept for packages that call it
      const handle = this._handle;
      handle.add(internal.fromBytes(chunk));
      const result = handle.run(flushFlag);
      this.bytesWritten = result.errno === 0 ? result.read : handle.length;
      if (this._handle) { this._handle.close(); this._handle = null; }
      if (result.errno !== 0) throw zlibError(result);
      if (result.bytes.length > this._maxOutputLength) {
        throw internal.codeError(RangeError, 'ERR_BUFFER_TOO_LARGE', `Cannot create a Buffer larger than ${this._maxOutputLength} bytes`);
      }
      return internal.fromBytes(result.bytes);
    };
    function zlibError(result) {
      const e = new Error(result.message);
      e.errno = result.errno;
      e.code = CODE_NAMES[result.errno];
      return e;
    }
    // push the output past what has been pushed, up to `upTo` bytes, then call `then`: one piece a
    // turn of the event loop, each ending where one of Node's chunkSize output buffers ends, as
    // Node's thread pool gives them (waiting for a read when the readable side is full)
    function pushOutput(self, bytes, upTo, then) {
      const size = self._chunkSize;
      const step = () => {
        const at = self[kPushed];
        if (self.destroyed || at >= upTo) { then(); return; }
        const end = Math.min(upTo, (Math.floor(at / size) + 1) * size);
        self[kPushed] = end;
        const more = self.push(internal.fromBytes(bytes.slice(at, end)));
        if (end >= upTo || self.destroyed) then();
        else if (more) setImmediate(step);
        else {
          const oldRead = self._read;
          self._read = (n) => {
            self._read = oldRead;
            setImmediate(step);
            self._read(n);
          };
        }
      };
      step();
    }
    // Node's zlib works on its thread pool: a write's output and errors come in a later turn of the
    // event loop, and writes made meanwhile wait, so the last one can carry Z_FINISH as in Node
    function processChunk(self, chunk, flushFlag, cb, last) {
      setImmediate(() => process_(self, chunk, flushFlag, cb, last));
    }
    function process_(self, chunk, flushFlag, cb, last) {
      const handle = self._handle;
      if (!handle || self.destroyed) { cb(); return; }
      const first = handle.length === 0 && chunk.length > 0;
      handle.add(chunk);
      const decompressing = MODES[handle.mode][2];
      if (!last && flushFlag !== constants.Z_FINISH) {
        // input written before the end is kept; the first write of a decompressing stream is read at
        // once (what it holds is the output Node gives for it, or its data error), the rest at the end
        if (first && decompressing) {
          const result = handle.run(constants.Z_FINISH);
          if (result.errno === 0 || result.errno === constants.Z_BUF_ERROR) {
            self.bytesWritten += result.errno === 0 ? result.read : chunk.length;
            pushOutput(self, result.bytes, result.bytes.length, () => {
              if (result.errno === 0 && result.read < chunk.length) self.push(null);
              cb();
            });
          } else {
            failed(self, result, chunk);
          }
          return;
        }
        self.bytesWritten += chunk.length;
        cb();
        return;
      }
      const settled = handle.done && handle.done.errno === 0;
      const result = handle.run(flushFlag);
      if (result.errno === 0) {
        if (!settled) self.bytesWritten = result.read;
        pushOutput(self, result.bytes, result.bytes.length, () => {
          // bytes after the end of the data: Node's readable side ends at once
          if (decompressing && result.read < handle.length && !settled) self.push(null);
          cb();
        });
        return;
      }
      failed(self, result, chunk);
    }
    function failed(self, result, chunk) {
      const handle = self._handle;
      const error = zlibError(result);
      const starts = handle.starts;
      if (result.errno === constants.Z_BUF_ERROR && !chunk.length) {
        // the stream ends early, met when it finishes (the empty write of _flush): Node has pushed
        // all the output (and emitted 'finish') by then
        self.bytesWritten = handle.length;
        pushOutput(self, result.bytes, result.bytes.length, () => self.destroy(error));
        return;
      }
      // Node met the error in the write holding the bad bytes (for an early end, the last one), having
      // pushed the output of the writes before it and the whole output buffers of that one
      let w = starts.length - 1;
      if (result.errno !== constants.Z_BUF_ERROR) while (w > 0 && starts[w] >= result.read) w--;
      let earlier = 0;
      if (w > 0) {
        const prefix = handle.input().subarray(0, starts[w]);
        earlier = internal.native.inflate(result.detected, prefix, kMaxLength, constants.Z_SYNC_FLUSH)[2].length;
      }
      const whole = Math.floor(result.bytes.length / self._chunkSize) * self._chunkSize;
      self.bytesWritten = w > 0 ? starts[w] : 0;
      pushOutput(self, result.bytes, Math.max(earlier, whole, self[kPushed]), () => self.destroy(error));
    }

    // ---- BrotliCompress, BrotliDecompress: incremental, as in Node ----
    // Node's Brotli and ZlibBase over a native encoder or decoder that lives as long as the stream
    // (brotli_glue.c's brotliNew/brotliWrite): each write is (de)compressed as it comes, in Node's
    // loop (processChunk, processCallback, processChunkSync below follow node:zlib's), one native
    // call a turn of the event loop as Node's thread pool answers. The output's pieces, its bytes,
    // 'data'/'finish'/'end'/'error' and their order, bytesWritten and back-pressure are Node's.
    const kError = Symbol('kError');
    class BrotliHandle {
      constructor(owner, decoding, params) {
        const native = internal.native.brotliNew(decoding, new Uint8Array(params.buffer));
        if (native === 1) throw initFailed();
        this.native = native;
        this.owner = owner;
        this.decoding = decoding;
        this.closed = false;
      }
      // one native call (node_zlib.cc's DoThreadPoolWork), its state in the owner's _writeState
      // and its error (Node's zlibOnError) reported: false then
      step(flushFlag, chunk, inOff, inLen, out, outOff, outLen) {
        const [availOut, availIn, errno, code] = internal.native.brotliWrite(this.native, flushFlag, chunk, inOff, inLen,
          out, outOff, outLen);
        const state = this.owner._writeState;
        state[0] = availOut;
        state[1] = availIn;
        if (errno === 0) return true;
        const message = !this.decoding ? 'Compression failed' : errno === constants.Z_BUF_ERROR ? 'unexpected end of file' : 'Decompression failed';
        const error = nativeError(message, errno, code);
        this.owner.destroy(error);
        this.owner[kError] = error;
        return false;
      }
      writeSync(flushFlag, chunk, inOff, inLen, out, outOff, outLen) {
        this.step(flushFlag, chunk, inOff, inLen, out, outOff, outLen);
      }
      write(flushFlag, chunk, inOff, inLen, out, outOff, outLen) {
        setImmediate(() => {
          if (this.closed) { brotliProcessCallback.call(this); return; } // destroyed meanwhile: Node's callback ends it
          if (this.step(flushFlag, chunk, inOff, inLen, out, outOff, outLen)) brotliProcessCallback.call(this);
        });
      }
      reset() { internal.native.brotliReset(this.native); }
      params() {}
      close() {
        if (!this.closed) internal.native.brotliClose(this.native);
        this.closed = true;
      }
    }
    function Brotli(opts, mode) {
      const decoding = BROTLI_MODES[mode];
      const o = brotliOptions(opts, decoding);
      const handle = new BrotliHandle(this, decoding, o.params);
      this._writeState = new Uint32Array(2);
      if (opts && (opts.encoding || opts.objectMode || opts.writableObjectMode)) {
        opts = { ...opts, encoding: null, objectMode: false, writableObjectMode: false };
      }
      Transform.call(this, { autoDestroy: true, ...opts });
      this[kError] = null;
      this.bytesWritten = 0;
      this._handle = handle;
      this._outOffset = 0;
      this._chunkSize = o.chunkSize;
      this._defaultFlushFlag = o.flush;
      this._finishFlushFlag = o.finishFlush;
      this._defaultFullFlushFlag = constants.BROTLI_OPERATION_FLUSH;
      this._info = opts && opts.info;
      this._maxOutputLength = o.maxOutputLength;
    }
    Object.setPrototypeOf(Brotli.prototype, Zlib.prototype);
    Object.setPrototypeOf(Brotli, Zlib);
    Brotli.prototype._transform = function (chunk, encoding, cb) {
      let flushFlag = this._defaultFlushFlag;
      if (typeof chunk[kFlushFlag] === 'number') flushFlag = chunk[kFlushFlag];
      if (this.writableEnded && this.writableLength === chunk.byteLength) flushFlag = maxFlush(flushFlag, this._finishFlushFlag);
      brotliProcessChunk(this, chunk, flushFlag, cb);
    };
    Brotli.prototype._processChunk = function (chunk, flushFlag, cb) {
      if (typeof cb === 'function') brotliProcessChunk(this, chunk, flushFlag, cb);
      else return brotliProcessChunkSync(this, chunk, flushFlag);
    };
    function brotliProcessChunk(self, chunk, flushFlag, cb) {
      const handle = self._handle;
      if (!handle) { process.nextTick(cb); return; }
      handle.buffer = chunk;
      handle.cb = cb;
      handle.availOutBefore = self._chunkSize - self._outOffset;
      handle.availInBefore = chunk.byteLength;
      handle.inOff = 0;
      handle.flushFlag = flushFlag;
      handle.write(flushFlag, chunk, 0, handle.availInBefore, self._outBuffer, self._outOffset, handle.availOutBefore);
    }
    // after a native call: push what it made, call again while it filled the output buffer, else
    // the write is done (`this` is the handle)
    function brotliProcessCallback() {
      const handle = this;
      const self = handle.owner;
      if (self.destroyed) { handle.buffer = null; handle.cb(); return; }
      const state = self._writeState;
      const availOutAfter = state[0];
      const availInAfter = state[1];
      const inDelta = handle.availInBefore - availInAfter;
      self.bytesWritten += inDelta;
      const have = handle.availOutBefore - availOutAfter;
      let full = false;
      if (have > 0) {
        const out = self._outBuffer.slice(self._outOffset, self._outOffset + have);
        self._outOffset += have;
        full = !self.push(out);
      }
      if (self.destroyed) { handle.cb(); return; }
      if (availOutAfter === 0 || self._outOffset >= self._chunkSize) {
        handle.availOutBefore = self._chunkSize;
        self._outOffset = 0;
        self._outBuffer = Buffer.allocUnsafe(self._chunkSize);
      }
      if (availOutAfter === 0) {
        handle.inOff += inDelta;
        handle.availInBefore = availInAfter;
        const again = () => handle.write(handle.flushFlag, handle.buffer, handle.inOff, handle.availInBefore,
          self._outBuffer, self._outOffset, self._chunkSize);
        if (!full) {
          again();
        } else { // the readable side is full: on when it is read
          const oldRead = self._read;
          self._read = (n) => {
            self._read = oldRead;
            again();
            self._read(n);
          };
        }
        return;
      }
      // input left with room in the output: the decoder met the end of its data (bytes after it)
      if (availInAfter > 0) self.push(null);
      handle.buffer = null;
      handle.cb();
    }
    // Node's processChunkSync (zlibBufferSync's): the whole chunk at once, the output's pieces joined
    function brotliProcessChunkSync(self, chunk, flushFlag) {
      let availInBefore = chunk.byteLength;
      let availOutBefore = self._chunkSize - self._outOffset;
      let inOff = 0;
      const buffers = [];
      let nread = 0;
      let inputRead = 0;
      const state = self._writeState;
      const handle = self._handle;
      let buffer = self._outBuffer;
      let offset = self._outOffset;
      const chunkSize = self._chunkSize;
      let error;
      self.on('error', (er) => { error = er; });
      for (;;) {
        handle.writeSync(flushFlag, chunk, inOff, availInBefore, buffer, offset, availOutBefore);
        if (error) throw error;
        if (self[kError]) throw self[kError];
        const availOutAfter = state[0];
        const availInAfter = state[1];
        const inDelta = availInBefore - availInAfter;
        inputRead += inDelta;
        const have = availOutBefore - availOutAfter;
        if (have > 0) {
          buffers.push(buffer.slice(offset, offset + have));
          offset += have;
          nread += have;
          if (nread > self._maxOutputLength) {
            if (self._handle) { self._handle.close(); self._handle = null; }
            throw bufferTooLarge(self._maxOutputLength);
          }
        }
        if (availOutAfter === 0 || offset >= chunkSize) {
          availOutBefore = chunkSize;
          offset = 0;
          buffer = Buffer.allocUnsafe(chunkSize);
        }
        if (availOutAfter !== 0) break;
        inOff += inDelta;
        availInBefore = availInAfter;
      }
      self.bytesWritten = inputRead;
      if (self._handle) { self._handle.close(); self._handle = null; }
      if (nread === 0) return Buffer.alloc(0);
      return buffers.length === 1 ? buffers[0] : Buffer.concat(buffers, nread);
    }

    const classes = { Zlib };
    for (const name of STREAMS) {
      const base = name in BROTLI_MODES ? Brotli : Zlib;
      const ctor = { [name]: function (opts) {
        if (!(this instanceof classes[name])) return new classes[name](opts);
        if (name === 'DeflateRaw' && opts && opts.windowBits === 8) opts.windowBits = 9;
        base.call(this, opts, name);
      } }[name];
      Object.setPrototypeOf(ctor.prototype, base.prototype);
      Object.setPrototypeOf(ctor, base);
      classes[name] = ctor;
    }
    streamClasses = classes;
    for (const name of STREAMS) {
      Object.defineProperty(exports, name, { value: classes[name], writable: true, configurable: true, enumerable: true });
    }
    return classes;
  }
  for (const name of STREAMS) {
    Object.defineProperty(exports, name, {
      configurable: true, enumerable: true,
      get() { return defineStreams()[name]; },
      set(value) { Object.defineProperty(exports, name, { value, writable: true, configurable: true, enumerable: true }); },
    });
    Object.defineProperty(exports, `create${name}`, {
      configurable: true, enumerable: true, writable: true,
      value: function (options) { return new (defineStreams()[name])(options); },
    });
  }
  exports.constants = constants;
  for (const [name, value] of Object.entries(constants)) if (!name.startsWith('BROTLI_')) exports[name] = value;
  exports.codes = { Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6 };
  exports.crc32 = (data, value = 0) => {
    const b = input(data);
    let crc = ~value >>> 0;
    for (let i = 0; i < b.length; i++) {
      crc ^= b[i];
      for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xEDB88320 & -(crc & 1));
    }
    return ~crc >>> 0;
  };
  // tables inside libdeflate's (de)compressors are built once at build time, in the snapshot
  (internal.warmups || (internal.warmups = [])).push(() => {
    exports.gunzipSync(exports.gzipSync('edge'));
  });
});
