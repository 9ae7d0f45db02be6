"""A function's package as Lambda has it on disk at /var/task, where edge functions have no
filesystem when they run: require.resolve() and require.resolve.paths() resolve as Node's, at build
time with the files and in requests from what the build recorded; a require() or import() whose
name is computed from a literal directory (`./locales/${lang}.json`, './locale/' + name, moment's
aliasedRequire) loads the files there, which the build keeps, within a bound and with a warning
for what it leaves out; fs reads the function's own small files that are not JavaScript (templates,
locales, text) in requests, within a budget. Built and run at the edge, compared with Node 20
running the same files."""

from __future__ import annotations

import json
import re

import pytest

import edge.js.build as js_build
from edge.js.build import build_js

from .js_helpers import (
    answer_and_fuel,
    assert_same_as_node,
    cases_in_node,
    npm_install,
    roomy_function,
    write_files,
)

CASES = r"""'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const helper = require('./helper');
const plain = require('plainpkg');
const rel = (p) => (typeof p === 'string' && p.startsWith('/') ? path.relative(__dirname, p) : p);
const shown = (text) => String(text).split(__dirname + '/').join('').split('\n')[0];
const outcome = async (f) => {
  try {
    const value = await f();
    return { value: Array.isArray(value) ? value.map(rel) : rel(value) };
  } catch (e) {
    return { error: [e.name, e.code, shown(e.message)], requireStack: e.requireStack && rel(e.requireStack[0]) };
  }
};
// at the top level, while the function is built: with the package's files
const cssAtTheTop = rel(require.resolve('normalize.css'));
const dataAtTheTop = rel(require.resolve('./data/notes'));

exports.run = async () => {
  const out = { cssAtTheTop, dataAtTheTop, helper };
  const add = async (name, f) => { out[name] = await outcome(f); };
  // require.resolve, in a request: what the build recorded, whatever was required
  await add('resolve/package never required', () => require.resolve('normalize.css'));
  await add('resolve/file named with its extension', () => require.resolve('./helper.js'));
  await add('resolve/the module itself', () => require.resolve('./cases.js'));
  await add('resolve/the handler', () => require.resolve('./index.js'));
  await add('resolve/a directory', () => require.resolve('./lang'));
  await add('resolve/package.json', () => require.resolve('plainpkg/package.json'));
  await add('resolve/a package file never required', () => require.resolve('plainpkg/lib/extra'));
  await add('resolve/exports', () => require.resolve('expkg/feature'));
  await add('resolve/exports without package.json', () => require.resolve('expkg/package.json'));
  await add('resolve/built-in', () => [require.resolve('fs'), require.resolve('node:path')]);
  await add('resolve/missing file', () => require.resolve('./nope'));
  await add('resolve/missing package', () => require.resolve('not-installed'));
  await add('resolve/paths', () => require.resolve('./fr.json', { paths: [path.join(__dirname, 'locales')] }));
  await add('resolve/paths for a package', () => require.resolve('normalize.css', { paths: [path.join(__dirname, 'lang')] }));
  await add('resolve/paths that miss', () => require.resolve('./fr.json', { paths: [__dirname] }));
  await add('resolve/paths not an array', () => require.resolve('x', { paths: 'nope' }));
  await add('resolve/not a string', () => require.resolve(5));
  await add('resolve/in a package', () => plain.resolveHere('./locale/a'));
  await add('resolve/createRequire', () => createRequire(path.join(__dirname, 'lang', 'x.js')).resolve('./en'));
  await add('resolve.paths/package', () => require.resolve.paths('normalize.css')
    .filter((p) => p.startsWith(__dirname)).map(rel));
  await add('resolve.paths/relative', () => require.resolve.paths('./x'));
  await add('resolve.paths/built-in', () => [require.resolve.paths('fs'), require.resolve.paths('node:fs')]);
  // computed names
  for (const lang of ['fr', 'de', 'extra/it']) {
    await add(`import/template ${lang}`, async () => (await import(`./locales/${lang}.json`, { with: { type: 'json' } })).default);
  }
  await add('import/template missing', async () => (await import(`./locales/${'xx'}.json`, { with: { type: 'json' } })).default);
  for (const name of ['en', 'es']) {
    await add(`require/concatenated ${name}`, () => require('./lang/' + name));
    await add(`require/with a suffix ${name}`, () => require('./locales/' + (name === 'en' ? 'fr' : 'de') + '.json'));
    await add(`require/__dirname ${name}`, () => require(__dirname + '/lang/' + name));
  }
  await add('require/missing', () => require('./lang/' + ['n', 'o'].join('')));
  await add('require/in a package', () => plain.load('b'));
  await add('require/aliased in a package', () => plain.aliased('a'));
  await add('require/missing in a package', () => plain.load('zz'));
  await add('require/a name with no literal directory', () => require(['./hel', 'per'].join('')));
  // fs in a request: the function's own small files
  const views = path.join(__dirname, 'views');
  const render = (name) => fs.readFileSync(path.join(views, `${name}.html`), 'utf8')
    .replace(/<%- include\("(\w+)"\) %>/g, (_, part) => render(part));
  await add('fs/a template and its includes', () => render('page'));
  await add('fs/exists', () => [fs.existsSync(path.join(views, 'header.html')), fs.existsSync(views),
    fs.existsSync(path.join(views, 'nope.html'))]);
  await add('fs/stat', () => [fs.statSync(path.join(views, 'header.html')).size, fs.statSync(views).isDirectory()]);
  await add('fs/locale as text', () => JSON.parse(fs.readFileSync(path.join(__dirname, 'locales', 'extra', 'it.json'))));
  await add('fs/missing', () => fs.readFileSync(path.join(views, 'nope.html')));
  return out;
};

// what differs from Node by design: files past a budget or a cap
exports.edge = async () => {
  const out = {};
  const add = async (name, f) => { out[name] = await outcome(f); };
  await add('big file', () => fs.readFileSync(path.join(__dirname, 'data', 'big.txt'), 'utf8').length);
  await add('big file exists', () => fs.existsSync(path.join(__dirname, 'data', 'big.txt')));
  await add('outside the package', () => fs.readFileSync('/etc/hostname'));
  for (const lang of ['de', 'fr']) {
    await add(`left out ${lang}`, async () => (await import(`./locales/${lang}.json`, { with: { type: 'json' } })).default);
    await add(`left out require ${lang}`, () => require(`./locales/${lang}.json`.replace('', '')));
  }
  return out;
};
"""

INDEX = r"""'use strict';
const cases = require('./cases.js');
exports.handler = async (event) => {
  const uri = event.Records[0].cf.request.uri;
  return { status: '200', body: JSON.stringify(uri === '/edge' ? await cases.edge() : await cases.run()) };
};
"""

PLAINPKG = r"""'use strict';
exports.load = (name) => require('./locale/' + name);
const aliasedRequire = require;
exports.aliased = (name) => aliasedRequire('./locale/' + name);
exports.resolveHere = (name) => require.resolve(name);
"""


def package_files() -> dict[str, str]:
    return {
        "index.js": INDEX, "cases.js": CASES, "helper.js": "module.exports = 'helper';\n",
        "package.json": json.dumps({"name": "fn", "version": "1.0.0", "private": True,
                                    "dependencies": {"normalize.css": "*", "expkg": "*", "plainpkg": "*"}}),
        "locales/fr.json": '{"hello": "bonjour"}\n', "locales/de.json": '{"hello": "hallo"}\n',
        "locales/extra/it.json": '{"hello": "ciao"}\n',
        "lang/en.js": "module.exports = { greeting: 'hello' };\n", "lang/es.js": "module.exports = { greeting: 'hola' };\n",
        "lang/index.js": "module.exports = 'lang';\n",
        "views/page.html": '<%- include("header") %><p>body</p>\n', "views/header.html": "<h1>title</h1>\n",
        "data/notes.js": "module.exports = 'notes';\n", "data/big.txt": "x" * (70 * 1024),
        "node_modules/normalize.css/package.json": json.dumps({"name": "normalize.css", "main": "normalize.css"}),
        "node_modules/normalize.css/normalize.css": "html { line-height: 1.15; }\n",
        "node_modules/expkg/package.json": json.dumps({"name": "expkg", "exports": {".": "./main.js", "./feature": "./feature.js"}}),
        "node_modules/expkg/main.js": "module.exports = 'main';\n",
        "node_modules/expkg/feature.js": "module.exports = 'feature';\n",
        "node_modules/plainpkg/package.json": json.dumps({"name": "plainpkg", "main": "lib/index.js"}),
        "node_modules/plainpkg/lib/index.js": PLAINPKG, "node_modules/plainpkg/lib/extra.js": "module.exports = 1;\n",
        "node_modules/plainpkg/lib/locale/a.js": "module.exports = 'locale a';\n",
        "node_modules/plainpkg/lib/locale/b.js": "module.exports = 'locale b';\n",
    }


@pytest.fixture(scope="module")
def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-package-files-src") / "fn"
    write_files(src, package_files())
    return src


def built_function(sources, out_dir, name: str):  # type: ignore[no-untyped-def]
    warnings: list[str] = []
    wasm = build_js(sources, out=out_dir / f"{name}.wasm", log=warnings.append)
    prefix = f"warning: {sources}: "
    assert all(w.startswith(prefix) for w in warnings), warnings
    return wasm, roomy_function(wasm, name), [w[len(prefix):] for w in warnings]


@pytest.fixture(scope="module")
def built(sources, tmp_path_factory):  # type: ignore[no-untyped-def]
    wasm, fn, warnings = built_function(sources, tmp_path_factory.mktemp("js-package-files"), "package-files")
    yield wasm, fn, warnings
    fn.close()


@pytest.fixture(scope="module")
def edge_results(built) -> dict:  # type: ignore[no-untyped-def]
    return answer_and_fuel(built[1], "/cases")[0]


@pytest.fixture(scope="module")
def node_results(sources) -> dict:  # type: ignore[no-untyped-def]
    return cases_in_node(sources)


def test_the_package_resolves_loads_and_reads_as_in_node(edge_results, node_results):  # type: ignore[no-untyped-def]
    """Every case compared with Node 20, errors by name, code and the message's first line (a
    missing module's message adds why at the edge: its code is Node's)."""
    def comparable(results: dict) -> dict:
        out = {}
        for key, value in results.items():
            if isinstance(value, dict) and "error" in value and value["error"][1] in ("MODULE_NOT_FOUND", "ERR_MODULE_NOT_FOUND") \
                    and not key.startswith("resolve"):
                value = {**value, "error": value["error"][:2]}
            out[key] = value
        return out

    assert_same_as_node(comparable(edge_results), comparable(node_results), shown=12)


def test_the_cases_test_what_they_say(node_results):  # type: ignore[no-untyped-def]
    r = node_results
    assert r["cssAtTheTop"] == r["resolve/package never required"]["value"] == "node_modules/normalize.css/normalize.css"
    assert r["resolve/file named with its extension"] == {"value": "helper.js"}
    assert r["resolve/exports without package.json"]["error"][1] == "ERR_PACKAGE_PATH_NOT_EXPORTED"
    assert r["resolve/missing file"] == {"error": ["Error", "MODULE_NOT_FOUND", "Cannot find module './nope'"],
                                         "requireStack": "cases.js"}
    assert r["resolve/paths not an array"]["error"][1] == "ERR_INVALID_ARG_VALUE"
    assert r["import/template extra/it"] == {"value": {"hello": "ciao"}}
    assert r["import/template missing"]["error"][1] == "ERR_MODULE_NOT_FOUND"
    assert r["require/missing"]["error"][1] == r["require/missing in a package"]["error"][1] == "MODULE_NOT_FOUND"
    assert r["require/aliased in a package"] == {"value": "locale a"}
    assert r["fs/a template and its includes"] == {"value": "<h1>title</h1>\n<p>body</p>\n"}
    assert r["fs/missing"]["error"][1] == "ENOENT"


def test_request_time_resolution_and_errors_name_the_function_s_paths(edge_results):  # type: ignore[no-untyped-def]
    """Paths are /var/task's; a missing module's message is Node's, its require stack the chain
    up to Lambda's runtime; a computed name that finds no file says so."""
    r = edge_results
    assert r["resolve.paths/package"] == {"value": ["node_modules"]}
    assert r["resolve/missing package"]["error"][2] == "Cannot find module 'not-installed'"
    assert r["require/missing"]["error"][2] == "Cannot find module './lang/no' (no such file in the function's package)"
    # import()'s is Node's ESM loader's: the file's path and the importing module's
    assert r["import/template missing"]["error"][2] == \
        "Cannot find module 'locales/xx.json' imported from cases.js (no such file in the function's package)"


def test_the_build_warns_about_what_it_cannot_keep_or_follow(built):  # type: ignore[no-untyped-def]
    """A computed name in the function's own files with no literal directory (that never ran at build
    time), and the own files past fs's budget; nothing for the names it could follow."""
    warnings = built[2]
    lines = CASES.splitlines()
    for call in ("require(['./hel', 'per'].join(''))", "require(`./locales/${lang}.json`.replace('', ''))"):
        line = next(i for i, text in enumerate(lines, 1) if call in text)
        assert any(w.startswith(f"cases.js:{line}: {call} computes its module's name with no literal directory at its "
                                "start (such as './locales/' or 'package/dir/'), so the build cannot tell which files it "
                                "loads") for w in warnings), (call, warnings)
    budget = [w for w in warnings if "not kept for fs at request time" in w]
    assert len(budget) == 1 and budget[0].startswith(
        "1 of the function's own files that are not JavaScript is not kept for fs at request time: data/big.txt (70 KiB)")
    assert len(warnings) == 3, warnings


def test_what_was_not_kept_fails_saying_so(built):  # type: ignore[no-untyped-def]
    """A file over fs's budget is ENOENT in a request (it is in the package, so the message says the
    build did not keep it and how to read it); a path outside the package as before."""
    r = answer_and_fuel(built[1], "/edge")[0]
    big = r["big file"]["error"]
    assert big[:2] == ["Error", "ENOENT"]
    assert big[2].startswith("ENOENT: no such file or directory, open 'data/big.txt' (the file is in the function's "
                             "package, but the build did not keep it"), big
    assert r["big file exists"] == {"value": False}
    assert "edge functions have no filesystem when they run: read the file at the top level" in r["outside the package"]["error"][2]


def test_a_computed_name_past_the_cap_keeps_some_files_and_names_the_rest(sources, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """With a cap of one file a computed name, the build keeps the first match, warns naming the
    pattern and the files left out, and those fail in a request with Node's codes and a message
    saying the file is in the package but the build did not keep it."""
    monkeypatch.setattr(js_build, "COMPUTED_FILES", 1)
    _, fn, warnings = built_function(sources, tmp_path, "computed-cap")
    try:
        r = answer_and_fuel(fn, "/edge")[0]
    finally:
        fn.close()
    # the first call naming that pattern (the same directory, start and suffix) is the one named
    line = next(i for i, text in enumerate(CASES.splitlines(), 1) if "import(`./locales/${lang}.json`" in text)
    capped = [w for w in warnings if w.startswith(f"cases.js:{line}: ")]
    assert len(capped) == 1, warnings
    assert capped[0] == (f"cases.js:{line}: import(`./locales/${{lang}}.json`) can load 3 module files in locales/; the "
                         "build kept 1 (up to 1 files and 1 MiB a computed name, 2 MiB in all) and left out "
                         "locales/extra/it.json, locales/fr.json, for which import() there rejects with ERR_MODULE_NOT_FOUND in a "
                         "request: name the ones the function needs literally")
    kept = r["left out de"]
    assert kept == {"value": {"hello": "hallo"}}, r
    # require() names the module as given, import() the file and its importer (Node's ESM loader's words)
    for key, code, name in (("left out fr", "ERR_MODULE_NOT_FOUND", r"locales/fr\.json' imported from cases\.js"),
                            ("left out require fr", "MODULE_NOT_FOUND", r"\./locales/fr\.json'")):
        error = r[key]["error"]
        assert error[1] == code, r
        assert re.match(rf"Cannot find module '{name}: locales/fr\.json is in the function's package, but "
                        r"the build did not keep it: ", error[2]), error


def test_kept_files_stay_within_the_budget(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """fs's own files add at most their budget to the module: a function with 1 MiB of small text
    files is within ~KEEP_FILES_BYTES of the same function keeping none."""
    files = {"index.js": "const fs = require('fs');\nexports.handler = async () => ({ status: '200', body: "
                         "fs.readFileSync(__dirname + '/text/0.txt', 'utf8') });\n"}
    for i in range(256):
        files[f"text/{i}.txt"] = f"{i:04d}" * 1024
    write_files(tmp_path / "fn", files)
    sizes = {}
    for budget in (0, js_build.KEEP_FILES_BYTES):
        monkeypatch.setattr(js_build, "KEEP_FILES_BYTES", budget)
        messages: list[str] = []
        sizes[budget] = build_js(tmp_path / "fn", out=tmp_path / f"fn-{budget}.wasm", log=messages.append).stat().st_size
        assert len(messages) == 1 and "of the function's own files that are not JavaScript are not kept" in messages[0]
    grown = sizes[js_build.KEEP_FILES_BYTES] - sizes[0]
    assert 0 < grown <= js_build.KEEP_FILES_BYTES + 16 * 1024, sizes


@pytest.fixture(scope="module")
def npm_package(tmp_path_factory):  # type: ignore[no-untyped-def]
    src = tmp_path_factory.mktemp("js-package-files-npm") / "fn"
    src.mkdir()
    npm_install(src, "moment@2.30.1", "ejs@3.1.10", "normalize.css@8.0.1")
    write_files(src, {
        "views/header.ejs": "<h1><%= title %></h1>\n",
        "views/page.ejs": '<%- include("header") %><p><%= body %></p>\n',
        "cases.js": r"""'use strict';
const path = require('path');
const moment = require('moment');
const ejs = require('ejs');
exports.run = async () => {
  const out = {};
  moment.locale('de');
  out.locale = moment.locale();
  out.date = moment.utc('2024-01-05T10:00:00Z').format('dddd, D. MMMM YYYY');
  out.unknown = moment.locale('xx-nope');
  moment.locale('en');
  out.page = await ejs.renderFile(path.join(__dirname, 'views', 'page.ejs'), { title: 'T', body: 'B' });
  out.css = path.relative(__dirname, require.resolve('normalize.css'));
  return out;
};
""",
        "index.js": "const cases = require('./cases.js');\n"
                    "exports.handler = async () => ({ status: '200', body: JSON.stringify(await cases.run()) });\n"})
    return src


def test_moment_locales_ejs_includes_and_a_css_package_work_as_in_node(npm_package, tmp_path):  # type: ignore[no-untyped-def]
    """moment.locale('de') loads moment's locale (its aliasedRequire('./locale/' + name)), ejs reads
    an include lazily, require.resolve finds a package nothing requires: as in Node."""
    _, fn, warnings = built_function(npm_package, tmp_path, "npm-packages")
    try:
        edge = answer_and_fuel(fn, "/")[0]
    finally:
        fn.close()
    expected = cases_in_node(npm_package)
    assert edge == expected
    assert expected["date"] == "Freitag, 5. Januar 2024" and expected["page"] == "<h1>T</h1>\n<p>B</p>\n"
    assert warnings == []
