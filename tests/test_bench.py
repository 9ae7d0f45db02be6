"""Smoke test of the benchmark harness: a --quick run of two cheap scenarios with the built-in
load generator checks that the harness starts, measures, stops and writes its JSON. It
asserts the shape of the results, never performance."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(120)
def test_quick_run_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "bench", "--quick", "--tool", "builtin", "-s", "2,3", "-d", "0.5",
           "--warmup", "0.2", "-c", "4", "-o", str(out), "--deadline", "90"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=110)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "scenario 2" in done.stderr and "native Python endpoint" in done.stdout

    doc = json.loads((out / "bench.json").read_text())
    assert {"generated", "command", "machine", "settings", "scenarios", "targets", "cdf"} <= doc.keys()
    assert doc["settings"]["load_tool"] == "builtin"
    assert doc["machine"]["cores"] >= 1
    scenarios = {s["number"]: s for s in doc["scenarios"]}
    assert sorted(scenarios) == [2, 3]
    for number in (2, 3):
        (row,) = scenarios[number]["rows"]
        assert row["rps"] > 0 and row["requests"] > 0
        assert 0 < row["p50_ms"] <= row["p99_ms"]
        assert row["errors"] == 0 and row["non_2xx"] == 0
    (target,) = doc["targets"]
    assert target["key"] == "sandbox" and target["scenario"] == 2
    assert isinstance(target["holds"], bool) and target["value"] > 0
    assert target["failed_responses"] == 0
    for points in doc["cdf"].values():
        percentiles = [p for p, _ in points]
        assert percentiles == sorted(percentiles) and percentiles[-1] == 100.0

    from bench.report import outcomes_from  # the JSON is enough to draw the picture again

    again = outcomes_from(doc)
    assert [o.number for o in again] == [2, 3] and again[0].targets[0].value == target["value"]
    assert again[0].rows[0].cdf and again[0].rows[0].rps == scenarios[2]["rows"][0]["rps"]


def test_a_target_measured_on_failed_responses_is_invalid() -> None:
    """Error pages are fast: a ratio measured on them is reported INVALID, never holds/missed."""
    from bench.report import table
    from bench.scenarios import Outcome, Row, Target

    ok = Outcome(6, "isolation", "per-request vs reuse", [Row("per-request", rps=900.0), Row("reuse", rps=1000.0)],
                 [Target("isolation", 0.9)])
    broken = Outcome(6, "isolation", "per-request vs reuse", [Row("per-request", rps=9000.0, non_2xx=120),
                                                              Row("reuse", rps=1000.0)], [Target("isolation", 9.0)])
    assert "holds" in table([ok]).splitlines()[-1]
    last = table([broken]).splitlines()[-1]
    assert "INVALID (120 failed responses in this scenario)" in last and "holds" not in last


def test_bench_command_is_registered() -> None:
    from click.testing import CliRunner

    from edge.cli.main import cli

    result = CliRunner().invoke(cli, ["bench", "--help"])
    assert result.exit_code == 0, result.output
    assert "--quick" in result.output and "edge bench" in result.output


@pytest.mark.timeout(120)
def test_sdk_fuel_measures_a_sample(tmp_path: Path) -> None:
    """bench/sdk_fuel.py builds a sample against this checkout's SDK and reports its fuel and time."""
    from bench import sdk_fuel

    out = tmp_path / "fuel.json"
    assert sdk_fuel.main(["--only", "(floor)", "static-content", "-n", "3", "-r", "1", "--json", str(out)]) == 0
    (side,) = json.loads(out.read_text()).values()
    assert side["(floor)"]["fuel"] < 100 and side["static-content"]["fuel"] > side["(floor)"]["fuel"]
    assert all(figures["us_per_invocation"] > 0 for figures in side.values())
