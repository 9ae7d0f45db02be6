"""A stop signal that a thread other than the main one takes is acted on at once."""

from __future__ import annotations

import subprocess
import sys

TAKEN_BY_ANOTHER_THREAD = (
    "import os, signal, sys, threading, time\n"
    "from edge.server.signal_relay import relay_signals\n"
    "stopped = threading.Event()\n"
    "signal.signal(signal.SIGTERM, lambda *_: stopped.set())  # as Granian's main process does\n"
    "if sys.argv[1] == 'relay':\n"
    "    assert relay_signals(stopped.set)\n"
    "main = threading.main_thread().ident\n"
    "def send_once_main_waits():\n"
    "    # Sent while the main thread already waits in the lock (sent earlier, the main thread could\n"
    "    # run the handler between two of its own bytecodes before it waits, as a loaded CI did).\n"
    "    while sys._current_frames()[main].f_code.co_name != 'wait':\n"
    "        time.sleep(0.01)\n"
    "    time.sleep(0.2)\n"
    "    os.kill(os.getpid(), signal.SIGTERM)  # this thread takes it: the main thread blocks it\n"
    "    time.sleep(30)\n"
    "threading.Thread(target=send_once_main_waits, daemon=True).start()\n"
    "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # the kernel must hand it to another thread\n"
    "print('stopped' if stopped.wait(3) else 'still waiting', flush=True)\n"
)


def test_a_signal_another_thread_takes_reaches_the_stop_at_once() -> None:
    """Python runs a signal's handler only in the main thread, when it next runs: a main thread
    waiting in a lock (Granian's, for its workers) learned of a stop only when something else
    woke it. The relay acts on it while the main thread still waits (its handler has not run)."""
    for relay, expected in (("none", "still waiting"), ("relay", "stopped")):
        done = subprocess.run([sys.executable, "-c", TAKEN_BY_ANOTHER_THREAD, relay], capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected, relay


def test_the_relay_is_set_up_only_from_the_main_thread() -> None:
    code = ("import threading\nfrom edge.server.signal_relay import relay_signals\nout = []\n"
            "t = threading.Thread(target=lambda: out.append(relay_signals(lambda: None))); t.start(); t.join()\n"
            "print(out)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "[False]", done.stderr
