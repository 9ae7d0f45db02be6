"""The node registry as operators read it (`edge nodes`, `GET /v1/nodes`): one entry per node
name, from the heartbeats of its worker processes.

Health of a node:
- `ok`: a worker sent a heartbeat within DOWN_AFTER seconds and every live worker serves
  the store's current revision;
- `behind`: alive, but a live worker has not applied the latest change yet (for well under
  a second while a change propagates; longer means it cannot load something — its log says what);
- `down`: no heartbeat for DOWN_AFTER seconds (stopped without saying so, killed, or cut off
  from the database — it may still be serving its last known state);
- `stopped`: every worker said goodbye (a clean shutdown).

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


def summarize(rows: list[dict[str, Any]], revision: int) -> list[dict[str, Any]]:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_name.setdefault(row["name"], []).append(row)
    out = []
    for name, workers in sorted(by_name.items()):
        live = live_workers(workers)
        newest = max(workers, key=lambda w: w["heartbeat"])
        applied = min(w["applied_revision"] for w in live) if live else newest["applied_revision"]
        if all(w["stopped"] for w in workers):
            health = "stopped"
        elif not live:
            health = "down"
        elif applied < revision:
            health = "behind"
        else:
            health = "ok"
        current = live or [newest]
        out.append({
            "name": name,
            "address": newest["address"],
            "admin_address": newest["admin_address"],
            "applied_revision": applied,
            "last_heartbeat": newest["heartbeat"],
            "heartbeat_age": round(newest["age"], 3),
            "health": health,
            "release": max(current, key=lambda w: w["started"]).get("release"),
            "workers": [
                {"host": w["host"], "pid": w["pid"], "applied_revision": w["applied_revision"],
                 "heartbeat_age": round(w["age"], 3), "stopped": w["stopped"], "release": w.get("release")}
                for w in current
            ],
        })
    return out


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
