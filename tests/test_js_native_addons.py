"""A package whose `exports` (or a require of ./build/Release/addon) reaches a native addon (`.node`,
as sharp's @img/sharp-<platform>/sharp.node): the build compiled the binary as JavaScript and failed
with `SyntaxError: Unexpected token`. Now the build warns naming the file, and require() of it throws
Node's ERR_DLOPEN_FAILED (a plain Error with a code) when it runs, so packages that try optional
native builds and fall back load, as in Node, where dlopen fails for a file it cannot load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.js.build import JsBuildError, build_js

from .js_helpers import node
from .test_js_builtins_more import HANDLER, invoke, package

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x03\x00\x3e\x00not really an addon\xff\xfe\x00"

FILES = {
    "node_modules/@img/fake-linux-x64/package.json":
        '{"name": "@img/fake-linux-x64", "exports": {"./fake.node": "./lib/fake.node", "./package": "./package.json"}}',
    # sharp's pattern: try the platform's prebuilt addon, then others, then give up with its own message
    "node_modules/fakesharp/package.json": '{"name": "fakesharp", "main": "lib/index.js"}',
    "node_modules/fakesharp/lib/index.js": """
let native;
const errors = [];
const attempts = [() => require('@img/fake-linux-x64/fake.node'), () => require('@img/fake-linuxmusl-x64/fake.node')];
for (const attempt of attempts) {
  try { native = attempt(); break; } catch (err) { errors.push([err.code, err instanceof Error]); }
}
module.exports = { loaded: native !== undefined, errors };
""",
    # the node-gyp pattern: ./build/Release/addon (Node tries the .node extension) with a JS fallback
    "node_modules/optional/package.json": '{"name": "optional", "main": "index.js"}',
    "node_modules/optional/index.js": """
let impl;
try { impl = require('./build/Release/addon'); } catch (err) { impl = { fallback: true, code: err.code }; }
module.exports = impl;
""",
    "cases.js": """
exports.run = () => {
  const sharp = require('fakesharp');
  const optional = require('optional');
  let direct;
  try { require('@img/fake-linux-x64/fake.node'); } catch (e) {
    direct = [e.code, e.name, String(e).startsWith('Error: '), e.message.includes('fake.node'), Object.keys(e)];
  }
  return { sharp, optional, direct };
};
""",
    "index.js": HANDLER,
}


def addon_package(root: Path) -> Path:
    package(root, FILES)
    for path in ("node_modules/@img/fake-linux-x64/lib/fake.node", "node_modules/optional/build/Release/addon.node"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(ELF)
    return root


def test_requiring_a_native_addon_throws_err_dlopen_failed_that_packages_catch_as_in_node(tmp_path):
    source = addon_package(tmp_path / "addons")
    in_node = json.loads(node("-e", "console.log(JSON.stringify(require(%s).run()))" % json.dumps(str(source / "cases.js"))))
    at_the_edge, _ = invoke(source, tmp_path)
    assert at_the_edge == in_node
    assert at_the_edge["optional"] == {"fallback": True, "code": "ERR_DLOPEN_FAILED"}


def test_the_build_warns_and_an_unguarded_require_fails_it_naming_the_file(tmp_path):
    source = addon_package(tmp_path / "addons")
    warnings: list[str] = []
    build_js(source, out=tmp_path / "ok.wasm", log=warnings.append)
    addon = [w for w in warnings if "native addon" in w]
    assert len(addon) == 2, warnings
    assert any("node_modules/optional/build/Release/addon.node: a native addon (.node), which edge functions cannot "
               "load" in w for w in addon)
    assert all("throws ERR_DLOPEN_FAILED if it runs" in w for w in addon)

    (source / "index.js").write_text("const addon = require('optional/build/Release/addon.node');\n"
                                     "exports.handler = async () => ({});\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(source, out=tmp_path / "fails.wasm")
    assert "/var/task/node_modules/optional/build/Release/addon.node: native addons (.node files) cannot be loaded " \
           "in edge functions" in str(failure.value)
    assert "SyntaxError" not in str(failure.value)
