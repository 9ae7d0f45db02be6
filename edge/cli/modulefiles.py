"""The manifest's module files (a function whose `source` is a .wasm or .wat file, or any other
file that is neither a source directory nor JavaScript), checked before `edge serve` starts
its workers.

A worker loads them as it boots: a file that is not a module (random bytes, an HTML page, a
truncated download) or one the host cannot run (a WAT importing `env::fetch`) failed there,
as two tracebacks and a worker that "died before it finished starting". Checked here it is
one line naming the function, the file and the problem, exit status 1 as for any other
manifest error.

The check runs the worker's own steps (WAT parsing, the imports and exports the host can run,
WebAssembly validation; no compiling) in a short-lived child process: `edge serve`'s main
process never loads wasmtime (tests/test_cli_imports.py), and ~0.1 s of a child's start is
paid only by manifests that name module files. What the child cannot check (it did not
start, it was killed) is left to the workers, as before.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from ..config.manifest import Manifest

ACCEPTED = ("a function's source is a .wasm module, a .wat file, a source directory (C, Zig or JavaScript), "
            "or JavaScript as a .js, .mjs or .cjs file or a Lambda-style .zip")
CHECK_TIMEOUT = 120.0  # seconds: validating a large module takes well under one


class ModuleFileError(click.ClickException):
    """A manifest function's module file cannot be loaded: one line, exit status 1 (as for any
    other manifest error)."""


def module_files(manifest: Manifest) -> list[tuple[str, Path]]:
    """(name, file) of the functions loaded from their file as it is (nothing is built)."""
    from ..js.build import is_js_source

    return [(name, spec.source) for name, spec in manifest.functions.items()
            if not spec.source.is_dir() and not is_js_source(spec.source, spec.handler)]


def check_module_files(manifest: Manifest) -> None:
    """Raise ModuleFileError for the first module file a worker would refuse (naming how many
    more there are)."""
    from .prebuild import shown

    files = module_files(manifest)
    if not files:
        return
    problems = _problems_in_child(files)
    if not problems:
        return
    first = next(name for name, _ in files if name in problems)
    path = dict(files)[first]
    more = len(problems) - 1
    others = f" (and {more} more function{'s' if more > 1 else ''} whose module cannot be loaded: " \
             f"{', '.join(name for name in problems if name != first)})" if more else ""
    raise ModuleFileError(f"[functions.{first}] ({shown(path)}): {problems[first]}{others}")


def _problems_in_child(files: list[tuple[str, Path]]) -> dict[str, str]:
    request = json.dumps([[name, str(path)] for name, path in files])
    try:
        # -P: the directory `edge serve` runs in is not put on sys.path (a wasmtime.py there must not run)
        done = subprocess.run([sys.executable, "-P", "-m", __name__], input=request, capture_output=True, text=True,
                              timeout=CHECK_TIMEOUT, check=False)
        if done.returncode != 0:
            raise ValueError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"status {done.returncode}")
        answer = json.loads(done.stdout)
        if not isinstance(answer, dict):
            raise ValueError("an answer that is not a JSON object")
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        # the workers check the same again as they load: a check that could not run stops nothing
        click.echo(f"edge: (could not check the functions' module files before starting: {exc})", err=True)
        return {}
    return {str(name): str(problem) for name, problem in answer.items()}


# -- in the child process -----------------------------------------------------------------------


def problem(data: bytes, suffix: str = "") -> str | None:
    """Why a worker would refuse these bytes as a function's module, or None. `suffix`: the
    file's (a .wat file is WAT whatever its first character)."""
    import wasmtime

    from ..control.errors import ControlError
    from ..runtime.module import ModuleError, engine_message, to_wasm
    from ..server.modulecheck import precheck

    if not data:
        return f"the file is empty: {ACCEPTED}"
    if data[:4] != b"\0asm" and suffix != ".wat" and not _looks_like_wat(data):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return ("not a WebAssembly module: it starts with neither the \\0asm magic bytes of a binary module "
                    f"nor WAT text: {ACCEPTED}")
        return f"not a WebAssembly module: it is text, but not WAT (which starts with `(module`): {ACCEPTED}"
    try:
        wasm = to_wasm(data)
    except ModuleError as exc:  # a WAT syntax error (line and column) or an unreadable binary
        return str(exc)
    engine = wasmtime.Engine()
    try:
        precheck(wasm, engine)  # imports the host does not provide, exports that make no function
    except ControlError as exc:
        return exc.message
    try:
        wasmtime.Module.validate(engine, wasm)
    except wasmtime.WasmtimeError as exc:
        message = f"invalid WebAssembly: {engine_message(exc)}"
        if "unexpected end-of-file" in message:
            message += ": the file ends before the module does (cut short by an interrupted download or copy?)"
        return message
    return None


def _looks_like_wat(data: bytes) -> bool:
    """Text whose first token (after blank lines and `;;` comments) opens a parenthesis, as
    WAT's `(module` and its comments `(; ... ;)` do."""
    for line in data[:65536].splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(b";;"):
            return stripped.startswith(b"(")
    return False


def _main() -> None:
    """Read [[name, path], ...] on stdin; write {name: problem} for the files that have one."""
    problems: dict[str, Any] = {}
    for name, path in json.load(sys.stdin):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            problems[name] = f"cannot be read ({exc.strerror or exc})"
            continue
        found = problem(data, Path(path).suffix.lower())
        if found is not None:
            problems[name] = found
    json.dump(problems, sys.stdout)


if __name__ == "__main__":
    _main()
