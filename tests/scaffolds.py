"""`edge new` starters for every language and hook, built once per test session by the real
`edge build` command line (tests/test_build_cli.py runs them, tests/test_starters.py serves them)."""

from __future__ import annotations

import fcntl
import json
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


def shared_scaffolds(config, tmp_path_factory) -> dict[tuple[str, str], dict]:  # type: ignore[no-untyped-def]
    """make_scaffolds() once per run, not once per test process: under pytest-xdist the first
    worker that needs them builds them (~15-25 s of `edge build` processes on two cores) in the
    run's temporary directory shared by its workers, under a lock, and records what each command
    printed; a worker needing them later (test_build_cli, test_starters and test_generate_event
    often land on different workers) waits for that and reads the record. The starters are only
    read after they are built (`edge build --out` writes nothing in the source directory)."""
    if not hasattr(config, "workerinput"):  # not under xdist: this process's own
        return make_scaffolds(tmp_path_factory.mktemp("scaffolds"))
    run = tmp_path_factory.getbasetemp().parent  # this run's, shared by its workers
    record = run / "scaffolds.json"
    with open(run / "scaffolds.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes (or the process ends)
        if not record.exists():  # (a worker whose build failed left none: the next one builds its own)
            made = make_scaffolds(tmp_path_factory.mktemp("scaffolds"))
            rows = [{"lang": lang, "hook": hook, "dir": str(m["dir"]), "new_output": m["new_output"],
                     "build": [m["build"].args, m["build"].returncode, m["build"].stdout, m["build"].stderr]}
                    for (lang, hook), m in made.items()]
            partial = record.with_suffix(".tmp")
            partial.write_text(json.dumps(rows))
            partial.rename(record)
            return made
    return {(row["lang"], row["hook"]): {"dir": Path(row["dir"]), "new_output": row["new_output"],
                                         "build": subprocess.CompletedProcess(*row["build"])}
            for row in json.loads(record.read_text())}
