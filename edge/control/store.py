"""The store's one door: `open_store(location)` opens SQLite for a path (the embedded
default, `<state-dir>/store`) or PostgreSQL for a `postgresql://` URL (a fleet of nodes
sharing one control plane, edge/fleet/). The control plane sees only `ControlStore` and
its transactions (`Tx`), never the database behind them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .blobs import BlobStore
from .rows import (AliasRow, NodeInfo, RoutingRow, Snapshot, StoreBusy, StoreError, StoreRefused, StoreUnavailable,
                   VersionRow)
from .sqlite_store import SCHEMA, SCHEMA_VERSION, SqliteStore, sqlite_exists
from .sqltx import SqlTx as Tx
from .storeapi import ControlStore, StoreHealth

Store = SqliteStore  # the embedded store, by its older name

URL_SCHEMES = ("postgresql://", "postgres://")

__all__ = [
    "AliasRow", "BlobStore", "ControlStore", "NodeInfo", "RoutingRow", "SCHEMA", "SCHEMA_VERSION", "Snapshot",
    "SqliteStore", "Store", "StoreBusy", "StoreError", "StoreHealth", "StoreRefused", "StoreUnavailable", "Tx",
    "VersionRow", "check_location", "is_url", "mask_location", "open_store", "store_exists",
]


def is_url(location: str | os.PathLike[str]) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def open_store(location: str | os.PathLike[str], *, cache_dir: str | os.PathLike[str] | None = None) -> ControlStore:
    """A path: the SQLite store in that directory. A PostgreSQL URL: the shared store, with
    module bytes cached in `cache_dir` (required then). Raises StoreError (password masked)."""
    if is_url(location):
        if cache_dir is None:
            raise StoreError("a PostgreSQL store needs a local cache directory for module bytes")
        from ..fleet.pgstore import PgStore  # the driver is imported only for a URL

        return PgStore(str(location), Path(cache_dir))
    return SqliteStore(location)


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):/")


def check_location(location: str) -> str:
    """`location` if it is a PostgreSQL URL or can be a directory. A URL of another scheme
    (`postgresq://`, `postgresql:/db`, `mysql://`) would otherwise be taken as a directory
    path: the node would start on a new, empty SQLite store of its own, outside its fleet.
    Raises StoreError showing only the scheme (the rest may hold a password)."""
    if is_url(location):
        return location
    _refuse_typo(location)
    match = _SCHEME.match(location)
    if match is None:
        return location
    shown = re.match(r"[^/]*/*", location).group(0) + "…"  # type: ignore[union-attr]
    if location.startswith(("postgresql:", "postgres:")):
        raise StoreError(f"the store {shown} is not a PostgreSQL URL: write postgresql://USER@HOST/DATABASE "
                         "(two slashes)")
    raise StoreError(f"the store {shown} has an unknown scheme {match.group(1)!r}: a fleet's store is "
                     "postgresql://USER@HOST/DATABASE, and one machine's a directory (SQLite)")


# a PostgreSQL scheme name, then what stands where `://` belongs: two slashes without the colon,
# other punctuation before them, a backslash, or a colon followed by something else. A directory
# named so is written with a leading ./ (`./postgresql//x`); `postgresql` and `postgresql/x` stay
# directories.
_TYPO = re.compile(r"(postgresql|postgres)(/{2,}|[;.,]/+|\\+|:(?!/))", re.IGNORECASE)


def _refuse_typo(location: str) -> None:
    """Refuse a location that is a PostgreSQL URL with a typo in its `://` (`postgresql//db`,
    `postgres;//db`, `postgresql:db`): taken as a directory it would start the node on an
    empty SQLite store of its own. Only the scheme and the separator are shown."""
    match = _TYPO.match(location)
    if match is None:
        return
    name, separator = match.group(1), match.group(2)
    if set(separator) == {"/"}:
        what = f"the colon after '{name}' is missing"
    else:
        what = f"'{name}' is followed by '{separator}' instead of '://'"
    raise StoreError(f"the store {name}{separator}… is not a PostgreSQL URL: {what}; write "
                     f"postgresql://USER@HOST/DATABASE (a directory of that name is written ./{name}{separator}…)")


def store_exists(location: str | os.PathLike[str]) -> bool:
    """Whether opening would find a store (a URL's database is assumed to exist)."""
    return is_url(location) or sqlite_exists(location)


def mask_location(location: str | os.PathLike[str]) -> str:
    """The location as it may be logged or shown: a URL without its password."""
    if is_url(location):
        from ..fleet.dsn import mask

        return mask(str(location))
    return str(location)


def manifest_store(manifest: str | os.PathLike[str]) -> str | None:
    """The manifest's `[store] url` (a PostgreSQL URL, or a directory relative to the
    manifest), if it has one. Raises StoreError naming the problem."""
    import tomllib

    try:
        raw = tomllib.loads(Path(manifest).read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None  # the manifest's own loading reports these
    section = raw.get("store")
    if section is None:
        return None
    if not isinstance(section, dict) or set(section) - {"url"} or not isinstance(section.get("url"), str):
        raise StoreError(f"{manifest}: [store] takes one key, url = \"postgresql://...\" or a directory")
    url = check_location(section["url"])
    return url if is_url(url) else str((Path(manifest).parent / url).resolve())
