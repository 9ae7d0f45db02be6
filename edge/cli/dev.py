"""`edge dev [DIR...]`: serve, and when a function's source changes, rebuild it and deploy
it to the running server (what `wrangler dev`, `spin watch` and `fastly compute serve
--watch` do).

`edge serve` runs as a child process (its output shows as usual; its admin API on loopback,
with the token EDGE_ADMIN_TOKEN gives, if any); this process watches the files (watchfiles) and drives the server through
its admin API. A change in a function's source directory builds it when it is stale (so an
editor's swap file does nothing) and deploys the module as a new version, moving the aliases
the behaviors use; a compile error is one line and the previous version keeps serving. A
change to the manifest applies its behaviors and origins and deploys functions it adds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from .admin_client import AdminClient, AdminError, api_path
from .prebuild import shown

IGNORED_PARTS = {"build", "zig-out", ".zig-cache", "node_modules", ".git", "__pycache__"}


@dataclass
class Watched:
    name: str
    source: Path
    handler: str | None = None  # JavaScript: the manifest's `handler` ("index.handler" when unset)
    settings: dict[str, Any] | None = None  # the manifest's env, limits, isolation, ... as a version stores them


def _say(message: str) -> None:
    click.echo(f"edge dev: {message}", err=True)


def _manifest_functions(manifest: Path) -> dict[str, Watched]:
    """The manifest's functions built from a directory, by name (with a JavaScript handler)."""
    raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
    out = {}
    for name, spec in (raw.get("functions") or {}).items():
        if isinstance(spec, dict) and isinstance(spec.get("source"), str):
            source = (manifest.parent / spec["source"]).resolve()
            handler = spec.get("handler")
            if source.is_dir():
                out[name] = Watched(name, source, handler if isinstance(handler, str) else None,
                                    _settings(name, spec, manifest.parent))
    return out


def _settings(name: str, spec: dict[str, Any], base: Path) -> dict[str, Any] | None:
    """The manifest function's settings, sent with each version `edge dev` deploys (without
    them a rebuilt version had the default env and limits); None if the manifest's entry is not
    valid (the server's start said why)."""
    from ..config.functions import FunctionSpec
    from ..control.settings import from_spec

    try:
        return from_spec(FunctionSpec.parse(name, spec, base))
    except ValueError:  # ConfigError included
        return None


def _routing_document(manifest: Path) -> dict[str, Any]:
    raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
    return {"origins": raw.get("origins", {}), "behaviors": raw.get("behaviors", [])}


def _aliases_in_use(document: dict[str, Any], function: str) -> list[str]:
    """The aliases the behaviors name for `function` (`fn:live`): they follow each new version."""
    found = []
    for behavior in document.get("behaviors", []):
        for key in ("viewer_request", "origin_request", "origin_response", "viewer_response"):
            value = behavior.get(key)
            reference = value.get("function") if isinstance(value, dict) else value
            if isinstance(reference, str) and ":" in reference:
                name, qualifier = reference.split(":", 1)
                if name == function and not qualifier.isdigit() and qualifier not in found:
                    found.append(qualifier)
    return found


class DevSession:
    def __init__(self, manifest: Path, dirs: tuple[Path, ...], client: AdminClient) -> None:
        self.manifest = manifest
        self.client = client
        self.functions = self._watched(dirs)
        self.routing = _routing_document(manifest)

    def _watched(self, dirs: tuple[Path, ...]) -> list[Watched]:
        declared = _manifest_functions(self.manifest)
        if not dirs:
            return list(declared.values())
        watched = []
        for directory in dirs:
            directory = directory.resolve()
            inside = [w for w in declared.values() if w.source == directory or directory in w.source.parents]
            watched += inside or [Watched(directory.name, directory)]  # not in the manifest: deployed by its name
        return watched

    def roots(self) -> list[Path]:
        return sorted({w.source for w in self.functions} | {self.manifest})

    def describe(self) -> str:
        names = ", ".join(w.name for w in self.functions) or "no functions"
        return f"watching {names} and {shown(self.manifest)}; Ctrl-C stops"

    def start(self) -> None:
        """Functions given as DIRs that the manifest does not declare: deploy them once now.
        The aliases the behaviors name for a manifest function (`greet:live`) that do not exist
        yet point at its latest version now, as they would after an edit (else: 503 until then)."""
        declared = _manifest_functions(self.manifest)
        for watched in self.functions:
            if watched.name not in declared:
                self.deploy(watched, force=True)
        for name in declared:
            self._create_missing_aliases(name)

    def _create_missing_aliases(self, name: str) -> None:
        wanted = _aliases_in_use(self.routing, name)
        if not wanted:
            return
        try:
            function = self.client.request("GET", api_path("functions", name))
            missing = [alias for alias in wanted if alias not in function["aliases"]]
            for alias in missing:
                self.client.request("PUT", api_path("functions", name, "aliases", alias), json={"version": function["latest"]})
        except AdminError as exc:
            _say(f"{name}: could not point {', '.join(wanted)} at its latest version: {exc.message}")
            return
        if missing:
            _say(f"{name}: {', '.join(missing)} -> {function['latest']} (named by the behaviors)")

    # -- reacting to changes ------------------------------------------------------------

    def changed(self, paths: set[Path]) -> None:
        if self.manifest in paths:
            self.manifest_changed()
        for watched in list(self.functions):
            if any(p == watched.source or watched.source in p.parents for p in paths if self._relevant(p, watched)):
                self.deploy(watched)

    @staticmethod
    def _relevant(path: Path, watched: Watched) -> bool:
        try:
            parts = path.relative_to(watched.source).parts
        except ValueError:
            return False
        return not any(part in IGNORED_PARTS or part.startswith(".") for part in parts)

    def deploy(self, watched: Watched, *, force: bool = False) -> None:
        from ..toolchain import ToolchainError, build, needs_build, output_path

        wasm = output_path(watched.source, watched.handler)
        started = time.perf_counter()
        try:
            stale = needs_build(watched.source, wasm, watched.handler)
            if not stale and not force:
                return  # not a source change (an editor's temporary file, a build output)
            if stale:
                build(watched.source, out=wasm, handler=watched.handler)
        except ToolchainError as exc:
            _say(f"{watched.name}: error: {exc.summary} (still serving the previous version)")
            return
        built = time.perf_counter() - started
        aliases = _aliases_in_use(self.routing, watched.name)
        params = {"description": f"edge dev: {shown(watched.source)}"[:256]}  # the server's limit
        if aliases:
            params["alias"] = aliases[0]
        try:
            headers = {"Content-Type": "application/wasm"}
            if watched.settings is not None:
                headers["X-Edge-Settings"] = json.dumps(watched.settings)
            result = self.client.request("POST", api_path("functions", watched.name, "versions"), content=wasm.read_bytes(),
                                         params=params, headers=headers)
            for alias in aliases[1:]:
                self.client.request("PUT", api_path("functions", watched.name, "aliases", alias),
                                    json={"version": result["version"]})
        except AdminError as exc:
            _say(f"{watched.name}: built, but the deploy failed: {exc.message}")
            return
        moved = f" ({', '.join(aliases)} -> {result['version']})" if aliases else ""
        verb = "deployed version" if result["created"] else "unchanged, still version"
        _say(f"{watched.name}: built in {built:.1f} s, {verb} {result['version']}{moved}")

    def manifest_changed(self) -> None:
        try:
            document = _routing_document(self.manifest)
            declared = _manifest_functions(self.manifest)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            _say(f"{shown(self.manifest)}: {exc} (nothing applied)")
            return
        known = {w.name for w in self.functions}
        for name, watched in declared.items():  # functions the manifest now adds
            if name not in known:
                self.functions.append(watched)
                self.deploy(watched, force=True)
        if document != self.routing:
            try:
                self.client.request("PUT", "/v1/config", json=document)
            except AdminError as exc:
                _say(f"{shown(self.manifest)}: behaviors and origins not applied: {exc.message}")
                return
            self.routing = document
            _say(f"{shown(self.manifest)}: applied its {len(document['behaviors'])} behaviors and "
                 f"{len(document['origins'])} origins")


def _wait_ready(client: AdminClient, child: subprocess.Popen, timeout: float = 600) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            return False
        with contextlib.suppress(AdminError):
            if client.request("GET", "/readyz").get("status") == "ready":
                return True
        time.sleep(0.1)
    return False


@click.command("dev")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--manifest", "-m", type=click.Path(dir_okay=False), default=None,
              help="Manifest TOML (default: the project's, else the samples).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", "-p", type=click.IntRange(1, 65534), default=8080, show_default=True)
@click.option("--admin-port", type=click.IntRange(1, 65535), default=None, help="Admin API port (default: --port + 1).")
@click.option("--state-dir", default=".edge", show_default=True)
@click.option("--server", "server_name", type=click.Choice(["granian", "hypercorn", "uvicorn"]), default="granian",
              show_default=True, help="ASGI server (as edge serve).")
def dev(dirs: tuple[Path, ...], manifest: str | None, host: str, port: int, admin_port: int | None, state_dir: str,
        server_name: str) -> None:
    """Serve, and rebuild and redeploy a function whenever its source changes.

    DIRs: the function source directories to watch (default: every manifest function built from
    a directory). A DIR the manifest does not declare is deployed as a function named after
    the directory. A change to the manifest applies its behaviors and origins.
    """
    from watchfiles import watch

    from .. import bundled

    for path in dirs:
        if path.is_file():
            hint = f"the manifest goes with -m: edge dev -m {path}" if path.suffix == ".toml" else (
                "a function to watch is its source directory")
            raise click.BadParameter(f"{path} is a file ({hint})", param_hint="DIRS")

    admin_port = admin_port or port + 1
    manifest_path = Path(manifest).resolve() if manifest else bundled.writable_samples(Path(state_dir)) / "manifest.toml"
    # Like `edge serve`: the admin API on loopback needs no token unless EDGE_ADMIN_TOKEN sets one,
    # so `edge logs` and the other commands work from another terminal as they are.
    token = os.environ.get("EDGE_ADMIN_TOKEN") or None
    args = [sys.executable, "-m", "edge.cli.main", "serve", "-m", str(manifest_path), "--host", host, "--port", str(port),
            "--admin-port", str(admin_port), "--state-dir", state_dir, "--server", server_name]
    child = subprocess.Popen(args, env=os.environ.copy())
    client = AdminClient(f"http://127.0.0.1:{admin_port}", token, timeout=60)  # serve's admin listener: loopback
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    code = 0
    try:
        if not _wait_ready(client, child):
            code = child.wait() or 1
            return
        session = DevSession(manifest_path, dirs, client)
        session.start()
        watcher = watch(*session.roots(), stop_event=stop, debounce=300, step=50, raise_interrupt=False,
                        yield_on_timeout=True, rust_timeout=500)
        announced = False
        for changes in watcher:
            if not announced:  # the first yield: the watcher runs, changes from now on are seen
                _say(session.describe())
                announced = True
            if child.poll() is not None:
                code = child.returncode or 1
                _say(f"the server stopped (exit {child.returncode})")
                break
            if changes:
                session.changed({Path(path).resolve() for _, path in changes})
    except KeyboardInterrupt:
        pass
    finally:
        client.close()
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)
    sys.exit(code)
