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
})();
