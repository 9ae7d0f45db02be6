"""The built-in HTTP/1.1 front door: viewers' connections served in the worker's own event loop.

Granian, Hypercorn and uvicorn hand every request to the app across an ASGI boundary that, for
Granian, also crosses threads (a wake-up of its Rust thread per response). This server parses
requests with `httptools` (llhttp, C) in an `asyncio.Protocol` on the worker's loop and writes
each response with one `transport.write`: no second thread, no per-request stream objects.
It still speaks ASGI to the app (the same `Guard` and `Front`), so every check the app makes
holds here too. HTTP/1.0 and 1.1, keep-alive and pipelining, request bodies with flow
control, `Expect: 100-continue`, chunked responses, TLS; no HTTP/2 (use Granian for that).

- `http1.py`: one connection and its requests (`Connection`, `Exchange`).
- `server.py`: the listeners, the bound on open connections, idle connections and the stop.
- `lifespan.py`: the app's startup and shutdown (ASGI lifespan).
- `status.py`: status lines.
"""

from .lifespan import Lifespan, LifespanFailed
from .server import HttpServer

__all__ = ["HttpServer", "Lifespan", "LifespanFailed"]
