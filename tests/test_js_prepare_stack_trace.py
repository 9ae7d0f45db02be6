"""Error.prepareStackTrace is V8's: called when an error's `stack` is first read, not when the error is made.

It ran as the error was made, so a name or message set after that was not in the stack: `class
AuthError extends Error` (the name set after super()) read `Error: denied`, an error made in the old
style (`Error.captureStackTrace(this, Legacy)` before its name and message are set, as jsonwebtoken's
are) `Error: `; source-map-support (`require('source-map-support/register')`, which esbuild and CDK
TypeScript bundles use) formats every stack so, and Lambda's `Invoke Error` log line showed that
first line. Now the CallSites are taken as the error is made (Error.stackTraceLimit of them) and the
function installed at the first read makes the stack then, as in Node 20: case by case below
(names, messages, call counts and shapes, not columns, which differ between the engines), including
a function that throws, returns what is not a string, or is installed, removed or replaced between
making and reading. Then source-map-support, installed from npm at test time, with a small
esbuild-style bundle (and one minified onto its first line) and their source maps: the stacks' first
lines and frames mapped to the TypeScript files as in Node, and the Lambda-style log of a handler
failing in the bundle, whose map is read at build time or, kept with the bundle for fs, in the
request."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import edge.js.build as js_build

from .js_helpers import (
    VIEWER_EVENT,
    answer_and_fuel,
    assert_same_as_node,
    build,
    cases_in_node,
    compared_case_fixtures,
    node,
    npm_install,
    roomy_function,
)

CASES_JS = r"""'use strict';
// run() gives {case: outcome}: what Error.prepareStackTrace is called with and when, and what `stack`
// then is; frames by their function names and counts only (columns differ between the engines)
const util = require('util');
const assert = require('assert');

let calls = 0;
const format = (e, sites) => { calls++; return `${e.name}: ${e.message}\n${sites.map((s) => `    at ${s}`).join('\n')}`; };
const firstLine = (stack) => String(stack).split('\n')[0];
const framesOnly = (stack) => String(stack).split('\n').slice(1).every((line) => line.startsWith('    at '));
const names = (sites) => sites.map((s) => s.getFunctionName());
const outcome = (f) => { try { return ['ok', f()]; } catch (e) { return ['threw', e.name, e.message]; } };

class AuthError extends Error { constructor(m) { super(m); this.name = 'AuthError'; } }
function Legacy(m) { Error.captureStackTrace(this, Legacy); this.name = 'Legacy'; this.message = m; }
function makeError(m) { return new Error(m); }
function outer(target) { inner(target); }
function inner(target) { Error.captureStackTrace(target, inner); }
function deep(n, m) { return n === 0 ? new Error(m) : deep(n - 1, m); }

const cases = {
  'subclass and legacy: no call as they are made'() {
    Error.prepareStackTrace = format;
    calls = 0;
    const a = new AuthError('denied');
    const l = new Legacy('old style');
    const made = calls;
    const first = [firstLine(a.stack), firstLine(l.stack), calls];
    a.stack; l.stack;
    return [made, first, calls];
  },
  'the stack is kept as first made'() {
    Error.prepareStackTrace = format;
    const e = new Error('c');
    e.stack;
    e.name = 'Renamed';
    e.message = 'changed';
    const d = Object.getOwnPropertyDescriptor(e, 'stack');
    return [firstLine(e.stack), typeof d.value, d.writable, d.enumerable, d.configurable];
  },
  'a name and message set after the error is made'() {
    Error.prepareStackTrace = format;
    const e = new Error('m');
    e.message = 'later';
    e.name = 'Late';
    return firstLine(e.stack);
  },
  'a write before the first read wins'() {
    Error.prepareStackTrace = format;
    calls = 0;
    const e = new Error('w');
    e.stack = 'mine';
    const l = new Legacy('x');
    l.stack = 'theirs';
    return [e.stack, l.stack, calls];
  },
  'prepareStackTrace throws: each read throws'() {
    let n = 0;
    Error.prepareStackTrace = () => { n++; throw new TypeError('nope'); };
    const e = new Error('t');
    const reads = [outcome(() => e.stack), outcome(() => e.stack)];
    Error.prepareStackTrace = () => 'fine';
    return [reads, n, e.stack, e.stack];
  },
  'prepareStackTrace returns CallSites'() {
    Error.prepareStackTrace = (_e, sites) => sites;
    const s = makeError('n').stack;
    return [Array.isArray(s), names(s)[0], typeof s[0].getFileName, typeof s[0].getLineNumber(), s[0].isNative()];
  },
  'prepareStackTrace returns a number, undefined, an object'() {
    Error.prepareStackTrace = () => 42;
    const n = new Error('x').stack;
    Error.prepareStackTrace = () => undefined;
    const u = new Error('x');
    const undef = [typeof u.stack, Object.prototype.hasOwnProperty.call(u, 'stack')];
    Error.prepareStackTrace = () => ({ a: 1 });
    return [n, undef, new Error('x').stack];
  },
  'installed between making and reading'() {
    Error.prepareStackTrace = undefined;
    const e = makeError('s1');
    const sites = [];
    Error.prepareStackTrace = (err, s) => { sites.push(...s); return format(err, s); };
    calls = 0;
    const first = firstLine(e.stack);
    return [first, calls, names(sites)[0], sites.every((s) => typeof s.getFileName === 'function' && typeof s.isEval === 'function'),
      typeof sites[0].getLineNumber(), sites[0].isNative(), sites[0].isEval(), sites[0].getEvalOrigin()];
  },
  'removed between making and reading'() {
    Error.prepareStackTrace = format;
    calls = 0;
    const e = makeError('s2');
    Error.prepareStackTrace = undefined;
    return [firstLine(e.stack), framesOnly(e.stack), e.stack.split('\n')[1].startsWith('    at makeError '), calls];
  },
  'replaced between making and reading'() {
    Error.prepareStackTrace = () => 'first';
    const e = new Error('r');
    Error.prepareStackTrace = () => 'second';
    return e.stack;
  },
  'not a function'() {
    Error.prepareStackTrace = 'text';
    const e = new Error('nf');
    return [firstLine(e.stack), framesOnly(e.stack)];
  },
  'Error.stackTraceLimit when the error is made'() {
    Error.prepareStackTrace = (_e, s) => s.length;
    Error.stackTraceLimit = 2;
    const two = deep(5, 'two');
    Error.stackTraceLimit = 0;
    const none = deep(5, 'none');
    Error.stackTraceLimit = 10;
    const counted = [two.stack, none.stack];
    Error.prepareStackTrace = undefined;
    Error.stackTraceLimit = 3;
    const text = deep(5, 'text');
    Error.stackTraceLimit = 10;
    Error.prepareStackTrace = (_e, s) => names(s);
    return [counted, text.stack];
  },
  'this is Error'() {
    Error.prepareStackTrace = function () { return this === Error; };
    return new Error('q').stack;
  },
  'a stack read inside prepareStackTrace is the default one'() {
    let depth = 0;
    let most = 0;
    calls = 0;
    Error.prepareStackTrace = (e) => {
      calls++;
      most = Math.max(most, ++depth);
      const s = new Error(`inner of ${e.message}`).stack;
      depth--;
      return `P(${e.message}) [${firstLine(s)}] ${framesOnly(s)}`;
    };
    return [new Error('o').stack, calls, most];
  },
  'an error made inside prepareStackTrace and read later'() {
    let kept;
    Error.prepareStackTrace = (e) => { if (!kept) kept = new Error('kept'); return `P:${e.message}`; };
    const s = new Error('x').stack;
    return [s, kept.stack];
  },
  'errors the engine throws'() {
    Error.prepareStackTrace = (e, s) => `${e.name}|${e.message}|${s.length > 0}`;
    const out = [];
    try { null.x; } catch (e) { out.push(e.stack); }
    try { undefinedVariable; } catch (e) { out.push(e.stack); }
    try { JSON.parse('{'); } catch (e) { out.push(e.name); }
    return out;
  },
  'throwing what is not an error calls nothing'() {
    Error.prepareStackTrace = format;
    calls = 0;
    try { throw { x: 1 }; } catch (e) { /* */ }
    try { throw 'text'; } catch (e) { /* */ }
    Promise.reject(7).catch(() => {});
    return calls;
  },
  'captureStackTrace on an object'() {
    calls = 0;
    let seen;
    Error.prepareStackTrace = (e, s) => { calls++; seen = e; return names(s)[0]; };
    const o = {};
    outer(o);
    const before = calls;
    const first = o.stack;
    return [before, first, seen === o, calls, Object.getOwnPropertyDescriptor(o, 'stack').enumerable];
  },
  'captureStackTrace, prepareStackTrace installed after'() {
    Error.prepareStackTrace = undefined;
    const o = { name: 'Custom', message: 'mine' };
    outer(o);
    Error.prepareStackTrace = (e, s) => `${e.name}:${names(s)[0]}`;
    return o.stack;
  },
  'captureStackTrace, prepareStackTrace removed after'() {
    Error.prepareStackTrace = format;
    const o = { name: 'Custom', message: 'mine' };
    outer(o);
    Error.prepareStackTrace = undefined;
    return [firstLine(o.stack), o.stack.split('\n')[1].startsWith('    at outer ')];
  },
  'captureStackTrace twice'() {
    Error.prepareStackTrace = (e, s) => names(s)[0];
    const e = makeError('twice');
    outer(e);
    return e.stack;
  },
  'the default stack has its first line when read'() {
    Error.prepareStackTrace = undefined;
    const d = new Error('d');
    d.name = 'Named';
    class E2 extends Error {}
    E2.prototype.name = 'E2';
    const l = new Legacy('old');
    return [firstLine(d.stack), firstLine(new E2('x').stack), firstLine(l.stack), framesOnly(d.stack)];
  },
  'DOMException'() {
    Error.prepareStackTrace = (e) => `DOM:${e.name}:${e.message}`;
    const made = new DOMException('m', 'AbortError');
    const out = [made.stack, AbortSignal.abort().reason.stack];
    try { atob('*'); } catch (e) { out.push(e.stack.split(':').slice(0, 2).join(':')); }
    Error.prepareStackTrace = undefined;
    const later = new DOMException('n', 'DataError');
    Error.prepareStackTrace = (e) => `late:${e.name}`;
    out.push(later.stack);
    return out;
  },
  'util.inspect'() {
    Error.prepareStackTrace = format;
    const a = util.inspect(new AuthError('shown')).split('\n')[0];
    Error.prepareStackTrace = () => ['not', 'text'];
    const b = util.inspect(new AuthError('odd'));
    Error.prepareStackTrace = (e) => `${e.name}: ${e.message} (prepared)`;
    const c = util.inspect(new Error('plain'));
    Error.prepareStackTrace = undefined;
    const set = new Error('m');
    set.stack = 'custom text';
    const d = util.inspect(set);
    const multi = new TypeError('two');
    multi.stack = 'TypeError: two\nline two';
    return [a, b, c, d, util.inspect(multi), util.inspect({ nested: new AuthError('in') }).split('\n')[0]];
  },
  "assert's message, which reads the call's source"() {
    Error.prepareStackTrace = format;
    calls = 0;
    try { assert.ok(typeof 1 === 'string'); } catch (e) { return [e.message, e.code, calls]; }
    return 'no throw';
  },
  "Node's errors with a code"() {
    Error.prepareStackTrace = format;
    try { Buffer.alloc(-1); } catch (e) { return [firstLine(e.stack), e.code]; }
    return 'no throw';
  },
  'a subclass assigning its own'() {
    Error.prepareStackTrace = undefined;
    class Own extends Error {}
    Own.prepareStackTrace = () => 'own';
    return [typeof Error.prepareStackTrace, Object.keys(Own), firstLine(new Own('x').stack)];
  },
  'deleted and assigned again'() {
    Error.prepareStackTrace = format;
    const made = makeError('before');
    const deleted = delete Error.prepareStackTrace;
    const after = [typeof Error.prepareStackTrace, firstLine(makeError('none').stack)];
    Error.prepareStackTrace = (e, s) => `again:${e.message}:${names(s)[0]}`;
    return [deleted, after, made.stack, makeError('x').stack];
  },
};

exports.run = () => {
  const out = {};
  const limit = Error.stackTraceLimit;
  for (const [name, f] of Object.entries(cases)) {
    out[name] = outcome(f);
    Error.prepareStackTrace = undefined;
    Error.stackTraceLimit = limit;
  }
  return out;
};
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });
"""

sources, node_results, function = compared_case_fixtures("prepare_stack_trace", {"cases.js": CASES_JS, "index.js": INDEX_JS})


def test_prepare_stack_trace_is_called_when_the_stack_is_first_read_as_in_node(function, node_results):  # type: ignore[no-untyped-def]
    edge = answer_and_fuel(function, "/cases")[0]
    assert_same_as_node(edge, node_results)


def test_the_cases_cover_what_they_say(node_results):  # type: ignore[no-untyped-def]
    assert node_results["subclass and legacy: no call as they are made"] == [
        "ok", [0, ["AuthError: denied", "Legacy: old style", 2], 2]]
    assert node_results["a write before the first read wins"] == ["ok", ["mine", "theirs", 0]]
    assert node_results["prepareStackTrace throws: each read throws"][1][:2] == [
        [["threw", "TypeError", "nope"], ["threw", "TypeError", "nope"]], 2]
    assert node_results["installed between making and reading"][1][:3] == ["Error: s1", 1, "makeError"]
    assert node_results["removed between making and reading"] == ["ok", ["Error: s2", True, True, 0]]
    assert node_results["replaced between making and reading"] == ["ok", "second"]
    assert node_results["Error.stackTraceLimit when the error is made"] == ["ok", [[2, 0], ["deep", "deep", "deep"]]]
    assert node_results["a stack read inside prepareStackTrace is the default one"] == [
        "ok", ["P(o) [Error: inner of o] true", 1, 1]]
    assert node_results["captureStackTrace on an object"] == ["ok", [0, "outer", True, 1, False]]


# An esbuild-style CommonJS bundle of two TypeScript files (types dropped), each generated line mapped
# column for column to its original line: (text, source index, original line), or a line of the
# bundler's own. BUNDLE_MIN is the same code minified onto one line.
ERRORS_TS = """export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

export function check(token: string): void {
  if (token !== 'ok') throw new AuthError(`denied for ${token}`);
}
"""
HANDLER_TS = """import 'source-map-support/register';
import jwt from 'jsonwebtoken';
import { check } from './errors';

export const handler = async (event: { token?: string }) => {
  check(event.token);
  return { status: '200' };
};

export function verify(token: string): unknown {
  return jwt.verify(token, 'secret');
}
"""
BUNDLE: list = [
    '"use strict";',
    "var __create = Object.create;",
    "var __defProp = Object.defineProperty;",
    'var __toESM = (mod) => mod && mod.__esModule ? mod : __defProp(__create(null), "default", { value: mod, enumerable: true });',
    "var __export = (target, all) => {",
    "  for (var name in all)",
    "    __defProp(target, name, { get: all[name], enumerable: true });",
    "};",
    "var handler_exports = {};",
    "__export(handler_exports, { handler: () => handler, verify: () => verify });",
    "module.exports = handler_exports;",
    ('var import_register = require("source-map-support/register");', 1, 0),
    ('var import_jsonwebtoken = __toESM(require("jsonwebtoken"));', 1, 1),
    "",
    "// src/errors.ts",
    ("var AuthError = class extends Error {", 0, 0),
    ("  constructor(message) {", 0, 1),
    ("    super(message);", 0, 2),
    ("    this.name = 'AuthError';", 0, 3),
    ("  }", 0, 4),
    ("};", 0, 5),
    ("function check(token) {", 0, 7),
    ("  if (token !== 'ok') throw new AuthError(`denied for ${token}`);", 0, 8),
    ("}", 0, 9),
    "",
    "// src/handler.ts",
    ("var handler = async (event) => {", 1, 4),
    ("  check(event.token);", 1, 5),
    ("  return { status: '200' };", 1, 6),
    ("};", 1, 7),
    ("function verify(token) {", 1, 9),
    ("  return import_jsonwebtoken.default.verify(token, 'secret');", 1, 10),
    ("}", 1, 11),
]
BUNDLE_MIN = [[
    ('"use strict";var __create=Object.create;var __defProp=Object.defineProperty;'
     'var __toESM=(mod)=>mod&&mod.__esModule?mod:__defProp(__create(null),"default",{value:mod,enumerable:true});'
     "module.exports={get handler(){return handler},get verify(){return verify}};"),
    ('require("source-map-support/register");', 1, 0),
    ('var import_jsonwebtoken=__toESM(require("jsonwebtoken"));', 1, 1),
    ("var AuthError=class extends Error{", 0, 0), ("constructor(message){", 0, 1), ("super(message);", 0, 2),
    ('this.name="AuthError"', 0, 3), ("}", 0, 4), ("};", 0, 5), ("function check(token){", 0, 7),
    ('if(token!=="ok")throw new AuthError(`denied for ${token}`)', 0, 8), ("}", 0, 9),
    ("var handler=async(event)=>{", 1, 4), ("check(event.token);", 1, 5), ('return{status:"200"}', 1, 6), ("};", 1, 7),
    ("function verify(token){", 1, 9), ('return import_jsonwebtoken.default.verify(token,"secret")', 1, 10), ("}", 1, 11),
]]

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def vlq(n: int) -> str:
    n = (-n << 1) | 1 if n < 0 else n << 1
    out = ""
    while True:
        digit, n = n & 31, n >> 5
        out += B64[digit | (32 if n else 0)]
        if not n:
            return out


def bundled(lines: list) -> tuple[str, str]:
    """The bundle's text (its sourceMappingURL comment last) and its source map, each piece of a line
    mapped column for column (past the original line's end, to its last column)."""
    sources = [ERRORS_TS, HANDLER_TS]
    text_lines, mappings = [], []
    last = [0, 0, 0]  # source, original line, original column: deltas run on across lines
    for line in lines:
        pieces = [line] if isinstance(line, (str, tuple)) else line
        text, segments, column = "", [], 0
        for piece in pieces:
            if isinstance(piece, str):
                text += piece
                continue
            code, source, original_line = piece
            original = sources[source].split("\n")[original_line]
            shift = (len(original) - len(original.lstrip())) - (len(code) - len(code.lstrip()))  # indentation
            for c in range(len(code) - len(code.lstrip()), len(code)):
                at = min(c + shift, len(original) - 1)
                segments.append(vlq(len(text) + c - column) + vlq(source - last[0]) + vlq(original_line - last[1])
                                + vlq(at - last[2]))
                column, last = len(text) + c, [source, original_line, at]
            text += code
        text_lines.append(text)
        mappings.append(",".join(segments))
    source_map = {"version": 3, "sources": ["../src/errors.ts", "../src/handler.ts"], "sourcesContent": sources,
                  "mappings": ";".join(mappings), "names": []}
    return "\n".join(text_lines) + "\n//# sourceMappingURL=index.js.map\n", json.dumps(source_map)


# The bundle's errors, at the top level (at build time here, where the package's files are read) and
# again in run(): each stack's first line and first frames, the package's directory taken out and
# no columns; names as source-map-support writes them from the CallSites (`Object.handler`, and
# `Object.module.exports [as verify]` in node_modules, from the receiver)
SMS_CASES_JS = r"""'use strict';
const util = require('util');
const bundle = require('./dist/index.js');
const minified = require('./dist-min/index.js');
const root = __dirname;
function shown(stack) {
  return String(stack).split('\n').slice(0, 3).map((line) => {
    const frame = /^ {4}at (?:(.*) \()?(.*):(\d+):\d+\)?$/.exec(line);
    if (frame === null) return line;
    const file = frame[2].split(root).join('');
    return `at ${frame[1]} ${file}:${frame[3]}`;
  });
}
async function stacks() {
  const out = {};
  for (const [name, made] of [['bundle', bundle], ['minified', minified]]) {
    try { await made.handler({ token: 'x' }); } catch (e) { out[`${name}: AuthError`] = [e.name, shown(e.stack)]; }
    try { made.verify('nope'); } catch (e) { out[`${name}: jsonwebtoken`] = [e.name, shown(e.stack)]; }
  }
  try { await bundle.handler({ token: 'y' }); } catch (e) { out['util.inspect'] = shown(util.inspect(e)); }
  return out;
}
const atLoad = stacks();
exports.run = async () => ({ atLoad: await atLoad, atRun: await stacks(), installed: typeof Error.prepareStackTrace });
"""
# handlers failing in the bundle, one with the map read while the function is built (cases.js
# formats stacks at its top level) and one without (nothing reads a stack until the handler runs)
WARM_JS = "'use strict';\nrequire('./cases');\nexports.handler = require('./dist/index.js').handler;\n"
COLD_JS = "'use strict';\nexports.handler = require('./dist/index.js').handler;\n"


@pytest.fixture(scope="module")
def bundle_package(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("js-source-map-support") / "fn"
    root.mkdir()
    npm_install(root, "source-map-support@0.5.21", "jsonwebtoken@9")
    for folder, lines in (("dist", BUNDLE), ("dist-min", BUNDLE_MIN)):
        (root / folder).mkdir()
        text, source_map = bundled(lines)
        (root / folder / "index.js").write_text(text)
        (root / folder / "index.js.map").write_text(source_map)
    for name, text in (("cases.js", SMS_CASES_JS), ("index.js", INDEX_JS), ("warm.js", WARM_JS), ("cold.js", COLD_JS)):
        (root / name).write_text(text)
    return root


def test_source_map_support_maps_a_bundles_errors_as_in_node(bundle_package, tmp_path):  # type: ignore[no-untyped-def]
    in_node = cases_in_node(bundle_package)
    fn = roomy_function(build("sms", tmp_path, source=bundle_package), "sms")
    try:
        edge = answer_and_fuel(fn, "/cases")[0]
    finally:
        fn.close()
    assert_same_as_node(edge, in_node)
    assert edge["installed"] == "function"
    for when in ("atLoad", "atRun"):
        got = edge[when]
        for name in ("bundle", "minified"):
            assert got[f"{name}: AuthError"] == ["AuthError", ["AuthError: denied for x", "at check /src/errors.ts:9",
                                                               "at Object.handler /src/handler.ts:6"]], (when, name)
            name_, (first, thrown_in, called_from) = got[f"{name}: jsonwebtoken"]
            assert (name_, first, called_from) == ("JsonWebTokenError", "JsonWebTokenError: jwt malformed",
                                                   "at Object.verify /src/handler.ts:11"), (when, name)
            assert thrown_in.startswith("at Object.module.exports [as verify] /node_modules/jsonwebtoken/verify.js:")
        assert got["util.inspect"][:2] == ["AuthError: denied for y", "at check /src/errors.ts:9"]


def _invoke_error(fn) -> dict:  # type: ignore[no-untyped-def]
    outcome = fn.invoke(json.dumps(VIEWER_EVENT).encode(), None)
    assert not outcome.ok
    [line] = [rec.message for rec in outcome.logs if rec.message.startswith("Invoke Error \t")]
    return json.loads(line.split("\t", 1)[1])


def test_a_failing_bundle_handler_is_logged_with_its_errors_name_and_message(bundle_package, tmp_path):  # type: ignore[no-untyped-def]
    warm = roomy_function(build("sms", tmp_path, handler="warm.handler", source=bundle_package), "warm")
    cold = roomy_function(build("sms", tmp_path, handler="cold.handler", source=bundle_package), "cold")
    try:
        logged = {"warm": _invoke_error(warm), "cold": _invoke_error(cold)}
    finally:
        warm.close()
        cold.close()
    for record in logged.values():
        assert record["errorType"] == "AuthError" and record["errorMessage"] == "denied for undefined"
        assert record["stack"][0] == "AuthError: denied for undefined"
        assert record["stack"][1].startswith("    at check (")
    # a map source-map-support read while the function was built maps the handler's frames too (the
    # handler a method of Lambda's Runtime, as Lambda calls it)
    assert logged["warm"]["stack"][1].startswith("    at check (/var/task/src/errors.ts:9:")
    assert logged["warm"]["stack"][2].startswith("    at Runtime.handler (/var/task/src/handler.ts:6:")
    # a map read in the request (the build keeps the bundle and its map for fs, as Lambda has them on disk)
    assert logged["cold"]["stack"][1].startswith("    at check (/var/task/src/errors.ts:9:")
    assert logged["cold"]["stack"][2].startswith("    at Runtime.handler (/var/task/src/handler.ts:6:")


def _frames(lines: list[str], root: str) -> list[str]:
    """A stack's first lines, the package's directory as /var/task, without columns."""
    return [re.sub(r":\d+\)$", ")", line.replace(root, "/var/task")) for line in lines[:3]]


def test_a_bundles_map_read_in_a_request_maps_its_errors_as_in_node(bundle_package, tmp_path):  # type: ignore[no-untyped-def]
    """Nothing formats a stack while the cold handler's function is built: source-map-support reads
    the bundle and its map in the request, from what the build kept (neither is one of the small files
    kept for fs: the bundle's sourceMappingURL names the map), and the frames are Node's."""
    assert ".map" in js_build.KEEP_SKIPPED_SUFFIXES
    script = ("class Runtime { constructor(handler) { this.handler = handler; } }\n"  # as Lambda calls it
              f"new Runtime(require({json.dumps(str(bundle_package / 'cold.js'))}).handler).handler({{}})"
              ".catch((e) => console.log(JSON.stringify(e.stack.split('\\n'))))")
    in_node = _frames(json.loads(node("-e", script)), str(bundle_package))
    fn = roomy_function(build("sms", tmp_path, handler="cold.handler", source=bundle_package), "cold")
    try:
        logged = _invoke_error(fn)
    finally:
        fn.close()
    assert _frames(logged["stack"], "/var/task") == in_node
    assert in_node[1:] == ["    at check (/var/task/src/errors.ts:9)", "    at Runtime.handler (/var/task/src/handler.ts:6)"]


def test_maps_past_their_budget_are_left_out_with_a_warning(bundle_package, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """With room for one bundle and its map (the minified one, the smaller), the other is left out:
    the build says so, naming it, and the cold handler's stack keeps the bundle's lines."""
    smaller = sum((bundle_package / "dist-min" / name).stat().st_size for name in ("index.js", "index.js.map"))
    monkeypatch.setattr(js_build, "SOURCE_MAPS_BYTES", smaller)
    warnings: list[str] = []
    wasm = js_build.build_js(bundle_package, out=tmp_path / "cold.wasm", handler="cold.handler", log=warnings.append)
    [warning] = [w for w in warnings if "source map" in w]
    assert "1 source map a bundle names is not kept for fs at request time: dist/index.js.map (" in warning, warning
    fn = roomy_function(wasm, "cold")
    try:
        logged = _invoke_error(fn)
    finally:
        fn.close()
    assert logged["stack"][1].startswith("    at check (/var/task/dist/index.js:"), logged["stack"]
