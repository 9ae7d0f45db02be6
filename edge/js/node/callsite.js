// V8's CallSite API, completed. Error.prepareStackTrace(err, callSites) hands packages the stack as
// CallSite objects; QuickJS's have the file, line, column, function and isNative/isConstructor only,
// and `depd` (loaded by express, body-parser, http-errors, send and koa) calls isEval() and
// getEvalOrigin() on them as it is required, so those packages failed to load. The rest of V8's
// methods are added with what this engine can know: no eval frames, no receiver (`this` is what V8
// gives for strict-mode code: undefined), no async or Promise.all frames; toString() as V8 writes a
// frame (`fn (file:line:column)`).
(function completeCallSites() {
  const saved = Error.prepareStackTrace;
  let sites;
  try {
    Error.prepareStackTrace = (_err, callSites) => callSites;
    const holder = {};
    Error.captureStackTrace(holder);
    sites = holder.stack;
  } finally {
    Error.prepareStackTrace = saved;
  }
  if (!Array.isArray(sites) || sites.length === 0) return;
  const proto = Object.getPrototypeOf(sites[0]);
  function location(site) {
    const file = site.getFileName();
    if (site.isNative()) return 'native';
    const where = file ? `${file}` : '<anonymous>';
    const line = site.getLineNumber();
    if (line == null) return where;
    const column = site.getColumnNumber();
    return column == null ? `${where}:${line}` : `${where}:${line}:${column}`;
  }
  const added = {
    getThis() { return undefined; },
    getTypeName() { return null; },
    getMethodName() { return null; },
    getEvalOrigin() { return undefined; },
    getScriptNameOrSourceURL() { return this.getFileName(); },
    getScriptHash() { return ''; },
    getEnclosingLineNumber() { return null; },
    getEnclosingColumnNumber() { return null; },
    getPosition() { return 0; },
    getPromiseIndex() { return null; },
    isEval() { return false; },
    isAsync() { return false; },
    isPromiseAll() { return false; },
    isToplevel() { return !this.isConstructor(); }, // V8: no receiver, as for a plain call
    toString() {
      const name = this.getFunctionName();
      const where = location(this);
      if (this.isConstructor()) return `new ${name || '<anonymous>'} (${where})`;
      return name ? `${name} (${where})` : where;
    },
  };
  // V8's CallSites carry no Symbol.toStringTag (Object.prototype.toString says [object Object])
  const tag = Object.getOwnPropertyDescriptor(proto, Symbol.toStringTag);
  if (tag !== undefined && tag.configurable) delete proto[Symbol.toStringTag];
  for (const [key, value] of Object.entries(added)) {
    if (Object.prototype.hasOwnProperty.call(proto, key)) continue; // the engine's own
    Object.defineProperty(proto, key, { value, writable: true, enumerable: false, configurable: true });
  }
  const method = (value) => ({ value, writable: true, enumerable: false, configurable: true });

  // A column on a module's first line counted what the loader puts before the file's text (the
  // CommonJS wrapper): it is the file's own, as in V8, which source maps need (source-map-support
  // mapping a minified bundle, all on its first line). The engine's text frames keep the engine's.
  const engineColumn = proto.getColumnNumber;
  function ownColumn(file, line, column) {
    if (line !== 1 || typeof column !== 'number' || typeof file !== 'string' || internal.unwrapColumns === undefined) return column;
    const own = /:1:(\d+)$/.exec(internal.unwrapColumns(`${file}:1:${column}`)); // loader.js's
    return own === null ? column : Number(own[1]);
  }
  Object.defineProperty(proto, 'getColumnNumber', method(function getColumnNumber() {
    return ownColumn(this.getFileName(), this.getLineNumber(), engineColumn.call(this));
  }));

  // Error.prepareStackTrace is called when `stack` is first read, as in V8 (util.js). An error made
  // while none was installed has the engine's text frames: read with one installed by then, they
  // are read back into CallSites with the same methods (no function to give: getFunction() is
  // undefined, as V8's for strict-mode code; isConstructor() false, the text does not say).
  const frameOf = new WeakMap(); // no own properties, as V8's CallSites have none
  function TextCallSite(name, file, line, column, isNative) {
    frameOf.set(this, { name, file, line, column, isNative });
  }
  const frame = (site) => {
    const found = frameOf.get(site);
    if (found === undefined) throw new TypeError('CallSite method called on a non-CallSite object');
    return found;
  };
  const own = {
    getFunction() { frame(this); return undefined; },
    getFunctionName() { return frame(this).name; },
    getFileName() { return frame(this).file; },
    getLineNumber() { return frame(this).line; },
    getColumnNumber() { const f = frame(this); return ownColumn(f.file, f.line, f.column); },
    isNative() { return frame(this).isNative; },
    isConstructor() { frame(this); return false; },
  };
  const textProto = TextCallSite.prototype;
  for (const [key, value] of Object.entries(own)) Object.defineProperty(textProto, key, method(value));
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key !== 'constructor' && !Object.prototype.hasOwnProperty.call(textProto, key)) {
      Object.defineProperty(textProto, key, Object.getOwnPropertyDescriptor(proto, key));
    }
  }
  // `    at name (file:line:column)`, `(native)`, `(missing)`, or `    at file:line:column` (a parse error's place)
  const FRAME = /^ {4}at (?:(.*?) \((.*)\)|(.*))$/;
  function parse(line) {
    const m = FRAME.exec(line);
    if (m === null) return null;
    const name = m[3] !== undefined || m[1] === '<anonymous>' ? null : m[1];
    const where = m[3] !== undefined ? m[3] : m[2];
    if (where === 'native') return new TextCallSite(name, null, null, null, true);
    if (where === 'missing') return new TextCallSite(name, null, null, null, false);
    const at = /^(.*):(\d+):(\d+)$/.exec(where);
    if (at === null) return new TextCallSite(name, where, null, null, false);
    return new TextCallSite(name, at[1], Number(at[2]), Number(at[3]), false);
  }
  internal.textCallSites = (frames) => frames.split('\n').map(parse).filter((site) => site !== null);
  // The frame the engine would have written for one of its CallSites (an error made while an
  // Error.prepareStackTrace was installed, read with none)
  internal.engineFrame = (site) => {
    const name = site.getFunctionName() || '<anonymous>';
    if (site.isNative()) return `    at ${name} (native)`;
    const file = site.getFileName();
    const line = site.getLineNumber();
    const where = `${file == null ? '<null>' : file}${line == null ? '' : `:${line}:${engineColumn.call(site)}`}`;
    return site.getFunction() === null ? `    at ${where}` : `    at ${name} (${where})`; // null: a parse error's place
  };
})();
