// require('os'): Node's os module describing the sandbox an edge function runs in, the same on
// every host and every request (nothing of the machine serving it shows): a Linux of Lambda's look,
// as process.platform says, on process.arch's wasm32, one CPU, the function's memory cap as its
// memory, Lambda's sandbox user, no network interfaces. Values and errors are Node 20's where the
// sandbox has them (docs/javascript.md lists what is fixed and why).
defineBuiltin('os', function (exports, require, module, internal) {
  const process = require('process');
  const MiB = 1024 * 1024;
  const DEFAULT_MEMORY_MIB = 128; // the memory cap's default, what top-level code sees at build time
  const USER = { uid: 993, gid: 990, username: 'sbx_user1051', homedir: '/home/sbx_user1051', shell: '/sbin/nologin' };
  const RELEASE = '5.10.0-edge';
  const VERSION = '#1 SMP edge';
  const HOSTNAME = 'localhost';

  // Node 20's os.constants on Linux, as it has them (tests/test_js_os.py compares them with Node's)
  const DLOPEN = { RTLD_LAZY: 1, RTLD_NOW: 2, RTLD_GLOBAL: 256, RTLD_LOCAL: 0, RTLD_DEEPBIND: 8 };
  const ERRNO = { E2BIG: 7, EACCES: 13, EADDRINUSE: 98, EADDRNOTAVAIL: 99, EAFNOSUPPORT: 97, EAGAIN: 11,
    EALREADY: 114, EBADF: 9, EBADMSG: 74, EBUSY: 16, ECANCELED: 125, ECHILD: 10, ECONNABORTED: 103, ECONNREFUSED: 111,
    ECONNRESET: 104, EDEADLK: 35, EDESTADDRREQ: 89, EDOM: 33, EDQUOT: 122, EEXIST: 17, EFAULT: 14, EFBIG: 27,
    EHOSTUNREACH: 113, EIDRM: 43, EILSEQ: 84, EINPROGRESS: 115, EINTR: 4, EINVAL: 22, EIO: 5, EISCONN: 106,
    EISDIR: 21, ELOOP: 40, EMFILE: 24, EMLINK: 31, EMSGSIZE: 90, EMULTIHOP: 72, ENAMETOOLONG: 36, ENETDOWN: 100,
    ENETRESET: 102, ENETUNREACH: 101, ENFILE: 23, ENOBUFS: 105, ENODATA: 61, ENODEV: 19, ENOENT: 2, ENOEXEC: 8,
    ENOLCK: 37, ENOLINK: 67, ENOMEM: 12, ENOMSG: 42, ENOPROTOOPT: 92, ENOSPC: 28, ENOSR: 63, ENOSTR: 60, ENOSYS: 38,
    ENOTCONN: 107, ENOTDIR: 20, ENOTEMPTY: 39, ENOTSOCK: 88, ENOTSUP: 95, ENOTTY: 25, ENXIO: 6, EOPNOTSUPP: 95,
    EOVERFLOW: 75, EPERM: 1, EPIPE: 32, EPROTO: 71, EPROTONOSUPPORT: 93, EPROTOTYPE: 91, ERANGE: 34, EROFS: 30,
    ESPIPE: 29, ESRCH: 3, ESTALE: 116, ETIME: 62, ETIMEDOUT: 110, ETXTBSY: 26, EWOULDBLOCK: 11, EXDEV: 18 };
  const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7,
    SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGCHLD: 17,
    SIGSTKFLT: 16, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24,
    SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31 };
  const PRIORITY = { PRIORITY_LOW: 19, PRIORITY_BELOW_NORMAL: 10, PRIORITY_NORMAL: 0, PRIORITY_ABOVE_NORMAL: -7,
    PRIORITY_HIGH: -14, PRIORITY_HIGHEST: -20 };
  const nullProto = (o) => Object.assign(Object.create(null), o);
  const constants = nullProto({
    UV_UDP_REUSEADDR: 4, dlopen: nullProto(DLOPEN), errno: nullProto(ERRNO), signals: nullProto(SIGNALS),
    priority: nullProto(PRIORITY),
  });

  // Node's SystemError (ERR_SYSTEM_ERROR) as libuv's failures give it
  class SystemError extends Error {
    constructor(syscall, code, errno, text) {
      super(`A system error occurred: ${syscall} returned ${code} (${text})`);
      const info = { errno, code, message: text, syscall };
      Object.defineProperties(this, {
        name: { value: 'SystemError', writable: true, enumerable: false, configurable: true },
        code: { value: 'ERR_SYSTEM_ERROR', writable: true, enumerable: true, configurable: true },
        info: { value: info, writable: false, enumerable: true, configurable: true },
        errno: { get: () => info.errno, set: (v) => { info.errno = v; }, enumerable: true, configurable: true },
        syscall: { get: () => info.syscall, set: (v) => { info.syscall = v; }, enumerable: true, configurable: true },
        [internal.kIsNodeError]: { value: true, configurable: true }, // the stack's first line as toString's
      });
    }
  }
  SystemError.prototype.toString = function toString() { return `${this.name} [${this.code}]: ${this.message}`; };
  const ESRCH = (syscall) => new SystemError(syscall, 'ESRCH', -3, 'no such process');
  const EACCES = (syscall) => new SystemError(syscall, 'EACCES', -13, 'permission denied');

  function received(value) {
    if (Number.isInteger(value) && Math.abs(value) > 2 ** 32) {
      let s = String(Math.abs(value));
      let out = '';
      for (; s.length > 3; s = s.slice(0, -3)) out = `_${s.slice(-3)}${out}`;
      return `${value < 0 ? '-' : ''}${s}${out}`;
    }
    return Object.is(value, -0) ? '-0' : String(value);
  }
  function validateInt32(value, name, min = -2147483648, max = 2147483647) {
    if (typeof value !== 'number') throw internal.argType(name, 'of type number', value);
    const range = !Number.isInteger(value) ? 'an integer' : value < min || value > max ? `>= ${min} && <= ${max}` : null;
    if (range !== null) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "${name}" is out of range. It must be ${range}. Received ${received(value)}`);
    }
  }

  // The memory cap (MiB) the host gives the instance (WASI argv, as context.memoryLimitInMB): read
  // per instance, never at build time, when the default cap stands for it.
  function memoryBytes() {
    if (internal.initializing) return DEFAULT_MEMORY_MIB * MiB;
    return (Number(internal.lambdaEnv().AWS_LAMBDA_FUNCTION_MEMORY_SIZE) || DEFAULT_MEMORY_MIB) * MiB;
  }

  // A process's priority: the sandbox's user may raise its niceness, never lower it (Linux without
  // CAP_SYS_NICE, as on Lambda). The function is process.pid; any other pid does not exist.
  let priority = 0;
  const self = (pid) => pid === 0 || pid === process.pid;

  const withPrimitive = (fn) => Object.defineProperty(fn, Symbol.toPrimitive, {
    value: () => fn(), writable: true, enumerable: true, configurable: true,
  });
  const os = {
    arch: withPrimitive(function arch() { return process.arch; }),
    availableParallelism: withPrimitive(function getAvailableParallelism() { return 1; }),
    cpus: function cpus() {
      return [{ model: 'WebAssembly', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } }];
    },
    endianness: withPrimitive(function endianness() { return 'LE'; }),
    freemem: withPrimitive(function getFreeMem() {
      return Math.max(0, memoryBytes() - internal.native.memoryUsage(true)[0]);
    }),
    getPriority: function getPriority(pid) {
      if (pid === undefined) pid = 0;
      else validateInt32(pid, 'pid');
      if (!self(pid)) throw ESRCH('uv_os_getpriority');
      return priority;
    },
    homedir: withPrimitive(function homedir() { return USER.homedir; }),
    hostname: withPrimitive(function hostname() { return HOSTNAME; }),
    loadavg: function loadavg() { return [0, 0, 0]; },
    networkInterfaces: function networkInterfaces() { return {}; },
    platform: withPrimitive(function platform() { return process.platform; }),
    release: withPrimitive(function getOSRelease() { return RELEASE; }),
    setPriority: function setPriority(pid, value) {
      if (value === undefined) {
        value = pid;
        pid = 0;
      }
      validateInt32(pid, 'pid');
      validateInt32(value, 'priority', -20, 19);
      if (!self(pid)) throw ESRCH('uv_os_setpriority');
      if (value < priority) throw EACCES('uv_os_setpriority');
      priority = value;
    },
    tmpdir: withPrimitive(function tmpdir() { return '/tmp'; }),
    totalmem: withPrimitive(function getTotalMem() { return memoryBytes(); }),
    type: withPrimitive(function getOSType() { return 'Linux'; }),
    userInfo: function userInfo(options) {
      if (typeof options !== 'object') options = null;
      let encoding = options === null ? undefined : options.encoding;
      encoding = typeof encoding === 'string' ? encoding.toLowerCase() : 'utf8';
      const { Buffer } = require('buffer');
      const encode = encoding === 'buffer' ? (s) => Buffer.from(s)
        : Buffer.isEncoding(encoding) && encoding !== 'utf8' && encoding !== 'utf-8' ? (s) => Buffer.from(s).toString(encoding)
          : (s) => s;
      return nullProto({ uid: USER.uid, gid: USER.gid, username: encode(USER.username), homedir: encode(USER.homedir),
        shell: encode(USER.shell) });
    },
    // seconds since the instance started (Node: since the machine booted)
    uptime: withPrimitive(function uptime() { return Math.floor(internal.now() / 10) / 100; }),
    version: withPrimitive(function getOSVersion() { return VERSION; }),
    machine: withPrimitive(function getMachine() { return process.arch; }),
  };
  Object.assign(exports, os);
  Object.defineProperties(exports, {
    constants: { configurable: false, enumerable: true, value: constants },
    EOL: { configurable: true, enumerable: true, writable: false, value: '\n' },
    devNull: { configurable: true, enumerable: true, writable: false, value: '/dev/null' },
  });
});
