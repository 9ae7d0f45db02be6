"""The snapshot's dead stack, left out of the module so that a build gives the same bytes each time.

Wizer keeps every non-zero byte of the engine's linear memory, the C stack's included. When
`wizer.initialize` returns, the stack pointer is back at the top and nothing below it is live,
but the frames the function's load went through are still there: the `struct stat` wasi-libc
filled when the loader looked for a module (inode numbers, access and change times), a clock
reading, a pointer into a buffer since freed. None of it is ever read again (each call starts a
new frame over it), yet it made two builds of one package differ: in two copies of a folder, on
two nodes of a fleet, or after the files were only read again (their access times). The build
drops those bytes from the module's data segments, so that region starts zeroed, as it does in
the engine before Wizer runs.

Only when the layout allows it, checked on the engine module itself: the stack is first in
memory (the engine's `__stack_pointer`, its first global, starts at or below every data
segment: wasm-ld's --stack-first, which zig cc uses for wasm32), and the snapshot's stack
pointer is back at that top. Anything else (another layout, passive segments, a data count
section) leaves the snapshot's data as Wizer wrote it.
"""

from __future__ import annotations

import mmap
from pathlib import Path

from .wasmfile import _encode_uleb as _uleb
from .wasmfile import read_uleb

GLOBAL_SECTION = 6
DATA_SECTION = 11
DATA_COUNT_SECTION = 12
I32 = 0x7F
I32_CONST = 0x41
END = 0x0B


def _sleb(data, pos: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            if byte & 0x40:
                result -= 1 << shift
            return result, pos
        if shift > 63:
            raise ValueError("LEB128 too long")


def _sleb_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def _sections(data) -> dict[int, tuple[int, int]]:  # type: ignore[no-untyped-def]
    """{section id: (body start, body end)} of a module's known sections (custom ones skipped)."""
    if data[:4] != b"\0asm":
        raise ValueError("not a WebAssembly module")
    found: dict[int, tuple[int, int]] = {}
    pos = 8
    while pos < len(data):
        size, body = read_uleb(data, pos + 1)
        end = body + size
        if end > len(data):
            raise ValueError("a section ends past the end")
        if data[pos] != 0:
            found[data[pos]] = (body, end)
        pos = end
    return found


def _first_global(data, span: tuple[int, int] | None) -> int | None:  # type: ignore[no-untyped-def]
    """The first defined global's i32.const value when it is a mutable i32 (wasm-ld's __stack_pointer)."""
    if span is None:
        return None
    count, pos = read_uleb(data, span[0])
    if count == 0 or data[pos] != I32 or data[pos + 1] != 1 or data[pos + 2] != I32_CONST:
        return None
    value, pos = _sleb(data, pos + 3)
    return value if data[pos] == END else None


def segments(data, span: tuple[int, int]) -> list[tuple[int, int, int]] | None:  # type: ignore[no-untyped-def]
    """The data section's segments as (memory offset, file position, length), or None when one
    is not an active segment of memory 0 at an i32.const offset."""
    count, pos = read_uleb(data, span[0])
    found = []
    for _ in range(count):
        flags, pos = read_uleb(data, pos)
        if flags != 0 or data[pos] != I32_CONST:
            return None
        offset, pos = _sleb(data, pos + 1)
        if data[pos] != END:
            return None
        length, pos = read_uleb(data, pos + 1)
        found.append((offset, pos, length))
        pos += length
    if pos != span[1]:
        raise ValueError("the data section's segments do not fill it")
    return found


def stack_top(engine_wasm: Path) -> int | None:
    """The engine's stack top when its stack comes first in memory (none of its data below it),
    else None: then nothing below a stack pointer can be told to be stack."""
    try:
        with open(engine_wasm, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            sections = _sections(data)
            top = _first_global(data, sections.get(GLOBAL_SECTION))
            if top is None or top <= 0 or DATA_COUNT_SECTION in sections:
                return None
            found = segments(data, sections[DATA_SECTION]) if DATA_SECTION in sections else []
    except (OSError, ValueError, IndexError):
        return None
    if found is None or any(offset < top for offset, _, _ in found):
        return None
    return top


def dead_below(snapshot, top: int | None) -> int | None:  # type: ignore[no-untyped-def]
    """`top` when the snapshot's stack pointer is back there and its data can be rewritten (active
    segments only, no data count section), else None."""
    if top is None:
        return None
    try:
        sections = _sections(snapshot)
        if DATA_COUNT_SECTION in sections or _first_global(snapshot, sections.get(GLOBAL_SECTION)) != top:
            return None
        if DATA_SECTION in sections and segments(snapshot, sections[DATA_SECTION]) is None:
            return None
    except (ValueError, IndexError):
        return None
    return top


def write_data_section(data, view: memoryview, body: int, end: int, top: int, dst) -> None:  # type: ignore[no-untyped-def]
    """The data section at data[body:end] to `dst`, without the bytes below `top` (the dead stack):
    segments there dropped, one across it cut at `top`. Streamed: the segments' bytes are copied
    from `view`, never joined in memory."""
    kept = []
    for offset, pos, length in segments(data, (body, end)) or ():
        if offset + length <= top:
            continue
        if offset < top:
            pos, length, offset = pos + top - offset, length - (top - offset), top
        kept.append((_uleb(0) + bytes([I32_CONST]) + _sleb_bytes(offset) + bytes([END]) + _uleb(length), pos, length))
    payload = _uleb(len(kept))
    size = len(payload) + sum(len(head) + length for head, _, length in kept)
    dst.write(bytes([DATA_SECTION]) + _uleb(size) + payload)
    for head, pos, length in kept:
        dst.write(head)
        dst.write(view[pos:pos + length])
