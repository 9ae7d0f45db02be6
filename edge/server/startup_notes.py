"""What a (re)start is about to do with the manifest versus what the store holds, said in
one line each before the server starts (edge serve prints them).

The store is what is served (docs/control-plane.md, "The manifest and the store"): a
restart publishes a manifest function only when its module or settings changed, and applies
the manifest's behaviors only when they changed. Both are right, and both surprise someone
who edited one thing and expected another; these notes say which happened. They read the
store and decide as ControlPlane.seed does, without writing anything.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..config.shadowing import unreachable_behaviors
from ..control import routing, settings
from ..control.manifest_memory import Decision, ManifestMemory, decide
from ..control.store import Store, is_url
from ..control.storeapi import DOWN_AFTER

if TYPE_CHECKING:
    from ..config.manifest import Manifest
    from .options import ServerOptions

log = logging.getLogger("edge.server")

NOTES_CONNECT_TIMEOUT = 2  # seconds: notes are not worth delaying a start without its database


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "earlier"


def startup_notes(options: ServerOptions, manifest: Manifest) -> list[str]:
    """One line per thing the user may not expect; empty for a first start or nothing new:
    first the manifest's behaviors that can never match (shadowing.py), then what the store
    changes. Read from the store this start serves: `--store DIR` or a fleet's PostgreSQL, not
    only `<state-dir>/store` (a fleet node was told its aliases did not exist)."""
    warnings = [f"warning: {line}" for line in unreachable_behaviors(manifest.behaviors)]
    try:
        return warnings + _store_notes(options, manifest)
    except Exception as exc:  # the warnings above are still said; edge serve said this alone
        if not warnings:
            raise
        return [*warnings, f"(could not compare the manifest with the store: {exc})"]


def _store_notes(options: ServerOptions, manifest: Manifest) -> list[str]:
    location = options.store_location
    if is_url(location):
        return _shared_store_notes(location, manifest, options)
    notes = _fleet_state_note(options, location)
    if not (Path(location) / "control.db").exists():
        return notes + _qualifier_notes(manifest, {}, {})
    store = Store(location)
    try:
        with store.read() as tx:
            return notes + _notes_from(tx, manifest)
    finally:
        store.close()


def _fleet_state_note(options: ServerOptions, location: str) -> list[str]:
    """A state directory a fleet node used, started on a local store: its EDGE_STORE (or
    --store) is missing, say from a systemd unit whose EnvironmentFile went away. Without this
    line the node serves the manifest alone, as a new standalone server would."""
    from ..fleet.lastknown import FILE_NAME

    saved = options.blob_cache_dir.parent / FILE_NAME  # only a fleet node writes it
    try:
        document = json.loads(saved.read_text(encoding="utf-8"))
        store = document["store"]
        when = _when(float(document["saved_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [f"this state directory was a fleet node's, on the shared store {store} (its last known state "
            f"{saved}, saved {when}), but this start uses the local store in {location}: give --store or "
            f"EDGE_STORE the fleet's URL to serve as that node again"]


def _notes_from(tx, manifest: Manifest, memory: ManifestMemory | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """`memory`: a fleet node's record of what its manifest last published (seeding.py decides
    with it as these notes do); None on one machine."""
    notes = _routing_note(tx, manifest, memory)
    for name, spec in manifest.functions.items():
        note = _function_note(tx, name, spec, memory)
        if note:
            notes.append(note)
    if _manifest_routing_applies(tx, manifest, memory):
        notes += _qualifier_notes(manifest, tx.version_numbers(), tx.alias_names())
    return notes


def _routing_decision(tx, manifest: Manifest, memory: ManifestMemory | None) -> Decision | None:  # type: ignore[no-untyped-def]
    """What the start does with the manifest's behaviors/origins (seeding._seed_routing); None
    without a manifest file."""
    if manifest.path is None:
        return None
    current = tx.routing()
    digest = routing.digest(routing.manifest_document(Path(manifest.path)))
    return decide(current.manifest_digest if current is not None else None, digest,
                  memory.routing if memory else None, memory is not None)


def _shared_store_notes(url: str, manifest: Manifest, options: ServerOptions) -> list[str]:
    """A fleet's store, read over one short read-only connection, without migrating it (the
    workers do that). A database that does not answer, or whose schema is not this server's,
    gets no notes: the start itself says what is wrong, and must not wait long for notes. Each
    answer is bounded as the store bounds its own (answers.py: the URL's answer_timeout, 2 s by
    default), so a database that stops answering once connected skips the notes with a warning
    instead of holding the start."""
    import psycopg
    from psycopg.rows import dict_row

    from ..fleet import dsn
    from ..fleet.answers import Answered, AnsweringConnection, NoAnswer
    from ..fleet.migrate import migrations
    from ..fleet.pgstore import PgTx

    try:
        within = dsn.answer_timeout(url)
        conn = AnsweringConnection.connect(dsn.conninfo(url), connect_timeout=NOTES_CONNECT_TIMEOUT,
                                           row_factory=dict_row)
    except psycopg.Error:
        return []
    except Exception:  # notes are a courtesy: the start itself reports a bad URL
        log.debug("start notes from the shared store skipped", exc_info=True)
        return []
    try:
        conn.answer_within = within  # each statement (and its BEGIN)
        conn.read_only = True
        if conn.execute("SELECT to_regclass('edge_schema') AS t").fetchone()["t"] is None:  # type: ignore[index]
            notes = _qualifier_notes(manifest, {}, {})  # the first node's first start
        elif conn.execute("SELECT max(version) AS v FROM edge_schema").fetchone()["v"] != len(migrations()):  # type: ignore[index]
            notes = []
        else:
            memory = ManifestMemory.load(Path(options.blob_cache_dir).parent, dsn.identity(url))
            notes = _name_taken_notes(conn, options) + _notes_from(PgTx(conn), manifest, memory)
        with Answered(conn, within):
            conn.rollback()  # it only read
        return notes
    except NoAnswer as exc:
        log.warning("start notes skipped: the store %s %s", dsn.mask(url), exc.args[0].removeprefix("the database "))
        return []
    except psycopg.Error:
        return []
    except Exception:  # noqa: BLE001 (notes are a courtesy: a store in a state they do not expect must not stop a start)
        log.debug("start notes from the shared store skipped", exc_info=True)
        return []
    finally:
        conn.close()  # never waits for the database (a Terminate message, then the socket closed)


def _name_taken_notes(conn, options: ServerOptions) -> list[str]:  # type: ignore[no-untyped-def]
    """Another live node under this start's --node-name (two machines cloned with one host
    name, the default; or a name copied between units): the registry would merge the two
    into one entry showing only one address, and `edge nodes` could not tell them apart."""
    node = options.node()
    rows = conn.execute(
        "SELECT host, address, greatest(0, extract(epoch from now()) - heartbeat)::float8 AS age FROM nodes"
        " WHERE name = %s AND NOT stopped AND heartbeat >= extract(epoch from now()) - %s"
        " AND (host <> %s OR address <> %s) ORDER BY heartbeat DESC LIMIT 1",
        (node.name, DOWN_AFTER, node.host, node.address),
    ).fetchall()
    if not rows:
        return []
    other = rows[0]
    return [f"note: another node is running under the name {node.name!r} ({other['address']} on host "
            f"{other['host']}, heartbeat {other['age']:.1f} s ago): `edge nodes` lists the two under one name (marked "
            "same_name), and `edge nodes forget` cannot remove either while the other lives; give each node its own "
            "--node-name"]


def _manifest_routing_applies(tx, manifest: Manifest, memory: ManifestMemory | None = None) -> bool:  # type: ignore[no-untyped-def]
    """Whether the manifest's behaviors are what will be served (not ones set through the API,
    nor, in a fleet, the fleet's when this node's manifest did not change)."""
    decision = _routing_decision(tx, manifest, memory)
    if decision is None or decision is Decision.PUBLISH:
        return True
    current = tx.routing()
    return decision is Decision.UNCHANGED and current.origin != "api"


def _qualifier_notes(manifest: Manifest, versions: dict[str, set[int]], aliases: dict[str, set[str]]) -> list[str]:
    """The manifest's associations that name an alias or version that does not exist (yet):
    their requests get 503 until it does. The manifest publishes versions, never aliases."""
    notes = []
    for ref in routing.manifest_references(manifest):
        qualifier = ref.qualifier
        if qualifier is None:
            continue
        if qualifier.isdigit():
            published = versions.get(ref.function, set())
            if int(qualifier) in published or (not published and qualifier == "1" and ref.function in manifest.functions):
                continue  # the first start publishes the manifest's function as version 1
            missing = f"version {qualifier}"
        elif qualifier in aliases.get(ref.function, set()):
            continue
        else:
            missing = f"alias {qualifier!r}"
        hint = (f"`edge alias {ref.function} {qualifier} VERSION`, or `edge deploy DIR --name {ref.function} --alias {qualifier}`"
                if not qualifier.isdigit() else f"name an existing version, an alias, or `{ref.function}` for its latest")
        notes.append(f"note: {ref.describe()}, and {ref.function} has no {missing}: "
                     f"its requests get 503 until it exists ({hint})")
    return notes


def _routing_note(tx, manifest: Manifest, memory: ManifestMemory | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    current = tx.routing()
    decision = _routing_decision(tx, manifest, memory)
    if decision in (Decision.KEEP_STORE, Decision.JOINED) and current is not None:
        who = "set through the admin API" if current.origin == "api" else "published by another node's manifest"
        why = ("this node's manifest has not changed since it last started" if decision is Decision.KEEP_STORE
               else "this node starts with a manifest whose behaviors and origins differ from them")
        return [f"note: serving the fleet's behaviors and origins ({who}, {_when(getattr(current, 'updated', None))}): "
                f"{why} (`edge config get` shows the fleet's; edit this manifest's [[behaviors]] or [origins] to "
                "publish them to every node, or use `edge config put`)"]
    if manifest.path is None or current is None or current.origin != "api":
        return []
    digest = routing.digest(routing.manifest_document(Path(manifest.path)))
    when = _when(getattr(current, "updated", None))
    if current.manifest_digest == digest:
        return [f"note: serving the behaviors and origins set through the admin API ({when}), not the manifest's, "
                "which have not changed since (`edge config get` shows them; edit the manifest's [[behaviors]] or "
                "[origins] to replace them)"]
    return [f"note: the manifest's behaviors and origins changed: they replace those set through the admin API "
            f"({when})"]


def _function_note(tx, name: str, spec, memory: ManifestMemory | None = None) -> str | None:  # type: ignore[no-untyped-def]
    # (imported here: only a function the store has versions of is compared, by its module's
    # bytes; edge serve's main process loads no worker state for the other notes)
    from ..runtime.module import ModuleError, sha256, to_wasm
    from .manifest_source import function_source

    row = tx.function(name)
    versions = tx.versions(name) if row else []
    if not versions:
        return None
    try:
        wasm = to_wasm(function_source(spec))
    except (OSError, ModuleError):
        return None  # the server's own start reports it
    module, canonical = sha256(wasm), settings.canonical(settings.from_spec(spec))
    digest = f"{module}:{canonical}"
    latest = versions[-1]
    decision = decide(row.get("manifest_digest"), digest, memory.functions.get(name) if memory else None,
                      memory is not None)
    if decision in (Decision.KEEP_STORE, Decision.JOINED):
        why = ("this node's manifest has not changed since it last started" if decision is Decision.KEEP_STORE
               else "this node starts with a manifest whose source or settings differ")
        return (f"note: {name}: version {latest.version} stays the fleet's latest: {why} (edit its source or "
                "settings here to publish a new version, or `edge deploy`)")
    if row.get("manifest_digest") != digest:
        published = [v for v in versions if v.origin == "manifest"]
        what = "source" if not published or published[-1].sha256 != module else "settings"
        since = f"since version {published[-1].version}" if published else "since it was deployed"
        if latest.sha256 == module and latest.settings == canonical:  # the publish reuses it (Publisher.publish)
            how = (f"deployed through the admin API ({_when(latest.created)})" if latest.origin == "api"
                   else "published from the manifest")
            return (f"note: {name}: the manifest's {what} changed {since}: its bytes and settings equal version "
                    f"{latest.version} ({how}), which stays the latest: no new version")
        return (f"note: {name}: the manifest's {what} changed {since}: publishing it as version "
                f"{int(row.get('next_version') or latest.version + 1)}")
    if latest.origin == "api":
        return (f"note: {name}: version {latest.version}, deployed through the admin API ({_when(latest.created)}), "
                "stays the latest; the manifest's is unchanged")
    return None
