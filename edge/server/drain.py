"""Graceful stop, the same under every ASGI server and worker count.

From the stop signal on, a worker keeps its listeners open but answers every new request
with 503 and `Connection: close` (`/readyz` answers 503 `stopping`), and adds
`Connection: close` to the responses of requests already in flight, which may finish within
the grace period. Past it, each request still running is cut: answered 503 if nothing was
sent yet, else its connection is closed, with one log line each. Then the server is told it
may shut down (edge/server/servers.py wires each server to `Drain.finished`).

Endless responses (a log follow) end at the signal: they have no natural end to wait for.
"""

from __future__ import annotations

import asyncio
import logging
import time

log = logging.getLogger("edge.server")


class InFlight:
    """One request being served: its task (to cut it), what to name it in the log, and
    whether its response has started. (A plain slotted class: one is made per request.)"""

    __slots__ = ("task", "method", "path", "started", "endless", "response_started", "cut", "client", "why")

    def __init__(self, task: asyncio.Task | None, method: str, path: str, *, endless: bool = False,
                 client: tuple[str, int] | None = None) -> None:
        self.task = task
        self.client = client  # the peer address, so idle connections can be told from busy ones (reaper.py)
        self.method = method
        self.path = path
        self.started = time.monotonic()
        self.endless = endless
        self.response_started = False
        self.cut = False
        self.why = ""  # why it was cut (the grace period ended, or the stop was hurried)

    def survives_cut(self) -> bool:
        """Inside `except CancelledError`: True, with the task's cancellation taken back, when the
        drain cut this request (the caller answers and ends it); False for a cancellation from
        elsewhere, which the caller re-raises."""
        if not self.cut:
            return False
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        return True


class Drain:
    """The worker's stop state. Event-loop only (the signal hooks hop over to the loop)."""

    def __init__(self, grace: float = 10.0) -> None:
        self.grace = grace
        self.stopping = False
        self.requests: set[InFlight] = set()
        self._idle: asyncio.Event | None = None
        self._finished: asyncio.Event | None = None
        self._hurry: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self.loop: asyncio.AbstractEventLoop | None = None  # the worker's loop, once a request came (reaper.py)

    # -- requests ------------------------------------------------------------------------

    def enter(self, method: str, path: str, *, endless: bool = False, client: tuple[str, int] | None = None) -> InFlight:
        task = asyncio.current_task()
        request = InFlight(task, method, path, endless=endless, client=client)  # type: ignore[arg-type]
        self.requests.add(request)
        if self.loop is None and task is not None:
            self.loop = task.get_loop()
        if self._idle is not None:
            self._idle.clear()
        return request

    def leave(self, request: InFlight) -> None:
        self.requests.discard(request)
        if not self.requests and self._idle is not None:
            self._idle.set()

    # -- stopping ------------------------------------------------------------------------

    def begin(self) -> None:
        """Start draining (idempotent): called from the server's stop signal."""
        if self.stopping:
            return
        self.stopping = True
        self._idle = asyncio.Event()
        self._finished = asyncio.Event()
        self._hurry = asyncio.Event()
        if not self.requests:
            self._idle.set()
        log.info("stopping: %d request(s) in flight, %.1f s grace period", len(self.requests), self.grace)
        for request in list(self.requests):
            if request.endless:
                self._cut(request, quiet=True)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def finished(self) -> None:
        """Until the drain is over (every request done, or cut after the grace period)."""
        while self._finished is None:
            await asyncio.sleep(0.05)
        await self._finished.wait()

    def hurry(self) -> None:
        """End the grace period now (a second Ctrl-C): cut what is still running."""
        if self._hurry is not None:
            self._hurry.set()

    async def _run(self) -> None:
        assert self._idle is not None and self._finished is not None and self._hurry is not None
        idle, hurry = asyncio.ensure_future(self._idle.wait()), asyncio.ensure_future(self._hurry.wait())
        await asyncio.wait([idle, hurry], timeout=self.grace, return_when=asyncio.FIRST_COMPLETED)
        hurried = hurry.done() and not idle.done()
        hurry.cancel()
        if not idle.done():
            idle.cancel()
            why = "the stop was hurried (a second interrupt)" if hurried else \
                f"it outlived the {self.grace:.1f} s grace period"
            for request in list(self.requests):
                self._cut(request, why=why)
            try:  # the cut requests answer and unwind (a request that ignores it is left)
                await asyncio.wait_for(self._idle.wait(), 2.0)
            except asyncio.TimeoutError:
                pass
        self._finished.set()

    def _cut(self, request: InFlight, quiet: bool = False, why: str = "") -> None:
        request.cut = True
        request.why = why or f"it outlived the {self.grace:.1f} s grace period"
        if not quiet:
            log.warning(
                "stopping: cut %s %s after %.1f s in flight: %s (%s)",
                request.method, request.path, time.monotonic() - request.started, request.why,
                "connection closed mid-response" if request.response_started else "answered 503",
            )
        if request.task is not None:  # a server that runs requests outside asyncio tasks: nothing to cut
            request.task.cancel()


# The sentence of the edge's error page (guard_page.py) answering a request cut before its response started
CUT_SENTENCE = "The server is stopping, and this request did not finish before it had to stop. Try again."


def cut_detail(request: InFlight, behavior: str | None) -> str:
    """What the operator reads of a cut request (its error page with debug, `edge logs`)."""
    served = f" (behavior {behavior!r})" if behavior is not None else ""
    return (f"{request.method} {request.path}{served} was cut while the server stopped: {request.why}; "
            "nothing of its response had been sent")


_process_drain: Drain | None = None


def set_process_drain(drain: Drain) -> None:
    """The drain of the app a server process runs (`app_from_env`): what its stop hooks drive."""
    global _process_drain
    _process_drain = drain


def process_drain() -> Drain | None:
    return _process_drain
