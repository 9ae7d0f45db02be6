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
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import click

from ..config.manifest import Manifest


class BuildFailed(click.ClickException):
    """A function did not build: its one-line compiler error, exit status 1."""

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:  # type: ignore[no-untyped-def]
        click.echo(f"error: {self.message}", err=True)


def pending(manifest: Manifest) -> list[tuple[str, Path]]:
    """(name, source directory) of the manifest functions whose module is missing or stale."""
    from ..toolchain import needs_build

    return [(name, spec.source) for name, spec in manifest.functions.items()
            if spec.source.is_dir() and needs_build(spec.source)]


def shown(path: Path) -> str:
    """A path as the user would type it: relative to here when it is below here."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return relative if not relative.startswith("..") else str(path)


def build_all(manifest: Manifest, *, jobs: int | None = None) -> int:
    """Build what is stale, printing progress to stderr; the number built. Raises BuildFailed."""
    from ..toolchain import ToolchainError, build

    todo = pending(manifest)
    if not todo:
        return 0
    total = len(todo)
    click.echo(f"edge: building {total} function{'s' if total > 1 else ''} from source "
               "(a machine's very first build also compiles zig's C library once, ~20 s)", err=True)
    jobs = jobs or max(1, min(total, os.cpu_count() or 1))

    def one(name: str, source: Path) -> tuple[str, Path, float]:
        started = time.perf_counter()
        build(source)
        return name, source, time.perf_counter() - started

    failures: list[str] = []
    done = 0
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="edge-build") as pool:
        futures = {pool.submit(one, name, source): (name, source) for name, source in todo}
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


def module_file(path: Path) -> Path:
    """The module to load for PATH: a .wasm/.wat file as is, a source directory built first
    when stale (as `edge build` does). A failed build raises BuildFailed with its one line."""
    if not path.is_dir():
        return path
    from ..toolchain import ToolchainError, build, needs_build, output_path

    wasm = output_path(path)
    try:
        if needs_build(path, wasm):
            build(path, out=wasm)
    except ToolchainError as exc:
        raise BuildFailed(exc.summary) from None
    return wasm
