"""Building a JavaScript function is bounded whatever its top-level code does (edge/js/build.py):
what it prints is read as it comes and only an excerpt kept, its memory at build time is capped
(a clear "out of memory"), the module it makes is capped (a clear error, and Wizer stops writing
it), its time is capped, and the module is written from Wizer's snapshot without holding it in
memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edge.js import build as jsbuild
from edge.js.build import BUILD_NOTE, JsBuildError, _Excerpt, _write_module, build_js
from edge.js.wasmfile import drop_exports, read_note, with_note

MiB = 1024 * 1024
HANDLER = "exports.handler = async (event) => event.Records[0].cf.request;\n"


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


class PeakRss:
    """This process's resident memory sampled every 20 ms while the block runs: its rise."""

    def __enter__(self) -> "PeakRss":
        self.base = self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self._stop.set()
        self._thread.join()

    @property
    def rise(self) -> int:
        return self.peak - self.base


def function(tmp_path: Path, top_level: str) -> Path:
    source = tmp_path / "index.js"
    source.write_text(top_level + "\n" + HANDLER)
    return source


def test_top_level_logging_is_read_in_bounded_memory_and_discarded(tmp_path):
    """256 MiB printed while the function loads: the build succeeds and this process holds
    none of it (it kept all of it, twice, as bytes and text)."""
    source = function(tmp_path, "console.log('x'.repeat(1 << 20));")
    build_js(source, out=tmp_path / "warm.wasm")  # what any first build in a process loads is not the rise
    source = function(tmp_path, "for (let i = 0; i < 256; i++) console.log('x'.repeat(1 << 20));")
    with PeakRss() as memory:
        wasm = build_js(source, out=tmp_path / "out.wasm")
    assert wasm.read_bytes()[:4] == b"\0asm"
    assert memory.rise < 64 * MiB, memory.rise


def test_a_failure_after_much_output_is_still_located_and_its_message_bounded(tmp_path):
    source = tmp_path / "index.js"
    source.write_text("for (let i = 0; i < 64; i++) console.error('y'.repeat(1 << 20));\n"
                      "throw new TypeError('late ' + 'z'.repeat(1 << 20));\n")
    with pytest.raises(JsBuildError) as failure:
        build_js(source, out=tmp_path / "out.wasm")
    assert failure.value.summary.startswith("TypeError: late zzz") or \
        failure.value.summary.startswith("index.js:2:"), failure.value.summary[:200]
    assert len(failure.value.summary) <= jsbuild.MAX_SUMMARY + 40
    assert len(str(failure.value)) <= jsbuild.MAX_DETAIL + 40
    assert "yyyy" not in failure.value.summary


def test_the_excerpt_keeps_the_first_and_last_bytes_and_the_warnings():
    warnings: list[str] = []
    excerpt = _Excerpt(warnings)
    excerpt.feed(b"start\n" + jsbuild.WARNING.encode() + b"index.js:1: one\n")
    for _ in range(100):
        excerpt.feed(b"m" * 10_000 + b"\n")
    excerpt.feed(jsbuild.WARNING.encode() + b"index.js:9: " + b"w" * 10_000)
    excerpt.feed(b"\nthe end\n")
    text = excerpt.text()
    assert text.startswith("start\n") and text.endswith("the end\n")
    assert len(text) < 2 * jsbuild.OUTPUT_KEEP + 100 and "bytes of build output left out" in text
    assert warnings[0] == "index.js:1: one"
    assert warnings[1].startswith("index.js:9: www") and warnings[1].endswith("…")
    assert len(warnings[1]) == jsbuild.MAX_LINE + 1


def test_memory_at_build_time_is_capped(tmp_path):
    """19 x 16 MiB kept by the top-level code: the engine's own "out of memory", located, saying
    what the cap is; Wizer stays under it (it grew to ~2 GB). Built in a process of its own, so
    that only this build's Wizer is measured."""
    source = function(tmp_path, "globalThis.keep = [];\n"
                                "for (let i = 0; i < 19; i++) { const b = new Uint8Array(16 << 20); b.fill(1); keep.push(b); }")
    script = ("import json, resource, sys\nfrom pathlib import Path\nfrom edge.js.build import JsBuildError, build_js\n"
              "try:\n    build_js(Path(sys.argv[1]), out=Path(sys.argv[2]))\n    summary = None\n"
              "except JsBuildError as exc:\n    summary = exc.summary\n"
              "print(json.dumps([summary, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n")
    proc = subprocess.run([sys.executable, "-c", script, str(source), str(tmp_path / "out.wasm")],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1])
    summary, wizer_kib = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary is not None and summary.startswith("index.js:2:"), (summary, proc.stderr[-2000:])
    assert "InternalError: out of memory" in summary, summary
    assert "at build time the function loads within a 512 MiB memory cap" in summary
    assert wizer_kib < 600 * 1024, wizer_kib


def test_the_module_is_capped(tmp_path, monkeypatch):
    """Top-level code keeping 3 x 16 MiB: past a 32 MiB cap, refused (Wizer is stopped when its
    file passes the cap); within the default cap (64 MiB), built."""
    source = function(tmp_path, "globalThis.keep = [];\n"
                                "for (let i = 0; i < 3; i++) { const b = new Uint8Array(16 << 20); b.fill(7); keep.push(b); }")
    with pytest.raises(JsBuildError) as failure:
        build_js(source, out=tmp_path / "small.wasm", max_bytes=32 * MiB)
    assert str(failure.value).startswith("the built module is larger than the 32 MiB limit for a module: "), failure.value
    assert not (tmp_path / "small.wasm").exists() and not list(tmp_path.glob(".small.*"))
    monkeypatch.setattr(jsbuild, "_limit", lambda *args: None)  # no resource limits (not Linux): checked after
    with pytest.raises(JsBuildError, match=r"the built module \((\d+\.\d) MiB\) is larger than the 32 MiB limit") as failure:
        build_js(source, out=tmp_path / "small.wasm", max_bytes=32 * MiB)
    assert 48 < float(failure.value.args[0].split("(")[1].split(" ")[0]) < 56  # 48 MiB kept, plus the engine
    monkeypatch.undo()
    wasm = build_js(source, out=tmp_path / "big.wasm")
    assert 48 * MiB < wasm.stat().st_size < 64 * MiB


def test_top_level_time_is_capped(tmp_path):
    source = function(tmp_path, "while (true) {}")
    started = time.monotonic()
    with pytest.raises(JsBuildError, match=r"loading the function took longer than 2 s at build time"):
        build_js(source, out=tmp_path / "out.wasm", timeout=2)
    assert time.monotonic() - started < 10


def test_the_module_is_written_from_the_snapshot_as_before(tmp_path):
    """The streamed writer makes the same bytes as dropping `_initialize` and adding the note in
    memory did."""
    source = function(tmp_path, "const table = Array.from({ length: 1000 }, (_, i) => i * i);")
    wasm = build_js(source, out=tmp_path / "fn.wasm").read_bytes()
    note = read_note(wasm[:4096], BUILD_NOTE)
    assert note is not None
    # a snapshot-like module: the built one without its note, `_initialize` exported again
    body = wasm[8 + 2 + len(BUILD_NOTE) + 1 + len(note):]
    snapshot = tmp_path / "snapshot.wasm"
    exported = _with_export(wasm[:8] + body, "_initialize")
    snapshot.write_bytes(exported)
    _write_module(snapshot, tmp_path / "again.wasm", note)
    expected = with_note(drop_exports(exported, {"_initialize"}), BUILD_NOTE, note)
    assert (tmp_path / "again.wasm").read_bytes() == expected == wasm


def _with_export(wasm: bytes, name: str) -> bytes:
    """`wasm` with one more function export `name` (function 0) in its export section."""
    from edge.js.wasmfile import EXPORT_SECTION, _encode_uleb, read_uleb

    out, pos = bytearray(wasm[:8]), 8
    while pos < len(wasm):
        size, body = read_uleb(wasm, pos + 1)
        end = body + size
        if wasm[pos] == EXPORT_SECTION:
            count, p = read_uleb(wasm, body)
            entry = _encode_uleb(len(name)) + name.encode() + b"\x00" + _encode_uleb(0)
            section = _encode_uleb(count + 1) + wasm[p:end] + entry
            out += bytes([EXPORT_SECTION]) + _encode_uleb(len(section)) + section
        else:
            out += wasm[pos:end]
        pos = end
    return bytes(out)
