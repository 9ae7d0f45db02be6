"""JavaScript uploads to the admin API: a Lambda-style .zip or a single .js/.mjs file is built
into a Wasm module on the server (edge.js), off the event loop (edge/server/uploads.py bounds
how many at a time).

Detection, in order: a zip archive's magic bytes; `?filename=` ending in .zip/.js/.mjs/.cjs; a
zip or JavaScript Content-Type; else UTF-8 text that is not WebAssembly text (which starts with
`(module`, `(component` or a module field such as `(func`, after blanks and `;;`/`(; ;)`
comments) and reads like a Node handler (`exports`, `export`, `require(`, `handler`; any text
larger than what is read to tell). Anything else is a Wasm module (binary or WAT) or, when it
is not that either, refused naming `?filename=` (edge/server/uploads.py).

A .js file is CommonJS unless it has ES module syntax (`import`/`export` statements or
`import.meta`, outside comments, strings and template literals), as Node decides for a .js
file with no package.json "type"; .mjs is always a module, .cjs never.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..control.errors import ControlError

log = logging.getLogger("edge.js")

ZIP_MAGIC = b"PK\x03\x04"
JS_TYPES = ("application/javascript", "text/javascript", "application/x-javascript", "application/ecmascript")
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
UPLOAD_TIMEOUT = 30  # seconds an upload's top-level code may run at build time (`edge build`: 120)
BUILD_SLACK = 60  # seconds a build may take besides its top-level code (unpacking, scans, Wizer's own work)
POLL_SECONDS = 0.1  # how often a build's thread looks whether its client is gone
MAX_REPLY = 1024 * 1024  # bytes of the build process's replies and errors read
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # where `edge` is imported from: the builder imports the same
_HANDLER_HINT = re.compile(rb"\b(exports\b|export\b|require\s*\(|handler\b)")
# WebAssembly text: `(module`, `(component`, or the fields of a module written without it
_WAT_KEYWORD = re.compile(rb"\(\s*(module|component|func|memory|table|global|type|rec|import|export|data|elem|start|tag)"
                          rb"(?=[\s()$\"]|$)")
_FILE_NAME = re.compile(r"[\w$-]+")  # a handler's module that can name a single file upload
_BLANK = re.compile(rb"\s+|;;[^\n]*(\n|$)|\(;.*?;\)", re.DOTALL)


def looks_like_wat(body: bytes) -> bool:
    """True when `body` (whole, or its first bytes) starts as WebAssembly text does: after blanks
    and comments, `(module`, `(component` or a module field. A start still all comments counts."""
    pos = 3 if body.startswith(b"\xef\xbb\xbf") else 0
    while pos < len(body):
        blank = _BLANK.match(body, pos)
        if blank is None or blank.end() == pos:
            break
        pos = blank.end()
    else:
        return True  # nothing but blanks and comments so far
    if body.startswith(b"(;", pos):
        return True  # a block comment running past what was read
    return _WAT_KEYWORD.match(body, pos) is not None


def is_text(body: bytes, complete: bool = True) -> bool:
    """UTF-8 without NUL bytes (a sample may end inside a character)."""
    if b"\0" in body:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(body, final=complete)
    except UnicodeDecodeError:
        return False
    return True


# comments, strings, template literals and regular expressions: what module syntax is not looked for in.
# Every pattern below either consumes what it scanned or fails at the first character, except a regular
# expression literal that does not close on its line: code_only() then treats that line's other slashes
# as divisions, so no character is scanned more than twice and classifying is linear in the source's
# length (a line of `(/[` repeated once took minutes: each slash rescanned the rest of its line).
_SKIP = re.compile(r"""//[^\n]*|/\*.*?(?:\*/|\Z)|'(?:\\.|[^'\\\n])*'?|"(?:\\.|[^"\\\n])*"?""", re.DOTALL)
_TEMPLATE_TEXT = re.compile(r"(?:\\.|[^`\\$]|\$(?!\{))*", re.DOTALL)
_CODE_TOP = re.compile(r"""[^/'"`]+""")  # code outside a template literal's ${ }: braces need no counting
_CODE = re.compile(r"""[^/'"`{}]+""")  # code inside a ${ }: its braces are counted
# the rest of a line whose slashes divide (no regular expression literal closes on it)
_CODE_TOP_DIVIDES = re.compile(r"""(?:[^/'"`\n]++|/(?![/*]))++""")
_CODE_DIVIDES = re.compile(r"""(?:[^/'"`{}\n]++|/(?![/*]))++""")
# possessive: no backtracking, a literal is scanned once to its closing slash or its line's end
_REGEX = re.compile(r"/(?:\\.|\[(?:\\.|[^\]\\\n])*+\]|[^/\\\n\[])++/[a-z]*")
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
# after `import`/`export` at the start of a statement (past ^ or ; { } and blanks): what makes it one
_STATEMENT = {"import": re.compile(r"import(?:\s+[\w$*{'\"]|\s*[{*'\"])"), "export": re.compile(r"export(?:\s+[\w$*{]|\s*[{*])")}
_IMPORT_META = re.compile(r"import\s*\.\s*meta\b")
_WORD_BEFORE = re.compile(r"[\w$.]")  # `import.meta` not after one of these (x.import.meta, ximport)


def code_only(source: str) -> str:
    """`source` with comments, the text of strings and template literals and regular expression
    literals blanked out (a string keeps its quotes, a comment with a line break becomes one).

    One pass, linear in `source`: each token is matched once from where the last one ended and
    consumed; a `/` where a regular expression may start but none closes on its line is a
    division, and so is every other `/` on the rest of that line (valid code never has an
    unclosed literal there: such a slash divides, as after `i++`), so no line is rescanned."""
    out: list[str] = []
    stack: list[str] = []  # inside a template literal's ${ }: "${" and the "{" of blocks within it
    pos, end = 0, len(source)
    last = ""  # the last significant character of code, to tell a regular expression from a division
    divides_until = -1  # the end of a line on which no regular expression literal closes
    while pos < end:
        char = source[pos]
        if char == "`":
            pos, last = _template_text(source, pos + 1, stack)
            out.append("``")
            continue
        if char in "'\"" or source.startswith(("//", "/*"), pos):
            skipped = _SKIP.match(source, pos)
            if skipped is not None:
                token = skipped.group()
                out.append(char * 2 if char in "'\"" else ("\n" if "\n" in token else " "))
                if char in "'\"":
                    last = char
                pos = skipped.end()
                continue
        if char == "/" and pos >= divides_until:
            regex = _REGEX.match(source, pos) if last in _REGEX_AFTER else None
            if regex is not None:
                out.append(" ")
                pos, last = regex.end(), ")"  # after a regular expression, a / divides
                continue
            if last in _REGEX_AFTER:  # none closes on this line: its other slashes divide too
                divides_until = source.find("\n", pos)
                divides_until = end if divides_until < 0 else divides_until
            out.append("/")
            pos, last = pos + 1, "/"
            continue
        if stack and char == "{":
            stack.append("{")
            out.append("{")
            pos, last = pos + 1, "{"
            continue
        if stack and char == "}":
            pos += 1
            if stack.pop() == "${":  # back into the template literal
                pos, last = _template_text(source, pos, stack)
                out.append(" ")
                continue
            out.append("}")
            last = "}"
            continue
        if pos < divides_until:
            code = (_CODE_DIVIDES if stack else _CODE_TOP_DIVIDES).match(source, pos)
        else:
            code = (_CODE if stack else _CODE_TOP).match(source, pos)
        token = code.group() if code else char
        out.append(token)
        stripped = token.rstrip()
        if stripped:
            last = stripped[-1]
        pos += len(token)
    return "".join(out)


def has_module_syntax(source: bytes) -> bool:
    """True when a .js file is an ES module by its syntax: an import or export statement, or
    `import.meta`, in its code (not in a comment, string or template literal)."""
    text = source.decode("utf-8", "replace")
    if not re.search(r"\b(import|export)\b", text):
        return False
    return _module_statement(code_only(text))


def _module_statement(code: str) -> bool:
    """Whether `code` (comments, strings and regular expressions blanked) has an import or export
    statement or `import.meta`. Each occurrence of the two words is found by str.find and checked
    where it stands (a regular expression searched for them tried every position, ~1 s per 4 MiB)."""
    for word, statement in _STATEMENT.items():
        at = code.find(word)
        while at >= 0:
            start = at
            while start and code[start - 1] in " \t":  # each blank is stepped over once: it precedes one word
                start -= 1
            if (start == 0 or code[start - 1] in "\n;{}") and statement.match(code, at):
                return True
            if word == "import" and (at == 0 or not _WORD_BEFORE.match(code[at - 1])) and _IMPORT_META.match(code, at):
                return True
            at = code.find(word, at + len(word))
    return False


def upload_kind(body: bytes, content_type: str | None, filename: str | None, complete: bool = True, *,
                classify: bool = True) -> str | None:
    """'zip', 'js' or 'mjs' for a JavaScript upload; None for a Wasm module (binary or WAT) or
    what is neither. `complete`: `body` is the whole upload, not its first bytes. `classify=False`:
    a .js file is 'script', its module syntax looked for when it is built (in the build's own
    process: telling CommonJS from an ES module reads all the code, detection must stay cheap)."""
    if body[:4] == b"\0asm":
        return None
    if body[:4] == ZIP_MAGIC:
        return "zip"
    name = (filename or "").lower()
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(".mjs"):
        return "mjs"
    if name.endswith(".cjs"):
        return "js"
    script = _js_kind if classify else (lambda body: "script")
    if name.endswith(".js"):
        return script(body)
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in ZIP_TYPES:
        return "zip"
    if ctype in JS_TYPES:
        return script(body)
    if looks_like_wat(body) or not is_text(body, complete):
        return None
    if complete and not _HANDLER_HINT.search(body):
        return None  # text that names no handler: WAT's builder says it is neither
    return script(body)


def _js_kind(body: bytes) -> str:
    return "mjs" if has_module_syntax(body) else "js"


def build(source: IO[bytes], kind: str, handler: str | None, max_bytes: int, *,
          cancelled: threading.Event | None = None, sniff: int | None = None) -> bytes:
    """The module for an upload (`source`, read from its start), within `max_bytes`; 422 when it
    does not build, naming what is wrong. Blocking: the upload pipeline (edge/server/uploads.py)
    calls it off the event loop.

    The build runs in a process of its own (`python -m edge.server.jsupload`, then Wizer): its
    Python parts (unpacking, telling CommonJS from an ES module, the scans of the sources for
    what the function uses) read every byte of up to --max-upload-mb of source, seconds of
    CPU that in the worker held its GIL and stalled its requests. `kind` 'script': a .js file whose
    module syntax is looked for there, in its first `sniff` bytes (all by default). `cancelled`
    set (the client went away): the build is stopped, 499. The build's process dies with the
    process that started it (`_die_with_parent`), Wizer with it, even when that one is killed."""
    handler = handler or "index.handler"
    _toolchain()  # fetched or built once, here: the build's own time limit is the function's
    with tempfile.TemporaryDirectory(prefix="edge-upload-") as tmp:
        path = Path(tmp) / "upload"
        source.seek(0)
        with open(path, "wb") as f:
            shutil.copyfileobj(source, f)
        out = Path(tmp) / "function.wasm"
        request = {"source": str(path), "kind": kind, "handler": handler, "max_bytes": max_bytes,
                   "timeout": UPLOAD_TIMEOUT, "sniff": sniff, "out": str(out)}
        reply = _run_builder(request, Path(tmp), cancelled)
        if "error" in reply:
            raise ControlError(422, "build_failed", f"the JavaScript function did not build: {reply['error']}")
        return out.read_bytes()  # within max_bytes: build_js checked it


def _toolchain() -> None:
    """The engine and Wizer, ready before a build's process starts (the first upload on a new
    server may build the engine, about a minute, which is not the function's build time)."""
    from ..js import engine, fetch

    try:
        engine.ensure_engine(log=lambda text: log.info("%s", text))
    except engine.EngineError as exc:
        raise ControlError(422, "build_failed", f"the JavaScript function did not build: {exc}") from None
    try:
        fetch.wizer()
    except fetch.FetchError as exc:
        raise ControlError(422, "build_failed", "the JavaScript function did not build: the JavaScript toolchain "
                                                f"is missing Wizer: {exc}") from None


def _run_builder(request: dict, tmp: Path, cancelled: threading.Event | None) -> dict:
    """Run the build's process (and Wizer under it, in one process group) to its end, at most
    the function's time limit plus BUILD_SLACK seconds; killed, group and all, when `cancelled`
    is set. Returns its reply: {} when it built, {"error": message} when it did not.

    The process also holds the read end of a pipe (its "lifeline") whose only write end stays in
    this process until the build has ended: when this process dies, however (SIGKILL, the OOM
    killer), the kernel closes that end, and the build kills its group (`_die_with_parent`)
    instead of running on, an orphan, up to its time limit."""
    limit = request["timeout"] + BUILD_SLACK
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), env.get("PYTHONPATH")]))
    with open(tmp / "reply", "w+b") as reply, open(tmp / "errors", "w+b") as errors:
        lifeline, held = os.pipe()  # close-on-exec: no other child inherits either end
        try:
            proc = subprocess.Popen([sys.executable, "-m", "edge.server.jsupload",
                                     json.dumps({**request, "lifeline": lifeline})],
                                    stdin=subprocess.DEVNULL, stdout=reply, stderr=errors, env=env, cwd=tmp,
                                    start_new_session=True, pass_fds=(lifeline,))
        except BaseException:
            os.close(held)
            raise
        finally:
            os.close(lifeline)  # the build's copy is the only one left
        deadline = time.monotonic() + limit
        try:
            while True:
                try:
                    proc.wait(timeout=POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if cancelled is not None and cancelled.is_set():
                    raise ControlError(499, "client_gone", "the client went away before its upload was built",
                                       {"Connection": "close"})
                if time.monotonic() > deadline:
                    raise ControlError(422, "build_failed", f"the JavaScript function did not build: building it "
                                                            f"took longer than {limit:g} s")
        finally:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)  # the builder and its Wizer
                proc.wait()
            os.close(held)  # the build has ended: its lifeline is no longer needed
        reply.seek(0)
        lines = reply.read(MAX_REPLY).decode("utf-8", "replace").splitlines()
        errors.seek(0)
        trace = errors.read(MAX_REPLY).decode("utf-8", "replace").strip()
    answer: dict | None = None
    for line in lines:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if "log" in message:
            text = str(message["log"])
            (log.warning if text.startswith("warning: ") else log.info)("%s", text.removeprefix("warning: "))
        elif "done" in message:
            answer = message["done"]
    if answer is None or proc.returncode != 0:
        tail = "\n".join(trace.splitlines()[-20:])
        raise RuntimeError(f"the JavaScript build process ended with status {proc.returncode} and no answer: {tail}")
    return answer


def _build_here(request: dict, emit: Callable[[str], None]) -> dict:
    """In the build's process: the function built into request["out"]; {} or {"error": ...}."""
    from ..js.build import JsBuildError, build_js, parse_handler

    handler, kind = request["handler"], request["kind"]
    source = Path(request["source"])
    if kind == "script":
        with open(source, "rb") as f:
            kind = _js_kind(f.read(request["sniff"]) if request.get("sniff") is not None else f.read())
    if kind == "zip":
        name = "upload.zip"
    else:  # a single file: named after the handler's module, so `?handler=app.main` finds it
        try:
            module = parse_handler(handler)[0]
        except JsBuildError as exc:
            return {"error": str(exc)}
        name = f"{module if _FILE_NAME.fullmatch(module) else 'index'}.{kind}"
    try:
        path = source.with_name(name)
        source.rename(path)
        build_js(path, out=Path(request["out"]), handler=handler, timeout=request["timeout"],
                 max_bytes=request["max_bytes"], option="?handler={}", log=emit)
    except JsBuildError as exc:
        return {"error": str(exc)}
    except OSError as exc:  # a name the file system refuses (?handler= naming a 300-byte module): the upload's fault
        if exc.errno not in (errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ):
            raise
        return {"error": f"a file name the build needs was refused ({exc.strerror}): check ?handler=, whose module "
                         "names a file (at most 255 bytes a name)"}
    return {}


def _die_with_parent(lifeline: int | None) -> None:
    """In the build's process: once the process that started it is gone (its end of the
    `lifeline` pipe closed: reading it gives end-of-file, at once if it is gone already, so no
    start is too late), kill this process's group, Wizer included, from a thread of its own (the
    main thread waits for Wizer). A pipe rather than Linux's PR_SET_PDEATHSIG: that would end
    this process alone and leave Wizer running the function's top-level code, an orphan."""
    if lifeline is None:
        return

    def watch() -> None:
        try:
            while os.read(lifeline, 512):  # nothing is written: only the end-of-file matters
                pass
        except OSError:
            pass
        if os.getpgrp() == os.getpid():  # started as `_run_builder` does: its own group leader
            os.killpg(os.getpid(), signal.SIGKILL)
        from .parent_watch import kill_descendants

        kill_descendants()
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="edge-build-lifeline", daemon=True).start()


def _builder_main(argv: list[str]) -> int:
    """`python -m edge.server.jsupload REQUEST`: one upload's build (see build()). Its replies are
    JSON lines on stdout: {"log": text} as the build goes, then {"done": {} or {"error": message}}."""
    request = json.loads(argv[0])
    _die_with_parent(request.get("lifeline"))

    def emit(text: str) -> None:
        print(json.dumps({"log": text}), flush=True)

    print(json.dumps({"done": _build_here(request, emit)}), flush=True)
    return 0


def toolchain_missing() -> str | None:
    """What to install when JavaScript cannot be built here, or None."""
    from ..js import engine

    if engine.engine_path().exists():
        return None
    try:
        import ziglang  # noqa: F401
    except ImportError:
        return ("JavaScript uploads are built on the server, which needs the JavaScript toolchain: "
                "pip install 'edge-wasm[build]' on the server (or build locally with `edge build` and upload the .wasm)")
    return None


def _template_text(source: str, pos: int, stack: list[str]) -> tuple[int, str]:
    """Skip a template literal's text from `pos`: to just inside its next `${` (pushed on
    `stack`) or just past its closing backtick. Returns the position and the last character."""
    text = _TEMPLATE_TEXT.match(source, pos)
    pos = text.end() if text else pos
    if source.startswith("${", pos):
        stack.append("${")
        return pos + 2, "{"
    return pos + 1, "`"


if __name__ == "__main__":
    sys.exit(_builder_main(sys.argv[1:]))
