"""`edge logs NAME [--follow]`: a function's log records from the admin API, Lambda-style."""

from __future__ import annotations

import json
from typing import Any

import click

from .admin_client import FUNCTION_NAME, AdminClient, AdminError, admin_options, api_path, print_json, printable


def _line(record: dict[str, Any]) -> str:
    from ..control.logs import LogRecord

    return f"{record['function']}:{record['version']}\t" + LogRecord(**record).format()


@click.command()
@click.argument("name", type=FUNCTION_NAME, required=False)
@click.option("--request-id", "-r", help="Only this request's records (every function's, and the edge's own).")
@click.option("--limit", "-n", type=click.IntRange(1, 50_000), default=200, show_default=True,
              help="Records of history to show.")
@click.option("--follow", "-f", is_flag=True, help="Keep streaming new records (Ctrl-C to stop).")
@admin_options
def logs(name: str | None, request_id: str | None, limit: int, follow: bool, client: AdminClient, as_json: bool) -> None:
    """Show NAME's log records: START, the function's lines, END and REPORT, by request id.

    With --request-id and no NAME: everything logged for that request (the id an error page shows)."""
    if name is None and not request_id:
        raise click.UsageError("give a function NAME, or --request-id ID (from an error page or X-Amz-Cf-Id)")
    params: dict[str, Any] = {"limit": limit}
    if name is not None:
        try:
            client.request("GET", api_path("functions", name))  # an unknown name is an error (404), not silence
        except AdminError as exc:
            # A fleet node cut off from its database still has its own records (logs stay per
            # node, in memory or logs.db): an outage is when they are wanted most.
            if exc.code != "store_unavailable":
                raise
            click.echo(f"note: the store cannot be reached, so whether {name} exists is not checked; "
                       "showing this node's records", err=True)
        params["function"] = name
    if request_id:
        params["request_id"] = request_id
    if follow:
        params["follow"] = "1"
        try:
            for record in client.stream_lines("/v1/logs", params=params):
                click.echo(json.dumps(record) if as_json else _line(record))
        except KeyboardInterrupt:
            return
        # the stream has no end of its own: the server ended it whole, as it does when it stops
        click.echo("edge logs: the server is stopping: the log stream ended", err=True)
        return
    result = client.request("GET", "/v1/logs", params=params)
    if as_json:
        print_json(result)
        return
    for record in result["records"]:
        click.echo(_line(record))
    if not result["records"]:
        click.echo(_none_found(name, request_id), err=True)


def _none_found(name: str | None, request_id: str | None) -> str:
    """What an empty answer means for what was asked."""
    if not request_id:
        return (f"no log records for {name} yet: they appear when it runs "
                "(edge logs --follow waits for them)")
    whose = f" of {name}" if name else ""
    return (f"no log records{whose} for request id {printable(request_id)}: a request's records are kept by the "
            "node that served it, while its log has room (the oldest go first); check the id (the error page's, or "
            "X-Amz-Cf-Id)" + (f", or leave out {name} for every function's records of that request" if name else "")
            + " (edge logs --follow --request-id ID waits for records of a request still running)")
