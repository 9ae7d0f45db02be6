"""The runtime's native library: the instance preparer and epoch ticker (preparer.c) and the
one-call invocation steps (calls.c), compiled together on first use and cached.

Why at run time: the library holds no Python and links nothing but libc and pthreads, so
any C compiler here builds it in well under a second (the machine's `cc`, or `zig cc` from
the `build` extra); a wheel then needs no platform build. Where none works, or with
`EDGE_NATIVE_PREPARER=0`, the runtime does the same work in Python.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("edge.runtime")

SOURCES = (Path(__file__).with_name("preparer.c"), Path(__file__).with_name("calls.c"))


def _cache_dir() -> Path:
    configured = os.environ.get("EDGE_NATIVE_CACHE")
    if configured:
        return Path(configured)
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:
        base = Path(tempfile.gettempdir())
    return base / "edge-wasm" / "native"


def _compilers() -> list[list[str]]:
    found = []
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        path = shutil.which(name) if name else None
        if path and [path] not in found:
            found.append([path])
    try:
        import ziglang  # noqa: F401  (the `build` extra)

        found.append([sys.executable, "-m", "ziglang", "cc"])
    except ImportError:
        pass
    return found


def build_library() -> Path | None:
    """The library, compiled once per source and machine; None if no compiler here can
    build it."""
    digest = hashlib.sha256(platform.machine().encode() + platform.system().encode())
    for source in SOURCES:
        digest.update(source.read_bytes())
    target_dir = _cache_dir()
    target = target_dir / f"native-{digest.hexdigest()[:16]}.so"
    if target.exists():
        return target
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.info("native library: no cache directory (%s)", exc)
        return None
    errors = []
    for compiler in _compilers():
        fd, tmp = tempfile.mkstemp(dir=target_dir, prefix=".native-", suffix=".so")
        os.close(fd)
        cmd = [*compiler, "-O2", "-shared", "-fPIC", "-o", tmp, *map(str, SOURCES), "-lpthread"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            if done.returncode == 0:
                os.replace(tmp, target)  # atomic: concurrent builders agree on the result
                return target
            errors.append(f"{compiler[-1]}: {done.stderr.strip()[-300:]}")
        except (OSError, subprocess.SubprocessError) as exc:
            errors.append(f"{compiler[-1]}: {exc}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    log.info("native library unavailable (the runtime does its work in Python): %s",
             "; ".join(errors) or "no C compiler found")
    return None
