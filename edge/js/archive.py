"""Unpacking a .zip deployment package for a build: every entry's name, depth, size, method and
kind is checked before anything is written (no path outside the directory, no bomb, no
encrypted or unknown entry, no name that is a file and a directory at once), and anything
wrong is a JsBuildError naming the entry, never a path of this machine."""

from __future__ import annotations

import shutil
import struct
import zipfile
from pathlib import Path

from .errors import JsBuildError

MiB = 1024 * 1024
ENTRY_EXTENSIONS = (".js", ".mjs", ".cjs")  # a handler's module
MAX_ZIP_BYTES = 64 * MiB  # uncompressed, like Lambda's 50 MB package limit with room
MAX_ZIP_FILES = 20_000
MAX_ZIP_NAME = 1024  # characters in an entry's path
MAX_ZIP_PART = 255  # bytes in one of its names (a file system's limit)
MAX_ZIP_DEPTH = 64  # directories an entry is nested in


def _prefix(label: str | None) -> str:
    return f"{label}: " if label else ""


def _reason(exc: BaseException) -> str:
    """What went wrong, without the paths of this machine an OSError carries."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "…"


def _shown(name: str) -> str:
    return repr(name if len(name) <= 100 else name[:100] + "…")


def _zip_entries(zf: zipfile.ZipFile, label: str | None) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """The archive's entries with their path parts, checked before anything is written: safe and
    bounded names, no entry that is both a file and a directory, sizes, methods we can read."""
    members = zf.infolist()
    if len(members) > MAX_ZIP_FILES:
        raise JsBuildError(f"{_prefix(label)}the archive has more than {MAX_ZIP_FILES} files")
    entries = []
    files: dict[tuple[str, ...], str] = {}
    dirs: dict[tuple[str, ...], str] = {}
    total = 0
    for info in members:
        name = info.filename
        shown = _shown(name)
        if len(name) > MAX_ZIP_NAME:
            raise JsBuildError(f"{_prefix(label)}archive entry {shown} has a path longer than {MAX_ZIP_NAME} characters")
        raw = name.split("/")
        if name.startswith(("/", "\\")) or ".." in raw or ":" in name:
            raise JsBuildError(f"{_prefix(label)}unsafe path {shown} in the archive")
        parts = tuple(part for part in raw if part not in ("", "."))
        if not parts:
            if info.is_dir():
                continue
            raise JsBuildError(f"{_prefix(label)}archive entry {shown} is not a file name")
        if any(len(part.encode("utf-8", "surrogateescape")) > MAX_ZIP_PART for part in parts):
            raise JsBuildError(f"{_prefix(label)}archive entry {shown} has a name longer than {MAX_ZIP_PART} bytes")
        if len(parts) - 1 > MAX_ZIP_DEPTH:
            raise JsBuildError(f"{_prefix(label)}archive entry {shown} is nested more than {MAX_ZIP_DEPTH} directories deep")
        if info.flag_bits & 0x1:
            raise JsBuildError(f"{_prefix(label)}archive entry {shown} is encrypted: a deployment package cannot have a password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
            raise JsBuildError(f"{_prefix(label)}archive entry {shown} uses compression method {info.compress_type}, which cannot "
                               "be read here (store or deflate it, as `zip` does)")
        total += info.file_size
        if total > MAX_ZIP_BYTES:
            raise JsBuildError(f"{_prefix(label)}the archive holds more than {MAX_ZIP_BYTES // MiB} MiB uncompressed")
        for depth in range(1, len(parts)):
            dirs.setdefault(parts[:depth], name)
        if info.is_dir():
            dirs.setdefault(parts, name)
        else:
            files[parts] = name
        entries.append((info, parts))
    for parts, name in files.items():
        if parts in dirs:
            raise JsBuildError(f"{_prefix(label)}{'/'.join(parts)!r} is both a file (entry {_shown(name)}) and a "
                               f"directory (entry {_shown(dirs[parts])}) in the archive")
    return entries


def _count_entries(archive: Path, label: str | None) -> None:
    """More than MAX_ZIP_FILES entries refused before zipfile reads them all (a 64 MiB archive of
    empty files holds ~800,000: ~45 s and ~400 MB to list). The central directory is walked, not
    its stated count believed; anything unusual is left for zipfile to report."""
    try:
        with open(archive, "rb") as f:
            end = zipfile._EndRecData(f)  # type: ignore[attr-defined]
            if not end:
                return
            size = end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
            start = end[zipfile._ECD_LOCATION] - size  # type: ignore[attr-defined]
            if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:  # type: ignore[attr-defined]
                start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator  # type: ignore[attr-defined]
            if start < 0 or size > MAX_ZIP_BYTES:
                return
            f.seek(start)
            directory = f.read(size)
    except (OSError, ValueError, AttributeError, IndexError, TypeError):
        return
    pos = count = 0
    while pos + 46 <= len(directory) and directory[pos:pos + 4] == b"PK\x01\x02":
        count += 1
        if count > MAX_ZIP_FILES:
            raise JsBuildError(f"{_prefix(label)}the archive has more than {MAX_ZIP_FILES} files")
        name, extra, comment = struct.unpack_from("<HHH", directory, pos + 28)
        pos += 46 + name + extra + comment


def _extract_zip(archive: Path, dest: Path, label: str | None = None) -> Path:
    """Unpack a Lambda-style deployment package safely; returns the package root. Whatever is wrong
    with the archive is a JsBuildError naming the entry, never a path of this machine (`label`: a
    prefix naming the archive, none by default: `edge build` adds its own)."""
    dest.mkdir(parents=True, exist_ok=True)
    _count_entries(archive, label)
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise JsBuildError(f"{_prefix(label)}not a valid .zip archive ({exc})") from None
    except UnicodeDecodeError:
        raise JsBuildError(f"{_prefix(label)}an entry's name is not valid UTF-8, though the archive says it is") from None
    except Exception as exc:  # noqa: BLE001 - a malformed directory: struct, EOF, value errors
        raise JsBuildError(f"{_prefix(label)}not a valid .zip archive ({_reason(exc)})") from None
    with zf:
        for info, parts in _zip_entries(zf, label):
            if info.is_dir():
                continue
            target = dest.joinpath(*parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
            except Exception as exc:  # noqa: BLE001 - corrupt data (zlib, CRC, EOF), a name the disk refuses
                raise JsBuildError(f"{_prefix(label)}archive entry {_shown(info.filename)} cannot be unpacked: {_reason(exc)}") from None
    entries = [p for p in dest.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    has_entry = any((dest / f"index{ext}").exists() for ext in ENTRY_EXTENSIONS)
    if not has_entry and len(entries) == 1 and entries[0].is_dir():
        return entries[0]  # zipped with its folder: look inside it
    return dest
