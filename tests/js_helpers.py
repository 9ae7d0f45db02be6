"""Building the JavaScript test functions (tests/js/*) once per test module, into a temp dir.

The engine is built once per machine (cached under ~/.cache/edge-wasm/js, or EDGE_JS_CACHE);
each function then takes about a second (Wizer)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.js.build import build_js

JS = Path(__file__).resolve().parent / "js"
# The viewer-request event a case package's handler gets when it reports its cases (`invoked`).
VIEWER_EVENT = {"Records": [{"cf": {"config": {"distributionDomainName": "d111111abcdef8.cloudfront.net",
                                               "distributionId": "EDFDVBD6EXAMPLE", "eventType": "viewer-request",
                                               "requestId": "r1"},
                                    "request": {"clientIp": "203.0.113.178", "headers": {}, "method": "GET",
                                                "querystring": "", "uri": "/x"}}}]}


def build(name: str, out_dir: Path, handler: str | None = None, source: Path | None = None) -> Path:
    suffix = f"-{handler.replace('.', '-')}" if handler else ""
    return build_js(source or JS / name, out=out_dir / f"{name}{suffix}.wasm", handler=handler)


def quick_runtime():  # type: ignore[no-untyped-def]
    """A runtime on the baseline compiler (Winch), as `edge invoke` and a fresh deploy run a
    function: a JavaScript module compiles in ~0.3 s of CPU where Cranelift takes ~2.5-3 s. For
    tests of behaviour: Winch's fuel counts differ slightly from Cranelift's (~1.5 %)."""
    from edge.runtime import EngineSettings, Runtime

    try:
        return Runtime(EngineSettings(strategy="winch"))
    except (RuntimeError, ValueError):  # a platform without Winch
        return Runtime()


def roomy_function(wasm: Path, name: str):  # type: ignore[no-untyped-def]
    """A `per-request` function with room for a measuring run: 2·10¹⁰ fuel, 2 minutes, 16 MiB out."""
    from edge.runtime import FunctionConfig, Limits, Runtime

    limits = Limits(fuel=20_000_000_000, timeout_ms=120_000, max_result_bytes=16 * 1024 * 1024)
    return Runtime().function(wasm.read_bytes(), FunctionConfig(name=name, limits=limits))


def answer_and_fuel(function, uri: str) -> tuple:  # type: ignore[no-untyped-def]
    """The JSON body of the function's answer to a viewer-request for `uri`, and the fuel it used."""
    from .test_samples import make_event, viewer_request

    outcome = function.invoke(json.dumps(make_event("viewer-request", viewer_request(uri=uri))).encode(), None)
    assert outcome.ok, (uri, outcome.error, outcome.message, outcome.logs[:5])
    return json.loads(outcome.value["body"]), outcome.fuel_used


def invoked(name: str, out_dir: Path) -> dict:
    """What tests/js/<name>'s handler reports (the JSON body of its answer to VIEWER_EVENT), built
    and run by `edge invoke` as a user would."""
    from click.testing import CliRunner

    from edge.cli.main import cli

    wasm = build(name, out_dir)
    event = out_dir / "event.json"
    event.write_text(json.dumps(VIEWER_EVENT))
    result = CliRunner().invoke(cli, ["invoke", str(wasm), "--event", str(event)])
    assert result.exit_code == 0, result.output
    return json.loads(json.loads(result.stdout)["body"])


def write_files(root: Path, files: dict[str, str]) -> None:
    """A package's files (relative path -> text) under `root`, folders made as needed."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def case_package(tmp_path_factory, name: str, files: dict[str, str]) -> Path:  # type: ignore[no-untyped-def]
    """A function's sources (its cases, handler and fixtures: file name -> text) in a directory of
    their own, for a test module that runs them in Node and at the edge."""
    src = tmp_path_factory.mktemp(f"js-{name}-src") / name
    src.mkdir()
    write_files(src, files)
    return src


def cases_in_node(sources: Path) -> dict:
    """What a case_package's `run()` gives in real Node (its fixtures.json passed when it has one;
    a promise awaited)."""
    args = f"require({json.dumps(str(sources / 'fixtures.json'))})" if (sources / "fixtures.json").exists() else ""
    script = (f"Promise.resolve(require({json.dumps(str(sources / 'cases.js'))}).run({args}))"
              ".then((r) => console.log(JSON.stringify(r)))")
    return json.loads(node("-e", script))


def assert_same_as_node(edge: dict, in_node: dict, shown: int = 8) -> None:
    """Every case's outcome at the edge is Node's: the same cases, in the same order."""
    assert list(edge) == list(in_node)
    wrong = [key for key in in_node if edge[key] != in_node[key]]
    assert not wrong, f"{len(wrong)} of {len(in_node)} differ: " + "; ".join(
        f"{key}: edge {edge[key]!r} node {in_node[key]!r}" for key in wrong[:shown])


def node(*args: str, timeout: float = 120) -> str:
    """What real Node prints (the test is skipped where Node is not installed)."""
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed")
    return subprocess.run([exe, "--no-deprecation", *args], capture_output=True, text=True, check=True,
                          timeout=timeout).stdout


def results_in_node(cases: Path, fixtures: dict) -> dict:
    """What a case file's `run(fixtures)` gives in real Node (a promise's value, for async cases)."""
    script = (f"Promise.resolve(require({json.dumps(str(cases))}).run({json.dumps(fixtures)}))"
              ".then((r) => console.log(JSON.stringify(r)))")
    return json.loads(node("-e", script))


def case_parts(cases: Path) -> list:
    """A case file's `parts`: what the edge runs one request each for."""
    return json.loads(node("-e", f"console.log(JSON.stringify(require({json.dumps(str(cases))}).parts))"))


def results_from_the_edge(name: str, cases: Path, fixtures: dict, handler: str, paths: list[str],
                          tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
    """Build `cases` (with `fixtures` as ./fixtures.js and `handler` as index.js) into a function,
    serve it behind a real server, GET each of `paths` and merge the {group: {case: result}}
    answers, so every case runs inside the engine exactly as Node ran it."""
    from .conftest import Edge

    src = tmp_path_factory.mktemp(f"js-{name}-src") / name
    src.mkdir()
    shutil.copy(cases, src / "cases.js")
    (src / "fixtures.js").write_text(f"module.exports = {json.dumps(fixtures)};\n")
    (src / "index.js").write_text(handler)
    wasm = build(name, tmp_path_factory.mktemp(f"js-{name}"), source=src)
    manifest = tmp_path_factory.mktemp(f"js-{name}-manifest") / "manifest.toml"
    manifest.write_text(f'[origins.echo]\ntype = "echo"\n\n[functions.{name}]\nsource = "{wasm}"\n\n'
                        f'[[behaviors]]\npath = "*"\norigin = "echo"\ncache = "disabled"\nviewer_request = "{name}"\n')
    server = Edge(manifest, tmp_path_factory.mktemp(f"js-{name}-state"))
    server.server.start()
    try:
        results: dict = {"common": {}, "errors": {}}
        for path in paths:
            r = server.get(f"/{path}")
            assert r.status_code == 200, r.text
            for key, values in r.json().items():
                results.setdefault(key, {}).update(values)
        return results
    finally:
        server.close()


def node_comparison(name: str, cases: Path, make_fixtures: str, handler: str, by_index: bool = True):  # type: ignore[no-untyped-def]
    """The three module fixtures of a case file compared with Node: `fixtures` (what the
    `make_fixtures` script prints: keys, inputs), `node_results` and `edge_results` (each part
    one request, by its index, or by its name when `by_index` is false). A test module binds
    them: `fixtures, node_results, edge_results = node_comparison(...)`."""

    @pytest.fixture(scope="module")
    def fixtures() -> dict:
        return json.loads(node("-e", make_fixtures))

    @pytest.fixture(scope="module")
    def node_results(fixtures) -> dict:  # type: ignore[no-untyped-def]
        return results_in_node(cases, fixtures)

    @pytest.fixture(scope="module")
    def edge_results(fixtures, tmp_path_factory) -> dict:  # type: ignore[no-untyped-def]
        parts = case_parts(cases)
        paths = [str(i) for i in range(len(parts))] if by_index else parts
        return results_from_the_edge(name, cases, fixtures, handler, paths, tmp_path_factory)

    return fixtures, node_results, edge_results


NPM_NETWORK_FAILURE = re.compile(r"ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|EHOSTUNREACH|"
                                 r"network|request to https?://\S+ failed", re.IGNORECASE)


NPM_TIMEOUT = 100  # seconds: under pytest-timeout's 120 for the test (a module fixture's setup counts)


def npm_install(directory: Path, *specs: str) -> None:
    """`npm install specs...` into directory (its own package.json), with a cache kept next to the engine's;
    the test is skipped, saying so, when npm is missing or cannot reach its registry."""
    from edge.js import fetch

    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    (directory / "package.json").write_text(json.dumps({"name": "edge-test-function", "version": "1.0.0", "private": True}))
    command = [npm, "install", *specs, "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline",
               "--fetch-retries=1", "--fetch-retry-maxtimeout=10000", "--fetch-timeout=30000",
               "--cache", str(fetch.cache_dir() / "npm-cache")]
    try:  # within the tests' own 120 s timeout, so a registry that drops packets skips the test, not fails it
        proc = subprocess.run(command, check=False, cwd=directory, capture_output=True, text=True, timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.skip(f"npm install {' '.join(specs)} did not finish within {NPM_TIMEOUT} s (is the registry reachable?)")
    if proc.returncode != 0:
        reason = next((line for line in proc.stderr.splitlines() if NPM_NETWORK_FAILURE.search(line)), None)
        if reason is not None:
            pytest.skip(f"npm could not reach its registry to install {' '.join(specs)}: {reason.strip()}")
        raise AssertionError(f"npm install {' '.join(specs)} failed: {proc.stderr}")


def compared_case_fixtures(name: str, files: dict[str, str] | Callable[[], dict[str, str]]):  # type: ignore[no-untyped-def]
    """The module fixtures of a case package compared with Node: `sources` (its files, or a function
    making them when the fixture first runs), `node_results` (its `run()` in real Node) and
    `function` (built, loaded with room to run, closed with the module). A test module assigns them:
    `sources, node_results, function = compared_case_fixtures("x509", {...})`."""

    @pytest.fixture(scope="module")
    def sources(tmp_path_factory):  # type: ignore[no-untyped-def]
        return case_package(tmp_path_factory, name, files() if callable(files) else files)

    @pytest.fixture(scope="module")
    def node_results(sources) -> dict:  # type: ignore[no-untyped-def]
        return cases_in_node(sources)

    @pytest.fixture(scope="module")
    def function(sources, tmp_path_factory):  # type: ignore[no-untyped-def]
        fn = roomy_function(build(name, tmp_path_factory.mktemp(f"js-{name}"), source=sources), name.replace("_", "-"))
        yield fn
        fn.close()

    return sources, node_results, function
