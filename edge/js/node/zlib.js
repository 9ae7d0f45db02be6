// require('zlib'): gzip, deflate (zlib format) and raw deflate, sync and callback styles, by
// libdeflate compiled into the engine. Output is valid zlib/gzip data (bytes differ from Node's
// zlib, as they do between zlib versions); anything zlib can read, this reads.
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
    // brotli's constants are Node's, so code reading them (BROTLI_PARAM_QUALITY) runs; its functions throw
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

  function compress(format) {
    return (buffer, options) => internal.fromBytes(internal.native.deflate(format, level(options), input(buffer)));
  }

  function decompress(format) {
    return (buffer, options) => {
      const data = input(buffer);
      let detected = format;
      if (format === -1) detected = data[0] === 0x1f && data[1] === 0x8b ? GZIP : ZLIB;
      const max = options && options.maxOutputLength ? options.maxOutputLength : kMaxLength;
      try {
        return internal.fromBytes(internal.native.inflate(detected, data, max));
      } catch (err) {
        if (err instanceof RangeError) {
          throw internal.codeError(RangeError, 'ERR_BUFFER_TOO_LARGE', err.message);
        }
        const message = data.length === 0 || err.message === 'unexpected end of file'
          ? 'unexpected end of file'
          : detected === GZIP ? 'incorrect header check' : detected === ZLIB ? 'incorrect header check' : 'invalid block type';
        const e = new Error(message);
        e.errno = message === 'unexpected end of file' ? constants.Z_BUF_ERROR : constants.Z_DATA_ERROR;
        e.code = message === 'unexpected end of file' ? 'Z_BUF_ERROR' : 'Z_DATA_ERROR';
        throw e;
      }
    };
  }

  const sync = {
    gzipSync: compress(GZIP),
    deflateSync: compress(ZLIB),
    deflateRawSync: compress(RAW),
    gunzipSync: decompress(GZIP),
    inflateSync: decompress(ZLIB),
    inflateRawSync: decompress(RAW),
    unzipSync: decompress(-1),
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
  const brotli = () => {
    throw unavailable('brotli is not available in edge functions (zlib here supports gzip, deflate and deflateRaw)');
  };
  for (const name of ['brotliCompressSync', 'brotliDecompressSync', 'brotliCompress', 'brotliDecompress',
    'createGzip', 'createGunzip', 'createDeflate', 'createInflate', 'createBrotliCompress', 'createBrotliDecompress']) {
    exports[name] = name.startsWith('brotli') || name.includes('Brotli') ? brotli : () => {
      throw unavailable(`zlib.${name}() streams are not available in edge functions: use the *Sync functions`);
    };
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
