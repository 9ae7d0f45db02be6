"""What an uploaded module's bytes say before it is compiled: whether the host can run its
imports and exports (a module that cannot run was compiled whole, ~20 s for 200,000
functions, before its refusal), read from those two sections alone; and a deploy's refusal
worded for the uploader when the module is valid but bigger than this server's pool allows.
"""

from __future__ import annotations

import re

import wasmtime

from ..control.errors import ControlError
from ..js.wasmfile import read_uleb


def precheck(wasm: bytes, engine: "wasmtime.Engine") -> None:
    """422 invalid_module, before any compiling, for a valid module whose imports or exports
    the host cannot run (the refusal compiling then inspecting it gives, same words: 200,000
    functions took ~20 s to compile before they were refused, validating them takes ~0.1 s).
    Anything the section reader does not follow, or invalid WebAssembly, is left to the compile."""
    from ..runtime import module

    found = _imports_exports(wasm)
    if found is None:
        return
    imports, exports = found
    unknown = [f"{mod}::{name}" for mod, name, kind in imports
               if not (kind == 0 and (mod == module.WASI_MODULE or (mod == module.EDGE_MODULE and name in module.EDGE_IMPORTS)))]
    if unknown:
        message = "module imports what the host does not provide: " + ", ".join(unknown)
    elif all(name in exports for name in module.REACTOR_EXPORTS) or "_start" in exports:
        return
    else:
        present = [n for n in module.REACTOR_EXPORTS if n in exports]
        missing = [n for n in module.REACTOR_EXPORTS if n not in exports]
        hint = f" (has {', '.join(present)}; missing {', '.join(missing)})" if present else ""
        message = ("module is neither an edge reactor (exports memory, edge_alloc, edge_handle, "
                   f"edge_abi_version) nor a WASI command (exports _start){hint}")
    try:
        wasmtime.Module.validate(engine, wasm)  # invalid WebAssembly is told as such, as before
    except wasmtime.WasmtimeError:
        return
    raise ControlError(422, "invalid_module", message)


IMPORT_SECTION, EXPORT_SECTION = 2, 7


def _imports_exports(wasm: bytes) -> tuple[list[tuple[str, str, int]], set[str]] | None:
    """A binary module's imports (module, name, kind) and export names, read from their sections
    alone (every other section is skipped by its size: linear in the sections and entries, never
    the code); None when the bytes are not what this reader follows."""
    if wasm[:8] != b"\0asm\x01\x00\x00\x00":
        return None
    imports: list[tuple[str, str, int]] = []
    exports: set[str] = set()
    try:
        pos = 8
        while pos < len(wasm):
            section = wasm[pos]
            size, body = read_uleb(wasm, pos + 1)
            end = body + size
            if end > len(wasm):
                return None
            if section == IMPORT_SECTION:
                count, p = read_uleb(wasm, body)
                for _ in range(count):
                    mod, p = _name(wasm, p)
                    name, p = _name(wasm, p)
                    kind = wasm[p]
                    p = _skip_import(wasm, p + 1, kind)
                    imports.append((mod, name, kind))
            elif section == EXPORT_SECTION:
                count, p = read_uleb(wasm, body)
                for _ in range(count):
                    name, p = _name(wasm, p)
                    _, p = read_uleb(wasm, p + 1)  # kind, index
                    exports.add(name)
            pos = end
    except (IndexError, ValueError):
        return None
    return imports, exports


def _name(data: bytes, pos: int) -> tuple[str, int]:
    size, pos = read_uleb(data, pos)
    if pos + size > len(data):
        raise ValueError("name past the end")
    return data[pos:pos + size].decode("utf-8"), pos + size


def _skip_import(data: bytes, pos: int, kind: int) -> int:
    """Past an import's type: a function's type index, a table's, memory's, global's or tag's type."""
    if kind == 0:  # function: type index
        return read_uleb(data, pos)[1]
    if kind == 1:  # table: reference type, limits
        if data[pos] not in (0x70, 0x6F):
            raise ValueError("a reference type this reader does not follow")
        return _skip_limits(data, pos + 1)
    if kind == 2:  # memory: limits
        return _skip_limits(data, pos)
    if kind == 3:  # global: value type, mutability
        if data[pos] not in (0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F):
            raise ValueError("a value type this reader does not follow")
        return pos + 2
    if kind == 4:  # tag: attribute, type index
        return read_uleb(data, pos + 1)[1]
    raise ValueError(f"import kind {kind}")


def _skip_limits(data: bytes, pos: int) -> int:
    flags = data[pos]
    if flags & ~0x07:
        raise ValueError("limits this reader does not follow")
    pos = read_uleb(data, pos + 1)[1]
    return read_uleb(data, pos)[1] if flags & 0x01 else pos


_POOL_LIMIT = re.compile(r"module ([\w ]+?) does not fit in pooling allocator requirements: (.*)", re.DOTALL)
_TABLE_ELEMENTS = re.compile(r"table index (\d+) has a minimum element size of (\d+) which exceeds the limit of (\d+)")


def refusal(exc: ControlError) -> ControlError:
    """A deploy's refusal as the uploader should read it: valid WebAssembly that needs more than
    this server's instance pool allows (a table of 10,000,000 elements) was `400 not_wasm`
    "invalid WebAssembly"; it is `422 invalid_module` naming the limit."""
    found = _POOL_LIMIT.search(exc.message) if exc.status == 400 and exc.code == "not_wasm" else None
    if found is None:
        return exc
    what, detail = found[1], found[2].strip()
    table = _TABLE_ELEMENTS.search(detail)
    if table is not None:
        message = (f"table {table[1]} of the module starts with {int(table[2])} elements: the table is larger than "
                   f"this server allows (at most {int(table[3])} elements in a table). The module is valid "
                   "WebAssembly; make the table smaller")
    else:
        message = f"the module is valid WebAssembly, but its {what} is more than this server allows: {detail}"
    return ControlError(422, "invalid_module", message, exc.headers)
