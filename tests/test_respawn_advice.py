"""The message of a worker that dies before it finished starting (edge/server/respawn.py): it
said "run edge serve with one worker to see why", circular with one worker; the worker's own
error is printed above it."""

from __future__ import annotations

import logging
import time

from edge.server.respawn import Respawn


def test_a_worker_that_cannot_start_points_at_its_own_error(caplog):
    """The advice was "run edge serve with one worker to see why": circular with one worker."""
    caplog.set_level(logging.ERROR, logger="edge.server")
    assert Respawn().after_death(0, None, time.monotonic(), 1) is None
    assert Respawn().after_death(0, None, time.monotonic(), -9) is None
    failed, killed = [r.getMessage() for r in caplog.records]
    assert failed.endswith("before it finished starting; the server stops (why: the worker's own error, logged "
                           "above)"), failed
    assert "signal 9" in killed and "a signal ended it" in killed, killed
    assert "one worker" not in failed + killed

