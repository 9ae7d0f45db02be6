"""`edge bench`: the benchmark harness (`python -m bench`), which ships with the source tree."""

from __future__ import annotations

import sys
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[2]


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def bench(args: tuple[str, ...]) -> None:
    """Benchmark the server on this machine (loopback only): `edge bench --help` for options."""
    if not (REPO / "bench" / "__main__.py").is_file():
        raise click.ClickException("the benchmark harness (bench/) ships with the source tree; run it from a checkout")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from bench.__main__ import main

    sys.exit(main(list(args), prog="edge bench"))
