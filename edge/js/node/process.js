// process: what a handler may read. env is Lambda's reserved variables that hold here plus the
// function's environment (read per instance, never at build time); exit and the like are refused.
defineBuiltin('process', function (exports, require, module, internal) {
  const EventEmitter = require('events');
  const process = new EventEmitter();
  let env = null;
  // What top-level code sees and sets at build time (no environment then); a read of a name it
  // does not hold is noted for a build warning (runtime.js)
  const noteRead = (target, name) => {
    if (typeof name === 'string' && !(name in target) && internal.noteEnvRead) internal.noteEnvRead(name);
  };
  const buildEnv = new Proxy({}, {
    get(target, name, receiver) {
      noteRead(target, name);
      return Reflect.get(target, name, receiver);
    },
    has(target, name) {
      noteRead(target, name);
      return name in target;
    },
  });
  let argv = null;
  Object.defineProperties(process, {
    env: {
      enumerable: true,
      get() {
        if (internal.initializing) return buildEnv;
        if (env === null) env = Object.assign(internal.lambdaEnv(), internal.native.environ(), buildEnv);
        return env;
      },
      set(value) { env = value; },
    },
    argv: {
      enumerable: true,
      get() { return argv || (argv = ['/var/lang/bin/node', '/var/runtime/index.mjs']); },
      set(value) { argv = value; },
    },
  });
  Object.assign(process, {
    title: 'node',
    // A plain release number: semver checks (jsonwebtoken's, for one) read a pre-release tag
    // such as '-edge' as older than every 20.x release. `versions.edge` tells this runtime apart.
    version: 'v20.0.0',
    versions: { node: '20.0.0', edge: '1' },
    platform: 'linux',
    arch: 'wasm32',
    release: { name: 'node' },
    pid: 1,
    ppid: 0,
    execArgv: [],
    exitCode: undefined,
    cwd: () => '/var/task',
    chdir: () => { throw new Error('process.chdir() is not available in edge functions'); },
    umask: () => 0o22,
    uptime: () => internal.now() / 1000,
    hrtime: Object.assign((prev) => {
      const t = internal.now();
      let s = Math.floor(t / 1000);
      let ns = Math.floor((t % 1000) * 1e6);
      if (prev) {
        s -= prev[0];
        ns -= prev[1];
        if (ns < 0) { s -= 1; ns += 1e9; }
      }
      return [s, ns];
    }, { bigint: () => BigInt(Math.floor(internal.now() * 1e6)) }),
    // rss: the instance's linear memory; heap figures: QuickJS's accounting (external: none)
    memoryUsage: Object.assign(() => {
      const [rss, heapTotal, heapUsed, arrayBuffers] = internal.native.memoryUsage();
      return { rss, heapTotal: Math.max(heapTotal, heapUsed), heapUsed, external: arrayBuffers, arrayBuffers };
    }, { rss: () => internal.native.memoryUsage(true)[0] }),
    nextTick: (callback, ...args) => {
      if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
      queueMicrotask(() => callback(...args));
    },
    emitWarning: (warning) => internal.log(2, [`(node) Warning: ${warning instanceof Error ? warning.message : warning}`]),
    exit: (code) => { throw new Error(`process.exit(${code === undefined ? '' : code}) is not available in edge functions: return or throw from the handler`); },
    abort: () => { throw new Error('process.abort() is not available in edge functions'); },
    kill: () => { throw new Error('process.kill() is not available in edge functions'); },
    binding: () => { throw new Error('process.binding() is not available in edge functions'); },
  });
  process.stdout = { write: (chunk) => { internal.log(1, [String(chunk).replace(/\n$/, '')]); return true; }, isTTY: false };
  process.stderr = { write: (chunk) => { internal.log(3, [String(chunk).replace(/\n$/, '')]); return true; }, isTTY: false };
  module.exports = process;
});
