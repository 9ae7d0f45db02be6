"""At start, the manifest puts what changed in it into the store: functions and behaviors/origins.

A function is published (as a deploy would publish it) only when its bytes or settings differ
from what the manifest last published, so an unchanged manifest writes nothing and versions
deployed through the API since stay the latest. The caller syncs afterwards.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..config.manifest import Manifest
from ..runtime import ModuleError
from ..runtime.module import sha256, to_wasm
from . import routing, settings
from .errors import ControlError
from .manifest_memory import Decision, ManifestMemory, decide
from .publishing import Publisher
from .rows import NothingToWrite

log = logging.getLogger("edge.control")


def seed(publisher: Publisher, manifest: Manifest, sources: dict[str, bytes]) -> None:
    """Publish manifest functions whose bytes or settings changed since the manifest last did,
    and store the manifest's behaviors/origins if they changed since last seen. In a fleet
    "since" is this node's own last start (manifest_memory.py): another node's manifest, or a
    change through the admin API, is not undone by a node restarting with its unchanged one."""
    memory = publisher.store.manifest_memory()
    for name, spec in manifest.functions.items():
        with publisher.store.blobs.deploying():  # leftover collection leaves this deploy's files alone
            _seed_function(publisher, name, spec, sources[name], memory)
    if manifest.path is None:
        return
    _seed_routing(publisher, manifest.path, memory)


def _seed_function(publisher: Publisher, name: str, spec: Any, source: bytes, memory: ManifestMemory | None) -> None:
    store = publisher.store
    settings_dict = settings.from_spec(spec)
    canonical = settings.canonical(settings_dict)
    try:
        unchanged = f"{sha256(to_wasm(source))}:{canonical}"
    except ModuleError:
        unchanged = None  # not a module: prepare() says why
    with store.read() as tx:
        current = tx.function(name)
    if current is not None and unchanged is not None:
        decision = decide(current.get("manifest_digest"), unchanged, memory.functions.get(name) if memory else None,
                          memory is not None)
        if memory is not None and decision is not Decision.PUBLISH:  # (a publish: once it is stored)
            memory.remember_function(name, unchanged)
        if decision is Decision.UNCHANGED:
            return  # published by an earlier start (or another node): nothing to compile or load here
        if decision in (Decision.KEEP_STORE, Decision.JOINED):
            # the fleet's latest stays (another node's manifest, or the admin API); edge serve's start says so
            log.info("%s: this node's manifest %s: the fleet's version stays", name,
                     "has not changed since this node last started" if decision is Decision.KEEP_STORE
                     else "differs from the one the fleet last published")
            return
    try:  # a first start serves baseline code at once, like a deploy (optimized code follows)
        prepared = publisher.compiler.prepare(source, tiered=publisher.loader.tiered)
    except ControlError as exc:
        raise ModuleError(f"[functions.{name}] ({spec.source}): {exc.message}") from None
    digest = f"{prepared.compiled.sha256}:{canonical}"
    if current is not None and current.get("manifest_digest") == digest:
        if memory is not None:
            memory.remember_function(name, digest)
        return
    with publisher.sync_lock:
        published = None
        try:
            with store.write({prepared.compiled.sha256: prepared.wasm}) as tx:
                if tx.ensure_function(name).get("manifest_digest") == digest:
                    raise NothingToWrite()  # another node published it meanwhile: no revision for nothing
                row, published = publisher.publish(tx, name, prepared, settings_dict, "from the manifest", "manifest")
                tx.set_manifest_digest(name, digest)
        except BaseException as exc:
            if published is not None:  # built, but never stored: its instances go now (as a deploy's)
                published.close()
            if isinstance(exc, ControlError):
                raise ModuleError(f"[functions.{name}] ({spec.source}): {exc.message}") from None
            raise
        if memory is not None:  # stored (by this start, or by a sibling worker meanwhile)
            memory.remember_function(name, digest)
        if published is not None:
            publisher.loader.add_published(name, row.version, published, prepared)
            log.info("published %s version %d from the manifest", name, row.version)


def _seed_routing(publisher: Publisher, manifest_path: Path, memory: ManifestMemory | None) -> None:
    store = publisher.store
    document = routing.manifest_document(manifest_path)
    digest = routing.digest(document)
    with store.read() as tx:  # unchanged (the usual restart, every node of a fleet): no write
        current = tx.routing()
    decision = decide(current.manifest_digest if current is not None else None, digest,
                      memory.routing if memory else None, memory is not None)
    if memory is not None and decision is not Decision.PUBLISH:  # (a publish: once it is stored)
        memory.remember_routing(digest)
    if decision is not Decision.PUBLISH:
        if decision is not Decision.UNCHANGED:
            log.info("this node's manifest's behaviors/origins %s: the fleet's stay",
                     "have not changed since this node last started" if decision is Decision.KEEP_STORE
                     else "differ from those the fleet serves")
        return
    with store.write() as tx:
        current = tx.routing()
        if current is not None and current.manifest_digest == digest:
            raise NothingToWrite()  # another node stored it meanwhile
        if current is not None and current.origin == "api":
            # `edge serve` says so before the start (startup_notes.py): in each worker's log only
            log.info("the manifest's behaviors/origins changed: they replace those set through the API")
        tx.set_routing(document, "manifest", digest)
    if memory is not None:  # stored (by this start, or by another node meanwhile)
        memory.remember_routing(digest)
