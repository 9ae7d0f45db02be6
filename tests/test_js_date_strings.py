"""Dates written as Node 20 writes them on Lambda, whose time zone is UTC (TZ=:UTC): `toString()`,
`toTimeString()`, `String(date)` and template literals end in ` (Coordinated Universal Time)` (QuickJS
left V8's zone name out, so a date logged or put in a header differed), and `toLocaleString()`,
`toLocaleDateString()`, `toLocaleTimeString()` with no arguments are en-US (`3/10/2024, 3:30:05 PM`;
QuickJS padded them: `03/10/2024, 03:30:05 PM`), across the whole range of dates. Compared with real
Node 20 run with TZ=UTC."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from .test_js_builtins_more import invoke, package

CASES = r"""
exports.run = () => {
  const dates = [Date.UTC(2024, 2, 10, 15, 30, 5), Date.UTC(2024, 0, 1, 0, 5), Date.UTC(2024, 11, 31, 12, 0, 59),
    Date.UTC(2024, 6, 4, 23, 59, 59, 999), 0, -8.64e15, 8.64e15, NaN].map((t) => new Date(t));
  for (const year of [-271821, -50, -1, 0, 5, 999, 12345, 275760]) {
    const d = new Date(Date.UTC(2000, 5, 15, 11, 0, 0));
    d.setUTCFullYear(year);
    dates.push(d);
  }
  const rows = dates.map((d) => [String(d), d.toString(), d.toTimeString(), d.toDateString(), d.toUTCString(),
    d.toLocaleString(), d.toLocaleDateString(), d.toLocaleTimeString(), `${d}`, d + '']);
  return { rows, call: [typeof Date(), Date().endsWith('(Coordinated Universal Time)'), Date().length] };
};
"""

HANDLER = """
const cases = require('./cases');
exports.handler = async () => ({ status: '200', body: JSON.stringify(cases.run()) });
"""


def test_dates_are_written_as_node_writes_them_in_utc(tmp_path):
    exe = shutil.which("node")
    if exe is None:
        pytest.skip("node is not installed")
    source = package(tmp_path / "dates", {"cases.js": CASES, "index.js": HANDLER})
    script = f"console.log(JSON.stringify(require({json.dumps(str(source / 'cases.js'))}).run()))"
    in_node = json.loads(subprocess.run([exe, "-e", script], capture_output=True, text=True, check=True, timeout=60,
                                        env={**os.environ, "TZ": ":UTC"}).stdout)
    at_the_edge, _ = invoke(source, tmp_path)
    for node_row, edge_row in zip(in_node["rows"], at_the_edge["rows"], strict=True):
        assert edge_row == node_row
    assert at_the_edge == in_node
    assert in_node["rows"][0][0] == "Sun Mar 10 2024 15:30:05 GMT+0000 (Coordinated Universal Time)"
    assert in_node["rows"][0][5] == "3/10/2024, 3:30:05 PM"
