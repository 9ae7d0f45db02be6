"""Everything one worker process runs with: the manifest seeds the store, the store drives the rest."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import ResponseCache
from ..config.manifest import Manifest
from ..control.logs import LogStore
from ..control.plane import ControlPlane
from ..control.registry import Registry
from ..control.sharedlogs import SharedLogs
from ..control.store import ControlStore, StoreUnavailable, open_store
from ..control.watcher import Watcher
from ..fleet.lastknown import serve_saved
from ..pipeline.flow import Pipeline
from ..pipeline.hooks import HookRunner
from ..ops.accesslog import AccessLog
from ..runtime import Invoker, Runtime
from ..upstream.http import HttpUpstream
from ..upstream.origins import Origins
from ..viewer import ViewerHeaders
from .manifest_source import function_source, load_manifest
from .options import DEFAULT_MAX_UPLOAD, ServerOptions  # noqa: F401 (re-exported: the server's settings)

log = logging.getLogger("edge.server")


@dataclass
class EdgeState:
    options: ServerOptions
    manifest: Manifest
    runtime: Runtime
    registry: Registry
    invoker: Invoker
    logs: LogStore
    cache: ResponseCache
    upstream: HttpUpstream
    origins: Origins
    pipeline: Pipeline
    store: ControlStore | None = None
    plane: ControlPlane | None = None
    watcher: Watcher | None = None
    control_pool: ThreadPoolExecutor | None = None
    ready: bool = False
    in_flight: int = 0
    websockets: int = 0  # viewer WebSockets open (edge/websocket/)
    # viewer WebSockets open per connection address: a WebSocket holds two descriptors for as long
    # as it lives, and not every server counts it against its connection bounds (handler.py)
    websocket_peers: dict[str, int] = field(default_factory=dict)
    access_log: AccessLog | None = None
    extras: dict = field(default_factory=dict)
    country_header: bytes | None = None  # the trusted load-balancer header naming the viewer's country

    def apply_routing(self, manifest: Manifest) -> None:
        """New behaviors/origins from the store: requests in flight keep the old view."""
        origins = Origins(manifest.origins, self.upstream, own_listeners=self.options.own_listeners)
        self.pipeline.reconfigure(manifest, origins)
        self.manifest, self.origins = manifest, origins

    def invalidate(self, paths: list[str]) -> asyncio.Task[int]:
        """Purge this worker's cache by path patterns (event loop thread only): nothing they
        cover is served from now on, and a task removes the entries in slices."""
        return self.cache.purge(paths)

    async def control(self, func, *args):  # type: ignore[no-untyped-def]
        """Run blocking control-plane work (SQLite, fsync, instantiation) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.control_pool, func, *args)

    async def close(self) -> None:
        self.ready = False
        if self.access_log is not None:
            self.access_log.close()
        if self.watcher is not None:
            await asyncio.to_thread(self.watcher.stop)  # its last heartbeat is a database call
        self.pipeline.revalidations.cancel()  # background refreshes (pipeline/background.py)
        await self.upstream.aclose()
        if self.control_pool is not None:
            self.control_pool.shutdown(wait=False, cancel_futures=True)
        self.invoker.close()
        if self.plane is not None:
            self.plane.close()
        self.registry.close()
        if self.store is not None:
            await asyncio.to_thread(self.store.close)
        if self.logs.shared is not None:
            self.logs.shared.close()
        self.runtime.close()


def _start_plane(options: ServerOptions, runtime: Runtime, registry: Registry) -> ControlPlane:
    """Open the store, publish what the manifest changed, and load every active version."""
    store = open_store(options.store_location, cache_dir=options.blob_cache_dir)
    try:
        manifest = load_manifest(options, store)
    except BaseException:
        store.close()
        raise
    plane = ControlPlane(store, runtime, registry, manifest, retire_after=options.retire_after, tiered=options.tiering,
                         siblings=options.workers > 1)
    plane.on_applied = store.remember  # a fleet node keeps what it serves for a start without the database
    if store.offline_start is not None:  # the database cannot be reached: serve what this node served last
        serve_saved(plane, store.offline_start)
        return plane  # the manifest is published once it answers (_publish_manifest)
    sources = {name: function_source(spec) for name, spec in manifest.functions.items()}
    plane.seed(manifest, sources)
    plane.sync()
    try:
        plane.collect_leftovers()  # what interrupted deploys and deleted versions left behind
    except Exception as exc:
        log.warning("collecting leftovers at start failed (will retry): %s", exc)
        plane.collect_pending = True
    return plane


def _publish_manifest(plane: ControlPlane) -> None:
    """What a start does with the manifest, done by a node started from its last known state
    once the database answers. A manifest that cannot be published (which would have stopped a
    start) is logged once; the node goes on serving the store's state."""
    manifest = plane.manifest
    try:
        plane.seed(manifest, {name: function_source(spec) for name, spec in manifest.functions.items()})
    except StoreUnavailable:
        raise  # the watcher tries again
    except Exception as exc:  # noqa: BLE001 (a bad manifest function: logged once, not every tick)
        log.error("the manifest cannot be published (serving the store's state without it): %s", exc)
        return
    plane.sync()


async def boot(options: ServerOptions) -> EdgeState:
    """Load the manifest, sync with the store (compiling nothing that is precompiled), wire the pipeline."""
    runtime = Runtime(artifact_dir=options.artifact_dir)
    invoker = Invoker(threads=options.threads or None, queue_wait_ms=options.queue_wait_ms)
    registry = Registry(runtime)
    plane = await asyncio.get_running_loop().run_in_executor(None, _start_plane, options, runtime, registry)
    manifest = plane.manifest
    routing = plane.routing or manifest
    routing = dataclasses.replace(manifest, origins=routing.origins, behaviors=routing.behaviors)
    shared = SharedLogs(Path(options.state_dir) / "logs.db") if options.workers > 1 else None
    logs = LogStore(shared=shared)
    cache = ResponseCache(max_bytes=options.cache_bytes)
    upstream = HttpUpstream()
    origins = Origins(routing.origins, upstream, own_listeners=options.own_listeners)
    hooks = HookRunner(registry, invoker, logs, {"domain_name": manifest.distribution.domain_name, "id": manifest.distribution.id})
    viewer_headers = ViewerHeaders(manifest.viewer)
    if any("cloudfront-is-" in " ".join(b.cloudfront_headers) for b in routing.behaviors):
        await asyncio.to_thread(viewer_headers.devices.warm)  # the detector's rules load in ~2 s, once
    pipeline = Pipeline(routing, hooks, origins, cache, server_timing=options.server_timing,
                        viewer_headers=viewer_headers, debug_errors=options.debug_errors)
    state = EdgeState(options, routing, runtime, registry, invoker, logs, cache, upstream, origins, pipeline)
    if manifest.viewer.country_header:
        state.country_header = manifest.viewer.country_header.encode("latin-1")
    state.store, state.plane = plane.store, plane
    state.control_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="edge-control")
    plane.on_routing = state.apply_routing
    loop = asyncio.get_running_loop()
    # the cache belongs to the event loop: purges found by the watcher thread hop over to it
    plane.on_invalidate = lambda paths: loop.call_soon_threadsafe(state.invalidate, paths)
    store = plane.store
    interval = options.watch_interval if store.wake is None else store.poll_interval
    later = (lambda: _publish_manifest(plane)) if store.offline_start is not None else None
    state.watcher = Watcher(plane, interval, node=options.node(), when_reachable=later).start()
    if options.access_log:
        state.access_log = AccessLog(options.access_log)
    state.ready = True
    log.info(
        "edge worker %d ready: %d functions, %d behaviors (store revision %d)",
        os.getpid(), len(registry.latest), len(routing.behaviors), plane.revision,
    )
    return state
