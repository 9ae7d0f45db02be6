"""The app's startup and shutdown, as ASGI's lifespan protocol gives them."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


class LifespanFailed(Exception):
    """The app could not start (its message says why)."""


class Lifespan:
    """Runs the app's lifespan: `startup()` before serving, `shutdown()` after."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.error: BaseException | None = None

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        try:
            await self.app(scope, self.inbox.get, self.replies.put)
        except BaseException as exc:  # noqa: BLE001 - told to startup()'s caller
            self.error = exc
        finally:
            await self.replies.put({"type": "lifespan.ended"})

    async def startup(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._main())
        await self.inbox.put({"type": "lifespan.startup"})
        reply = await self.replies.get()
        if reply["type"] == "lifespan.startup.complete":
            return
        if reply["type"] == "lifespan.startup.failed":
            raise LifespanFailed(reply.get("message") or "the app failed to start")
        raise LifespanFailed(f"the app failed to start: {self.error!r}") from self.error

    async def shutdown(self, timeout: float = 30.0) -> None:
        if self.task is None or self.task.done():
            return
        await self.inbox.put({"type": "lifespan.shutdown"})
        with contextlib.suppress(asyncio.TimeoutError):
            async with asyncio.timeout(timeout):
                while True:
                    reply = await self.replies.get()
                    if reply["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed", "lifespan.ended"):
                        break
