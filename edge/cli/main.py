"""The `edge` command line: one click group, one module per command family."""

from __future__ import annotations

import click

from .bench import bench
from .build import build, new
from .dev import dev
from .docs import docs
from .events import generate_event
from .deploy import alias, config, delete, deploy, functions, rollback, versions
from .invalidate import invalidate
from .invoke import invoke
from .logs import logs
from .nodes import nodes
from .project import find as find_project
from .serve import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="edge-wasm", prog_name="edge")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """A WebAssembly-sandboxed edge function server with the Lambda@Edge event model.

    Settings come from flags, then EDGE_SERVER / EDGE_ADMIN_TOKEN, then the project's edge.toml
    (or [tool.edge] in pyproject.toml) found here or in a parent directory (docs/cli.md; `edge docs cli`).
    """
    ctx.default_map = find_project().default_map(cli)


cli.add_command(invoke)
cli.add_command(serve)
cli.add_command(dev)
cli.add_command(build)
cli.add_command(new)
cli.add_command(generate_event)
cli.add_command(bench)
cli.add_command(nodes)
cli.add_command(docs)
for command in (deploy, functions, versions, alias, rollback, delete, logs, config, invalidate):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="edge")  # also when run as `python -m edge.cli.main`: usage lines and _EDGE_COMPLETE


if __name__ == "__main__":
    main()
