"""`edge deploy`, `edge functions`, `edge versions`, `edge alias`, `edge rollback`, `edge delete`,
`edge config`: the admin API from the command line."""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path
from typing import Any

import click

from ..config.functions import MAX_PREWARM
from .admin_client import (
    ALIAS_NAME, FUNCTION_NAME, STORED_ALIAS_NAME, AdminClient, AdminError, admin_options, api_path, print_json,
    printable, warn_not_everywhere,
)
from .invoke import _parse_env
from .prebuild import module_file


def _module_bytes(path: Path, handler: str | None = None) -> bytes:
    """A .wasm/.wat file as is; a C/Zig/JavaScript source directory (or .js/.mjs/.zip) built
    first (a failed build: its one line, exit 1). WAT is sent as binary: servers parse only
    small WAT texts themselves."""
    module = module_file(path, handler)
    if module.suffix == ".wat":
        from ..runtime.module import ModuleError, to_wasm

        try:
            return to_wasm(module.read_bytes())
        except ModuleError as exc:  # the parser's one line, as a failed build's (exit 1)
            raise click.ClickException(f"{module}: {exc}") from None
    return module.read_bytes()


def _not_a_module(file: Path) -> str:
    """The server's refusal of text that is neither WAT nor JavaScript it recognizes, in the
    CLI's terms: its advice names the admin API's `?filename=`, which `edge deploy` never sends
    (it builds JavaScript itself, told by the file's name)."""
    return (f"400: {file} is not a WebAssembly module (it does not start with the \\0asm magic bytes): it is "
            "text, but neither WAT (which starts with `(module`) nor JavaScript the server recognizes. "
            "edge deploy takes a .wasm module, a .wat file, a source directory (C, Zig or JavaScript), or "
            f"JavaScript as a .js, .mjs or .cjs file or a Lambda-style .zip: if {file.name} is JavaScript, "
            "give it one of those names (edge deploy builds it by its name)")


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def _table(rows: list[list[str]], header: list[str]) -> None:
    """Columns, every cell with control characters escaped (a stored description or name is
    printed, never acted on by the terminal)."""
    rows = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())


def _percent(weight: float) -> str:
    return f"{round(weight * 100, 2):g}%"


def _targets(alias: dict[str, Any]) -> str:
    """`3`, or with a canary `3 (90%), 4 (10%)`: where the alias sends requests, and how many."""
    canary = alias.get("canary")
    if not canary:
        return str(alias["version"])
    weight = float(canary["weight"])
    return f"{alias['version']} ({_percent(1 - weight)}), {canary['version']} ({_percent(weight)})"


def _alias_text(alias: dict[str, Any]) -> str:
    return f"{alias['function']}:{alias['name']} -> {_targets(alias)}"


@click.command()
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--name", "-n", required=True, type=FUNCTION_NAME, help="Function name.")
@click.option("--alias", "-a", type=ALIAS_NAME, help="Point this alias (e.g. live) at the new version.")
@click.option("--description", "-d", default="", help="Free text stored with the version.")
@click.option("--isolation", type=click.Choice(["per-request", "reuse"]), help="Instance isolation policy.")
@click.option("--fuel", type=click.IntRange(min=1), help="Instruction budget per invocation.")
@click.option("--timeout", "timeout_ms", type=click.IntRange(min=1), help="Wall-clock limit in ms.")
@click.option("--memory", "memory_mb", type=click.IntRange(min=1), help="Linear memory cap in MiB.")
@click.option("--env", "env_pairs", multiple=True, metavar="KEY=VALUE", help="Environment variable (repeatable).")
@click.option("--concurrency", type=click.IntRange(min=0), help="Concurrent invocations per process (0 = default).")
@click.option("--prewarm", type=click.IntRange(0, MAX_PREWARM),
              help=f"Ready instances kept per hook class (0 to {MAX_PREWARM}).")
@click.option("--max-reuse", type=click.IntRange(min=1), help="`reuse`: invocations before an instance is replaced.")
@click.option("--handler", default=None, help="JavaScript: the handler, Lambda style (default index.handler).")
@click.option("--reset-settings", is_flag=True,
              help="Start from the defaults, not from the latest version's settings (env, limits, ...).")
@admin_options
def deploy(
    file: Path, name: str, alias: str | None, description: str, isolation: str | None, fuel: int | None,
    timeout_ms: int | None, memory_mb: int | None, env_pairs: tuple[str, ...], concurrency: int | None,
    prewarm: int | None, max_reuse: int | None, handler: str | None, reset_settings: bool, client: AdminClient,
    as_json: bool,
) -> None:
    """Upload FILE (.wasm, .wat, a source directory, or JavaScript: .js/.mjs/.zip) as a new immutable version of NAME.

    The new version keeps the latest version's settings (its env, limits, isolation, ...), as new
    code keeps a Lambda function's configuration; the options given replace them one by one
    (--env replaces the whole environment), and --reset-settings starts from the defaults."""
    limits = {k: v for k, v in {"fuel": fuel, "timeout_ms": timeout_ms}.items() if v is not None}
    if memory_mb:
        limits["memory_bytes"] = memory_mb * 1024 * 1024
    given: dict[str, Any] = {"limits": limits}
    if env_pairs:
        given["env"] = dict(_parse_env(env_pairs))
    for key, value in (("isolation", isolation), ("concurrency", concurrency), ("prewarm", prewarm),
                       ("max_reuse", max_reuse)):
        if value is not None:
            given[key] = value
    kept_from = None if reset_settings else _latest_version(client, name)
    settings = _with_settings_of(kept_from, given)
    params = {k: v for k, v in {"alias": alias, "description": description}.items() if v}
    try:
        body = _module_bytes(file, handler)
    except OSError as exc:
        raise AdminError(f"cannot read {file}: {exc.strerror}") from None
    try:
        result = client.request(
            "POST", api_path("functions", name, "versions"), content=body, params=params,
            headers={"X-Edge-Settings": json.dumps(settings), "Content-Type": "application/wasm"},
        )
    except AdminError as exc:
        if kept_from is not None and exc.code == "bad_settings":  # what was kept, not what was given, may be it
            raise AdminError(f"{exc.message} (the settings of version {kept_from['version']} were kept; "
                             "--reset-settings starts from the defaults)", code=exc.code) from None
        if exc.code == "not_wasm" and "?filename=" in exc.message:
            raise AdminError(_not_a_module(file), code=exc.code) from None
        raise
    warn_not_everywhere(result)
    if as_json:
        print_json(result)
        return
    origin = "loaded the stored artifact" if result["from_artifact"] else "compiled"
    if result.get("optimizing"):
        origin = "serving baseline code, optimizing in the background; compiled"
    verb = "deployed" if result["created"] else "unchanged: already"
    click.echo(
        f"{verb} {name} version {result['version']} (sha256 {result['sha256'][:12]}, {result['abi']}, "
        f"{result['size']} bytes, {origin} in {result['compile_ms']:.1f} ms)"
    )
    if result.get("alias"):
        click.echo(f"alias {_alias_text(result['alias'])}")
    if kept_from is not None and result["created"]:
        replaced = sorted([k for k in given if k != "limits"] + [f"limits.{k}" for k in limits])
        click.echo(f"settings of version {kept_from['version']}" + (f", with {', '.join(replaced)} as given"
                                                                     if replaced else "") + " (--reset-settings: the defaults)")


def _latest_version(client: AdminClient, name: str) -> dict[str, Any] | None:
    """The function's latest version (its number and settings), or None for a new function."""
    try:
        described = client.request("GET", api_path("functions", name))
    except AdminError as exc:
        if exc.code == "not_found":
            return None
        raise
    versions = described.get("versions") or []
    return max(versions, key=lambda v: v["version"]) if versions else None


def _with_settings_of(latest: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
    """The latest version's settings with the given ones in their place (limits one by one)."""
    if latest is None or not isinstance(latest.get("settings"), dict):
        return given
    settings = {**latest["settings"], **{k: v for k, v in given.items() if k != "limits"}}
    settings["limits"] = {**(latest["settings"].get("limits") or {}), **given["limits"]}
    return settings


@click.command()
@admin_options
def functions(client: AdminClient, as_json: bool) -> None:
    """List deployed functions."""
    result = client.request("GET", "/v1/functions")
    if as_json:
        print_json(result)
        return
    rows = [
        [f["name"], str(f["latest"] or "-"), str(f["versions"]),
         "; ".join(f"{a} -> {_targets(v)}" for a, v in f["aliases"].items()) or "-",
         str(len(f["references"]))]
        for f in result["functions"]
    ]
    _table(rows, ["NAME", "LATEST", "VERSIONS", "ALIASES", "BEHAVIORS"])


@click.command()
@click.argument("name", type=FUNCTION_NAME)
@admin_options
def versions(name: str, client: AdminClient, as_json: bool) -> None:
    """List the versions of NAME (and the aliases pointing at them)."""
    described = client.request("GET", api_path("functions", name))
    if as_json:
        print_json(described)
        return
    pointing: dict[int, list[str]] = {}
    for alias in described["aliases"].values():
        canary = alias.get("canary")
        if not canary:
            pointing.setdefault(alias["version"], []).append(alias["name"])
            continue
        weight = float(canary["weight"])
        pointing.setdefault(alias["version"], []).append(f"{alias['name']} ({_percent(1 - weight)})")
        pointing.setdefault(canary["version"], []).append(f"{alias['name']} ({_percent(weight)}, canary)")
    rows = [
        [str(v["version"]), v["sha256"][:12], str(v["size"]), v["abi"], _when(v["created"]),
         ", ".join(pointing.get(v["version"], [])) or "-", v["description"]]
        for v in described["versions"]
    ]
    _table(rows, ["VERSION", "SHA256", "SIZE", "ABI", "CREATED", "ALIASES", "DESCRIPTION"])


def _canary(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    version, sep, weight = value.partition(":")
    try:
        parsed = {"version": int(version), "weight": float(weight)}
    except ValueError:
        parsed = None
    if not sep or parsed is None:
        raise click.BadParameter("expected VERSION:WEIGHT, e.g. 4:0.1", param_hint="--canary")
    if not 0.0 < parsed["weight"] < 1.0:  # also nan and inf, which JSON cannot carry
        raise click.BadParameter(f"the weight is the canary's share of requests, between 0 and 1 (exclusive), "
                                 f"got {weight!r}", param_hint="--canary")
    return parsed


@click.command()
@click.argument("name", type=FUNCTION_NAME)
@click.argument("alias", type=ALIAS_NAME)
@click.argument("version", type=click.IntRange(min=1))
@click.option("--canary", metavar="VERSION:WEIGHT", help="Also send this share of requests (0-1) to another version.")
@admin_options
def alias(name: str, alias: str, version: int, canary: str | None, client: AdminClient, as_json: bool) -> None:
    """Point ALIAS of NAME at VERSION (atomically; e.g. `edge alias fn live 3`)."""
    body: dict[str, Any] = {"version": version}
    split = _canary(canary)
    if split:
        body["canary"] = split
    result = client.request("PUT", api_path("functions", name, "aliases", alias), json=body)
    warn_not_everywhere(result)
    if as_json:
        print_json(result)
    else:
        click.echo(f"alias {_alias_text(result)}")


@click.command()
@click.argument("name", type=FUNCTION_NAME)
@click.option("--alias", "-a", "alias_name", type=ALIAS_NAME, default="live", show_default=True)
@admin_options
def rollback(name: str, alias_name: str, client: AdminClient, as_json: bool) -> None:
    """Point the alias back at the version it pointed to before its last move."""
    result = client.request("POST", api_path("functions", name, "aliases", alias_name, "rollback"))
    warn_not_everywhere(result)
    if as_json:
        print_json(result)
    else:
        click.echo(f"rolled back: alias {_alias_text(result)}")


@click.command()
@click.argument("name", type=FUNCTION_NAME)
@click.option("--version", "version", type=click.IntRange(min=1), help="Delete only this version.")
@click.option("--alias", "alias_name", type=STORED_ALIAS_NAME, help="Delete only this alias.")
@admin_options
def delete(name: str, version: int | None, alias_name: str | None, client: AdminClient, as_json: bool) -> None:
    """Delete a function (or one version, or one alias). Refused while something still uses it."""
    if version is not None and alias_name is not None:
        raise click.UsageError("give --version or --alias, not both")
    path = api_path("functions", name)
    if version is not None:
        path = api_path("functions", name, "versions", version)
    elif alias_name is not None:
        path = api_path("functions", name, "aliases", alias_name)
    result = client.request("DELETE", path)
    if as_json:
        print_json(result)
    else:
        click.echo(printable("deleted " + ", ".join(f"{k} {v}" for k, v in result["deleted"].items())))


class BadConfigFile(click.ClickException):
    """A file `edge config put` cannot read as a configuration: bad input, exit status 2."""

    exit_code = 2


def _check_config_keys(file: Path, kind: str, raw: dict[str, Any]) -> None:
    """A key the file's format does not have (`behaviours`) is refused here, naming the one
    meant: only origins and behaviors are sent, so it would be dropped unseen, or leave
    "neither origins nor behaviors" to say."""
    from ..config.errors import unknown_keys_message
    from ..config.manifest import SECTIONS

    if kind == ".toml":  # a manifest: its other sections are not sent, but they are the manifest's
        known, noun = SECTIONS, "top-level section"
    else:  # the admin API's document, as `edge config get` prints it (with its read-only "source"; a
        # change's answer, as `edge config put --json` prints it, has read-only "workers" and "warnings")
        known, noun = ("origins", "behaviors"), "key"
    unknown = [key for key in raw
               if key not in known and not (kind == ".json" and key in ("source", "workers", "warnings"))]
    if unknown:
        raise BadConfigFile(unknown_keys_message(str(file), unknown, known, noun=noun)
                            + " (edge config put sends the origins and behaviors)")


@click.group()
def config() -> None:
    """Read or replace the behaviors and origins."""


@config.command("get")
@admin_options
def config_get(client: AdminClient, as_json: bool) -> None:
    """Print the behaviors and origins (JSON)."""
    print_json(client.request("GET", "/v1/config"))


@config.command("put")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@admin_options
def config_put(file: Path, client: AdminClient, as_json: bool) -> None:
    """Replace behaviors and/or origins from FILE (JSON, or TOML in the manifest's format)."""
    kind = file.suffix.lower()
    if kind not in (".toml", ".json"):
        what = f"a {kind} file" if kind else "a file without an extension"
        raise BadConfigFile(f"{file}: {what} is not read: give a .toml file "
                            "(the manifest's format) or a .json file (the admin API's, as `edge config get` prints it)")
    try:
        text = file.read_text()
        raw = tomllib.loads(text) if kind == ".toml" else json.loads(text)
    except OSError as exc:
        raise BadConfigFile(f"cannot read {file}: {exc.strerror or exc}") from None
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise BadConfigFile(f"{file}: cannot parse it as {kind[1:].upper()}: {exc}") from None
    if isinstance(raw, dict):
        _check_config_keys(file, kind, raw)
    body = {k: raw[k] for k in ("origins", "behaviors") if k in raw} if isinstance(raw, dict) else {}
    if not body:
        raise BadConfigFile(f"{file}: has neither origins nor behaviors")
    result = client.request("PUT", "/v1/config", json=body)
    warn_not_everywhere(result)
    _warn_unreachable(result)
    if as_json:
        print_json(result)
    else:
        click.echo(f"applied {len(result['behaviors'])} behaviors and {len(result['origins'])} origins")


def _warn_unreachable(result: Any) -> None:
    """The applied behaviors that can never match (one after another whose pattern matches
    every path its own does), on stderr (with --json too): applied as given, as CloudFront would.
    The server's answer says them ("warnings"); an answer without that key (a server of an
    earlier release) is checked here, as it was before the server said them."""
    if not isinstance(result, dict):
        return
    warnings = result.get("warnings")
    if not isinstance(warnings, list):
        from ..config.shadowing import unreachable_behaviors

        behaviors = result.get("behaviors")
        warnings = unreachable_behaviors(behaviors) if isinstance(behaviors, list) else []
    for line in warnings:
        click.echo(printable(f"warning: {line}"), err=True)
