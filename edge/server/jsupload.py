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
import re
import shutil
import tempfile
from pathlib import Path
from typing import IO

from ..control.errors import ControlError

ZIP_MAGIC = b"PK\x03\x04"
JS_TYPES = ("application/javascript", "text/javascript", "application/x-javascript", "application/ecmascript")
ZIP_TYPES = ("application/zip", "application/x-zip-compressed")
UPLOAD_TIMEOUT = 30  # seconds an upload's top-level code may run at build time (`edge build`: 120)
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


# comments, strings, template literals and regular expressions: what module syntax is not looked for in
_SKIP = re.compile(r"""//[^\n]*|/\*.*?(?:\*/|\Z)|'(?:\\.|[^'\\\n])*'?|"(?:\\.|[^"\\\n])*"?""", re.DOTALL)
_TEMPLATE_TEXT = re.compile(r"(?:\\.|[^`\\$]|\$(?!\{))*", re.DOTALL)
_CODE = re.compile(r"""[^/'"`{}]+""")
_REGEX = re.compile(r"/(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n\[])+/[a-z]*")
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
_MODULE_SYNTAX = re.compile(r"(?:^|[;{}])[ \t]*(?:import(?:\s+[\w$*{'\"]|\s*[{*'\"])|export(?:\s+[\w$*{]|\s*[{*]))"
                            r"|(?<![\w$.])import\s*\.\s*meta\b", re.MULTILINE)


def code_only(source: str) -> str:
    """`source` with comments, the text of strings and template literals and regular expression
    literals blanked out (a string keeps its quotes, a comment with a line break becomes one)."""
    out: list[str] = []
    stack: list[str] = []  # "{" for a block, "${" for a template literal's expression
    pos, end = 0, len(source)
    last = ""  # the last significant character of code, to tell a regular expression from a division
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
        if char == "/":
            regex = _REGEX.match(source, pos) if last in _REGEX_AFTER else None
            out.append(" " if regex else "/")
            pos = regex.end() if regex else pos + 1
            last = ")" if regex else "/"  # after a regular expression, a / divides
            continue
        if char == "{":
            stack.append("{")
            out.append("{")
            pos += 1
            last = "{"
            continue
        if char == "}":
            opened = stack.pop() if stack else "{"
            pos += 1
            if opened == "${":  # back into the template literal
                pos, last = _template_text(source, pos, stack)
                out.append(" ")
                continue
            out.append("}")
            last = "}"
            continue
        code = _CODE.match(source, pos)
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
    return _MODULE_SYNTAX.search(code_only(text)) is not None


def upload_kind(body: bytes, content_type: str | None, filename: str | None, complete: bool = True) -> str | None:
    """'zip', 'js' or 'mjs' for a JavaScript upload; None for a Wasm module (binary or WAT) or
    what is neither. `complete`: `body` is the whole upload, not its first bytes."""
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
    if name.endswith(".js"):
        return _js_kind(body)
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in ZIP_TYPES:
        return "zip"
    if ctype in JS_TYPES:
        return _js_kind(body)
    if looks_like_wat(body) or not is_text(body, complete):
        return None
    if complete and not _HANDLER_HINT.search(body):
        return None  # text that names no handler: WAT's builder says it is neither
    return _js_kind(body)


def _js_kind(body: bytes) -> str:
    return "mjs" if has_module_syntax(body) else "js"


def _build(source: IO[bytes], kind: str, handler: str | None, max_bytes: int) -> bytes:
    """The module for an upload (`source`, read from its start), within `max_bytes`; 422 when it
    does not build, naming what is wrong."""
    from ..js.build import JsBuildError, build_js, parse_handler

    handler = handler or "index.handler"
    with tempfile.TemporaryDirectory(prefix="edge-upload-") as tmp:
        if kind == "zip":
            name = "upload.zip"
        else:  # a single file: named after the handler's module, so `?handler=app.main` finds it
            try:
                module = parse_handler(handler)[0]
            except JsBuildError as exc:
                raise ControlError(422, "build_failed", f"the JavaScript function did not build: {exc}") from None
            name = f"{module if _FILE_NAME.fullmatch(module) else 'index'}.{kind}"
        path = Path(tmp) / name
        source.seek(0)
        with open(path, "wb") as f:
            shutil.copyfileobj(source, f)
        out = Path(tmp) / "function.wasm"
        try:
            build_js(path, out=out, handler=handler, timeout=UPLOAD_TIMEOUT, max_bytes=max_bytes,
                     option="?handler={}")
        except JsBuildError as exc:
            raise ControlError(422, "build_failed", f"the JavaScript function did not build: {exc}") from None
        return out.read_bytes()  # within max_bytes: build_js checked it


build = _build  # blocking: the upload pipeline (edge/server/uploads.py) calls it off the event loop


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
