"""Stack frames written as Node 20 (V8) writes them, compared with real Node case by case.

QuickJS wrote every frame `at name (file:line:column)`: a method without its receiver's type
(`at parseError`, V8 `at Parser.parseError`), a constructor without `new`, an anonymous function as
`at <anonymous> (file:...)` (V8 gives its place alone), a built-in as `at parse (native)` (V8 `at
JSON.parse (<anonymous>)`, and no frame at all for Function.prototype.call and the like), JSON.parse's
error with a first frame of its own (`at <input>:1:2`), and nothing for the async functions
awaiting the one that failed (V8's `at async fn (...)` frames). The engine now names frames from
their receivers and walks the awaiting chain as V8 does (edge/js/engine/stack_frames.h). Each case
here makes an error in one shape and reports its frames (the package's directory taken out; lines
kept, columns apart: a test of its own below), `util.inspect` of one, and what CallSites answer to
Error.prepareStackTrace, both those taken with it installed and those read back from the text
(installed after the error was made)."""

from __future__ import annotations

from .js_helpers import answer_and_fuel, assert_same_as_node, compared_case_fixtures

CASES_JS = r"""'use strict';
const util = require('util');
const root = __dirname + '/';
// a stack's frames up to the case's runner (what lies beneath differs: Node's eval, the edge's handler)
function frames(stack, columns) {
  const out = [];
  for (const line of String(stack).split('\n').slice(1)) {
    if (/ (?:run|runAsync) \(/.test(line)) break;
    out.push(line.split('file://' + root).join('').split(root).join('').replace(/:(\d+):(\d+)(\)?)$/, columns ? ':$1:$2$3' : ':$1$3'));
  }
  return out;
}
function run(f, columns) {
  try { f(); return 'no error'; } catch (e) { return frames(e.stack, columns); }
}
async function runAsync(f) {
  try { await f(); return 'no error'; } catch (e) { return frames(e.stack); }
}
const fail = (m) => { throw new Error(m); };

class Parser {
  constructor(bad) { if (bad) fail('ctor'); }
  parseError() { return fail('method'); }
  static make() { return fail('static'); }
  get value() { return fail('getter'); }
  set value(v) { fail('setter'); }
}
class Strict extends Parser { check() { return this.parseError(); } }
function Legacy() { this.go = function () { fail('anonymous method'); }; }
Legacy.prototype.run = function () { fail('prototype method'); };
const literal = { named() { fail('literal'); }, arrow: () => fail('arrow property'), ['comp' + 'uted']() { fail('c'); } };
const tagged = { [Symbol.toStringTag]: 'Tagged', m() { fail('tag'); } };
const bare = Object.create(null);
bare.m = function m() { fail('null prototype'); };
exports.validate = function (v) { if (!v) fail('exported'); };
class Runtime { constructor(h) { this.handler = h; } }

const sync = {
  'method': () => new Parser().parseError(),
  'subclass method': () => new Strict().check(),
  'constructor': () => new Parser(true),
  'anonymous class': () => new (class { constructor() { fail('anon class'); } })(),
  'old-style constructor': () => { function Old() { fail('old'); } return new Old(); },
  'static method': () => Parser.make(),
  'getter': () => new Parser().value,
  'setter': () => { new Parser().value = 1; },
  'anonymous method': () => new Legacy().go(),
  'prototype method': () => new Legacy().run(),
  'object literal method': () => literal.named(),
  'arrow property': () => literal.arrow(),
  'computed method': () => literal.computed(),
  'aliased method': () => ({ alias: Parser.prototype.parseError }).alias(),
  'toStringTag': () => tagged.m(),
  'null prototype': () => bare.m(),
  'on a string': () => { String.prototype.edgeBoom = function () { fail('string'); }; try { 'x'.edgeBoom(); } finally { delete String.prototype.edgeBoom; } },
  'exported, called bare': () => { const { validate } = exports; validate(0); },
  'exported, called on exports': () => exports.validate(0),
  'handler on a Runtime': () => new Runtime(exports.validate).handler(0),
  'named handler on a Runtime': () => new Runtime(function handler() { fail('h'); }).handler(),
  'anonymous function': () => (function () { fail('anon'); })(),
  'callback in map': () => [1].map(() => fail('map')),
  'callback with a thisArg': () => [1].forEach(function () { fail('thisArg'); }, new Parser()),
  'forEach, filter, reduce': () => [1, 2].filter(Boolean).reduce(() => fail('reduce')),
  'sort': () => [2, 1].sort(() => fail('sort')),
  'replace with a function': () => 'a'.replace(/a/, () => fail('replace')),
  'Map forEach': () => new Map([[1, 1]]).forEach(() => fail('map forEach')),
  'Array.from': () => Array.from([1], () => fail('from')),
  'parse JSON': () => JSON.parse('{bad'),
  'JSON.parse reviver': () => JSON.parse('{"a":1}', () => fail('reviver')),
  'JSON.stringify toJSON': () => JSON.stringify({ toJSON() { fail('toJSON'); } }),
  'Object.keys(null)': () => Object.keys(null),
  'String.repeat': () => 'a'.repeat(-1),
  'decodeURIComponent': () => decodeURIComponent('%'),
  'new Array(-1)': () => new Array(-1),
  'call and apply': () => { function f() { fail('call'); } f.call({}); },
  'call with null': () => { function f() { fail('call null'); } f.apply(null, []); },
  'Reflect.apply': () => Reflect.apply(function f() { fail('reflect'); }, undefined, []),
  'bound': () => { function f() { fail('bound'); } f.bind({})(); },
  'generator': () => { function* g() { fail('generator'); } g().next(); },
  'proxy trap': () => new Proxy({}, { get() { fail('trap'); } }).x,
  'method through a proxy': () => new Proxy({ go() { fail('via proxy'); } }, {}).go(),
  'template literal': () => `${{ toString() { fail('template'); } }}`,
  'a TypeError of the engine': () => { const o = {}; return o.f.g; },
  'not a function': () => { const o = {}; o.f(); },
};

async function inner() { await null; fail('inner'); }
async function middle() { await inner(); }
class Service { async run() { await middle(); } }
async function outer() { return await new Service().run(); }
const asyncCases = {
  'an await chain': () => outer(),
  'Promise.all': async function all() { await Promise.all([1, inner()]); },
  'Promise.allSettled then a throw': async () => { await Promise.allSettled([inner()]); fail('after allSettled'); },
  'Promise.any': async function any() { try { await Promise.any([inner()]); } catch (e) { throw e.errors[0]; } },
  'returned, not awaited': async function returned() { return inner(); },
  'a then() callback, awaited': async function viaThen() { await Promise.resolve(1).then(() => fail('then')); },
  'before any await': async function early() { await (async function sync1() { fail('sync part'); })(); },
  'an async method on a Runtime': () => new Runtime(async function handler() { await middle(); }).handler(),
};

// CallSites: those taken with Error.prepareStackTrace installed, and those read back from the text
const SITE = (s) => [String(s).split(root).join(''), s.getTypeName(), s.getFunctionName(), s.getMethodName(),
  s.isToplevel(), s.isConstructor(), s.isAsync(), s.isPromiseAll(), s.getPromiseIndex(), s.isNative()];
function sites(f, later) {
  const saved = Error.prepareStackTrace;
  let stack;
  try {
    if (!later) Error.prepareStackTrace = (_e, s) => s;
    try { f(); } catch (e) {
      if (later) Error.prepareStackTrace = (_e, s) => s;
      stack = e.stack;
    }
  } finally {
    Error.prepareStackTrace = saved;
  }
  const out = [];
  for (const s of stack) {
    if (s.getFunctionName() === 'sites') break;
    out.push(SITE(s).map((v) => (typeof v === 'string' ? v.replace(/:(\d+):\d+/, ':$1') : v)));
  }
  return out;
}
async function asyncSites(f) {
  const saved = Error.prepareStackTrace;
  Error.prepareStackTrace = (_e, s) => s;
  try { await f(); } catch (e) {
    const all = e.stack.map(SITE);
    const end = all.findIndex((s) => /^async (?:exports\.run|asyncSites)\b/.test(s[0]));
    return all.slice(0, end === -1 ? all.length : end).map((s) => s.map((v) => (typeof v === 'string' ? v.replace(/:(\d+):\d+/, ':$1') : v)));
  } finally { Error.prepareStackTrace = saved; }
  return 'no error';
}
const siteCases = ['method', 'constructor', 'static method', 'getter', 'aliased method', 'anonymous function',
  'callback in map', 'parse JSON', 'named handler on a Runtime', 'exported, called on exports', 'null prototype'];
// read back from the text, a frame says all but some types: `Parser.make` (a class's static method: V8's
// type is Function), `get value [as value]` (no type written), `exports.validate` (a method of
// `exports`, named by its assignment) are read as a type's method, a method of no type, a function
const textSiteCases = ['method', 'constructor', 'aliased method', 'anonymous function', 'callback in map',
  'parse JSON', 'named handler on a Runtime', 'null prototype'];

exports.run = async () => {
  const out = {};
  for (const [name, f] of Object.entries(sync)) out[name] = run(f);
  for (const [name, f] of Object.entries(asyncCases)) out[`async: ${name}`] = await runAsync(f);
  for (const name of siteCases) out[`sites: ${name}`] = sites(sync[name], false);
  for (const name of textSiteCases) out[`text sites: ${name}`] = sites(sync[name], true);
  out['sites: an await chain'] = await asyncSites(outer);
  out['sites: Promise.all'] = await asyncSites(asyncCases['Promise.all']);
  try { new Parser().parseError(); } catch (e) {
    out['util.inspect'] = util.inspect(e).split(root).join('').split('\n').slice(0, 3).map((l) => l.replace(/:(\d+):\d+\)$/, ':$1)'));
  }
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });
"""

sources, node_results, function = compared_case_fixtures("stack_frames", {"cases.js": CASES_JS, "index.js": INDEX_JS})


def test_frames_are_named_as_node_names_them(function, node_results):  # type: ignore[no-untyped-def]
    edge = answer_and_fuel(function, "/frames")[0]
    assert_same_as_node(edge, node_results, shown=20)


def test_the_cases_show_what_they_say(node_results):  # type: ignore[no-untyped-def]
    """The shapes V8 writes differently from a plain `name (file)`, as Node wrote them."""
    second = {name: frames[1] for name, frames in node_results.items() if isinstance(frames, list) and len(frames) > 1
              and isinstance(frames[1], str)}  # the first is `fail`'s
    assert second["method"].startswith("    at Parser.parseError (cases.js:")
    assert second["constructor"].startswith("    at new Parser (cases.js:")
    assert second["anonymous function"].startswith("    at cases.js:")  # the function's place alone
    assert node_results["callback in map"][2] == "    at Array.map (<anonymous>)"
    assert node_results["parse JSON"][0] == "    at JSON.parse (<anonymous>)"
    assert second["aliased method"].startswith("    at Object.parseError [as alias] (cases.js:")
    assert second["handler on a Runtime"].startswith("    at exports.validate [as handler] (cases.js:")
    assert "at async Service.run (cases.js:" in "\n".join(node_results["async: an await chain"])
    assert "    at async Promise.all (index 1)" in node_results["async: Promise.all"]
    assert node_results["sites: Promise.all"][2][6:9] == [True, True, 1]  # isAsync, isPromiseAll, getPromiseIndex
