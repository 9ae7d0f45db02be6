"""`edge docs` (edge/cli/docs.py): the topics, one document printed or its path, an unknown topic
refused; and every `edge docs X` the scaffolds and the help print names a topic that is there.

Here (a checkout) the documents are the repository's docs/; tests/test_wheel.py reads the
wheel's copy with the installed command.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from edge import bundled
from edge.cli.main import cli

from .scaffolds import HOOKS, REPO, languages

DOCS = REPO / "docs"
POINTER = re.compile(r"`edge\s+docs\s+([\w./-]+)`")  # help text may wrap inside it


def edge(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, (args, result.output)
    return result


def test_the_checkout_serves_its_own_docs():
    assert bundled.docs() == DOCS and bundled.docs("javascript.md").is_file()


def test_listing_names_every_document_with_its_title_and_the_directory():
    out = edge("docs").stdout.splitlines()
    documents = sorted(DOCS.glob("*.md"))
    assert len(documents) >= 10 and len(out) == len(documents) + 1
    for line, path in zip(out, documents):
        heading = next(text for text in path.read_text().splitlines() if text.startswith("# "))
        assert line.split() == [path.stem, *heading[2:].split()], line
    assert out[-1].startswith(f"in {DOCS}:") and "edge docs TOPIC" in out[-1]


@pytest.mark.parametrize("topic", ["javascript", "javascript.md", "docs/javascript.md", "JavaScript"])
def test_a_topic_prints_its_document_as_it_is(topic):
    result = edge("docs", topic)
    assert result.stdout == (DOCS / "javascript.md").read_text() and not result.stderr


def test_path_prints_only_the_file_or_the_directory():
    assert edge("docs", "pipeline", "--path").stdout == f"{DOCS / 'pipeline.md'}\n"
    assert edge("docs", "--path", "docs/control-plane.md").stdout == f"{DOCS / 'control-plane.md'}\n"
    assert edge("docs", "--path").stdout == f"{DOCS}\n"


@pytest.mark.parametrize("topic", ["nosuch", "javascript.txt", "../README.md", "docs/"])
def test_an_unknown_topic_is_a_usage_error_listing_the_topics(topic):
    result = edge("docs", topic, code=2)
    assert not result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: no topic {topic!r}") and "javascript, lambda-edge-differences" in line
    assert all(path.stem in line for path in DOCS.glob("*.md"))


def test_a_near_miss_names_the_topic_meant():
    assert "(did you mean javascript?)" in edge("docs", "javscript", code=2).stderr


def test_every_pointer_users_see_names_a_topic(tmp_path):
    """What `edge new` writes (every language and hook) and the help texts that point to a
    document: each `edge docs X` there prints a document, and the pointers are really there."""
    texts = []
    for lang in languages():
        for hook in HOOKS:
            directory = tmp_path / f"{lang}-{hook}"
            edge("new", str(directory), "--lang", lang, "--hook", hook)
            texts += [path.read_text() for path in directory.iterdir() if path.is_file()]
    for command in ([], ["build"], ["serve"]):
        texts.append(edge(*command, "--help").stdout)
    named = {topic for text in texts for topic in POINTER.findall(text)}
    assert {"javascript", "pipeline", "cli", "fleet"} <= named, named
    for topic in named:
        assert edge("docs", topic, "--path").stdout.strip().startswith(str(DOCS)), topic
