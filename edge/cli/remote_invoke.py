"""`edge invoke --remote NAME`: run a deployed version on the server with a given event."""

from __future__ import annotations

import json
import sys

import click

from .admin_client import AdminClient, api_path, print_json


def remote_invoke(name: str, qualifier: str | None, event: bytes, server: str, token: str | None, as_json: bool,
                  *, edge_event: bool = True) -> None:
    """Like the local form: result JSON on stdout, log lines and REPORT on stderr, exit 1 on failure.
    `edge_event`: whether the event is a Lambda@Edge event (a failure on another says so)."""
    client = AdminClient(server, token)
    try:
        params = {"qualifier": qualifier} if qualifier else {}
        answer = client.request("POST", api_path("functions", name, "invoke"), content=event, params=params,
                                headers={"Content-Type": "application/json"})
    finally:
        client.close()
    if as_json:
        print_json(answer)
    else:
        for record in answer["logs"]:
            if record["level"] not in ("START", "END", "REPORT"):
                click.echo(f"{record['level']}\t{record['message']}", err=True)
        click.echo(f"{answer['report']['line']}\tVersion: {answer['version']}", err=True)
        if answer["ok"]:
            click.echo(json.dumps(answer["result"], indent=2))
    if answer["ok"]:
        from .invoke import check_result

        if not check_result(event, answer["result"]):
            sys.exit(1)
    if not answer["ok"]:
        error = answer["error"]
        detail = f" ({error['trap_code']})" if error.get("trap_code") else ""
        from .invoke import NOT_AN_EVENT_FAILED

        other = "" if edge_event else NOT_AN_EVENT_FAILED
        click.echo(f"error: {error['kind']}{detail}: {error['message']}{other}", err=True)
        sys.exit(1)
