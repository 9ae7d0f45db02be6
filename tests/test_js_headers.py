"""The Fetch API's `Headers` global, as Node 20 has it (undici's): case-insensitive names, trimmed
values, joined values with Set-Cookie kept apart, sorted iteration, undici's errors. Packages build
one before they fetch (jose's createRemoteJWKSet); with it they reach fetch(), which refuses saying
why, instead of failing on `Headers is not defined`. tests/js/headers runs in the edge and in Node."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .js_helpers import JS, VIEWER_EVENT, invoked


def test_headers_answer_as_in_node(tmp_path):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (f"require({json.dumps(str(JS / 'headers' / 'index.js'))}).handler()"
              ".then((r) => console.log(r.body))")
    in_node = json.loads(subprocess.run([node, "-e", script], capture_output=True, text=True, check=True,
                                        timeout=60).stdout)
    assert invoked("headers", tmp_path) == in_node


def test_a_fetch_with_headers_refuses_saying_why(tmp_path):
    (tmp_path / "index.js").write_text(
        "exports.handler = async () => {\n"
        "  const headers = new Headers({ accept: 'application/json' });\n"
        "  try { await fetch('https://example.com/jwks', { headers }); } catch (e) {\n"
        "    return { status: '200', body: JSON.stringify([e.code, e.message]) }; }\n"
        "};\n")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path), "--event", str(event)])
    assert result.exit_code == 0, result.output
    code, message = json.loads(json.loads(result.stdout)["body"])
    assert code == "ERR_FEATURE_UNAVAILABLE_ON_PLATFORM" and "network" in message, message


def test_a_function_that_never_names_headers_has_no_such_global(tmp_path):
    """As stream and the crypto extras, the class is put only into functions whose sources name it."""
    (tmp_path / "index.js").write_text("exports.handler = async () => ({ status: '200', body: typeof globalThis['Head' + 'ers'] });\n")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(tmp_path), "--event", str(event)])
    assert json.loads(result.stdout)["body"] == "undefined"
