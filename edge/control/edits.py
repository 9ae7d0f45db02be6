"""Alias moves, rollbacks and deletes: checked and written inside the caller's write transaction.

Nothing is removed while something still refers to it (an alias, a behavior), so a refused
change raises before anything is written and the transaction leaves the store as it was.
"""

from __future__ import annotations

import math

from .. import names
from ..config.errors import ConfigError
from . import routing
from .errors import bad_request, conflict, not_found
from .store import AliasRow, Tx


def check_alias_name(alias: str) -> str:
    try:
        return names.check_alias(alias)
    except names.BadName as exc:
        raise bad_request(str(exc)) from None


def check_version(value: object, field: str = "version") -> int:
    """A version number from a client, in range before any store sees it: a number past the
    stores' 64-bit integers made the driver raise (a 500) instead of a refusal naming the field."""
    try:
        return names.check_version(value, field)
    except names.BadName as exc:
        raise bad_request(str(exc)) from None


def check_alias_move(alias: str, version: int, canary: tuple[int, float] | None) -> None:
    """What can be refused before the store is asked."""
    check_alias_name(alias)
    check_version(version)
    if canary is not None:
        other, weight = canary
        check_version(other, "canary version")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) \
                or not 0.0 < weight < 1.0:
            raise bad_request(f"canary weight must be between 0 and 1 (exclusive), got {weight}")
        if other == version:
            raise bad_request("the canary version must differ from the alias's main version")


def set_alias(tx: Tx, name: str, alias: str, version: int, canary: tuple[int, float] | None) -> AliasRow:
    """Point an alias at existing versions (no write if it already points there)."""
    require_function(tx, name)
    for number in (version, *((canary[0],) if canary else ())):
        if tx.version(name, number) is None:
            raise not_found(f"function {name} has no version {number}")
    current = tx.alias(name, alias)
    unchanged = current is not None and current.version == version and (
        (current.canary_version, current.canary_weight) == (canary or (None, None))
    )
    return current if unchanged else tx.set_alias(name, alias, version, canary)  # type: ignore[return-value]


def roll_back(tx: Tx, name: str, alias: str) -> AliasRow:
    """Point the alias back at its previous target (the one before its last move)."""
    require_function(tx, name)
    current = tx.alias(name, alias)
    if current is None:
        raise not_found(f"function {name} has no alias {alias!r}")
    now = (current.version, current.canary_version, current.canary_weight)
    dropped: list[int] = []
    target = None
    for entry_id, version, canary_version, canary_weight in tx.history(name, alias):
        if (version, canary_version, canary_weight) == now or tx.version(name, version) is None or (
            canary_version is not None and tx.version(name, canary_version) is None
        ):
            dropped.append(entry_id)
            continue
        target = (version, canary_version, canary_weight)
        break
    if target is None:
        raise conflict(f"alias {name}:{alias} has no earlier target to roll back to", "no_history")
    tx.drop_history(dropped)
    canary = (target[1], target[2]) if target[1] is not None else None
    return tx.set_alias(name, alias, target[0], canary, history=False)  # type: ignore[arg-type]


def delete_alias(tx: Tx, name: str, alias: str) -> None:
    if tx.alias(name, alias) is None:
        raise not_found(f"function {name} has no alias {alias!r}")
    for ref in stored_references(tx):
        if ref.function == name and ref.qualifier == alias:
            raise conflict(f"alias {name}:{alias} is still referenced: {ref.describe()}", "in_use")
    tx.delete_alias(name, alias)


def delete_version(tx: Tx, name: str, version: int) -> None:
    require_function(tx, name)
    if tx.version(name, version) is None:
        raise not_found(f"function {name} has no version {version}")
    for row in tx.aliases(name):
        if version in row.versions:
            raise conflict(f"version {name}:{version} is still referenced by alias {row.name!r}", "in_use")
    latest = tx.latest(name)
    for ref in stored_references(tx):
        if ref.function != name:
            continue
        if ref.qualifier == str(version) or (ref.qualifier is None and latest and latest.version == version):
            raise conflict(f"version {name}:{version} is still referenced: {ref.describe()}", "in_use")
    tx.delete_version(name, version)


def delete_function(tx: Tx, name: str) -> None:
    require_function(tx, name)
    for ref in stored_references(tx):
        if ref.function == name:
            raise conflict(f"function {name} is still referenced: {ref.describe()}", "in_use")
    tx.delete_function(name)


def require_function(tx: Tx, name: str) -> None:
    if tx.function(name) is None:
        raise not_found(f"no function named {name!r}")


def stored_references(tx: Tx) -> list[routing.Reference]:
    """The associations of the stored behaviors (as the release that stored them read them)."""
    row = tx.routing()
    if row is None:
        return []
    try:
        return routing.stored_references(row.document)
    except ConfigError as exc:  # unreadable: what refers to what is unknown, so nothing is removed
        raise conflict(f"the stored behaviors cannot be read ({exc}): replace them (PUT /v1/behaviors) first",
                       "bad_config") from None
