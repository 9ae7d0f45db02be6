"""Symbolic links in a function's package, for the loader to resolve modules as Node does.

Node gives a module the real path of its file, so a package installed by pnpm
(node_modules/jsonwebtoken -> .pnpm/jsonwebtoken@9.0.3/node_modules/jsonwebtoken) finds its own
dependencies next to its real folder, where pnpm put them. The engine sees the package through
WASI, which follows a link but cannot say where it leads, so the build lists the links here
(guest paths, /var/task/...) and edge/js/node/loader.js applies them. A link that leads out of
the package cannot be followed at all (the build sees only the function's directory, as a
Lambda package holds only what is in it): those are listed apart, for the error to say so.
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_LINKS = 20_000  # a package with more is listed up to here (a pnpm store has one link per package)


def package_links(root: Path, guest_root: str) -> tuple[dict[str, str], list[str]]:
    """({guest link path: guest real path} for links inside `root`, [guest paths of links leading out])."""
    root = Path(root).resolve()
    inside: dict[str, str] = {}
    outside: list[str] = []
    pending = [root]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:  # the directory entry's type: no stat of each file
            if entry.is_symlink():
                guest = f"{guest_root}/{Path(entry.path).relative_to(root).as_posix()}"
                try:
                    relative = Path(entry.path).resolve(strict=True).relative_to(root)
                except (OSError, RuntimeError, ValueError):  # dangling, a loop, or out of the package
                    outside.append(guest)
                else:
                    inside[guest] = f"{guest_root}/{relative.as_posix()}" if relative.parts else guest_root
                if len(inside) + len(outside) >= MAX_LINKS:
                    return inside, outside
            elif entry.is_dir(follow_symlinks=False):  # links to folders are listed, not walked
                pending.append(Path(entry.path))
    return inside, outside
