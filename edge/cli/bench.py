"""`edge bench`: the benchmark harness (`python -m bench`), which ships with the source tree."""

from __future__ import annotations

import sys
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[2]
HELP_FLAGS = ("--help", "-h")


class NeedsCheckout(click.ClickException):
    """`edge bench` run where there is no harness (an installed wheel): exit status 2."""

    exit_code = 2


# --help is the harness's own (its options); without the harness, this command's help says why
@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def bench(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Benchmark the server on this machine (loopback only): `edge bench --help` for options.

    The benchmark harness (bench/) ships with the source tree, not with an installed package:
    run it from a checkout of the repository."""
    if not (REPO / "bench" / "__main__.py").is_file():
        if any(arg in HELP_FLAGS for arg in args):
            click.echo(ctx.get_help())
            click.echo("\nThis installation has no benchmark harness: its options are listed by "
                       "`edge bench --help` in a checkout of the source tree.")
            return
        raise NeedsCheckout("the benchmark needs a source checkout: its harness (bench/) is not part of an installed "
                            "package; run `edge bench` (or `python -m bench`) in a checkout of the repository")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from bench.__main__ import main

    sys.exit(main(list(args), prog="edge bench"))
