// fs: a function's own files, read while it is built. An edge function has no filesystem when it runs;
// while it is built its package is at /var/task, as on Lambda, so a file read at the top level of a
// module (`fs.readFileSync(path.join(__dirname, 'public.pem'))`: a key, a template, a JSON file) is
// read then, once, into the snapshot. The same file read again in the handler gives the same content,
// from memory; so does one of the function's own small files that are not JavaScript, which the build
// keeps too (CONFIG.keepFiles: templates a package reads lazily); one that was not kept fails as a
// missing file does (ENOENT), saying why.
// Nothing can be written (the package is read-only, as /var/task is on Lambda), and the calls that
// would list, open or stream files throw, saying so (the ReadStream/WriteStream classes are there for
// instanceof tests; making one throws); they are all there, so packages that require fs
// at the top level and use it on some other path (form-data, and with it axios) load. A file is
// read as its exact bytes (an image, a gzip, a key in DER), as Node reads it; one that is UTF-8 text
// is kept as that text, so reading it as text in a request decodes nothing.
// Put into a function only when one of its sources names 'fs' (edge/js/build.py).
(function () {
  const ROOT = '/var/task';
  const NO_FILES = 'edge functions have no filesystem when they run: read the file at the top level of a ' +
    'module, which runs at build time, and it can be read again later';
  const NOT_KEPT = "the file is in the function's package, but the build did not keep it: edge functions have no " +
    'filesystem when they run, and the build keeps the files the top level read and, of the function\'s own files ' +
    `that are not JavaScript, the smallest up to ${(CONFIG.keepBytes || 0) / 1024} KiB (never keys, .env files or what ` +
    '.edgeignore names); read it at the top level of a ' +
    'module, which runs at build time, and it can be read again later';

  defineBuiltin('fs', function (exports, require, module, internal) {
    const { Buffer } = require('buffer');
    const path = require('path');
    const native = internal.native;
    // absolute path -> what the build read: the text when the bytes are UTF-8 (the bytes are then
    // exactly its UTF-8), else the bytes (a Uint8Array no caller ever gets: each read copies them)
    const contents = new Map();
    const kinds = new Map(); // absolute path -> 0 missing, 1 file, 2 directory, as seen at build time

    function systemError(code, errno, description, syscall, given, why) {
      const shown = given === undefined ? '' : ` '${given}'`;
      const err = new Error(`${code}: ${description}, ${syscall}${shown}${why ? ` (${why})` : ''}`);
      Object.assign(err, { errno, code, syscall });
      if (given !== undefined) err.path = given;
      return err;
    }
    const missing = (syscall, given, why) => systemError('ENOENT', -2, 'no such file or directory', syscall, given, why);

    // What Node takes as a path (a string, a Buffer, a file: URL), as given (for messages) and absolute.
    function pathOf(value, name = 'path') {
      let given = value;
      if (Buffer.isBuffer(value)) given = value.toString();
      else if (value !== null && typeof value === 'object' && typeof value.href === 'string') {
        if (value.protocol !== 'file:') throw internal.typeError('ERR_INVALID_URL_SCHEME', 'The URL must be of scheme file');
        given = require('url').fileURLToPath(value);
      } else if (typeof value !== 'string') {
        throw internal.argType(name, 'of type string or an instance of Buffer or URL', value);
      }
      if (given.includes('\0')) {
        throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument '${name}' must be a string, ` +
          `Uint8Array, or URL without null bytes. Received '${given.replace(/\0/g, '\\x00')}'`);
      }
      return [given, path.resolve(ROOT, given)];
    }

    function kindOf(absolute) {
      if (internal.initializing) {
        if (!kinds.has(absolute)) kinds.set(absolute, native.stat(absolute));
        return kinds.get(absolute);
      }
      if (contents.has(absolute)) return 1;
      // undefined: a file of the package not kept (only looked at, say, by existsSync), or a place the
      // build did not look at; what the build listed tells directories and what is not there
      const kind = kinds.get(absolute);
      if (kind === 0 || kind === 2) return kind;
      const listed = internal.packageFile ? internal.packageFile(absolute) : undefined;
      return listed === 1 ? undefined : listed;
    }
    // why a file that is not there now may be there on Lambda
    function unkept(absolute) {
      return kinds.get(absolute) === 1 || (internal.packageFile && internal.packageFile(absolute) === 1) ? NOT_KEPT : NO_FILES;
    }

    // The file's contents as kept (a string or a Uint8Array, see `contents`), read now at build time.
    function readData(value, syscall = 'open') {
      if (typeof value === 'number') throw systemError('EBADF', -9, 'bad file descriptor', 'read', undefined, NO_FILES);
      const [given, absolute] = pathOf(value);
      if (contents.has(absolute)) return contents.get(absolute);
      const kind = kindOf(absolute);
      if (kind === undefined) throw missing(syscall, given, unkept(absolute));
      if (kind === 0) throw missing(syscall, given);
      if (kind === 2) throw systemError('EISDIR', -21, 'illegal operation on a directory', 'read');
      const bytes = native.readFile(absolute, true);
      if (bytes === null) throw systemError('EACCES', -13, 'permission denied', syscall, given);
      // UTF-8 exactly when decoding and encoding again gives the same bytes (an invalid sequence
      // would come back as U+FFFD's three bytes)
      const text = native.utf8Decode(bytes);
      const data = native.bufCompare(native.utf8Encode(text), bytes) === 0 ? text : bytes;
      contents.set(absolute, data);
      return data;
    }

    // The function's own files the build keeps besides what the top level read (edge/js/build.py,
    // KEEP_FILES_BYTES: small files that are not JavaScript, such as templates a package reads lazily),
    // read as the build ends.
    if (internal.initializing) {
      (internal.warmups || (internal.warmups = [])).push(() => {
        for (const file of CONFIG.keepFiles || []) {
          const absolute = `${ROOT}/${file}`;
          try {
            readData(absolute);
          } catch {
            continue;
          }
          for (let dir = path.dirname(absolute); dir.length >= ROOT.length && kinds.get(dir) !== 2; dir = path.dirname(dir)) {
            kinds.set(dir, 2);
          }
        }
      });
    }

    function encodingOf(options) {
      const encoding = typeof options === 'string' ? options : options != null ? options.encoding : null;
      if (encoding == null || encoding === 'buffer') return null;
      if (!Buffer.isEncoding(encoding)) {
        throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
          `The argument 'encoding' is invalid encoding. Received '${encoding}'`);
      }
      return encoding;
    }

    function readFileSync(file, options) {
      const encoding = encodingOf(options);
      const data = readData(file);
      if (typeof data === 'string') {
        if (encoding === 'utf8' || encoding === 'utf-8') return data;
        const bytes = Buffer.from(data, 'utf8');
        return encoding ? bytes.toString(encoding) : bytes;
      }
      if (encoding) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString(encoding);
      return Buffer.from(data); // a copy: a caller changing its Buffer changes no later read
    }

    class Stats {
      constructor(kind, size) {
        const mode = kind === 2 ? 0o40555 : 0o100444; // read-only, as /var/task
        const epoch = new Date(0);
        Object.assign(this, { dev: 0, mode, nlink: 1, uid: 0, gid: 0, rdev: 0, blksize: 4096, ino: 0, size,
          blocks: Math.ceil(size / 512), atimeMs: 0, mtimeMs: 0, ctimeMs: 0, birthtimeMs: 0,
          atime: epoch, mtime: epoch, ctime: epoch, birthtime: epoch });
      }
      isFile() { return (this.mode & 0o170000) === 0o100000; }
      isDirectory() { return (this.mode & 0o170000) === 0o40000; }
      isSymbolicLink() { return false; }
      isBlockDevice() { return false; }
      isCharacterDevice() { return false; }
      isFIFO() { return false; }
      isSocket() { return false; }
    }

    function statSync(file, options) {
      const [given, absolute] = pathOf(file);
      const kind = kindOf(absolute);
      if (kind === 1) {
        const data = readData(file, 'stat');
        return new Stats(1, typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);
      }
      if (kind === 2) return new Stats(2, 4096);
      if (options && options.throwIfNoEntry === false) return undefined;
      throw missing('stat', given, kind === undefined ? unkept(absolute) : undefined);
    }

    function existsSync(file) {
      let absolute;
      try {
        absolute = pathOf(file)[1];
      } catch {
        return false;
      }
      return Boolean(kindOf(absolute));
    }

    function accessSync(file, mode = 0) {
      const [given, absolute] = pathOf(file);
      const kind = kindOf(absolute);
      if (!kind) throw missing('access', given, kind === undefined ? unkept(absolute) : undefined);
      if (mode & 2) throw systemError('EROFS', -30, 'read-only file system', 'access', given);
    }

    // no links in a package as the build sees it: a path that is there is its own real path
    function realpathSync(file) {
      const [given, absolute] = pathOf(file);
      const kind = kindOf(absolute);
      if (!kind) throw missing('lstat', given, kind === undefined ? unkept(absolute) : undefined);
      return absolute;
    }
    realpathSync.native = realpathSync;

    // callback and promise forms, run as Node's: the callback later, never in the caller's stack
    const callbackForm = (sync) => function (...args) {
      const callback = args.length > 1 ? args.pop() : undefined; // the path alone is not a callback
      if (typeof callback !== 'function') throw internal.argType('cb', 'of type function', callback);
      let result;
      let error = null;
      try {
        result = sync(...args);
      } catch (err) {
        error = err;
      }
      queueMicrotask(() => (error ? callback(error) : callback(null, result)));
    };
    const promiseForm = (sync) => async (...args) => sync(...args);
    const existsCallback = (file, callback) => queueMicrotask(() => callback(existsSync(file)));

    const unavailable = (name) => function () {
      throw internal.unavailable(`fs.${name}()`, NO_FILES + '; nothing can be written');
    };
    const REFUSED = ['appendFile', 'chmod', 'chown', 'close', 'copyFile', 'cp', 'createReadStream',
      'createWriteStream', 'fchmod', 'fchown', 'fdatasync', 'fstat', 'fsync', 'ftruncate', 'futimes', 'lchown',
      'link', 'lutimes', 'mkdir', 'mkdtemp', 'open', 'openAsBlob', 'opendir', 'read', 'readdir', 'readlink', 'readv',
      'rename', 'rm', 'rmdir', 'statfs', 'symlink', 'truncate', 'unlink', 'unwatchFile', 'utimes',
      'watch', 'watchFile', 'write', 'writeFile', 'writev'];
    // The stream classes exist, so `x instanceof fs.ReadStream` works (the destroy package, which koa
    // uses, tests it on every response body); making one refuses as createReadStream does.
    const refusedClass = (name) => ({ [name]: function () {
      throw internal.unavailable(`new fs.${name}()`, NO_FILES + '; nothing can be written');
    } })[name];
    const ReadStream = refusedClass('ReadStream');
    const WriteStream = refusedClass('WriteStream');
    const constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64,
      O_EXCL: 128, O_TRUNC: 512, O_APPEND: 1024, COPYFILE_EXCL: 1, COPYFILE_FICLONE: 2, COPYFILE_FICLONE_FORCE: 4 };

    const promises = { readFile: promiseForm(readFileSync), stat: promiseForm(statSync), lstat: promiseForm(statSync),
      access: promiseForm(accessSync), realpath: promiseForm(realpathSync), constants };
    for (const name of REFUSED) {
      exports[name] = unavailable(name);
      if (!name.startsWith('create') && !name.startsWith('f') && !['unwatchFile', 'watchFile', 'openAsBlob'].includes(name)) {
        exports[`${name}Sync`] = unavailable(`${name}Sync`);
        promises[name] = unavailable(`promises.${name}`);
      }
    }
    Object.assign(exports, constants, {
      constants, Stats, promises, ReadStream, WriteStream, FileReadStream: ReadStream, FileWriteStream: WriteStream,
      readFileSync, readFile: callbackForm(readFileSync),
      statSync, stat: callbackForm(statSync), lstatSync: statSync, lstat: callbackForm(statSync),
      existsSync, exists: existsCallback,
      accessSync, access: callbackForm(accessSync),
      realpathSync, realpath: Object.assign(callbackForm(realpathSync), { native: callbackForm(realpathSync) }),
    });
  });

  defineBuiltin('fs/promises', function (exports, require, module) {
    module.exports = require('fs').promises;
  });
})();
