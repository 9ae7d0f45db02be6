"""The `edge` console script's first step. The command line's modules (the server, wasmtime,
the control plane) take a moment to load; a Ctrl-C in that moment ends `edge` as a program
stopped by SIGINT does, with one line instead of a Python traceback."""

from __future__ import annotations

import os
import signal
import sys


def stop_by_sigint(message: str = "edge: stopped while starting") -> None:
    """End this process as SIGINT's default action does, so a shell or supervisor sees a stop
    (status 130 in a shell), not a failure; returns only where the signal could not end it."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)


def main() -> None:
    try:
        from .main import main as run
    except KeyboardInterrupt:
        stop_by_sigint()
        raise
    run()


if __name__ == "__main__":
    # `python -m edge.cli.entry`, as the console script (`edge dev` starts its server so): the
    # worker processes `edge serve` spawns import the module they were started from again,
    # and this one loads no command.
    main()
