"""Where the CLI finds its manifest and its server without being told each time.

Looked for in the current directory, then its parents (the first one found wins):

- `edge.toml` holding CLI settings as top-level keys (below), or a manifest itself (it has
  `[[behaviors]]`): then it is the manifest `edge serve` and `edge dev` use;
- `pyproject.toml` with a `[tool.edge]` table of the same keys.

    manifest = "manifest.toml"      # edge serve / edge dev: what to serve
    host = "127.0.0.1"              # edge serve: edge listener
    port = 8080
    admin_port = 8081               # default port + 1; the other commands' server follows it
    state_dir = ".edge"
    server = "http://10.0.0.5:8081" # the admin API the other commands use (instead of host/admin_port)

Relative paths are relative to the file. Settings become defaults: a flag, or EDGE_SERVER /
EDGE_ADMIN_TOKEN in the environment, still wins. With no `server` setting, the commands use
the admin API of the `edge serve` running from this project (it records itself in
`<state_dir>/serve.json` while it runs; with no project file, the nearest `.edge/serve.json`
of a running server, here or in a parent directory), else http://127.0.0.1:8081. Tokens are
not read from files: use EDGE_ADMIN_TOKEN or --token.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

PROJECT_FILE = "edge.toml"
PYPROJECT = "pyproject.toml"
SERVE_RECORD = "serve.json"
DEFAULT_STATE_DIR = ".edge"
KEYS = {"manifest": str, "host": str, "port": int, "admin_port": int, "state_dir": str, "server": str}
MANIFEST_SECTIONS = ("origins", "behaviors", "functions", "distribution")


class ProjectError(click.ClickException):
    exit_code = 2


@dataclass(frozen=True)
class Project:
    path: Path | None = None  # the file the settings came from
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def _path(self, key: str) -> Path | None:
        value = self.settings.get(key)
        return (self.root / value).resolve() if value else None

    @property
    def manifest(self) -> Path | None:
        return self._path("manifest")

    @property
    def state_dir(self) -> Path:
        return self._path("state_dir") or self.root / DEFAULT_STATE_DIR

    def server(self) -> str | None:
        """The admin API URL these settings point at, else the running `edge serve`'s, else None."""
        if self.settings.get("server"):
            return str(self.settings["server"])
        if "admin_port" in self.settings or "port" in self.settings:
            port = self.settings.get("admin_port") or int(self.settings["port"]) + 1
            return f"http://{client_host(self.settings.get('host', '127.0.0.1'))}:{port}"
        running = self.running_serve()
        return running["admin"] if running and running.get("admin") else None

    def running_serve(self) -> dict[str, Any] | None:
        """The record of the `edge serve` running from this project: in the project file's state
        directory; with no project file, in `.edge/` of the current directory or the nearest
        parent with a live one (the directories edge.toml is looked for in), so a command run
        from a function's subdirectory finds the server started in the directory above."""
        if self.path is not None:
            return read_serve_record(self.state_dir)
        here = self.root.resolve()
        for directory in (here, *here.parents):
            running = read_serve_record(directory / DEFAULT_STATE_DIR, own_only=True)
            if running is not None:
                return running
        return None

    def default_map(self, group: click.Group) -> dict[str, Any]:
        """click defaults for every command of the CLI: serve-like commands get the manifest,
        listeners and state directory; every command with --server gets the server."""
        serve_keys = {"manifest": self.manifest, "host": self.settings.get("host"), "port": self.settings.get("port"),
                      "admin_port": self.settings.get("admin_port"),
                      "state_dir": self.state_dir if self.path is not None else None}
        serve_defaults = {k: str(v) if isinstance(v, Path) else v for k, v in serve_keys.items() if v is not None}
        server = self.server()
        return _defaults_for(group, serve_defaults, server)


def _defaults_for(group: click.Group, serve_defaults: dict[str, Any], server: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            nested = _defaults_for(command, serve_defaults, server)
            if server and "server" in {p.name for p in command.params}:  # a group's own (`edge nodes`)
                nested["server"] = server
            if nested:
                out[name] = nested
            continue
        params = {p.name for p in command.params}
        values = {k: v for k, v in serve_defaults.items() if k in params and "manifest" in params}
        if server and "server" in params:
            values["server"] = server
        if values:
            out[name] = values
    return out


def client_host(host: str) -> str:
    """Where a client on this machine reaches a listener bound to `host`."""
    return {"0.0.0.0": "127.0.0.1", "::": "[::1]", "[::]": "[::1]"}.get(host, host if ":" not in host or
                                                                          host.startswith("[") else f"[{host}]")


def _check(settings: Any, where: str) -> dict[str, Any]:
    if not isinstance(settings, dict):
        raise ProjectError(f"{where}: expected a table of settings")
    for key, value in settings.items():
        kind = KEYS.get(key)
        if kind is None:
            from ..config.errors import did_you_mean

            raise ProjectError(f"{where}: unknown setting {key!r}{did_you_mean([key], KEYS)}; known: {', '.join(KEYS)}")
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ProjectError(f"{where}: {key} must be a {'number' if kind is int else 'string'}")
    return dict(settings)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: invalid TOML: {exc}") from None


def find(start: Path | None = None) -> Project:
    """The nearest project settings from `start` (default: the current directory) upwards."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / PROJECT_FILE
        if candidate.is_file():
            raw = _read(candidate)
            if any(section in raw for section in MANIFEST_SECTIONS):  # edge.toml is the manifest itself
                return Project(candidate, {"manifest": candidate.name})
            return Project(candidate, _check(raw, str(candidate)))
        candidate = directory / PYPROJECT
        if candidate.is_file():
            tool = _read(candidate).get("tool", {})
            if isinstance(tool, dict) and "edge" in tool:
                return Project(candidate, _check(tool["edge"], f"{candidate} [tool.edge]"))
    return Project()


# -- the record a running `edge serve` keeps -------------------------------------------------------------


def write_serve_record(state_dir: Path, *, edge: str, admin: str | None) -> Path:
    """Written once the server answers, removed when it stops: lets the other commands find it."""
    path = Path(state_dir) / SERVE_RECORD
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"pid": os.getpid(), "edge": edge, "admin": admin}))
    os.replace(temporary, path)
    return path


def remove_serve_record(state_dir: Path) -> None:
    path = Path(state_dir) / SERVE_RECORD
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def read_serve_record(state_dir: Path, own_only: bool = False) -> dict[str, Any] | None:
    """The running server's record, or None (none written, or its process is gone).

    `own_only` (a record found by walking up from the current directory, not named by a project
    file): only a record this user wrote, in a directory only this user can write to, of a
    process this user runs, counts. Anyone may create `/tmp/.edge/serve.json`; trusting it would
    send the admin token, and `edge deploy`'s code, to whatever address it names."""
    path = Path(state_dir) / SERVE_RECORD
    if own_only and not (_private_to_me(path) and _private_to_me(path.parent)):
        return None
    try:
        record = json.loads(path.read_text())
        pid = int(record["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except PermissionError:  # alive, someone else's
        if own_only:
            return None
    except OSError:
        return None
    return record if isinstance(record, dict) else None


def _private_to_me(path: Path) -> bool:
    """Owned by this user and writable by no one else."""
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
