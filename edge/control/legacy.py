"""What a store written by an earlier release may hold that today's rules refuse, and the
warnings that say how each is served.

An upgrade must not change what was serving: the stored behaviors/origins are read as the
release that stored them read them (edge/config/values.py, `LegacyRead`), an alias named
`latest` stays an alias, and a version keeps the settings it was published with. New
writes follow today's rules. Each such value is logged once per process, as a WARNING that
names it, says how it is read and how to replace it; nothing stored is rewritten (rewriting
"false" as false would flip what is served, rewriting it as true would put words in the
operator's mouth).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from .. import names
from ..config.values import TRUTHY_FLAGS, LegacyValue
from . import settings
from .rows import AliasRow, Snapshot, VersionRow

log = logging.getLogger("edge.control")


class LegacyLog:
    """Logs each legacy warning once in this process (a sync runs on every store change)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def warn(self, message: str) -> None:
        if message not in self._seen:
            self._seen.add(message)
            log.warning("%s", message)


def routing_notes(found: list[LegacyValue], aliases: dict[str, dict[str, AliasRow]]) -> list[str]:
    """One warning per legacy value of the stored behaviors/origins."""
    return [_qualifier_note(v, aliases) if v.key == "qualifier" else _flag_note(v) if v.key in TRUTHY_FLAGS
            else _stored_note(v) for v in found]


def _stored_note(v: LegacyValue) -> str:
    """A value that is refused now but served as stored (custom headers and URLs that cannot be
    sent: their requests fail as they did; more behaviors than allowed)."""
    return (f"stored {v.section}: {v.refusal} — earlier releases accepted it and it is served as stored "
            f"(as before); replace it: PUT /v1/{v.section}")


def _flag_note(v: LegacyValue) -> str:
    read, other = _json(v.read_as), _json(not v.read_as)
    return (f"stored {v.section}: {v.where}: {v.key} is {_describe(v.value)}, which earlier releases read as "
            f"{read}; serving it as {read} — store a JSON boolean: PUT /v1/{v.section} with \"{v.key}\": {read} "
            f"(or {other}, if that was meant)")


def _qualifier_note(v: LegacyValue, aliases: dict[str, dict[str, AliasRow]]) -> str:
    function, _, alias = str(v.value).partition(":")
    row = aliases.get(function, {}).get(alias)
    if row is not None:
        return (f"stored behaviors: {v.where}: {v.value} names the alias {alias!r} of {function} ({_target(row)}), "
                f"a name now reserved (an unqualified `{function}` means its latest version); serving that alias "
                f"as before — give it another name (PUT /v1/functions/{function}/aliases/NAME with the same "
                f"version), point the behavior at `{function}:NAME` (PUT /v1/behaviors), then "
                f"DELETE /v1/functions/{function}/aliases/{alias}")
    return (f"stored behaviors: {v.where}: {v.value} names an alias {alias!r} that {function} does not have; "
            f"earlier releases answered its requests with 503 (function not deployed), and so does this one — "
            f"to run the latest version name `{function}` without a qualifier, or name an existing alias "
            "(PUT /v1/behaviors)")


def alias_notes(snap: Snapshot) -> list[str]:
    """One warning per stored alias whose name is now reserved (`latest`, in any case)."""
    out = []
    for function, rows in sorted(snap.aliases.items()):
        for alias, row in sorted(rows.items()):
            if names.is_reserved_alias(alias):
                out.append(
                    f"function {function}: alias {alias!r} ({_target(row)}) has a name now reserved (an "
                    f"unqualified `{function}` means its latest version); it keeps its target, and stored "
                    f"behaviors naming `{function}:{alias}` still run it, but it can no longer be moved — create "
                    f"an alias under another name (PUT /v1/functions/{function}/aliases/NAME), move what uses it "
                    f"there, then DELETE /v1/functions/{function}/aliases/{alias}"
                )
    return out


def settings_note(row: VersionRow) -> str | None:
    """A warning if a version's stored settings are ones a deploy now refuses (None: they are not)."""
    try:
        settings.normalize(row.settings_dict)
    except settings.SettingsError as exc:
        return (f"function {row.function} version {row.version}: its stored settings are refused for new "
                f"deploys ({exc}); earlier releases accepted them and it runs with them as stored — deploy a "
                "new version with settings in range (X-Edge-Settings) and move what uses this one to it")
    return None


def _target(row: AliasRow) -> str:
    if row.canary_version is None:
        return f"version {row.version}"
    return f"version {row.version}, canary version {row.canary_version} at {row.canary_weight}"


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    return f"{type(value).__name__} {json.dumps(value, default=str)}"


def _json(value: bool) -> str:
    return "true" if value else "false"
