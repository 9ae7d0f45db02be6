"""The REPORT line's fuel figure follows what the function used, whatever --fuel is; on a
timeout it is marked as the lower bound it is (edge/runtime/outcome.py says why)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from edge.cli.main import cli

from .modules import reactor
from .scaffolds import EVENTS

# a loop that calls a function each time round: wasmtime writes the count back at every call
BUSY = reactor("(loop $l (call $f) (br $l)) (i64.const 0)", extra="(func $f)")
TIGHT = reactor("(loop $l (br $l)) (i64.const 0)")  # no calls: optimized code never writes the count back


def report(tmp_path, module: str, *args: str) -> str:
    path = tmp_path / "fn.wat"
    path.write_text(module)
    result = CliRunner().invoke(cli, ["invoke", str(path), "--event", str(EVENTS / "viewer-request.json"), *args])
    assert result.exit_code == 1
    return next(line for line in result.stderr.splitlines() if line.startswith("REPORT"))


def fuel(line: str) -> tuple[str, int]:
    match = re.search(r"Fuel: (>=)?(\d+)", line)
    assert match, line
    return match.group(1) or "", int(match.group(2))


def test_out_of_fuel_reports_the_budget_it_used(tmp_path):
    for budget in (2_000_000, 30_000_000):
        line = report(tmp_path, BUSY, "--fuel", str(budget))
        assert "error=out_of_fuel" in line and fuel(line) == ("", budget)


def test_a_timeout_reports_the_fuel_counted_so_far_as_a_lower_bound(tmp_path):
    seen = []
    for budget in (10**12, 5 * 10**12):  # far more than fits in the time
        line = report(tmp_path, BUSY, "--fuel", str(budget), "--timeout", "100")
        assert "error=timeout" in line
        mark, used = fuel(line)
        assert mark == ">=" and 1_000_000 < used < budget
        seen.append(used)
    assert seen[0] != seen[1]  # what was used, not a constant
    mark, used = fuel(report(tmp_path, TIGHT, "--fuel", str(10**12), "--timeout", "50"))
    assert mark == ">=" and used < 10**12


def test_one_invocation_runs_baseline_code_and_a_limit_or_repeat_the_optimized_code(tmp_path):
    """`edge invoke` compiles a single invocation with the baseline compiler (fast to compile);
    given --fuel or --timeout (a check against a limit) or --repeat, it runs the optimized code
    a warm server runs. The two compilers meter a JavaScript handler's fuel a little apart."""
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "index.js").write_text(
        "exports.handler = async (event) => ({status: '200', body: 'hi ' + event.Records[0].cf.request.uri});\n")

    def used(*args: str) -> int:
        result = CliRunner().invoke(cli, ["invoke", str(tmp_path / "fn"), "--event",
                                          str(EVENTS / "viewer-request.json"), *args])
        assert result.exit_code == 0, result.output
        return fuel([line for line in result.stderr.splitlines() if line.startswith("REPORT")][-1])[1]

    optimized = used("--repeat", "2")
    assert used("--fuel", "2000000000") == optimized and used("--timeout", "4000") == optimized
    assert used() != optimized  # the baseline code's count (239,426 against 243,915 here)
