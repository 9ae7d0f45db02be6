"""Behaviors that can never serve a request: one listed after another whose path pattern
matches every path its own does (behaviors are matched in order and the first match wins, as
in CloudFront, so `/a/b/*` after `/a/*` is never reached). A warning, not a refusal: such a
manifest serves as it says, as CloudFront accepts it; the operator most likely meant the more
specific behavior to come first. Said by `edge serve` as it starts and by `edge config put`."""

from __future__ import annotations

from collections.abc import Iterable

from ..patterns import covers


def unreachable(patterns: Iterable[str | None]) -> list[str]:
    """One warning per behavior an earlier one shadows, naming both (by their place in
    [[behaviors]], as refusals do) and what to do. Only certain cases (patterns.covers);
    None (a pattern not known) shadows nothing and is never shadowed."""
    listed = list(patterns)
    warnings = []
    for late, narrow in enumerate(listed):
        if not narrow:
            continue
        for early in range(late):
            wide = listed[early]
            if wide and covers(wide, narrow):
                warnings.append(_warning(early, wide, late, narrow))
                break  # the first one that shadows it: moving it before that one is the fix
    return warnings


def _warning(early: int, wide: str, late: int, narrow: str) -> str:
    shadowed = f"[[behaviors]] #{late + 1} (path {narrow!r}) never serves a request"
    first = f"#{early + 1} (path {wide!r})"
    why = "behaviors are matched in order: the first that matches serves the request"
    if covers(narrow, wide):  # `a/*` and `/a/*`, `/a/**` and `/a/*`: the same paths
        return f"{shadowed}: {first} comes first and matches the same paths ({why}): remove one of the two"
    return (f"{shadowed}: {first} comes first and matches every path it does ({why}): move the more specific "
            f"#{late + 1} ({narrow!r}) before #{early + 1} ({wide!r})")


def unreachable_behaviors(behaviors: Iterable[object]) -> list[str]:
    """unreachable() of behaviors (config.behaviors.Behavior, or the admin API's documents:
    anything with a `pattern` attribute or a "path" key)."""
    return unreachable(_pattern(behavior) for behavior in behaviors)


def _pattern(behavior: object) -> str | None:
    pattern = behavior.get("path") if isinstance(behavior, dict) else getattr(behavior, "pattern", None)
    return pattern if isinstance(pattern, str) else None
