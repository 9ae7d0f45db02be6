"""A module's start-up ends at its wall-clock limit too, not only at its fuel: a spinning
`_initialize`, start function or `edge_abi_version` with fuel raised as far as a function may
raise it. The epoch ticker advances the clock only while something timed runs; making an
instance off the event loop (a deploy's check, a worker thread's fresh instance) now counts as
timed. Real wasmtime, real modules; a hostile trial found both hangs (a deploy that never
answered and held the control plane, requests that hung past their timeout)."""

from __future__ import annotations

import pytest

from edge.runtime import ErrorKind, FunctionConfig, Limits, ModuleError, Runtime
from edge.runtime.failures import InstantiationError
from edge.runtime.function import Function
from edge.runtime.instance import Slot

from .control_helpers import ControlServer, generated, manifest_text

# fuel as high as a limit goes: only the wall clock can end these
ENDLESS_FUEL = Limits(timeout_ms=300, fuel=2**62)

_HANDLE = """
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\\"status\\":\\"200\\",\\"body\\":\\"ok\\"}")
  (func (export "edge_alloc") (param i32) (result i32) i32.const 8192)
  (func (export "edge_handle") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const 28)))
"""
INIT_SPINS = f"""(module {_HANDLE}
  (func (export "edge_abi_version") (result i32) i32.const 1)
  (func (export "_initialize") (loop $l (br $l))))"""
START_SPINS = f"""(module {_HANDLE}
  (func (export "edge_abi_version") (result i32) i32.const 1)
  (func $start (loop $l (br $l)))
  (start $start))"""
ABI_SPINS = f"""(module {_HANDLE}
  (func (export "edge_abi_version") (result i32) (loop $l (br $l)) i32.const 1))"""
INIT_QUIET = f"""(module {_HANDLE}
  (func (export "edge_abi_version") (result i32) i32.const 1)
  (func (export "_initialize")))"""


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime()


@pytest.mark.parametrize("source, where", [(INIT_SPINS, "_initialize"), (START_SPINS, "instantiation"),
                                           (ABI_SPINS, "edge_abi_version")])
def test_a_spinning_start_up_fails_the_modules_check_at_its_timeout(runtime, source, where):
    with pytest.raises(ModuleError) as caught:
        runtime.function(source, FunctionConfig(name="spin", limits=ENDLESS_FUEL))
    message = str(caught.value)
    assert where in message and "timed out after 300 ms" in message, message


def test_instances_made_off_the_event_loop_end_at_the_timeout(runtime, monkeypatch):
    """A function's instances made on a worker thread (nogil: the function's whole fuel), as
    for a version whose start-up is too costly for the event loop: one whose _initialize spins
    ends as a timeout, every time, and the ticker stops again (nothing left timed)."""
    monkeypatch.setattr(Function, "_probe", lambda self: None)  # reach the request path's instances
    fn = runtime.function(INIT_SPINS, FunctionConfig(name="spins", limits=ENDLESS_FUEL))
    try:
        for _ in range(3):
            with pytest.raises(InstantiationError) as caught:
                Slot(fn, nogil=True)
            assert caught.value.kind is ErrorKind.TIMEOUT, caught.value
    finally:
        fn.close()
    quiet = runtime.function(INIT_QUIET, FunctionConfig(name="quiet", limits=ENDLESS_FUEL))
    try:
        Slot(quiet, nogil=True).delete()  # a quiet start is made as always
    finally:
        quiet.close()


def test_a_deploy_of_a_spinning_start_up_is_refused_and_the_next_deploy_works(tmp_path, monkeypatch):
    """Through the admin API (a real server): the deploy's check of a module whose _initialize
    spins ends at the function's timeout with 422, once (its baseline code failing is not tried
    again with optimized code: StartupFailed), and leaves the control plane free."""
    checks: list[str] = []
    real_probe = Function._probe

    def counted(self: Function) -> None:
        checks.append(self.config.name)
        real_probe(self)

    monkeypatch.setattr(Function, "_probe", counted)
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        settings = '{"limits": {"timeout_ms": 300, "fuel": 4611686018427387904}}'
        checks.clear()
        r = server.admin.post("/v1/functions/spin/versions", content=INIT_SPINS.encode(),
                              headers={"X-Edge-Settings": settings})
        assert r.status_code == 422 and "_initialize failed: timed out after 300 ms" in r.text, r.text
        assert checks == ["spin"], checks
        server.deploy("fine", generated("fine"), alias="live")
    finally:
        server.stop()


def test_the_deploys_check_waits_for_a_start_up_no_longer_than_its_own_bound(runtime, monkeypatch):
    """A function may take minutes (its timeout), but the version's check, run while a deploy
    holds the control plane, gives its start-up at most PROBE_START_MS (10 s; shortened here)."""
    from edge.runtime import function

    monkeypatch.setattr(function, "PROBE_START_MS", 300)
    with pytest.raises(ModuleError) as caught:
        runtime.function(INIT_SPINS, FunctionConfig(name="slow", limits=Limits(timeout_ms=600_000, fuel=2**62)))
    assert "_initialize failed: the module's start-up" in str(caught.value), caught.value
    assert "longer than 0.3 s, the most a version's check waits" in str(caught.value), caught.value
