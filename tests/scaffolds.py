"""`edge new` starters for every language and hook, built once per test session by the real
`edge build` command line (tests/test_build_cli.py runs them, tests/test_starters.py serves them)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from click.testing import CliRunner

from edge.cli.build import new
from edge.cli.main import cli

REPO = Path(__file__).resolve().parent.parent
EVENTS = REPO / "samples" / "events"
HOOKS = ("viewer-request", "origin-request", "origin-response", "viewer-response")


def languages() -> tuple[str, ...]:
    """Every language `edge new --lang` offers (C, Zig, and JavaScript once it is there)."""
    option = next(p for p in new.params if p.name == "lang")
    return tuple(option.type.choices)  # type: ignore[attr-defined]


def run(*args: str) -> subprocess.CompletedProcess:
    """The real `edge` command line in a subprocess."""
    return subprocess.run([sys.executable, "-m", "edge.cli.main", *args], check=False, capture_output=True, text=True,
                          timeout=300)


def make_scaffolds(root: Path) -> dict[tuple[str, str], dict]:
    """`edge new` for every language and hook, then `edge build` for each (in parallel)."""
    made: dict[tuple[str, str], dict] = {}
    for lang in languages():
        for hook in HOOKS:
            directory = root / f"fn-{lang}-{hook}"
            result = CliRunner().invoke(cli, ["new", str(directory), "--lang", lang, "--hook", hook],
                                        catch_exceptions=False)
            assert result.exit_code == 0, result.output
            made[(lang, hook)] = {"dir": directory, "new_output": result.stdout}

    def build(key):  # type: ignore[no-untyped-def]
        return key, run("build", str(made[key]["dir"]))

    with ThreadPoolExecutor(max_workers=4) as pool:
        for key, proc in pool.map(build, list(made)):
            made[key]["build"] = proc
    return made
