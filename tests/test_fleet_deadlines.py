"""The store's answer deadlines (edge/fleet/answers.py) against descriptor numbers: libpq
closes its socket itself when the server hangs up, and the number may go to another thread's
socket or file before the waiting thread disarms; and a watchdog turn that fails must not end
the watchdog (every later wait would be unbounded)."""

from __future__ import annotations

import os
import socket
import time
from types import SimpleNamespace

import pytest

from edge.fleet import answers

pytestmark = pytest.mark.timeout(30)


def _talks(a: socket.socket, b: socket.socket) -> bool:
    a.settimeout(1)
    b.settimeout(1)
    try:
        b.sendall(b"ping")
        a.sendall(b"pong")
        return a.recv(4) == b"ping" and b.recv(4) == b"pong"
    except OSError:
        return False


def test_a_deadline_never_shuts_down_a_descriptor_number_reused_by_another_socket():
    """libpq closes its socket itself when the server hangs up, while the wait is still armed;
    another thread's new socket (a pool's reconnection, a viewer's connection) may get the same
    number before the waiting thread disarms. The deadline ends the connection's own socket
    (held as a duplicate since arm), never that one; and a number reused by a file leaks nothing."""
    deadlines = answers.Deadlines()
    own, peer = socket.socketpair()
    fake = SimpleNamespace(pgconn=SimpleNamespace(socket=own.fileno()))
    token = deadlines.arm(fake, 0.2)  # type: ignore[arg-type]
    number = own.fileno()
    other, other_peer = socket.socketpair()
    own.close()  # libpq closes its descriptor (the server hung up)
    os.dup2(other.fileno(), number)  # another thread's new socket gets the number
    reused = socket.socket(fileno=number)
    try:
        time.sleep(0.5)  # the deadline passes
        assert _talks(reused, other_peer), "the deadline shut down a socket that was not the connection's"
        assert peer.recv(16) == b""  # the connection's own socket was ended (end-of-file at the server)
        fired = deadlines.disarm(token)
        assert fired is not None
        assert _talks(reused, other_peer)
    finally:
        for sock in (reused, other, other_peer, peer):
            sock.close()

    # a number reused by a file: the duplicate is closed at disarm, whatever the number became
    own, peer = socket.socketpair()
    before = len(os.listdir("/proc/self/fd"))
    token = deadlines.arm(SimpleNamespace(pgconn=SimpleNamespace(socket=own.fileno())), 0.1)  # type: ignore[arg-type]
    number = own.fileno()
    with open(os.devnull, "rb") as file:
        own.close()
        os.dup2(file.fileno(), number)  # the number is now a file's
        try:
            time.sleep(0.3)
            assert deadlines.disarm(token) is not None
            assert os.read(number, 1) == b""  # still the file, untouched
        finally:
            os.close(number)
    peer.close()
    assert len(os.listdir("/proc/self/fd")) <= before - 2  # own and peer gone, no duplicate left


def test_the_watchdog_outlives_a_failing_turn(monkeypatch, caplog):
    """A turn of the watchdog that raises is logged and the watchdog goes on: later deadlines
    still fire (before, its thread died and every later wait was unbounded)."""
    deadlines = answers.Deadlines()
    tick = answers.Deadlines._tick
    failures = [RuntimeError("a bad turn")]

    def flaky(self):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        tick(self)

    monkeypatch.setattr(answers.Deadlines, "_tick", flaky)
    own, peer = socket.socketpair()
    try:
        token = deadlines.arm(SimpleNamespace(pgconn=SimpleNamespace(socket=own.fileno())), 0.3)  # type: ignore[arg-type]
        peer.settimeout(3)
        assert peer.recv(16) == b""  # shut down at its deadline
        assert deadlines.disarm(token) is not None
        assert "a bad turn" in caplog.text
    finally:
        own.close()
        peer.close()


