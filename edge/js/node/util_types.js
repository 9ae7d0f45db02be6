// The rest of Node 20's util.types and util's legacy functions (util.isString, util._extend, util.log,
// util.debug, ...), which older packages still call and ES modules import by name (a missing name
// failed the build; a missing function threw TypeError: util.isString is not a function). util.js
// calls internal.completeUtil(exports) as its module is made. Each type check is a brand check where
// the engine has one (a method that throws for another object), as V8 reads the internal slot:
// `Object.create(Date.prototype)` is not a date. util.types.isProxy is always false (QuickJS gives
// JavaScript no way to tell a proxy) and isExternal too (there are no native externals).
internal.completeUtil = function completeUtil(util) {
  const brand = (method) => (value) => {
    if (value === null || typeof value !== 'object') return false;
    try {
      method.call(value);
      return true;
    } catch {
      return false;
    }
  };
  const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
  const typedArray = (name) => (value) => typedArrayTag.call(value) === name;
  const tag = (name) => (value) => value !== null && typeof value === 'object' && Object.prototype.toString.call(value) === `[object ${name}]`;
  const weakHas = (proto) => (value) => {
    if (value === null || typeof value !== 'object') return false;
    try {
      proto.has.call(value, {});
      return true;
    } catch {
      return false;
    }
  };
  const byteLength = (ctor) => (ctor === undefined ? () => false
    : brand(Object.getOwnPropertyDescriptor(ctor.prototype, 'byteLength').get));
  const mapIterator = Object.getPrototypeOf(new Map().entries());
  const setIterator = Object.getPrototypeOf(new Set().values());
  const generatorProto = Object.getPrototypeOf(function* () {}).prototype;
  const added = {
    isArgumentsObject: tag('Arguments'),
    isBigInt64Array: typedArray('BigInt64Array'),
    isBigUint64Array: typedArray('BigUint64Array'),
    isFloat32Array: typedArray('Float32Array'),
    isFloat64Array: typedArray('Float64Array'),
    isInt8Array: typedArray('Int8Array'),
    isInt16Array: typedArray('Int16Array'),
    isInt32Array: typedArray('Int32Array'),
    isUint16Array: typedArray('Uint16Array'),
    isUint32Array: typedArray('Uint32Array'),
    isUint8ClampedArray: typedArray('Uint8ClampedArray'),
    isBigIntObject: brand(BigInt.prototype.valueOf),
    isBooleanObject: brand(Boolean.prototype.valueOf),
    isNumberObject: brand(Number.prototype.valueOf),
    isStringObject: brand(String.prototype.valueOf),
    isSymbolObject: brand(Symbol.prototype.valueOf),
    isDataView: byteLength(DataView),
    isSharedArrayBuffer: byteLength(globalThis.SharedArrayBuffer),
    isWeakMap: weakHas(WeakMap.prototype),
    isWeakSet: weakHas(WeakSet.prototype),
    isMapIterator: (value) => tag('Map Iterator')(value) && mapIterator.isPrototypeOf(value),
    isSetIterator: (value) => tag('Set Iterator')(value) && setIterator.isPrototypeOf(value),
    isGeneratorObject: (value) => tag('Generator')(value) && generatorProto.isPrototypeOf(value),
    isModuleNamespaceObject: (value) => tag('Module')(value) && Object.getPrototypeOf(value) === null && Object.isSealed(value),
    isExternal: () => false,
    isProxy: () => false,
  };
  for (const [name, check] of Object.entries(added)) {
    if (!(name in util.types)) util.types[name] = { [name]: (value) => check(value) }[name];
  }

  // util's legacy functions, as Node 20 has them (deprecated in its documentation only: no warning)
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n) => String(n).padStart(2, '0');
  const legacy = {
    isBoolean(arg) { return typeof arg === 'boolean'; },
    isBuffer(b) { return globalThis.Buffer !== undefined && globalThis.Buffer.isBuffer(b); },
    isDate(arg) { return util.types.isDate(arg); },
    isError(e) { return Object.prototype.toString.call(e) === '[object Error]' || e instanceof Error; },
    isFunction(arg) { return typeof arg === 'function'; },
    isNull(arg) { return arg === null; },
    isNullOrUndefined(arg) { return arg === null || arg === undefined; },
    isNumber(arg) { return typeof arg === 'number'; },
    isObject(arg) { return arg !== null && typeof arg === 'object'; },
    isPrimitive(arg) { return arg === null || (typeof arg !== 'object' && typeof arg !== 'function'); },
    isRegExp(arg) { return util.types.isRegExp(arg); },
    isString(arg) { return typeof arg === 'string'; },
    isSymbol(arg) { return typeof arg === 'symbol'; },
    isUndefined(arg) { return arg === undefined; },
    log(...args) {
      const d = new Date();
      const time = [pad(d.getHours()), pad(d.getMinutes()), pad(d.getSeconds())].join(':');
      console.log('%s - %s', `${d.getDate()} ${months[d.getMonth()]} ${time}`, util.format(...args));
    },
    _extend(target, source) {
      if (source === null || typeof source !== 'object') return target;
      const keys = Object.keys(source);
      let i = keys.length;
      while (i--) target[keys[i]] = source[keys[i]];
      return target;
    },
  };
  for (const [name, fn] of Object.entries(legacy)) if (!(name in util)) util[name] = fn;
  if (!('debug' in util)) util.debug = util.debuglog;
};
