// require('perf_hooks'): Node's performance, on the clock performance.now() reads here (virtual time
// moved forward by timers, docs/javascript.md): now(), timeOrigin, the User Timing marks and measures
// (mark, measure with Node's start/end/duration options and errors, getEntries*, clearMarks,
// clearMeasures, toJSON), timerify (the function itself, as Node gives it with no observer),
// eventLoopUtilization (all idle: nothing is measured) and nodeTiming's shape. Loading it makes the
// global performance this object, as Node's is one. PerformanceObserver can observe but never fires
// (Node's entries come from its event loop, GC and network, none of which is here), monitorEventLoopDelay
// and createHistogram give histograms that stay empty. Put into a function whose sources name
// 'perf_hooks' (edge/js/build.py's ON_DEMAND).
defineBuiltin('perf_hooks', function (exports, require, module, internal) {
  const now = () => internal.now() - internal.timeOrigin;
  const kData = Symbol('kData');
  const illegal = () => internal.codeError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');

  class PerformanceEntry {
    constructor(skip) { if (skip !== kData) throw illegal(); }
    get name() { return this[kData].name; }
    get entryType() { return this[kData].entryType; }
    get startTime() { return this[kData].startTime; }
    get duration() { return this[kData].duration; }
    toJSON() { return { name: this.name, entryType: this.entryType, startTime: this.startTime, duration: this.duration }; }
    [internal.inspectCustom](depth, options, inspect) {
      return `${this.constructor.name} ${(inspect || require('util').inspect)(this.toJSON(), options)}`;
    }
  }
  function entry(Ctor, data) {
    const e = Object.create(Ctor.prototype);
    Object.defineProperty(e, kData, { value: data });
    return e;
  }
  class PerformanceMark extends PerformanceEntry {
    constructor(name, options) {
      super(kData);
      if (arguments.length === 0) throw internal.codeError(TypeError, 'ERR_MISSING_ARGS', 'The "name" argument must be specified');
      name = `${name}`;
      if (options != null && typeof options !== 'object') throw internal.argType('options', 'of type object', options);
      let startTime = options?.startTime ?? now();
      if (typeof startTime !== 'number') throw internal.argType('options.startTime', 'of type number', startTime);
      if (startTime < 0) throw internal.codeError(TypeError, 'ERR_PERFORMANCE_INVALID_TIMESTAMP', `${startTime} is not a valid timestamp`);
      let detail = options?.detail;
      detail = detail != null ? structuredClone(detail) : null;
      Object.defineProperty(this, kData, { value: { name, entryType: 'mark', startTime, duration: 0, detail } });
    }
    get detail() { return this[kData].detail; }
    toJSON() { return { ...super.toJSON(), detail: this.detail }; }
  }
  class PerformanceMeasure extends PerformanceEntry {
    constructor() { throw illegal(); }
    get detail() { return this[kData].detail; }
    toJSON() { return { ...super.toJSON(), detail: this.detail }; }
  }
  class PerformanceResourceTiming extends PerformanceEntry {
    constructor() { throw illegal(); }
  }

  const buffer = []; // marks and measures, in the order they were made
  const markTimings = new Map();
  function getMark(name) {
    if (name === undefined) return undefined;
    if (typeof name === 'number') {
      if (name < 0) throw internal.codeError(TypeError, 'ERR_PERFORMANCE_INVALID_TIMESTAMP', `${name} is not a valid timestamp`);
      return name;
    }
    name = `${name}`;
    const ts = markTimings.get(name);
    if (ts === undefined) throw new DOMException(`The "${name}" performance mark has not been set`, 'SyntaxError');
    return ts;
  }
  const invalidOptions = (why) => internal.codeError(TypeError, 'ERR_PERFORMANCE_MEASURE_INVALID_OPTIONS', why);
  function calculateStartDuration(startOrMeasureOptions, endMark) {
    startOrMeasureOptions ??= 0;
    let start, end, duration;
    let optionsValid = false;
    if (typeof startOrMeasureOptions === 'object') {
      ({ start, end, duration } = startOrMeasureOptions);
      optionsValid = start !== undefined || end !== undefined;
    }
    if (optionsValid) {
      if (endMark !== undefined) throw invalidOptions('endMark must not be specified');
      if (start !== undefined && end !== undefined && duration !== undefined) {
        throw invalidOptions('Must not have options.start, options.end, and options.duration specified');
      }
    }
    if (endMark !== undefined) end = getMark(endMark);
    else if (optionsValid && end !== undefined) end = getMark(end);
    else if (optionsValid && start !== undefined && duration !== undefined) end = getMark(start) + getMark(duration);
    else end = now();
    if (typeof startOrMeasureOptions === 'string') start = getMark(startOrMeasureOptions);
    else if (optionsValid && start !== undefined) start = getMark(start);
    else if (optionsValid && duration !== undefined && end !== undefined) start = end - getMark(duration);
    else start = 0;
    return { start, duration: end - start };
  }

  const filtered = (test) => buffer.filter(test).sort((a, b) => a.startTime - b.startTime);
  class Performance {
    constructor() { throw illegal(); }
    now() { return now(); }
    get timeOrigin() { return internal.wallOrigin(); }
    mark(name, options) {
      const m = new PerformanceMark(name, options);
      markTimings.set(m.name, m.startTime);
      buffer.push(m);
      return m;
    }
    measure(name, startOrMeasureOptions, endMark) {
      if (typeof name !== 'string') throw internal.argType('name', 'of type string', name);
      const { start, duration } = calculateStartDuration(startOrMeasureOptions, endMark);
      let detail = startOrMeasureOptions?.detail;
      detail = detail != null ? structuredClone(detail) : null;
      const m = entry(PerformanceMeasure, { name, entryType: 'measure', startTime: start, duration, detail });
      buffer.push(m);
      return m;
    }
    clearMarks(name) { clear('mark', name); if (name === undefined) markTimings.clear(); else markTimings.delete(`${name}`); }
    clearMeasures(name) { clear('measure', name); }
    clearResourceTimings() {}
    setResourceTimingBufferSize() {}
    markResourceTiming() {}
    getEntries() { return filtered(() => true); }
    getEntriesByName(name, type) {
      name = `${name}`;
      return filtered((e) => e.name === name && (type === undefined || e.entryType === `${type}`));
    }
    getEntriesByType(type) {
      type = `${type}`;
      return filtered((e) => e.entryType === type);
    }
    get nodeTiming() {
      return { name: 'node', entryType: 'node', startTime: 0, duration: now(), nodeStart: 0, v8Start: 0,
        bootstrapComplete: 0, environment: 0, loopStart: -1, loopExit: -1, idleTime: 0 };
    }
    eventLoopUtilization() { return { idle: 0, active: 0, utilization: 0 }; }
    timerify(fn) {
      if (typeof fn !== 'function') throw internal.argType('fn', 'of type function', fn);
      return fn;
    }
    toJSON() {
      return { nodeTiming: this.nodeTiming, timeOrigin: this.timeOrigin, eventLoopUtilization: this.eventLoopUtilization() };
    }
  }
  function clear(type, name) {
    for (let i = buffer.length - 1; i >= 0; i--) {
      if (buffer[i].entryType === type && (name === undefined || buffer[i].name === `${name}`)) buffer.splice(i, 1);
    }
  }
  const performance = Object.create(Performance.prototype);

  class PerformanceObserverEntryList {
    constructor() { throw illegal(); }
    getEntries() { return []; }
    getEntriesByName() { return []; }
    getEntriesByType() { return []; }
  }
  const SUPPORTED = Object.freeze(['dns', 'function', 'gc', 'http', 'http2', 'mark', 'measure', 'net', 'resource']);
  class PerformanceObserver {
    constructor(callback) {
      if (typeof callback !== 'function') throw internal.argType('callback', 'of type function', callback);
    }
    observe(options = {}) {
      if (options === null || typeof options !== 'object') throw internal.argType('options', 'of type object', options);
    }
    disconnect() {}
    takeRecords() { return []; }
    static get supportedEntryTypes() { return SUPPORTED; }
  }
  function histogram() {
    return { min: 9223372036854776000, max: 0, mean: NaN, stddev: NaN, count: 0, exceeds: 0, percentiles: new Map(),
      percentile: () => 0, reset() {}, enable: () => false, disable: () => false, record() {}, recordDelta() {} };
  }

  Object.defineProperty(globalThis, 'performance', { value: performance, writable: true, configurable: true, enumerable: false });
  module.exports = { Performance, PerformanceEntry, PerformanceMark, PerformanceMeasure, PerformanceObserver,
    PerformanceObserverEntryList, PerformanceResourceTiming, monitorEventLoopDelay: histogram,
    createHistogram: histogram, performance };
  Object.defineProperty(module.exports, 'constants', { enumerable: true, value: Object.freeze({
    NODE_PERFORMANCE_GC_MAJOR: 4, NODE_PERFORMANCE_GC_MINOR: 1, NODE_PERFORMANCE_GC_INCREMENTAL: 8,
    NODE_PERFORMANCE_GC_WEAKCB: 16, NODE_PERFORMANCE_GC_FLAGS_NO: 0, NODE_PERFORMANCE_GC_FLAGS_CONSTRUCT_RETAINED: 2,
    NODE_PERFORMANCE_GC_FLAGS_FORCED: 4, NODE_PERFORMANCE_GC_FLAGS_SYNCHRONOUS_PHANTOM_PROCESSING: 8,
    NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE: 16, NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY: 32,
    NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE: 64 }) });
});
