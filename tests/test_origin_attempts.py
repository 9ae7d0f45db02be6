"""Connection attempts (CloudFront's ConnectionAttempts and ConnectionTimeout) against real
origins on 127.0.0.1: a port nothing listens on (refused at once), a listener whose accept
queue is full (the kernel drops every SYN: a connect that never completes), an https origin
that cuts its first handshakes, and one whose certificate does not verify; the settings'
refusals in the manifest, the admin API and stored documents; and the cap on the
customHeaders an origin-request function gives the origin.

Attempts are counted from the origin's side (connections accepted) or from `edge logs` (one
line for each failed attempt that was followed by another); times are only generous upper
bounds.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import socket
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from edge.config.errors import ConfigError
from edge.config.manifest import load_manifest
from edge.config.origins import OriginSpec
from edge.config.values import LegacyRead

from .conftest import free_port
from .control_helpers import manifest_text
from .hostile_origin import HostileOrigin, Reader, Writer, wait_for_close
from .test_legacy_store import set_behaviors, start, warnings_about, written
from .test_origin_faults import Trial, error_page

RETRIED = "failed, trying again: "  # the log line of each failed attempt followed by another


@contextlib.contextmanager
def blackholed() -> Iterator[int]:
    """A port whose listener never completes a connection: backlog 0 and one connection
    already queued, so its accept queue is full and the kernel drops every SYN (what a
    firewall that drops packets looks like), on loopback."""
    listener = socket.socket()
    queued: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(8):
            filler = socket.socket()
            filler.settimeout(0.3)
            try:
                filler.connect(("127.0.0.1", port))
            except TimeoutError:  # the queue is full: this SYN was dropped
                filler.close()
                break
            queued.append(filler)
        else:
            raise AssertionError("the listener's accept queue never filled")
        yield port
    finally:
        for sock in queued:
            sock.close()
        listener.close()


SWITCH = """
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const custom = request.origin.custom;
  if (request.uri === '/switch/shape') {
    return {status: '200', statusDescription: 'OK', body: JSON.stringify(custom)};
  }
  custom.port = request.uri === '/switch/declared' ? %(declared)d : %(allowed)d;
  return request;
};
"""

MANIFEST = """
[origins.refused]
url = "http://127.0.0.1:{refused}"

[origins.refused-once]
url = "http://127.0.0.1:{refused_once}"
connection_attempts = 1

[origins.refused-twice]
url = "http://127.0.0.1:{refused_twice}"
connection_attempts = 2
read_timeout = 2
allow_hosts = ["127.0.0.1:{allowed}"]

[origins.blackhole]
url = "http://127.0.0.1:{blackhole}"
connect_timeout = 1
connection_attempts = 2

[origins.healthy]
type = "echo"
{switch}
[[behaviors]]
path = "/healthy"
origin = "healthy"

[[behaviors]]
path = "/blackhole"
origin = "blackhole"
cache = "disabled"

[[behaviors]]
path = "/refused-once"
origin = "refused-once"

[[behaviors]]
path = "*"
origin = "refused"
cache = "disabled"
"""


SWITCHING = """
[functions.switch]
source = "switch/"

[[behaviors]]
path = "/switch/*"
origin = "refused-twice"
origin_request = "switch"
cache = "disabled"
"""


def _dead(edge_factory, tmp_path, switching: bool):  # type: ignore[no-untyped-def]
    with blackholed() as blackhole:
        ports = {"refused": free_port(), "refused_once": free_port(), "refused_twice": free_port(),
                 "allowed": free_port(), "blackhole": blackhole}
        access = tmp_path / "access.log"
        switch = {"switch/index.js": SWITCH % {"declared": ports["refused_once"], "allowed": ports["allowed"]}}
        edge = edge_factory(MANIFEST.format(**ports, switch=SWITCHING if switching else ""),
                            switch if switching else None, access_log=str(access))
        yield Trial(HostileOrigin({}), edge, access)


@pytest.fixture
def dead(edge_factory, tmp_path):  # type: ignore[no-untyped-def]
    """The edge in front of origins that cannot be reached."""
    yield from _dead(edge_factory, tmp_path, switching=False)


@pytest.fixture
def dead_switching(edge_factory, tmp_path):  # type: ignore[no-untyped-def]
    """The same, with an origin-request function on /switch/* (JavaScript: the shape test reads
    the whole origin object it is given) that switches the request to another origin. The tests
    that do not use it go without (it cost each a build, a compile and background Cranelift)."""
    yield from _dead(edge_factory, tmp_path, switching=True)


def attempts_logged(trial: Trial, response: httpx.Response) -> int:
    """How many connection attempts `edge logs` shows for this response: one line for each
    that failed and was followed by another, and the last."""
    return trial.logged(response).count(RETRIED) + 1


def test_a_refused_origin_is_tried_connection_attempts_times_and_each_fails_at_once(dead):
    refused = dead.get("/x")  # CloudFront's default: 3 attempts
    error_page(dead, refused, 502, "OriginConnectError", "unreachable: Connection refused",
               "(after 3 connection attempts)")
    assert attempts_logged(dead, refused) == 3
    logged = dead.logged(refused).splitlines()
    assert logged[0].startswith("(edge) connection attempt 1 of 3 failed, trying again: origin 127.0.0.1:")
    assert logged[1].startswith("(edge) connection attempt 2 of 3 failed, trying again: ")
    assert logged[0].endswith("unreachable: Connection refused")

    once = dead.get("/refused-once")  # connection_attempts = 1: no second try, no count in the message
    error_page(dead, once, 502, "OriginConnectError", "unreachable: Connection refused")
    assert attempts_logged(dead, once) == 1 and "connection attempts" not in dead.logged(once)


def test_many_viewers_on_a_refused_origin_make_three_attempts_each_and_no_more(dead):
    """No storm: 40 viewers at once make 3 instant attempts each, then all have their 502."""
    began = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda n: dead.get(f"/many/{n}"), range(40)))
    assert time.monotonic() - began < 30  # generous: refused connections cost nothing to wait for
    assert [a.status_code for a in answers] == [502] * 40
    assert [attempts_logged(dead, a) for a in answers] == [3] * 40
    dead.still_serving()


def test_a_blackholed_origin_waits_attempts_times_connect_timeout_and_no_longer(dead):
    """connect_timeout = 1, connection_attempts = 2: each viewer waits about 2 s, all at the same
    time, and the worker serves other routes meanwhile (the attempts never hold its loop)."""
    with ThreadPoolExecutor(8) as pool:
        began = time.monotonic()
        waiting = [pool.submit(dead.get, "/blackhole") for _ in range(6)]
        time.sleep(0.2)
        dead.still_serving()  # answered while every blackholed request is still connecting
        assert not any(w.done() for w in waiting)
        answers = [w.result(timeout=30) for w in waiting]
        elapsed = time.monotonic() - began
    assert elapsed < 2 * 1 + 8  # 2 attempts x 1 s, for all six at once; generous (one after the other: 12 s)
    for answer in answers:
        error_page(dead, answer, 504, "OriginCommError", "no connection within 1 s (after 2 connection attempts)")
        assert attempts_logged(dead, answer) == 2


def test_a_switched_origin_is_tried_as_often_as_the_origin_it_switches_to(dead_switching):
    """The function's behavior goes to `refused-twice` (2 attempts). Switched to the declared
    `refused-once`: 1 attempt; to a host `refused-twice` allows: that origin's 2."""
    declared = dead_switching.get("/switch/declared")
    assert declared.status_code == 502 and attempts_logged(dead_switching, declared) == 1, dead_switching.logged(declared)
    allowed = dead_switching.get("/switch/allowed")
    assert allowed.status_code == 502 and attempts_logged(dead_switching, allowed) == 2, dead_switching.logged(allowed)
    assert "(after 2 connection attempts)" in dead_switching.logged(allowed)


def test_the_origin_request_event_shows_the_origin_as_aws_does(dead_switching):
    """No connectionAttempts or connectionTimeout in `origin.custom`: AWS's event has neither."""
    shown = dead_switching.get("/switch/shape").json()
    assert list(shown) == ["customHeaders", "domainName", "keepaliveTimeout", "path", "port", "protocol",
                           "readTimeout", "sslProtocols"]
    assert (shown["readTimeout"], shown["keepaliveTimeout"]) == (2, 5)


# -- what is and is not tried again --------------------------------------------------------------


@pytest.fixture(scope="module")
def ca():  # type: ignore[no-untyped-def]
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


def _server_tls(cert) -> ssl.SSLContext:  # type: ignore[no-untyped-def]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


def _cuts_handshakes(cut: int, tls: ssl.SSLContext):  # type: ignore[no-untyped-def]
    """An https origin that closes its first `cut` connections before the TLS handshake
    completes (a restarting server, a load balancer dropping connections), then answers."""
    order = itertools.count(1)

    async def speak(reader: Reader, writer: Writer) -> None:
        if next(order) <= cut:
            await reader.read(65536)  # the ClientHello: hang up in the middle of the handshake
            return
        await writer.start_tls(tls)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()

    return speak


def _https(edge_factory, tmp_path, ca, port: int, attempts: int):  # type: ignore[no-untyped-def]
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    return edge_factory(f'[origins.tls]\nurl = "https://127.0.0.1:{port}"\nca_file = "ca.pem"\nconnect_timeout = 1\n'
                        f'connection_attempts = {attempts}\nread_timeout = 1\n'
                        '[[behaviors]]\npath = "*"\norigin = "tls"\ncache = "disabled"\n',
                        access_log=str(tmp_path / "access.log"))


@pytest.mark.parametrize("attempts, status", [(3, 200), (2, 502)])
def test_a_tls_handshake_cut_off_is_a_failed_attempt(ca, edge_factory, tmp_path, attempts, status):
    """The first two connections close mid-handshake: the third attempt is answered; with two
    attempts allowed, the viewer gets CloudFront's 502 OriginConnectError."""
    origin = HostileOrigin({}, connection=_cuts_handshakes(2, _server_tls(ca.issue_cert("127.0.0.1")))).start()
    try:
        edge = _https(edge_factory, tmp_path, ca, origin.port, attempts)
        trial = Trial(origin, edge, tmp_path / "access.log")
        answered = edge.get("/x")
        assert origin.accepted == min(attempts, 3)
        if status == 200:
            assert answered.content == b"ok" and attempts_logged(trial, answered) == 3
            assert trial.logged(answered).count("during the TLS handshake") == 2 or \
                trial.logged(answered).count("Connection reset") == 2, trial.logged(answered)
        else:
            error_page(trial, answered, 502, "OriginConnectError", "(after 2 connection attempts)")
    finally:
        origin.stop()


async def _never_answers_the_handshake(reader: Reader, writer: Writer) -> None:
    await wait_for_close(reader)


def test_a_tls_handshake_that_never_completes_is_a_connect_timeout_each_attempt(ca, edge_factory, tmp_path):
    """The TCP connection is made, the ClientHello never answered: each attempt ends after
    connect_timeout (1 s, the TCP connection and the handshake together), then CloudFront's 504."""
    origin = HostileOrigin({}, connection=_never_answers_the_handshake).start()
    try:
        edge = _https(edge_factory, tmp_path, ca, origin.port, 2)
        trial = Trial(origin, edge, tmp_path / "access.log")
        began = time.monotonic()
        timed_out = edge.get("/x")
        assert time.monotonic() - began < 2 * 1 + 8  # generous
        error_page(trial, timed_out, 504, "OriginCommError", "no connection within 1 s (after 2 connection attempts)")
        assert origin.accepted == 2 and origin.settled(0)  # each attempt's connection was closed
    finally:
        origin.stop()


def test_a_certificate_that_does_not_verify_is_not_tried_again(ca, edge_factory, tmp_path):
    # TLS after the TCP connection is counted: the origin's side sees each attempt
    origin = HostileOrigin({}, connection=_cuts_handshakes(0, _server_tls(ca.issue_cert("other.example")))).start()
    try:
        edge = _https(edge_factory, tmp_path, ca, origin.port, 3)
        trial = Trial(origin, edge, tmp_path / "access.log")
        refused = edge.get("/x")
        error_page(trial, refused, 502, "OriginConnectError", "mismatch")
        assert origin.accepted == 1 and RETRIED not in trial.logged(refused)
    finally:
        origin.stop()


async def _silent(reader: Reader, writer: Writer, head: bytes) -> bool:
    await asyncio.sleep(5)
    return False


async def _hang_up(reader: Reader, writer: Writer, head: bytes) -> bool:
    return False


@pytest.mark.parametrize("path, method, status", [("/silent", "GET", 504), ("/hang-up", "GET", 502),
                                                   ("/hang-up", "POST", 502)])
def test_a_request_that_reached_the_origin_is_never_sent_again(edge_factory, tmp_path, path, method, status):
    """Connected, and the request sent: whatever comes next (no answer within read_timeout, the
    connection closed) is not a connection attempt, and the request is not sent again."""
    origin = HostileOrigin({"/silent": _silent, "/hang-up": _hang_up}).start()
    try:
        edge = edge_factory(f'[origins.o]\nurl = "http://127.0.0.1:{origin.port}"\nread_timeout = 1\n'
                            '[[behaviors]]\npath = "*"\norigin = "o"\ncache = "disabled"\n'
                            'methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]\n')
        answered = edge.request(method, path, content=b"body" if method == "POST" else None)
        assert answered.status_code == status
        assert origin.accepted == 1 and len(origin.heads) == 1
    finally:
        origin.stop()


# -- the settings ------------------------------------------------------------------------------


REFUSED_SETTINGS = [
    ({"connection_attempts": 0}, "connection_attempts must be 1, 2 or 3"),
    ({"connection_attempts": 4}, "connection_attempts must be 1, 2 or 3 (how many times the edge tries to connect"),
    ({"connection_attempts": 2.5}, "connection_attempts must be 1, 2 or 3"),
    ({"connection_attempts": "3"}, "got '3'"),
    ({"connection_attempts": True}, "got True"),
    ({"connect_timeout": 0.5}, "connect_timeout must be a number of seconds from 1 to 10 (CloudFront's connection "
                               "timeout, 1-10 s), got 0.5"),
    ({"connect_timeout": 11}, "connect_timeout must be a number of seconds from 1 to 10"),
    ({"connect_timeout": "5"}, "connect_timeout must be a number of seconds from 1 to 10"),
    ({"read_timeout": 0.5}, "read_timeout must be a number of seconds from 1 to 180 (CloudFront's response timeout"),
    ({"read_timeout": 181}, "read_timeout must be a number of seconds from 1 to 180"),
    ({"keepalive_timeout": 61}, "keepalive_timeout must be a number of seconds from 1 to 60"),
]


@pytest.mark.parametrize("setting, said", REFUSED_SETTINGS)
def test_the_manifest_refuses_settings_outside_cloudfronts_ranges(tmp_path, setting, said):
    manifest = tmp_path / "m.toml"
    (key, value), = setting.items()
    manifest.write_text(manifest_text() + f'\n[origins.api]\nurl = "http://127.0.0.1:9"\n{key} = {json.dumps(value)}\n')
    with pytest.raises(ConfigError) as caught:
        load_manifest(manifest)
    assert str(caught.value).startswith(f"{manifest}: [origins.api]: ") and said in str(caught.value)
    if key != "keepalive_timeout":  # an s3 origin's connection is held to the same ranges
        s3 = {"type": "s3", "domain_name": "media.s3.eu-west-1.amazonaws.com", "endpoint": "http://127.0.0.1:9"}
        with pytest.raises(ConfigError, match=key):
            OriginSpec.parse("media", s3 | setting, tmp_path)


def test_settings_within_the_ranges_are_taken(tmp_path):
    spec = OriginSpec.parse("api", {"url": "http://o.example", "connection_attempts": 1, "connect_timeout": 10,
                                    "read_timeout": 180, "keepalive_timeout": 60}, tmp_path)
    assert (spec.connection_attempts, spec.connect_timeout, spec.read_timeout) == (1, 10.0, 180.0)
    default = OriginSpec.parse("api", {"url": "http://o.example"}, tmp_path)
    assert (default.connection_attempts, default.connect_timeout) == (3, 5.0)


def test_a_stored_document_keeps_the_timeouts_earlier_releases_accepted_and_no_others(tmp_path):
    read = LegacyRead("origins")
    spec = OriginSpec.parse("api", {"url": "http://o.example", "connect_timeout": 30, "read_timeout": 0.5}, tmp_path,
                            read)
    assert (spec.connect_timeout, spec.read_timeout) == (30.0, 0.5)
    assert [(v.key, v.value) for v in read.found] == [("connect_timeout", 30), ("read_timeout", 0.5)]
    for never in ({"connect_timeout": 0.01}, {"connect_timeout": 61}, {"read_timeout": 181}, {"connection_attempts": 4}):
        with pytest.raises(ConfigError):
            OriginSpec.parse("api", {"url": "http://o.example", **never}, tmp_path, LegacyRead("origins"))


def test_the_admin_api_refuses_them_and_a_stored_document_serves_as_before(tmp_path, caplog):
    s = start(tmp_path, None)
    site = s.admin.get("/v1/origins").json()["origins"]["site"]
    try:
        for setting, said in REFUSED_SETTINGS:
            api = {"url": "http://127.0.0.1:9", **setting}
            r = s.admin.put("/v1/origins", json={"origins": {"site": site, "api": api}})
            assert (r.status_code, r.json()["error"]["code"]) == (400, "bad_config"), r.text
            assert r.json()["error"]["message"].startswith("[origins.api]: ") and said in r.json()["error"]["message"]
        good = {"url": "http://127.0.0.1:9", "connection_attempts": 2, "connect_timeout": 1}
        assert s.admin.put("/v1/origins", json={"origins": {"site": site, "api": good}}).status_code == 200
        assert s.state.manifest.origins["api"].connection_attempts == 2
    finally:
        s.stop()
    stored = {"url": "http://127.0.0.1:9", "connect_timeout": 30, "read_timeout": 0.5}  # as an earlier release took
    with written(tmp_path, None) as tx:
        set_behaviors(tx, [{"path": "/api/*", "origin": "api"}, {"path": "*", "origin": "site"}],
                      {"site": site, "api": stored})
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, None)
    try:
        api = s.state.manifest.origins["api"]
        assert (api.connect_timeout, api.read_timeout, api.connection_attempts) == (30.0, 0.5, 3)
        [note] = warnings_about(caplog, "connect_timeout must be a number of seconds from 1 to 10")
        assert note.startswith("stored origins: [origins.api]:") and "PUT /v1/origins" in note
        r = s.admin.put("/v1/origins", json={"origins": {"site": site, "api": stored}})
        assert r.status_code == 400 and "connect_timeout must be" in r.json()["error"]["message"]
    finally:
        s.stop()


# -- customHeaders an origin-request function sets ----------------------------------------------

BIG_HEADERS = """
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const size = Number(request.querystring.slice('size='.length));
  request.origin.custom.customHeaders['x-big'] = [{key: 'X-Big', value: 'b'.repeat(size)}];
  return request;
};
"""


def test_customheaders_over_a_request_heads_bound_are_a_validation_error(edge_factory, tmp_path):
    """At most 20,480 bytes as sent (`X-Big: value` and its line end), as a viewer's request
    line and headers; past it the function's result is invalid (502 LambdaValidationError)
    and nothing is sent to the origin."""
    origin = HostileOrigin({}).start()
    try:
        edge = edge_factory(f"""
[origins.api]
url = "http://127.0.0.1:{origin.port}"
[functions.big]
source = "big/"
[[behaviors]]
path = "*"
origin = "api"
origin_request = "big"
cache = "disabled"
forward = {{ query_strings = "all" }}
""", {"big/index.js": BIG_HEADERS})
        trial = Trial(origin, edge, Path("/nonexistent"))
        line = len("X-Big") + len(": \r\n")
        fits = edge.get("/x", params={"size": 20480 - line})
        assert fits.status_code == 200, fits.text
        assert b"\r\nX-Big: " + b"b" * (20480 - line) + b"\r\n" in origin.heads[-1]
        for size in (20480 - line + 1, 1_500_000):
            refused = edge.get("/x", params={"size": size})
            assert refused.status_code == 502 and refused.headers["x-cache"] == "LambdaValidationError from edge"
            said = f"The origin.custom.customHeaders object is {size + line} bytes"
            assert said in trial.logged(refused) and "the maximum is 20480 bytes" in trial.logged(refused)
            assert "[rule: size]" in trial.logged(refused)
        assert origin.accepted == 1  # only the request that fitted left the edge
    finally:
        origin.stop()
