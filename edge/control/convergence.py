"""A change answered once every worker of this node serves it.

A change made through a worker (a deploy, an alias move or rollback, new behaviors or origins,
an invalidation) is committed, then applied by that worker before it answers. The node's other
workers apply it as soon as their watcher is told (PostgreSQL's notification; with SQLite the
committing worker nudges them, nudges.py; failing both, their next revision read, every 100 ms),
and each records the revision it applied in the node
registry as soon as it has (its heartbeat: `Watcher._heartbeat`). So the answering worker reads
the registry until every live sibling — a worker of the same `edge serve` process on this host,
whose process exists and whose heartbeat is recent — records the change's revision, for at most
`WAIT` seconds, then answers anyway naming those that had not (stuck loading something, or
stopped). With one worker there is nobody to wait for and nothing is read.

Other nodes of a fleet are not waited for: they follow within their notification's delay
(docs/fleet.md). Deletes do not wait either: nothing routes to what they remove.

The wait is a coroutine (the admin request awaits it; the registry is read off the event loop),
unlike the rest of this package, which blocks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .nodes import live_workers
from .rows import NodeInfo, one_line

log = logging.getLogger("edge.control")

WAIT = 2.0  # seconds a change's answer waits for the node's other workers at most
POLL = 0.05  # seconds between reads of the registry while waiting, at most
FIRST_POLL = 0.01  # the first reads come sooner: a nudged sibling (nudges.py) applies a change in ms


def _running(pid: int) -> bool:
    """Whether a process with this pid exists on this host (a worker killed without saying so
    is not waited for until its row ages out)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    except OSError:
        return True
    return True


def siblings(rows: list[dict[str, Any]], node: NodeInfo) -> list[dict[str, Any]]:
    """The live workers of this node's `edge serve` process on this host, this one left out."""
    mine = [row for row in rows if row["name"] == node.name and row["host"] == node.host]
    return [row for row in live_workers(mine)
            if row["pid"] != node.pid and row.get("main_pid") == node.main_pid and _running(row["pid"])]


def answer(revision: int, live: int, behind: list[dict[str, Any]], waited: float,
           error: str | None = None) -> dict[str, Any]:
    """What a change's answer says under `workers`."""
    out: dict[str, Any] = {
        "revision": revision,
        "live": live,
        "applied": live - len(behind) if error is None else None,
        "converged": not behind and error is None,
        "behind": [{"pid": row["pid"], "applied_revision": row["applied_revision"],
                    "heartbeat_age": round(row["age"], 3)} for row in behind],
        "waited_ms": round(waited * 1000, 1),
    }
    if error is not None:
        out["error"] = error
    return out


async def wait_for_workers(read_rows: Callable[[], Awaitable[list[dict[str, Any]]]], node: NodeInfo | None,
                           revision: int, workers: int, *, within: float = WAIT,
                           poll: float = POLL, first_poll: float = FIRST_POLL) -> dict[str, Any]:
    """Await until every live sibling of this worker has applied `revision` (or `within` seconds
    passed); `workers` is how many the node was started with (1: nothing to wait for)."""
    if workers <= 1 or node is None:
        return answer(revision, 1, [], 0.0)
    started = time.monotonic()
    deadline = started + within
    pause = min(first_poll, poll)
    while True:
        try:  # a read that hangs (a locked or stalled store) counts against the bound too
            rows = await asyncio.wait_for(read_rows(), max(0.05, deadline - time.monotonic()))
            others = siblings(rows, node)
        except TimeoutError:
            return answer(revision, 1, [], time.monotonic() - started,
                          error=f"the node registry did not answer within {within:g} s")
        except Exception as exc:  # noqa: BLE001 - the change is made; only whether the others have it is unknown
            log.warning("cannot tell whether the other workers applied revision %d: %s", revision, one_line(exc))
            return answer(revision, 1, [], time.monotonic() - started,
                          error=f"the node registry could not be read: {exc}")
        behind = [row for row in others if row["applied_revision"] < revision]
        now = time.monotonic()
        if not behind or now >= deadline:
            if behind:
                log.warning("revision %d: %d of %d workers had not applied it after %.1f s (pid %s)", revision,
                            len(behind), len(others) + 1, now - started,
                            ", ".join(str(row["pid"]) for row in behind))
            return answer(revision, len(others) + 1, behind, now - started)
        await asyncio.sleep(min(pause, max(0.0, deadline - now)))
        pause = min(pause * 2, poll)
