"""What the log says about a handler that fails: Lambda's `Invoke Error {...}` line with the error's
message and a stack whose frames name the handler and the line of the user's file, as Node's do.

`exports.handler = async (event) => ...` gives the function no name (its `.name` is '' in Node
too); V8 still names its frames after what it was assigned to (`at exports.handler`), and so does
the engine (edge/js/engine/inferred_names.h), where every such frame used to read
`at <anonymous>`. Each handler here runs through `edge invoke` and under real Node, called as
Lambda calls it; the frames are compared by name, file and line (QuickJS counts columns
differently: `throw new Error()` is at `Error`, V8 says `new`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .test_js_porting import EVENT

FRAME = re.compile(r"^\s*at (\S+) \((?:file://)?(/[^\s():]+):(\d+):\d+\)$")
HELPER = """exports.validate = function (uri) {
  if (!uri.startsWith('/ok')) throw new Error('not ok: ' + uri);
};
"""

# name: (handler file, its source, another file of the package or None, the frame names expected)
CASES = {
    "cjs-async": ("index.js", """'use strict';
exports.handler = async (event) => {
  throw new Error('async boom');
};
""", None, ["exports.handler"]),
    "cjs-async-after-await": ("index.js", """exports.handler = async (event) => {
  await null;
  const uri = event.Records[0].cf.request.uri;
  throw new RangeError(`bad uri ${uri}`);
};
""", None, ["exports.handler"]),
    "cjs-sync": ("index.js", """module.exports.handler = function (event, context, callback) {
  const request = event.Records[0].cf.request;
  if (!request.headers.host) throw new TypeError('no host header');
  callback(null, request);
};
""", None, ["module.exports.handler"]),
    "cjs-callback": ("index.js", """exports.handler = (event, context, callback) => {
  callback(new Error('denied'));
};
""", None, ["exports.handler"]),
    "cjs-helper": ("index.js", """const { validate } = require('./lib');

exports.handler = async (event) => {
  validate(event.Records[0].cf.request.uri);
  return event.Records[0].cf.request;
};
""", ("lib.js", HELPER), ["exports.validate", "exports.handler"]),
    "esm-async": ("index.mjs", """export const handler = async (event) => {
  throw new Error('esm boom');
};
""", None, ["Runtime.handler"]),
    "esm-sync": ("index.mjs", """// a plain function, calling back
export function handler(event, context, callback) {
  const uri = event.Records[0].cf.request.uri;
  throw new Error(`cannot serve ${uri}`);
}
""", None, ["Runtime.handler"]),
}

# Node, calling the handler with Lambda's arguments (event, context, callback; a promise or the
# callback settles it), as a method of a Runtime object as Lambda's runtime does (`this.handler(...)`:
# V8 names the frame `Runtime.handler`, or `exports.handler` for a function named by its assignment),
# printing the error it fails with
IN_NODE = """
class Runtime { constructor(handler) { this.handler = handler; } }
const file = process.argv[1];
const event = JSON.parse(process.argv[2]);
// what Lambda's runtime logs after `Invoke Error \\t`: an Error as its name, message, code, own
// enumerable properties and stack's lines; any other value as JSON.stringify gives it
const record = (err) => JSON.parse(JSON.stringify(err, (key, v) => (v instanceof Error
  ? Object.assign({ errorType: v.name, errorMessage: v.message, code: v.code }, v, { stack: v.stack.split('\\n') })
  : v)));
(async () => {
  const { handler } = file.endsWith('.mjs') ? await import(file) : require(file);
  try {
    await new Promise((resolve, reject) => {
      const returned = new Runtime(handler).handler(event, {}, (err, value) => (err ? reject(err) : resolve(value)));
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    });
    console.log('null');
  } catch (err) {
    console.log(JSON.stringify(record(err)));
  }
})();
"""


def frames(stack: list[str], root: str) -> list[tuple[str, str, int]]:
    """(name, file relative to the package, line) of each of the user's frames."""
    found = []
    for line in stack[1:]:
        m = FRAME.match(line)
        if m and m.group(2).startswith(root + "/"):
            found.append((m.group(1), m.group(2)[len(root) + 1:], int(m.group(3))))
    return found


@pytest.fixture(scope="module")
def event_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("event") / "event.json"
    path.write_text(json.dumps(EVENT))
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_a_failing_handlers_logged_stack_names_it_and_its_line_as_node_does(case, tmp_path, event_file):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    filename, source, other, names = CASES[case]
    package = tmp_path / "fn"
    package.mkdir()
    (package / filename).write_text(source)
    if other:
        (package / other[0]).write_text(other[1])

    result = CliRunner().invoke(cli, ["invoke", str(package), "--event", str(event_file)])
    assert result.exit_code == 1, result.output
    logged = [line for line in result.stderr.splitlines() if line.startswith("ERROR\tInvoke Error \t")]
    assert len(logged) == 1, result.stderr
    edge = json.loads(logged[0].split("\t", 2)[2])

    out = subprocess.run([node, "-e", IN_NODE, str(package / filename), json.dumps(EVENT)], capture_output=True,
                         text=True, check=True, timeout=60).stdout
    expected = json.loads(out)
    assert (edge["errorType"], edge["errorMessage"]) == (expected["errorType"], expected["errorMessage"])
    assert edge["stack"][0] == f"{expected['errorType']}: {expected['errorMessage']}"
    edge_frames = frames(edge["stack"], "/var/task")
    assert [name for name, _, _ in edge_frames] == names, edge["stack"]
    assert edge_frames == frames(expected["stack"], str(package)), (edge["stack"], expected["stack"])
    assert "<anonymous>" not in logged[0]
    # only the function's frames: an ES module's as file URLs, as Node's; none of the layer's beneath them
    where = "(file:///var/task/" if filename.endswith(".mjs") else "(/var/task/"
    assert all(where in line for line in edge["stack"][1:]), edge["stack"]


def test_an_inferred_name_is_for_stacks_only(tmp_path, event_file):
    """As in V8: the function's `name` stays '' (code comparing it sees Node's value), a name the
    language gives (`const f = () => ...`, `{ handler() {} }`) is kept, and a chain with brackets
    or a call in it gives no name."""
    (tmp_path / "cases.js").write_text(r"""const o = { inner: {} };
const frame = () => new Error('x').stack.split('\n')[2].trim().split(' (')[0];  // the caller's frame
o.inner.f = () => frame();
o['g'] = () => frame();
const h = () => frame();
exports.run = () => [o.inner.f(), o.inner.f.name, o.g(), h(), h.name];
""")
    (tmp_path / "index.js").write_text("""const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(cases.run()) });
""")
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path), "--event", str(event_file)])
    assert result.exit_code == 0, result.output
    edge = json.loads(json.loads(result.stdout)["body"])
    assert edge == ["at o.inner.f", "", "at Object.g", "at h", "h"]
    node = shutil.which("node")
    if node is not None:  # V8 also names o['g'] (o.g): the engine leaves computed keys unnamed (a method: Object.g)
        out = subprocess.run([node, "-e", "console.log(JSON.stringify(require('./cases').run()))"], cwd=tmp_path,
                             capture_output=True, text=True, check=True, timeout=60).stdout
        assert json.loads(out) == ["at o.inner.f", "", "at o.g", "at h", "h"]
