"""Issue 12, item 2: uploads are streamed to a temporary file with the cap enforced while
reading, bounded in number (503 + Retry-After beyond it), WAT is parsed only below its own
cap, and nothing is left behind. (Memory is measured, not asserted: `python -m bench.uploads`.)"""

from __future__ import annotations

import os
import socket
import time

import pytest

from edge.server.uploads import spool_dir

from .control_helpers import TOKEN, ControlServer, generated, manifest_text, padded

KiB = 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("uploads")
    (tmp / "m.toml").write_text(manifest_text())
    s = ControlServer(tmp / "m.toml", tmp / "state", max_upload_bytes=256 * KiB, max_wat_upload_bytes=16 * KiB,
                      max_concurrent_uploads=1).start()
    yield s
    s.stop()


def open_upload(server, name: str, length: int) -> socket.socket:  # type: ignore[no-untyped-def]
    """An upload that announced `length` bytes and sent only its headers (it holds a slot)."""
    sock = socket.create_connection(("127.0.0.1", server.admin_port), timeout=10)
    sock.sendall((f"POST /v1/functions/{name}/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Authorization: Bearer {TOKEN}\r\nContent-Length: {length}\r\n\r\n").encode())
    return sock


def test_uploads_beyond_the_bound_get_503_with_retry_after(server):
    body = padded(generated("slow"), 100 * KiB)
    held = open_upload(server, "slow", len(body))
    try:
        deadline = time.monotonic() + 5
        busy = None
        while time.monotonic() < deadline:
            busy = server.admin.post("/v1/functions/other/versions", content=generated("other"))
            if busy.status_code == 503:
                break
            time.sleep(0.02)  # the held upload may not have reached the handler yet
        assert busy is not None and busy.status_code == 503, busy.text if busy else None
        assert busy.json()["error"]["code"] == "uploads_busy" and busy.headers["retry-after"] == "2"
        assert busy.headers.get("connection") == "close"
        held.sendall(body)  # the held upload completes normally
        reply = held.recv(65536)
        assert reply.startswith(b"HTTP/1.1 201"), reply[:200]
    finally:
        held.close()
    assert server.deploy("other", generated("other"))["version"] == 1  # the slot is free again


def test_streamed_upload_over_the_cap_is_413_and_leaves_no_file(server):
    def chunks():  # no Content-Length: refused while reading
        for _ in range(400):
            yield b"\0" * KiB

    r = server.admin.post("/v1/functions/huge/versions", content=chunks())
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert server.admin.get("/v1/functions/huge").status_code == 404
    spool = spool_dir(server.options.state_dir)
    assert not os.path.isdir(spool) or os.listdir(spool) == []  # temporary files are anonymous


def test_wat_is_parsed_only_below_its_own_cap(server):
    small = generated("wat")
    assert server.deploy("small-wat", small)["version"] == 1
    big = small.replace("(module", "(module\n" + ";; padding\n" * (20 * KiB // 11), 1)
    assert len(big) > 16 * KiB
    r = server.admin.post("/v1/functions/big-wat/versions", content=big.encode())
    assert r.status_code == 413 and "WAT" in r.json()["error"]["message"] and "binary" in r.json()["error"]["message"]
    binary = padded(generated("binary"), 200 * KiB)  # the same size as binary is fine
    assert server.deploy("big-binary", binary)["version"] == 1
    r = server.admin.post("/v1/functions/junk/versions", content=b"not a module")
    assert r.status_code == 400 and r.json()["error"]["code"] == "not_wasm"
