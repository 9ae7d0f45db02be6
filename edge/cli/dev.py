"""`edge dev [DIR...]`: serve, and when a function's source changes, rebuild it and deploy
it to the running server (what `wrangler dev`, `spin watch` and `fastly compute serve
--watch` do).

`edge serve` runs as a child process (its output shows as usual; its admin API on loopback,
with the token EDGE_ADMIN_TOKEN gives, if any); this process watches the files (watchfiles) and drives the server through
its admin API. A change in a function's source (a directory, a JavaScript file or archive, or
a .wasm/.wat module) builds it when it is stale (so an editor's swap file does nothing) and
deploys the module as a new version, moving the aliases the behaviors use; a compile error is
one line and the previous version keeps serving. A change to the manifest applies its
behaviors and origins and deploys functions it adds; an entry `edge serve` would refuse (its
source missing, a bad setting) is one line naming it, and a function whose source is missing
is deployed once the source exists.
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

from .admin_client import AdminClient, AdminError, api_path, printable
from .prebuild import shown

IGNORED_PARTS = {"build", "zig-out", ".zig-cache", "node_modules", ".git", "__pycache__"}


@dataclass
class Watched:
    name: str
    source: Path  # a source directory, a JavaScript file (.js/.mjs/.cjs/.zip) or a module (.wasm/.wat)
    handler: str | None = None  # JavaScript: the manifest's `handler` ("index.handler" when unset)
    settings: dict[str, Any] | None = None  # the manifest's env, limits, isolation, ... as a version stores them
    served: bool = True  # a version of it is on the server (False: added by a manifest edit, none deployed yet)
    digest: bytes | None = None  # a .wasm/.wat source: its bytes as last deployed (a save that changes nothing is not a deploy)


@dataclass
class Declared:
    """What the manifest's [functions] say: the entries `edge dev` can deploy, and why the
    others cannot be (`edge serve` would refuse the same manifest, naming them)."""

    functions: dict[str, Watched]
    problems: dict[str, str]  # name -> the manifest's error for it ("[functions.x]: source ... does not exist")
    missing: dict[str, Path]  # name -> its source that does not exist (yet): deployed once it does


def _say(message: str) -> None:
    click.echo(f"edge dev: {message}", err=True)


def _manifest_functions(manifest: Path) -> Declared:
    """The manifest's functions, checked as `edge serve` checks them: a source directory, a
    JavaScript file or archive, or a .wasm/.wat module; an entry it would refuse (its source
    missing, an unknown key, a bad limit) is a problem, not a function."""
    from ..config.functions import FunctionSpec
    from ..control.settings import from_spec

    raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
    entries = raw.get("functions") or {}
    declared = Declared({}, {}, {})
    if not isinstance(entries, dict):
        declared.problems["[functions]"] = "[functions] must be a table of [functions.NAME] entries"
        return declared
    for name, spec in entries.items():
        try:
            parsed = FunctionSpec.parse(name, spec, manifest.parent)
            settings = from_spec(parsed)
        except ValueError as exc:  # ConfigError included
            declared.problems[name] = str(exc)
            if isinstance(spec, dict) and isinstance(spec.get("source"), str):
                source = (manifest.parent / spec["source"]).resolve()
                if not source.exists():
                    declared.missing[name] = source
            continue
        declared.functions[name] = Watched(name, parsed.source, parsed.handler, settings)
    return declared


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _replaced(changes: set[tuple[Any, str]], roots: list[tuple[Path, tuple[int, int] | None]]) -> bool:
    """A watched path itself was deleted or (re)created: its watch is gone, even where the new
    file got the old one's inode number (deleted, then written anew)."""
    from watchfiles import Change

    paths = {path for path, _ in roots}
    return any(change != Change.modified and Path(path).resolve() in paths for change, path in changes)


def _digest(data: bytes | None) -> bytes | None:
    import hashlib

    return None if data is None else hashlib.sha256(data).digest()


def _is_module(source: Path) -> bool:
    """A source that is the module itself (.wasm, .wat): deployed as it is, nothing built."""
    from ..js.build import is_js_source

    return source.is_file() and not is_js_source(source)


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
        declared = _manifest_functions(manifest)
        self.functions = self._watched(declared, dirs)
        self.missing = dict(declared.missing)  # manifest functions waiting for their source to exist
        self.routing = _routing_document(manifest)
        self._manifest_seen = _read(manifest)
        for watched in self.functions:  # what `edge serve` published
            if _is_module(watched.source):
                watched.digest = _digest(_read(watched.source))
        self._report(declared.problems, declared.missing)

    @staticmethod
    def _watched(declared: Declared, dirs: tuple[Path, ...]) -> list[Watched]:
        if not dirs:
            return list(declared.functions.values())
        watched = []
        for directory in dirs:
            directory = directory.resolve()
            inside = [w for w in declared.functions.values() if w.source == directory or directory in w.source.parents]
            watched += inside or [Watched(directory.name, directory)]  # not in the manifest: deployed by its name
        return watched

    def roots(self) -> list[tuple[Path, tuple[int, int] | None]]:
        """What the watcher watches: each source and the manifest, with the file (device,
        inode) it is now (None: missing, not watched). The watcher is started anew when this
        changes: a source that appeared or went, and a file an editor's atomic save (a
        temporary file renamed over it: vim, JetBrains' safe write) replaced, as the watch
        on a file follows its old inode, which no edit touches any more."""
        return [(path, _identity(path)) for path in sorted({w.source for w in self.functions} | {self.manifest})]

    def describe(self) -> str:
        names = ", ".join(w.name for w in self.functions) or "no functions"
        return f"watching {names} and {shown(self.manifest)}; Ctrl-C stops"

    def _report(self, problems: dict[str, str], missing: dict[str, Path], only: set[str] | None = None) -> None:
        """One line per manifest function that cannot be deployed, saying what happens to it
        (as a TOML syntax error in the manifest gets its line)."""
        known = {w.name for w in self.functions}
        for name, problem in problems.items():
            if only is not None and name not in only:
                continue
            if name in missing:
                then = f"not deployed; edge dev deploys it once {shown(missing[name])} exists"
            elif name in known:
                then = "its source's changes are still deployed, with the settings it had"
            else:
                then = "not deployed until the manifest entry is fixed"
            _say(f"{shown(self.manifest)}: {problem} ({then})")

    def start(self) -> None:
        """Functions given as DIRs that the manifest does not declare: deploy them once now.
        The aliases the behaviors name for a manifest function (`greet:live`) that do not exist
        yet point at its latest version now, as they would after an edit (else: 503 until then)."""
        declared = _manifest_functions(self.manifest).functions
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

    def poll(self) -> None:
        """A manifest function whose source did not exist: deployed once it does (the watcher
        cannot see a path appear that it does not watch), and the behaviors the server refused
        while it was missing applied then."""
        appeared = {name for name, source in self.missing.items() if source.exists()}
        if not appeared:
            return
        try:
            document = _routing_document(self.manifest)
            declared = _manifest_functions(self.manifest)
        except (OSError, tomllib.TOMLDecodeError):
            return  # the manifest's own change reports it
        self.missing = dict(declared.missing)
        self._add(declared, only=appeared)
        self._apply_routing(document)

    def catch_up(self) -> None:
        """Once a new watcher runs: what changed while none did (deploys only what is stale)."""
        if _read(self.manifest) != self._manifest_seen:
            self.manifest_changed()
        for watched in list(self.functions):
            self.deploy(watched)

    @staticmethod
    def _relevant(path: Path, watched: Watched) -> bool:
        try:
            parts = path.relative_to(watched.source).parts
        except ValueError:
            return False
        return not any(part in IGNORED_PARTS or part.startswith(".") for part in parts)

    def _module(self, watched: Watched, force: bool) -> tuple[bytes | None, float]:
        """The module to deploy and the seconds its build took; None when nothing changed
        (an editor's temporary file, a build output). Raises ToolchainError."""
        from ..toolchain import ToolchainError, build, needs_build, output_path

        started = time.perf_counter()
        if _is_module(watched.source):  # .wasm or .wat: the change is the module itself
            data = watched.source.read_bytes()
            if not force and _digest(data) == watched.digest:
                return None, 0.0
            if watched.source.suffix != ".wat":
                return data, 0.0
            from ..runtime.module import ModuleError, to_wasm

            try:
                return to_wasm(data), time.perf_counter() - started
            except ModuleError as exc:
                raise ToolchainError(f"{shown(watched.source)}: {exc}") from None
        wasm = output_path(watched.source, watched.handler)
        stale = needs_build(watched.source, wasm, watched.handler)
        if not stale and not force:
            return None, 0.0
        if stale:
            build(watched.source, out=wasm, handler=watched.handler)
        return wasm.read_bytes(), time.perf_counter() - started

    def deploy(self, watched: Watched, *, force: bool = False) -> None:
        from ..toolchain import ToolchainError

        keeps = "still serving the previous version" if watched.served else "not deployed yet"
        try:
            module, built = self._module(watched, force)
        except ToolchainError as exc:
            _say(f"{watched.name}: error: {exc.summary} ({keeps})")
            return
        except OSError as exc:  # removed or unreadable meanwhile
            _say(f"{watched.name}: error: cannot read {shown(watched.source)}: {exc.strerror or exc} ({keeps})")
            return
        if module is None:
            return
        aliases = _aliases_in_use(self.routing, watched.name)
        params = {"description": f"edge dev: {shown(watched.source)}"[:256]}  # the server's limit
        if aliases:
            params["alias"] = aliases[0]
        try:
            headers = {"Content-Type": "application/wasm"}
            if watched.settings is not None:
                headers["X-Edge-Settings"] = json.dumps(watched.settings)
            result = self.client.request("POST", api_path("functions", watched.name, "versions"), content=module,
                                         params=params, headers=headers)
            for alias in aliases[1:]:
                self.client.request("PUT", api_path("functions", watched.name, "aliases", alias),
                                    json={"version": result["version"]})
        except AdminError as exc:
            what = "built, but the deploy failed" if not _is_module(watched.source) else "the deploy failed"
            _say(f"{watched.name}: {what}: {exc.message}")
            return
        watched.served = True
        if _is_module(watched.source):
            watched.digest = _digest(_read(watched.source))
        moved = f" ({', '.join(aliases)} -> {result['version']})" if aliases else ""
        verb = "deployed version" if result["created"] else "unchanged, still version"
        did = "" if _is_module(watched.source) else f"built in {built:.1f} s, "
        _say(f"{watched.name}: {did}{verb} {result['version']}{moved}")

    def _add(self, declared: Declared, only: set[str] | None = None) -> None:
        """Deploy the manifest's functions not watched yet (all, or those in `only`)."""
        known = {w.name for w in self.functions}
        for name, watched in declared.functions.items():  # functions the manifest now adds
            if name not in known and (only is None or name in only):
                watched.served = False
                self.functions.append(watched)
                self.deploy(watched, force=True)
        self._report(declared.problems, declared.missing, only)

    def manifest_changed(self) -> None:
        self._manifest_seen = _read(self.manifest)
        try:
            document = _routing_document(self.manifest)
            declared = _manifest_functions(self.manifest)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            _say(f"{shown(self.manifest)}: {exc} (nothing applied)")
            return
        self.missing = dict(declared.missing)
        self._add(declared)
        self._apply_routing(document)

    def _apply_routing(self, document: dict[str, Any]) -> None:
        if document != self.routing:
            try:
                result = self.client.request("PUT", "/v1/config", json=document)
            except AdminError as exc:
                _say(f"{shown(self.manifest)}: behaviors and origins not applied: {exc.message}")
                return
            self.routing = document
            _say(f"{shown(self.manifest)}: applied its {len(document['behaviors'])} behaviors and "
                 f"{len(document['origins'])} origins")
            # behaviors that can never serve a request (applied as written), as `edge config put` shows them
            for line in result.get("warnings") or () if isinstance(result, dict) else ():
                _say(printable(f"{shown(self.manifest)}: warning: {line}"))


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
@click.option("--host", default="127.0.0.1", show_default=True, help="Address for edge traffic (as edge serve).")
# the ports edge serve takes (1-65535); 65535 with --admin-port, since the admin API's default is --port + 1
@click.option("--port", "-p", type=click.IntRange(1, 65535), default=8080, show_default=True,
              help="Port for edge traffic (65535 needs --admin-port).")
@click.option("--admin-port", type=click.IntRange(1, 65535), default=None, help="Admin API port (default: --port + 1).")
@click.option("--state-dir", default=".edge", show_default=True,
              help="The server's own directory: its store, compiled modules and logs (as edge serve).")
@click.option("--server", "server_name", type=click.Choice(["granian", "hypercorn", "uvicorn"]), default="granian",
              show_default=True, help="ASGI server (as edge serve).")
def dev(dirs: tuple[Path, ...], manifest: str | None, host: str, port: int, admin_port: int | None, state_dir: str,
        server_name: str) -> None:
    """Serve, and rebuild and redeploy a function whenever its source changes.

    DIRs: the function source directories to watch (default: every manifest function: a source
    directory, a JavaScript file or a .wasm/.wat module). A DIR the manifest does not declare is
    deployed as a function named after the directory. A change to the manifest applies its
    behaviors and origins, and deploys the functions it adds.
    """
    from watchfiles import watch

    from .. import bundled

    for path in dirs:
        if path.is_file():
            hint = f"the manifest goes with -m: edge dev -m {path}" if path.suffix == ".toml" else (
                "a function to watch is its source directory")
            raise click.BadParameter(f"{path} is a file ({hint})", param_hint="DIRS")

    if admin_port is None and port == 65535:
        raise click.UsageError("with --port 65535, give --admin-port")
    admin_port = admin_port or port + 1
    manifest_path = Path(manifest).resolve() if manifest else bundled.writable_samples(Path(state_dir)) / "manifest.toml"
    # Like `edge serve`: the admin API on loopback needs no token unless EDGE_ADMIN_TOKEN sets one,
    # so `edge logs` and the other commands work from another terminal as they are.
    token = os.environ.get("EDGE_ADMIN_TOKEN") or None
    # -P: the project directory is not put on sys.path (a module there named like ours must not run)
    args = [sys.executable, "-P", "-m", "edge.cli.entry", "serve", "-m", str(manifest_path), "--host", host, "--port", str(port),
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
        announced = False
        running = True
        while running and not stop.is_set():
            # watched anew when the paths change: a function a manifest edit adds, a source that appeared,
            # a file an atomic save replaced
            roots = session.roots()
            paths = [path for path, identity in roots if identity is not None]
            if not paths:  # nothing exists to watch (the manifest removed): wait for it to be back
                while not stop.is_set() and child.poll() is None and session.roots() == roots:
                    stop.wait(0.5)
                running = child.poll() is None
                if not running:
                    code = child.returncode or 1
                    _say(f"the server stopped (exit {child.returncode})")
                continue
            watcher = watch(*paths, stop_event=stop, debounce=300, step=50, raise_interrupt=False,
                            yield_on_timeout=True, rust_timeout=500)
            running = False  # unless the paths changed: the watcher ended (stop), or the server did
            restarted = announced
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
                if restarted:  # the new watcher runs: what changed while none did
                    session.catch_up()
                    restarted = False
                session.poll()
                if (changes and _replaced(changes, roots)) or session.roots() != roots:
                    running = True
                    break
            watcher.close()
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
