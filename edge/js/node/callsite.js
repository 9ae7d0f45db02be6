// V8's CallSite API, completed. Error.prepareStackTrace(err, callSites) hands packages the stack as
// CallSite objects. The engine's have what V8's frames show (engine/stack_frames.h): the file, line,
// column, function, getFunctionName(), getTypeName(), getMethodName(), isConstructor(),
// isToplevel(), isAsync(), isPromiseAll(), getPromiseIndex(), isNative() (false, as in Node) and
// toString() (`Type.fn [as method] (file:line:column)`, as V8 writes a frame). `depd` (loaded by
// express, body-parser, http-errors, send and koa) calls isEval() and getEvalOrigin() on them as it
// is required, so the rest of V8's methods are added with what this engine can know: no eval
// frames, no receiver (`this` is what V8 gives for strict-mode code: undefined).
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
  const added = {
    getThis() { return undefined; },
    getEvalOrigin() { return undefined; },
    getScriptNameOrSourceURL() { return this.getFileName(); },
    getScriptHash() { return ''; },
    getEnclosingLineNumber() { return null; },
    getEnclosingColumnNumber() { return null; },
    getPosition() { return 0; },
    isEval() { return false; },
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
  const engineText = proto.toString;
  function ownColumn(file, line, column) {
    if (line !== 1 || typeof column !== 'number' || typeof file !== 'string' || internal.unwrapColumns === undefined) return column;
    const own = /:1:(\d+)$/.exec(internal.unwrapColumns(`${file}:1:${column}`)); // loader.js's
    return own === null ? column : Number(own[1]);
  }
  const ownColumns = (text) => (internal.unwrapColumns === undefined ? text : internal.unwrapColumns(text));
  Object.defineProperty(proto, 'getColumnNumber', method(function getColumnNumber() {
    return ownColumn(this.getFileName(), this.getLineNumber(), engineColumn.call(this));
  }));
  Object.defineProperty(proto, 'toString', method(function toString() {
    return ownColumns(String(engineText.call(this)));
  }));

  // Error.prepareStackTrace is called when `stack` is first read, as in V8 (util.js). An error made
  // while none was installed has the engine's text frames: read with one installed by then, they
  // are read back into CallSites with the same methods (no function to give: getFunction() is
  // undefined, as V8's for strict-mode code). The text says all but a method's type: `A.b` is read
  // as type A's method b when A starts with a capital letter (`Parser.parse`, `Object.<anonymous>`),
  // else as a function named `a.b` (`exports.handler`).
  const frameOf = new WeakMap(); // no own properties, as V8's CallSites have none
  function TextCallSite(frame) {
    frameOf.set(this, frame);
  }
  const frame = (site) => {
    const found = frameOf.get(site);
    if (found === undefined) throw new TypeError('CallSite method called on a non-CallSite object');
    return found;
  };
  const own = {
    getFunction() { frame(this); return undefined; },
    getFunctionName() { return frame(this).name; },
    getTypeName() { return frame(this).type; },
    getMethodName() { return frame(this).method; },
    getFileName() { return frame(this).file; },
    getLineNumber() { return frame(this).line; },
    getColumnNumber() { const f = frame(this); return ownColumn(f.file, f.line, f.column); },
    isNative() { frame(this); return false; },
    isConstructor() { return frame(this).isConstructor; },
    isToplevel() { return frame(this).isToplevel; },
    isAsync() { return frame(this).isAsync; },
    isPromiseAll() { return frame(this).promiseIndex !== null; },
    getPromiseIndex() { return frame(this).promiseIndex; },
    toString() { return ownColumns(frame(this).text); },
  };
  const textProto = TextCallSite.prototype;
  for (const [key, value] of Object.entries(own)) Object.defineProperty(textProto, key, method(value));
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key !== 'constructor' && !Object.prototype.hasOwnProperty.call(textProto, key)) {
      Object.defineProperty(textProto, key, Object.getOwnPropertyDescriptor(proto, key));
    }
  }
  // `    at [async ]what (where)` or `    at [async ]where` (an anonymous function; a parse error's
  // place), where is `file:line:column`, `<anonymous>` (a built-in) or `missing`;
  // `    at async Promise.all (index 2)`
  const FRAME = /^ {4}at (async )?(?:(.*?) \((.*)\)|(.*))$/;
  const TYPED = /^([A-Z][\w$]*)\.(.+)$/;
  const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
  function parse(line) {
    const m = FRAME.exec(line);
    if (m === null) return null;
    const site = { name: null, type: null, method: null, file: null, line: null, column: null, isConstructor: false,
      isToplevel: true, isAsync: m[1] !== undefined, promiseIndex: null, text: line.slice(7) };
    const combinator = m[2] === 'Promise.all' || m[2] === 'Promise.allSettled' || m[2] === 'Promise.any'
      ? /^index (\d+)$/.exec(m[3]) : null;
    if (combinator !== null) {
      return new TextCallSite({ ...site, name: m[2].slice(8), type: 'Function', method: m[2].slice(8), isToplevel: false,
        promiseIndex: Number(combinator[1]) });
    }
    let what = m[2];
    const where = m[4] !== undefined ? m[4] : m[3];
    if (what !== undefined) {
      const as = / \[as ([^\]]*)\]$/.exec(what);
      if (as !== null) what = what.slice(0, as.index);
      if (what.startsWith('new ')) {
        site.isConstructor = true;
        site.isToplevel = false;
        site.name = what === 'new <anonymous>' ? null : what.slice(4);
      } else {
        const typed = TYPED.exec(what);
        if (typed !== null || as !== null) {
          site.isToplevel = false;
          site.type = typed === null ? null : typed[1];
          const name = typed === null ? what : typed[2];
          site.name = name === '<anonymous>' ? null : name;
          site.method = as !== null ? as[1] : site.name !== null && IDENTIFIER.test(site.name) ? site.name : null;
        } else {
          site.name = what;
        }
      }
    }
    if (where !== '<anonymous>' && where !== 'missing') {
      const at = /^(.*):(\d+):(\d+)$/.exec(where);
      if (at === null) site.file = where;
      else [site.file, site.line, site.column] = [at[1], Number(at[2]), Number(at[3])];
    }
    return new TextCallSite(site);
  }
  internal.textCallSites = (frames) => frames.split('\n').map(parse).filter((site) => site !== null);
  // The frame the engine would have written for one of its CallSites (an error made while an
  // Error.prepareStackTrace was installed, read with none)
  internal.engineFrame = (site) => `    at ${engineText.call(site)}`;
})();
