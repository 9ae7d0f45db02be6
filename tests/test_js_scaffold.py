"""`edge new --lang js`: the scaffold's README and source read right for every hook (the article
before the hook's name; how a JavaScript function is built, not the C/Zig line)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.cli.build import HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_js_scaffold_readme_and_source(tmp_path: Path, hook: str) -> None:
    target = tmp_path / "fn"
    result = CliRunner().invoke(cli, ["new", str(target), "--lang", "js", "--hook", hook])
    assert result.exit_code == 0, result.output
    readme = (target / "README.md").read_text()
    source = (target / "index.js").read_text()
    article = "An" if hook.startswith("origin") else "A"
    assert readme.splitlines()[2].startswith(f"{article} **{hook}** edge function in JavaScript: it ")
    assert f"on {article.lower()} {hook} event" in readme
    assert f"fn: {article.lower()} {hook} edge function" in source
    assert "zig from PyPI, no system toolchain" not in readme
    assert "the JavaScript engine is compiled once per machine" in readme
