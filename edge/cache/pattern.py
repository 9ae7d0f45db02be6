"""CloudFront path patterns (`*` any run of characters including `/`, `?` exactly one)."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A regex matching whole paths; the leading `/` is optional and matching is case-sensitive.

    Every `*` but the last becomes an atomic group (as `fnmatch` does), so matching is linear
    in the path: `/img/*/*/*.jpg` against a crafted 6 KB path cannot backtrack for seconds.
    """
    if pattern != "*" and not pattern.startswith("/"):
        pattern = "/" + pattern
    pieces = [_literal(piece) for piece in pattern.split("*")]
    if len(pieces) == 1:
        return re.compile(pieces[0] + r"\Z", re.DOTALL)
    regex = pieces[0]
    for piece in pieces[1:-1]:
        regex += f"(?>.*?{piece})"
    regex += ".*" + pieces[-1]
    return re.compile(regex + r"\Z", re.DOTALL)


def _literal(piece: str) -> str:
    return "".join("." if char == "?" else re.escape(char) for char in piece)


def path_matches(pattern: str, path: str) -> bool:
    """True when `path` (query string excluded) matches the pattern."""
    if not path.startswith("/"):
        path = "/" + path
    return compile_pattern(pattern).match(path) is not None
