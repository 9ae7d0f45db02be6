"""Just enough of the WebAssembly binary format to drop exports from a module and to keep a
note in a custom section.

Wizer leaves the WASI reactor's `_initialize` export in a pre-initialised module; calling it
again would re-run constructors the snapshot already ran (and make every instance pay for
it), so the builder removes it. Only the export section is rewritten; every other byte is kept.
The builder also records how it built the module (the handler) in a custom section placed
first, so a later build can tell from the file's first bytes whether it is still current.
"""

from __future__ import annotations

EXPORT_SECTION = 7


def read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 number at `pos` and the position after it (ValueError past 64 bits,
    IndexError past the end)."""
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("LEB128 too long")


def _encode_uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def drop_exports(wasm: bytes, names: set[str]) -> bytes:
    """The module with the named exports removed (absent names are ignored)."""
    if wasm[:4] != b"\0asm":
        raise ValueError("not a WebAssembly module")
    out = bytearray(wasm[:8])
    pos = 8
    while pos < len(wasm):
        section_id = wasm[pos]
        size, body_start = read_uleb(wasm, pos + 1)
        body_end = body_start + size
        if section_id != EXPORT_SECTION:
            out += wasm[pos:body_end]
            pos = body_end
            continue
        count, p = read_uleb(wasm, body_start)
        kept = []
        for _ in range(count):
            name_len, q = read_uleb(wasm, p)
            name = wasm[q:q + name_len].decode("utf-8")
            q += name_len
            q += 1  # kind
            _, q = read_uleb(wasm, q)  # index
            if name not in names:
                kept.append(wasm[p:q])
            p = q
        body = _encode_uleb(len(kept)) + b"".join(kept)
        out.append(EXPORT_SECTION)
        out += _encode_uleb(len(body)) + body
        pos = body_end
    return bytes(out)


CUSTOM_SECTION = 0


def _custom(name: str, payload: bytes) -> bytes:
    body = _encode_uleb(len(name.encode())) + name.encode() + payload
    return bytes([CUSTOM_SECTION]) + _encode_uleb(len(body)) + body


def with_note(wasm: bytes, name: str, payload: bytes) -> bytes:
    """The module with a custom section `name` holding `payload` first, right after the header."""
    if wasm[:4] != b"\0asm":
        raise ValueError("not a WebAssembly module")
    return wasm[:8] + _custom(name, payload) + wasm[8:]


def read_note(head: bytes, name: str) -> bytes | None:
    """The payload of custom section `name` when it is the module's first section (`head`: the
    file's first bytes, enough to hold it), else None."""
    try:
        if head[:4] != b"\0asm" or head[8] != CUSTOM_SECTION:
            return None
        size, start = read_uleb(head, 9)
        name_len, pos = read_uleb(head, start)
        if head[pos:pos + name_len] != name.encode() or start + size > len(head):
            return None
        return head[pos + name_len:start + size]
    except IndexError:
        return None
