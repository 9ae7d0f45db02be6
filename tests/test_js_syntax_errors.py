"""Syntax errors in a JavaScript function fail its build at Node's line (and column, where Node
shows one), with Node's message where QuickJS's differed only in wording: compared with real Node
(what Lambda's runtime loads the file with: CommonJS as require() compiles it, vm.compileFunction
with the module wrapper's parameters; an ES module as `node --check` parses it).

QuickJS compiled a CommonJS file inside the wrapper's `\\n})` and stopped there when the file ended
too early (`index.js:4:2: SyntaxError: expecting ';'` for a two-line file missing its `}`); Node
says `index.js:3` `Unexpected end of input`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.js.build import JsBuildError, build_js

CJS_HANDLER = "exports.handler = async () => ({});\n"
ESM_HANDLER = "export const handler = async () => ({});\n"

# name -> (the function's files, the file with the error). Each file list is a whole function.
CASES: dict[str, tuple[dict[str, str], str]] = {
    # the file ends too early
    "unclosed_function": ({"index.js": "exports.handler = async (event) => {\n  return event.Records[0].cf.request;\n"},
                          "index.js"),
    "unclosed_function_no_newline": ({"index.js": "exports.handler = async (event) => {\n  return 1;"}, "index.js"),
    "unclosed_first_line": ({"index.js": "exports.handler = async () => {"}, "index.js"),
    "blank_lines_at_end": ({"index.js": "exports.handler = async () => {\n  return 1;\n\n\n"}, "index.js"),
    "unclosed_object": ({"index.js": CJS_HANDLER + "const o = {\n  a: 1,\n"}, "index.js"),
    "unclosed_array": ({"index.js": CJS_HANDLER + "const a = [\n  1,\n"}, "index.js"),
    "unclosed_call": ({"index.js": CJS_HANDLER + "console.log(1,\n"}, "index.js"),
    "unclosed_paren": ({"index.js": CJS_HANDLER + "const x = (1 + 2\n"}, "index.js"),
    "unclosed_if_comment_last": ({"index.js": CJS_HANDLER + "if (true) {\n  x();\n// end\n"}, "index.js"),
    "unclosed_class": ({"index.js": CJS_HANDLER + "class A {\n  m() {}\n"}, "index.js"),
    "unclosed_template": ({"index.js": CJS_HANDLER + "const s = `abc\ndef\n"}, "index.js"),
    "unclosed_template_expression": ({"index.js": CJS_HANDLER + "const s = `abc ${1 +\n"}, "index.js"),
    "unclosed_template_after_expression": ({"index.js": CJS_HANDLER + "const s = `a ${1} b\n"}, "index.js"),
    "unclosed_string": ({"index.js": CJS_HANDLER + "const s = 'abc\nconst t = 1;\n"}, "index.js"),
    "unclosed_string_at_end": ({"index.js": CJS_HANDLER + "const s = 'abc"}, "index.js"),
    "unclosed_comment": ({"index.js": CJS_HANDLER + "/* abc\ndef\n"}, "index.js"),
    "unclosed_regexp": ({"index.js": CJS_HANDLER + "const r = /abc\n"}, "index.js"),
    "shebang": ({"index.js": "#!/usr/bin/env node\nexports.handler = async () => {\n"}, "index.js"),
    # mid-file
    "missing_paren": ({"index.js": CJS_HANDLER + "if (x {\n}\nconst y = 1;\n"}, "index.js"),
    "missing_paren_in_call": ({"index.js": CJS_HANDLER + "foo(1, 2;\nconst y = 1;\n"}, "index.js"),
    "unexpected_token": ({"index.js": CJS_HANDLER + "const x = 1 +* 2;\nconst y = 1;\n"}, "index.js"),
    "unexpected_paren": ({"index.js": CJS_HANDLER + "const x = 1 + );\n"}, "index.js"),
    "stray_brace": ({"index.js": CJS_HANDLER + "}\nconst y = 1;\n"}, "index.js"),
    "stray_brace_last": ({"index.js": CJS_HANDLER + "}\n"}, "index.js"),
    "stray_brace_then_comments": ({"index.js": "exports.handler = async () => {\n  return 1;\n}} // done\n// more\n"},
                                  "index.js"),
    "stray_brace_then_block_comment": ({"index.js": CJS_HANDLER + "} /* x */\nfoo();\n"}, "index.js"),
    "import_in_commonjs": ({"index.js": "const p = require('path');\nimport y from 'path';\n" + CJS_HANDLER}, "index.js"),
    "import_braces_in_commonjs": ({"index.js": CJS_HANDLER + "  import { a } from './a';\n", "a.js": ""}, "index.js"),
    "import_star_in_commonjs": ({"index.js": CJS_HANDLER + "import * as a from './a';\n", "a.js": ""}, "index.js"),
    "import_bare_in_commonjs": ({"index.js": CJS_HANDLER + "import './a';\n", "a.js": ""}, "index.js"),
    "export_in_commonjs": ({"index.js": CJS_HANDLER + "export const x = 1;\n"}, "index.js"),
    "await_in_a_plain_function": ({"index.js": CJS_HANDLER + "function f() {\n  await g();\n}\n"}, "index.js"),
    "await_at_commonjs_top_level": ({"index.js": CJS_HANDLER + "await Promise.resolve(1);\n"}, "index.js"),
    "invalid_property_name": ({"index.js": "// a comment\n\nconst x = {a: 1,,};\n" + CJS_HANDLER}, "index.js"),
    # ES modules
    "esm_unclosed_function": ({"index.mjs": "export const handler = async (event) => {\n  return event.Records[0].cf.request;\n"},
                              "index.mjs"),
    "esm_unclosed_first_line": ({"index.mjs": "export const handler = async () => {"}, "index.mjs"),
    "esm_unclosed_object": ({"index.mjs": ESM_HANDLER + "const o = {\n"}, "index.mjs"),
    "esm_unclosed_string": ({"index.mjs": ESM_HANDLER + "const s = 'abc"}, "index.mjs"),
    "esm_unclosed_template": ({"index.mjs": ESM_HANDLER + "const s = `abc\n"}, "index.mjs"),
    "esm_await_in_a_plain_function": ({"index.mjs": ESM_HANDLER + "function f() {\n  await g();\n}\n"}, "index.mjs"),
    "esm_unexpected_token": ({"index.mjs": ESM_HANDLER + "const x = 1 +* 2;\n"}, "index.mjs"),
    # the file with the error is another one: its path (from the function's root) is reported
    "required_file": ({"index.js": "require('./lib/a');\n" + CJS_HANDLER, "lib/a.js": "module.exports = {\n  a: 1,\n"},
                      "lib/a.js"),
    "node_modules_commonjs": ({"index.js": "const d = require('dep');\n" + CJS_HANDLER,
                               "node_modules/dep/index.js": "module.exports = function () {\n  return 1;\n"},
                              "node_modules/dep/index.js"),
    "node_modules_esm": ({"index.mjs": "import d from 'dep';\n" + ESM_HANDLER,
                          "node_modules/dep/package.json": '{"type": "module", "main": "index.js"}',
                          "node_modules/dep/index.js": "export default function () {\n  return 1;\n"},
                         "node_modules/dep/index.js"),
    "node_modules_commonjs_from_esm": ({"index.mjs": "import d from 'dep';\n" + ESM_HANDLER,
                                        "node_modules/dep/index.js": "module.exports = [\n  1,\n"},
                                       "node_modules/dep/index.js"),
}

# Cases where the build keeps QuickJS's message (and column): the line is Node's
QUICKJS_WORDS = {
    "invalid_property_name": "invalid property name",  # V8: Unexpected token ','
    "missing_paren_in_call": "Unexpected token ';'",  # V8: missing ) after argument list, a column before
}

# What Node says of a file, as "<line>\t<caret column or empty>\t<message>": a CommonJS file compiled
# as require() compiles it (Node's own `--check` would take an `import` as a sign of an ES module).
NODE_CJS = """
const vm = require('vm');
const fs = require('fs');
const out = {};
for (const file of JSON.parse(process.argv[1])) {
  try {
    vm.compileFunction(fs.readFileSync(file, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'],
                       { filename: file });
    out[file] = null;
  } catch (err) {
    out[file] = err.stack;
  }
}
console.log(JSON.stringify(out));
"""


def node_exe() -> str:
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed")
    return exe


def node_place(stack: str, file: Path) -> tuple[int, int | None, str]:
    """(line, caret column or None, message) from the error Node prints: `file:line`, the source
    line, a caret line (`^^^`, empty at the end of the file), a blank line, `SyntaxError: …`."""
    head = re.match(rf"(?:file://)?{re.escape(str(file))}:(\d+)\n(.*)\n(.*)\n", stack)
    assert head is not None, stack
    message = re.search(r"^SyntaxError: (.*)$", stack, re.MULTILINE)
    assert message is not None, stack
    caret = head[3].find("^")
    return int(head[1]), (caret + 1 if caret >= 0 else None), message[1]


@pytest.fixture(scope="module")
def functions(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("syntax")
    made = {}
    for name, (files, _) in CASES.items():
        for path, text in files.items():
            (root / name / path).parent.mkdir(parents=True, exist_ok=True)
            (root / name / path).write_text(text)
        made[name] = root / name
    return made


@pytest.fixture(scope="module")
def in_node(functions) -> dict[str, tuple[int, int | None, str]]:
    exe = node_exe()
    esm = {name for name, (_, bad) in CASES.items() if bad.endswith(".mjs") or name == "node_modules_esm"}
    cjs_files = [str(functions[name] / CASES[name][1]) for name in CASES if name not in esm]
    stacks = json.loads(subprocess.run([exe, "-e", NODE_CJS, json.dumps(cjs_files)], capture_output=True, text=True,
                                       check=True, timeout=60).stdout)
    for name in esm:
        file = functions[name] / CASES[name][1]
        run = subprocess.run([exe, "--check", str(file)], capture_output=True, text=True, check=False, timeout=60)
        stacks[str(file)] = run.stderr if run.returncode else None
    results = {}
    for name in CASES:
        file = functions[name] / CASES[name][1]
        assert stacks[str(file)] is not None, f"{name}: Node compiles {file}"
        results[name] = node_place(stacks[str(file)], file)
    return results


@pytest.mark.parametrize("name", list(CASES))
def test_a_syntax_error_is_reported_at_nodes_line(name, functions, in_node, tmp_path):
    line, column, message = in_node[name]
    with pytest.raises(JsBuildError) as failure:
        build_js(functions[name], out=tmp_path / "fn.wasm")
    summary = failure.value.summary
    found = re.match(r"([^\s:]+):(\d+):(\d+): SyntaxError: (.*)$", summary)
    assert found is not None, summary
    assert (found[1], int(found[2])) == (CASES[name][1], line), (summary, in_node[name])
    # QuickJS's own wording and column stay where they are not simply Node's in other words
    if name in QUICKJS_WORDS:
        assert found[4] == QUICKJS_WORDS[name], (summary, in_node[name])
        return
    if column is not None:  # Node shows no caret at the end of the file
        assert int(found[3]) == column, (summary, in_node[name])
    assert found[4] == message, (summary, in_node[name])
    assert str(failure.value).startswith(summary)


@pytest.mark.parametrize("files,summary", [
    ({"index.js": "exports.handler = async (event) => {\n  return event.Records[0].cf.request;\n"},
     "index.js:3:1: SyntaxError: Unexpected end of input"),  # where the file ends: line 3, column 1
    ({"index.js": "exports.handler = async () => {"}, "index.js:1:32: SyntaxError: Unexpected end of input"),
    ({"index.mjs": "export const handler = async () => {"}, "index.mjs:1:37: SyntaxError: Unexpected end of input"),
    ({"index.js": CJS_HANDLER + "const s = `abc\ndef\n"}, "index.js:4:1: SyntaxError: Unexpected end of input"),
    ({"index.js": CJS_HANDLER + "}\n"}, "index.js:2:1: SyntaxError: Unexpected token '}'"),
])
def test_the_end_of_the_file_is_placed_where_it_is(tmp_path, files, summary):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out" / "fn.wasm")
    assert failure.value.summary == summary


def test_errors_thrown_by_code_keep_their_place_and_words(tmp_path):
    """A SyntaxError the function's top-level code throws is not the parser's: left as it is."""
    (tmp_path / "index.mjs").write_text(ESM_HANDLER + "throw new SyntaxError('unexpected end of string');\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out" / "fn.wasm")
    assert re.match(r"index\.mjs:2:\d+: SyntaxError: unexpected end of string$", failure.value.summary)
    (tmp_path / "index.mjs").unlink()
    (tmp_path / "index.js").write_text(CJS_HANDLER + "JSON.parse('{\"a\": ');\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(tmp_path, out=tmp_path / "out" / "fn.wasm")
    assert re.match(r"index\.js:2:\d+: SyntaxError: Unexpected end of JSON input$", failure.value.summary)


def test_edge_build_of_a_single_file_says_where_it_ends(tmp_path):
    """The operator's report: a two-line badjs3.js missing its closing `}`."""
    (tmp_path / "badjs3.js").write_text("exports.handler = async (event) => {\n  return event.Records[0].cf.request;\n")
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "badjs3.js")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == "error: badjs3.js:3:1: SyntaxError: Unexpected end of input", \
        result.output  # the file is named once
    assert "expecting" not in result.output
