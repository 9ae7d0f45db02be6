"""How far below the event loop background work runs: niceness from the environment.

Guest code on the invoker's worker threads and the background (optimizing) compile run at nice
19 so that serving keeps the CPU. Where the machine is busy for long stretches with other work
at normal priority (a batch job, a parallel test run), a nice-19 thread gets ~1.5 % of a core:
a compile that takes a second alone takes a minute, and a function's wall-clock cap can be
reached by waiting alone. These variables set another value (0-19; 0: the loop's priority).
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("edge.runtime")

OPTIMIZE_NICE_ENV = "EDGE_OPTIMIZE_NICE"  # the background compile
GUEST_NICE_ENV = "EDGE_GUEST_NICE"  # guest code on the invoker's worker threads
DEFAULT_NICE = 19


def nice_from_env(name: str) -> int:
    """The variable's value if it is a nice value from 0 to 19, else 19 (with a warning)."""
    raw = os.environ.get(name, "").strip()
    if raw.isdigit() and 0 <= int(raw) <= 19:
        return int(raw)
    if raw:
        log.warning("%s=%r is not a nice value from 0 to 19: using %d", name, raw, DEFAULT_NICE)
    return DEFAULT_NICE


def optimize_nice() -> int:
    return nice_from_env(OPTIMIZE_NICE_ENV)


def guest_nice() -> int:
    return nice_from_env(GUEST_NICE_ENV)
