"""Node's built-ins in the sandbox against real Node: the same cases (tests/js/builtins/cases.js)
run in the edge function, served by the real server, and in `node`; every result must match."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess

import pytest

from .conftest import Edge
from .js_helpers import JS, build

CASES = JS / "builtins" / "cases.js"


@pytest.fixture(scope="module")
def edge(tmp_path_factory) -> Edge:  # type: ignore[no-untyped-def]
    wasm = build("builtins", tmp_path_factory.mktemp("js-builtins"))
    manifest = tmp_path_factory.mktemp("js-builtins-manifest") / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.builtins]\nsource = "{wasm}"\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "builtins"\n')
    server = Edge(manifest, tmp_path_factory.mktemp("js-builtins-state"))
    server.server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def node_results() -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run([node, "-e", f"console.log(JSON.stringify(require({json.dumps(str(CASES))}).run()))"],
                         capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def edge_results(edge) -> dict:  # type: ignore[no-untyped-def]
    r = edge.get("/cases")
    assert r.status_code == 200, r.text
    return r.json()


def case_names() -> list[str]:
    text = CASES.read_text()
    start = text.index("const cases = {")
    return [line.strip().split(":")[0] for line in text[start:].splitlines()
            if line.startswith("  ") and not line.startswith("   ") and ": () =>" in line]


@pytest.mark.parametrize("case", case_names())
def test_builtin_matches_node(case, edge_results, node_results):
    assert case in node_results
    assert edge_results[case] == node_results[case]


def test_timers_run_in_nodes_order_on_virtual_time(edge):
    r = edge.get("/timers")
    node = subprocess.run([shutil.which("node") or "node", "-e",
                           f"require({json.dumps(str(CASES))}).timers().then((o) => console.log(JSON.stringify(o)))"],
                          capture_output=True, text=True, check=True, timeout=60)
    assert r.json() == json.loads(node.stdout)


def test_gzip_output_is_read_by_zlib(edge):
    data = base64.b64decode(edge.get("/gzip").text)
    assert gzip.decompress(data) == b"made by the edge"
