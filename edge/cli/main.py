"""The `edge` command line: one click group, one module per command family."""

from __future__ import annotations

import click

from .bench import bench
from .build import build, new
from .events import generate_event
from .deploy import alias, config, delete, deploy, functions, rollback, versions
from .invalidate import invalidate
from .invoke import invoke
from .logs import logs
from .serve import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="edge-wasm", prog_name="edge")
def cli() -> None:
    """A WebAssembly-sandboxed edge function server with the Lambda@Edge event model."""


cli.add_command(invoke)
cli.add_command(serve)
cli.add_command(build)
cli.add_command(new)
cli.add_command(generate_event)
cli.add_command(bench)
for command in (deploy, functions, versions, alias, rollback, delete, logs, config, invalidate):
    cli.add_command(command)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
