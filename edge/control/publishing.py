"""Deploys: a module becomes a new immutable version in the store and in this process's registry.

The module is compiled before the sync lock is taken; the store write, joining the registry
and the sync then happen under it, so no sync can look for the new version before it is loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..runtime import ModuleError
from . import settings
from .compiling import Compiler, Prepared
from .edits import check_alias_name
from .errors import ControlError, bad_request
from .loading import VersionLoader
from .registry import PublishedVersion
from .store import AliasRow, ControlStore, Tx, VersionRow


@dataclass(frozen=True)
class Deployed:
    row: VersionRow
    created: bool  # False: identical to the latest version, which was reused
    compile_ms: float
    from_artifact: bool  # nothing compiled: the stored artifact (or a loaded copy of it) was used
    alias: AliasRow | None
    optimizing: bool = False  # serving baseline code while the optimizing compile runs

    def to_dict(self) -> dict[str, Any]:
        out = self.row.to_dict()
        out.update(created=self.created, compile_ms=round(self.compile_ms, 3), from_artifact=self.from_artifact,
                   alias=self.alias.to_dict() if self.alias else None, optimizing=self.optimizing)
        return out


class Publisher:
    def __init__(
        self,
        store: ControlStore,
        compiler: Compiler,
        loader: VersionLoader,
        sync_lock: threading.RLock,
        sync: Callable[[], None],
        discard: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.compiler = compiler
        self.loader = loader
        self.sync_lock = sync_lock  # the control plane's
        self._sync = sync  # the control plane's sync(), called with the lock held
        # a refused deploy's module bytes and compiled code, by sha256: removed unless a stored
        # version refers to them (the control plane's, once no deploy holds the blob directory)
        self._discard = discard

    def deploy(self, name: str, source: bytes, settings_raw: Any, alias: str | None, description: str) -> Deployed:
        """Publish a new immutable version (or reuse an identical latest one), optionally moving an alias."""
        try:
            settings.check_name(name)
            settings_dict = settings.normalize(settings_raw)
        except settings.SettingsError as exc:
            raise bad_request(str(exc), "bad_settings") from None
        try:
            settings.check_description(description)
        except settings.SettingsError as exc:
            raise bad_request(str(exc)) from None
        if alias is not None:
            check_alias_name(alias)
        prepared: list[Prepared] = []
        try:
            with self.store.blobs.deploying():  # leftover collection leaves this deploy's files alone
                return self._deploy(name, source, settings_dict, alias, description, prepared)
        except Exception:
            # refused after its module was compiled (its artifact written) and perhaps its
            # bytes stored (before the transaction): neither stays behind, once the blob
            # directory's lock is released (the removal needs it alone)
            if prepared and self._discard is not None:
                self._discard(prepared[0].compiled.sha256)
            raise

    def _deploy(
        self, name: str, source: bytes, settings_dict: dict[str, Any], alias: str | None, description: str,
        out: list[Prepared],
    ) -> Deployed:
        prepared = self.compiler.prepare(source, tiered=self.loader.tiered)
        out.append(prepared)
        published: PublishedVersion | None = None
        with self.sync_lock:  # the new version joins the registry before any sync can look for it
            try:
                with self.store.write({prepared.compiled.sha256: prepared.wasm}) as tx:
                    row, published = self.publish(tx, name, prepared, settings_dict, description, "api")
                    alias_row = None
                    if alias is not None:
                        current = tx.alias(name, alias)
                        if current is not None and current.version == row.version and current.canary_version is None:
                            alias_row = current
                        else:
                            alias_row = tx.set_alias(name, alias, row.version, None)
            except BaseException:
                if published is not None:
                    published.close()
                raise
            if published is not None:
                self.loader.add_published(name, row.version, published, prepared)
            self._sync()
        optimizing = published is not None and self.compiler.is_baseline(published.compiled)
        return Deployed(row, published is not None, prepared.compile_ms, prepared.reused, alias_row, optimizing)

    def publish(
        self, tx: Tx, name: str, prepared: Prepared, settings_dict: dict[str, Any], description: str, origin: str
    ) -> tuple[VersionRow, PublishedVersion | None]:
        """Inside a write transaction: reuse the latest version if identical, else build and insert."""
        canonical = settings.canonical(settings_dict)
        digest = prepared.compiled.sha256
        latest = tx.latest(name)
        if latest is not None and latest.sha256 == digest and latest.settings == canonical:
            return latest, None
        number = tx.ensure_function(name)["next_version"]
        published = self._build(name, number, prepared, settings_dict)
        try:
            row = tx.insert_version(
                name, digest, len(prepared.wasm), prepared.compiled.abi, canonical, description, origin
            )
        except BaseException:
            published.close()
            raise
        return row, published

    def _build(self, name: str, number: int, prepared: Prepared, settings_dict: dict[str, Any]) -> PublishedVersion:
        spec = settings.to_spec(name, settings_dict, self.store.blobs.path(prepared.compiled.sha256))
        try:
            return self.compiler.build_version(spec, prepared.compiled, number, prepared.wasm)
        except ModuleError as exc:
            raise ControlError(422, "invalid_module", str(exc)) from None
