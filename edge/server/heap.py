"""The worker's heap after boot, out of the garbage collector's way.

CPython's full collections visit every tracked container. A booted worker holds ~55,000
of them (modules, classes, functions, the wasmtime bindings, loaded versions) that live as
long as the process, and each full collection spent ~12 ms on them, on the event loop,
before any request had added anything (bench/README.md, finding 17). `gc.freeze()` moves
them to the permanent generation, which collections skip; what requests allocate later is
collected as before, and frozen objects are still freed by reference counting. The price:
a frozen object that later becomes part of an unreachable cycle (a version loaded at boot, then
retired, if anything of it is cyclic) is never collected — once per boot-time object, so
bounded, and its pooled instances are released explicitly when it closes. Only server
processes do this (`edge serve`'s workers): a process that builds many apps, like the test
suite, would keep each earlier app's cycles.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect what boot left behind, then freeze the rest; the number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
