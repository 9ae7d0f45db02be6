"""The engine's own error messages as Node 20 (V8) words them: each case runs in the edge (a function
built from it, `edge invoke`) and in real Node, and `name: message` is compared exactly. A case
with a text is a known difference: the edge's message is asserted to be that text (and Node's to
differ), so a change to either shows up here. Why each differs is said beside it; in short: the
texts QuickJS has that were not aligned (engine.py's QUICKJS_EDITS lists those that were), and
where V8 writes the source text of an expression the engine names the value (`o is not
iterable`, `obj.x is not a function` from a call with a branch in its callee). docs/javascript.md,
"The engine's own messages"."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import build_js

from .js_helpers import VIEWER_EVENT, node

# name: (the function body, None when the edge's message is Node's, else the edge's known `name: message`)
CASES: dict[str, tuple[str, str | None]] = {
    'read_of_undefined': ('{ const o = {}; o.foo.bar(); }', None),
    'method_missing': ('{ const o = {}; o.bar(); }', None),
    'call_number': ('{ const f = 5; f(); }', None),
    'const_assign': ('{ const c = 1; c = 2; }', None),
    'json_bad_key': ("{ JSON.parse('{bad'); }", None),
    'array_length': ('{ new Array(-1); }', None),
    'destructure_null': ('{ const {a} = null; }', None),
    'destructure_undefined': ('{ const {a} = undefined; }', None),
    'destructure_param': ('{ (({a}) => a)(); }', None),
    'set_undefined': ('{ const o = undefined; o.x = 1; }', None),
    'set_null': ('{ const o = null; o.x = 1; }', None),
    'set_index_undefined': ('{ const o = undefined; o[0] = 1; }', None),
    'not_iterable_num': ('{ const o = 5; for (const x of o) {} }', 'TypeError: 5 is not iterable'),  # V8 writes the iterated expression's text (`o`); the engine names the value
    'not_iterable_obj': ('{ const o = {}; for (const x of o) {} }', 'TypeError: object is not iterable'),  # V8 writes the expression's text; the engine says `object`
    'array_destructure_undef': ('{ const [a] = undefined; }', None),
    'spread_undef': ('{ const u = undefined; [...u]; }', 'TypeError: undefined is not iterable'),  # V8 writes the expression's text (`u`); the engine names the value
    'spread_obj': ('{ const o = {}; [...o]; }', 'TypeError: object is not iterable'),  # V8 writes the expression's text; the engine says `object`
    'not_constructor': ('{ const X = 5; new X(); }', None),
    'not_constructor_member': ('{ const o = {x: 1}; new o.x(); }', None),
    'arrow_not_constructor': ('{ const A = () => 1; new A(); }', None),
    'class_no_new': ('{ class X {} X(); }', None),
    'tdz': ('{ x; let x = 1; }', None),
    'not_defined': ('{ notDefined; }', None),
    'method_of_null': ('{ const o = null; o.x(); }', None),
    'method_of_undefined': ('{ let o; o.x(); }', None),
    'read_of_null': ('{ const o = null; o.x; }', None),
    'recursion': ('{ function r() { return r() + 1; } r(); }', None),
    'bigint_mix': ('{ const a = 1n, b = 1; a + b; }', None),
    'circular': ('{ const a = {}; a.a = a; JSON.stringify(a); }', None),
    'reduce_empty': ('{ [].reduce((a, b) => a); }', None),
    'invalid_time': ('{ new Date(NaN).toISOString(); }', None),
    'json_unexpected': ("{ JSON.parse('xyz'); }", None),
    'json_empty': ("{ JSON.parse(''); }", None),
    'json_minus_alone': ("{ JSON.parse('-'); }", None),
    'json_minus_letter': ("{ JSON.parse('[-x]'); }", None),
    'json_plus': ("{ JSON.parse('+1'); }", None),
    'json_end': ('{ JSON.parse(\'{"a":\'); }', None),
    'json_trailing': ('{ JSON.parse(\'{"a":1}x\'); }', None),
    'json_undefined': ('{ JSON.parse(undefined); }', None),
    'json_long': ("{ JSON.parse('<html><head><title>502 Bad Gateway</title></head></html>'); }", None),
    'regexp': ("{ new RegExp('('); }", None),
    'regexp2': ("{ new RegExp('a**'); }", None),
    'regexp_flags': ("{ new RegExp('a', 'gg'); }", None),
    'chain_call': ('{ const a = {b: {}}; a.b.c(); }', None),
    'computed_call': ("{ const obj = {}, key = 'k'; obj[key](); }", None),
    'call_result': ('{ const g = () => ({}); g().x(); }', None),
    'this_call': ('{ ({ m() { this.nope(); } }).m(); }', None),
    'string_method': ("{ 'abc'.foo(); }", None),
    'call_undefined_var': ('{ let cb; cb(); }', None),
    'global_call': ('{ globalThis.nope(); }', None),
    'array_elem_call': ('{ const arr = [1]; arr[0](); }', None),
    'optional_call': ('{ const o = {x: 1}; o.x?.(); }', 'TypeError: 1 is not a function'),  # an optional call's bytecode branches around the call: the callee is not read back, the value is named
    'new_then_call': ('{ new Map().foo(); }', None),
    'in_operator': ("{ 'a' in 5; }", "TypeError: invalid 'in' operand"),  # QuickJS's text
    'instanceof_non_callable': ('{ ({}) instanceof 5; }', "TypeError: invalid 'instanceof' right operand"),  # QuickJS's text
    'symbol_to_string': ("{ `${Symbol('s')}`; }", None),
    'freeze_write': ('{ const o = Object.freeze({a: 1}); o.a = 2; }', "TypeError: 'a' is read-only"),  # QuickJS's text (V8 describes the object: '#<Object>')
    'getter_only': ('{ const o = {get a() { return 1; }}; o.a = 2; }', 'TypeError: no setter for property'),  # QuickJS's text
    'define_nonext': ('{ const o = Object.preventExtensions({}); o.b = 1; }', 'TypeError: object is not extensible'),  # QuickJS's text (V8 names the property)
    'delete_nonconfig': ('{ delete Object.prototype; }', 'TypeError: could not delete property'),  # QuickJS's text (V8 prints the object)
    'to_fixed': ('{ (1).toFixed(101); }', 'RangeError: invalid number of digits'),  # QuickJS's text
    'repeat_neg': ("{ 'a'.repeat(-1); }", 'RangeError: invalid repeat count'),  # QuickJS's text
    'null_proto_call': ('{ Object.create(null).toString(); }', None),
    'weakmap_key': ('{ new WeakMap().set(1, 1); }', 'TypeError: invalid value used as WeakMap key'),  # QuickJS's text (thrown from another site than the one edited)
    'bigint_conv': ('{ BigInt(1.5); }', 'RangeError: cannot convert to BigInt: not an integer'),  # QuickJS's text
    'bigint_syntax': ("{ BigInt('x'); }", 'SyntaxError: invalid BigInt literal'),  # QuickJS's text
    'number_to_string_radix': ('{ (1).toString(1); }', None),
    'uri': ("{ decodeURIComponent('%'); }", None),
    'normalize': ("{ 'a'.normalize('x'); }", 'RangeError: bad normalization form'),  # QuickJS's text
    'proxy_revoked': ('{ const {proxy, revoke} = Proxy.revocable({}, {}); revoke(); proxy.x; }', 'TypeError: revoked proxy'),  # QuickJS's text (V8 names the trap)
    'private_field': ('{ class A { #x; static g(o) { return o.#x; } } A.g({}); }', "TypeError: private class field '#x' does not exist"),  # QuickJS's text
    'super_not_called': ('{ class A {} class B extends A { constructor() { } } new B(); }', None),
    'set_array_length': ('{ [].length = -1; }', None),
    'typed_array_len': ('{ new Uint8Array(-1); }', 'RangeError: invalid array index'),  # QuickJS's text
    'readonly_prop_strict': ("{ const s = 'abc'; s.length = 1; }", "TypeError: 'length' is read-only"),  # QuickJS's text (V8 describes the object)
    'frozen_array_push': ('{ Object.freeze([]).push(1); }', 'TypeError: object is not extensible'),  # QuickJS's text (V8 names the property)
    'object_define': ("{ Object.defineProperty(1, 'a', {}); }", 'TypeError: not an object'),  # QuickJS's text (V8 names the method)
    'reflect_non_object': ('{ Reflect.ownKeys(1); }', 'TypeError: not an object'),  # QuickJS's text (V8 names the method)
    'string_from_code_point': ('{ String.fromCodePoint(-1); }', 'RangeError: invalid code point'),  # QuickJS's text (V8 adds the value)
    'array_from_non_callable': ('{ Array.from([1], 5); }', None),
    'map_non_callable': ('{ [1].map(5); }', None),
    'foreach_undefined': ('{ [1].forEach(); }', None),
    'sort_bad': ('{ [1, 2].sort(5); }', 'TypeError: 5 is not a function'),  # a built-in's callback check: V8 has a text of its own for sort
    'promise_non_callable': ('{ new Promise(5); }', 'TypeError: 5 is not a function'),  # V8 adds `Promise resolver`
    'call_non_callable_apply': ('{ Function.prototype.apply.call(5); }', 'TypeError: 5 is not a function'),  # V8 writes the call's expression; the engine names the value (the check is in a built-in)
    'json_bigint': ('{ JSON.stringify({a: 1n}); }', None),
    'object_keys_null': ('{ Object.keys(null); }', None),
    'object_assign_null': ('{ Object.assign(null, {}); }', None),
    'string_proto_on_null': ('{ String.prototype.trim.call(null); }', 'TypeError: null or undefined are forbidden'),  # QuickJS's text (V8 names the method)
    'set_proto_cycle': ('{ const a = {}; Object.setPrototypeOf(Object.prototype, a); }', "TypeError: 'Immutable prototype object 'Object.prototype' cannot have their prototype set'"),  # QuickJS quotes V8's text once more
    'generator_running': ('{ function* g() { it.next(); } const it = g(); it.next(); }', None),
    'ascii_invalid_count': ("{ 'a'.padStart(Infinity); }", 'RangeError: invalid string length'),  # QuickJS's text (lower case)
    'array_buffer_neg': ('{ new ArrayBuffer(-1); }', 'RangeError: invalid array index'),  # QuickJS's text
    'dataview_oob': ('{ new DataView(new ArrayBuffer(1)).getUint32(0); }', 'RangeError: out of bound'),  # QuickJS's text
    'new_symbol': ('{ new Symbol(); }', None),
    'const_assign_compound': ('{ const c = 1; c += 2; }', None),
    'const_assign_incr': ('{ const c = 1; c++; }', None),
    'tdz_const': ('{ y; const y = 1; }', None),
    'tdz_class': ('{ new K(); class K {} }', None),
    'bigint_to_number': ('{ Math.abs(1n); }', None),
    'bigint_unary': ('{ +1n; }', 'bigint argument with unary +'),  # QuickJS's own text for unary +
    'regexp_with_flags': ("{ new RegExp('(', 'g'); }", None),
    'regexp_unmatched': ("{ new RegExp(')'); }", None),
    'callback_object': ('{ [1].map({}); }', None),
    'callback_array': ('{ [1].map([1, 2]); }', None),
    'not_iterable_builtin': ('{ new Set(5); }', None),
    'not_iterable_builtin_object': ('{ new Map({}); }', None),
    'circular_path': ('{ const a = {}; a.b = [{}]; a.b[0].c = a; JSON.stringify({root: a}); }', None),
    'circular_long_path': ('{ const a = {}; a.b = {}; a.b.c = {}; a.b.c.d = {}; a.b.c.d.e = {}; a.b.c.d.e.f = a; JSON.stringify(a); }', None),
    'circular_class': ('{ class K {} const k = new K(); k.self = k; JSON.stringify(k); }', None),
    'json_context_middle': ('{ JSON.parse(\'{"name": "edge", "value": nope, "more": 1}\'); }',
                            'SyntaxError: Unexpected token \'n\', ..." "value": nope, "mor"... is not valid JSON'),
    # ^ V8 points at the first wrong character of a misspelt word ('o' of nope), QuickJS at its start
    'json_context_end': ("{ JSON.parse('[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, x]'); }", None),
    # the callee as V8 writes it, read back from the bytecode that computed it
    'callee_string_key': ('{ const a = {}; a["x"](); }', None),
    'callee_number_key': ('{ const a = {}; a[0](); }', None),
    'callee_nested_key': ("{ const a = {}, b = {c: 'k'}, c = 'k'; a[b[c]](); }", None),
    'callee_member_key': ("{ const a = {}, b = {c: 'k'}; a[b.c](); }", None),
    'callee_mixed_chain': ('{ const a = {b: {c: {}}}; a.b["c"].d(); }', None),
    'callee_call_result_args': ('{ const g = () => ({}); g(1, 2).x(); }', None),
    'callee_called_result': ('{ const g = () => ({}); g()(); }', None),
    'callee_blanks': ('{ const a = {b: {}}; a  .  b\n  .x(); }', None),
    'callee_comment': ('{ const a = {}; a /* c */ .x(); }', None),
    'callee_template_literal': ('{ `t`.foo(); }', None),
    'callee_array_literal': ('{ [].x(); }', '(intermediate value).x is not a function'),
    'callee_args': ('{ const o = {}; o.bar(1, 2); }', None),
    'callee_call_in_args': ('{ const o = {}, g = () => 1; o.bar(g()); }', None),
    'callee_ternary_in_args': ('{ const o = {}, i = 0; o.bar(i ? 1 : 2); }', None),
    'callee_logic_in_args': ('{ const o = {}, i = 0, k = 1; o.bar(i || 2, k && 3); }', None),
    'callee_failing_call_in_args': ('{ const o = {}; o.bar(o.baz()); }', None),
    'callee_tail_position': ('{ const o = {}; return o.bar(); }', None),
    'callee_spread_args': ('{ const o = {f: 5}; o.f(...[1]); }', '5 is not a function'),  # a spread call goes through apply: the value is named
    'callee_tagged_template': ('{ let u; u`t`; }', None),
    'callee_new_member': ('{ const o = {}; new o.q(); }', None),
    'callee_new_no_parens': ('{ const X = 5; new X; }', None),
    'callee_new_call_result': ('{ const g = () => 1; new (g())(); }', None),
    'callee_eval': ("{ const o = {}; eval('o.x()'); }", None),
    'callee_comma': ('{ const o = {}; (0, o.x)(); }', 'o.x is not a function'),  # V8: `(0 , o.x)`
    'callee_computed_expression': ('{ const a = {}, i = 0; a[i + 1](); }', 'undefined is not a function'),  # V8: `a[(i + 1)]`
    'callee_literal_key': ('{ const a = {}; a[null](); }', 'undefined is not a function'),  # V8: `a[null]`
}

HANDLER = """const { cases } = require('./cases.js');
exports.handler = async () => {
  const out = {};
  for (const [name, f] of Object.entries(cases)) {
    try { f(); out[name] = 'no error'; } catch (e) { out[name] = `${e.name}: ${e.message}`; }
  }
  return { status: '200', body: JSON.stringify(out) };
};
"""


def cases_source() -> str:
    body = ",\n".join(f"  {name}: () => {code}" for name, (code, _) in CASES.items())
    return f"'use strict';\nexports.cases = {{\n{body}\n}};\n"


@pytest.fixture(scope="module")
def package(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-error-messages") / "pkg"
    src.mkdir()
    (src / "cases.js").write_text(cases_source())
    (src / "index.js").write_text(HANDLER)
    return src


@pytest.fixture(scope="module")
def in_node(package) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(node("-e", (f"const {{ cases }} = require({json.dumps(str(package / 'cases.js'))}); const out = {{}};"
                                  "for (const [n, f] of Object.entries(cases)) { try { f(); out[n] = 'no error'; }"
                                  " catch (e) { out[n] = `${e.name}: ${e.message}`; } }"
                                  "console.log(JSON.stringify(out));")))


@pytest.fixture(scope="module")
def in_edge(package, tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("js-error-messages-out")
    wasm = build_js(package, out=out / "messages.wasm")
    event = out / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code == 0, result.output
    return json.loads(json.loads(result.stdout)["body"])


@pytest.mark.parametrize("name", [n for n, (_, known) in CASES.items() if known is None])
def test_the_message_is_nodes(name, in_node, in_edge):
    assert in_node[name] != "no error", name
    assert in_edge[name] == in_node[name]


@pytest.mark.parametrize("name", [n for n, (_, known) in CASES.items() if known is not None])
def test_a_known_difference_stays_as_it_is(name, in_node, in_edge):
    known = CASES[name][1]
    if ": " not in known:
        known = "TypeError: " + known
    assert in_edge[name] == known
    assert in_node[name] != known
