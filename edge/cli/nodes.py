"""`edge nodes`: the nodes sharing the server's store, with the release each runs (`-`: one from
before releases were recorded), the revision each serves and its health, then why a node is
`behind` when it says (stored behaviors/origins it cannot apply) and a name two node processes
use; `edge nodes forget NAME` removes one that is not live (stopped or decommissioned) from the list."""

from __future__ import annotations

import functools
from typing import Any

import click
from click.core import ParameterSource

from .admin_client import (
    DEFAULT_SERVER, SERVER_ENV, SERVER_HELP, TOKEN_ENV, AdminClient, admin_options, api_path, print_json,
)

ADMIN_PARAMS = ("server", "token", "as_json")


@click.group(invoke_without_command=True)
@click.option("--server", envvar=SERVER_ENV, default=DEFAULT_SERVER, help=SERVER_HELP)
@click.option("--token", envvar=TOKEN_ENV, default=None, help=f"Admin bearer token [env {TOKEN_ENV}].")
@click.option("--json", "as_json", is_flag=True, help="Print the server's JSON answer (for scripts).")
@click.pass_context
def nodes(ctx: click.Context, server: str, token: str | None, as_json: bool) -> None:
    """List the nodes sharing this server's store (a fleet on PostgreSQL, or this machine)."""
    if ctx.invoked_subcommand is not None:  # options given here apply to it (edge nodes --server S forget N)
        ctx.obj = {name: ctx.params[name] for name in ADMIN_PARAMS
                   if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE}
        return
    client = AdminClient(server, token)
    try:
        _list(client, as_json)
    finally:
        client.close()


def _list(client: AdminClient, as_json: bool) -> None:
    result = client.request("GET", "/v1/nodes")
    if as_json:
        print_json(result)
        return
    rows = [
        [n["name"], n["address"], n.get("release") or "-", str(n["applied_revision"]),
         f"{n['heartbeat_age']:.1f}s ago", n["health"], str(len(n["workers"]))]
        for n in result["nodes"]
    ]
    header = ["NAME", "ADDRESS", "RELEASE", "REVISION", "HEARTBEAT", "HEALTH", "WORKERS"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    click.echo(f"store revision {result['revision']} ({result['store']})")
    for n in result["nodes"]:  # why a node is not `ok`, or a name two node processes use
        if n.get("reason"):
            click.echo(f"{n['name']} at {n['address']}: {n['reason']}")


def _inherited(func: Any) -> Any:
    """--server/--token/--json given before the subcommand count unless given after it too."""

    @functools.wraps(func)  # keeps the options admin_options attached
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        for name, value in (ctx.obj or {}).items():
            if ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
                kwargs[name] = value
        return func(*args, **kwargs)

    return wrapper


@nodes.command()
@click.argument("name")
@_inherited
@admin_options
def forget(client: AdminClient, as_json: bool, name: str) -> None:
    """Remove node NAME from the list: one that is stopped, or down (no heartbeat for 15 s).
    A live node is refused: it would be listed again at its next heartbeat."""
    result = client.request("DELETE", api_path("nodes", name))
    if as_json:
        print_json(result)
        return
    click.echo(f"forgot node {name} ({result['deleted']['workers']} worker row(s) removed)")
