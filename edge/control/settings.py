"""A version's settings (limits, isolation, env, concurrency) as JSON, and back to a FunctionSpec.

Settings are part of an immutable version, like a Lambda version's configuration. They are
stored as canonical JSON so that "same bytes, same settings" is a string comparison, and
they are validated by the same FunctionSpec/FunctionConfig rules as the manifest's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import names
from ..config.errors import ConfigError, unknown_keys_message
from ..config.functions import FunctionSpec, check_numbers
from ..config.values import check_unicode, control_character, not_unicode

KEYS = ("isolation", "limits", "env", "concurrency", "max_reuse", "prewarm")
DEFAULTS: dict[str, Any] = {
    "isolation": "per-request", "limits": {}, "env": {}, "concurrency": 0, "max_reuse": 1000, "prewarm": 1,
}


class SettingsError(ValueError):
    """Settings that cannot be used; the message names the key."""


def check_name(name: str) -> str:
    try:
        return names.check_function(name)
    except names.BadName as exc:
        raise SettingsError(str(exc)) from None


def normalize(raw: Any) -> dict[str, Any]:
    """Validated settings with every key present (defaults filled in). Raises SettingsError."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError("settings must be a JSON object")
    try:  # JSON's "\ud800" escape carries what no store, response or environment can
        check_unicode(raw, "settings")
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None
    unknown = [key for key in raw if key not in KEYS]
    if unknown:  # `isolaton`: the one meant is named, as the manifest's [functions.NAME] keys do
        raise SettingsError(unknown_keys_message("", unknown, KEYS, noun="setting"))
    out = {**DEFAULTS, **raw}
    if not isinstance(out["isolation"], str):
        raise SettingsError("isolation must be a string")
    limits, env = out["limits"], out["env"]
    if not isinstance(limits, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in limits.values()):
        raise SettingsError("limits must be an object of integers, e.g. {\"timeout_ms\": 1000}")
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise SettingsError("env must be an object of strings")
    try:
        check_numbers(out)  # the manifest's ranges: a number past 64 bits was stored, then broke every answer
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    out["limits"] = dict(sorted(limits.items()))
    out["env"] = dict(sorted(env.items()))
    spec = to_spec("check", out, Path("."))
    try:
        spec.config("viewer-request")
        spec.config("origin-request")
    except (ValueError, TypeError) as exc:
        raise SettingsError(str(exc)) from None
    return out


def check_description(text: object) -> str:
    """A version's description: text without control characters (it is shown as is, in
    terminals too: an escape sequence in it would act on the terminal of whoever lists the
    versions; a NUL cannot be stored in PostgreSQL). Raises SettingsError."""
    if not isinstance(text, str):
        raise SettingsError("description must be a string")
    problem = not_unicode(text) or control_character(text)
    if problem:
        raise SettingsError(f"description holds {problem}: a description is one line of text without "
                            "control characters")
    if len(text) > MAX_DESCRIPTION:
        raise SettingsError(f"description is {len(text)} characters long: at most {MAX_DESCRIPTION} "
                            "(as a Lambda version's)")
    return text


MAX_DESCRIPTION = 256


def canonical(settings: dict[str, Any]) -> str:
    """The stored form: sorted keys, no whitespace; equal settings give equal strings."""
    return json.dumps(settings, sort_keys=True, separators=(",", ":"))


def from_spec(spec: FunctionSpec) -> dict[str, Any]:
    """A manifest function's settings in the stored form."""
    return normalize({
        "isolation": spec.isolation,
        "limits": dict(spec.limits),
        "env": dict(spec.env),
        "concurrency": spec.concurrency,
        "max_reuse": spec.max_reuse,
        "prewarm": spec.prewarm,
    })


def to_spec(name: str, settings: dict[str, Any], source: Path) -> FunctionSpec:
    """The FunctionSpec a stored version runs with (`source` is its blob, for messages only)."""
    return FunctionSpec(
        name=name,
        source=source,
        isolation=settings["isolation"],
        limits=tuple(sorted(settings["limits"].items())),
        env=tuple(settings["env"].items()),
        concurrency=settings["concurrency"],
        max_reuse=settings["max_reuse"],
        prewarm=settings["prewarm"],
    )
