"""JavaScript uploads to the admin API: a Lambda-style .zip or a single .js/.mjs file is built
into a Wasm module on the server (edge.js), off the event loop and at most two at a time.

Detection, in order: a zip archive's magic bytes; `?filename=` ending in .zip/.js/.mjs/.cjs; a
JavaScript Content-Type; else text that is not WebAssembly text but reads like a Node handler.
Anything else is passed through as .wasm/.wat bytes, as before.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from ..control.errors import ControlError

ZIP_MAGIC = b"PK\x03\x04"
JS_TYPES = ("application/javascript", "text/javascript", "application/x-javascript", "application/ecmascript")
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
MAX_CONCURRENT_BUILDS = 2
_HANDLER_HINT = re.compile(rb"\b(exports\.|module\.exports|export\s+(const|async|function|default|\{)|require\s*\()")
_WAT_START = re.compile(rb"^\s*(;;[^\n]*\n\s*|\(;.*?;\)\s*)*\(", re.S)
_builds: dict[int, asyncio.Semaphore] = {}


def upload_kind(body: bytes, content_type: str | None, filename: str | None) -> str | None:
    """'zip', 'js' or 'mjs' for a JavaScript upload; None for a Wasm module (binary or WAT)."""
    if body[:4] == b"\0asm":
        return None
    if body[:4] == ZIP_MAGIC:
        return "zip"
    name = (filename or "").lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(".mjs"):
        return "mjs"
    if name.endswith((".js", ".cjs")):
        return "js"
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in ZIP_TYPES:
        return "zip"
    if ctype in JS_TYPES:
        return "mjs" if re.search(rb"^\s*(export|import)\s", body, re.M) else "js"
    if not _WAT_START.match(body) and _HANDLER_HINT.search(body):
        return "mjs" if re.search(rb"^\s*(export|import)\s", body, re.M) else "js"
    return None


def _build(body: bytes, kind: str, handler: str | None) -> bytes:
    from ..js.build import JsBuildError, build_js

    with tempfile.TemporaryDirectory(prefix="edge-upload-") as tmp:
        source = Path(tmp) / ("function.zip" if kind == "zip" else f"index.{kind}")
        source.write_bytes(body)
        out = Path(tmp) / "function.wasm"
        try:
            return build_js(source, out=out, handler=handler or "index.handler").read_bytes()
        except JsBuildError as exc:
            raise ControlError(422, "build_failed", f"the JavaScript function did not build: {exc}") from None


build = _build  # blocking: the upload pipeline (edge/server/uploads.py) calls it off the event loop


def toolchain_missing() -> str | None:
    """What to install when JavaScript cannot be built here, or None."""
    from ..js import engine

    if engine.engine_path().exists():
        return None
    try:
        import ziglang  # noqa: F401
    except ImportError:
        return ("JavaScript uploads are built on the server, which needs the JavaScript toolchain: "
                "pip install 'edge-wasm[build]' on the server (or build locally with `edge build` and upload the .wasm)")
    return None


async def module_bytes(body: bytes, content_type: str | None, filename: str | None, handler: str | None) -> bytes:
    """The Wasm module for an upload: JavaScript is built (bounded concurrency), the rest passes through."""
    kind = upload_kind(body, content_type, filename)
    if kind is None:
        return body
    missing = toolchain_missing()
    if missing:
        raise ControlError(422, "js_toolchain_missing", missing)
    loop = asyncio.get_running_loop()
    gate = _builds.setdefault(id(loop), asyncio.Semaphore(MAX_CONCURRENT_BUILDS))
    async with gate:
        return await asyncio.to_thread(_build, body, kind, handler)
