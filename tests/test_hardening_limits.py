"""Issue 12, item 10: the cause hit first is the one reported. A function that grows its
memory to the cap and then spends its fuel or time (touching pages, retrying refused
allocations) is `memory_limit`, not `out_of_fuel` / `timeout`."""

from __future__ import annotations

import json

import pytest

from . import modules as M
from .control_helpers import ControlServer, manifest_text

# Grows one page at a time and writes every 8 bytes of each new page (~40,000 fuel a page);
# a refused grow (-1) changes nothing: it keeps trying, as a C loop around a failing malloc does.
GROW_AND_TOUCH = M.reactor(
    """(local $page i32) (local $at i32) (local $end i32)
    (loop $grow
      (local.set $page (memory.grow (i32.const 1)))
      (if (i32.ne (local.get $page) (i32.const -1))
        (then
          (local.set $at (i32.mul (local.get $page) (i32.const 65536)))
          (local.set $end (i32.add (local.get $at) (i32.const 65536)))
          (loop $touch
            (i64.store (local.get $at) (i64.const 1))
            (local.set $at (i32.add (local.get $at) (i32.const 8)))
            (br_if $touch (i32.lt_u (local.get $at) (local.get $end))))))
      (br $grow))
    (i64.const 0)"""
)

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    (tmp / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp / "m.toml", tmp / "state").start()
    yield s
    s.stop()


def invoke(server, name: str, limits: dict) -> dict:  # type: ignore[no-untyped-def]
    server.deploy(name, GROW_AND_TOUCH, settings=json.dumps({"limits": limits}))
    r = server.admin.post(f"/v1/functions/{name}/invoke", content=b"{}")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("name, limits, kind, second", [
    ("fuel-after-cap", {"memory_bytes": 4 * MiB, "fuel": 20_000_000}, "memory_limit", "ran out of fuel"),
    ("time-after-cap", {"memory_bytes": 4 * MiB, "fuel": 10**15, "timeout_ms": 300}, "memory_limit", "timed out"),
    ("fuel-before-cap", {"memory_bytes": 128 * MiB, "fuel": 10_000_000}, "out_of_fuel", None),
])
def test_the_cause_hit_first_is_reported(server, name, limits, kind, second):
    answer = invoke(server, name, limits)
    assert answer["ok"] is False
    assert answer["error"]["kind"] == kind, answer["error"]
    if second:  # the other cause stays in the message
        assert "memory limit of 4 MiB reached" in answer["error"]["message"]
        assert second in answer["error"]["message"]
        assert answer["report"]["peak_memory"] > 4 * MiB * 7 // 8
    else:
        assert answer["report"]["peak_memory"] < 64 * MiB
