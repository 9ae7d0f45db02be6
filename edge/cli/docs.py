"""`edge docs`: the documentation that ships with the command, readable without a checkout.

Scaffolds and messages point to `docs/X.md`; a wheel has no docs/ beside the user's files, so
`edge docs X` prints the installed copy (edge/bundled.py says where it is).
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import click

from .. import bundled


def topics(directory: Path) -> dict[str, Path]:
    """The documents by topic (file stem), in name order."""
    return {path.stem: path for path in sorted(directory.glob("*.md")) if path.is_file()}


def title(path: Path) -> str:
    """A document's first heading, what the listing shows beside its topic."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("# "):
                return line[2:].strip()
    return ""


def resolve(topic: str, known: dict[str, Path]) -> Path | None:
    """The document a user names: `javascript`, `javascript.md` or `docs/javascript.md` (as the
    pointers print it), in any case."""
    name = topic.strip().removeprefix("./").removeprefix("docs/")
    if name.lower().endswith(".md"):
        name = name[:-3]
    by_lower = {stem.lower(): path for stem, path in known.items()}
    return by_lower.get(name.lower())


@click.command("docs")
@click.argument("topic", required=False)
@click.option("--path", "path_only", is_flag=True,
              help="Print only the document's path (with no TOPIC: the directory's).")
def docs(topic: str | None, path_only: bool) -> None:
    """List the documentation's topics, or print TOPIC's document (markdown) on stdout.

    TOPIC as the scaffolds and messages name it: `javascript`, `javascript.md` or
    `docs/javascript.md`. The same files as docs/ in a checkout; a wheel carries its own copy.
    """
    directory = bundled.docs()
    known = topics(directory) if directory.is_dir() else {}
    if not known:
        click.echo(f"error: no documentation in this installation (looked in {directory})", err=True)
        sys.exit(1)
    if topic is None:
        if path_only:
            click.echo(str(directory))
            return
        width = max(len(stem) for stem in known)
        for stem, document in known.items():
            click.echo(f"{stem.ljust(width)}  {title(document)}".rstrip())
        click.echo(f"in {directory}: `edge docs TOPIC` prints one, `--path` its file")
        return
    path = resolve(topic, known)
    if path is None:
        close = difflib.get_close_matches(topic.lower().removesuffix(".md").rsplit("/", 1)[-1], list(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        click.echo(f"error: no topic {topic!r}{hint}; the topics are: {', '.join(known)}", err=True)
        sys.exit(2)
    if path_only:
        click.echo(str(path))
        return
    text = path.read_text(encoding="utf-8")
    click.echo(text, nl=not text.endswith("\n"))
