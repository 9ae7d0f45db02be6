"""Names Node 20's built-ins export that functions import or call and the edge lacked: an ES module's
`import { on, setMaxListeners } from 'node:events'` or `import { isString } from 'node:util'` failed
the build (`Could not find export`), and `util.isString(x)`, `util._extend(a, b)`,
`util.types.isDataView(v)` threw `TypeError: not a function` in older packages. events' `on`,
`setMaxListeners`, `getMaxListeners`, `addAbortListener`, `usingDomains`; util's legacy `is*`,
`_extend`, `log`, `debug`; the rest of `util.types`. Each case compared with real Node 20."""

from __future__ import annotations

import json

from .js_helpers import node
from .test_js_builtins_more import invoke, package

CASES = r"""
import { EventEmitter, on, once, setMaxListeners, getMaxListeners, addAbortListener, usingDomains } from 'node:events';
import { isString, isBoolean, isBuffer, isDate, isError, isFunction, isNull, isNullOrUndefined, isNumber, isObject,
  isPrimitive, isRegExp, isSymbol, isUndefined, _extend, debug, debuglog, types } from 'node:util';
import * as typesModule from 'node:util/types';
import * as ns from './cases.mjs';

const attempt = (f) => { try { return f(); } catch (err) { return [err.name, err.code, err.message]; } };

export async function run() {
  const out = {};
  const values = [undefined, null, 0, 'a', true, Symbol('s'), 1n, {}, [], () => {}, new Date(0), /x/, new Error('e'),
    Object.create(Error.prototype), Buffer.from('a'), new Uint8Array(1)];
  out.legacy = values.map((v) => [isString, isBoolean, isBuffer, isDate, isError, isFunction, isNull, isNullOrUndefined,
    isNumber, isObject, isPrimitive, isRegExp, isSymbol, isUndefined].map((f) => f(v)));
  out.extend = [_extend({ a: 1 }, { b: 2, a: 3 }), _extend({ a: 1 }, null), _extend({ a: 1 }, 'str')];
  out.debug = [debug === debuglog, typeof debug];
  function args() { return arguments; }
  function* gen() { yield 1; }
  const samples = {
    args: args(1), bigint64: new BigInt64Array(1), biguint64: new BigUint64Array(1), f32: new Float32Array(1),
    f64: new Float64Array(1), i8: new Int8Array(1), i16: new Int16Array(1), i32: new Int32Array(1), u16: new Uint16Array(1),
    u32: new Uint32Array(1), u8c: new Uint8ClampedArray(1), u8: new Uint8Array(1), bigObj: Object(1n), boolObj: new Boolean(false),
    numObj: new Number(1), strObj: new String('s'), symObj: Object(Symbol('x')), dataView: new DataView(new ArrayBuffer(2)),
    weakMap: new WeakMap(), weakSet: new WeakSet(), mapIter: new Map([[1, 2]]).entries(), setIter: new Set([1]).values(),
    generator: gen(), namespace: ns, plain: {}, array: [1], map: new Map(), number: 1, string: 's', nil: null,
    fakeDataView: Object.create(DataView.prototype), fakeNumber: Object.create(Number.prototype),
  };
  const checks = ['isArgumentsObject', 'isBigInt64Array', 'isBigUint64Array', 'isFloat32Array', 'isFloat64Array',
    'isInt8Array', 'isInt16Array', 'isInt32Array', 'isUint16Array', 'isUint32Array', 'isUint8ClampedArray',
    'isBigIntObject', 'isBooleanObject', 'isNumberObject', 'isStringObject', 'isSymbolObject', 'isDataView',
    'isWeakMap', 'isWeakSet', 'isMapIterator', 'isSetIterator', 'isGeneratorObject', 'isModuleNamespaceObject', 'isExternal'];
  out.types = Object.fromEntries(checks.map((c) => [c, Object.entries(samples).filter(([, v]) => types[c](v)).map(([k]) => k)]));
  out.typesModule = checks.map((c) => typeof typesModule[c]);
  out.namesMatch = checks.map((c) => types[c].name === c);

  const e = new EventEmitter();
  out.usingDomains = usingDomains;
  out.maxDefault = [getMaxListeners(e), attempt(() => getMaxListeners({}))];
  setMaxListeners(3, e);
  const controller = new AbortController();
  setMaxListeners(Infinity, controller.signal);
  out.max = [getMaxListeners(e), getMaxListeners(controller.signal), getMaxListeners(new AbortController().signal),
    attempt(() => setMaxListeners(-1, e)), attempt(() => setMaxListeners('x')), attempt(() => setMaxListeners(1, {}))];
  const seen = [];
  const disposable = addAbortListener(controller.signal, () => seen.push('aborted'));
  out.disposable = [typeof disposable, Object.getPrototypeOf(disposable)];
  controller.abort();
  const already = addAbortListener(AbortSignal.abort(), () => seen.push('already'));
  seen.push('sync');
  await null;
  out.abortListeners = seen;
  out.abortErrors = [attempt(() => addAbortListener({}, () => {})), attempt(() => addAbortListener(controller.signal, 1))];
  already[Symbol.dispose]?.();

  const emitter = new EventEmitter();
  const got = [];
  setTimeout(() => { emitter.emit('data', 1, 'a'); emitter.emit('data', 2); emitter.emit('end'); emitter.emit('data', 3); }, 1);
  for await (const event of on(emitter, 'data', { close: ['end'] })) got.push(event);
  out.onClose = [got, emitter.listenerCount('data'), emitter.listenerCount('error'), emitter.listenerCount('end')];

  const failing = new EventEmitter();
  const before = [];
  setTimeout(() => { failing.emit('x', 'first'); failing.emit('error', new Error('broke')); }, 1);
  try {
    for await (const [v] of on(failing, 'x')) before.push(v);
  } catch (err) { before.push(err.message); }
  out.onError = [before, failing.listenerCount('x'), failing.listenerCount('error')];

  const early = new EventEmitter();
  const iterator = on(early, 'tick');
  early.emit('tick', 'queued');
  const first = await iterator.next();
  const ended = await iterator.return();
  out.onQueued = [first, ended, await iterator.next(), early.listenerCount('tick')];

  const ac = new AbortController();
  const aborted = on(new EventEmitter(), 'never', { signal: ac.signal });
  const pending = aborted.next().then(() => 'resolved', (err) => [err.name, err.code, err.message, err.cause]);
  ac.abort('why');
  out.onAbort = [await pending, attempt(() => on(new EventEmitter(), 'x', { signal: AbortSignal.abort('r') }))];
  out.once = await Promise.all([once(emitter, 'late'), Promise.resolve().then(() => emitter.emit('late', 9))]);
  return out;
}
"""

HANDLER = """
import { run } from './cases.mjs';
export const handler = async () => ({ status: '200', body: JSON.stringify(await run()) });
"""


def test_events_and_util_names_behave_as_in_node(tmp_path):
    source = package(tmp_path / "builtin-names", {"cases.mjs": CASES, "index.mjs": HANDLER})
    script = f"import({json.dumps(str(source / 'cases.mjs'))}).then(async (m) => console.log(JSON.stringify(await m.run())))"
    in_node = json.loads(node("--input-type=module", "-e", script))
    at_the_edge, _ = invoke(source, tmp_path)
    for key in in_node:
        assert at_the_edge.get(key) == in_node[key], key
    assert at_the_edge == in_node
    assert in_node["onClose"][0] == [[1, "a"], [2]] and in_node["types"]["isDataView"] == ["dataView"]
