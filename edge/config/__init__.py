"""Configuration: the manifest (TOML) and its sections, one file each.

    distribution.py  the distribution's identity (domain name, id) and server settings
    origins.py       where requests go: HTTP origins and static directories
    functions.py     function sources, limits, isolation, environment
    behaviors.py     path patterns, cache policies and function associations
    cache_policy.py  what a behavior caches and for how long (CloudFront's cache policy)
    selection.py     which query strings, headers or cookies a policy includes
    policies.py      reading cache and origin request policies from the manifest
    manifest.py      reading and validating the whole file
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .behaviors import Association, Behavior
    from .distribution import Distribution
    from .functions import FunctionSpec
    from .manifest import ConfigError, Manifest, load_manifest, parse_manifest
    from .origins import OriginSpec

# Each name is imported from its module when first asked for: a command that needs one
# section (`edge deploy` reads functions.py's bounds) does not load the others (origins.py
# loads ssl), nor does `edge --help`.
_HOMES = {
    "Association": "behaviors", "Behavior": "behaviors", "Distribution": "distribution", "FunctionSpec": "functions",
    "ConfigError": "manifest", "Manifest": "manifest", "load_manifest": "manifest", "parse_manifest": "manifest",
    "OriginSpec": "origins",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Association",
    "Behavior",
    "ConfigError",
    "Distribution",
    "FunctionSpec",
    "Manifest",
    "OriginSpec",
    "load_manifest",
    "parse_manifest",
]
