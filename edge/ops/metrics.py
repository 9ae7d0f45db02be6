"""Prometheus metrics. With `--workers N` every process writes to a shared multi-process
directory (prometheus-client's multiprocess mode), so one scrape sees one coherent view.

The request path only tallies: counts go into plain dicts and histogram observations into
per-child bucket arrays, and `flush()` adds the tallies to the Prometheus metrics every
FLUSH_INTERVAL seconds and before every scrape of this process. Observing through
prometheus-client directly cost ~13 µs per request (a lock, and in multi-process mode an
mmap write, per bucket, sum and counter); a tally costs ~2 µs. Scrapes see other worker
processes' requests up to FLUSH_INTERVAL late.
"""

from __future__ import annotations

import os
import weakref
from bisect import bisect_left
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client import multiprocess

if TYPE_CHECKING:
    from ..pipeline.trace import Trace

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
FLUSH_INTERVAL = 0.25  # seconds
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
FUEL_BUCKETS = (1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10)

# No `<name>_created` series: a start timestamp per label set doubles the exposition for nothing
# a rate() needs (and multi-process mode has none, so the two modes now agree).
disable_created_metrics()

REQUESTS = Counter("edge_requests", "Viewer requests", ["behavior", "status_class", "cache"])
# `alias` is the association's qualifier (`live`, a pinned number, or `latest`): set by the
# configuration, so it stays bounded however many versions are deployed (a `version` label
# grew a new series with every deploy). Versions are in the access log and function logs.
INVOCATIONS = Counter(
    "edge_function_invocations", "Function invocations", ["function", "alias", "event_type", "outcome"]
)
# `behavior` (its path pattern) and `origin` (the behavior's configured origin, also when an
# origin-request function picks another host) come from the configuration: bounded series.
REQUEST_SECONDS = Histogram("edge_request_duration_seconds", "Total request latency", ["behavior"], buckets=LATENCY_BUCKETS)
HOOK_SECONDS = Histogram("edge_hook_duration_seconds", "Per-hook latency", ["event_type"], buckets=LATENCY_BUCKETS)
ORIGIN_SECONDS = Histogram("edge_origin_duration_seconds", "Origin fetch latency", ["origin"], buckets=LATENCY_BUCKETS)
FUEL = Histogram("edge_function_fuel", "Fuel used per invocation", ["function"], buckets=FUEL_BUCKETS)
IN_FLIGHT = Gauge("edge_in_flight_requests", "Requests being handled", multiprocess_mode="livesum")
WEBSOCKETS = Gauge("edge_websockets_open", "Viewer WebSockets open (proxied to origins)", multiprocess_mode="livesum")
QUEUE_DEPTH = Gauge("edge_invocation_queue_depth", "Invocations waiting for capacity", multiprocess_mode="livesum")
CACHE_ENTRIES = Gauge("edge_cache_entries", "Cached responses", multiprocess_mode="livesum")
CACHE_BYTES = Gauge("edge_cache_bytes", "Bytes held by the response cache", multiprocess_mode="livesum")
CACHE_HITS = Counter("edge_cache_hits", "Cache hits (including refresh hits)")
CACHE_LOOKUPS = Counter("edge_cache_lookups", "Cache lookups")
STORE_UP = Gauge("edge_store_up", "1 while the store answers; 0: degraded, serving the last known state",
                 multiprocess_mode="livemin")
STORE_REVISION = Gauge("edge_store_applied_revision", "Store revision this worker serves", multiprocess_mode="livemin")
POOL_READY = Gauge("edge_instance_pool_ready", "Pre-instantiated instances ready", ["function"], multiprocess_mode="livesum")
# prometheus-client's process_* metrics are single-process only: with --workers N a scrape had no
# memory or CPU figure at all. Each worker's own, by pid in multi-process mode (its live series only).
WORKER_MEMORY = Gauge("edge_worker_resident_memory_bytes", "Resident memory of the worker process", multiprocess_mode="liveall")
WORKER_CPU = Gauge("edge_worker_cpu_seconds", "CPU time the worker process has used (user and system)", multiprocess_mode="liveall")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class _Children:
    """label tuple -> child metric, so the hot path skips prometheus-client's label checks."""

    def __init__(self, metric: Any) -> None:
        self.metric = metric
        self.cache: dict[tuple[str, ...], Any] = {}

    def __call__(self, *labels: str) -> Any:
        child = self.cache.get(labels)
        if child is None:
            child = self.cache[labels] = self.metric.labels(*labels)
        return child


class _Tally:
    """Counts and histogram observations since the last flush (one event loop: no lock)."""

    def __init__(self) -> None:
        self.counts: dict[Any, int] = {}  # counter child -> increments
        self.histograms: dict[Any, list[float]] = {}  # histogram child -> [bucket counts..., sum]

    def inc(self, child: Any) -> None:
        counts = self.counts
        counts[child] = counts.get(child, 0) + 1

    def observe(self, child: Any, value: float) -> None:
        row = self.histograms.get(child)
        bounds = child._upper_bounds
        if row is None:
            row = self.histograms[child] = [0] * (len(bounds) + 1)
        row[bisect_left(bounds, value)] += 1  # the first bucket whose bound >= value, as observe() does
        row[-1] += value

    def flush(self) -> None:
        counts, self.counts = self.counts, {}
        histograms, self.histograms = self.histograms, {}
        for child, n in counts.items():
            child.inc(n)
        for child, row in histograms.items():
            buckets = child._buckets
            for i, n in enumerate(row[:-1]):
                if n:
                    buckets[i].inc(n)
            child._sum.inc(row[-1])


def _tallies_supported() -> bool:
    """The tally writes into a histogram's buckets; a prometheus-client without them observes directly."""
    child = HOOK_SECONDS.labels("viewer-request")
    return all(hasattr(child, name) for name in ("_buckets", "_sum", "_upper_bounds"))


class _CacheCounts:
    """Each cache keeps running totals; the counters get what was added since its last sample."""

    def __init__(self) -> None:
        self.seen: weakref.WeakKeyDictionary[Any, tuple[int, int]] = weakref.WeakKeyDictionary()

    def add(self, cache: Any, hits: int, lookups: int) -> None:
        last_hits, last_lookups = self.seen.get(cache, (0, 0))
        CACHE_HITS.inc(max(0, hits - last_hits))
        CACHE_LOOKUPS.inc(max(0, lookups - last_lookups))
        self.seen[cache] = (hits, lookups)


_cache_counts = _CacheCounts()
_requests = _Children(REQUESTS)
_invocations = _Children(INVOCATIONS)
_hooks = _Children(HOOK_SECONDS)
_request_seconds = _Children(REQUEST_SECONDS)
_origin_seconds = _Children(ORIGIN_SECONDS)
_fuel = _Children(FUEL)
_tally = _Tally()
_TALLY = _tallies_supported()


def observe(trace: "Trace", status: int) -> None:
    """Record one finished request (called once per request, after the response is sent)."""
    if not _TALLY:
        _observe_directly(trace, status)
        return
    tally = _tally
    tally.inc(_requests(trace.behavior, f"{status // 100}xx", trace.cache or "none"))
    tally.observe(_request_seconds(trace.behavior), trace.total_ms / 1000)
    for run in trace.hooks:
        tally.inc(_invocations(run.function, run.alias, run.event_type, run.outcome))
        tally.observe(_hooks(run.event_type), run.duration_ms / 1000)
        if run.fuel and run.outcome != "timeout":  # a timeout's count is only a lower bound (outcome.py)
            tally.observe(_fuel(run.function), run.fuel)
    if trace.origin_ms is not None:
        tally.observe(_origin_seconds(trace.origin), trace.origin_ms / 1000)


def _observe_directly(trace: "Trace", status: int) -> None:
    _requests(trace.behavior, f"{status // 100}xx", trace.cache or "none").inc()
    _request_seconds(trace.behavior).observe(trace.total_ms / 1000)
    for run in trace.hooks:
        _invocations(run.function, run.alias, run.event_type, run.outcome).inc()
        _hooks(run.event_type).observe(run.duration_ms / 1000)
        if run.fuel and run.outcome != "timeout":
            _fuel(run.function).observe(run.fuel)
    if trace.origin_ms is not None:
        _origin_seconds(trace.origin).observe(trace.origin_ms / 1000)


def flush() -> None:
    """Add what the request path tallied to the Prometheus metrics."""
    _tally.flush()


def count_failure(function: str, alias: str, event_type: str, outcome: str) -> None:
    _invocations(function, alias, event_type, outcome).inc()  # rare: directly


def update_gauges(state: Any) -> None:
    """Sample the slow-moving gauges (cache, pools, queues) at scrape time."""
    stats = state.cache.stats()
    CACHE_ENTRIES.set(stats.get("entries", 0))
    CACHE_BYTES.set(stats.get("bytes", 0))
    _cache_counts.add(state.cache, stats.get("hits", 0) + stats.get("refresh_hits", 0), stats.get("hits", 0) + stats.get("misses", 0))
    QUEUE_DEPTH.set(state.invoker.queue_depth)
    IN_FLIGHT.set(state.in_flight)
    WEBSOCKETS.set(state.websockets)
    store = getattr(state, "store", None)
    if store is not None:
        STORE_UP.set(1 if store.health.up else 0)
        STORE_REVISION.set(state.plane.revision if state.plane is not None else -1)
    for name, versions in state.registry.versions.items():
        POOL_READY.labels(name).set(sum(fn.ready_count for v in versions.values() for fn in v.functions.values()))
    _sample_process()
    live = set(state.registry.versions)
    for gone in _pool_names.get(state.registry, set()) - live:  # a deleted function's gauge must not stay
        if multiprocess_mode():
            POOL_READY.labels(gone).set(0)  # (the multi-process store cannot drop a label)
        else:
            POOL_READY.remove(gone)
    _pool_names[state.registry] = live


# Per registry (one a server app), the functions whose pool gauge its last sample set: with one
# set for the process, a second app in it (tests run many) made the first forget its deletions.
_pool_names: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _sample_process() -> None:
    times = os.times()
    WORKER_CPU.set(times.user + times.system)
    try:
        with open("/proc/self/statm", "rb") as f:  # Linux: resident pages are the second field
            WORKER_MEMORY.set(int(f.read().split()[1]) * _PAGE)
    except (OSError, ValueError, IndexError):
        pass  # another system: the CPU figure only


def multiprocess_mode() -> bool:
    """prometheus-client picks its value store when first imported: this tells which one."""
    from prometheus_client import values

    return getattr(values.ValueClass, "__name__", "") == "MmapedValue"


def process_exited() -> None:
    """A worker is going away: its tallies are written, its live gauges stop counting."""
    flush()
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())


def worker_died(pid: int) -> None:
    """In the main process, for a worker that ended without `process_exited` (killed): its
    live gauges (requests in flight at its death) stop counting. (The main process chose its
    own value store before the directory was set, so the directory is what tells.)"""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)


def render() -> tuple[bytes, str]:
    """The exposition text; in multi-process mode, merged across all worker processes."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY

    flush()  # this process's tallies; other workers flush on their own every FLUSH_INTERVAL
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
