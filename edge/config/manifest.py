"""The manifest: one TOML file declaring the distribution, origins, functions and behaviors.

Validated as a whole: a bad entry refuses the entire manifest with a message naming it,
so a server never starts (or reloads) half-configured.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .behaviors import Behavior, parse_behavior
from .distribution import Distribution
from .errors import ConfigError, unknown_keys_message
from .functions import FunctionSpec
from .origins import OriginSpec
from .values import LegacyRead
from .viewer import ViewerSettings

__all__ = ["MAX_BEHAVIORS", "MAX_ORIGINS", "ConfigError", "Manifest", "load_manifest", "parse_manifest"]

# Behaviors are matched in order on every request, so each one costs every request time
# (20,000 took ~7 ms a request). CloudFront allows 25 per distribution by default, more on request.
MAX_BEHAVIORS = 1000
MAX_ORIGINS = 1000
# the top-level tables a manifest may have ([store]: edge serve's, docs/fleet.md)
SECTIONS = ("distribution", "origins", "functions", "behaviors", "viewer", "store")


@dataclass(frozen=True)
class Manifest:
    distribution: Distribution = field(default_factory=Distribution)
    origins: dict[str, OriginSpec] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    behaviors: tuple[Behavior, ...] = ()
    path: Path | None = None
    viewer: ViewerSettings = field(default_factory=ViewerSettings)


def load_manifest(path: str | Path, known_functions: set[str] | None = None) -> Manifest:
    """Read and validate a manifest file; behaviors may also name `known_functions`
    (functions the control plane already stores)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read manifest {path}: {exc.strerror}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        manifest = parse_manifest(raw, base_dir=path.parent, known_functions=known_functions)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return dataclasses.replace(manifest, path=path)


def parse_manifest(
    raw: dict[str, Any], base_dir: Path, *, known_functions: set[str] | None = None, legacy: LegacyRead | None = None
) -> Manifest:
    """Validate a parsed manifest. Function associations must name a declared function
    (or one of known_functions, the control plane's). `legacy`: the origins and behaviors of
    a stored document, read as the release that stored them did (edge/config/values.py)."""
    unknown = [key for key in raw if key not in SECTIONS]
    if unknown:
        raise ConfigError(unknown_keys_message("", unknown, SECTIONS, noun="top-level section"))
    distribution = Distribution.parse(raw.get("distribution"))
    origins_raw = raw.get("origins", {})
    if not isinstance(origins_raw, dict) or not origins_raw:
        raise ConfigError("[origins] must declare at least one origin")
    in_origins = legacy.within("origins") if legacy is not None else None
    refusal = too_many_origins(origins_raw)
    if refusal:
        if in_origins is None:  # a stored document an earlier release accepted still serves
            raise ConfigError(refusal)
        in_origins.add("[origins]", "origins", len(origins_raw), len(origins_raw), refusal)
    origins = {name: OriginSpec.parse(name, value, base_dir, in_origins) for name, value in origins_raw.items()}
    functions_raw = raw.get("functions", {})
    if not isinstance(functions_raw, dict):
        raise ConfigError("[functions] must be a table of functions")
    functions = {name: FunctionSpec.parse(name, value, base_dir) for name, value in functions_raw.items()}
    behaviors_raw = raw.get("behaviors")
    if not isinstance(behaviors_raw, list) or not behaviors_raw:
        raise ConfigError("[[behaviors]] must list at least the default behavior (path = \"*\")")
    in_behaviors = legacy.within("behaviors") if legacy is not None else None
    refusal = too_many_behaviors(behaviors_raw)
    if refusal:
        if in_behaviors is None:  # a stored document an earlier release accepted still serves
            raise ConfigError(refusal)
        in_behaviors.add("[[behaviors]]", "behaviors", len(behaviors_raw), len(behaviors_raw), refusal)
    behaviors = tuple(parse_behavior(i, b, set(origins), in_behaviors) for i, b in enumerate(behaviors_raw))
    check_behaviors(behaviors, set(functions) | (known_functions or set()))
    return Manifest(distribution, origins, functions, behaviors, viewer=ViewerSettings.parse(raw.get("viewer"), base_dir))


def too_many_behaviors(behaviors: object) -> str | None:
    """The refusal of a behaviors list longer than MAX_BEHAVIORS, or None."""
    if not isinstance(behaviors, list) or len(behaviors) <= MAX_BEHAVIORS:
        return None
    return (f"[[behaviors]] lists {len(behaviors)} behaviors, more than the {MAX_BEHAVIORS} allowed (every request "
            "is matched against them in order; CloudFront allows 25 by default): merge behaviors with wider "
            "path patterns")


def too_many_origins(origins: object) -> str | None:
    """The refusal of an origins table larger than MAX_ORIGINS, or None."""
    if not isinstance(origins, dict) or len(origins) <= MAX_ORIGINS:
        return None
    return (f"[origins] declares {len(origins)} origins, more than the {MAX_ORIGINS} allowed (CloudFront allows 25 "
            "by default): declare an origin once and point every behavior that uses it at that name; a function "
            "that picks among many hosts can use one origin's allow_hosts")


def check_behaviors(behaviors: tuple[Behavior, ...], functions: set[str]) -> None:
    if behaviors[-1].pattern != "*":
        raise ConfigError("the last behavior must be the default one, with path = \"*\"")
    seen: set[str] = set()
    for index, behavior in enumerate(behaviors):
        if behavior.pattern in seen:
            raise ConfigError(f"[[behaviors]] #{index + 1}: path pattern {behavior.pattern!r} is listed twice")
        seen.add(behavior.pattern)
        if behavior.pattern == "*" and index != len(behaviors) - 1:
            raise ConfigError(f"[[behaviors]] #{index + 1}: the default behavior \"*\" must be last")
        for assoc in behavior.associations.values():
            if assoc.function not in functions:
                raise ConfigError(
                    f"[[behaviors]] #{index + 1} (path {behavior.pattern!r}).{assoc.event_type}: "
                    f"function {assoc.function!r} is not declared: a behavior names a function the manifest "
                    f"declares under [functions] (with its source) or one deployed before (`edge deploy`, or "
                    f"the admin API's upload)"
                )
