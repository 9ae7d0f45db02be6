"""`edge serve` as a process whose stderr is read line by line as it comes (what it says while
it starts: builds, notes, the "serving on" line)."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path


class ServeOutput:
    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None, command: str = "serve") -> None:
        """`args` follow `edge serve` (or `edge <command>`) as given (nothing is added)."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "edge.cli.main", command, *args],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, text: str, timeout: float = 120) -> str:
        """The next line containing `text` (lines before it are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} in {timeout} s: {self.seen}") from None
            if line is None:
                raise AssertionError(f"edge serve ended ({self.proc.wait()}) before {text!r}: {self.seen}")
            self.seen.append(line)
            if text in line:
                return line

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # workers left behind, if any
        return self.proc.returncode


@contextlib.contextmanager
def serve_output(cwd: Path, *args: str, env: dict[str, str] | None = None, command: str = "serve") -> Iterator[ServeOutput]:
    process = ServeOutput(cwd, *args, env=env, command=command)
    try:
        yield process
    finally:
        process.stop()
