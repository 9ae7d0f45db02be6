"""The build's warning about Intl (the engine has no ICU) named only the function's own sources:
luxon and dayjs/plugin/timezone failed at request time with `ReferenceError: Intl is not defined` and
no warning. The loader now warns, once per package, naming the first file and line of a package it
bundles that uses Intl; packages that only test for it (`typeof Intl`) or only list the name in quotes
(terser), and packages in node_modules the function does not require, are not named."""

from __future__ import annotations

from edge.js.build import build_js

from .test_js_builtins_more import package

FILES = {
    # luxon's pattern: Intl used when a date is formatted (not as the module loads)
    "node_modules/fakeluxon/package.json": '{"name": "fakeluxon", "main": "build/node/luxon.js"}',
    "node_modules/fakeluxon/build/node/luxon.js": """// Intl in a comment is not a use
function systemZone() {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}
exports.now = () => ({ zone: systemZone() });
""",
    # dayjs' plugin, minified on one line, under a scoped package
    "node_modules/@fake/dayjs/package.json": '{"name": "@fake/dayjs", "main": "index.js"}',
    "node_modules/@fake/dayjs/index.js": "module.exports = {};\n",
    "node_modules/@fake/dayjs/plugin/timezone.js":
        'module.exports=function(t){var e=function(n){return new Intl.DateTimeFormat("en-US",{timeZone:n})};return e};\n',
    # only a feature test: no warning
    "node_modules/guarded/package.json": '{"name": "guarded"}',
    "node_modules/guarded/index.js": "exports.hasIntl = typeof Intl !== 'undefined';\n",
    # the name in a list of names (terser's DOM properties): no warning
    "node_modules/listed/package.json": '{"name": "listed"}',
    "node_modules/listed/index.js": 'exports.names = ["Image", "Intl", `Intl`, \'Intl\'];\n',
    # in node_modules, but not required by the function: not bundled, not named
    "node_modules/unused/package.json": '{"name": "unused"}',
    "node_modules/unused/index.js": "exports.f = () => new Intl.NumberFormat('en-US').format(1);\n",
    "index.js": """const luxon = require('fakeluxon');
const tz = require('@fake/dayjs/plugin/timezone');
const { hasIntl } = require('guarded');
const { names } = require('listed');
exports.handler = async () => ({ status: '200', body: JSON.stringify({ hasIntl }) });
""",
}


def test_packages_the_function_bundles_that_use_intl_are_named_at_build_time(tmp_path):
    source = package(tmp_path / "intl", FILES)
    warnings: list[str] = []
    build_js(source, out=tmp_path / "intl.wasm", log=warnings.append)
    intl = [w for w in warnings if "Intl" in w]
    assert len(intl) == 2, warnings
    joined = "\n".join(intl)
    assert "node_modules/fakeluxon/build/node/luxon.js:3: package 'fakeluxon' uses Intl (Intl.DateTimeFormat)" in joined
    assert "node_modules/@fake/dayjs/plugin/timezone.js:1: package '@fake/dayjs' uses Intl (Intl.DateTimeFormat)" in joined
    assert "guarded" not in joined and "unused" not in joined and "listed" not in joined
    assert "throws ReferenceError: Intl is not defined when it runs" in joined
    assert "where the package checks for Intl first, answers without it" in joined


def test_a_package_is_named_once_and_the_functions_own_use_still_warns(tmp_path):
    files = {
        "node_modules/fakeluxon/package.json": '{"name": "fakeluxon"}',
        "node_modules/fakeluxon/index.js": "require('./a'); require('./b');\n",
        "node_modules/fakeluxon/a.js": "exports.a = () => Intl.DateTimeFormat;\n",
        "node_modules/fakeluxon/b.js": "exports.b = () => Intl.NumberFormat;\n",
        "index.js": "require('fakeluxon');\nexports.handler = async () => ({ n: (1234).toLocaleString() });\n",
    }
    source = package(tmp_path / "once", files)
    warnings: list[str] = []
    build_js(source, out=tmp_path / "once.wasm", log=warnings.append)
    assert len([w for w in warnings if "package 'fakeluxon'" in w]) == 1, warnings
    assert any("index.js:2: uses toLocaleString()" in w for w in warnings), warnings


def test_a_bundled_keyword_list_in_the_functions_own_file_is_not_a_use(tmp_path):
    """An esbuild bundle puts its packages' code in the function's own file: highlight.js's lists
    of built-in names ("Intl" in quotes) are no use of Intl; a real use in the same file still warns."""
    listed = 'const TYPES = ["Object", "Intl", `Intl`, \'Intl\'];\nexports.handler = async () => TYPES;\n'
    used = listed + "const fmt = () => new Intl.NumberFormat('en-US');\n"
    for name, text, warned in [("listed", listed, False), ("used", used, True)]:
        warnings: list[str] = []
        build_js(package(tmp_path / name, {"index.js": text}), out=tmp_path / f"{name}.wasm", log=warnings.append)
        assert any("index.js:3: uses Intl" in w for w in warnings) is warned, warnings
