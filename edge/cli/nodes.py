"""`edge nodes`: the nodes sharing the server's store, with the release each runs (`-`: one from
before releases were recorded), the revision each serves and its health."""

from __future__ import annotations

import click

from .admin_client import AdminClient, admin_options, print_json


@click.command()
@admin_options
def nodes(client: AdminClient, as_json: bool) -> None:
    """List the nodes sharing this server's store (a fleet on PostgreSQL, or this machine)."""
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
