"""Built-in static-directory origin: the S3-origin analogue, so the server needs no other service.

Choices where S3 differs or is unspecific:
* A directory is 404, unless `index` is set and `<dir>/<index>` exists (for `/dir` and `/dir/`
  alike; no redirect to the slash form). S3's REST endpoint answers 403/404 for such keys.
* Empty segments (`//x`), `.` / `..` segments, backslashes and paths leaving the root through
  symlinks are 404; malformed percent-escapes, invalid UTF-8 and control characters (NUL
  included) are 400. Percent-decoding happens exactly once, so `%252e` stays a literal `%2e`.
* No Cache-Control, so the behaviour's TTLs apply; no Range support (whole bodies only).
* Every filesystem call runs in a worker thread; the event loop never waits on the disk.
* Only "no such file" is 404; a file this process may not read is 403, and a failure to read
  (out of descriptors, an I/O error) is an origin failure (the edge's 502), never a cached 404.
"""

from __future__ import annotations

import asyncio
import errno
import mimetypes
import os
import re
import stat
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.utils import formatdate, parsedate_tz, mktime_tz
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from . import faults
from .http import OriginError
from .response import OriginResponse

MiB = 1024 * 1024
ALLOWED_METHODS = "GET, HEAD"

# The built-in table only (no /etc/mime.types), so every host answers alike; plus a few modern types.
_TYPES = mimetypes.MimeTypes()
for _ext, _type in {
    ".js": "text/javascript",  # RFC 9239; older tables say application/javascript
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}.items():
    _TYPES.add_type(_type, _ext)

# A compressed file is served as what it is: declaring Content-Encoding would make clients unpack it.
_ENCODED_TYPES = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
    "br": "application/x-brotli",
}

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ETAG_TOKEN = re.compile(r'(?:W/)?"[^"]*"|[^\s,]+')

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class _Malformed(ValueError):
    """The request path cannot be decoded: a 400, not a 404."""


def content_type(name: str) -> str:
    """Content-Type from the file name's extensions; `application/octet-stream` when unknown."""
    ctype, encoding = _TYPES.guess_type("f" + "".join(Path(name).suffixes), strict=False)
    if encoding is not None:
        return _ENCODED_TYPES.get(encoding, "application/octet-stream")
    return ctype or "application/octet-stream"


@dataclass(frozen=True)
class _File:
    """What one open-and-fstat saw: headers and body come from the same moment."""

    path: Path
    size: int
    mtime: float
    mtime_ns: int
    device: int
    inode: int
    body: bytes | None = None

    @property
    def etag(self) -> str:
        return f'"{self.size:x}-{self.mtime_ns:x}"'

    @property
    def last_modified(self) -> str:
        return formatdate(int(self.mtime), usegmt=True)


def _split(raw: str) -> tuple[list[str], bool] | None:
    """Path segments under the root and whether a directory was asked for; None means 404.

    Raises _Malformed for what cannot be decoded.
    """
    raw = raw.split("?", 1)[0].split("#", 1)[0]
    if _BAD_ESCAPE.search(raw):
        raise _Malformed("bad percent-escape")
    if not raw.startswith("/"):
        return None
    wants_dir = raw.endswith("/")
    # Split before decoding: an encoded slash (%2F) is part of a segment, not a separator, as
    # for the behaviors' path patterns, so `/private%2Findex.html` cannot reach a file under
    # `/private/` past the function guarding `/private/*`. No file name holds a slash: 404.
    try:
        segments = [unquote(segment, errors="strict") for segment in raw[1:].split("/")]
    except UnicodeDecodeError as exc:
        raise _Malformed("path is not UTF-8") from exc
    if any(_CONTROL.search(segment) for segment in segments):
        raise _Malformed("control character in path")
    if wants_dir:
        segments.pop()
    if any(segment in ("", ".", "..") or "/" in segment or "\\" in segment for segment in segments):
        return None
    return segments, wants_dir


def _etag_matches(field: str, etag: str) -> bool:
    """If-None-Match's weak comparison: `*`, or any listed tag equal once `W/` is ignored."""
    opaque = etag.removeprefix("W/")
    for token in _ETAG_TOKEN.findall(field):
        if token == "*":
            return True
        token = token.removeprefix("W/")
        if not token.startswith('"'):
            token = f'"{token}"'  # lenient: some clients drop the quotes
        if token == opaque:
            return True
    return False


def _since(field: str) -> float | None:
    try:
        parts = parsedate_tz(field.strip())
        return float(mktime_tz(parts)) if parts else None
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _not_modified(file: _File, headers: list[tuple[str, str]]) -> bool:
    """RFC 9110, section 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    none_match = [v for k, v in headers if k.lower() == "if-none-match"]
    if none_match:
        return _etag_matches(",".join(none_match), file.etag)
    modified_since = [v for k, v in headers if k.lower() == "if-modified-since"]
    if len(modified_since) == 1:
        since = _since(modified_since[0])
        return since is not None and int(file.mtime) <= since
    return False


def _precondition_failed(file: _File, headers: list[tuple[str, str]]) -> bool:
    """RFC 9110, section 13.2.2, steps 1 and 2 (412 Precondition Failed, as S3 answers): If-Match
    decides when present (`*`, or a listed tag equal to the file's by the strong comparison: a
    weak tag never matches), else If-Unmodified-Since (the file changed after the date)."""
    match = [v for k, v in headers if k.lower() == "if-match"]
    if match:
        for token in _ETAG_TOKEN.findall(",".join(match)):
            if token == "*" or (not token.startswith("W/") and not file.etag.startswith("W/") and token == file.etag):
                return False
        return True
    unmodified = [v for k, v in headers if k.lower() == "if-unmodified-since"]
    if len(unmodified) == 1:
        since = _since(unmodified[0])
        return since is not None and int(file.mtime) > since
    return False


def _page(status: int, method: str, extra: tuple[tuple[str, str], ...] = ()) -> OriginResponse:
    """A small HTML error page (headers only for HEAD)."""
    reason = HTTPStatus(status).phrase
    body = (
        f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>"
        f"<body><h1>{status} {reason}</h1></body></html>\n"
    ).encode()
    headers = [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *extra,
    ]
    return OriginResponse(status, headers, b"" if method == "HEAD" else body, reason=reason)


# What a file system says for a path that is not there (a 404); anything else is not an answer
# about the file but a failure to read it (_not_there)
_NOT_THERE = frozenset({errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG, errno.ENXIO, errno.EISDIR})


class _Denied(Exception):
    """The file is there but this process may not read it: 403, as S3 and nginx answer."""


def _not_there(exc: OSError) -> None:
    """Return for "no such file" (the caller answers 404); raise _Denied for a permission
    refused, and an origin failure for anything else (out of descriptors, an I/O error): a
    transient failure must not become a 404, which caches (a hostile trial exhausted the
    descriptors and the edge cached 404 for a file that was there)."""
    if exc.errno in _NOT_THERE:
        return
    if exc.errno in (errno.EACCES, errno.EPERM):
        raise _Denied() from None
    raise OriginError("unreachable", f"the static origin could not read its files: {exc}", faults.READ) from None


class StaticOrigin:
    """Serves files under `root` for GET and HEAD, with validators and conditional GET."""

    def __init__(
        self,
        root: str | Path,
        *,
        index: str | None = None,
        stream_threshold: int = 1 * MiB,
        chunk_size: int = 64 * 1024,
    ) -> None:
        self.root = Path(root).resolve(strict=True)
        if not self.root.is_dir():
            raise NotADirectoryError(f"static origin root is not a directory: {self.root}")
        if index is not None and (
            not index or index in (".", "..") or "/" in index or "\\" in index or "\x00" in index
        ):
            raise ValueError(f"index must be a plain file name, got {index!r}")
        if stream_threshold < 0 or chunk_size <= 0:
            raise ValueError("stream_threshold must be >= 0 and chunk_size > 0")
        self.index = index
        self.stream_threshold = stream_threshold
        self.chunk_size = chunk_size

    async def fetch(self, method: str, path: str, headers: list[tuple[str, str]]) -> OriginResponse:
        """Answer one request. `path` is the raw (still percent-encoded) URI path."""
        started = time.perf_counter()
        response = await self._answer(method, path, headers)
        response.elapsed_ms = (time.perf_counter() - started) * 1000
        return response

    async def _answer(self, method: str, path: str, headers: list[tuple[str, str]]) -> OriginResponse:
        if method not in ("GET", "HEAD"):
            return _page(405, method, (("Allow", ALLOWED_METHODS),))
        try:
            split = _split(path)
        except _Malformed:
            return _page(400, method)
        if split is None:
            return _page(404, method)
        conditional = any(k.lower() in ("if-none-match", "if-modified-since") for k, _ in headers)
        load_body = method == "GET" and not conditional
        try:
            file = await asyncio.to_thread(self._find, *split, load_body)
        except _Denied:
            return _page(403, method)
        if file is None:
            return _page(404, method)
        if _precondition_failed(file, headers):
            return _page(412, method, (("ETag", file.etag),))
        if _not_modified(file, headers):
            validators = [("ETag", file.etag), ("Last-Modified", file.last_modified)]
            return OriginResponse(304, validators, b"", reason="Not Modified")
        if method == "GET" and file.body is None and file.size <= self.stream_threshold:
            # A conditional GET that did not match: now the body is needed.
            try:
                file = await asyncio.to_thread(self._open, file.path, True)
            except _Denied:
                return _page(403, method)
            if file is None:
                return _page(404, method)
        response_headers = [
            ("Content-Type", content_type(file.path.name)),
            ("Content-Length", str(file.size if file.body is None else len(file.body))),
            ("ETag", file.etag),
            ("Last-Modified", file.last_modified),
        ]
        if method == "HEAD":
            return OriginResponse(200, response_headers, b"", reason="OK")
        if file.body is not None:
            return OriginResponse(200, response_headers, file.body, reason="OK")
        return OriginResponse(200, response_headers, None, stream=self._stream(file), reason="OK")

    # -- worker-thread side -------------------------------------------------------------------

    def _inside(self, candidate: Path) -> Path | None:
        """The candidate with symlinks resolved, or None when that lands outside the root."""
        try:
            resolved = candidate.resolve()
        except RuntimeError:  # a symlink loop
            return None
        except OSError as exc:
            _not_there(exc)
            return None
        return resolved if resolved.is_relative_to(self.root) else None

    def _find(self, segments: list[str], wants_dir: bool, load_body: bool) -> _File | None:
        target = self._inside(self.root.joinpath(*segments))
        if target is None:
            return None
        try:
            mode = target.stat().st_mode
        except OSError as exc:
            _not_there(exc)
            return None
        if stat.S_ISDIR(mode):
            if self.index is None:
                return None
            target = self._inside(target / self.index)
            if target is None:
                return None
        elif wants_dir:
            return None  # "/file.txt/" names a directory, and this is not one
        return self._open(target, load_body)

    def _open(self, target: Path, load_body: bool) -> _File | None:
        """Open without following a final symlink, fstat, and read the body if small and wanted.

        `target` is already resolved; O_NOFOLLOW narrows the window for a swap after resolving,
        O_NONBLOCK keeps a FIFO from hanging the worker thread.
        """
        try:
            fd = os.open(target, _OPEN_FLAGS)
        except OSError as exc:
            _not_there(exc)
            return None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            body = None
            if load_body and info.st_size <= self.stream_threshold:
                body = handle.read(info.st_size)
            return _File(
                target, info.st_size, info.st_mtime, info.st_mtime_ns, info.st_dev, info.st_ino, body
            )

    def _reopen(self, file: _File) -> BinaryIO:
        """The same file again for streaming; refuses a replaced or changed file (headers are sent)."""
        handle = os.fdopen(os.open(file.path, _OPEN_FLAGS), "rb")
        try:
            info = os.fstat(handle.fileno())
            seen = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            if seen != (file.device, file.inode, file.size, file.mtime_ns):
                raise OSError(f"{file.path} changed before it could be streamed")
        except BaseException:
            handle.close()
            raise
        return handle

    async def _stream(self, file: _File) -> AsyncIterator[bytes]:
        """Chunks read in worker threads; opened on first use, so an unread stream holds no fd.
        A file replaced, changed or shortened meanwhile fails as an origin that broke off does
        (OriginError): a 502 if nothing was sent yet, else the viewer's connection is cut."""
        try:
            handle = await asyncio.to_thread(self._reopen, file)
        except OSError as exc:
            raise OriginError("unreachable", f"static origin: {exc}", faults.READ) from None
        try:
            remaining = file.size
            while remaining > 0:
                try:
                    chunk = await asyncio.to_thread(handle.read, min(self.chunk_size, remaining))
                except OSError as exc:
                    raise OriginError("unreachable", f"static origin: {file.path}: {exc}", faults.READ) from None
                if not chunk:
                    raise OriginError("unreachable", f"static origin: {file.path} shrank while being streamed",
                                      faults.READ)
                remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()
