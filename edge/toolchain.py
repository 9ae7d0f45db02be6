"""Build edge functions from source with zig from PyPI (`pip install ziglang`): no system toolchain.

    from edge.toolchain import build, needs_build
    wasm = build(Path("samples/redirect"))             # -> samples/redirect/build/redirect.wasm (output_path)
    wasm = build(Path("fn.c"), out=Path("/tmp/fn.wasm"), optimize="ReleaseFast")

What gets built:

- C: a directory with `*.c` files (all of them are compiled together) or a
  single `.c` file. `sdk/c` is on the include path (`#include "edge.h"`).
  The result is an optimized, stripped wasm32-wasi module.
- Zig: a directory with `main.zig` (the only `.zig` file may have another
  name), or a single `.zig` file, using the Zig SDK (`sdk/zig`,
  `const edge = @import("edge");`). It is compiled with `zig build-exe` as
  the `app` module under the SDK's root module (`sdk/zig/entry.zig`, which
  exports the ABI) into an optimized, stripped wasm32-wasi reactor; other
  `.zig` files next to `main.zig` can be `@import`ed. A `build.zig` is
  ignored (`zig build` projects build themselves). See zig_command().

Module style (docs/abi.md) for C: an **edge reactor** (`-mexec-model=reactor`,
the fast path, what the C SDK produces) unless the function is a **WASI
command** (`-mexec-model=command`, stdin = event, stdout = result). Command
is chosen when, in this order:

1. `edge-build.toml` next to the sources says `exec_model = "command"`
   (or `"reactor"` to force a reactor), or
2. a source defines `main(` (a plain WASI program), or
3. a source has `#define EDGE_COMMAND` (the C SDK's command mode).

`edge-build.toml` may also list extra compiler flags: `cflags = ["-DFOO=1"]`
(C) or `zigflags = ["-fsingle-threaded"]` (Zig). Zig functions are always
reactors.

Compiler caching: zig keeps its cache (including the wasi-libc it builds for
the first compile, ~15-20 s once) in its global cache directory
(`ZIG_GLOBAL_CACHE_DIR`, default `~/.cache/zig`); when that is not writable
the project-local `.zig-cache/` is used. Later builds take well under a second
(Zig: ~1-2 s; the first Zig build also compiles the standard library parts it
uses, a few seconds once).

Errors: ToolchainError's message carries the compiler output; `.summary` is
one line naming the first compiler error (what `edge build` prints).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from . import bundled

SDK_C = bundled.sdk("c")  # the checkout's sdk/, or the wheel's copy (edge/bundled.py)
SDK_HEADER = SDK_C / "edge.h"
SDK_ZIG = bundled.sdk("zig")
SDK_ZIG_MODULE = SDK_ZIG / "edge.zig"
SDK_ZIG_ENTRY = SDK_ZIG / "entry.zig"
ZIG_EXPORTS = ("edge_abi_version", "edge_alloc", "edge_handle")

OPTIMIZE_FLAGS = {
    "ReleaseSmall": ["-Os"],
    "ReleaseFast": ["-O2"],
    "ReleaseSafe": ["-O2"],
    "Debug": ["-O0", "-g"],
}
# The guest stack (C and Zig). zig lays it out first in linear memory, data and heap after it,
# so its size decides where an invocation writes: with 48 KiB, the stack, the data and the
# SDKs' static arena and event buffer (16 KiB each, sdk/c/edge.h, sdk/zig/edge.zig) sit in the
# 128 KiB the instance pool keeps resident (runtime/engine.py), and a fresh instance's call
# grows no memory and takes no page faults (per-request static-content: 40 -> 29 us a call
# with finding 24, -> ~19 us with finding 25; bench/README.md). An overflow traps (the stack
# pointer wraps below 0); a function that needs more sets `-Wl,-z,stack-size=` in
# edge-build.toml's cflags (`--stack` in zigflags).
STACK_SIZE = 48 * 1024
BUILD_CONFIG = "edge-build.toml"
SOURCE_SUFFIXES = (".c", ".h", ".zig")

_MAIN_RE = re.compile(r"^[ \t]*(?:int|void)\s+main\s*\(", re.MULTILINE)
_COMMAND_DEFINE_RE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+EDGE_COMMAND\b", re.MULTILINE)


_DIAG_RE = re.compile(r"^(?P<where>[^\s:][^:]*:\d+:\d+): (?:fatal )?error: (?P<msg>.*)$", re.MULTILINE)


class ToolchainError(Exception):
    """A function could not be built; the message carries the compiler's output.

    `summary` is a one-line description (the first compiler error and how many there are)."""

    def __init__(self, message: str, summary: str | None = None) -> None:
        super().__init__(message)
        if summary is None:
            summary = message.splitlines()[0] if message else "build failed"
        self.summary = summary


def summarize(output: str) -> str | None:
    """`file:line:col: message (and N more errors)` for the first error in zig/clang output, or None."""
    errors = list(_DIAG_RE.finditer(output))
    if not errors:
        return None
    first = errors[0]
    where = first["where"]
    path, rest = where.split(":", 1)
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            rel = path
        if not rel.startswith(".."):
            where = f"{rel}:{rest}"
    more = len(errors) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {first['msg'].strip()}{tail}"


def _is_js(path: Path, handler: str | None = None) -> bool:
    from .js.build import is_js_source

    return is_js_source(Path(path), handler)


def _label(path: Path) -> str:
    """The source as messages name it: `edge build .` names the directory, not '.'."""
    return path.resolve().name if path.name in ("", "..") else str(path)


def _language(path: Path, handler: str | None = None) -> str:
    if _is_js(path, handler):
        return "js"
    if path.is_file():
        if path.suffix == ".c":
            return "c"
        if path.suffix == ".zig":
            return "zig"
        raise ToolchainError(f"{path}: not a C (.c), Zig (.zig) or JavaScript (.js, .mjs, .zip) source file")
    if not path.is_dir():
        raise ToolchainError(f"{path}: no such file or directory")
    if any(path.glob("*.zig")):
        return "zig"
    if any(path.glob("*.c")):
        return "c"
    from .js.entries import handler_candidates, missing_handler

    candidates = handler_candidates(path, (handler or "index.handler").partition(".")[2] or "handler")
    if candidates:  # JavaScript, but not where the handler points (a Lambda package's src/app.handler)
        raise ToolchainError(f"{path}: {missing_handler(handler, candidates)}")
    raise ToolchainError(f"{path}: no C (*.c), Zig (build.zig, *.zig) or JavaScript (index.js, index.mjs) sources found")


def _sources(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.glob("*.c"))


def zig_main(path: Path) -> Path:
    """The Zig file a function is built from: the file itself, `main.zig`, or the only `.zig` file."""
    path = Path(path)
    if path.is_file():
        return path
    if (path / "main.zig").is_file():
        return path / "main.zig"
    candidates = sorted(p for p in path.glob("*.zig") if p.name != "build.zig")
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        names = ", ".join(p.name for p in candidates)
        raise ToolchainError(f"{path}: several .zig files ({names}) and no main.zig: name the entry file main.zig")
    raise ToolchainError(
        f"{path}: no main.zig to build (a Zig function is a main.zig with `pub fn handle(ev: *edge.Event) !void` "
        "using the SDK in sdk/zig; build.zig projects are built with `zig build`)"
    )


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
    for key in ("cflags", "zigflags"):
        flags = cfg.get(key, [])
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            raise ToolchainError(f"{cfg_path}: {key} must be a list of strings")
    return cfg


def exec_model(path: Path) -> str:
    """"command" or "reactor" for a function (see the module docstring for the rules; Zig: always "reactor")."""
    path = Path(path)
    cfg = _config(path)
    if _language(path) == "zig":
        if cfg.get("exec_model") == "command":
            raise ToolchainError(f"{path}: Zig functions are built as reactors (exec_model = \"command\" is C only)")
        return "reactor"
    if cfg.get("exec_model"):
        return cfg["exec_model"]
    for src in _sources(path):
        text = src.read_text(encoding="utf-8", errors="replace")
        if _MAIN_RE.search(text) or _COMMAND_DEFINE_RE.search(text):
            return "command"
    return "reactor"


def output_path(path: Path, handler: str | None = None) -> Path:
    """Where build() writes when no `out` is given: `<dir>/build/<name>.wasm` (`<dir>/build/<stem>.wasm` for a file);
    a JavaScript function built for a handler other than its default gets a module of its own (js/build.py)."""
    path = Path(path)
    if handler is not None and _is_js(path, handler):
        from .js.build import output_path as js_output_path

        return js_output_path(path, handler)
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
    try:
        language = _language(path)
    except ToolchainError:
        language = None
    if language == "zig":
        files += [p for p in SDK_ZIG.glob("*.zig")]
    elif SDK_HEADER.exists():
        files.append(SDK_HEADER)
    return files


def needs_build(src_dir: Path, wasm: Path | None = None, handler: str | None = None) -> bool:
    """True if `wasm` (default: output_path) is missing or older than a source, edge-build.toml or the SDK
    (edge.h for C, sdk/zig/*.zig for Zig); for JavaScript also when built for another `handler`."""
    if _is_js(src_dir, handler):
        from .js.build import needs_build as js_needs_build

        return js_needs_build(Path(src_dir), wasm, handler)
    wasm = Path(wasm) if wasm is not None else output_path(src_dir)
    try:
        built = wasm.stat().st_mtime
    except FileNotFoundError:
        return True
    return any(p.stat().st_mtime > built for p in _inputs(Path(src_dir)) if p.exists())


def zig_cache_dir(env: dict[str, str] | None = None) -> Path:
    """The zig cache directory builds use (ZIG_GLOBAL_CACHE_DIR as _zig_env() sets it, else zig's default)."""
    env = _zig_env() if env is None else env
    if env.get("ZIG_GLOBAL_CACHE_DIR"):
        return Path(env["ZIG_GLOBAL_CACHE_DIR"])
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zig"


def _zig_env() -> dict[str, str]:
    env = dict(os.environ)
    if "ZIG_GLOBAL_CACHE_DIR" not in env:
        try:
            default = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zig"
        except RuntimeError:  # no home directory
            default = None
        probe = default if default is None or default.exists() else default.parent
        if probe is None or not os.access(probe, os.W_OK):
            env["ZIG_GLOBAL_CACHE_DIR"] = str((bundled.PACKAGE.parent if not bundled.installed() else Path.cwd())
                                              / ".zig-cache")
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


def zig_command(main_zig: Path, out: Path, *, optimize: str, cache_dir: Path | None = None,
                zigflags: list[str] = (), name: str = "function") -> list[str]:
    """The `zig build-exe` command line build() runs for a Zig function (exposed for debugging and docs).

    Three modules: `root` (sdk/zig/entry.zig: the ABI exports, panic and std.log routing) imports
    `edge` (sdk/zig/edge.zig) and `app` (the user's main.zig), which imports `edge`."""
    if optimize not in OPTIMIZE_FLAGS:
        raise ToolchainError(f"optimize must be one of {', '.join(OPTIMIZE_FLAGS)}, got {optimize!r}")
    cmd = [
        sys.executable, "-m", "ziglang", "build-exe",
        "-target", "wasm32-wasi",
        "-O", optimize,
        "-fno-entry",
        *(f"--export={name_}" for name_ in ZIG_EXPORTS),
        "--stack", str(STACK_SIZE),
        "--name", name,
        f"-femit-bin={out}",
        "--color", "off",
    ]
    if optimize != "Debug":
        cmd.append("-fstrip")
    if cache_dir is not None:
        cmd += ["--cache-dir", str(cache_dir)]
    cmd += list(zigflags)
    cmd += [
        "--dep", "edge", "--dep", "app", f"-Mroot={SDK_ZIG_ENTRY}",
        "--dep", "edge", f"-Mapp={main_zig}",
        f"-Medge={SDK_ZIG_MODULE}",
    ]
    return cmd


def build(path: Path, *, out: Path | None = None, optimize: str = "ReleaseSmall", handler: str | None = None) -> Path:
    """Compile a function's sources to a .wasm; returns its path. Raises ToolchainError.

    JavaScript (a directory with index.js/index.mjs, a .js/.mjs file or a .zip) is built by
    edge.js (`handler`, Lambda's "index.handler", names its entry; `optimize` does not apply)."""
    path = Path(path)
    label = _label(path)
    language = _language(path, handler)
    if language == "js":
        return _build_js(path, out, handler, label)
    cfg = _config(path)
    model = exec_model(path)
    out = Path(out) if out is not None else output_path(path, handler)
    env = _zig_env()
    if language == "zig":
        main_zig = zig_main(path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".wasm")
    os.close(fd)
    tmp = Path(tmp_name)
    if language == "zig":
        name = re.sub(r"[^A-Za-z0-9_]", "_", out.stem) or "function"
        cmd = zig_command(main_zig, tmp, optimize=optimize, cache_dir=zig_cache_dir(env),
                          zigflags=cfg.get("zigflags", []), name=name)
    else:
        cmd = compile_command(_sources(path), tmp, model=model, optimize=optimize, cflags=cfg.get("cflags", []))
    try:
        try:
            proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=600)
        except FileNotFoundError as exc:  # pragma: no cover - broken interpreter
            raise ToolchainError(f"could not run zig: {exc}") from None
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"{label}: the compiler did not finish within 600 s") from None
        if proc.returncode != 0:
            if "No module named ziglang" in proc.stderr:
                raise ToolchainError("the `ziglang` package is not installed: pip install 'edge-wasm[build]'")
            output = proc.stderr.strip() or proc.stdout.strip()
            first = summarize(output)
            summary = f"{label}: compilation failed: {first}" if first else f"{label}: compilation failed (exit {proc.returncode})"
            raise ToolchainError(f"{label}: compilation failed (exit {proc.returncode}):\n{output}", summary=summary)
        if not tmp.exists() or tmp.stat().st_size == 0:
            raise ToolchainError(f"{label}: the compiler produced no output\n{proc.stderr.strip()}",
                                 summary=f"{label}: the compiler produced no output")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _build_js(path: Path, out: Path | None, handler: str | None, label: str) -> Path:
    from .js.build import JsBuildError, build_js

    try:
        return build_js(path, out=out, handler=handler, log=lambda msg: print(msg, file=sys.stderr))
    except JsBuildError as exc:
        # a single file's errors already begin with its name ("index.js:3:1: SyntaxError ...")
        prefix = "" if path.is_file() and exc.summary.startswith(f"{path.name}:") else f"{label}: "
        raise ToolchainError(f"{prefix}{exc}", summary=f"{prefix}{exc.summary}") from None


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
