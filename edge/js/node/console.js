// console: each call is one function log line at its level (Node's formatting via util.format).
defineBuiltin('console', function (exports, require, module, internal) {
  const util = require('util');
  const DEBUG = 0;
  const INFO = 1;
  const WARN = 2;
  const ERROR = 3;
  let groupIndent = '';
  const counts = new Map();
  const timers = new Map();

  function emit(level, args) {
    let text = util.format(...args);
    if (groupIndent) text = groupIndent + text.replaceAll('\n', `\n${groupIndent}`);
    internal.native.log(level, text);
  }

  const console = {
    log: (...args) => emit(INFO, args),
    info: (...args) => emit(INFO, args),
    debug: (...args) => emit(DEBUG, args),
    trace: (...args) => {
      const err = { name: 'Trace', message: util.format(...args) };
      Error.captureStackTrace ? Error.captureStackTrace(err, console.trace) : (err.stack = new Error().stack);
      emit(ERROR, [internal.errorStack(err)]);
    },
    warn: (...args) => emit(WARN, args),
    error: (...args) => emit(ERROR, args),
    dir: (obj, options) => emit(INFO, [util.inspect(obj, { customInspect: false, ...options })]),
    dirxml: (...args) => emit(INFO, args),
    table: (...args) => emit(INFO, args),
    assert: (value, ...args) => {
      if (!value) {
        args[0] = `Assertion failed${args.length === 0 ? '' : `: ${args[0]}`}`;
        emit(WARN, args);
      }
    },
    count: (label = 'default') => {
      label = `${label}`;
      const n = (counts.get(label) || 0) + 1;
      counts.set(label, n);
      emit(INFO, [`${label}: ${n}`]);
    },
    countReset: (label = 'default') => { counts.delete(`${label}`); },
    group: (...args) => {
      if (args.length > 0) emit(INFO, args);
      groupIndent += '  ';
    },
    groupCollapsed: (...args) => console.group(...args),
    groupEnd: () => { groupIndent = groupIndent.slice(0, -2); },
    time: (label = 'default') => { timers.set(`${label}`, internal.now()); },
    timeLog: (label = 'default', ...data) => {
      const start = timers.get(`${label}`);
      if (start === undefined) return emit(WARN, [`Warning: No such label '${label}' for console.timeLog()`]);
      emit(INFO, [`${label}: ${formatTime(internal.now() - start)}`, ...data]);
    },
    timeEnd: (label = 'default') => {
      const start = timers.get(`${label}`);
      if (start === undefined) return emit(WARN, [`Warning: No such label '${label}' for console.timeEnd()`]);
      timers.delete(`${label}`);
      emit(INFO, [`${label}: ${formatTime(internal.now() - start)}`]);
    },
  };

  function formatTime(ms) {
    if (ms >= 1000) return `${(ms / 1000).toFixed(3)}s`;
    return `${Number(ms.toFixed(3))}ms`;
  }

  module.exports = console;
  internal.log = emit;
});
