"""The functions a benchmark run deploys (through the admin API's upload endpoint).

- static-content: the C sample `samples/static-content` (a generated response), built with
  the toolchain when its .wasm is missing or stale;
- passthrough request/response hooks and an infinite loop: WAT modules from tests/modules.py;
- a ~100 KB module that answers with a tag (bench/deploy.py), for deploy-to-serve.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STATIC_CONTENT = REPO / "samples" / "static-content"

if str(REPO) not in sys.path:  # tests.modules lives in the source tree, not in the installed package
    sys.path.insert(0, str(REPO))


def static_content() -> bytes:
    from edge.toolchain import build, needs_build, output_path

    wasm = output_path(STATIC_CONTENT)
    if needs_build(STATIC_CONTENT, wasm):
        build(STATIC_CONTENT, out=wasm)
    return wasm.read_bytes()


def _leb128(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def with_tag(wasm: bytes, tag: str) -> bytes:
    """The same module plus a custom section naming `tag`: new bytes (a new sha256, so the
    server compiles it), identical behaviour."""
    name = b"edge-bench"
    payload = _leb128(len(name)) + name + tag.encode()
    return wasm + b"\x00" + _leb128(len(payload)) + payload


def pass_request() -> str:
    from tests.modules import passthrough

    return passthrough("request")


def pass_response() -> str:
    from tests.modules import passthrough

    return passthrough("response")


def infinite_loop() -> str:
    from tests.modules import INFINITE_LOOP

    return INFINITE_LOOP


def tagged_100kb(tag: str) -> bytes:
    from bench.deploy import module

    return module(tag)
