"""The Node layer's errors with a code in the sandbox against real Node: how they read.

Node's own errors (lib/internal/errors.js) read `TypeError [ERR_INVALID_ARG_TYPE]: The "path"
argument ...` in String(err), err.toString(), a template and the stack's first line (and so in
util.inspect and console.log), while err.name stays 'TypeError', err.constructor TypeError and
Error.prototype.toString.call(err) 'TypeError: ...'. The stack's first line is made when the stack
is first read: a name or code set before then is in it, a message set after is not. Errors Node's
C++ or OpenSSL throws with a code (ERR_CRYPTO_INVALID_IV, ERR_OSSL_*), zlib's (Z_DATA_ERROR) and
WebIDL's are plain: `TypeError: ...`. Each case below throws from one of the layer's built-ins
(buffer, path, crypto, url, util, events, stream, string_decoder, assert, os, zlib, webcrypto),
and every line of what it shows must be Node's. The last test checks the layer's list of codes
that Node makes plain errors against Node's own registry of codes (node --expose-internals)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .js_helpers import answer_and_fuel, compared_case_fixtures, node

CASES_JS = r"""'use strict';
const util = require('util');
// What an error shows: String, toString, a template, the stack's first line, Error.prototype's
// toString, name, code, constructor, its keys, JSON and util.inspect's first line
function show(e) {
  return [String(e), e.toString(), `${e}`, e.stack.split('\n')[0], Error.prototype.toString.call(e), e.name, e.code,
    e.constructor && e.constructor.name, e instanceof Error, Object.keys(e).join(','), JSON.stringify(e),
    util.inspect(e).split('\n')[0], Object.prototype.hasOwnProperty.call(e, 'toString')];
}
async function thrown(f) {
  try {
    await f();
  } catch (e) {
    return e;
  }
  return new Error('nothing thrown');
}
const crypto = require('crypto');
const path = require('path');
const THROWS = {
  'Buffer.alloc(-1)': () => Buffer.alloc(-1),
  "Buffer.alloc('x')": () => Buffer.alloc('x'),
  "toString('nope')": () => Buffer.from('a').toString('nope'),
  'readUInt8(5)': () => Buffer.alloc(1).readUInt8(5),
  "write(1)": () => Buffer.alloc(1).write(1),
  'Buffer.compare(1)': () => Buffer.compare(1, Buffer.alloc(1)),
  'Buffer.alloc(3n)': () => Buffer.alloc(3n),
  'Buffer.alloc(-0 string)': () => Buffer.alloc('-0'),
  'Buffer.alloc(long string)': () => Buffer.alloc('a'.repeat(40)),
  "Buffer.alloc(it's)": () => Buffer.alloc(`it's ${'b'.repeat(30)}`),
  'Buffer.alloc(28 chars)': () => Buffer.alloc('c'.repeat(28)),
  'Buffer.alloc(symbol)': () => Buffer.alloc(Symbol('s')),
  'path.join(1)': () => path.join(1),
  'path.basename(null)': () => path.basename(null),
  'createHash(1)': () => crypto.createHash(1),
  'digest twice': () => { const h = crypto.createHash('sha256'); h.digest(); h.digest(); },
  'createHmac(sha256, 1)': () => crypto.createHmac('sha256', 1),
  'randomBytes(-1)': () => crypto.randomBytes(-1),
  'invalid IV': () => crypto.createCipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(3)),
  'invalid key length': () => crypto.createCipheriv('aes-128-cbc', Buffer.alloc(15), Buffer.alloc(16)),
  'timingSafeEqual lengths': () => crypto.timingSafeEqual(Buffer.alloc(1), Buffer.alloc(2)),
  "new URL('nope')": () => new URL('nope'),
  'util.promisify(1)': () => util.promisify(1),
  'util.inherits(1)': () => util.inherits(1, 2),
  "on('x', 1)": () => new (require('events'))().on('x', 1),
  'string_decoder nope': () => new (require('string_decoder').StringDecoder)('nope'),
  'write after end': () => new Promise((resolve, reject) => {
    const w = new (require('stream').Writable)({ write(chunk, enc, cb) { cb(); } });
    w.on('error', reject);
    w.end();
    w.write('x');
  }),
  "assert.fail('boom')": () => require('assert').fail('boom'),
  'assert.ok(false, m)': () => require('assert').ok(false, 'was false'),
  'os.setPriority': () => require('os').setPriority(99999999, 0),
  'gunzipSync': () => require('zlib').gunzipSync(Buffer.from('xx')),
  'createHmac(1, k)': () => crypto.createHmac(1, 'k'),
  'hash.update(1)': () => crypto.createHash('sha256').update(1),
  "new URL('/x', 'nope')": () => new URL('/x', 'nope'),
  "fileURLToPath('http://x')": () => require('url').fileURLToPath('http://x'),
  'util.callbackify last argument': () => util.callbackify(async () => 1)(1),
  'subtle.importKey(1)': () => crypto.subtle.importKey('raw', new Uint8Array(16), { name: 'HMAC', hash: 'SHA-256', length: -1 }, false, ['sign']),
};
async function run() {
  const out = {};
  for (const [name, f] of Object.entries(THROWS)) out[name] = show(await thrown(f));
  // the stack's first line is made when it is first read: with the name or code of then
  const named = await thrown(THROWS['path.join(1)']);
  named.name = 'Renamed';
  out['renamed before the stack is read'] = show(named);
  const recoded = await thrown(THROWS['path.join(1)']);
  recoded.code = 'ERR_OTHER';
  out['code changed before the stack is read'] = show(recoded);
  const later = await thrown(THROWS['path.join(1)']);
  String(later.stack);
  later.message = 'changed';
  later.name = 'Later';
  out['changed after the stack is read'] = show(later);
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const bare = await thrown(THROWS['path.join(1)']);
    out['no frames'] = [bare.stack, util.inspect(bare)];
  } finally {
    Error.stackTraceLimit = limit;
  }
  // Node's prototype chains differ from one error to another; what they have in common
  const err = await thrown(THROWS['createHash(1)']);
  const proto = Object.getPrototypeOf(err);
  const enumerated = [];
  for (const key in err) enumerated.push(key);
  out['prototype'] = [proto === TypeError.prototype, err instanceof TypeError, err.constructor === TypeError,
    err.toString === TypeError.prototype.toString, proto.toString.call({ name: 'N', message: 'M' }), enumerated.join(',')];
  return out;
}
exports.run = run;
"""

INDEX_JS = r"""'use strict';
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });
"""


# (case, index in show()'s list): known differences. Node's SystemError's constructor is its
# internal class NodeError.
KNOWN = {("os.setPriority", 7)}


sources, node_results, function = compared_case_fixtures("error_codes", {"cases.js": CASES_JS, "index.js": INDEX_JS})


@pytest.fixture(scope="module")
def edge_results(function) -> dict:  # type: ignore[no-untyped-def]
    return answer_and_fuel(function, "/")[0]


def test_errors_read_as_in_node(edge_results, node_results):  # type: ignore[no-untyped-def]
    assert list(edge_results) == list(node_results)
    for name, i in KNOWN:
        assert edge_results[name][i] != node_results[name][i], f"{name}[{i}] is Node's now: drop it from KNOWN"
        edge_results[name][i] = node_results[name][i]
    wrong = {name: (edge_results[name], node_results[name]) for name in node_results if edge_results[name] != node_results[name]}
    assert not wrong, "\n".join(
        f"{name}: " + "; ".join(f"[{i}] edge {e!r} node {n!r}" for i, (e, n) in enumerate(zip(*pair)) if e != n)
        for name, pair in wrong.items())


def test_the_cases_cover_what_they_say(node_results):  # type: ignore[no-untyped-def]
    first = node_results["path.join(1)"]
    assert first[0].startswith('TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string')
    assert first[3] == first[0] and first[5] == "TypeError" and first[4].startswith("TypeError: The")
    assert node_results["invalid IV"][0] == "TypeError: Invalid initialization vector"  # C++'s: plain
    assert node_results["gunzipSync"][0].startswith("Error: ")
    assert node_results["os.setPriority"][0].startswith("SystemError [ERR_SYSTEM_ERROR]: ")
    assert node_results["renamed before the stack is read"][3].startswith("Renamed [ERR_INVALID_ARG_TYPE]: ")
    assert node_results["code changed before the stack is read"][3].startswith("TypeError [ERR_OTHER]: ")
    assert node_results["changed after the stack is read"][:4] == [
        "Later [ERR_INVALID_ARG_TYPE]: changed", "Later [ERR_INVALID_ARG_TYPE]: changed",
        "Later [ERR_INVALID_ARG_TYPE]: changed", node_results["path.join(1)"][3]]


NODE = Path(__file__).resolve().parent.parent / "edge" / "js" / "node"


def test_the_plain_codes_are_those_node_does_not_register():  # type: ignore[no-untyped-def]
    """Every ERR_ code the layer throws is a NodeError in Node exactly when Node's lib/internal/errors.js
    registers it (the rest come from its C++ or OpenSSL, plain): prelude.js's CPP_CODES and the
    ERR_OSSL_ prefix name those."""
    codes = sorted({code for f in NODE.glob("*.js") for code in re.findall(r"'(ERR_[A-Z0-9_]+)'", f.read_text())})
    registered = json.loads(node("--expose-internals", "-e",
                                 "const { codes } = require('internal/errors');"
                                 f"console.log(JSON.stringify({json.dumps(codes)}.filter((c) => c in codes)))"))
    prelude = (NODE / "prelude.js").read_text()
    cpp = set(re.findall(r"'(ERR_[A-Z0-9_]+)'", re.search(r"const CPP_CODES = new Set\(\[(.*?)\]\)", prelude, re.S)[1]))
    plain = {code for code in codes if code.startswith("ERR_OSSL_") or code in cpp}
    assert plain == set(codes) - set(registered)
