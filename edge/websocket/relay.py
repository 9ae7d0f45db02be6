"""The two-way flow of a proxied WebSocket, once the origin and the viewer both accepted."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .upstream import MAX_MESSAGE

if TYPE_CHECKING:
    from starlette.types import Receive, Send

GOING_AWAY, ABNORMAL_FROM_ORIGIN, TOO_BIG = 1001, 1011, 1009
UNSENDABLE = frozenset({1004, 1005, 1006, 1015})  # codes a close frame may not carry
NO_STATUS, NORMAL = 1005, 1000  # a close frame without a code; the plain end of a conversation
CLOSE_TIMEOUT = 2.0  # seconds a side has to take our close
# A WebSocket with no message either way for this long is closed (1001) on both sides, as
# CloudFront closes idle ones: a viewer that vanished without a close (no server here pings
# viewers) must not hold its connection and an origin socket for the worker's life.
IDLE_SECONDS = 600.0
IDLE_CHECK = 10.0


@dataclass
class Flow:
    """What the access log says of the connection, and when a message last went by."""

    sent: int = 0  # bytes sent to the viewer
    last: float = 0.0  # the event loop's time of the last message, either way
    accepted: bool = False  # the viewer's handshake was answered 101


async def both_ways(receive: Receive, send: Send, origin: Any, flow: Flow, *, idle: float = IDLE_SECONDS,
                    check: float = IDLE_CHECK) -> None:
    """Relay until one side closes (its close code and reason reach the other), a message is
    too big (1009 to both), or nothing moved for `idle` seconds (1001 to both)."""
    loop = asyncio.get_running_loop()
    flow.last = loop.time()
    to_origin = asyncio.ensure_future(_viewer_to_origin(receive, origin, flow))
    to_viewer = asyncio.ensure_future(_origin_to_viewer(origin, send, flow))
    idled = False
    try:
        while not idled:
            done, _ = await asyncio.wait([to_origin, to_viewer], timeout=min(check, idle),
                                         return_when=asyncio.FIRST_COMPLETED)
            if done:
                break
            idled = loop.time() - flow.last > idle
    finally:
        for task in (to_origin, to_viewer):
            task.cancel()
        for task in (to_origin, to_viewer):
            with contextlib.suppress(BaseException):
                await task
    if idled:
        await close_both(send, origin, GOING_AWAY, "idle for too long")
    elif to_origin.done() and not to_origin.cancelled() and to_origin.exception() is None:
        code, reason = to_origin.result()  # the viewer closed (or went away)
        with contextlib.suppress(Exception):
            await origin.close(code=code if code not in UNSENDABLE else GOING_AWAY, reason=reason)
    else:  # the origin closed, failed, or a message was too big
        code, reason = _origin_close(origin)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(send({"type": "websocket.close", "code": code, "reason": reason}), CLOSE_TIMEOUT)


async def close_both(send: Send, origin: Any, code: int, reason: str) -> None:
    """Close the origin (ours to close), then the viewer, each bounded: a server ending its
    connections may never take the viewer's close."""
    with contextlib.suppress(Exception):
        await origin.close(code=code, reason=reason)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(send({"type": "websocket.close", "code": code, "reason": reason}), CLOSE_TIMEOUT)


async def _viewer_to_origin(receive: Receive, origin: Any, flow: Flow) -> tuple[int, str]:
    loop = asyncio.get_running_loop()
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "websocket.disconnect":
            return int(message.get("code") or 1005), str(message.get("reason") or "")
        if kind != "websocket.receive":
            continue
        data = message.get("bytes")
        if data is None:
            data = message.get("text") or ""
        if (len(data) if isinstance(data, bytes) else len(data.encode("utf-8"))) > MAX_MESSAGE:
            # one bound each way (in bytes): the origin's messages are held to it too
            await origin.close(code=TOO_BIG, reason="message too big")
            raise _TooBig()
        flow.last = loop.time()
        await origin.send(data)


async def _origin_to_viewer(origin: Any, send: Send, flow: Flow) -> None:
    loop = asyncio.get_running_loop()
    async for data in origin:
        flow.last = loop.time()
        if isinstance(data, str):
            await send({"type": "websocket.send", "text": data})
            flow.sent += len(data.encode("utf-8"))
        else:
            await send({"type": "websocket.send", "bytes": data})
            flow.sent += len(data)


class _TooBig(Exception):
    pass


def _origin_close(origin: Any) -> tuple[int, str]:
    """What the viewer is told when the origin's side ended: the origin's own close, 1000 for a
    close frame without a code (1005: the origin closed on purpose, it only gave no reason; a
    viewer's close must carry one), or 1011 when no close frame came at all."""
    close = origin.protocol.close_rcvd or origin.protocol.close_sent
    if close is not None and close.code == NO_STATUS:
        return NORMAL, ""
    if close is None or close.code in UNSENDABLE:
        return ABNORMAL_FROM_ORIGIN, "the origin's connection ended"
    return close.code, close.reason
