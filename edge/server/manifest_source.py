"""The manifest a server starts from, and the module bytes of its functions: what `edge serve`'s
main process checks before it starts workers, and each worker loads, without the request path."""

from __future__ import annotations

import logging
from pathlib import Path

from ..config.errors import ConfigError
from ..config.functions import FunctionSpec
from ..config.manifest import Manifest
from ..control import routing
from ..control.store import ControlStore, open_store, store_exists
from .options import ServerOptions

log = logging.getLogger("edge.server")


def function_source(spec: FunctionSpec) -> bytes:
    """The module bytes for a manifest function: a .wasm/.wat file, or a source directory
    built on demand (only when the .wasm is missing or older than the sources)."""
    source = spec.source
    from ..js.build import is_js_source

    if source.is_dir() or is_js_source(source):
        from ..toolchain import build, needs_build, output_path

        wasm = output_path(source, spec.handler)  # one module per handler built from one package
        if needs_build(source, wasm, spec.handler):  # a changed handler is a rebuild too
            log.info("building %s from %s", spec.name, source)
            build(source, out=wasm, handler=spec.handler)
        return wasm.read_bytes()
    return source.read_bytes()


def load_manifest(options: ServerOptions, store: ControlStore | None = None) -> Manifest:
    """The manifest; its behaviors may name functions deployed through the API (in the store)."""
    if store is None:
        if not store_exists(options.store_location):  # nothing deployed yet: create nothing
            return routing.load_manifest(options.manifest, set())
        _check_before_the_store(options.manifest)
        store = open_store(options.store_location, cache_dir=options.blob_cache_dir)
        try:
            return _load_manifest(options, store)
        finally:
            store.close()
    return _load_manifest(options, store)


def _check_before_the_store(path: str) -> None:
    """Raise every manifest error the store cannot change before the store is opened: opening
    a shared store migrates its schema, which a start that then refuses its manifest (a typo)
    must not have done to the fleet's database. Only whether the functions its behaviors name
    exist is left to the store."""
    try:
        document = routing.manifest_document(Path(path))
    except (OSError, ValueError):  # unreadable, or not TOML: the load proper says it the usual way
        return
    try:
        named = {ref.function for ref in routing.references(document)}
    except ConfigError:
        named = set()  # an invalid behavior: the load below names it
    routing.load_manifest(path, named)


def _load_manifest(options: ServerOptions, store: ControlStore) -> Manifest:
    saved = store.offline_start  # no database at start: the functions this node served last
    known = set(saved.snapshot.functions) if saved is not None else store.function_names()
    try:
        return routing.load_manifest(options.manifest, known)
    except ConfigError as exc:
        # Behaviors replaced through the API (and the manifest's unchanged since) are the ones
        # served: the manifest's may then name functions deleted since, which must not keep
        # the server from starting.
        try:
            document = routing.manifest_document(Path(options.manifest))
            if saved is not None:
                current = saved.snapshot.routing
            else:
                with store.read() as tx:
                    current = tx.routing()
            superseded = current is not None and current.origin == "api" and (
                current.manifest_digest == routing.digest(document)
            )
            referenced = {ref.function for ref in routing.references(document)} if superseded else set()
        except (OSError, ValueError):
            superseded = False
        if not superseded:
            raise
        log.warning("manifest behaviors are not applied (replaced through the API): %s", exc)
        return routing.load_manifest(options.manifest, known | referenced)
