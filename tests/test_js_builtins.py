"""Node's built-ins in the sandbox against real Node: the same cases (tests/js/builtins/cases.js and
streams.js) run in the edge function, served by the real server, and in `node`; every result must match."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import subprocess

import pytest

from .conftest import Edge
from .js_helpers import JS, build

CASES = JS / "builtins" / "cases.js"
STREAMS = JS / "builtins" / "streams.js"


@pytest.fixture(scope="module")
def edge(tmp_path_factory) -> Edge:  # type: ignore[no-untyped-def]
    wasm = build("builtins", tmp_path_factory.mktemp("js-builtins"))
    manifest = tmp_path_factory.mktemp("js-builtins-manifest") / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.builtins]\nsource = "{wasm}"\n'
                        'env = { GREETING = "hello", AWS_REGION = "eu-west-1" }\n\n'
                        '[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "builtins"\n')
    server = Edge(manifest, tmp_path_factory.mktemp("js-builtins-state"))
    server.server.start()
    yield server
    server.close()


def in_node(script: str) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    out = subprocess.run([node, "-e", script], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def node_results() -> dict:
    return in_node(f"console.log(JSON.stringify(require({json.dumps(str(CASES))}).run()))")


@pytest.fixture(scope="module")
def node_streams() -> dict:
    return in_node(f"require({json.dumps(str(STREAMS))}).run().then((o) => console.log(JSON.stringify(o)))")


@pytest.fixture(scope="module")
def edge_streams(edge) -> dict:  # type: ignore[no-untyped-def]
    r = edge.get("/streams")
    assert r.status_code == 200, r.text
    return r.json()


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


def stream_case_names() -> list[str]:
    text = STREAMS.read_text()
    start = text.index("const cases = {")
    return [line.strip().split(":")[0] for line in text[start:].splitlines()
            if line.startswith("  ") and not line.startswith("   ") and ": async () =>" in line]


@pytest.mark.parametrize("case", stream_case_names())
def test_stream_matches_node(case, edge_streams, node_streams):
    """require('stream') as Node has it: buffering, flowing and paused modes, back-pressure, pipe,
    pipeline, finished, async iteration and the order of events; `jws_style_module` is a small
    vendored package (tests/js/builtins/node_modules/tiny-jws) using Stream the way jws does."""
    assert isinstance(node_streams[case], list) and not str(node_streams[case]).startswith("THREW")
    assert edge_streams[case] == node_streams[case]


def test_process_env_has_lambdas_reserved_variables_and_the_functions_own(edge):
    env = edge.get("/env").json()
    assert env["GREETING"] == "hello"
    assert env["AWS_REGION"] == "eu-west-1"  # the function's own setting wins
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert (env["AWS_LAMBDA_FUNCTION_NAME"], env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]) == ("builtins", "128")
    assert env["AWS_LAMBDA_FUNCTION_VERSION"].isdigit() or env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/us-east-1.builtins"
    assert (env["LAMBDA_TASK_ROOT"], env["_HANDLER"], env["TZ"]) == ("/var/task", "index.handler", ":UTC")
    for absent in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "PATH"):
        assert absent not in env


def test_process_version_is_a_plain_release_number(edge):
    """semver-based checks (jsonwebtoken's curve check) read a pre-release tag as older than 20.0.0."""
    version, node, edge_version = edge.get("/version").json()
    assert re.fullmatch(r"v20\.\d+\.\d+", version) and version == f"v{node}" and edge_version == "1"


def test_timers_run_in_nodes_order_on_virtual_time(edge):
    r = edge.get("/timers")
    node = subprocess.run([shutil.which("node") or "node", "-e",
                           f"require({json.dumps(str(CASES))}).timers().then((o) => console.log(JSON.stringify(o)))"],
                          capture_output=True, text=True, check=True, timeout=60)
    assert r.json() == json.loads(node.stdout)


def test_gzip_output_is_read_by_zlib(edge):
    data = base64.b64decode(edge.get("/gzip").text)
    assert gzip.decompress(data) == b"made by the edge"
