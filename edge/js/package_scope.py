"""Which of the files in a function's folder are the function's package, as the build sees it.

A build must give the same module from the same sources, whatever else is in the folder: the
module lists the package's files (path and size, /edge/files.txt) and scans its sources for the
built-ins and globals it names, so anything that is not the function's and changes from build to
build would change the module too, and every rebuild would publish a new version. Left out:

- the modules edge builds (a `.wasm` carrying the build note, wherever it is: `build/<name>.wasm`,
  `edge build -o`'s, `edge dev`'s, the server's), the one being written (`out`) and the temporary
  files they are written through (`.<name>.XXXXXXXX.wasm`);
- an edge server's state directory placed inside the folder (`edge serve`/`edge dev`'s `.edge` by
  default; under any name, one holding two of keep.STATE_DIR_MARKERS), with the samples it copies,
  its stored modules, caches and logs;
- the JavaScript toolchain's cache (`EDGE_JS_CACHE`) when it is inside the folder;
- hidden folders at the top (`.git`, `.aws-sam`, `.edge`), as before (node_modules' `.pnpm` stays).

Files are walked in sorted order (not the file system's), so a copy of a folder lists the same.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from .archive import ENTRY_EXTENSIONS
from .keep import STATE_DIR_MARKERS
from .wasmfile import read_note

BUILD_NOTE = "edge.js.build"  # build.py's (its custom section: how the module was built)
NOTE_BYTES = 4096  # the note is the module's first section: in its first bytes
# a temporary module next to its output (tempfile.mkstemp(prefix=f".{stem}.", suffix=".wasm"))
TEMP_MODULE = re.compile(r"\..+\.[a-z0-9_]{8}\.wasm")


def _is_state_dir(names: set[str]) -> bool:
    """A folder holding two of STATE_DIR_MARKERS is an edge server's state directory (keep.py)."""
    return len(names & STATE_DIR_MARKERS) >= 2


def is_built_module(path: Path) -> bool:
    """True for a module edge's JavaScript build wrote (its build note in its first bytes)."""
    try:
        with open(path, "rb") as f:
            head = f.read(NOTE_BYTES)
    except OSError:
        return False
    try:
        return read_note(head, BUILD_NOTE) is not None
    except (IndexError, ValueError):
        return False


def _cache_dir() -> Path | None:
    """The JavaScript toolchain's cache directory, resolved (None when there is no home to have one)."""
    from . import fetch

    try:
        return fetch.cache_dir().resolve()
    except (OSError, RuntimeError):
        return None


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, as os.walk gives them (surrogateescape)
        return False
    return True


def walk(root: Path, out: Path | None = None) -> Iterator[tuple[str, int]]:
    """The package's regular files (path from `root`, size), sorted by folder then name, without
    what is not the function's (see the module's docstring). `out`: the module this build writes.
    Links to folders are not followed; paths that are not UTF-8 or hold a newline or a tab are left
    out (nothing could name them)."""
    root = Path(root)
    real_root = root.resolve()
    skipped_dirs = set()
    cache = _cache_dir()
    if cache is not None and cache != real_root and cache.is_relative_to(real_root):
        skipped_dirs.add(cache)
    out_real = Path(out).resolve() if out is not None else None
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory).relative_to(root).as_posix()
        in_modules = "node_modules" in here.split("/")
        if here == ".":
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        elif not in_modules and _is_state_dir({*dirnames, *filenames}):
            dirnames[:] = []
            continue
        if skipped_dirs:
            dirnames[:] = [d for d in dirnames if (real_root / here / d).resolve() not in skipped_dirs]
        dirnames.sort()
        for name in sorted(filenames):
            path = name if here == "." else f"{here}/{name}"
            if "\n" in path or "\t" in path or not _utf8(path):
                continue
            full = os.path.join(directory, name)
            try:
                st = os.stat(full)
            except OSError:  # a broken link
                continue
            if not stat.S_ISREG(st.st_mode):
                continue
            if name.endswith(".wasm") and _built(Path(full), name, out_real):
                continue
            yield path, st.st_size


def _built(path: Path, name: str, out: Path | None) -> bool:
    """A module edge built or is building: `out`, a temporary module, or one with the build note."""
    if out is not None and path.resolve() == out:
        return True
    if TEMP_MODULE.fullmatch(name):
        return True
    return is_built_module(path)


def package_files(root: Path, out: Path | None = None, limit: int | None = None) -> tuple[list[tuple[str, int]], bool]:
    """walk()'s files, at most `limit` of them, and whether that is all of them."""
    files: list[tuple[str, int]] = []
    for entry in walk(root, out):
        files.append(entry)
        if limit is not None and len(files) >= limit:
            return files, False
    return files, True


def sources(root: Path) -> Iterator[Path]:
    """The package's JavaScript files (node_modules included), for the build's scans of what they
    name: the same files the package lists, none of a build output's, a state dir's or a cache's."""
    root = Path(root)
    for path, _ in walk(root):
        if path.endswith(ENTRY_EXTENSIONS):
            yield root / path


def links(root: Path, guest_root: str) -> tuple[dict[str, str], list[str]]:
    """links.package_links() in sorted order (it lists them as the file system gives them, which a
    copy of the folder does not keep), without those in hidden folders at the top, which the
    package leaves out."""
    from .links import package_links

    inside, outside = package_links(root, guest_root)
    top = f"{guest_root}/"

    def kept(guest: str) -> bool:
        parts = guest[len(top):].split("/") if guest.startswith(top) else []
        return not (len(parts) > 1 and parts[0].startswith("."))

    return ({k: v for k, v in sorted(inside.items()) if kept(k)}, sorted(g for g in outside if kept(g)))
