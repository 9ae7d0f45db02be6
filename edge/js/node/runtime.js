// The invocation loop's JavaScript half (the C half is edge_handle in engine/edge_js.c):
// dispatch() starts the handler on one event; poll() is called whenever no promise job is left,
// and either fires the next timer (virtual time), or ends the invocation with the result JSON
// or an error code after logging the error as Lambda's Node.js runtime does. In a `reuse` instance,
// timers an earlier invocation left pending that are due by the clock fire first, one per poll()
// (the jobs they queue run in between), and then the handler starts (resume()).
const hooks = (function () {
  // The virtual time timers skipped is kept in the engine, where QuickJS's Date reads the clock too
  // (engine/edge_js.c, "the clock"): Date.now(), new Date() and Date() are the engine's own, on the
  // same clock as timers, performance.now() and process.hrtime().
  Object.defineProperty(internal, 'skew', {
    get: () => internal.native.skew(),
    set: (ms) => { internal.native.skew(ms); },
    enumerable: true, configurable: true,
  });
  // performance.timeOrigin: the wall time at which performance.now() was 0, by this invocation's wall
  // clock, so timeOrigin + performance.now() is Date.now() (with its fraction), as in Node
  internal.wallOrigin = () => internal.native.wallBase() + internal.timeOrigin;
  const util = requireBuiltin('util');
  const timers = requireBuiltin('timers');
  const loop = internal.timers;
  // The handler failed, and the ERROR line just logged (Lambda's `Invoke Error {...}` and the like)
  // is the whole reason: the ABI's reserved code for that (docs/abi.md), so the host adds no code to it.
  const HANDLER_ERROR = 500;
  const OUT_OF_MEMORY = 4; // the C side then shows the host the memory cap reached (engine/edge_js.c)
  const TIMED_OUT = 408; // the next timer would fire past the function's timeout: the ABI's reserved timeout code
  let handler = null;
  // Lambda's runtime calls the handler as a method of its Runtime object (`this.handler(event,
  // context, callback)`): `this` in a handler is that object, and V8 names the handler's frames
  // after it (`at Runtime.handler (file:///var/task/index.mjs:3:9)`; `at exports.handler` for one
  // named by what it was assigned to), as here (engine/stack_frames.h)
  class Runtime { constructor(fn) { this.handler = fn; } }
  let runtime = null;
  let handlerModule = null;
  let current = null;
  let functionInfo = null;
  let invocations = 0; // this instance's invocations so far: the current one's number (timers.js reads it)
  internal.invocationNumber = () => invocations;
  let resuming = null; // { seq, time } while timers earlier invocations left fire, before the handler starts (loop.cutoff())
  let resumingEvent;

  // Globals Node has (QuickJS brings the language, atob/btoa, queueMicrotask, DOMException).
  globalThis.global = globalThis;
  const consoleObject = requireBuiltin('console');
  globalThis.console = consoleObject;
  for (const name of ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate']) {
    globalThis[name] = timers[name];
  }
  // queueMicrotask (and process.nextTick, which queues one): a callback that throws is an uncaught
  // exception, as in Node, where QuickJS only reports it to the C side, which logs and goes on. The
  // invocation fails at the next poll() as for a timer that throws (Lambda's `Uncaught Exception`
  // line; the function's own 'uncaughtException' listeners are told then), and the build fails
  // while the function loads.
  const jobErrors = [];
  const nativeQueueMicrotask = globalThis.queueMicrotask;
  globalThis.queueMicrotask = { queueMicrotask(callback) {
    if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
    nativeQueueMicrotask(() => {
      try {
        callback();
      } catch (err) {
        jobErrors.push(err);
      }
    });
  } }.queueMicrotask;
  lazyGlobal('process', () => requireBuiltin('process'));
  lazyGlobal('Buffer', () => requireBuiltin('buffer').Buffer);
  lazyGlobal('URL', () => requireBuiltin('url').URL);
  lazyGlobal('URLSearchParams', () => requireBuiltin('url').URLSearchParams);
  lazyGlobal('TextEncoder', () => requireBuiltin('internal/encoding').TextEncoder);
  lazyGlobal('TextDecoder', () => requireBuiltin('internal/encoding').TextDecoder);
  lazyGlobal('crypto', () => requireBuiltin('crypto').webcrypto);
  lazyGlobal('Crypto', () => (requireBuiltin('crypto'), internal.Crypto));
  if (builtinFactories['internal/webcrypto'] !== undefined) { // a function naming subtle, CryptoKey or SubtleCrypto
    lazyGlobal('CryptoKey', () => requireBuiltin('internal/webcrypto').CryptoKey);
    lazyGlobal('SubtleCrypto', () => requireBuiltin('internal/webcrypto').SubtleCrypto);
  }
  if (builtinFactories['internal/abort'] !== undefined) { // a function naming AbortController, AbortSignal, EventTarget or Event
    for (const name of ['Event', 'EventTarget', 'AbortController', 'AbortSignal']) {
      lazyGlobal(name, () => requireBuiltin('internal/abort')[name]);
    }
  }
  if (builtinFactories['internal/headers'] !== undefined) { // a function naming Headers
    lazyGlobal('Headers', () => requireBuiltin('internal/headers').Headers);
  }
  lazyGlobal('structuredClone', () => requireBuiltin('internal/clone').structuredClone);
  lazyGlobal('performance', () => ({
    now: () => internal.now() - internal.timeOrigin,
    get timeOrigin() { return internal.wallOrigin(); },
    mark() {}, measure() {},
  }));
  internal.timeOrigin = 0;
  // fetch is a global in Node 18+, so it is one here, refusing (a rejected promise, as fetch fails).
  // Node 20 has no XMLHttpRequest or WebSocket: defining them would make packages take browser paths.
  // With Request here (a function naming it), the arguments are read as Node's fetch reads them first,
  // so a bad URL or a used body gets Node's TypeError before the refusal.
  globalThis.fetch = function fetch(resource, options = undefined) {
    if (builtinFactories['internal/request'] !== undefined) {
      try {
        new (requireBuiltin('internal/request').Request)(resource, options);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return Promise.reject(internal.unavailable('fetch()', internal.NO_NETWORK));
  };
  // The host passes [name, version, memory MiB, timeout ms] as WASI argv (read once per instance,
  // with the context fields derived from them).
  function info() {
    if (functionInfo === null) {
      const argv = internal.native.argv();
      const name = argv[0] || 'function';
      const version = argv[1] || '$LATEST';
      functionInfo = {
        name, version, memory: argv[2] || '128', timeout: Number(argv[3]) || 0,
        arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}:${version}`,
        logGroup: `/aws/lambda/us-east-1.${name}`,
        logStream: `edge/[${version}]`,
      };
    }
    return functionInfo;
  }

  // The reserved variables Lambda sets that hold here too (per instance: an instance serves one
  // version). No credentials, X-Ray or runtime API ones: there is nothing behind them.
  internal.lambdaEnv = () => {
    const fi = info();
    return {
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: fi.name,
      AWS_LAMBDA_FUNCTION_VERSION: fi.version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fi.memory),
      AWS_LAMBDA_LOG_GROUP_NAME: fi.logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: fi.logStream,
      LAMBDA_TASK_ROOT: '/var/task',
      _HANDLER: CONFIG.handler,
      TZ: ':UTC',
    };
  };

  // Lambda's context: data fields (as Lambda's own object has) and four small functions.
  function makeContext(event, invocation) {
    const record = event && event.Records && event.Records[0] && event.Records[0].cf;
    const config = (record && record.config) || {};
    const started = internal.now();
    const fi = info();
    const timeout = fi.timeout || (String(config.eventType).startsWith('origin') ? 30000 : 5000);
    invocation.timeout = timeout;
    invocation.deadline = started + timeout;
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fi.name,
      functionVersion: fi.version,
      invokedFunctionArn: fi.arn,
      memoryLimitInMB: fi.memory,
      awsRequestId: config.requestId || '',
      logGroupName: fi.logGroup,
      logStreamName: fi.logStream,
      identity: undefined,
      clientContext: undefined,
      getRemainingTimeInMillis: () => Math.max(0, Math.round(started + timeout - internal.now())),
      done: (err, result) => invocation.finish(err, result, true),
      succeed: (result) => invocation.finish(null, result, true),
      fail: (err) => invocation.finish(err == null ? new Error('handled') : err, undefined, true),
    };
  }

  // Lambda's Node.js runtime logs a failure as `Invoke Error \t<JSON>`: an Error as its name, message
  // and code, then its own enumerable properties and its stack's lines (an Error nested in it alike);
  // any other value as JSON.stringify gives it (`"text"`, `42`, `{"detail":1}`); one that cannot be
  // stringified (a cycle, a BigInt) as its name, message and trace alone.
  // error.stack's lines as V8 has them: a stack with no frames is its first line alone (errorStack
  // gives it in brackets, as util.inspect shows such an error)
  function stackLines(err) {
    const text = internal.errorStack(err);
    return (text.startsWith('[') && text.endsWith(']') && !text.includes('\n') ? text.slice(1, -1) : text).split('\n');
  }

  function withEnumerableProperties(value) {
    if (!(value instanceof Error)) return value;
    const out = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
    out.stack = stackLines(value);
    return out;
  }

  function rapidResponse(err) {
    try {
      if (err instanceof Error) {
        return { errorType: err.name, errorMessage: err.message, trace: stackLines(err) };
      }
      return { errorType: typeof err, errorMessage: String(err), trace: [] };
    } catch (e) {
      return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem '
        + 'while retrieving one or more of its message, name, and stack' };
    }
  }

  function formatted(err) {
    let errors = 0; // an Error that holds itself is a new object at every level: V8 runs out of stack
    try {
      return String(JSON.stringify(err, (key, value) => {
        if (value instanceof Error && ++errors > 1000) throw new RangeError('Maximum call stack size exceeded');
        return withEnumerableProperties(value);
      }));
    } catch (e) {
      return JSON.stringify(rapidResponse(err));
    }
  }

  // An unhandled rejection's reason, in the record Runtime.UnhandledPromiseRejection carries.
  function errorRecord(err) {
    if (err instanceof Error || (err && typeof err === 'object' && 'message' in err)) {
      const stackText = internal.errorStack(err);
      return {
        errorType: err.name || (err.constructor && err.constructor.name) || 'Error',
        errorMessage: err.message === undefined ? '' : String(err.message),
        stack: stackText.split('\n'),
      };
    }
    let text;
    try { text = typeof err === 'string' ? err : JSON.stringify(err); } catch (e) { text = String(err); }
    return { errorType: 'string', errorMessage: text === undefined ? String(err) : text, stack: [] };
  }

  function logInvokeError(err) {
    internal.native.log(3, `Invoke Error \t${formatted(err)}`);
  }

  // The process object, if the function loaded it and listens for `event`.
  function listening(event) {
    const cached = builtinCache.process;
    return cached !== undefined && cached.exports.listenerCount(event) > 0 ? cached.exports : null;
  }

  // Lambda's Node.js runtime installs its own 'uncaughtException' and 'unhandledRejection' listeners
  // before the function's code loads: they log the error, fail the invocation (or the start) and end
  // the environment, whatever listeners the function adds. Those are called too, after the
  // runtime's line, as they would be there; one that throws is logged (Node would exit).
  function tellListeners(event, ...args) {
    const proc = listening(event);
    if (proc === null) return;
    try {
      proc.emit(event, ...args);
    } catch (err) {
      internal.native.log(3, `a process '${event}' listener threw: ${formatted(err)}`);
    }
  }

  function isOutOfMemory(err) {
    return err instanceof Error && err.name === 'InternalError' && err.message === 'out of memory';
  }

  // A timer callback threw: Lambda's runtime logs it as an uncaught exception and fails the invocation.
  // So does a timer an earlier invocation left, fired as this one starts: on Lambda the runtime's
  // handler fails the invocation in progress and exits, and the next one finds a fresh environment
  // (here the instance is replaced after a failure).
  function uncaught(err, resumed) {
    current = null;
    if (resumed) {
      internal.native.log(2, `${loop.describe(resumed)}, left pending when an earlier invocation of this warm instance ` +
        'returned, fired as this invocation started and threw: its uncaught exception fails this invocation, as on ' +
        'Lambda (clear the timer before the handler returns, or catch inside its callback)');
    }
    internal.native.log(3, `Uncaught Exception \t${formatted(err)}`);
    tellListeners('uncaughtException', err, 'uncaughtException');
    return isOutOfMemory(err) ? OUT_OF_MEMORY : HANDLER_ERROR;
  }

  // A promise was rejected and, once every job had run, nothing handled it: Node (and Lambda's
  // runtime) end the invocation with Runtime.UnhandledPromiseRejection.
  function unhandled() {
    const rejected = [...internal.rejections];
    internal.rejections.clear();
    current = null;
    const reason = rejected[0][1];
    const message = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
    internal.native.log(3, `Unhandled Promise Rejection \t${JSON.stringify({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: message,
      reason: errorRecord(reason),
      promise: {},
      stack: [`Runtime.UnhandledPromiseRejection: ${message}`],
    })}`);
    for (const [promise, rejection] of rejected) tellListeners('unhandledRejection', rejection, promise);
    return HANDLER_ERROR;
  }

  // Fire the next timer: 0, or null when none is pending, or an error code. A timer due past the
  // function's timeout ends the invocation as Lambda's timeout would, at once (virtual time).
  function runTimer(invocation) {
    const timer = loop.next();
    if (timer === null) return null;
    if (timer._due > invocation.deadline) return timedOut(invocation, timer);
    try {
      loop.fire(timer);
      return 0;
    } catch (err) {
      return uncaught(err);
    }
  }

  function timedOut(invocation, timer) {
    current = null;
    const seconds = (invocation.timeout / 1000).toFixed(2);
    const due = Math.round(timer._due - (invocation.deadline - invocation.timeout));
    const state = invocation.finished
      ? 'the callback was called, but context.callbackWaitsForEmptyEventLoop is true, so the invocation waits ' +
        'for every timer, as in Lambda (clear the timer, or set callbackWaitsForEmptyEventLoop = false)'
      : 'the handler had not produced its result';
    const earlier = timer._invocation !== 0 && timer._invocation < invocations ? ' (set by an earlier invocation)' : '';
    internal.native.log(3, `Task timed out after ${seconds} seconds: ${state}, and ${loop.describe(timer)}${earlier} was still ` +
      `pending, due ${due} ms into the invocation (timers run on virtual time, so the timeout comes at once)`);
    return TIMED_OUT;
  }

  class Invocation {
    constructor() {
      this.finished = false;
      this.viaCallback = false;
      this.error = undefined;
      this.failed = false;
      this.result = undefined;
      this.context = null;
    }
    finish(err, result, viaCallback) {
      if (this.finished || current !== this) return;
      this.finished = true;
      this.viaCallback = viaCallback;
      if (err !== null && err !== undefined) {
        this.failed = true;
        this.error = err;
      } else {
        this.result = result;
      }
    }
  }

  function dispatch(eventOrJson) {
    const event = typeof eventOrJson === 'string' ? JSON.parse(eventOrJson) : eventOrJson;
    const invocation = current = new Invocation();
    invocation.context = makeContext(event, invocation);
    resuming = null; // (an invocation that failed while resuming discarded its instance anyway)
    if (++invocations > 1 && loop.pending.size !== 0) {
      const since = loop.cutoff();
      if (loop.resumable(since) !== null) { // poll() fires them, then starts the handler
        resuming = since;
        resumingEvent = event;
        return;
      }
    }
    start(invocation, event);
  }

  // Fire the next timer an earlier invocation left that is due, or (none left) start the handler.
  function resume(invocation) {
    const timer = loop.resumable(resuming);
    if (timer !== null) {
      try {
        loop.fire(timer);
        return 0;
      } catch (err) {
        return uncaught(err, timer);
      }
    }
    const event = resumingEvent;
    resuming = null;
    resumingEvent = undefined;
    start(invocation, event);
    return 0;
  }

  function start(invocation, event) {
    const context = invocation.context;
    const callback = (err, result) => invocation.finish(err, result, true);
    // Each invocation's handler starts outside any AsyncLocalStorage store (async_hooks.js): an
    // earlier invocation's run() still pending in a `reuse` instance must not hand it its store.
    const asyncContext = internal.asyncContext;
    if (asyncContext !== undefined) asyncContext.current = asyncContext.empty;
    let returned;
    try {
      returned = runtime.handler(event, context, callback);
    } catch (err) {
      invocation.finish(err === undefined ? new Error('undefined') : err, undefined, false);
      return;
    }
    if (returned !== null && (typeof returned === 'object' || typeof returned === 'function') && typeof returned.then === 'function') {
      invocation.promised = true;
      returned.then(
        (value) => invocation.finish(null, value, false),
        (err) => invocation.finish(err === undefined || err === null ? new Error(`Promise rejected with ${err}`) : err, undefined, false),
      );
    } else if (returned !== undefined) {
      // Lambda's Node.js runtime ignores anything but a promise (or the callback), whatever the arity
      invocation.returned = true;
    }
  }

  function poll() {
    const invocation = current;
    if (jobErrors.length) {
      const err = jobErrors[0];
      jobErrors.length = 0;
      return uncaught(err);
    }
    if (internal.rejections.size) {
      const code = unhandled();
      if (code !== 0 || current === null) return code;
    }
    if (resuming !== null) return resume(invocation);
    if (invocation.finished) {
      const waits = invocation.viaCallback && invocation.context.callbackWaitsForEmptyEventLoop;
      if (waits) {
        const fired = runTimer(invocation);
        if (fired !== null) return fired;
      }
      return complete(invocation);
    }
    const fired = runTimer(invocation);
    if (fired !== null) return fired;
    // Nothing left to run and no result: Lambda's runtime then answers null (which CloudFront
    // refuses with a 502). Say why, and how to fix it.
    current = null;
    internal.native.log(2, noResult(invocation));
    return 'null';
  }

  function noResult(invocation) {
    const fix = 'Make the handler async and return the result (async (event) => ...), or call callback(null, result).';
    if (invocation.promised) {
      return 'The handler returned a promise that never settled, and nothing left to run could settle it: ' +
        'the result is null, as in Lambda, which CloudFront refuses. Make sure every promise the handler awaits ' +
        'is resolved or rejected.';
    }
    if (invocation.returned) {
      return 'The handler returned a value that is not a promise and never called its callback: Lambda\'s Node.js ' +
        'runtime ignores such a return value, so the result is null, which CloudFront refuses. ' + fix;
    }
    return 'The handler returned without calling its callback, returning a promise, or leaving anything that could ' +
      'call back: the result is null, as in Lambda, which CloudFront refuses. ' + fix;
  }

  // A result of undefined (an async handler that forgot its `return`, callback(null)) is null, as in
  // Lambda, which CloudFront refuses: say which case it was and how to fix it.
  function undefinedResult(invocation) {
    const refused = 'the result is null, as in Lambda, which CloudFront refuses.';
    if (invocation.viaCallback) {
      return `The handler called its callback without a result (callback(null) or callback()): ${refused} ` +
        'Pass the request or response: callback(null, request).';
    }
    const fix = 'Did you forget to return the request (or the response you made)? End the handler with `return request;`.';
    if (handler.length >= 3) {
      return `The handler's promise resolved to undefined: ${refused} ${fix} An async handler's callback is ` +
        'ignored once its promise has settled, as in Lambda\'s Node.js runtime: return the result from the async ' +
        'function, or make the handler a plain (non-async) function that calls callback(null, result).';
    }
    return `The handler's promise resolved to undefined: ${refused} ${fix}`;
  }

  function complete(invocation) {
    current = null;
    if (invocation.failed) {
      logInvokeError(invocation.error);
      return isOutOfMemory(invocation.error) ? OUT_OF_MEMORY : HANDLER_ERROR;
    }
    if (invocation.result === undefined) internal.native.log(2, undefinedResult(invocation));
    let json;
    try {
      json = JSON.stringify(invocation.result === undefined ? null : invocation.result);
    } catch (err) {
      internal.native.log(3, `Invoke Error \t${JSON.stringify({
        errorType: 'Runtime.MalformedResult',
        errorMessage: `the handler's result cannot be serialized to JSON: ${err.message}`,
        stack: [],
      })}`);
      return HANDLER_ERROR;
    }
    return json === undefined ? 'null' : json;
  }

  // The event loop while the function loads, as Node's runs before the first event arrives
  // (edge_js.c calls loadTick until it returns false, running the promise jobs each firing queues in
  // between, then ready()). Virtual time, as in requests: nothing waits in real time.
  // - While an ES module is still evaluating (a top-level await), every timer, interval and
  //   immediate fires in Node's order until it settles, up to LOAD_WAIT of virtual time after loading
  //   began (Lambda's init phase is limited to 10 s): a wait for a timer due later fails the build.
  // - Once the module has evaluated (a CommonJS one at once), setImmediate and setTimeout callbacks
  //   due within SETTLE of that fire (setTimeout(fn, 0) at the top level has run when the first
  //   event comes, as in Node), and those they set within it; an interval, or a timer due later,
  //   stays pending, as before, and does not hold the build.
  // At most MAX_LOAD_FIRINGS in all (an immediate that sets itself again forever). The clock is set
  // back afterwards: the virtual time skipped while loading is not in every instance's clock.
  const LOAD_WAIT = 10000;
  const SETTLE = 1000;
  const MAX_LOAD_FIRINGS = 100000;
  let loading = null;
  function loadTick() {
    if (loading === null) loading = { start: internal.now(), skew: internal.skew, settled: null, firings: 0, late: null };
    const evaluating = handlerModule.pending();
    if (!evaluating && loading.settled === null) loading.settled = internal.now();
    let timer = null;
    if (internal.rejections.size === 0 && jobErrors.length === 0 && loading.firings < MAX_LOAD_FIRINGS) {
      if (evaluating) {
        timer = loop.next(); // what Node's loop would wait for (an unref'd timer alone does not keep it)
        if (timer !== null && timer._due > loading.start + LOAD_WAIT) {
          loading.late = timer;
          timer = null;
        }
      } else {
        const horizon = loading.settled + SETTLE;
        for (const t of loop.pending.values()) {
          if (t._repeat !== null || t._due > horizon) continue;
          if (timer === null || t._due < timer._due || (t._due === timer._due && t._seq < timer._seq)) timer = t;
        }
      }
    }
    if (timer === null) {
      const skipped = internal.skew - loading.skew;
      internal.skew = loading.skew;
      for (const t of loop.pending.values()) t._due -= skipped;
      return false;
    }
    loading.firings++;
    try {
      loop.fire(timer);
    } catch (err) {
      throw new loader.BuildError(`${loop.describe(timer)}, set while the function loaded, threw and nothing caught it ` +
        `(Lambda's runtime fails the function's start, whatever 'uncaughtException' listeners it has): ${
          internal.errorStack(err instanceof Error ? err : new Error(String(err)))}`);
    }
    return true;
  }

  const PRELOADED_GLOBALS = new Set(['Buffer', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'process', 'structuredClone',
    'crypto']);

  function ready() {
    if (jobErrors.length) {
      const err = jobErrors[0];
      throw new loader.BuildError('a queueMicrotask or process.nextTick callback threw while the function loaded and ' +
        `nothing caught it (Node would exit before the first event): ${internal.errorStack(err instanceof Error ? err : new Error(String(err)))}`);
    }
    if (internal.rejections.size) {
      const reason = internal.rejections.values().next().value;
      throw new loader.BuildError(`a promise was rejected while the function loaded and nothing handled it: ${
        internal.errorStack(reason instanceof Error ? reason : new Error(String(reason)))}`);
    }
    const loaded = handlerModule;
    if (loaded.pending()) {
      if (loading !== null && loading.late !== null) {
        throw new loader.BuildError(`the ES module never finished evaluating: its top-level await waits for ` +
          `${loop.describe(loading.late)}, due ${Math.round(loading.late._due - loading.start)} ms after the function ` +
          `began to load, past the ${LOAD_WAIT / 1000} s that timers may run while it loads (Lambda's init phase is limited ` +
          'to 10 s). Wait for less, or do it in the handler');
      }
      if (loading !== null && loading.firings >= MAX_LOAD_FIRINGS) {
        throw new loader.BuildError('the ES module never finished evaluating: 100,000 ' +
          'timers and immediates fired while it loaded without its top-level await settling (one that sets itself ' +
          'again forever? Timers run on virtual time, where an immediate takes none)');
      }
      throw new loader.BuildError('the ES module never finished evaluating (a top-level await that never settles)');
    }
    const exports = loaded.get();
    const name = CONFIG.exportName;
    let value = exports;
    for (const part of name.split('.')) value = value == null ? undefined : value[part];
    if (typeof value !== 'function') {
      // A package with one export per hook (viewerRequest, viewerResponse) is built once per handler.
      const others = value === undefined && exports !== null && typeof exports === 'object'
        ? Object.keys(exports).filter((key) => typeof exports[key] === 'function') : [];
      const module = CONFIG.handler.slice(0, CONFIG.handler.length - name.length);
      throw new loader.BuildError(`${CONFIG.entryName}: the handler '${CONFIG.handler}' is not a function ` +
        `(export '${name}' is ${value === undefined ? 'missing' : typeof value}). ` +
        (others.length ? `It exports ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}: name one ` +
          `as the handler, e.g. ${module}${others[0]} (--handler, or handler = in a manifest)`
          : loader.formats[CONFIG.entry] === 'esm' ? `Use export const ${name} = async (event) => {...}`
            : `Use exports.${name} = async (event) => {...}`));
    }
    handler = value;
    runtime = new Runtime(value);
    for (const name of CONFIG.preload) {
      if (PRELOADED_GLOBALS.has(name)) {
        void globalThis[name];
      } else if (builtinFactories[name]) {
        requireBuiltin(name);
      }
    }
    for (const name of loader.builtinsUsed) requireBuiltin(name);
    if (internal.warmups) for (const warm of internal.warmups) warm();
    buildReadWarnings();
    internal.initializing = false;
    return true;
  }

  // Reads at the top level that differ at run time, from the function's own files (not node_modules:
  // many packages read the clock or NODE_ENV as they load). A process.env name unset while the
  // function is built (the environment is set only when the handler runs; Lambda sets it before the
  // module loads), and the clock (the snapshot keeps the build's time: caught where a Date is read,
  // Date.now() or a Date method, patched while building only). Each warns once at the end of the
  // build, naming the first place.
  const buildReads = { env: new Map(), clock: null, looks: 0 };
  function ownSite() { // 'index.js:3:12' for the caller's first frame in the package, if it is the function's own
    if (buildReads.looks++ > 5000) return null; // a package reading in a loop: stop looking
    let stack;
    const prepare = Error.prepareStackTrace; // the engine's frames, not a user's remapped ones
    Error.prepareStackTrace = undefined;
    try {
      stack = internal.unwrapColumns(String(new Error().stack));
    } catch {
      return null;
    } finally {
      Error.prepareStackTrace = prepare;
    }
    const root = `${CONFIG.root}/`;
    for (const line of stack.split('\n')) {
      const frame = /\(?(?:file:\/\/)?(\/[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
      if (frame === null || !frame[1].startsWith(root)) continue;
      const path = frame[1].slice(root.length);
      return path.split('/').includes('node_modules') ? null : `${path}:${frame[2]}:${frame[3]}`;
    }
    return null;
  }
  // (NODE_DEBUG: packages read it as they load to switch on their debug output, bundled ones too, as
  // semver's does in an esbuild bundle: no setting a function depends on)
  const NOT_ENV_NAMES = new Set(['then', 'toJSON', 'inspect', 'asymmetricMatch', 'nodeType', '$$typeof', 'NODE_DEBUG']);
  internal.noteEnvRead = (name) => {
    if (!internal.initializing || buildReads.env.has(name) || buildReads.env.size >= 5 || NOT_ENV_NAMES.has(name)) return;
    const site = ownSite();
    if (site !== null) buildReads.env.set(name, site);
  };
  const dateRestores = [];
  function noteClock() {
    if (internal.initializing && buildReads.clock === null) buildReads.clock = ownSite();
  }
  function patchClock() {
    const realNow = Date.now; // (no time kept here: the snapshot would differ from build to build)
    Date.now = function now() {
      noteClock();
      return realNow();
    };
    dateRestores.push(() => { Date.now = realNow; });
    const proto = Date.prototype;
    for (const name of ['toISOString', 'toJSON', 'toString', 'toUTCString', 'toDateString', 'toTimeString', 'toLocaleString',
      'toLocaleDateString', 'toLocaleTimeString', 'getTime', 'valueOf', 'getFullYear', 'getUTCFullYear', 'getMonth',
      'getUTCMonth', 'getDate', 'getUTCDate', 'getDay', 'getUTCDay', 'getHours', 'getUTCHours', 'getMinutes', 'getUTCMinutes',
      'getSeconds', 'getUTCSeconds', 'getMilliseconds', 'getUTCMilliseconds']) {
      const real = proto[name];
      if (typeof real !== 'function') continue;
      const patched = {
        [name](...args) {
          if (buildReads.clock === null && this instanceof Date) { // a date within a day of the build's time:
            const time = realGetTime.call(this); // one made from the clock (toJSON is generic: `this` may be any object)
            if (Math.abs(time - realNow()) < 864e5) noteClock();
          }
          return real.apply(this, args);
        },
      }[name];
      Object.defineProperty(proto, name, { value: patched, writable: true, configurable: true });
      dateRestores.push(() => Object.defineProperty(proto, name, { value: real, writable: true, configurable: true }));
    }
  }
  const realGetTime = Date.prototype.getTime;
  function buildReadWarnings() {
    for (const restore of dateRestores.splice(0)) restore();
    const warn = (text) => internal.native.log(2, `edge-build-warning: ${text}`);
    if (buildReads.env.size) {
      const reads = [...buildReads.env].map(([name, site]) => `process.env.${name} (${site})`);
      warn(`the top level read ${reads.join(', ')} while the function was built, when ${reads.length === 1 ? 'it is' : 'they are'} ` +
        'undefined: the environment (the function\'s env setting, AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, ...) is set only ' +
        'when the handler runs, while Lambda sets it before the module loads. Read process.env inside the handler.');
    }
    if (buildReads.clock) {
      warn(`the top level read the clock while the function was built (first at ${buildReads.clock}): the snapshot ` +
        'keeps the build\'s time, so a time or date made there is the same in every instance and request. Call ' +
        'Date.now() or new Date() inside the handler.');
    }
  }

  internal.initializing = true;
  patchClock();
  try {
    handlerModule = loader.loadHandler();
  } catch (err) {
    if (err instanceof loader.BuildError) {
      throw err;
    }
    throw err;
  }

  return {
    dispatch, poll, ready, loadTick,
    resolve: (name, base, attributes) => loader.esmResolve(name, base, attributes),
    source: (name) => loader.esmSource(name),
  };
})();
hooks;
