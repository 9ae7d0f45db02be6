// console: each call is one function log line at its level (Node's formatting via util.format).
// console.Console / require('console').Console: Node's class, writing each call's text and a newline
// to the streams given (stdout, and stderr for warn/error/trace/assert; stdout when none is given),
// as AWS Lambda Powertools' Logger makes one: with process.stdout and process.stderr the lines reach
// the function's log as the global console's do, each at its method's level.
defineBuiltin('console', function (exports, require, module, internal) {
  const util = require('util');
  const DEBUG = 0;
  const INFO = 1;
  const WARN = 2;
  const ERROR = 3;

  // The methods of a console whose text goes to write(level, text); `indentation` is what group() adds.
  function methods(write, indentation = '  ', inspectOptions = undefined) {
    let groupIndent = '';
    const counts = new Map();
    const timers = new Map();
    const format = inspectOptions === undefined ? (args) => util.format(...args)
      : (args) => util.formatWithOptions(inspectOptions, ...args);
    const emit = (level, args) => {
      let text = format(args);
      if (groupIndent) text = groupIndent + text.replaceAll('\n', `\n${groupIndent}`);
      write(level, text);
    };
    const missing = (label, what) => internal.native.log(WARN, `Warning: No such label '${label}' for console.${what}()`);
    const console = {
      log: (...args) => emit(INFO, args),
      info: (...args) => emit(INFO, args),
      debug: (...args) => emit(DEBUG, args),
      trace: function trace(...args) {
        const err = { name: 'Trace', message: util.format(...args) };
        Error.captureStackTrace ? Error.captureStackTrace(err, trace) : (err.stack = new Error().stack);
        emit(ERROR, [internal.errorStack(err)]);
      },
      warn: (...args) => emit(WARN, args),
      error: (...args) => emit(ERROR, args),
      dir: (obj, options) => emit(INFO, [util.inspect(obj, { customInspect: false, ...inspectOptions, ...options })]),
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
        groupIndent += indentation;
      },
      groupCollapsed: (...args) => console.group(...args),
      groupEnd: () => { groupIndent = groupIndent.slice(0, groupIndent.length - indentation.length); },
      time: (label = 'default') => { timers.set(`${label}`, internal.now()); },
      timeLog: (label = 'default', ...data) => {
        const start = timers.get(`${label}`);
        if (start === undefined) return missing(label, 'timeLog');
        emit(INFO, [`${label}: ${formatTime(internal.now() - start)}`, ...data]);
      },
      timeEnd: (label = 'default') => {
        const start = timers.get(`${label}`);
        if (start === undefined) return missing(label, 'timeEnd');
        timers.delete(`${label}`);
        emit(INFO, [`${label}: ${formatTime(internal.now() - start)}`]);
      },
    };
    return { console, emit };
  }

  function formatTime(ms) {
    if (ms >= 1000) return `${(ms / 1000).toFixed(3)}s`;
    return `${Number(ms.toFixed(3))}ms`;
  }

  // Node's Console: new Console(stdout[, stderr[, ignoreErrors]]) or new Console({ stdout, stderr,
  // ignoreErrors, colorMode, inspectOptions, groupIndentation }); callable without new, as Node's.
  // Its methods are own properties bound to it (const { log } = logger works).
  const processWrites = new Map(); // process.stdout/stderr -> their write as process.js made it (not replaced)
  const proc = require('process');
  for (const stream of [proc.stdout, proc.stderr]) if (stream) processWrites.set(stream, stream.write);
  const NAMES = ['log', 'warn', 'dir', 'time', 'timeEnd', 'timeLog', 'trace', 'assert', 'clear', 'count', 'countReset',
    'group', 'groupEnd', 'table', 'debug', 'info', 'dirxml', 'error', 'groupCollapsed'];
  function Console(options /* , stderr, ignoreErrors */) {
    if (!new.target) return Reflect.construct(Console, arguments);
    if (!options || typeof options.write === 'function') {
      options = { stdout: options, stderr: arguments[1], ignoreErrors: arguments[2] };
    }
    const { stdout, stderr = stdout, ignoreErrors = true, colorMode = 'auto', inspectOptions, groupIndentation = 2 } = options;
    for (const [name, stream] of [['stdout', stdout], ['stderr', stderr]]) {
      if (!stream || typeof stream.write !== 'function') {
        throw internal.codeError(TypeError, 'ERR_CONSOLE_WRITABLE_STREAM', `Console expects a writable stream instance for ${name}`);
      }
    }
    if (colorMode !== 'auto' && colorMode !== true && colorMode !== false) {
      throw internal.codeError(TypeError, 'ERR_INVALID_ARG_VALUE',
        `The argument 'colorMode' must be one of: 'auto', true, false. Received ${util.inspect(colorMode)}`);
    }
    if (typeof groupIndentation !== 'number') throw internal.argType('groupIndentation', 'of type number', groupIndentation);
    if (!Number.isInteger(groupIndentation)) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "groupIndentation" is out of range. It must be an integer. Received ${groupIndentation}`);
    }
    if (groupIndentation < 0 || groupIndentation > 1000) {
      throw internal.codeError(RangeError, 'ERR_OUT_OF_RANGE',
        `The value of "groupIndentation" is out of range. It must be >= 0 && <= 1000. Received ${groupIndentation}`);
    }
    if (inspectOptions !== undefined && (inspectOptions === null || typeof inspectOptions !== 'object')) {
      throw internal.argType('options.inspectOptions', 'of type object', inspectOptions);
    }
    const proc = require('process');
    const write = (level, text) => {
      const stream = level >= WARN ? stderr : stdout;
      // the process's own streams: a log line at the call's level, as the global console writes it (a
      // warn is WARN, not the ERROR a write to process.stderr is)
      if ((stream === proc.stdout || stream === proc.stderr) && stream.write === processWrites.get(stream)) {
        return internal.native.log(level, text);
      }
      if (!ignoreErrors) return void stream.write(`${text}\n`);
      try {
        stream.write(`${text}\n`);
      } catch {
        // Node ignores a stream's errors by default (ignoreErrors: true)
      }
    };
    const { console } = methods(write, ' '.repeat(groupIndentation), inspectOptions);
    console.clear = () => {};
    for (const name of NAMES) {
      Object.defineProperty(this, name, { value: console[name], writable: true, enumerable: true, configurable: true });
    }
  }
  for (const name of NAMES) { // an instance's own bound methods are what runs; these are for Console.prototype's shape
    Object.defineProperty(Console.prototype, name, { writable: true, enumerable: false, configurable: true,
      value: { [name](...args) { if (Object.hasOwn(this, name)) return this[name](...args); } }[name] });
  }

  // The global console has Node 20's own properties, in its order, all enumerable (`import { Console }
  // from 'node:console'` names one, as AWS Lambda Powertools' Logger does): V8's inspector-only
  // methods do nothing here (no inspector), as in Node without one attached; `context()` gives a
  // console whose methods reach only an inspector (nothing is logged), `createTask()` runs a function.
  const { console: own, emit } = methods((level, text) => internal.native.log(level, text));
  const nothing = { clear() {}, profile() {}, profileEnd() {}, timeStamp() {} };
  const INSPECTOR_ONLY = ['dir', 'dirXml', 'table', 'groupEnd', 'clear', 'count', 'countReset', 'profile', 'profileEnd',
    'timeLog', 'debug', 'error', 'info', 'log', 'warn', 'trace', 'group', 'groupCollapsed', 'assert', 'time', 'timeEnd',
    'timeStamp'];
  const extra = {
    Console,
    profile: nothing.profile,
    profileEnd: nothing.profileEnd,
    timeStamp: nothing.timeStamp,
    context: { context(name) { // V8's: its methods on an object whose prototype is an empty object
      return Object.assign(Object.create({}), Object.fromEntries(INSPECTOR_ONLY.map((key) => [key, { [key]() {} }[key]])));
    } }.context,
    createTask: { createTask(name) {
      if (typeof name !== 'string' || name === '') throw new Error('First argument must be a non-empty string.');
      const task = Object.create(Object.create(null)); // V8's: on an empty object with no prototype
      task.run = { run(f) { return f(); } }.run;
      return task;
    } }.createTask,
  };
  const console = {};
  Object.defineProperty(console, Symbol.toStringTag, { value: 'console', writable: false, enumerable: false, configurable: true });
  for (const name of ['log', 'warn', 'dir', 'time', 'timeEnd', 'timeLog', 'trace', 'assert', 'clear', 'count', 'countReset',
    'group', 'groupEnd', 'table', 'debug', 'info', 'dirxml', 'error', 'groupCollapsed', 'Console', 'profile', 'profileEnd',
    'timeStamp', 'context', 'createTask']) {
    console[name] = own[name] ?? extra[name] ?? nothing[name];
  }
  module.exports = console;
  internal.log = emit;
});
