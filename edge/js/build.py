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
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import engine, fetch
from .wasmfile import drop_exports, read_note, with_note

HERE = Path(__file__).resolve().parent
NODE = HERE / "node"
GUEST_ROOT = "/var/task"
ENTRY_EXTENSIONS = (".js", ".mjs", ".cjs")
DEFAULT_HANDLER = "index.handler"
MAX_ZIP_BYTES = 64 * 1024 * 1024  # uncompressed, like Lambda's 50 MB package limit with room
MAX_ZIP_FILES = 20_000
WIZER_TIMEOUT = 120
BUILD_NOTE = "edge.js.build"  # custom section: how the module was built ({"handler": ...})
WARNING = "edge-build-warning: "  # a build warning on the guest's stderr (edge/js/node/loader.js)
FRAME = re.compile(re.escape(GUEST_ROOT) + r"/([^\s():]+):(\d+):(\d+)")  # a stack frame in the function's files

# Node layer files in load order (each built-in registers itself; loader and runtime come last).
BUILTINS = ("util.js", "console.js", "timers.js", "events.js", "process.js", "path.js", "querystring.js",
            "encoding.js", "url.js", "buffer.js", "string_decoder.js", "zlib.js", "crypto.js", "assert.js",
            "clone.js", "tty.js")
# Built-ins put in a function only when one of its sources (node_modules included) names them: stream
# adds ~90 KB to a module and ~2 MB to its memory, which functions that never use it should not pay;
# ec.js (crypto's ECDSA and Ed25519, no module of its own) adds ~20 KB, for functions naming crypto.
# http.js (http and https whose calls refuse, with Node's METHODS and STATUS_CODES) ~5 KB.
ON_DEMAND = {"stream.js": (("stream", "stream/promises"),
                           re.compile(r"""['"`](?:node:)?stream(?:/promises)?['"`]""")),
             "ec.js": ((), re.compile(r"""['"`](?:node:)?crypto['"`]""")),
             "http.js": (("http", "https"), re.compile(r"""['"`](?:node:)?https?['"`]"""))}
# npm packages bundled into the Node layer: Buffer is feross/buffer, the browser port of Node's.
NPM_DEPS = {"buffer": ("buffer", "6.0.3", "index.js"), "base64-js": ("base64-js", "1.5.1", "index.js"),
            "ieee754": ("ieee754", "1.2.1", "index.js")}
# Globals whose use in a source evaluates them at build time (in the snapshot) rather than on first use.
PRELOAD_GLOBALS = ("Buffer", "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "process", "structuredClone")


class JsBuildError(Exception):
    """The function could not be built; `summary` is one line (what `edge build` prints)."""

    def __init__(self, message: str, summary: str | None = None) -> None:
        super().__init__(message)
        self.summary = summary or (message.splitlines()[0] if message else "build failed")


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


def output_path(path: Path) -> Path:
    path = Path(path)
    if path.is_file():
        return path.parent / "build" / f"{path.stem}.wasm"
    return path / "build" / f"{path.resolve().name}.wasm"


def inputs(path: Path) -> list[Path]:
    """Files whose change requires a rebuild (build outputs and hidden directories excluded)."""
    path = Path(path)
    if path.is_file():
        return [path]
    return [p for p in path.rglob("*") if p.is_file()
            and not any(part == "build" or part.startswith(".") for part in p.relative_to(path).parts[:-1])]


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
    """True when the module is missing, older than the sources or the Node layer, or built for
    another handler than `handler` (None: the default, index.handler)."""
    wasm = Path(wasm) if wasm is not None else output_path(path)
    try:
        built = wasm.stat().st_mtime
    except FileNotFoundError:
        return True
    if built_handler(wasm) != (handler or default_handler(path)):
        return True
    layer = [*NODE.glob("*.js"), *engine.OWN_SOURCES]
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


def find_package(root: Path, handler: str | None, default_module: str = "index") -> Package:
    handler = handler or f"{default_module}.handler"
    module, export = parse_handler(handler)
    for ext in ENTRY_EXTENSIONS:
        candidate = root / f"{module}{ext}"
        if candidate.is_file():
            return Package(root, candidate, export, handler)
    names = ", ".join(f"{module}{ext}" for ext in ENTRY_EXTENSIONS)
    raise JsBuildError(f"{root}: no {names} for handler {handler!r}")


def _extract_zip(archive: Path, dest: Path) -> Path:
    """Unpack a Lambda-style deployment package safely; returns the package root."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_ZIP_FILES:
                raise JsBuildError(f"{archive.name}: more than {MAX_ZIP_FILES} files")
            total = 0
            for info in members:
                name = info.filename
                parts = Path(name).parts
                if name.startswith(("/", "\\")) or ".." in parts or ":" in name:
                    raise JsBuildError(f"{archive.name}: unsafe path {name!r} in the archive")
                total += info.file_size
                if total > MAX_ZIP_BYTES:
                    raise JsBuildError(f"{archive.name}: more than {MAX_ZIP_BYTES // (1024 * 1024)} MiB uncompressed")
                if info.is_dir():
                    continue
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
    except zipfile.BadZipFile as exc:
        raise JsBuildError(f"{archive.name}: not a valid .zip archive ({exc})") from None
    entries = [p for p in dest.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    has_entry = any((dest / f"index{ext}").exists() for ext in ENTRY_EXTENSIONS)
    if not has_entry and len(entries) == 1 and entries[0].is_dir():
        return entries[0]  # zipped with its folder: look inside it
    return dest


def _preloads(root: Path) -> list[str]:
    """Globals the function's own sources name (not node_modules): evaluated into the snapshot."""
    names: set[str] = set()
    pattern = re.compile(r"\b(" + "|".join(PRELOAD_GLOBALS) + r")\b")
    for path in root.rglob("*"):
        if path.suffix not in ENTRY_EXTENSIONS or "node_modules" in path.relative_to(root).parts:
            continue
        try:
            names.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return sorted(names)


def _on_demand(root: Path) -> list[str]:
    """The ON_DEMAND built-in files some source of the package names (a literal 'stream', ...)."""
    wanted = set()
    for path in root.rglob("*"):
        if path.suffix not in ENTRY_EXTENSIONS or len(wanted) == len(ON_DEMAND):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        wanted.update(name for name, (_, pattern) in ON_DEMAND.items() if name not in wanted and pattern.search(text))
    return sorted(wanted)


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


def _run_wizer(engine_wasm: Path, root: Path, boot_dir: Path, out: Path, warn) -> None:  # type: ignore[no-untyped-def]
    """Pre-initialise the engine with the function; its build warnings go to `warn`, failed or not."""
    try:
        wizer = fetch.wizer()
    except fetch.FetchError as exc:
        raise JsBuildError(f"the JavaScript toolchain is missing Wizer: {exc}") from None
    cmd = [str(wizer), str(engine_wasm), "-o", str(out), "--allow-wasi", "--inherit-stdio", "true",
           "--mapdir", f"{GUEST_ROOT}::{root}", "--mapdir", f"/edge::{boot_dir}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=WIZER_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise JsBuildError(f"loading the function took longer than {WIZER_TIMEOUT} s at build time "
                           "(a top-level loop?)") from None
    except OSError as exc:
        raise JsBuildError(f"could not run Wizer ({wizer}): {exc}") from None
    for line in proc.stderr.splitlines():
        if line.startswith(WARNING):
            warn(line[len(WARNING):])
    if proc.returncode != 0 or not out.exists():
        raise _load_failure(proc.stderr + proc.stdout)


def _load_failure(output: str) -> JsBuildError:
    """The error that stopped the function loading, located: the build's own errors (a static import
    that cannot be had, a handler that is not a function) say `file:line:` already; a syntax error or
    a throw gets its place (`file:line:col:`) from the first stack frame in the function's files."""
    marker = "the function failed to load: "
    text = "\n".join(ln for ln in output.strip().splitlines() if not ln.startswith(WARNING))
    if marker in text:
        detail = text[text.index(marker) + len(marker):]
        detail = detail.split("\nError: the `wizer.initialize` function trapped", 1)[0].rstrip()  # Wizer's own trace
        detail = re.sub(r"^BuildError: ", "", detail)
        frame = FRAME.search(detail)
        if frame is not None and not re.match(r"[^\s:]+:\d+:", detail):
            detail = f"{frame[1]}:{frame[2]}:{frame[3]}: {detail}"
        lines = [ln for ln in detail.splitlines() if ln.strip()]
        first = lines[0] if lines else "unknown error"
        return JsBuildError(detail, summary=first)
    tail = "\n".join(text.splitlines()[-20:])
    return JsBuildError(f"pre-initialising the function failed:\n{tail}",
                        summary="pre-initialising the function failed (Wizer); see the build output")


def build_js(path: Path, *, out: Path | None = None, handler: str | None = None, log=None) -> Path:  # type: ignore[no-untyped-def]
    """Build a JavaScript function into a pre-initialised edge reactor module; returns its path."""
    path = Path(path)
    if not path.exists():
        raise JsBuildError(f"{path}: no such file or directory")
    out = Path(out) if out is not None else output_path(path)
    try:
        engine_wasm = engine.ensure_engine(log=log)
    except engine.EngineError as exc:
        raise JsBuildError(str(exc), summary=str(exc).splitlines()[0]) from None
    with tempfile.TemporaryDirectory(prefix="edge-js-") as tmp:
        tmp_dir = Path(tmp)
        if path.is_dir():
            package = find_package(path.resolve(), handler)
        elif path.suffix == ".zip":
            root = _extract_zip(path, tmp_dir / "package")
            package = find_package(root, handler)
        elif path.suffix in ENTRY_EXTENSIONS:
            root = tmp_dir / "package"
            root.mkdir()
            shutil.copy2(path, root / path.name)
            package = find_package(root, handler, default_module=path.stem)
        else:
            raise JsBuildError(f"{path}: not a JavaScript function (a directory with index.js/index.mjs, "
                               "a .js/.mjs file or a .zip deployment package)")
        rel_entry = package.entry.relative_to(package.root).as_posix()
        config = {
            "root": GUEST_ROOT,
            "entry": f"{GUEST_ROOT}/{rel_entry}",
            "entryName": rel_entry,
            "exportName": package.export,
            "handler": package.handler,
            "preload": _preloads(package.root),
            "builtins": _on_demand(package.root),
            "onDemand": sorted(m for modules, _ in ON_DEMAND.values() for m in modules),
        }
        boot_dir = tmp_dir / "edge"
        boot_dir.mkdir()
        (boot_dir / "boot.js").write_text(boot_source(config), encoding="utf-8")
        snapshot = tmp_dir / "snapshot.wasm"

        def warn(text: str) -> None:
            if log is not None:
                log(f"warning: {path}: {text}")
            else:
                logging.getLogger("edge.js").warning("%s: %s", path, text)

        _run_wizer(engine_wasm, package.root, boot_dir, snapshot, warn)
        wasm = drop_exports(snapshot.read_bytes(), {"_initialize"})
        wasm = with_note(wasm, BUILD_NOTE, json.dumps({"handler": package.handler}).encode())
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".wasm")
    with os.fdopen(fd, "wb") as f:
        f.write(wasm)
    os.chmod(tmp_name, 0o644)
    os.replace(tmp_name, out)
    return out
