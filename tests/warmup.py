"""The toolchains' one-time builds, started side by side when a large run begins.

On a fresh machine the first C build compiles zig's wasi-libc (~25 s), the first Zig build
zig's runtime parts, and the first JavaScript build the engine (~60 s, nearly all of it one
compiler process on quickjs.c). Each takes mostly one core, and the tests that need them
came one after another: ~100 s of the suite's first minutes. Started together at the
beginning of a large run they overlap with each other and with the first tests (which mostly
wait on sockets and processes). Failures are ignored here: the test that needs the build
reports them. `EDGE_TEST_WARMUP=0` turns this off.
"""

from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ZIG_FUNCTION = REPO / "tests" / "functions" / "override-response-header" / "zig"
MIN_TESTS = 200  # a run this large surely builds; a single test or file does not wait for this

_thread: threading.Thread | None = None


def _c_libc() -> None:
    from edge.toolchain import build

    with tempfile.TemporaryDirectory(prefix="edge-warm-c-") as tmp:
        (Path(tmp) / "main.c").write_text("int main(void) { return 0; }\n")
        build(Path(tmp), out=Path(tmp) / "warm.wasm")


def _zig_runtime() -> None:
    from edge.toolchain import build

    with tempfile.TemporaryDirectory(prefix="edge-warm-zig-") as tmp:
        build(ZIG_FUNCTION, out=Path(tmp) / "warm.wasm")


def _js_engine() -> None:
    from edge.js.engine import ensure_engine

    ensure_engine()


def _warm() -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        for future in [pool.submit(job) for job in (_js_engine, _c_libc, _zig_runtime)]:
            try:
                future.result()
            except Exception:  # noqa: BLE001, S110 - the test that needs the build says what failed
                pass


def start(test_count: int) -> None:
    """Begin the builds in the background if the run is large and the engine is not built yet."""
    global _thread
    from edge.js.engine import engine_path

    if test_count < MIN_TESTS or os.environ.get("EDGE_TEST_WARMUP") == "0" or engine_path().exists():
        return
    _thread = threading.Thread(target=_warm, name="toolchain-warmup", daemon=True)
    _thread.start()


def finish() -> None:
    """Wait for the builds (a compiler must not outlive the run, half-written into a cache)."""
    if _thread is not None:
        _thread.join()
