"""Which files of a JavaScript function a handler could name, for the messages that say how to
name one: a Lambda package whose handler is `src/app.handler` has no index.js, and "no sources
found" would not tell its porter that `--handler src/app.handler` is all it takes."""

from __future__ import annotations

import os
import re
from pathlib import Path

ENTRY_SUFFIXES = (".js", ".mjs", ".cjs")
SKIPPED_FOLDERS = frozenset({"node_modules", "build"})  # dependencies and build outputs name no handler
MAX_LOOKED_AT = 5000  # entries walked at most: a huge tree is not listed in full for a hint
MAX_READ = 256 * 1024  # bytes of a candidate read to see whether it names the handler's export
# what handler files are usually called, after those naming the export: the likelier example
USUAL_NAMES = ("index", "handler", "app", "main", "lambda", "function")


def handler_candidates(root: Path, export: str = "handler") -> list[str]:
    """Paths (relative, POSIX) of the .js/.mjs/.cjs files under `root` outside node_modules/, build/
    and hidden folders: first those naming `export`, then those with a usual handler file name,
    shallowest first."""
    found: list[str] = []
    looked_at = 0
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS and not f.startswith("."))
        looked_at += len(folders) + len(files)
        base = Path(directory).relative_to(root)
        found.extend((base / name).as_posix() for name in files if name.endswith(ENTRY_SUFFIXES))
        if looked_at > MAX_LOOKED_AT:
            break
    names_export = re.compile(rf"\b{re.escape(export)}\b")

    def rank(relative: str) -> tuple[bool, bool, int, str]:
        try:
            with open(root / relative, "rb") as source:
                text = source.read(MAX_READ).decode("utf-8", "replace")
        except OSError:
            text = ""
        usual = relative.rsplit("/", 1)[-1].rsplit(".", 1)[0] in USUAL_NAMES
        return (not names_export.search(text), not usual, relative.count("/"), relative)

    return sorted(found, key=rank)


def missing_handler(handler: str | None, candidates: list[str], option: str = "--handler {}") -> str:
    """'no index.js, index.mjs or index.cjs for handler ... (there is src/app.js): name ...', as
    edge.js.build.find_package says it for a file at the top, here for files in folders too."""
    handler = handler or "index.handler"
    module, _, export = handler.partition(".")
    names = f"{module}.js, {module}.mjs or {module}.cjs"
    shown = ", ".join(candidates[:5]) + (f" and {len(candidates) - 5} more" if len(candidates) > 5 else "")
    there = f"there {'is' if len(candidates) == 1 else 'are'} {shown}"
    first = candidates[0].rsplit(".", 1)[0]
    example = option.format(f"{first}.{export or 'handler'}")
    return (f"no {names} for handler {handler!r} ({there}): name the handler's file and function, "
            f"e.g. {example}")
