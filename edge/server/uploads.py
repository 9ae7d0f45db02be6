"""Module uploads through the admin API, in bounded memory.

One small pipeline per upload:

    receive (to an anonymous temporary file, the size cap enforced while reading)
      -> detect its kind (its first bytes, Content-Type, `?filename=`)
      -> module bytes (the kind's builder: a binary as it is, JavaScript built by edge.js
         (edge/server/jsupload.py), WAT parsed below its own cap)

Nothing of the body is held in memory while it arrives, so a slow or huge upload costs disk,
not RAM. Three bounds keep the rest in check: at most `max_concurrent` uploads in progress per
worker (beyond it: 503 with Retry-After); building module bytes and compiling them runs
within a memory budget (the sum of the uploads being built, by their kind's cost per byte),
so four 60 MB uploads sent at once are built one after the other instead of all at once, and
an upload that waits for the budget longer than `queue_wait` gets 503 with Retry-After; and a
kind may limit how many of its builds run at once (JavaScript: `max_js_builds`, beyond it 503
at once, the turn taken before any of its work starts). A JavaScript build runs in processes
of its own (edge/server/jsupload.py: the Python parts, then Wizer, with their own time, memory
and output caps), so it is charged only its source in the budget: a WAT or Wasm deploy never
waits behind one, and the worker's GIL is never held by a build's scans. Detection and building
run on the worker's own upload threads (`Uploads.run`), never the event loop's default executor
the static origin shares. A binary or WAT module whose imports or exports cannot run here is
refused before it is compiled (modulecheck.py). After a large upload, or one that built a large
module, the freed heap is handed back to the operating system (`malloc_trim`).

Another kind of upload is one more entry in `KINDS`.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import ctypes
import ctypes.util
import logging
import os
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import wasmtime

from ..control.errors import ControlError, bad_request
from ..runtime.module import NotWasm, to_wasm
from .modulecheck import precheck

log = logging.getLogger("edge.admin")

MiB = 1024 * 1024
HEAD_BYTES = 512  # what kind detection sees
RETRY_AFTER = "2"
TRIM_ABOVE = 4 * MiB  # uploads above this give their freed memory back at once
SNIFF_BYTES = 4 * MiB  # text up to this size is read whole to tell JavaScript from WAT


@dataclass
class Upload:
    """A received body: an unlinked temporary file (gone with its last descriptor, even after
    a crash), its size and first bytes, and what the client said it was."""

    file: IO[bytes]
    size: int
    head: bytes
    content_type: str = ""
    filename: str | None = None  # `?filename=`: names a JavaScript upload's kind
    handler: str | None = None  # `?handler=`: a JavaScript function's entry point
    kind: "ModuleKind | None" = None  # detected once
    subtype: str | None = None  # what the kind's detection found (JavaScript: zip, js, mjs or script)
    cancelled: threading.Event = field(default_factory=threading.Event)  # set when the client went away

    def read(self) -> bytes:
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        self.file.close()


@dataclass(frozen=True)
class ModuleKind:
    """One kind of upload: how to recognise it, its own size cap, the memory building it takes
    per byte of upload (for the build budget), and the builder that makes module bytes."""

    name: str
    matches: Callable[[Upload], bool]
    build: Callable[[Upload, "UploadSettings"], bytes]
    cost: Callable[[Upload, "UploadSettings"], int] = lambda upload, settings: upload.size
    max_bytes: Callable[["UploadSettings"], int] = lambda settings: settings.max_bytes
    at_once: Callable[["UploadSettings"], int] | None = None  # builds of this kind at once per worker
    label: str = ""  # the kind in messages (default: its name)


@dataclass(frozen=True)
class UploadSettings:
    max_bytes: int = 64 * MiB  # any upload
    max_wat_bytes: int = 4 * MiB  # WAT text: parsing takes ~8x its size in memory
    max_concurrent: int = 16  # uploads in progress per worker; beyond: 503 + Retry-After
    build_budget: int = 64 * MiB  # bytes x cost being built at once per worker
    queue_wait: float = 15.0  # seconds an upload may wait for the build budget; then 503 + Retry-After
    max_js_builds: int = 2  # JavaScript builds at once per worker; beyond: 503 + Retry-After
    threads: int = 2  # the worker's upload threads besides one per JavaScript build (which waits on its process)
    spool_dir: str | None = None  # temporary files (default: the system's)


def _binary(upload: Upload, settings: UploadSettings) -> bytes:
    return upload.read()


def _wat(upload: Upload, settings: UploadSettings) -> bytes:
    if upload.size > settings.max_wat_bytes:
        if not _utf8(upload):  # text at first, binary further on: say what it is, not that it is long
            raise _neither(upload, binary=True)
        raise ControlError(
            413, "too_large",
            f"WAT text of {upload.size} bytes is larger than the {settings.max_wat_bytes}-byte limit for text "
            "modules: upload the binary (.wasm, e.g. from `wat2wasm` or `edge build`)",
        )
    data = upload.read()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise _neither(upload, binary=True) from None
    try:
        return to_wasm(data)
    except NotWasm as exc:
        raise bad_request(str(exc), "not_wasm") from None


def _text_head(upload: Upload) -> str | None:
    """The upload's first bytes as text, or None if they cannot be text (not UTF-8, or a NUL)."""
    if b"\0" in upload.head:
        return None
    try:  # the head may end inside a character: only a whole upload must end on one
        return codecs.getincrementaldecoder("utf-8")().decode(upload.head, final=upload.size <= HEAD_BYTES)
    except UnicodeDecodeError:
        return None


def _looks_like_wat(upload: Upload) -> bool:
    """Text that starts as WebAssembly text does (past whitespace and `;;`/`(; ;)` comments:
    `(module`, `(component` or a module field such as `(func`), or whose comments run past the
    bytes seen. Text such as `(function () { ... })()` is not."""
    from . import jsupload

    return _text_head(upload) is not None and jsupload.looks_like_wat(upload.head)


def _utf8(upload: Upload) -> bool:
    """Whether the whole upload is UTF-8 text (read in pieces, nothing kept)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.file.seek(0)
    try:
        while chunk := upload.file.read(MiB):
            if b"\0" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _neither(upload: Upload, *, binary: bool) -> ControlError:
    what = ("it is binary data (not UTF-8 text)" if binary else
            "it is text, but neither WAT (which starts with `(module`, past comments) nor JavaScript (no handler "
            "found: name a JavaScript upload with ?filename=name.js, ?filename=name.mjs or ?filename=name.zip)")
    return bad_request(
        f"the upload of {upload.size} bytes is not a WebAssembly module (it does not start with the \\0asm magic "
        f"bytes), nor WAT text, nor JavaScript: {what}. Send a .wasm module, WAT text, or JavaScript (.js/.mjs, "
        "or a Lambda-style .zip)", "not_wasm")


def _unknown(upload: Upload, settings: UploadSettings) -> bytes:
    raise _neither(upload, binary=_text_head(upload) is None)


def _is_javascript(upload: Upload) -> bool:
    """Whether the upload is JavaScript; a .js file's module syntax is looked for in the build's
    own process (`script`): that reads all its code, which detection, in the worker, never does."""
    from . import jsupload

    complete = upload.size <= SNIFF_BYTES
    sample = upload.read() if complete else upload.head
    upload.subtype = jsupload.upload_kind(sample, upload.content_type, upload.filename, complete, classify=False)
    return upload.subtype is not None


def _javascript(upload: Upload, settings: UploadSettings) -> bytes:
    from . import jsupload

    missing = jsupload.toolchain_missing()
    if missing:
        raise ControlError(422, "js_toolchain_missing", missing)
    sniff = None if upload.size <= SNIFF_BYTES else HEAD_BYTES  # what detection would have read
    return jsupload.build(upload.file, upload.subtype or "js", upload.handler, settings.max_bytes,
                          cancelled=upload.cancelled, sniff=sniff)


WASM = ModuleKind("wasm", lambda upload: upload.head.startswith(b"\0asm"), _binary)
# A JavaScript build's memory is Wizer's, a process of its own with its own caps (time, memory, a
# module of at most max_bytes): in the budget it costs its source; at most max_js_builds at once.
JAVASCRIPT = ModuleKind("javascript", _is_javascript, _javascript, at_once=lambda settings: settings.max_js_builds,
                        label="JavaScript")
# what is none of these: refused, naming what it is (a binary file was once told it was WAT text too large)
UNKNOWN = ModuleKind("unknown", lambda upload: not _looks_like_wat(upload), _unknown, cost=lambda upload, settings: 0)
WAT = ModuleKind("wat", lambda upload: True, _wat, cost=lambda upload, settings: 8 * upload.size)

# First match wins; WAT last: it takes text that starts as WAT does (and names the parse error).
KINDS: list[ModuleKind] = [WASM, JAVASCRIPT, UNKNOWN, WAT]


def detect_kind(upload: Upload) -> ModuleKind:
    if upload.kind is None:
        upload.kind = next(kind for kind in KINDS if kind.matches(upload))
    return upload.kind


class Uploads:
    """The worker's upload bounds: a count of uploads in progress and the build budget."""

    def __init__(self, settings: UploadSettings) -> None:
        self.settings = settings
        self.in_progress = 0
        self._building = 0
        self._changed: asyncio.Condition | None = None
        self._at_once: dict[str, threading.BoundedSemaphore] = {}
        self._at_once_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """`func(*args)` on the worker's upload threads: never the event loop's default executor,
        which the static origin's file reads share (uploads being detected there once stalled it
        for a minute). JavaScript builds take at most `max_js_builds` of them (the gate is taken
        before), so detection and WAT always have `threads` of their own."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.settings.max_js_builds + self.settings.threads,
                                            thread_name_prefix="edge-upload")
        return await asyncio.get_running_loop().run_in_executor(self._pool, func, *args)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of `max_concurrent` upload slots, or 503 at once."""
        if self.in_progress >= self.settings.max_concurrent:
            raise ControlError(
                503, "uploads_busy",
                f"{self.in_progress} uploads are in progress on this worker (the limit): retry shortly",
                {"Retry-After": RETRY_AFTER},
            )
        self.in_progress += 1
        try:
            yield
        finally:
            self.in_progress -= 1

    @contextlib.asynccontextmanager
    async def budget(self, cost: int) -> AsyncIterator[None]:
        """Wait until `cost` fits in the build budget (alone, anything fits); 503 with Retry-After
        when that takes longer than `queue_wait`."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        cost = min(cost, self.settings.build_budget)
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._building + cost <= self.settings.build_budget),
                    self.settings.queue_wait)
            except TimeoutError:
                raise ControlError(
                    503, "uploads_busy",
                    f"other uploads have held this worker's build budget for {self.settings.queue_wait:g} s: retry shortly",
                    {"Retry-After": RETRY_AFTER},
                ) from None
            self._building += cost
        try:
            yield
        finally:
            async with self._changed:
                self._building -= cost
                self._changed.notify_all()

    async def receive(self, chunks: AsyncIterator[bytes], declared: str | None, content_type: str = "", *,
                      filename: str | None = None, handler: str | None = None) -> Upload:
        """The body into an unlinked temporary file; 413 as soon as it passes the cap (from
        Content-Length before reading, else while streaming). Writes happen on the loop:
        chunks are small and the file is in the page cache."""
        limit = self.settings.max_bytes
        if declared is not None:
            if not (declared.isascii() and declared.isdigit()):
                raise bad_request("Content-Length is not a number")
            if len(declared) > 18 or int(declared) > limit:  # int() of thousands of digits raises
                raise _too_large(limit, _named_javascript(content_type, filename))
        spool = self.settings.spool_dir
        if spool:
            Path(spool).mkdir(parents=True, exist_ok=True)
        file = tempfile.TemporaryFile(dir=spool, prefix="upload-")
        size, head = 0, b""
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit, _named_javascript(content_type, filename))
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                file.write(chunk)
        except BaseException:
            file.close()
            raise
        file.flush()
        return Upload(file, size, head, content_type, filename, handler)

    async def build(self, upload: Upload, engine: "wasmtime.Engine | None" = None) -> bytes:
        """The upload's module bytes, built by its kind on the upload threads once it has its turn
        (503 at once when as many builds of its kind as it allows are running). With `engine`, a
        module whose imports or exports cannot run here is refused before it is compiled."""
        kind = detect_kind(upload)
        cap = kind.max_bytes(self.settings)
        if upload.size > cap:
            raise _too_large(cap, kind)
        if upload.cancelled.is_set():
            raise client_gone()
        with self._turn(kind):
            wasm = await self.run(kind.build, upload, self.settings)
        if engine is not None and kind is not JAVASCRIPT:  # a JavaScript build is a reactor, checked as it is built
            await self.run(precheck, wasm, engine)
        return wasm

    @contextlib.contextmanager
    def _turn(self, kind: ModuleKind) -> Iterator[None]:
        """One of the kind's builds at once, or 503 at once (taken on the event loop, before the
        build is handed to a thread: a refused build never waits for one)."""
        if kind.at_once is None:
            yield
            return
        limit = max(1, kind.at_once(self.settings))
        with self._at_once_lock:
            gate = self._at_once.setdefault(kind.name, threading.BoundedSemaphore(limit))
        if not gate.acquire(blocking=False):  # never wait here: this is the event loop
            raise ControlError(
                503, "uploads_busy",
                f"{limit} {kind.label or kind.name} build{'s are' if limit > 1 else ' is'} in progress on this worker "
                "(the limit): retry shortly", {"Retry-After": RETRY_AFTER},
            )
        try:
            yield
        finally:
            gate.release()

    def cost(self, upload: Upload) -> int:
        """Blocking for text uploads up to SNIFF_BYTES (read once to detect their kind)."""
        return detect_kind(upload).cost(upload, self.settings)


def _too_large(limit: int, kind: ModuleKind | bool | None = None) -> ControlError:
    """413: a JavaScript upload (known by its kind, or named so before it was read) is a source, not a module."""
    what = "the JavaScript upload" if kind is JAVASCRIPT or kind is True else "the module"
    return ControlError(413, "too_large", f"{what} is larger than the {limit}-byte limit")


def _named_javascript(content_type: str, filename: str | None) -> bool:
    """Whether `?filename=` or the Content-Type says JavaScript (a .js/.mjs/.cjs file or a .zip)."""
    from . import jsupload

    ctype = content_type.split(";")[0].strip().lower()
    return ((filename or "").lower().endswith((".js", ".mjs", ".cjs", ".zip"))
            or ctype in jsupload.JS_TYPES or ctype in jsupload.ZIP_TYPES)


def client_gone() -> ControlError:
    return ControlError(499, "client_gone", "the client went away before its upload was built",
                        {"Connection": "close"})


_libc: ctypes.CDLL | None | bool = None


def give_memory_back(size: int) -> None:
    """After a large upload, or one that built a large module (`size`: the larger): return the
    heap's free pages to the OS (glibc's `malloc_trim`), so the worker's resident memory falls
    back instead of staying at its peak."""
    global _libc
    if size < TRIM_ABOVE:
        return
    if _libc is None:
        try:
            name = ctypes.util.find_library("c") or "libc.so.6"
            lib = ctypes.CDLL(name)
            lib.malloc_trim.argtypes = [ctypes.c_size_t]
            _libc = lib
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)  # type: ignore[union-attr]


def spool_dir(state_dir: str) -> str:
    return os.path.join(state_dir, "uploads")
