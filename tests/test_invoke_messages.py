"""What `edge invoke` (local) and the function log tell a developer: a cut log says so, a
failure the function logged itself is not printed twice, running out of fuel says what to
change, and each log line keeps the time it was written."""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from edge.cli.main import cli
from edge.control.logs import LogStore
from edge.runtime import FunctionConfig, Limits, Runtime

from .modules import HANDLER_ERROR, INFINITE_LOOP, LOG_FLOOD, reactor

EVENT = '{"Records": [{"cf": {"config": {"eventType": "viewer-request"}, "request": {"uri": "/", "method": "GET", "headers": {}, "querystring": "", "clientIp": "1.2.3.4"}}}]}'


def invoke(tmp_path: Path, wat: str, *args: str):  # type: ignore[no-untyped-def]
    module = tmp_path / "f.wat"
    module.write_text(wat)
    event = tmp_path / "event.json"
    event.write_text(EVENT)
    return CliRunner().invoke(cli, ["invoke", str(module), "--event", str(event), *args], catch_exceptions=False)


def test_a_log_cut_at_its_cap_says_so_in_a_local_invoke(tmp_path: Path) -> None:
    done = invoke(tmp_path, LOG_FLOOD)
    lines = done.stderr.splitlines()
    assert sum(line.startswith("INFO\t") for line in lines) == 64  # 64 KiB of 1 KiB lines
    assert "WARN\tlog output truncated: the function logged more than 65536 bytes in this invocation" in done.stderr


def test_a_failure_the_function_logged_is_printed_once(tmp_path: Path) -> None:
    done = invoke(tmp_path, HANDLER_ERROR)
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line or line.startswith("error:")]
    assert done.exit_code == 1 and len(errors) == 2, done.stderr
    assert errors[1].startswith("error: handler_error: as logged above"), errors


def test_running_out_of_fuel_names_the_budget_and_how_to_raise_it(tmp_path: Path) -> None:
    done = invoke(tmp_path, INFINITE_LOOP, "--fuel", "1000000")
    assert done.exit_code == 1
    assert ("error: out_of_fuel: ran out of fuel (1000000 units, the function's budget of work per invocation): "
            "a loop that does not end") in done.stderr
    assert "limits = { fuel = N }" in done.stderr and "edge deploy --fuel N" in done.stderr


# Logs "a", spins ~50 million iterations, logs "b": the two lines are written apart in time.
SLOW_LOGGER = reactor(
    """(local $i i32)
    (call $log (i32.const 1) (i32.const 64) (i32.const 1))
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 50000000))))
    (call $log (i32.const 1) (i32.const 65) (i32.const 1))
    (call $pack (i32.const 80) (i32.const 2))""",
    imports='(import "edge" "log" (func $log (param i32 i32 i32)))',
    extra='(data (i32.const 64) "ab") (data (i32.const 80) "{}")',
)


def test_each_log_line_keeps_the_time_it_was_written() -> None:
    """As CloudWatch stamps each line (they all carried the time the invocation was recorded)."""
    limits = Limits(fuel=2_000_000_000, timeout_ms=10_000)
    fn = Runtime().function(SLOW_LOGGER.encode(), FunctionConfig(name="slow", limits=limits))
    before = time.time()
    outcome = fn.invoke(b'{"Records": []}')
    assert outcome.ok, outcome.message
    store = LogStore()
    store.record_invocation("slow", "1", "rid", "viewer-request", outcome)
    records = store.query("slow", "rid")
    assert [r.level for r in records] == ["START", "INFO", "INFO", "END", "REPORT"]
    times = [r.time for r in records]
    assert times == sorted(times) and before - 0.01 <= times[0]
    assert times[2] - times[1] >= outcome.duration_ms / 1000 / 4  # the spin came between the two lines
    assert times[4] - times[0] >= outcome.duration_ms / 1000 * 0.9
