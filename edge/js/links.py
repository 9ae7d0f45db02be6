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
    for directory, folders, files in os.walk(root):  # links to folders are listed, not walked
        for name in (*folders, *files):
            path = Path(directory, name)
            if not path.is_symlink():
                continue
            guest = f"{guest_root}/{path.relative_to(root).as_posix()}"
            try:
                target = path.resolve(strict=True)
                relative = target.relative_to(root)
            except (OSError, RuntimeError, ValueError):  # dangling, a loop, or out of the package
                outside.append(guest)
                continue
            inside[guest] = f"{guest_root}/{relative.as_posix()}" if relative.parts else guest_root
            if len(inside) + len(outside) >= MAX_LINKS:
                return inside, outside
    return inside, outside
