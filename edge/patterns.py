"""CloudFront path patterns (`*` any run of characters including `/`, `?` exactly one)."""

from __future__ import annotations

import re
import time
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache

# General patterns (wildcards not only at the end) are compiled into regexes of at most this
# many alternatives, so one compile step stays short (PathMatcher.compile).
_CHUNK = 32


def _normal(pattern: str) -> str:
    return pattern if pattern == "*" or pattern.startswith("/") else "/" + pattern


def _regex_source(pattern: str) -> str:
    pieces = [_literal(piece) for piece in _normal(pattern).split("*")]
    if len(pieces) == 1:
        return pieces[0] + r"\Z"
    regex = pieces[0]
    for piece in pieces[1:-1]:
        regex += f"(?>.*?{piece})"
    return regex + ".*" + pieces[-1] + r"\Z"


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A regex matching whole paths; the leading `/` is optional and matching is case-sensitive.

    Every `*` but the last becomes an atomic group (as `fnmatch` does), so matching is linear
    in the path: `/img/*/*/*.jpg` against a crafted 6 KB path cannot backtrack for seconds.
    """
    return re.compile(_regex_source(pattern), re.DOTALL)


def _literal(piece: str) -> str:
    return "".join("." if char == "?" else re.escape(char) for char in piece)


def path_matches(pattern: str, path: str) -> bool:
    """True when `path` (query string excluded) matches the pattern."""
    if not path.startswith("/"):
        path = "/" + path
    return compile_pattern(pattern).match(path) is not None


class PathMatcher:
    """Many path patterns matched against many paths in one pass (an invalidation).

    Matching a path costs about the same for 1 or 3,000 patterns of the common kinds: exact
    paths are a set, `/prefix*` patterns a sorted prefix-free list (one bisection), `*suffix`
    patterns sets by suffix length. Other patterns (wildcards elsewhere, `?`) are grouped by
    their literal head and each group is one regex per few dozen patterns, tried only for
    paths that start with that head. Their regexes are compiled by `compile`, which can stop
    after a time budget; until it is done, `matches` answers None for a path a pending
    regex might match.

    Paths are given with their leading `/` (`key_path` output passed through `slashed`).
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.everything = False
        self._exact: set[str] = set()
        prefixes: set[str] = set()
        suffixes: dict[int, set[str]] = {}
        general: dict[str, list[str]] = {}
        for raw in patterns:
            pattern = _normal(re.sub(r"\*{2,}", "*", raw) if "**" in raw else raw)
            if pattern == "*":
                self.everything = True
                continue
            stars = pattern.count("*")
            if "?" not in pattern and stars <= 1:
                if stars == 0:
                    self._exact.add(pattern)
                    continue
                if pattern.endswith("*"):
                    prefixes.add(pattern[:-1])
                    continue
                if pattern.startswith("/*"):  # "/*" + literal: the path ends with it, after "/"
                    suffixes.setdefault(len(pattern) - 2, set()).add(pattern[2:])
                    continue
            wild = pattern.find("*")
            if "?" in pattern:
                wild = min(pattern.find("?"), wild) if wild >= 0 else pattern.find("?")
            general.setdefault(pattern[:wild], []).append(pattern)
        # Prefix-free: a prefix that has a shorter one in the set adds nothing. Then at most one
        # prefix of a path is in the list, and it is the greatest entry <= the path.
        kept: list[str] = []
        for prefix in sorted(prefixes):
            if not kept or not prefix.startswith(kept[-1]):
                kept.append(prefix)
        self._prefixes = kept
        self._suffixes = sorted(suffixes.items())
        # head length -> head -> compiled regexes; chunks of patterns still to compile
        self._general: dict[int, dict[str, list[re.Pattern[str]]]] = {}
        self._todo: list[tuple[str, list[str]]] = []
        for head, group in general.items():
            self._general.setdefault(len(head), {})[head] = []
            self._todo.extend((head, group[start:start + _CHUNK]) for start in range(0, len(group), _CHUNK))
        self._heads = sorted(self._general)
        self._waiting: set[str] = {head for head, _ in self._todo}

    @property
    def general(self) -> bool:
        """Are there patterns matched by regex (slower, per path, than the other kinds)?"""
        return bool(self._heads)

    def compile(self, budget: float | None = None) -> bool:
        """Compile pending regexes, stopping once `budget` seconds have passed; True when done."""
        deadline = None if budget is None else time.perf_counter() + budget
        todo = self._todo
        while todo:
            head, chunk = todo.pop()
            source = "|".join(_regex_source(pattern) for pattern in chunk)
            self._general[len(head)][head].append(re.compile(source, re.DOTALL))
            if not todo or todo[-1][0] != head:  # a group's chunks are adjacent: this one is done
                self._waiting.discard(head)
            if deadline is not None and time.perf_counter() > deadline:
                break
        return not todo

    def matches(self, path: str) -> bool | None:
        """Whether any pattern matches; None when only a regex not compiled yet could tell."""
        if self.everything or path in self._exact:
            return True
        prefixes = self._prefixes
        if prefixes:
            at = bisect_right(prefixes, path)
            if at and path.startswith(prefixes[at - 1]):
                return True
        size = len(path)
        for length, ends in self._suffixes:
            if length >= size:
                break
            if path[-length:] in ends:
                return True
        unknown = False
        for length in self._heads:
            if length > size:
                break
            head = path[:length]
            regexes = self._general[length].get(head)
            if regexes is None:
                continue
            for regex in regexes:
                if regex.match(path) is not None:
                    return True
            if head in self._waiting:
                unknown = True
        return None if unknown else False


# A pattern's wildcards as single symbols, when one pattern is matched against another
# (covers): control characters, which a path pattern cannot hold (config/behaviors.py).
_ANY_RUN, _ANY_ONE = "\x00", "\x01"


@lru_cache(maxsize=1024)
def _canonical(pattern: str) -> str:
    """The pattern as matched, with every run of wildcards written one way: `?` for each `?`
    in it, then one `*` if it had any (`*?`, `?*` and `**?` all match one character or more)."""
    def run(match: re.Match[str]) -> str:
        text = match.group()
        return "?" * text.count("?") + ("*" if "*" in text else "")

    return re.sub(r"[*?]+", run, _normal(pattern))


@lru_cache(maxsize=1024)
def _over_symbols(pattern: str) -> re.Pattern[str]:
    """`pattern` as a regex over another pattern's symbols: its `*` takes any run of them
    (wildcards included), its `?` one literal or `?` (never a `*`, which may be empty or
    longer), a literal only itself. Segments between stars are fixed-length, so taking each
    at its earliest place (atomic groups, as compile_pattern does) loses no match."""
    def piece(text: str) -> str:
        return "".join(f"[^{_ANY_RUN}]" if char == "?" else re.escape(char) for char in text)

    pieces = [piece(text) for text in _canonical(pattern).split("*")]
    if len(pieces) == 1:
        return re.compile(pieces[0] + r"\Z", re.DOTALL)
    return re.compile(pieces[0] + "".join(f"(?>.*?{p})" for p in pieces[1:-1]) + ".*" + pieces[-1] + r"\Z",
                      re.DOTALL)


def covers(wide: str, narrow: str) -> bool:
    """True when every path `narrow` matches, `wide` matches too (so a behavior with `narrow`
    listed after one with `wide` never serves a request). Conservative: True only when
    certain. `wide` is matched against `narrow` read as symbols (`/a/*` against `/a/b/*`):
    each path `narrow` matches then matches `wide`, symbol by symbol. The converse may fail
    for a few contrived pairs (`/*?a` does match every path `/*aa` does), which then give no
    warning."""
    wide_text, narrow_text = _canonical(wide), _canonical(narrow)
    head, tail = _ends(wide_text)
    # `wide`'s literal head and tail are `narrow`'s own (a cheap test first: a manifest's 1,000
    # behaviors make half a million pairs)
    if not (narrow_text.startswith(head) and narrow_text.endswith(tail)):
        return False
    if head == wide_text:  # no wildcard: the same path only
        return narrow_text == wide_text
    encoded = narrow_text.replace("*", _ANY_RUN).replace("?", _ANY_ONE)
    return _over_symbols(wide).match(encoded) is not None


@lru_cache(maxsize=1024)
def _ends(canonical: str) -> tuple[str, str]:
    """A canonical pattern's literal text before its first and after its last wildcard."""
    pieces = re.split(r"[*?]", canonical)
    return pieces[0], pieces[-1]


def slashed(path: str) -> str:
    return path if path.startswith("/") else "/" + path
