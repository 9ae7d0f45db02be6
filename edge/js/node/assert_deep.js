// assert's deep comparisons with Node 20's rules: deepStrictEqual's (same prototypes and [[Class]],
// Object.is for primitives, enumerable symbol keys) and deepEqual's loose ones (== for primitives,
// prototypes ignored, Map keys and Set members that are == to each other match). Both compare own
// enumerable properties, Maps and Sets regardless of order (object members matched deeply), arrays
// with their holes and extra keys, typed arrays by content, Dates by time, RegExps by source, flags
// and lastIndex, Errors by name, message, cause and errors, boxed primitives by value, and stop on
// cycles as Node does.
defineBuiltin('internal/assert_deep', function (exports, require, module, internal) {
  const STRICT = true;
  const LOOSE = false;
  const hasOwn = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
  const isEnumerable = (obj, key) => Object.prototype.propertyIsEnumerable.call(obj, key);
  const tagOf = (value) => Object.prototype.toString.call(value);

  // Brand checks: the engine's own internal slots, not instanceof (an object made from a class's
  // prototype is not one, a value from its own prototype chain is, as in Node). Only a value that
  // looks like one (instanceof, or its tag) is tried: a failed check throws, which costs.
  const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
  function branded(Ctor, check) {
    const tag = `[object ${Ctor.name}]`;
    return (value) => {
      if (typeof value !== 'object' || value === null || !(value instanceof Ctor || tagOf(value) === tag)) return false;
      try {
        check(value);
        return true;
      } catch {
        return false;
      }
    };
  }
  const isDate = branded(Date, (v) => Date.prototype.getTime.call(v));
  const regExpFlags = getter(RegExp.prototype, 'flags');
  const regExpSource = getter(RegExp.prototype, 'source');
  const isRegExp = (v) => v !== RegExp.prototype && branded(RegExp, (x) => regExpSource.call(x))(v);
  const isMap = branded(Map, (v) => getter(Map.prototype, 'size').call(v));
  const isSet = branded(Set, (v) => getter(Set.prototype, 'size').call(v));
  const isArrayBuffer = branded(ArrayBuffer, (v) => getter(ArrayBuffer.prototype, 'byteLength').call(v));
  const isSharedArrayBuffer = typeof SharedArrayBuffer === 'function'
    ? branded(SharedArrayBuffer, (v) => getter(SharedArrayBuffer.prototype, 'byteLength').call(v)) : () => false;
  const isAnyArrayBuffer = (v) => isArrayBuffer(v) || isSharedArrayBuffer(v);
  const BOXED = [Number, String, Boolean, BigInt, Symbol].map((Ctor) => branded(Ctor, (v) => Ctor.prototype.valueOf.call(v)));
  const boxedKind = (v) => BOXED.findIndex((isKind) => isKind(v));
  const isError = (v) => v instanceof Error || tagOf(v) === '[object Error]';
  const isFloatArray = (v) => v instanceof Float32Array || v instanceof Float64Array;

  function bytesOf(view) {
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  function sameBytes(a, b) {
    if (a.byteLength !== b.byteLength) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // An array's or typed array's own keys that are not indices (symbols only when strict). Own keys
  // list the indices first, in order, so the others are what follows them.
  const isIndex = (key) => String(key >>> 0) === key && key !== '4294967295';
  function nonIndexKeys(value, strict) {
    const keys = Object.keys(value);
    let first = Math.min(keys.length, value.length);
    while (first > 0 && !isIndex(keys[first - 1])) first--;
    const others = first === keys.length ? [] : keys.slice(first);
    if (strict) for (const sym of Object.getOwnPropertySymbols(value)) if (isEnumerable(value, sym)) others.push(sym);
    return others;
  }

  function isDeepEqual(a, b) { return compare(a, b, LOOSE, undefined); }
  function isDeepStrictEqual(a, b) { return compare(a, b, STRICT, undefined); }

  function compare(a, b, strict, memos) {
    if (a === b) return a !== 0 || !strict || Object.is(a, b);
    if (strict) {
      if (typeof a !== 'object') return typeof a === 'number' && Number.isNaN(a) && Number.isNaN(b);
      if (typeof b !== 'object' || a === null || b === null) return false;
      if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    } else {
      if (a === null || typeof a !== 'object') {
        if (b === null || typeof b !== 'object') return a == b || (Number.isNaN(a) && Number.isNaN(b)); // eslint-disable-line eqeqeq
        return false;
      }
      if (b === null || typeof b !== 'object') return false;
    }
    const tag = tagOf(a);
    if (tag !== tagOf(b)) return false;
    if (Array.isArray(a)) {
      if (!Array.isArray(b) || a.length !== b.length) return false;
      const keys = nonIndexKeys(a, strict);
      if (keys.length !== nonIndexKeys(b, strict).length) return false;
      return keysMatch(a, b, strict, memos, 'array', keys);
    }
    if (tag === '[object Object]') return keysMatch(a, b, strict, memos, 'plain');
    if (isDate(a)) {
      if (!isDate(b) || a.getTime() !== b.getTime()) return false;
    } else if (isRegExp(a)) {
      if (!isRegExp(b) || regExpSource.call(a) !== regExpSource.call(b) || regExpFlags.call(a) !== regExpFlags.call(b) ||
          a.lastIndex !== b.lastIndex) return false;
    } else if (isError(a)) {
      if (!isError(b) || a.message !== b.message || a.name !== b.name || !sameErrorExtras(a, b, strict, memos)) return false;
    } else if (ArrayBuffer.isView(a)) {
      if (!ArrayBuffer.isView(b)) return false;
      if (!strict && isFloatArray(a)) { // loosely: 0 equals -0, NaN equals nothing
        if (a.length !== b.length) return false;
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      } else if (!sameBytes(bytesOf(a), bytesOf(b))) {
        return false;
      }
      const keys = nonIndexKeys(a, strict);
      if (keys.length !== nonIndexKeys(b, strict).length) return false;
      return keysMatch(a, b, strict, memos, 'plain', keys);
    } else if (isSet(a)) {
      if (!isSet(b) || a.size !== b.size) return false;
      return keysMatch(a, b, strict, memos, 'set');
    } else if (isMap(a)) {
      if (!isMap(b) || a.size !== b.size) return false;
      return keysMatch(a, b, strict, memos, 'map');
    } else if (isAnyArrayBuffer(a)) {
      if (!isAnyArrayBuffer(b) || !sameBytes(new Uint8Array(a), new Uint8Array(b))) return false;
    } else if (boxedKind(a) >= 0) {
      if (boxedKind(a) !== boxedKind(b) || !Object.is(a.valueOf(), b.valueOf())) return false;
    } else if (Array.isArray(b) || ArrayBuffer.isView(b) || isSet(b) || isMap(b) || isDate(b) || isRegExp(b) ||
               isAnyArrayBuffer(b) || boxedKind(b) >= 0 || isError(b)) {
      return false;
    }
    return keysMatch(a, b, strict, memos, 'plain');
  }

  // Node 20 compares an error's `cause` and an AggregateError's `errors` too (non-enumerable: not
  // among its keys), by value (a `cause` of undefined equals none)
  function sameErrorExtras(a, b, strict, memos) {
    for (const key of ['cause', 'errors']) {
      if ((key in a || key in b) && !compare(a[key], b[key], strict, memos)) return false;
    }
    return true;
  }

  function keysMatch(a, b, strict, memos, kind, keysGiven) {
    let keys = keysGiven;
    if (keys === undefined) {
      keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
    }
    for (const key of keys) if (!isEnumerable(b, key)) return false;
    if (strict && keysGiven === undefined) {
      const symbolsA = Object.getOwnPropertySymbols(a);
      const symbolsB = Object.getOwnPropertySymbols(b);
      let count = 0;
      for (const sym of symbolsA) {
        if (isEnumerable(a, sym)) {
          if (!isEnumerable(b, sym)) return false;
          keys.push(sym);
          count++;
        } else if (isEnumerable(b, sym)) {
          return false;
        }
      }
      for (const sym of symbolsB) if (isEnumerable(b, sym)) count--;
      if (count !== 0) return false;
    }
    if (keys.length === 0 && (kind === 'plain' || (kind === 'array' && a.length === 0) || a.size === 0)) return true;
    // Cycles: a pair met again while it is being compared is equal if both sides were met at the same depth
    if (memos === undefined) {
      memos = { a: new Map(), b: new Map(), position: 0 };
    } else {
      const seenA = memos.a.get(a);
      if (seenA !== undefined) {
        const seenB = memos.b.get(b);
        if (seenB !== undefined) return seenA === seenB;
      }
      memos.position++;
    }
    memos.a.set(a, memos.position);
    memos.b.set(b, memos.position);
    const equal = contentsMatch(a, b, strict, keys, memos, kind);
    memos.a.delete(a);
    memos.b.delete(b);
    return equal;
  }

  function contentsMatch(a, b, strict, keys, memos, kind) {
    if (kind === 'set') return setsMatch(a, b, strict, memos);
    if (kind === 'map') return mapsMatch(a, b, strict, memos);
    if (kind === 'array') {
      for (let i = 0; i < a.length; i++) {
        if (hasOwn(a, i)) {
          if (!hasOwn(b, i) || !compare(a[i], b[i], strict, memos)) return false;
        } else if (hasOwn(b, i)) {
          return false;
        } else { // a hole: the rest by keys
          const keysA = Object.keys(a);
          for (; i < keysA.length; i++) {
            const key = keysA[i];
            if (!hasOwn(b, key) || !compare(a[key], b[key], strict, memos)) return false;
          }
          return keysA.length === Object.keys(b).length;
        }
      }
    }
    for (const key of keys) if (!compare(a[key], b[key], strict, memos)) return false;
    return true;
  }

  // What a primitive loosely equals that a Set or Map could hold instead: null for undefined and
  // undefined for null, a number for a numeric string; false when nothing else can match it.
  function looseAlternative(prim) {
    switch (typeof prim) {
      case 'undefined': return null;
      case 'object': return undefined;
      case 'symbol': return false;
      case 'string': prim = +prim; // falls through
      case 'number': return !Number.isNaN(prim);
      default: return true;
    }
  }
  function setMayHoldLoose(a, b, prim) {
    const alt = looseAlternative(prim);
    if (alt != null) return alt; // eslint-disable-line eqeqeq
    return b.has(alt) && !a.has(alt);
  }
  function takeEqual(candidates, value, strict, memos) {
    for (const other of candidates) {
      if (compare(value, other, strict, memos)) {
        candidates.delete(other);
        return true;
      }
    }
    return false;
  }

  function setsMatch(a, b, strict, memos) {
    let pending = null; // members of a matched by a deep comparison
    for (const value of a) {
      if (typeof value === 'object' && value !== null) {
        (pending ??= new Set()).add(value);
      } else if (!b.has(value)) {
        if (strict || !setMayHoldLoose(a, b, value)) return false;
        (pending ??= new Set()).add(value);
      }
    }
    if (pending === null) return true;
    for (const value of b) {
      if (typeof value === 'object' && value !== null) {
        if (!takeEqual(pending, value, strict, memos)) return false;
      } else if (!strict && !a.has(value) && !takeEqual(pending, value, strict, memos)) {
        return false;
      }
    }
    return pending.size === 0;
  }

  function mapMayHoldLoose(a, b, prim, item, memos) {
    const alt = looseAlternative(prim);
    if (alt != null) return alt; // eslint-disable-line eqeqeq
    const other = b.get(alt);
    if ((other === undefined && !b.has(alt)) || !compare(item, other, LOOSE, memos)) return false;
    return !a.has(alt) && compare(item, other, LOOSE, memos);
  }
  function takeEqualEntry(pending, map, key, item, strict, memos) {
    for (const other of pending) {
      if (compare(key, other, strict, memos) && compare(item, map.get(other), strict, memos)) {
        pending.delete(other);
        return true;
      }
    }
    return false;
  }

  function mapsMatch(a, b, strict, memos) {
    let pending = null; // keys of a matched by a deep comparison
    for (const [key, item] of a) {
      if (typeof key === 'object' && key !== null) {
        (pending ??= new Set()).add(key);
      } else {
        const other = b.get(key);
        if ((other === undefined && !b.has(key)) || !compare(item, other, strict, memos)) {
          if (strict || !mapMayHoldLoose(a, b, key, item, memos)) return false;
          (pending ??= new Set()).add(key);
        }
      }
    }
    if (pending === null) return true;
    for (const [key, item] of b) {
      if (typeof key === 'object' && key !== null) {
        if (!takeEqualEntry(pending, a, key, item, strict, memos)) return false;
      } else if (!strict && (!a.has(key) || !compare(a.get(key), item, LOOSE, memos)) &&
                 !takeEqualEntry(pending, a, key, item, LOOSE, memos)) {
        return false;
      }
    }
    return pending.size === 0;
  }

  Object.assign(exports, { isDeepEqual, isDeepStrictEqual, isRegExp, isError });
});
