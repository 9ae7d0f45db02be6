"""`edge invalidate`: purge cached responses by path pattern in every worker."""

from __future__ import annotations

import click

from ..config.behaviors import check_pattern
from ..config.errors import ConfigError
from .admin_client import AdminClient, admin_options, print_json, warn_not_everywhere


@click.command()
@click.argument("paths", nargs=-1, required=True)
@admin_options
def invalidate(paths: tuple[str, ...], client: AdminClient, as_json: bool) -> None:
    """Purge cached responses whose path matches PATHS (CloudFront patterns: `/images/*`, `*.jpg`)."""
    for path in paths:  # checked as the server does: a bad pattern is bad input (exit 2), not a refusal
        try:
            check_pattern(path, "")
        except ConfigError as exc:
            raise click.BadParameter(str(exc).lstrip(": "), param_hint="PATHS") from None
    result = client.request("POST", "/v1/invalidations", json={"paths": list(paths)})
    if as_json:
        print_json(result)
    else:
        click.echo(f"invalidation {result['id']}: {', '.join(result['paths'])}")
    warn_not_everywhere(result)
