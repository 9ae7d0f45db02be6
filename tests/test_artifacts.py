"""Precompiled artifacts on disk: mapped rather than read, written read-only with holes, damaged
ones recompiled, and a module another process is compiling waited for instead of compiled twice."""

from __future__ import annotations

import json
import threading

import pytest

from edge.runtime import EngineSettings, Runtime
from edge.runtime.module import compile_module, sha256, to_wasm

from . import modules as M

EVENT = json.dumps({"Records": [{"cf": {"config": {"eventType": "viewer-request"}}}]}).encode()
# A module whose artifact has blocks of zeros (its memory image spans a megabyte of them up to a
# data segment) and whose result is that segment's bytes
RESULT = b'{"status": "204"}'
ESCAPED = RESULT.decode().replace('"', "\\22")
ZEROS = M.reactor(f"(call $pack (i32.const 1048576) (i32.const {len(RESULT)}))", memory="20", heap=1048576 + 4096,
                  extra=f'(data (i32.const 64) "start") (data (i32.const 1048576) "{ESCAPED}")')


def test_an_artifact_is_written_read_only_with_holes_and_served_mapped(tmp_path):
    runtime = Runtime(artifact_dir=tmp_path)
    compiled = runtime.load(ZEROS)
    assert not compiled.from_artifact
    [path] = tmp_path.glob("*.cwasm")
    stat = path.stat()
    assert stat.st_mode & 0o777 == 0o444  # mapped by the processes that load it: never written in place
    assert stat.st_blocks * 512 < stat.st_size  # the zeros are holes
    assert runtime.function(compiled).invoke(EVENT).result == RESULT

    restarted = Runtime(artifact_dir=tmp_path)
    again = restarted.load_artifact(compiled.sha256)  # by its digest: no bytes read
    assert again is not None and again.from_artifact and again.sha256 == compiled.sha256
    path.unlink()  # removing a mapped artifact is safe: the module keeps serving
    assert restarted.function(again).invoke(EVENT).result == RESULT
    assert Runtime(artifact_dir=tmp_path).load_artifact(compiled.sha256) is None


def test_a_damaged_artifact_is_replaced_by_a_recompile(tmp_path):
    first = Runtime(artifact_dir=tmp_path).load(M.ECHO)
    [path] = tmp_path.glob("*.cwasm")
    path.unlink()
    path.write_bytes(b"\x7fELF but not an artifact")  # damaged (replaced, as anything on disk is)
    runtime = Runtime(artifact_dir=tmp_path)
    assert runtime.load_artifact(first.sha256) is None and not path.exists()  # discarded
    fixed = runtime.load(M.ECHO)
    assert not fixed.from_artifact and path.exists()
    assert runtime.function(fixed).invoke(EVENT).ok


def test_a_module_another_process_compiles_is_waited_for_not_compiled_again(tmp_path):
    """The compile lock is a file lock, so a thread holding it here stands for another worker."""
    settings = EngineSettings(pool_instances=10)
    runtime = Runtime(settings, artifact_dir=tmp_path)
    wasm = to_wasm(M.ECHO)
    digest, fingerprint = sha256(wasm), runtime.engine.fingerprint
    results: list = []
    with runtime.artifacts.compiling(digest, fingerprint):  # "the other worker" starts compiling
        loader = threading.Thread(target=lambda: results.append(Runtime(settings, artifact_dir=tmp_path).load(wasm)))
        loader.start()
        loader.join(0.5)
        assert loader.is_alive() and not results  # waiting, not compiling
        module = compile_module(runtime.engine.engine, wasm)
        runtime.artifacts.write(digest, fingerprint, bytes(module.serialize()))
        runtime.artifacts.compiled(digest, fingerprint)
    loader.join(30)
    assert len(results) == 1 and results[0].from_artifact  # it mapped the artifact written meanwhile
    assert not list(tmp_path.glob(".*.lock"))


def test_baseline_code_has_artifacts_until_the_optimized_one_is_stored(tmp_path):
    runtime = Runtime(artifact_dir=tmp_path)
    baseline = runtime.baseline()
    if baseline is None:
        pytest.skip("this wasmtime has no baseline compiler")
    wasm = to_wasm(M.ECHO)
    compiled = baseline.load(wasm)
    assert baseline.artifacts.exists(compiled.sha256, baseline.engine.fingerprint)
    restarted = Runtime(artifact_dir=tmp_path).baseline()
    assert restarted is not None
    mapped = restarted.load_artifact(compiled.sha256)  # a restart before the optimized compile ended
    assert mapped is not None and mapped.fingerprint == restarted.engine.fingerprint
    assert restarted.function(mapped).invoke(EVENT).ok
    optimized = runtime.optimize(wasm)
    assert optimized.fingerprint == runtime.engine.fingerprint
    assert runtime.artifacts.exists(compiled.sha256, runtime.engine.fingerprint)
    assert not baseline.artifacts.exists(compiled.sha256, baseline.engine.fingerprint)  # no longer needed
