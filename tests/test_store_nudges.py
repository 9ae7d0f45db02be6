"""The embedded store's nudges: a commit wakes the other processes' watchers at once
(edge/control/nudges.py), with real SQLite stores in real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from edge.control.nudges import SUPPORTED, Nudges
from edge.control.sqlite_store import SqliteStore

pytestmark = pytest.mark.skipif(not SUPPORTED, reason="nudges use Linux abstract-namespace sockets")

# A second process that opens the store, listens, says so, and reports whether its wake event
# was set within 20 s. It never polls: a set event can only come from a nudge.
LISTENER = textwrap.dedent("""
    import sys
    from edge.control.sqlite_store import SqliteStore
    store = SqliteStore(sys.argv[1])
    wake = store.wake
    print("listening" if wake is not None else "not listening", flush=True)
    woken = wake is not None and wake.wait(20)
    print("woken" if woken else "not woken", flush=True)
    store.close()
""")


def _listener(directory: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", LISTENER, str(directory)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "listening"
    return proc


def _commit(store: SqliteStore) -> None:
    with store.write() as tx:
        tx.db.execute("UPDATE meta SET value = value WHERE key = 'schema'")


def test_a_commit_wakes_another_process_listening_on_the_same_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store")
    proc = _listener(tmp_path / "store")
    try:
        markers = os.listdir(tmp_path / "store" / "nudges")
        assert markers == [str(proc.pid)]  # how writers find it
        _commit(store)
        out, _ = proc.communicate(timeout=30)
        assert out.strip() == "woken"
        assert os.listdir(tmp_path / "store" / "nudges") == []  # it removed its marker when it closed
    finally:
        proc.kill()
        store.close()


def test_another_stores_commit_does_not_wake_it(tmp_path: Path) -> None:
    """The socket's name is the store's: a commit to another state directory nudges nobody here."""
    other = SqliteStore(tmp_path / "other")
    proc = _listener(tmp_path / "store")
    try:
        _commit(other)
        time.sleep(0.5)  # nothing to wait for but a nudge that must not come
        assert proc.poll() is None
        SqliteStore(tmp_path / "store").close()  # opening and closing a store nudges nobody either
        _commit(SqliteStore(tmp_path / "store"))
        out, _ = proc.communicate(timeout=30)
        assert out.strip() == "woken"
    finally:
        proc.kill()
        other.close()


def test_a_dead_processs_marker_is_removed_by_the_next_commit(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store")
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                              check=True).stdout.strip()
        nudges = tmp_path / "store" / "nudges"
        nudges.mkdir(exist_ok=True)
        (nudges / dead).touch()  # a worker killed without closing its store
        (nudges / "not-a-pid").touch()  # what is not a marker is left alone
        _commit(store)
        assert sorted(os.listdir(nudges)) == ["not-a-pid"]
    finally:
        store.close()


def test_a_commit_with_nobody_listening_and_a_closed_listener_are_quiet(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store")
    try:
        _commit(store)  # no nudges directory yet: nothing to do
        assert store.wake is not None  # this process listens
        nudges = Nudges(tmp_path / "store")
        nudges.announce()  # its own pid: never nudges itself
        assert not store.wake.is_set()
    finally:
        store.close()
    assert os.listdir(tmp_path / "store" / "nudges") == []


def test_a_flood_of_nudges_ticks_the_watcher_at_most_every_min_wake_gap(tmp_path, monkeypatch):
    """Anyone on the host can send the datagrams: a flood wakes the watcher, which still ticks
    (reads the store) at most once per MIN_WAKE_GAP, not once per datagram."""
    import socket

    from edge.control import nudges, watcher

    from .control_helpers import ControlServer, manifest_text

    ticks: list[float] = []
    real_tick = watcher.Watcher.tick

    def counted(self: watcher.Watcher) -> None:
        ticks.append(time.monotonic())
        real_tick(self)

    monkeypatch.setattr(watcher.Watcher, "tick", counted)
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        store_dir = tmp_path / "state" / "store"
        assert str(os.getpid()) in os.listdir(store_dir / "nudges")  # this process's watcher listens
        address = nudges._address(Nudges(store_dir).tag, os.getpid())
        before = len(ticks)
        started = time.monotonic()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            for _ in range(2000):
                try:
                    sock.sendto(b"!", address)
                except BlockingIOError:
                    time.sleep(0.001)
        time.sleep(0.3)
        elapsed = time.monotonic() - started
        flood_ticks = len(ticks) - before
        assert flood_ticks <= elapsed / watcher.MIN_WAKE_GAP + 2, (flood_ticks, elapsed)
        assert flood_ticks >= 1  # woken all the same
    finally:
        server.stop()
