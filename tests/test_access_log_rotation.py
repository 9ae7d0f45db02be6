"""Access-log rotation with a real `edge serve`: a moved (logrotate `create`) or deleted file is
reopened by every worker on its own, SIGHUP reopens at once and does not stop the server."""

from __future__ import annotations

import json
import os
import signal

import httpx
import pytest

from .conftest import plain_http_tls
from .control_helpers import manifest_text, serving
from .polling import eventually


def lines(path) -> list[dict]:  # type: ignore[no-untyped-def]
    try:
        return [json.loads(line) for line in path.read_text().splitlines()]
    except FileNotFoundError:
        return []


def uris(path) -> set[str]:  # type: ignore[no-untyped-def]
    return {line["uri"] for line in lines(path)}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_rotated_access_log_is_reopened(tmp_path, workers):
    (tmp_path / "m.toml").write_text(manifest_text())
    log = tmp_path / "logs" / "access.log"
    log.parent.mkdir()
    with serving(tmp_path, tmp_path / "m.toml", tmp_path / "state", "--access-log", str(log),
                 "--workers", workers) as server:
        server.wait_ready()
        with httpx.Client(base_url=server.url, timeout=10) as client:
            def get_all(prefix: str, n: int = 8) -> set[str]:
                wanted = {f"/{prefix}-{i}" for i in range(n)}
                for uri in sorted(wanted):
                    with httpx.Client(base_url=server.url, timeout=10, verify=plain_http_tls()) as fresh:  # spread over the workers
                        fresh.get(uri)
                return wanted

            before = get_all("before")
            assert eventually(lambda: before <= uris(log), 10)
            os.rename(log, log.with_name("access.log.1"))  # what logrotate does first
            after = get_all("after")
            assert eventually(lambda: after <= uris(log), 10), uris(log)
            assert before <= uris(log.with_name("access.log.1")) and not (after & uris(log.with_name("access.log.1")))

            log.unlink()  # deleted outright: a new file appears with the next lines
            again = get_all("again")
            assert eventually(lambda: again <= uris(log), 10)

            if workers == "1":  # SIGHUP: the server keeps running, the log is reopened at once
                os.rename(log, log.with_name("access.log.2"))
                os.kill(server.proc.pid, signal.SIGHUP)
                hup = get_all("hup", 2)
                assert eventually(lambda: hup <= uris(log), 10)
                assert server.proc.poll() is None
                assert client.get("/index.html").status_code == 200
