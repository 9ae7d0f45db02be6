"""`edge build` (compile a C or Zig function to .wasm) and `edge new` (scaffold a function)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import names

HOOKS = ("viewer-request", "origin-request", "origin-response", "viewer-response")


@click.command("build")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output .wasm (default: PATH/build/<name>.wasm).")
@click.option("--optimize", "-O", type=click.Choice(["ReleaseSmall", "ReleaseFast", "ReleaseSafe", "Debug"]),
              default="ReleaseSmall", show_default=True, help="Optimization mode.")
@click.option("--verbose", "-v", is_flag=True, help="On errors, print the compiler's whole output.")
@click.option("--handler", default=None, help="JavaScript: the handler, Lambda style (default index.handler).")
def build(path: Path, out: Path | None, optimize: str, verbose: bool, handler: str | None) -> None:
    """Compile the function at PATH (C, Zig or JavaScript, detected) to a .wasm and print its path.

    PATH is a directory with *.c files (C SDK: #include "edge.h") or a main.zig (Zig SDK:
    const edge = @import("edge");), or a single .c/.zig file; or a Lambda@Edge Node.js
    handler: a directory with index.js/index.mjs, a single .js/.mjs file or a .zip package
    (docs/javascript.md; `edge docs javascript`). Exits 1 with a one-line error (the first
    compiler error) when the build fails.
    """
    from ..toolchain import ToolchainError
    from ..toolchain import build as build_function

    try:
        wasm = build_function(path, out=out, optimize=optimize, handler=handler)
    except ToolchainError as exc:
        if verbose:
            click.echo(str(exc), err=True)
        click.echo(f"error: {exc.summary}", err=True)
        sys.exit(1)
    click.echo(str(wasm))


# ---- edge new -----------------------------------------------------------------------------------------

_ZIG = {
    "viewer-request": '''\
//! {name}: a viewer-request edge function (Zig SDK reference: sdk/zig/README.md).
const std = @import("std");
const edge = @import("edge");

pub fn handle(ev: *edge.Event) !void {{
    // Answer /hello at the edge; every other request continues to the cache and origin.
    if (std.mem.eql(u8, ev.uri(), "/hello")) {{
        try ev.respond(200, null);
        try ev.responseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        try ev.setBody("Hello from {name}!\\n");
        return;
    }}
    // Tag the request for the origin (names starting X-Edge- or X-Amz-Cf- are reserved: the server refuses them).
    try ev.requestHeaders().set("X-Function-Name", "{name}");
    edge.info("{{s}} {{s}}", .{{ ev.method(), ev.uri() }});
}}
''',
    "origin-request": '''\
//! {name}: an origin-request edge function (Zig SDK reference: sdk/zig/README.md).
const std = @import("std");
const edge = @import("edge");

pub fn handle(ev: *edge.Event) !void {{
    // Directory index: ask the origin for /dir/index.html when the viewer asked for /dir/.
    const uri = ev.uri();
    if (std.mem.endsWith(u8, uri, "/")) {{
        try ev.setUri(try edge.fmt("{{s}}index.html", .{{uri}}));
        edge.info("{{s}} -> {{s}}", .{{ uri, ev.uri() }});
    }}
}}
''',
    "response": '''\
//! {name}: {a_hook} edge function (Zig SDK reference: sdk/zig/README.md).
const edge = @import("edge");

pub fn handle(ev: *edge.Event) !void {{
    // Security headers on every response.
    const h = ev.responseHeaders();
    try h.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload");
    try h.set("X-Content-Type-Options", "nosniff");
    try h.set("X-Frame-Options", "DENY");
    try h.set("Referrer-Policy", "same-origin");
    edge.info("{{d}} {{s}}", .{{ ev.statusCode(), ev.uri() }});
}}
''',
}

_C = {
    "viewer-request": '''\
/* {name}: a viewer-request edge function (C SDK reference: sdk/c/README.md). */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

int edge_main(edge_event *ev) {{
    /* Answer /hello at the edge; every other request continues to the cache and origin. */
    if (strcmp(edge_uri(ev), "/hello") == 0) {{
        edge_respond(ev, 200, NULL);
        edge_header_set(edge_response_headers(ev), "Content-Type", "text/plain; charset=utf-8");
        edge_set_body(ev, "Hello from {name}!\\n");
        return EDGE_OK;
    }}
    /* Tag the request for the origin (names starting X-Edge- or X-Amz-Cf- are reserved: the server refuses them). */
    edge_header_set(edge_request_headers(ev), "X-Function-Name", "{name}");
    edge_info("%s %s", edge_method(ev), edge_uri(ev));
    return EDGE_OK;
}}
''',
    "origin-request": '''\
/* {name}: an origin-request edge function (C SDK reference: sdk/c/README.md). */
#define EDGE_IMPLEMENTATION
#include "edge.h"

#include <string.h>

int edge_main(edge_event *ev) {{
    /* Directory index: ask the origin for /dir/index.html when the viewer asked for /dir/. */
    const char *uri = edge_uri(ev);
    size_t n = strlen(uri);
    if (n > 0 && uri[n - 1] == '/') {{
        edge_set_uri(ev, edge_fmt("%sindex.html", uri));
        edge_info("%s -> %s", uri, edge_uri(ev));
    }}
    return EDGE_OK;
}}
''',
    "response": '''\
/* {name}: {a_hook} edge function (C SDK reference: sdk/c/README.md). */
#define EDGE_IMPLEMENTATION
#include "edge.h"

int edge_main(edge_event *ev) {{
    /* Security headers on every response. */
    edge_headers *h = edge_response_headers(ev);
    edge_header_set(h, "Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload");
    edge_header_set(h, "X-Content-Type-Options", "nosniff");
    edge_header_set(h, "X-Frame-Options", "DENY");
    edge_header_set(h, "Referrer-Policy", "same-origin");
    edge_info("%d %s", edge_status_code(ev), edge_uri(ev));
    return EDGE_OK;
}}
''',
}

_WHAT = {
    "viewer-request": "answers `/hello` with a generated response and tags every other request with an "
                      "`X-Function-Name` header",
    "origin-request": "rewrites directory URIs (`/docs/`) to their index page (`/docs/index.html`) before the "
                      "origin is asked",
    "origin-response": "adds security headers to every response from the origin (cached with it)",
    "viewer-response": "adds security headers to every response sent to viewers",
}

# How `edge build` builds each language, for the scaffold's README.
_BUILD_NOTE = {
    "c": "zig from PyPI, no system toolchain",
    "zig": "zig from PyPI, no system toolchain",
    "js": "the JavaScript engine is compiled once per machine, about a minute, with zig from PyPI; then each "
          "build takes about a second; `pip install 'edge-wasm[build]'` brings the toolchain",
}

_README = '''\
# {name}

{A_hook} edge function in {lang_name}: it {what}.

| file | what |
|---|---|
| `{source}` | the function ({sdk_line}) |
| `build/{name}.wasm` | the module `edge build` writes (not committed) |

**Build** ({build_note}):

```sh
edge build {name}
```

**Try it** on {a_hook} event (the result JSON on stdout, logs and a REPORT line on stderr; the
result is checked with the server's rules for the hook, exit status 1 naming the rule if it would
be refused):

```sh
edge generate-event {hook} --uri {try_uri} > event.json     # --method, --header 'Name: value', --body ...
edge invoke {name}/build/{name}.wasm --event event.json
```

**Serve it**: in a manifest (docs/pipeline.md; `edge docs pipeline`), a source directory is built on first start:

```toml
[functions.{key}]
source = "{name}"

[[behaviors]]
path = "/*"
origin = "site"
{hook_key} = "{key}"
```

or deploy it to a running server: `edge deploy {name} --name {key} --alias live`.
'''


def _sdk_readme(lang: str) -> str:
    """Where this installation's SDK reference is (the checkout's sdk/, or the wheel's copy)."""
    from .. import bundled

    return f"`{bundled.sdk(lang, 'README.md')}`"


def _render(lang: str, hook: str, name: str) -> tuple[str, str]:
    if lang == "js":
        from ..js.templates import render

        return render(hook, name)
    templates = _ZIG if lang == "zig" else _C
    text = templates.get(hook) or templates["response"]
    return ("main.zig" if lang == "zig" else "main.c"), text.format(name=name, hook=hook, a_hook=_a(hook))


def _a(hook: str) -> str:
    """'an origin-response', 'a viewer-request': the article the hook's name needs."""
    return f"{'an' if hook.startswith('origin') else 'a'} {hook}"


@click.command("new")
@click.argument("name", type=click.Path(path_type=Path))
@click.option("--lang", "-l", type=click.Choice(["c", "zig", "js"]), required=True, help="Language (SDK) of the function.")
@click.option("--hook", type=click.Choice(HOOKS), default="viewer-request", show_default=True,
              help="The Lambda@Edge hook the function is written for.")
def new(name: Path, lang: str, hook: str) -> None:
    """Scaffold a function in directory NAME: a minimal working main.c / main.zig / index.js and a README.

    Build it with `edge build NAME`, try it with `edge invoke NAME/build/<name>.wasm --event ...`.
    """
    base = name.name
    if not names.is_function_name(base):  # the rule edge deploy --name, the manifest and the admin API apply
        click.echo(f"error: {base!r} is not a usable function name: the directory's name is the function's "
                   f"(edge deploy --name, [functions.NAME]), and function names use {names.FUNCTION_RULE}", err=True)
        sys.exit(2)
    if name.exists() and (not name.is_dir() or any(name.iterdir())):
        click.echo(f"error: {name} already exists and is not an empty directory", err=True)
        sys.exit(1)
    source, text = _render(lang, hook, base)
    key = base  # a function name is a TOML bare key as it is
    readme = _README.format(
        name=base, hook=hook, hook_key=hook.replace("-", "_"), key=key, source=source, what=_WHAT[hook],
        a_hook=_a(hook), A_hook=f"{_a(hook).split()[0].capitalize()} **{hook}**",
        build_note=_BUILD_NOTE.get(lang, _BUILD_NOTE["c"]),
        try_uri="/docs/" if hook == "origin-request" else "/hello" if hook == "viewer-request" else "/",
        lang_name={"zig": "Zig", "js": "JavaScript"}.get(lang, "C"),
        sdk_line={"zig": f'`const edge = @import("edge");`, SDK reference: {_sdk_readme("zig")}',
                  "js": "a Lambda@Edge Node.js handler, docs/javascript.md; `edge docs javascript`"}.get(
                      lang, f'`#include "edge.h"`, SDK reference: {_sdk_readme("c")}'),
    )
    name.mkdir(parents=True, exist_ok=True)
    (name / source).write_text(text, encoding="utf-8")
    (name / "README.md").write_text(readme, encoding="utf-8")
    (name / ".gitignore").write_text("build/\n", encoding="utf-8")
    lang_name = {"zig": "Zig", "js": "JavaScript"}.get(lang, "C")
    click.echo(f"created {name}/ ({hook}, {lang_name}): {name / source}, {name / 'README.md'}")
    click.echo(f"next: edge build {name}")
