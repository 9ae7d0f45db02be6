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
  const brotli = () => {
    throw new Error('brotli is not available in edge functions (zlib here supports gzip, deflate and deflateRaw)');
  };
  for (const name of ['brotliCompressSync', 'brotliDecompressSync', 'brotliCompress', 'brotliDecompress',
    'createGzip', 'createGunzip', 'createDeflate', 'createInflate', 'createBrotliCompress', 'createBrotliDecompress']) {
    exports[name] = name.startsWith('brotli') || name.includes('Brotli') ? brotli : () => {
      throw new Error(`zlib.${name}() streams are not available in edge functions: use the *Sync functions`);
    };
  }
  exports.constants = constants;
  Object.assign(exports, constants);
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
