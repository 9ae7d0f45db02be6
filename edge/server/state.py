"""Everything one worker process runs with, built from a manifest at startup."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import ResponseCache
from ..config.functions import FunctionSpec
from ..config.manifest import Manifest, load_manifest
from ..control.logs import LogStore
from ..control.registry import Registry
from ..pipeline.flow import Pipeline
from ..pipeline.hooks import HookRunner
from ..runtime import Invoker, ModuleError, Runtime
from ..upstream.http import HttpUpstream
from ..upstream.origins import Origins

log = logging.getLogger("edge.server")


@dataclass(frozen=True)
class ServerOptions:
    """Settings that are the operator's, not the manifest's (passed to every worker)."""

    manifest: str
    state_dir: str = ".edge"
    threads: int = 0  # Wasm worker threads; 0 = auto
    cache_bytes: int = 256 * 1024 * 1024
    server_timing: bool = False
    queue_wait_ms: int = 100

    @property
    def artifact_dir(self) -> Path:
        return Path(self.state_dir) / "artifacts"


def function_source(spec: FunctionSpec) -> bytes:
    """The module bytes for a manifest function: a .wasm/.wat file, or a source directory
    built on demand (only when the .wasm is missing or older than the sources)."""
    source = spec.source
    if source.is_dir():
        from ..toolchain import build, needs_build, output_path

        wasm = output_path(source)
        if needs_build(source, wasm):
            log.info("building %s from %s", spec.name, source)
            build(source, out=wasm)
        return wasm.read_bytes()
    return source.read_bytes()


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
    ready: bool = False
    extras: dict = field(default_factory=dict)

    async def close(self) -> None:
        await self.upstream.aclose()
        self.invoker.close()
        self.registry.close()
        self.runtime.close()


def _publish_all(runtime: Runtime, registry: Registry, manifest: Manifest) -> None:
    for spec in manifest.functions.values():
        try:
            compiled = runtime.load(function_source(spec))
            registry.publish(spec, compiled)
        except ModuleError as exc:
            raise ModuleError(f"[functions.{spec.name}] ({spec.source}): {exc}") from None


async def boot(options: ServerOptions) -> EdgeState:
    """Load the manifest, compile (or load precompiled) functions, wire the pipeline."""
    manifest = load_manifest(options.manifest)
    runtime = Runtime(artifact_dir=options.artifact_dir)
    invoker = Invoker(threads=options.threads or None, queue_wait_ms=options.queue_wait_ms)
    registry = Registry(runtime)
    await asyncio.get_running_loop().run_in_executor(None, _publish_all, runtime, registry, manifest)
    logs = LogStore()
    cache = ResponseCache(max_bytes=options.cache_bytes)
    upstream = HttpUpstream()
    origins = Origins(manifest.origins, upstream)
    hooks = HookRunner(registry, invoker, logs, {"domain_name": manifest.distribution.domain_name, "id": manifest.distribution.id})
    pipeline = Pipeline(manifest, hooks, origins, cache, server_timing=options.server_timing)
    state = EdgeState(options, manifest, runtime, registry, invoker, logs, cache, upstream, origins, pipeline)
    state.ready = True
    log.info("edge worker %d ready: %d functions, %d behaviors", os.getpid(), len(manifest.functions), len(manifest.behaviors))
    return state
