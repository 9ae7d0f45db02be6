"""Turn a JavaScript function (directory, .js/.mjs file or .zip) into an edge reactor module.

    from edge.js.build import build_js
    wasm = build_js(Path("my-fn"))                        # -> my-fn/build/my-fn.wasm
    wasm = build_js(Path("fn.zip"), out=Path("/tmp/fn.wasm"), handler="app.handler")

How: the cached engine (engine.py) is pre-initialised by Wizer with `/edge/boot.js` (the Node
layer from edge/js/node/ plus this function's configuration) and the function's directory
mapped read-only at `/var/task` (where Lambda puts it too, so stack traces read the same).
Boot loads the handler's module and everything it requires or imports, so the snapshot holds
the evaluated code: a request only calls the handler. A syntax error, a top-level throw (a
require() of a module that cannot be had, when it runs while the function loads, included) or a
static import of such a module fails the build with JsBuildError, whose summary names the file,
line and column. A require() of such a module elsewhere is a warning (`log`, else the
"edge.js" logger): it throws when it runs, as Node's does.

Whatever the function's top-level code does, a build is bounded: its time (`timeout`), Wizer's
memory (build_memory(), RLIMIT_DATA on Linux), the module's size (`max_bytes`; Wizer's file too,
RLIMIT_FSIZE), and what it prints (read as it comes, an excerpt kept for the error message).
A .zip is unpacked by archive.py, its names, sizes and methods checked first; anything wrong with it is a
JsBuildError naming the entry, never a path of this machine.
"""

from __future__ import annotations

import contextlib
import json
import logging
import mmap
import os
import posixpath
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from . import dead_stack, engine, fetch, package_scope
from .archive import ENTRY_EXTENSIONS, MAX_ZIP_DEPTH, MAX_ZIP_FILES, _extract_zip, _prefix  # noqa: F401 (tests use the caps)
from .errors import JsBuildError
from .keep import Rules
from .wasmfile import EXPORT_SECTION, drop_exports, read_note, read_uleb, with_note

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX: Wizer runs without resource limits
    resource = None  # type: ignore[assignment]

HERE = Path(__file__).resolve().parent
NODE = HERE / "node"
GUEST_ROOT = "/var/task"
DEFAULT_HANDLER = "index.handler"
MiB = 1024 * 1024
WIZER_TIMEOUT = 120  # seconds the function's top-level code may take at build time
MAX_MODULE_BYTES = 64 * MiB  # a built module (the admin API's uploads: --max-upload-mb)
BUILD_MEMORY_BYTES = 512 * MiB  # what Wizer may allocate (Linux: RLIMIT_DATA), at least 4x the module cap
OUTPUT_KEEP = 64 * 1024  # of Wizer's stdout and stderr, the first and the last this many bytes are kept
MAX_WARNINGS = 100  # build warnings reported (each cut at MAX_LINE characters)
MAX_LINE = 2000
MAX_DETAIL = 16 * 1024  # characters of a load failure in a build error
MAX_SUMMARY = 500  # characters of its one-line summary
BUILD_NOTE = "edge.js.build"  # custom section: how the module was built ({"handler": ...})
WARNING = "edge-build-warning: "  # a build warning on the guest's stderr (edge/js/node/loader.js)
FRAME = re.compile(re.escape(GUEST_ROOT) + r"/([^\s():]+):(\d+):(\d+)")  # a stack frame in the function's files
STACK_LINE = re.compile(r"\s+at \S")  # a stack frame, the function's or the Node layer's (node:internal/..., native)

# Node layer files in load order (each built-in registers itself; loader and runtime come last).
BUILTINS = ("util_types.js", "util.js", "console.js", "timers.js", "events.js", "process.js", "path.js", "querystring.js",
            "encoding.js", "punycode.js", "url.js", "buffer.js", "string_decoder.js", "zlib.js", "keys.js", "crypto.js", "assert.js",
            "clone.js", "tty.js")
# Built-ins put in a function only when one of its sources (node_modules included) names them: stream
# adds ~90 KB to a module and ~2 MB to its memory, which functions that never use it should not pay;
# ec.js (crypto's ECDSA and Ed25519, no module of its own) adds ~20 KB and rsa.js (RSA private-key
# operations) ~2 KB, for functions naming crypto (or crypto.subtle); cipher.js (createCipheriv and the
# rest over the engine's AES) ~36 KB, for functions naming what it has (most functions naming crypto
# only hash); webcrypto.js (crypto.subtle) ~87 KB, for functions naming subtle, CryptoKey or SubtleCrypto.
# http.js (http and https: requests that refuse, in-memory IncomingMessage and ServerResponse, with
# http_outgoing.js and http_server.js) ~74 KB, and stream.js with them: ~200 KB more in a module; net.js (net, tls
# and http2 likewise, with net.isIP) ~5 KB; fs.js (the package's files read at build time) ~8 KB;
# headers.js (the Fetch API's Headers global) ~4 KB, for functions naming Headers; os.js (the sandbox's
# fixed os module, with Node's os.constants) ~9 KB; diagnostics_channel.js ~7 KB, async_hooks.js
# (AsyncLocalStorage; patches Promise.prototype.then to carry its context) ~7 KB, perf_hooks.js ~8 KB,
# worker_threads.js (a main thread that cannot start workers) ~2 KB, v8.js (heap statistics; no serializer) ~4
# KB, stream_web.js (WHATWG streams) ~25 KB, stream_consumers.js ~2 KB, each for functions naming the module;
# abort.js (the globals Event, EventTarget, AbortController, AbortSignal) ~9 KB, for functions naming one of
# them; blob.js (Blob, File) ~7 KB, formdata.js ~6 KB and messaging.js (MessageChannel, MessagePort,
# MessageEvent) ~8 KB, for functions naming their globals.
ON_DEMAND = {"stream.js": (("stream", "stream/promises"),
                           # zlib's stream classes are Transforms, http's messages streams: a function making
                           # one needs streams too
                           re.compile(r"""['"`](?:node:)?(?:stream(?:/promises)?|https?)['"`]|\b(?:create(?:Gzip|Gunzip|Deflate|"""
                                      r"""Inflate|DeflateRaw|InflateRaw|Unzip|BrotliCompress|BrotliDecompress)\b|"""
                                      r"""zlib\.(?:Gzip|Gunzip|Deflate|Inflate|DeflateRaw|InflateRaw|Unzip|"""
                                      r"""BrotliCompress|BrotliDecompress)\b)""")),
             "ec.js": ((), re.compile(r"""['"`](?:node:)?crypto['"`]|\bsubtle\b""")),
             "rsa.js": ((), re.compile(r"""['"`](?:node:)?crypto['"`]|\bsubtle\b""")),
             "cipher.js": ((), re.compile(r"\b(?:createCipher|createDecipher|Cipheriv|Decipheriv|getCiphers|getCipherInfo)")),
             "webcrypto.js": ((), re.compile(r"\b(?:subtle|CryptoKey|SubtleCrypto)\b")),
             "http.js": (("http", "https"), re.compile(r"""['"`](?:node:)?https?['"`]""")),
             # http's messages (OutgoingMessage, IncomingMessage, ServerResponse), streams themselves
             "http_outgoing.js": ((), re.compile(r"""['"`](?:node:)?https?['"`]""")),
             "http_server.js": ((), re.compile(r"""['"`](?:node:)?https?['"`]""")),
             "net.js": (("net", "tls", "http2", "dns", "dns/promises"),
                        re.compile(r"""['"`](?:node:)?(?:net|tls|http2|dns(?:/promises)?)['"`]""")),
             "fs.js": (("fs", "fs/promises"), re.compile(r"""['"`](?:node:)?fs(?:/promises)?['"`]""")),
             "headers.js": ((), re.compile(r"\b(?:Headers|Response|Request)\b")),
             "os.js": (("os",), re.compile(r"""['"`](?:node:)?os['"`]""")),
             "diagnostics_channel.js": (("diagnostics_channel",),
                                        re.compile(r"""['"`](?:node:)?diagnostics_channel['"`]""")),
             "async_hooks.js": (("async_hooks",), re.compile(r"""['"`](?:node:)?async_hooks['"`]""")),
             "perf_hooks.js": (("perf_hooks",), re.compile(r"""['"`](?:node:)?perf_hooks['"`]""")),
             "worker_threads.js": (("worker_threads",), re.compile(r"""['"`](?:node:)?worker_threads['"`]""")),
             "v8.js": (("v8",), re.compile(r"""['"`](?:node:)?v8['"`]""")),
             # the web streams are globals too, and Blob's stream() makes one
             "stream_web.js": (("stream/web",), re.compile(r"""['"`](?:node:)?stream/web['"`]|\b(?:(?:Readable|Writable|"""
                                                          r"""Transform)Stream\w*|ReadableByteStreamController|"""
                                                          r"""(?:ByteLength|Count)QueuingStrategy|Text(?:En|De)coderStream|"""
                                                          r"""(?:De)?CompressionStream|Blob|File|FormData|Response|Request)\b|"""
                                                          r"""['"`](?:node:)?stream/consumers['"`]""")),
             "stream_consumers.js": (("stream/consumers",), re.compile(r"""['"`](?:node:)?stream/consumers['"`]""")),
             # MessagePort is an EventTarget and MessageEvent an Event
             "abort.js": ((), re.compile(r"\b(?:AbortController|AbortSignal|EventTarget|Event|MessageChannel|MessagePort|Response|Request|"
                                         r"""MessageEvent)\b|['"`](?:node:)?worker_threads['"`]""")),
             # stream/consumers' blob() makes a Blob
             "blob.js": ((), re.compile(r"""\b(?:Blob|File|FormData|Response|Request)\b|['"`](?:node:)?stream/consumers['"`]""")),
             "formdata.js": ((), re.compile(r"\b(?:FormData|Response|Request)\b")),
             # Response and Request (their bodies are web streams of Blobs, FormData and more; a
             # Request has an AbortSignal): headers.js, stream_web.js, abort.js, blob.js and
             # formdata.js come with them
             **{name: ((), re.compile(r"\b(?:Response|Request)\b")) for name in ("fetch_body.js", "response.js", "request.js")},
             # worker_threads' MessageChannel and MessagePort are the globals
             "messaging.js": ((), re.compile(r"""\b(?:MessageChannel|MessagePort|MessageEvent)\b|"""
                                             r"""['"`](?:node:)?worker_threads['"`]""")),
             # assert.js (always there, small) takes the assertions from assertions.js, which takes
             # comparisons, messages and diffs, a failing assert.ok()'s source and CallTracker from
             # assert_*.js: ~100 KB, for functions naming assert
             **{name: ((), re.compile(r"""['"`](?:node:)?assert(?:/strict)?['"`]"""))
                for name in ("assertions.js", "assert_deep.js", "assert_message.js", "assert_source.js",
                             "assert_tracker.js")}}
# npm packages bundled into the Node layer: Buffer is feross/buffer, the browser port of Node's.
NPM_DEPS = {"buffer": ("buffer", "6.0.3", "index.js"), "base64-js": ("base64-js", "1.5.1", "index.js"),
            "ieee754": ("ieee754", "1.2.1", "index.js")}
# Globals whose use in a source evaluates them at build time (in the snapshot) rather than on first use.
PRELOAD_GLOBALS = ("Buffer", "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "process", "structuredClone",
                   "crypto")
# The package's files as the loader sees them while the function loads (/edge/files.txt: path and size,
# one a line): there is no directory listing in the engine, and a computed require('./locale/' + name)
# needs one. At most this many; past it the loader knows only the files it looked at.
MAX_LISTED_FILES = 100_000
# A require()/import() whose name is computed with a literal directory (`./locales/${lang}.json`,
# './locale/' + name): the build keeps the module files there it could load (docs/javascript.md,
# Modules), up to these many files and bytes of source a name, and bytes for all such names.
COMPUTED_FILES = 300
COMPUTED_BYTES = 1 * MiB
COMPUTED_TOTAL_BYTES = 2 * MiB
# What fs finds at request time besides the files the top level read: the function's own files
# (not node_modules, nothing hidden) that are not JavaScript (templates, locales, JSON, text), the
# smallest first, up to KEEP_FILES_BYTES in all and KEEP_FILE_BYTES each, as a Lambda package reads
# them from /var/task while it runs. Each kept byte is a byte of every instance's snapshot.
KEEP_FILES_BYTES = 256 * 1024
KEEP_FILE_BYTES = 64 * 1024
KEEP_SKIPPED_NAMES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb"})
KEEP_SKIPPED_SUFFIXES = (*ENTRY_EXTENSIONS, ".node", ".wasm", ".map", ".ts", ".tsx", ".mts", ".cts", ".jsx", ".zip")
# Never kept, whatever their size: hidden files and folders, keys and credentials, an edge server's
# state directory, and what the function's .edgeignore names (keep.py). The same holds for the maps below.
# A bundle's source map (`//# sourceMappingURL=index.js.map`, as esbuild, webpack and tsc write it),
# for source-map-support, which reads the bundle and its map when a request first formats a stack
# through them, as a Lambda function reads them from /var/task: in a function that has
# source-map-support (SOURCE_MAP_READERS), each own bundle naming a map in the package is kept with
# its map, the smallest pairs first, up to SOURCE_MAPS_BYTES in all (a warning names the rest).
SOURCE_MAPS_BYTES = 8 * MiB
SOURCE_MAPPING_URL = re.compile(rb"//[#@][ \t]*sourceMappingURL[ \t]*=[ \t]*([^\s'\"]+)[ \t]*\r?$", re.MULTILINE)
SOURCE_MAP_TAIL = 64 * 1024  # bytes at the end of a bundle where its sourceMappingURL comment is looked for
SOURCE_MAP_READERS = (b"source-map-support", b"retrieveSourceMap")  # named in a bundle that inlines it


@dataclass(frozen=True)
class Package:
    root: Path  # the function's directory (mapped at /var/task)
    entry: Path  # the handler's module file
    export: str  # the handler's export name (may be dotted)
    handler: str  # as configured, e.g. "index.handler"


def is_js_source(path: Path, handler: str | None = None) -> bool:
    """True for what build_js() takes: a .js/.mjs/.cjs/.zip file, or a directory holding a JS entry
    (index.js/index.mjs/index.cjs, the module a `handler` such as "app.main" names, or a
    package.json) and no C or Zig sources."""
    path = Path(path)
    if path.is_file():
        return path.suffix in (*ENTRY_EXTENSIONS, ".zip")
    if not path.is_dir():
        return False
    if any(path.glob("*.c")) or any(path.glob("*.zig")):
        return False
    modules = ["index"]
    if isinstance(handler, str) and "." in handler:  # Lambda's rule: the module is before the first dot
        module = handler.split(".", 1)[0]
        if module and not module.startswith("/") and ".." not in module.split("/"):
            modules.append(module)
    return any((path / f"{module}{ext}").is_file() for module in modules for ext in ENTRY_EXTENSIONS) or (
        path / "package.json").is_file()


def output_path(path: Path, handler: str | None = None) -> Path:
    """`<dir>/build/<name>.wasm`; a handler other than the default gets its own module,
    `<name>.<handler with . and / as ->.wasm`, so two functions built from one package with
    different handlers (one export per hook) never write, or read, each other's module."""
    path = Path(path)
    stem = path.stem if path.is_file() else path.resolve().name
    directory = path.parent if path.is_file() else path
    if handler is not None and handler != default_handler(path):
        stem = f"{stem}.{re.sub(r'[^A-Za-z0-9_$-]', '-', handler)}"
    return directory / "build" / f"{stem}.wasm"


def inputs(path: Path) -> list[Path]:
    """Files whose change requires a rebuild (build outputs, hidden directories, state dirs and caches
    excluded: package_scope.py; a server's logs inside the folder must not make each start rebuild)."""
    path = Path(path)
    if path.is_file():
        return [path]
    return [path / p for p, _ in package_scope.walk(path)
            if not any(part == "build" or part.startswith(".") for part in p.split("/")[:-1])]


def default_handler(path: Path) -> str:
    """Lambda's default for a package (index.handler), or <file>.handler for a single file."""
    path = Path(path)
    return f"{path.stem}.handler" if path.suffix in ENTRY_EXTENSIONS and not path.is_dir() else DEFAULT_HANDLER


def built_handler(wasm: Path) -> str | None:
    """The handler a module was built for (its build note), or None (not ours, or older)."""
    try:
        with open(wasm, "rb") as f:
            note = read_note(f.read(4096), BUILD_NOTE)
        return json.loads(note)["handler"] if note else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def needs_build(path: Path, wasm: Path | None = None, handler: str | None = None) -> bool:
    """True when the module is missing, older than the sources, the Node layer or the engine, or built for
    another handler than `handler` (None: the default, index.handler)."""
    wasm = Path(wasm) if wasm is not None else output_path(path, handler)
    try:
        built = wasm.stat().st_mtime
    except FileNotFoundError:
        return True
    if built_handler(wasm) != (handler or default_handler(path)):
        return True
    # the engine's own sources, the headers and edits (engine.py) it puts into QuickJS: a newer one
    # makes another engine, so the module is built again
    layer = [*NODE.glob("*.js"), *engine.OWN_SOURCES, *engine.QUICKJS_INCLUDES, Path(engine.__file__)]
    return any(p.stat().st_mtime > built for p in [*inputs(path), *layer] if p.exists())


def parse_handler(handler: str) -> tuple[str, str]:
    """Lambda's rule: the module is everything before the first dot, the export path after it.

    'index.handler' -> ('index', 'handler'); 'src/app.main' -> ('src/app', 'main')."""
    match = re.fullmatch(r"([^.]*)\.(.*)", handler) if isinstance(handler, str) else None
    if match is None:
        raise JsBuildError(f"handler {handler!r} must be <module>.<export>, e.g. index.handler")
    module, export = match.groups()
    if not module or module.startswith("/") or ".." in module.split("/"):
        raise JsBuildError(f"handler {handler!r} must name a module inside the function, e.g. index.handler")
    if not re.fullmatch(r"[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*", export):
        raise JsBuildError(f"handler {handler!r}: {export!r} is not an export name")
    return module, export


def find_package(root: Path, handler: str | None, default_module: str = "index", *, label: str | None = None,
                 where: str = "", option: str = "--handler {}") -> Package:
    """The handler's module under `root`. Errors say where it was looked for as the user knows it
    (`label`: a prefix naming the function, none by default; `where`: the place inside an archive,
    never a temporary directory) and how to name another handler (`option`: "--handler {}" for the
    CLI, "?handler={}" for the admin API)."""
    handler = handler or f"{default_module}.handler"
    module, export = parse_handler(handler)
    for ext in ENTRY_EXTENSIONS:
        candidate = root / f"{module}{ext}"
        if candidate.is_file():
            return Package(root, candidate, export, handler)
    names = ", ".join(f"{module}{ext}" for ext in ENTRY_EXTENSIONS[:-1]) + f" or {module}{ENTRY_EXTENSIONS[-1]}"
    found = sorted(p.name for p in root.iterdir() if p.is_file() and p.suffix in ENTRY_EXTENSIONS) if root.is_dir() else []
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        there = f" (there {'is' if len(found) == 1 else 'are'} {shown})"
        example = option.format(f"{Path(found[0]).stem}.{export}")
    else:
        there = " (it has no .js, .mjs or .cjs file)"
        example = option.format("file.function")
    raise JsBuildError(f"{_prefix(label)}no {names}{where} for handler {handler!r}{there}: name the handler's "
                       f"file and function, e.g. {example}")


def _preloads(root: Path) -> list[str]:
    """Globals the function's own sources name (not node_modules): evaluated into the snapshot."""
    names: set[str] = set()
    pattern = re.compile(r"\b(" + "|".join(PRELOAD_GLOBALS) + r")\b")
    for path in package_scope.sources(root):
        if path.suffix not in ENTRY_EXTENSIONS or "node_modules" in path.relative_to(root).parts:
            continue
        try:
            names.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return sorted(names)


# What QuickJS has no ICU for (docs/javascript.md, Intl): named in a function's own source, a build warning
# ("Intl" in quotes is a name in a list, as a bundled package's keyword tables have it, not a use)
LOCALE_USE = re.compile(r"(?<!['\"`])\bIntl\b(?!['\"`])|\.toLocale(?:Date|Time)?String\(|\.localeCompare\(")


def _locale_warning(root: Path) -> str | None:
    """A warning naming the first place a function's own sources (not node_modules) use Intl,
    toLocaleString/toLocaleDateString/toLocaleTimeString or localeCompare (comment lines skipped)."""
    for path in package_scope.sources(root):
        rel = path.relative_to(root)
        if path.suffix not in ENTRY_EXTENSIONS or "node_modules" in rel.parts or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if LOCALE_USE.search(text) is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            found = LOCALE_USE.search(line)
            if found is None or line.lstrip().startswith(("//", "/*", "*")):
                continue
            what = found.group().lstrip(".").rstrip("(")
            what = what if what == "Intl" else f"{what}()"
            return (f"{rel.as_posix()}:{number}: uses {what}, but the engine has no ICU: Intl is absent, the "
                    "toLocale...String() methods ignore locales and options (no digit grouping, dates in UTC) and "
                    "localeCompare() compares code points. Format dates and numbers explicitly (toISOString(), "
                    "toFixed()) and compare strings with < or a table of your own")
    return None


def _on_demand(root: Path) -> list[str]:
    """The ON_DEMAND built-in files some source of the package names (a literal 'stream', ...)."""
    wanted = set()
    for path in package_scope.sources(root):
        if path.suffix not in ENTRY_EXTENSIONS or len(wanted) == len(ON_DEMAND):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        wanted.update(name for name, (_, pattern) in ON_DEMAND.items() if name not in wanted and pattern.search(text))
    return sorted(wanted)


def _package_files(root: Path, out: Path | None = None) -> tuple[list[tuple[str, int]], bool]:
    """The package's files (path from `root`, size) and whether that is all of them (at most
    MAX_LISTED_FILES). Links to directories are not followed (the loader follows pnpm's itself);
    hidden directories at the top (.git, .aws-sam) are left out, those in node_modules (.pnpm) kept.
    Paths that are not UTF-8 or hold a newline or a tab are left out too (nothing could name them).
    So are builds' outputs (`out`, any module with the build note), state dirs and caches, which
    would make every rebuild differ (package_scope.py)."""
    return package_scope.package_files(root, out, MAX_LISTED_FILES)


def _kept_files(files: list[tuple[str, int]], rules: Rules | None = None) -> tuple[list[str], list[tuple[str, int]]]:
    """Of the package's files, those fs keeps for request time (see KEEP_FILES_BYTES), and those it
    could have kept but left out (over a file's or the whole budget). Never what `rules` exclude
    (hidden, key-like, a state directory's, .edgeignore's)."""
    rules = rules or Rules()
    own = [(path, size) for path, size in files
           if "node_modules" not in path.split("/") and not rules.excluded(path)
           and path.rsplit("/", 1)[-1] not in KEEP_SKIPPED_NAMES and not path.endswith(KEEP_SKIPPED_SUFFIXES)]
    kept: list[str] = []
    left_out: list[tuple[str, int]] = []
    total = 0
    for path, size in sorted(own, key=lambda f: (f[1], f[0])):
        if size <= KEEP_FILE_BYTES and total + size <= KEEP_FILES_BYTES:
            kept.append(path)
            total += size
        else:
            left_out.append((path, size))
    return sorted(kept), sorted(left_out)


def _kept_files_warning(left_out: list[tuple[str, int]]) -> str:
    shown = ", ".join(f"{path} ({size / 1024:.0f} KiB)" for path, size in left_out[:5])
    more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
    return (f"{len(left_out)} of the function's own files that are not JavaScript {'is' if len(left_out) == 1 else 'are'} "
            f"not kept for fs at request time: {shown}{more}. The build keeps such files (templates, locales, JSON, "
            f"text), the smallest first, up to {KEEP_FILES_BYTES // 1024} KiB in all and {KEEP_FILE_BYTES // 1024} "
            "KiB each; a request reading one of the others fails with ENOENT. Read such a file at the top level of a "
            "module (it is read at build time and kept, whatever its size), or require() a JSON file")


def _source_maps(root: Path, files: list[tuple[str, int]], rules: Rules) -> tuple[list[str], list[tuple[str, int]]]:
    """The own bundles naming a source map in the package and those maps, kept for fs when the
    function has source-map-support (see SOURCE_MAPS_BYTES), and the maps left out with the bytes
    each would have taken with its bundle."""
    sizes = dict(files)
    pairs: list[tuple[str, str]] = []
    for path, size in files:
        if not path.endswith(ENTRY_EXTENSIONS) or "node_modules" in path.split("/") or rules.excluded(path):
            continue
        target = _map_path(path, _source_mapping_url(root / path, size))
        if target is not None and target in sizes and not rules.excluded(target):
            pairs.append((path, target))
    if not pairs or not _reads_source_maps(root, files):
        return [], []
    kept: set[str] = set()
    left_out: list[tuple[str, int]] = []
    total = 0
    for bundle, source_map in sorted(pairs, key=lambda pair: (sizes[pair[0]] + sizes[pair[1]], pair)):
        size = sum(sizes[p] for p in {bundle, source_map} - kept)
        if total + size <= SOURCE_MAPS_BYTES:
            kept.update((bundle, source_map))
            total += size
        else:
            left_out.append((source_map, sizes[bundle] + sizes[source_map]))
    return sorted(kept), left_out


def _source_mapping_url(path: Path, size: int) -> str | None:
    """The last `//# sourceMappingURL=` comment's URL near the end of a file, or None."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, size - SOURCE_MAP_TAIL))
            tail = f.read(SOURCE_MAP_TAIL)
    except OSError:
        return None
    found = SOURCE_MAPPING_URL.findall(tail)
    return found[-1].decode("utf-8", "replace") if found else None


def _map_path(bundle: str, url: str | None) -> str | None:
    """A sourceMappingURL as a path in the package (from its top), or None: inline (`data:`),
    elsewhere (`https:`), or outside the package."""
    if not url or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url):
        return None
    relative = urllib.parse.unquote(url.split("#", 1)[0].split("?", 1)[0])
    if not relative or relative.startswith("/"):
        return None
    path = posixpath.normpath(posixpath.join(posixpath.dirname(bundle), relative))
    return None if path == ".." or path.startswith("../") else path


def _reads_source_maps(root: Path, files: list[tuple[str, int]]) -> bool:
    """Whether the function has source-map-support: installed in a node_modules, or bundled into one
    of its own files (SOURCE_MAP_READERS)."""
    if any("/node_modules/source-map-support/" in f"/{path}" for path, _ in files):
        return True
    for path, _ in files:
        if path.endswith(ENTRY_EXTENSIONS) and "node_modules" not in path.split("/"):
            try:
                data = (root / path).read_bytes()
            except OSError:
                continue
            if any(marker in data for marker in SOURCE_MAP_READERS):
                return True
    return False


def _source_maps_warning(left_out: list[tuple[str, int]]) -> str:
    shown = ", ".join(f"{path} ({size / MiB:.1f} MiB with its bundle)" for path, size in left_out[:5])
    more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
    return (f"{len(left_out)} source map{'s' if len(left_out) > 1 else ''} a bundle names {'are' if len(left_out) > 1 else 'is'} "
            f"not kept for fs at request time: {shown}{more}. The build keeps a bundle's map with the bundle for "
            f"source-map-support, up to {_mib(SOURCE_MAPS_BYTES)} in all; a request's error stacks through the others keep "
            "the bundle's lines. Format an error's stack at the top level of a module (the map is then read at build time "
            "and kept, whatever its size), or make the map smaller (without sourcesContent)")


def _npm_source(name: str) -> str:
    package, version, main = NPM_DEPS[name]
    try:
        return (fetch.npm_package(package, version) / main).read_text(encoding="utf-8")
    except fetch.FetchError as exc:
        raise JsBuildError(f"the JavaScript toolchain could not fetch {package}@{version} from npm: {exc}") from None


def boot_source(config: dict) -> str:
    """/edge/boot.js: the Node layer and this function's configuration in one script."""
    parts = [
        "(function () {\n'use strict';\n",
        f"const CONFIG = {json.dumps(config)};\n",
        (NODE / "prelude.js").read_text(encoding="utf-8"),
        (NODE / "callsite.js").read_text(encoding="utf-8"),  # V8's CallSite methods the engine lacks
    ]
    for dep in ("base64-js", "ieee754"):
        parts.append(f"defineBuiltin('internal/deps/{dep}', function (exports, require, module) {{\n"
                     f"{_npm_source(dep)}\n}});\n")
    parts.append("defineBuiltin('internal/deps/buffer', function (exports, _require, module) {\n"
                 "const require = (n) => _require('internal/deps/' + n);\n"
                 f"{_npm_source('buffer')}\n}});\n")
    for name in (*BUILTINS, *config.get("builtins", ())):
        parts.append((NODE / name).read_text(encoding="utf-8"))
    parts.append((NODE / "loader.js").read_text(encoding="utf-8"))
    parts.append((NODE / "runtime.js").read_text(encoding="utf-8"))
    parts.append("\nreturn hooks;\n})()\n")
    return "\n".join(parts)


class _Excerpt:
    """One of Wizer's output streams read as it comes, in bounded memory: its first and last
    OUTPUT_KEEP bytes are kept (the rest only counted), and with `warnings` the build warnings
    among its lines are picked out (at most MAX_WARNINGS, each cut at MAX_LINE characters)."""

    def __init__(self, warnings: list[str] | None = None) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.warnings = warnings
        self.more_warnings = 0
        self._line = bytearray()
        self._long = False

    def feed(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = OUTPUT_KEEP - len(self.head)
        if room > 0:
            self.head += chunk[:room]
        rest = chunk[max(room, 0):]
        if rest:
            self.tail += rest[-OUTPUT_KEEP:]
            if len(self.tail) > OUTPUT_KEEP:
                del self.tail[:len(self.tail) - OUTPUT_KEEP]
        if self.warnings is not None:
            self._scan(chunk)

    def _scan(self, chunk: bytes) -> None:
        start = 0
        while True:
            newline = chunk.find(b"\n", start)
            piece = chunk[start:] if newline < 0 else chunk[start:newline]
            room = MAX_LINE * 4 - len(self._line)  # bytes: up to 4 per character
            if len(piece) > room:
                self._long = True
            if room > 0:
                self._line += piece[:room]
            if newline < 0:
                return
            self._end_line()
            start = newline + 1

    def _end_line(self) -> None:
        line = self._line.decode("utf-8", "replace")
        if line.startswith(WARNING) and self.warnings is not None:
            if len(self.warnings) < MAX_WARNINGS:
                text = line[len(WARNING):]
                self.warnings.append(text[:MAX_LINE] + ("…" if self._long or len(text) > MAX_LINE else ""))
            else:
                self.more_warnings += 1
        self._line.clear()
        self._long = False

    def read(self, stream) -> None:  # type: ignore[no-untyped-def]
        """Until end of file (a thread's work)."""
        with stream:
            while chunk := stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536):
                self.feed(chunk)
        if self._line:
            self._end_line()

    def text(self) -> str:
        left_out = self.total - len(self.head) - len(self.tail)
        middle = f"\n[... {left_out} bytes of build output left out ...]\n" if left_out > 0 else ""
        return self.head.decode("utf-8", "replace") + middle + self.tail.decode("utf-8", "replace")


def build_memory(max_bytes: int) -> int:
    """What Wizer may allocate to build a module of up to `max_bytes`: it holds the function's
    memory, then a copy of it as data segments, then the module it writes (about 3x)."""
    return max(BUILD_MEMORY_BYTES, 4 * max_bytes)


def _limit(pid: int, memory_bytes: int, max_bytes: int) -> None:
    """Wizer's memory (RLIMIT_DATA: the guest's memory as it grows, Wizer's own heap), the size of
    the file it writes (RLIMIT_FSIZE) and no core file when it is stopped by one of them; set right
    after it starts (it is still compiling the engine then), so no preexec_fn runs in a threaded
    server. Linux; elsewhere Wizer runs without them."""
    if resource is None or not hasattr(resource, "prlimit"):
        return
    for which, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_DATA, memory_bytes),
                         (resource.RLIMIT_FSIZE, max_bytes + MiB)):
        try:
            resource.prlimit(pid, which, (value, value))
        except (OSError, ValueError):  # already gone, or not allowed here
            pass


def _run_wizer(engine_wasm: Path, root: Path, boot_dir: Path, out: Path, warn, *,  # type: ignore[no-untyped-def]
               timeout: float = WIZER_TIMEOUT, max_bytes: int = MAX_MODULE_BYTES) -> None:
    """Pre-initialise the engine with the function; its build warnings go to `warn`, failed or not.

    Bounded: `timeout` seconds, build_memory(max_bytes) of memory, a module file of about
    `max_bytes`, and of what the function prints while it loads only the first and the last
    OUTPUT_KEEP bytes of each stream are kept (for the error message; the rest is discarded)."""
    try:
        wizer = fetch.wizer()
    except fetch.FetchError as exc:
        raise JsBuildError(f"the JavaScript toolchain is missing Wizer: {exc}") from None
    cmd = [str(wizer), str(engine_wasm), "-o", str(out), "--allow-wasi", "--inherit-stdio", "true",
           "--mapdir", f"{GUEST_ROOT}::{root}", "--mapdir", f"/edge::{boot_dir}"]
    memory_bytes = build_memory(max_bytes)
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise JsBuildError(f"could not run Wizer ({wizer}): {exc}") from None
    _limit(proc.pid, memory_bytes, max_bytes)
    warnings: list[str] = []
    stderr, stdout = _Excerpt(warnings), _Excerpt()
    readers = [threading.Thread(target=excerpt.read, args=(stream,), daemon=True, name="edge-wizer-output")
               for excerpt, stream in ((stderr, proc.stderr), (stdout, proc.stdout))]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        if proc.returncode is None:  # timed out, or this thread was interrupted
            proc.kill()
            proc.wait()
        for reader in readers:
            reader.join(5)
    for text in warnings:
        warn(text)
    if stderr.more_warnings:
        warn(f"... and {stderr.more_warnings} more warnings")
    if timed_out:
        raise JsBuildError(f"loading the function took longer than {timeout:g} s at build time (parsing its "
                           "sources and running their top-level code)")
    if hasattr(signal, "SIGXFSZ") and proc.returncode == -signal.SIGXFSZ:  # the file size limit
        raise _too_large(out, max_bytes, more=True)
    if proc.returncode != 0 or not out.exists():
        raise _load_failure(stderr.text(), memory_bytes, stdout.text())


def _too_large(out: Path, max_bytes: int, more: bool = False) -> JsBuildError:
    """The module is over the cap: Wizer stopped writing it (`more`), or wrote it all to `out`."""
    size = "" if more else f" ({out.stat().st_size / MiB:.1f} MiB)"
    return JsBuildError(f"the built module{size} is larger than the {_mib(max_bytes)} limit for a module: the "
                        "function's top-level code keeps that much in memory (arrays, buffers or strings made while "
                        "it loads are stored in the module)")


def _mib(size: int) -> str:
    return f"{size / MiB:g} MiB"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} more characters]"


def _load_failure(output: str, memory_bytes: int = BUILD_MEMORY_BYTES, stdout: str = "") -> JsBuildError:
    """The error that stopped the function loading, located: the build's own errors (a static import
    that cannot be had, a handler that is not a function) say `file:line:` already; a syntax error or
    a throw gets its place (`file:line:col:`) from the first stack frame in the function's files.
    `output` is Wizer's stderr (where the boot code reports), `stdout` what else it printed."""
    marker = "the function failed to load: "
    text = "\n".join(ln for ln in output.strip().splitlines() if not ln.startswith(WARNING))
    if marker not in text and stdout.strip():
        text = f"{text}\n{stdout.strip()}"
    budget = f"at build time the function loads within a {_mib(memory_bytes)} memory cap"
    if marker in text:
        detail = text[text.rindex(marker) + len(marker):]
        detail = detail.split("\nError: the `wizer.initialize` function trapped", 1)[0].rstrip()  # Wizer's own trace
        detail = re.sub(r"^BuildError: ", "", detail)
        detail = _own_frames(detail)
        frame = FRAME.search(detail)
        if frame is not None and not re.match(r"[^\s:]+:\d+:", detail):
            detail = f"{frame[1]}:{frame[2]}:{frame[3]}: {detail}"
        lines = [_clip(ln, MAX_LINE) for ln in detail.splitlines() if ln.strip()] or ["unknown error"]
        if "InternalError: out of memory" in lines[0]:
            lines[0] = f"{lines[0]} ({budget})"
        return JsBuildError(_clip("\n".join(lines), MAX_DETAIL), summary=_clip(lines[0], MAX_SUMMARY))
    if re.search(r"^memory allocation of \d+ bytes failed", text, re.MULTILINE):
        message = f"pre-initialising the function ran out of memory ({budget}, the snapshot included)"
        return JsBuildError(message)
    text = text.split("\nStack backtrace:", 1)[0].rstrip()  # Wizer's own (Rust) backtrace: nothing of the function's
    trap = re.search(r"wasm trap: ([^\n]+)", text)
    if trap is not None:  # the engine itself stopped (no JavaScript error, so no file:line): one line
        cause = trap[1].strip()
        if "call stack exhausted" in cause:
            cause += " (the engine's native stack ran out before its JavaScript stack limit; please report it)"
        message = _clip(f"pre-initialising the function failed: wasm trap: {cause}", MAX_LINE)
        return JsBuildError(message, summary=_clip(message, MAX_SUMMARY))
    tail = "\n".join(_clip(ln, MAX_LINE) for ln in text.splitlines()[-20:]
                     if not re.match(r"\s*\d+:\s+0x[0-9a-f]+ - ", ln))  # wasm backtrace frames
    return JsBuildError(f"pre-initialising the function failed:\n{tail}",
                        summary="pre-initialising the function failed (Wizer); see the build output")


def _own_frames(detail: str) -> str:
    """A load failure's stack with the function's own frames only: the Node layer's (its require,
    its errors' helpers: `node:internal/boot`, built-ins around them) dropped, so the first frame is
    the function's line that threw or required, as Node's `at Object.<anonymous> (/path/index.js:3:9)`;
    a built-in between the function's frames (`at Array.map (<anonymous>)`) stays, as in Node's.
    A stack with no frame of the function's (the layer failed by itself) is kept whole."""
    lines = detail.splitlines()
    own = [i for i, ln in enumerate(lines) if STACK_LINE.match(ln) and FRAME.search(ln)]
    if not own:
        return detail
    return "\n".join(ln for i, ln in enumerate(lines) if not STACK_LINE.match(ln) or FRAME.search(ln)
                     or (own[0] < i < own[-1] and ln.endswith(" (<anonymous>)")))


def _write_module(snapshot: Path, out: Path, note: bytes, stack_top: int | None = None) -> None:
    """The function module from Wizer's snapshot, streamed to `out`: the build note first, the
    export section without `_initialize`, the data without the dead stack below `stack_top`
    (dead_stack.py: what made two builds differ), every other section copied as it is (the snapshot
    is mapped, not read: a large one is never held in memory, let alone copied)."""
    with open(snapshot, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data, open(out, "wb") as dst:
        view = memoryview(data)
        try:
            _copy_sections(data, view, dst, note, dead_stack.dead_below(data, stack_top))
        except (IndexError, ValueError) as exc:
            raise JsBuildError(f"Wizer wrote a module that cannot be read ({exc})") from None
        finally:
            view.release()


def _copy_sections(data: mmap.mmap, view: memoryview, dst, note: bytes,  # type: ignore[no-untyped-def]
                   dead_below: int | None = None) -> None:
    if data[:4] != b"\0asm":
        raise JsBuildError("Wizer wrote something that is not a WebAssembly module")
    dst.write(with_note(bytes(data[:8]), BUILD_NOTE, note))
    pos = 8
    while pos < len(data):
        size, body = read_uleb(data, pos + 1)
        end = body + size
        if end > len(data):
            raise ValueError(f"section at {pos} ends past the end")
        if data[pos] == EXPORT_SECTION:  # a few hundred bytes: rewritten in memory
            dst.write(drop_exports(bytes(data[:8]) + bytes(data[pos:end]), {"_initialize"})[8:])
        elif data[pos] == dead_stack.DATA_SECTION and dead_below is not None:
            dead_stack.write_data_section(data, view, body, end, dead_below, dst)
        else:
            dst.write(view[pos:end])
        pos = end


def build_js(path: Path, *, out: Path | None = None, handler: str | None = None, log=None,  # type: ignore[no-untyped-def]
             timeout: float = WIZER_TIMEOUT, max_bytes: int = MAX_MODULE_BYTES, label: str | None = None,
             option: str = "--handler {}") -> Path:
    """Build a JavaScript function into a pre-initialised edge reactor module; returns its path.

    Bounded: the function's top-level code may run `timeout` seconds, the module may be up to
    `max_bytes` and building it may take build_memory(max_bytes) of memory; beyond, JsBuildError.
    `label` prefixes errors about the source (none by default: `edge build` adds the path as
    given), `option` says how to name a handler ("--handler {}")."""
    path = Path(path)
    if not path.exists():
        raise JsBuildError(f"{path}: no such file or directory")
    out = Path(out) if out is not None else output_path(path, handler)
    try:
        engine_wasm = engine.ensure_engine(log=log)
    except engine.EngineError as exc:
        raise JsBuildError(str(exc), summary=str(exc).splitlines()[0]) from None
    with tempfile.TemporaryDirectory(prefix="edge-js-") as tmp:
        tmp_dir = Path(tmp)
        folder = None  # a .zip's only folder, when its files are in one (Lambda would not look inside)
        if path.is_dir():
            package = find_package(path.resolve(), handler, label=label, option=option)
        elif path.suffix == ".zip":
            unpacked = tmp_dir / "package"
            root = _extract_zip(path, unpacked, label)
            folder = None if root == unpacked else root.relative_to(unpacked).as_posix()
            where = " at the top of the archive" if folder is None else f" in {folder}/ (the archive's only folder)"
            package = find_package(root, handler, label=label, where=where, option=option)
        elif path.suffix in ENTRY_EXTENSIONS:
            root = tmp_dir / "package"
            root.mkdir()
            shutil.copy2(path, root / path.name)
            package = find_package(root, handler, default_module=path.stem, label=label, option=option)
        else:
            raise JsBuildError(f"{path}: not a JavaScript function (a directory with index.js/index.mjs, "
                               "a .js/.mjs file or a .zip deployment package)")
        rel_entry = package.entry.relative_to(package.root).as_posix()
        links, links_out = package_scope.links(package.root, GUEST_ROOT)
        files, listed_all = _package_files(package.root, out)
        builtins = _on_demand(package.root)
        rules = Rules.of(package.root, files)
        kept, left_out = _kept_files(files, rules) if "fs.js" in builtins else ([], [])
        maps, maps_left_out = _source_maps(package.root, files, rules) if "fs.js" in builtins else ([], [])
        kept = sorted({*kept, *maps})
        config = {
            "root": GUEST_ROOT,
            "entry": f"{GUEST_ROOT}/{rel_entry}",
            "entryName": rel_entry,
            "exportName": package.export,
            "handler": package.handler,
            "preload": _preloads(package.root),
            "builtins": builtins,
            "onDemand": sorted(m for modules, _ in ON_DEMAND.values() for m in modules),
            "links": links,  # symbolic links in the package (pnpm's node_modules): modules get real paths
            "linksOut": links_out,  # links the build cannot follow, for "cannot find module" to say why
            "listedAll": listed_all,  # /edge/files.txt lists every file of the package
            "computed": {"files": COMPUTED_FILES, "bytes": COMPUTED_BYTES, "totalBytes": COMPUTED_TOTAL_BYTES},
            "keepFiles": kept,  # read by fs at the end of the build (fs.js)
            "keepBytes": KEEP_FILES_BYTES,
        }
        boot_dir = tmp_dir / "edge"
        boot_dir.mkdir()
        (boot_dir / "boot.js").write_text(boot_source(config), encoding="utf-8")
        # a file, not part of boot.js: as a script's literals its names would stay in the engine's atom table;
        # sorted as JavaScript compares strings (UTF-16 code units), for the loader's binary search
        listed = sorted(files, key=lambda f: f[0].encode("utf-16-be", "surrogatepass"))
        (boot_dir / "files.txt").write_text("".join(f"{p}\t{size}\n" for p, size in listed), encoding="utf-8")
        snapshot = tmp_dir / "snapshot.wasm"

        def warn(text: str) -> None:
            if log is not None:
                log(f"warning: {path}: {text}")
            else:
                logging.getLogger("edge.js").warning("%s: %s", path, text)

        locale = _locale_warning(package.root)
        if locale is not None:
            warn(locale)
        if left_out:
            warn(_kept_files_warning(left_out))
        if maps_left_out:
            warn(_source_maps_warning(maps_left_out))
        if folder is not None:
            warn(f"the archive keeps its files in {folder}/ (its only folder): built from there, but Lambda runs a "
                 "package from the archive's top level and would fail with Runtime.ImportModuleError; zip the "
                 f"folder's contents instead (cd {folder} && zip -r ../function.zip .)")
        _run_wizer(engine_wasm, package.root, boot_dir, snapshot, warn, timeout=timeout, max_bytes=max_bytes)
        if snapshot.stat().st_size > max_bytes:
            raise _too_large(snapshot, max_bytes)
        if snapshot.stat().st_size < 8:
            raise JsBuildError("Wizer wrote an empty module")
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".wasm")
        os.close(fd)
        try:
            _write_module(snapshot, Path(tmp_name), json.dumps({"handler": package.handler}).encode(),
                          dead_stack.stack_top(engine_wasm))
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, out)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
    return out
