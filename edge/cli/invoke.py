"""`edge invoke`: run a function once, locally, with no server (like `sam local invoke`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import orjson

from .admin_client import DEFAULT_SERVER, FUNCTION_NAME, QUALIFIER, SERVER_ENV, SERVER_HELP
from .prebuild import module_file

if TYPE_CHECKING:
    from ..runtime import Limits


class InputError(click.ClickException):
    """Bad input from the user (missing file, not Wasm, bad event): exit status 2."""

    exit_code = 2


def _read_event(event: str) -> bytes:
    try:
        data = sys.stdin.buffer.read() if event == "-" else Path(event).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read event {event}: {exc.strerror}") from None
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InputError(f"event {event} is not valid JSON: {exc}") from None
    return data


NOT_AN_EVENT = ("note: the event is not a Lambda@Edge event (it has no Records[0].cf.config.eventType): it is run as "
                "given and its result is not checked. A Lambda@Edge event is {\"Records\": [{\"cf\": {\"config\": "
                "{\"eventType\": \"viewer-request\", ...}, \"request\": {\"uri\": \"/\", ...}}}]}: "
                "`edge generate-event viewer-request` writes one")
NOT_AN_EVENT_FAILED = "; the event was not a Lambda@Edge event (see the note above)"


def is_edge_event(payload: bytes) -> bool:
    from ..pipeline.verdict import event_parts

    return event_parts(orjson.loads(payload)) is not None


def note_other_event(payload: bytes) -> bool:
    """Say, before it runs, that an event is not a Lambda@Edge event: it is run anyway (a WASI
    command may take any JSON), but a function written for Lambda@Edge fails on it. Whether
    it is one."""
    if is_edge_event(payload):
        return True
    click.echo(NOT_AN_EVENT, err=True)
    return False


def check_result(payload: bytes, result: Any) -> bool:
    """Apply the server's result checks for the event's hook (edge/pipeline/verdict.py); on a
    failure print the rule as the server's 502 names it. False when the server would refuse it.
    An event that is not a Lambda@Edge event is not checked (note_other_event said so)."""
    from ..pipeline.verdict import check_result as verdict_for, event_parts

    parts = event_parts(orjson.loads(payload))
    if parts is None:
        return True
    event_type, request, response = parts
    try:
        verdict = verdict_for(event_type, request, response, result)
    except ValueError as exc:
        raise InputError(f"event: {exc}") from None
    if verdict.ok:
        return True
    click.echo(f"error: {verdict.describe()}", err=True)
    if verdict.error is not None and verdict.error.rule == "origin" and "not an IP address" in verdict.error.message:
        # AWS's rule; the server waives it for declared origins, which only a manifest names.
        click.echo('note: a server accepts an IP address for an origin its manifest declares (url = '
                   '"http://127.0.0.1:8000"); edge invoke knows no manifest', err=True)
        return False
    click.echo(f"the server answers this with 502 ({event_type} function: the result failed validation)", err=True)
    return False


def _hook_limits(payload: bytes) -> Limits:
    """The server's defaults for the event's hook: 30 s at origin hooks, as on Lambda@Edge."""
    from ..config.functions import VIEWER_EVENTS
    from ..pipeline.verdict import event_parts
    from ..runtime import Limits

    parts = event_parts(orjson.loads(payload))
    return Limits.origin() if parts is not None and parts[0] not in VIEWER_EVENTS else Limits.viewer()


def _parse_env(pairs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    env = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--env")
        env.append((key, value))
    return tuple(env)


@click.command()
@click.argument("function", type=click.Path(exists=True), required=False)
@click.option("--remote", "remote_name", metavar="NAME", type=FUNCTION_NAME, help="Invoke deployed function NAME on a server (test invoke).")
@click.option("--qualifier", "-q", type=QUALIFIER, help="With --remote: version number or alias (default: latest).")
@click.option("--server", envvar=SERVER_ENV, default=DEFAULT_SERVER, help=f"With --remote: {SERVER_HELP[0].lower()}{SERVER_HELP[1:]}")
@click.option("--token", envvar="EDGE_ADMIN_TOKEN", default=None, help="With --remote: admin token [env EDGE_ADMIN_TOKEN].")
@click.option("--json", "as_json", is_flag=True, help="With --remote: print the server's whole JSON answer.")
@click.option("--event", "-e", default="-", show_default=True, help="Event JSON file, or - for stdin.")
@click.option("--isolation", type=click.Choice(["per-request", "reuse"]), default="per-request", show_default=True)
@click.option("--fuel", type=click.IntRange(min=1), help="Instruction budget.")
@click.option("--timeout", "timeout_ms", type=click.IntRange(min=1), help="Wall-clock limit in ms (default 5000 at viewer hooks, 30000 at origin hooks).")
@click.option("--memory", "memory_mb", type=click.IntRange(min=1), help="Linear memory cap in MiB (default 128).")
@click.option("--env", "env_pairs", multiple=True, metavar="KEY=VALUE", help="Environment variable (repeatable).")
@click.option("--repeat", type=click.IntRange(min=1), default=1, help="Invoke N times in one instance pool.")
@click.option("--handler", default=None,
              help="JavaScript source: the handler, Lambda style (default index.handler; e.g. src/app.handler).")
def invoke(
    function: str | None,
    remote_name: str | None,
    qualifier: str | None,
    server: str,
    token: str | None,
    as_json: bool,
    event: str,
    isolation: str,
    fuel: int | None,
    timeout_ms: int | None,
    memory_mb: int | None,
    env_pairs: tuple[str, ...],
    repeat: int,
    handler: str | None,
) -> None:
    """Run FUNCTION (.wasm, .wat, or a source directory or .js/.mjs/.zip, built first) on an
    event; print the result JSON and a REPORT line.

    The result goes to stdout; the function's log lines and the REPORT line go to
    stderr. The result is checked with the server's rules for the event's hook
    (config.eventType). Exits 1 when the function fails or the server would refuse its
    result (the rule is named), 2 on bad input. With --remote NAME, the deployed function
    runs on the server instead (the console's Test button).
    """
    if remote_name is not None:
        if function is not None:
            raise click.UsageError("give FUNCTION (local) or --remote NAME, not both")
        if handler is not None:
            raise click.UsageError("--handler applies to a local JavaScript source; a deployed version was built "
                                   "with its own handler")
        from .remote_invoke import remote_invoke

        payload = _read_event(event)
        remote_invoke(remote_name, qualifier, payload, server, token, as_json, edge_event=note_other_event(payload))
        return
    if function is None:
        raise click.UsageError("missing FUNCTION (a .wasm/.wat file) or --remote NAME")
    if handler is not None and Path(function).suffix in (".wasm", ".wat"):
        raise click.UsageError("--handler names a JavaScript source's handler: give the source (a directory, "
                               ".js/.mjs or .zip), not a built module, which records the handler it was built for")
    from ..control.logs import unrepeated
    from ..runtime import FunctionConfig, ModuleError, Runtime

    overrides = {"fuel": fuel, "timeout_ms": timeout_ms}
    if memory_mb:
        overrides["memory_bytes"] = memory_mb * 1024 * 1024
    payload = _read_event(event)
    try:
        limits = _hook_limits(payload).merged({k: v for k, v in overrides.items() if v is not None})
        config = FunctionConfig(
            name=Path(function).resolve().name if Path(function).is_dir() else Path(function).stem, isolation=isolation, limits=limits, env=_parse_env(env_pairs)
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    module = module_file(Path(function), handler)  # a source directory: built like `edge deploy DIR` does
    edge_event = note_other_event(payload)
    runtime = Runtime()
    # One invocation compiles with the baseline compiler (Winch: ~4x faster to compile, a JavaScript
    # function's 3 s become ~0.7 s), as a server serves a new version at first; its fuel can differ
    # from the optimized code's by a few percent and it runs slower (docs/cli.md). --repeat N, or a
    # limit given (--fuel, --timeout: checking a function against it), uses the optimized code a
    # warm server runs.
    optimized = repeat > 1 or fuel is not None or timeout_ms is not None
    compiler = runtime if optimized else (runtime.baseline() or runtime)
    try:
        fn = compiler.function(module.read_bytes(), config)
    except ModuleError as exc:
        raise InputError(f"{function}: {exc}") from None
    outcome = None
    for _ in range(repeat):
        outcome = fn.invoke(payload)
        for line in outcome.logs:
            click.echo(f"{line.level}\t{line.message}", err=True)
        if outcome.logs_truncated:  # as the server's log says it: the lines after the cap are gone
            click.echo(f"WARN\tlog output truncated: the function logged more than {limits.max_log_bytes} bytes "
                       "in this invocation; later lines were dropped", err=True)
        click.echo(outcome.report(), err=True)
    assert outcome is not None
    if not outcome.ok:
        detail = f" ({outcome.trap_code})" if outcome.trap_code else ""
        other = "" if edge_event else NOT_AN_EVENT_FAILED
        click.echo(f"error: {outcome.error.value}{detail}: {unrepeated(outcome)}{other}", err=True)
        sys.exit(1)
    click.echo(orjson.dumps(outcome.value, option=orjson.OPT_INDENT_2).decode())
    if not check_result(payload, outcome.value):
        sys.exit(1)
