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

from .behaviors import Association, Behavior
from .distribution import Distribution
from .functions import FunctionSpec
from .manifest import ConfigError, Manifest, load_manifest, parse_manifest
from .origins import OriginSpec

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
