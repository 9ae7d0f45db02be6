"""Build edge functions from source with zig from PyPI (`pip install ziglang`): no system toolchain.

    from edge.toolchain import build, needs_build
    wasm = build(Path("samples/redirect"))             # -> samples/redirect/build/redirect.wasm (output_path)
    wasm = build(Path("fn.c"), out=Path("/tmp/fn.wasm"), optimize="ReleaseFast")

What gets built:

- C: a directory with `*.c` files (all of them are compiled together) or a
  single `.c` file. `sdk/c` is on the include path (`#include "edge.h"`).
  The result is an optimized, stripped wasm32-wasi module.
- Zig: a directory with `build.zig` or `*.zig` is recognised but not built
  here yet (ToolchainError pointing at sdk/zig).

Module style (docs/abi.md): an **edge reactor** (`-mexec-model=reactor`,
the fast path, what the C SDK produces) unless the function is a **WASI
command** (`-mexec-model=command`, stdin = event, stdout = result). Command
is chosen when, in this order:

1. `edge-build.toml` next to the sources says `exec_model = "command"`
   (or `"reactor"` to force a reactor), or
2. a source defines `main(` (a plain WASI program), or
3. a source has `#define EDGE_COMMAND` (the C SDK's command mode).

`edge-build.toml` may also list extra compiler flags: `cflags = ["-DFOO=1"]`.

Compiler caching: zig keeps its cache (including the wasi-libc it builds for
the first compile, ~15-20 s once) in its global cache directory
(`ZIG_GLOBAL_CACHE_DIR`, default `~/.cache/zig`); when that is not writable
the project-local `.zig-cache/` is used. Later builds take well under a second.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SDK_C = REPO / "sdk" / "c"
SDK_HEADER = SDK_C / "edge.h"

OPTIMIZE_FLAGS = {
    "ReleaseSmall": ["-Os"],
    "ReleaseFast": ["-O2"],
    "ReleaseSafe": ["-O2"],
    "Debug": ["-O0", "-g"],
}
STACK_SIZE = 1024 * 1024  # zig's default wasm stack is 16 MiB of initial memory; 1 MiB is plenty
BUILD_CONFIG = "edge-build.toml"
SOURCE_SUFFIXES = (".c", ".h", ".zig")

_MAIN_RE = re.compile(r"^[ \t]*(?:int|void)\s+main\s*\(", re.MULTILINE)
_COMMAND_DEFINE_RE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+EDGE_COMMAND\b", re.MULTILINE)


class ToolchainError(Exception):
    """A function could not be built; the message carries the compiler's output."""


def _language(path: Path) -> str:
    if path.is_file():
        if path.suffix == ".c":
            return "c"
        if path.suffix == ".zig":
            return "zig"
        raise ToolchainError(f"{path}: not a C (.c) or Zig (.zig) source file")
    if not path.is_dir():
        raise ToolchainError(f"{path}: no such file or directory")
    if (path / "build.zig").exists() or any(path.glob("*.zig")):
        return "zig"
    if any(path.glob("*.c")):
        return "c"
    raise ToolchainError(f"{path}: no C (*.c) or Zig (build.zig, *.zig) sources found")


def _sources(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.glob("*.c"))


def _config(path: Path) -> dict:
    directory = path if path.is_dir() else path.parent
    cfg_path = directory / BUILD_CONFIG
    if not cfg_path.exists():
        return {}
    try:
        cfg = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ToolchainError(f"{cfg_path}: {exc}") from None
    model = cfg.get("exec_model")
    if model is not None and model not in ("reactor", "command"):
        raise ToolchainError(f"{cfg_path}: exec_model must be \"reactor\" or \"command\", got {model!r}")
    cflags = cfg.get("cflags", [])
    if not isinstance(cflags, list) or not all(isinstance(f, str) for f in cflags):
        raise ToolchainError(f"{cfg_path}: cflags must be a list of strings")
    return cfg


def exec_model(path: Path) -> str:
    """"command" or "reactor" for a C function (see the module docstring for the rules)."""
    path = Path(path)
    cfg = _config(path)
    if cfg.get("exec_model"):
        return cfg["exec_model"]
    for src in _sources(path):
        text = src.read_text(encoding="utf-8", errors="replace")
        if _MAIN_RE.search(text) or _COMMAND_DEFINE_RE.search(text):
            return "command"
    return "reactor"


def output_path(path: Path) -> Path:
    """Where build() writes when no `out` is given: `<dir>/build/<name>.wasm` (`<dir>/build/<stem>.wasm` for a file)."""
    path = Path(path)
    if path.is_file():
        return path.parent / "build" / f"{path.stem}.wasm"
    return path / "build" / f"{path.resolve().name}.wasm"


def _inputs(path: Path) -> list[Path]:
    """Every file whose change requires a rebuild (build outputs and hidden dirs excluded)."""
    path = Path(path)
    if path.is_file():
        directory = path.parent
        files = [path, *directory.glob("*.h")]
    else:
        directory = path
        files = [
            p
            for p in directory.rglob("*")
            if p.suffix in SOURCE_SUFFIXES
            and not any(part in ("build", "zig-out") or part.startswith(".")
                        for part in p.relative_to(directory).parts[:-1])
        ]
    if (directory / BUILD_CONFIG).exists():
        files.append(directory / BUILD_CONFIG)
    if SDK_HEADER.exists():
        files.append(SDK_HEADER)
    return files


def needs_build(src_dir: Path, wasm: Path | None = None) -> bool:
    """True if `wasm` (default: output_path) is missing or older than a source, edge-build.toml or the SDK header."""
    wasm = Path(wasm) if wasm is not None else output_path(src_dir)
    try:
        built = wasm.stat().st_mtime
    except FileNotFoundError:
        return True
    return any(p.stat().st_mtime > built for p in _inputs(Path(src_dir)) if p.exists())


def _zig_env() -> dict[str, str]:
    env = dict(os.environ)
    if "ZIG_GLOBAL_CACHE_DIR" not in env:
        try:
            default = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zig"
        except RuntimeError:  # no home directory
            default = None
        probe = default if default is None or default.exists() else default.parent
        if probe is None or not os.access(probe, os.W_OK):
            env["ZIG_GLOBAL_CACHE_DIR"] = str(REPO / ".zig-cache")
    return env


def compile_command(sources: list[Path], out: Path, *, model: str, optimize: str, cflags: list[str] = ()) -> list[str]:
    """The zig cc command line build() runs (exposed for debugging and docs)."""
    if optimize not in OPTIMIZE_FLAGS:
        raise ToolchainError(f"optimize must be one of {', '.join(OPTIMIZE_FLAGS)}, got {optimize!r}")
    cmd = [
        sys.executable, "-m", "ziglang", "cc",
        "--target=wasm32-wasi",
        f"-mexec-model={model}",
        *OPTIMIZE_FLAGS[optimize],
        "-std=gnu11",
        "-Wall",
        "-I", str(SDK_C),
        f"-Wl,-z,stack-size={STACK_SIZE}",
    ]
    if model == "command":
        cmd.append("-DEDGE_COMMAND")
    if optimize != "Debug":
        cmd += ["-s", "-Wl,--strip-all"]
    cmd += list(cflags)
    cmd += ["-o", str(out), *map(str, sources)]
    return cmd


def build(path: Path, *, out: Path | None = None, optimize: str = "ReleaseSmall") -> Path:
    """Compile a function's sources to a .wasm; returns its path. Raises ToolchainError."""
    path = Path(path)
    language = _language(path)
    if language == "zig":
        raise ToolchainError(f"{path}: Zig builds: see sdk/zig (this toolchain builds C functions)")
    sources = _sources(path)
    cfg = _config(path)
    model = exec_model(path)
    out = Path(out) if out is not None else output_path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".wasm")
    os.close(fd)
    tmp = Path(tmp_name)
    cmd = compile_command(sources, tmp, model=model, optimize=optimize, cflags=cfg.get("cflags", []))
    try:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=_zig_env(), timeout=600)
        except FileNotFoundError as exc:  # pragma: no cover - broken interpreter
            raise ToolchainError(f"could not run zig: {exc}") from None
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"{path}: the compiler did not finish within 600 s") from None
        if proc.returncode != 0:
            if "No module named ziglang" in proc.stderr:
                raise ToolchainError("the `ziglang` package is not installed: pip install 'edge-wasm[build]'")
            raise ToolchainError(f"{path}: compilation failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise ToolchainError(f"{path}: the compiler produced no output\n{proc.stderr.strip()}")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m edge.toolchain DIR [OUT]`: build one function."""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("usage: python -m edge.toolchain SOURCE_DIR_OR_FILE [OUT.wasm]", file=sys.stderr)
        return 2
    try:
        wasm = build(Path(args[0]), out=Path(args[1]) if len(args) > 1 else None)
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(wasm)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
