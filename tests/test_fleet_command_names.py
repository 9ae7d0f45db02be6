"""Every `edge COMMAND` the documents and the messages tell an operator to run exists.

A fleet trial followed the advice of an unanswered commit ("check the state (edge versions,
edge aliases, edge behaviors)") and found that two of those commands did not exist. This reads
docs/*.md (spans in backticks, the commands a message quoted in backticks names, command lines
of code blocks) and the string literals of edge/ (spans in backticks; `(edge X`, `check edge X`
and `, edge X` outside them, docstrings left out) and resolves each named command, and a
subcommand of a group, against the real CLI.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import click

from edge.cli.main import cli
from edge.fleet.pgstore import CHANGE_SHOWN

from .scaffolds import REPO

SPAN = re.compile(r"`(edge [^`]+)`")
CODE_LINE = re.compile(r"^\s*(?:\$\s+)?(edge [a-z][^\n]*)$", re.MULTILINE)
# outside backticks: "(edge nodes lists the names)", "check edge nodes", "(edge versions, edge aliases)"
PROSE = re.compile(r"(?:(?<=\()|(?<=\bcheck )|(?<=, ))(edge [a-z][a-z-]*)")
QUOTED = re.compile(r"`([^`\n]+)`")  # a document quotes a message in backticks
WORD = re.compile(r"[a-z][a-z-]*$")


def _documents() -> Iterator[tuple[str, str]]:
    for path in sorted((REPO / "docs").glob("*.md")):
        text = path.read_text()
        for match in SPAN.finditer(text):
            yield path.name, match.group(1)
        blocks = text.split("```")[1::2]  # the insides of fenced code blocks
        for block in blocks:
            for match in CODE_LINE.finditer(block):
                yield path.name, match.group(1)
        for quoted in QUOTED.findall(text):
            for match in PROSE.finditer(quoted):
                yield path.name, match.group(1) + " ."


def _strings(path: Path) -> Iterator[tuple[str, bool]]:
    """Each string literal of a module, and whether it is a docstring (a command's is its --help)."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {id(body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and (body := node.body) and isinstance(body[0], ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value, id(node) in docstrings
        elif isinstance(node, ast.JoinedStr):  # an f-string: its text between the replacement fields
            yield "{}".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values), False


def _messages() -> Iterator[tuple[str, str]]:
    for path in sorted((REPO / "edge").rglob("*.py")):
        where = str(path.relative_to(REPO))
        for text, docstring in _strings(path):
            for match in SPAN.finditer(text):
                yield where, match.group(1)
            if not docstring:  # a docstring's "(edge and admin listeners)" is prose
                for match in PROSE.finditer(text):
                    yield where, match.group(1) + " ."  # the next word is prose, not a subcommand


def _unknown(command_line: str) -> str | None:
    """Why `edge ...` names no command (None: it does)."""
    words = command_line.split()[1:]
    group: click.Group = cli
    ctx = click.Context(cli)
    path = ["edge"]
    while words and WORD.match(words[0]):
        command = group.get_command(ctx, words[0])
        if command is None:
            if group is cli or not group.invoke_without_command:
                return f"{' '.join(path)} has no command {words[0]!r}"
            return None  # `edge nodes` alone lists them: what follows is not a subcommand
        path.append(words.pop(0))
        if not isinstance(command, click.Group):
            return None
        group = command
    return None


def test_every_command_the_documents_name_exists():
    named = list(_documents())
    assert len(named) > 100 and any(line.startswith("edge nodes forget") for _, line in named)
    wrong = {(doc, line): why for doc, line in named if (why := _unknown(line))}
    assert not wrong, wrong


def test_every_command_a_message_names_exists():
    named = list(_messages())
    assert any(where == "edge/fleet/pgstore.py" for where, _ in named)  # CHANGE_SHOWN is among them
    wrong = {(where, line): why for where, line in named if (why := _unknown(line))}
    assert not wrong, wrong


def test_the_old_advice_would_have_been_caught():
    old = "the change may or may not be applied: check the state (edge versions, edge aliases, edge behaviors) before"
    assert [_unknown(m.group(1) + " .") is not None for m in PROSE.finditer(old)] == [False, True, True]


def test_the_advice_after_an_unanswered_commit_names_real_commands():
    named = SPAN.findall(CHANGE_SHOWN)
    assert len(named) == 3 and not [line for line in named if _unknown(line)]
    assert _unknown("edge aliases") and _unknown("edge behaviors")  # what it said before
    assert _unknown("edge config show") and not _unknown("edge nodes forget fra1")
