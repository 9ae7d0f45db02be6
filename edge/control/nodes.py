"""The node registry as operators read it (`edge nodes`, `GET /v1/nodes`): one entry per node
name, from the heartbeats of its worker processes — one per `edge serve` process (host and main
process) when two of them use one name, so that neither hides the other.

Health of a node:
- `ok`: a worker sent a heartbeat within DOWN_AFTER seconds and every live worker serves
  the store's current revision;
- `behind`: alive, but a live worker has not applied the latest change yet (for well under
  a second while a change propagates; longer means it cannot load something — its log says what,
  and `reason` too when the stored behaviors/origins cannot be applied there);
- `down`: no heartbeat for DOWN_AFTER seconds (stopped without saying so, killed, or cut off
  from the database — it may still be serving its last known state);
- `stopped`: every worker of its last run said goodbye (a clean shutdown; rows a crash left
  before a restart do not count, `_superseded`).

`release` is what `edge --version` says on the node (its most recently started live worker's;
each worker's is listed too), None for a node of a release that did not record it: during a
rolling upgrade, which nodes run which release.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request, conflict, not_found
from .storeapi import DOWN_AFTER, HEARTBEAT_INTERVAL, ControlStore

RESTARTED_AFTER = HEARTBEAT_INTERVAL * 1.5  # missed heartbeats: a later main process of the node exists
SIBLING_AFTER = HEARTBEAT_INTERVAL * 3  # ... only a later worker of the same (or an unrecorded) main process


def _superseded(worker: dict[str, Any], workers: list[dict[str, Any]]) -> bool:
    """A row left by a process that died without saying so (`kill -9`, a crash) when its node
    was started again: a later process of the node on the same host started after the row's
    last heartbeat, and the row has missed heartbeats since. Without this a node restarted
    after a crash read `behind`, with its dead worker listed, until the row aged past
    DOWN_AFTER (15 s) — right when an operator checks `edge nodes` for `ok`.

    A later worker of the *same* main process (Granian respawning a sibling slot) says nothing
    about this one, which may only be a little late: then it takes 3 missed intervals, not 1.5."""
    if worker["age"] <= RESTARTED_AFTER:
        return False
    for other in workers:
        if other is worker or other["host"] != worker["host"] or other["started"] <= worker["heartbeat"]:
            continue
        mains = worker.get("main_pid"), other.get("main_pid")
        restarted = None not in mains and mains[0] != mains[1]
        if restarted or worker["age"] > SIBLING_AFTER:
            return True
    return False


def live_workers(workers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The live ones among one node's worker rows: not stopped, a heartbeat within DOWN_AFTER,
    and not left behind by a process that died without saying so (`_superseded`)."""
    return [w for w in workers if not w["stopped"] and w["age"] <= DOWN_AFTER and not _superseded(w, workers)]


def _process(worker: dict[str, Any]) -> tuple[str, int | None]:
    """The `edge serve` process a worker belongs to: its host and main process (None: a release
    that did not record it — then the host's rows count as one)."""
    return worker["host"], worker.get("main_pid")


def summarize(rows: list[dict[str, Any]], revision: int) -> list[dict[str, Any]]:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row)
    out = []
    for name, workers in sorted(by_name.items()):
        # history left out: the rows of a run that died and was started again on its host
        kept = [w for w in workers if not _superseded(w, workers)]
        processes: dict[tuple[str, int | None], list[dict[str, Any]]] = {}
        for worker in kept:
            processes.setdefault(_process(worker), []).append(worker)
        # running, or died without saying so: each is listed (a name two nodes use hides neither)
        running = [p for p in processes.values() if not all(w["stopped"] for w in p)]
        if not running:  # stopped cleanly: its last run
            running = [max(processes.values(), key=lambda p: max(w["started"] for w in p))]
        running.sort(key=lambda p: min(w["started"] for w in p))
        for process in running:
            entry = _entry(name, process, revision)
            others = [_where(p) for p in running if p is not process]
            if others:
                entry["same_name"] = len(running)
                entry["reason"] = "; ".join(filter(None, [entry["reason"], (
                    f"the name {name!r} is also used by the node process at {', '.join(others)}: give each node "
                    "its own --node-name (each is listed, and neither hides the other)")]))
            out.append(entry)
    return out


def _where(process: list[dict[str, Any]]) -> str:
    newest = max(process, key=lambda w: w["heartbeat"])
    return f"{newest['address']} (host {newest['host']}, {_health_of(process, None)})"


def _health_of(process: list[dict[str, Any]], revision: int | None) -> str:
    """One `edge serve` process's health (`revision` None: alive is enough for `ok`)."""
    live = [w for w in process if not w["stopped"] and w["age"] <= DOWN_AFTER]
    if all(w["stopped"] for w in process):
        return "stopped"
    if not live:
        return "down"
    if revision is not None and (min(w["applied_revision"] for w in live) < revision
                                 or any(w.get("note") for w in live)):
        return "behind"
    return "ok"


def _entry(name: str, process: list[dict[str, Any]], revision: int) -> dict[str, Any]:
    """The registry's entry for one `edge serve` process (its worker rows, history left out)."""
    live = [w for w in process if not w["stopped"] and w["age"] <= DOWN_AFTER]
    newest = max(process, key=lambda w: w["heartbeat"])
    applied = min(w["applied_revision"] for w in live) if live else newest["applied_revision"]
    health = _health_of(process, revision)
    current = live or process  # a stopped or down node: the workers of its last run
    notes = sorted({w["note"] for w in live if w.get("note")})
    return {
        "name": name,
        "address": newest["address"],
        "admin_address": newest["admin_address"],
        "applied_revision": applied,
        "last_heartbeat": newest["heartbeat"],
        "heartbeat_age": round(newest["age"], 3),
        "health": health,
        "reason": "; ".join(notes) or None,
        "same_name": 1,
        "release": max(current, key=lambda w: w["started"]).get("release"),
        "workers": [
            {"host": w["host"], "pid": w["pid"], "applied_revision": w["applied_revision"],
             "heartbeat_age": round(w["age"], 3), "stopped": w["stopped"], "release": w.get("release"),
             "not_applied": w.get("note")}
            for w in current
        ],
    }


def describe(store: ControlStore) -> dict[str, Any]:
    """What `GET /v1/nodes` answers (blocking: call off the event loop)."""
    revision = store.revision()
    return {"revision": revision, "store": store.kind, "nodes": summarize(store.nodes(), revision)}


NAME_RULE = "1 to 255 printable characters without spaces or '/'"


def is_node_name(name: str) -> bool:
    """A name `edge nodes` can show in its table and `DELETE /v1/nodes/{name}` can address: no
    space or control character (they break the columns and the terminal), no '/' (a path
    segment cannot carry it); a host name fits."""
    return 0 < len(name) <= 255 and name.isprintable() and not any(c.isspace() or c == "/" for c in name)


def check_name(name: str) -> str:
    """A node name as `edge serve --node-name` takes it (`is_node_name`), else 400."""
    if not is_node_name(name):
        raise bad_request(f"{name[:80]!r} is not a node name: {NAME_RULE} (edge nodes lists the names)")
    return name


def forget(store: ControlStore, name: str) -> dict[str, Any]:
    """Remove a node that is not live from the registry (`DELETE /v1/nodes/{name}`, `edge nodes
    forget`): a decommissioned node's rows would otherwise stay listed, `down` or `stopped`, for a
    day. A live node is refused (409): its next heartbeat would list it again. Blocking."""
    rows, deleted = store.forget_node(check_name(name), DOWN_AFTER)
    if not rows:
        raise not_found(f"no node named {name!r} in the registry (edge nodes lists the nodes)")
    live = [r for r in rows if not r["stopped"] and r["age"] <= DOWN_AFTER]
    if live:
        age = min(r["age"] for r in live)
        raise conflict(f"node {name!r} is live (a heartbeat {age:.1f}s ago): it would be listed again at its next "
                       f"heartbeat. Stop it first; it can be forgotten once it is stopped, or {DOWN_AFTER:.0f} s "
                       "after its last heartbeat (down)", code="node_live")
    return {"deleted": {"node": name, "workers": deleted}}
