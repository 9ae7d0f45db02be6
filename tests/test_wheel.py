"""The product from a wheel, not a checkout: `pip wheel .`, installed (not editable) into a fresh
virtualenv, used from a directory with no repository around it: `edge new`, `edge build` (the
SDKs), `edge generate-event` + `edge invoke`, plain `edge serve` (the samples) and `edge docs`.

To keep this quick the fresh virtualenv borrows the dependencies of the environment running the
tests (a .pth file naming its site-packages): what is under test is the wheel's own files.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import httpx
import pytest

from .control_helpers import serving
from .scaffolds import REPO

pytestmark = pytest.mark.timeout(600)


def _setuptools_is_new_enough() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # the build backend from this environment when it is recent enough, else pip fetches it (cached)
    isolation = ["--no-build-isolation"] if _setuptools_is_new_enough() else []
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(out),
                           *isolation], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (path,) = out.glob("edge_wasm-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel installed by pip (this environment's pip, --python)."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120)
    python = root / "bin" / "python"
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                           str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    borrowed = [p for p in {*site.getsitepackages(), sysconfig.get_paths()["purelib"]} if Path(p).is_dir()]
    (Path(purelib) / "_borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n")
    return root


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def edge(venv: Path, cwd: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(venv / "bin" / "edge"), *args], cwd=cwd, env=_env(venv), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == code, (args, proc.stdout, proc.stderr)
    return proc


def test_wheel_carries_the_sdks_samples_and_docs_but_no_build_outputs(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    docs = sorted(path.name for path in (REPO / "docs").iterdir())
    assert docs and sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("edge/_bundled/docs/")) == docs
    for needed in ("edge/_bundled/sdk/c/edge.h", "edge/_bundled/sdk/zig/edge.zig", "edge/_bundled/sdk/zig/entry.zig",
                   "edge/_bundled/samples/manifest.toml", "edge/_bundled/samples/site/index.html",
                   "edge/_bundled/samples/redirect/main.c", "edge/runtime/preparer.c", "edge/runtime/calls.c",
                   "edge/_bundled/samples/js/static-content/index.js", "edge/js/engine/heap.c",
                   "edge/js/engine/inferred_names.h", "edge/js/node/runtime.js"):
        assert needed in names, needed
    assert not [n for n in names if n.endswith(".wasm") or "/build/" in n]


def test_installed_edge_builds_its_native_library(venv, tmp_path):
    """The runtime's native library (preparer, ticker, one-call invocation) is compiled from
    the sources the wheel carries, on first use."""
    env = dict(_env(venv), EDGE_NATIVE_CACHE=str(tmp_path / "native"))
    out = subprocess.run([str(venv / "bin" / "python"), "-c", "from edge.runtime import calls, native; "
                          "print(native.__file__); print(calls.get() is not None)"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out[0].startswith(str(venv)) and out[1] == "True", out
    assert list((tmp_path / "native").glob("native-*.so"))


def test_installed_edge_reads_its_docs(venv, tmp_path):
    """The pointers in scaffolds and messages (`edge docs javascript`) lead to the wheel's copy."""
    listing = edge(venv, tmp_path, "docs").stdout
    assert "javascript  " in listing and f"in {venv}" in listing and "_bundled/docs:" in listing
    path = edge(venv, tmp_path, "docs", "javascript", "--path").stdout.strip()
    assert path.startswith(str(venv)) and path.endswith("edge/_bundled/docs/javascript.md")
    assert edge(venv, tmp_path, "docs", "docs/javascript.md").stdout == (REPO / "docs" / "javascript.md").read_text()
    assert "the topics are: abi, cli," in edge(venv, tmp_path, "docs", "nosuch", code=2).stderr


def test_installed_edge_bench_has_help_and_says_it_needs_a_checkout(venv, tmp_path):
    """The benchmark harness (bench/) is not in the wheel: --help still answers, a run says why it cannot."""
    helped = edge(venv, tmp_path, "bench", "--help")
    assert helped.stdout.startswith("Usage: edge bench") and "checkout" in helped.stdout and not helped.stderr
    [line] = edge(venv, tmp_path, "bench", "--quick", code=2).stderr.strip().splitlines()
    assert line.startswith("Error: the benchmark needs a source checkout"), line


def test_installed_edge_builds_invokes_and_serves(venv, tmp_path):
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import edge, edge.bundled as b; "
                            "print(edge.__file__); print(b.installed())"], cwd=tmp_path, env=_env(venv),
                           capture_output=True, text=True, check=True).stdout.split()
    assert where[0].startswith(str(venv)) and where[1] == "True"  # the wheel's files, not the checkout

    edge(venv, tmp_path, "new", "hello", "--lang", "c")
    readme = (tmp_path / "hello" / "README.md").read_text()
    assert "edge generate-event viewer-request" in readme and "samples/events" not in readme
    assert f"{venv}" in readme and "_bundled/sdk/c/README.md" in readme  # the installed SDK's reference
    wasm = edge(venv, tmp_path, "build", "hello").stdout.strip()
    edge(venv, tmp_path, "new", "index", "--lang", "zig", "--hook", "origin-request")
    zig_wasm = edge(venv, tmp_path, "build", "index").stdout.strip()

    event = tmp_path / "event.json"
    edge(venv, tmp_path, "generate-event", "viewer-request", "--uri", "/hello", "--out", str(event))
    result = json.loads(edge(venv, tmp_path, "invoke", wasm, "--event", str(event)).stdout)
    assert result["status"] == "200" and result["body"] == "Hello from hello!\n"
    edge(venv, tmp_path, "generate-event", "origin-request", "--uri", "/docs/", "--out", str(event))
    assert json.loads(edge(venv, tmp_path, "invoke", zig_wasm, "--event", str(event)).stdout)["uri"] == "/docs/index.html"

    # plain `edge serve`: the samples, copied under the state directory and built there
    command = [str(venv / "bin" / "edge")]
    with serving(tmp_path, None, tmp_path / ".edge", command=command, env=_env(venv)) as server:
        server.wait_ready(240)
        with httpx.Client(base_url=server.url, timeout=30) as client:
            page = client.get("/about/")
            assert page.status_code == 200 and "strict-transport-security" in page.headers
            assert client.get("/static-content").status_code == 200
            assert client.get("/redirect").status_code == 302
            js = client.get("/js/static-content")  # a JavaScript twin, built by the wheel's edge.js
            assert js.status_code == 200 and "Hello from Lambda@Edge!" in js.text
    assert (tmp_path / ".edge" / "samples" / "redirect" / "build" / "redirect.wasm").is_file()
