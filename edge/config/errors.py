"""The one error type for bad configuration: its message names the bad entry."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(ValueError):
    """Configuration that cannot be used; the message says which entry and why."""


def did_you_mean(unknown: Iterable[str], known: Iterable[str]) -> str:
    """` (did you mean 'behaviors'?)` for the first unknown key close to a known one (as the
    admin API's refusals say it), else ''. With several unknown keys it names the one meant."""
    import difflib  # (on a refusal only: every `edge` command imports this module)

    unknown, known = list(unknown), list(known)
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if close:
            return f" (did you mean {close[0]!r}{f' for {str(key)[:60]!r}' if len(unknown) > 1 else ''}?)"
    return ""


def unknown_keys_message(where: str, unknown: Iterable[str], known: Iterable[str], *, noun: str = "key") -> str:
    """`WHERE: unknown key isolaton (did you mean 'isolation'?); valid keys: source, isolation, ...`"""
    unknown, known = sorted(unknown), list(known)
    plural = "s" if len(unknown) > 1 else ""
    return (f"{where + ': ' if where else ''}unknown {noun}{plural} {', '.join(_shown(key) for key in unknown)}"
            f"{did_you_mean(unknown, known)}; valid {noun}s: {', '.join(known)}")


def check_keys(raw: dict, known: Iterable[str], where: str, *, noun: str = "key") -> None:
    """ConfigError naming the keys of the table `where` that it does not take, the closest
    valid key and every valid one (in `known`'s order)."""
    known = list(known)
    unknown = [key for key in raw if key not in known]
    if unknown:
        raise ConfigError(unknown_keys_message(where, unknown, known, noun=noun))


def _shown(key: object) -> str:
    """A key as a message shows it: as written, or quoted when it holds what a line should not
    carry (control characters, a key hundreds of characters long)."""
    text = str(key)
    return text if text.isprintable() and len(text) <= 60 and text.strip() == text and text else repr(text[:60])
