"""Building a manifest's source directories before `edge serve` starts its workers.

A first start can build many functions (the samples are ten, ~17 s one after the other on a
cold compiler cache). Done here, in the `edge serve` process, the user sees one line per
function as it finishes, the builds run side by side, a compile error is the same one line
`edge build` prints (exit 1) instead of a worker's traceback, and the workers find every
module up to date.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..config.manifest import Manifest


class BuildFailed(click.ClickException):
    """A function did not build: its one-line compiler error, exit status 1."""

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"error: {self.message}", err=True)


def pending(manifest: Manifest) -> list[tuple[str, Path, str | None]]:
    """(name, source, JavaScript handler) of the manifest functions built from sources (a
    directory, or a .js/.mjs/.zip) whose module is missing or stale."""
    from ..js.build import is_js_source
    from ..toolchain import needs_build

    return [(name, spec.source, spec.handler) for name, spec in manifest.functions.items()
            if (spec.source.is_dir() or is_js_source(spec.source)) and needs_build(spec.source, handler=spec.handler)]


def shown(path: Path) -> str:
    """A path as the user would type it: relative to here when it is below here."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def build_all(manifest: Manifest, *, jobs: int | None = None) -> int:
    """Build what is stale, printing progress to stderr; the number built. Raises BuildFailed."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from ..toolchain import ToolchainError, build

    todo = pending(manifest)
    if not todo:
        return 0
    from ..js.build import is_js_source

    total = len(todo)
    native = any(not is_js_source(source, handler) for _, source, handler in todo)
    first = ("a machine's very first build also compiles zig's C library once, ~20 s" if native
             else "a machine's very first build also builds the JavaScript engine once, ~1-2 min")
    click.echo(f"edge: building {total} function{'s' if total > 1 else ''} from source ({first})", err=True)
    jobs = jobs or max(1, min(total, os.cpu_count() or 1))

    def one(name: str, source: Path, handler: str | None) -> tuple[str, Path, float]:
        started = time.perf_counter()
        build(source, handler=handler)
        return name, source, time.perf_counter() - started

    failures: list[str] = []
    done = 0
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="edge-build") as pool:
        futures = {pool.submit(one, name, source, handler): (name, source) for name, source, handler in todo}
        for future in as_completed(futures):
            name, source = futures[future]
            done += 1
            try:
                _, _, seconds = future.result()
            except ToolchainError as exc:
                failures.append(f"[functions.{name}] {exc.summary}")
                click.echo(f"edge: [{done}/{total}] {name}: build failed", err=True)
                continue
            click.echo(f"edge: [{done}/{total}] built {name} ({shown(source)}) in {seconds:.1f} s", err=True)
    if failures:
        more = f" (and {len(failures) - 1} more failed)" if len(failures) > 1 else ""
        raise BuildFailed(failures[0] + more)
    return total


def module_file(path: Path, handler: str | None = None) -> Path:
    """The module to load for PATH: a .wasm/.wat file as is; a source directory, or a
    JavaScript file or archive (.js/.mjs/.zip), built first when stale or when a handler is
    given (as `edge build` does). A failed build raises BuildFailed with its one line."""
    from ..js.build import is_js_source

    if not path.is_dir() and not is_js_source(path):
        return path
    from ..toolchain import ToolchainError, build, needs_build, output_path

    wasm = output_path(path, handler)
    try:
        if handler is not None or needs_build(path, wasm):
            build(path, out=wasm, handler=handler)
    except ToolchainError as exc:
        raise BuildFailed(exc.summary) from None
    return wasm
