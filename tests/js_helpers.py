"""Building the JavaScript test functions (tests/js/*) once per test module, into a temp dir.

The engine is built once per machine (cached under ~/.cache/edge-wasm/js, or EDGE_JS_CACHE);
each function then takes about a second (Wizer)."""

from __future__ import annotations

from pathlib import Path

from edge.js.build import build_js

JS = Path(__file__).resolve().parent / "js"


def build(name: str, out_dir: Path, handler: str | None = None, source: Path | None = None) -> Path:
    suffix = f"-{handler.replace('.', '-')}" if handler else ""
    return build_js(source or JS / name, out=out_dir / f"{name}{suffix}.wasm", handler=handler)
