"""`edge dev`: a source change is rebuilt and deployed to the running server, a compile error is
one line and the previous version keeps serving, a manifest change applies its behaviors, a
directory the manifest does not declare is deployed under its name, and Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import signal

import httpx
from click.testing import CliRunner

from edge.cli.main import cli

from .conftest import free_port
from .control_helpers import SITE
from .serve_output import serve_output

MANIFEST = f"""
[origins.site]
root = "{SITE}"

[functions.greet]
source = "greet"
env = {{ GREETING = "hi" }}
limits = {{ timeout_ms = 700 }}

[[behaviors]]
path = "/hello"
origin = "site"
viewer_request = "greet:live"

[[behaviors]]
path = "*"
origin = "site"
"""


def test_edit_build_deploy_loop(tmp_path):
    for name, hook in (("greet", "viewer-request"), ("extra", "origin-response")):
        assert CliRunner().invoke(cli, ["new", str(tmp_path / name), "--lang", "c", "--hook", hook]).exit_code == 0
    (tmp_path / "edge.toml").write_text(MANIFEST)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("EDGE_ADMIN_TOKEN", "EDGE_SERVER")}
    url = f"http://127.0.0.1:{port}"
    source = tmp_path / "greet" / "main.c"
    admin_port = free_port()
    admin_url = f"http://127.0.0.1:{admin_port}"
    with serve_output(tmp_path, "greet", "extra", "--port", str(port), "--admin-port", str(admin_port),
                      env=env, command="dev") as dev:
        # extra is not in the manifest: deployed under its directory's name; greet was built by edge serve
        assert "extra: built in" in dev.until("extra:") and "deployed version 1" in dev.seen[-1]
        # `greet:live` is what the behavior names: the manifest publishes greet, the alias points at it
        assert "greet: live -> 1 (named by the behaviors)" in dev.until("greet:")
        assert "watching greet, extra and edge.toml" in dev.until("watching")
        assert httpx.get(f"{url}/hello", timeout=10).status_code == 200  # served before any edit
        # another terminal: the admin API on loopback needs no token (none was set)
        versions = CliRunner().invoke(cli, ["versions", "greet", "--server", admin_url], env=env)
        assert versions.exit_code == 0 and "live" in versions.output, versions.output
        source.write_text(source.read_text().replace("Hello from", "Edited:"))
        line = dev.until("greet:")
        assert "deployed version 2 (live -> 2)" in line, dev.seen
        assert httpx.get(f"{url}/hello", timeout=10).text == "Edited: greet!\n"
        # the rebuilt version carries the manifest's env and limits (it had the defaults)
        listed = CliRunner().invoke(cli, ["versions", "greet", "--json", "--server", admin_url], env=env).output
        settings = {v["version"]: v["settings"] for v in json.loads(listed)["versions"]}
        assert settings[2]["env"] == {"GREETING": "hi"} and settings[2]["limits"] == {"timeout_ms": 700}, settings

        source.write_text(source.read_text().replace("return EDGE_OK;", "return nope;", 1))
        line = dev.until("greet:")
        assert "error: " in line and "main.c:" in line and "nope" in line and "still serving" in line
        assert httpx.get(f"{url}/hello", timeout=10).text == "Edited: greet!\n"  # the previous version

        source.write_text(source.read_text().replace("return nope;", "return EDGE_OK;"))
        assert "unchanged, still version 2" in dev.until("greet:")  # the same module as version 2

        assert "strict-transport-security" not in httpx.get(f"{url}/index.html", timeout=10).headers
        about = '[[behaviors]]\npath = "/about/*"\norigin = "site"\norigin_response = "extra"\ncache = "disabled"\n\n'
        (tmp_path / "edge.toml").write_text(MANIFEST.replace('[[behaviors]]\npath = "*"', about + '[[behaviors]]\npath = "*"'))
        assert "applied its 3 behaviors and 1 origins" in dev.until("edge.toml:")
        page = httpx.get(f"{url}/about/index.html", timeout=10)  # not fetched before: not in the cache
        assert page.status_code == 200 and "strict-transport-security" in page.headers
        assert dev.stop(signal.SIGINT) == 0  # Ctrl-C: the group gets SIGINT
    assert not (tmp_path / ".edge" / "serve.json").exists()  # the server went with it


JS_MANIFEST = f"""
[origins.site]
root = "{SITE}"

[functions.hi]
source = "hi"
handler = "app.main"

[[behaviors]]
path = "/hi"
origin = "site"
viewer_request = "hi"

[[behaviors]]
path = "*"
origin = "site"
"""

JS_HANDLER = """'use strict';
exports.main = async () => ({ status: '200', body: 'WORD' });
"""


def test_a_javascript_function_is_rebuilt_with_the_manifests_handler(tmp_path):
    """The manifest names the handler (`app.main`, not index.handler): edits are built with it."""
    (tmp_path / "hi").mkdir()
    source = tmp_path / "hi" / "app.js"
    source.write_text(JS_HANDLER.replace("WORD", "first"))
    (tmp_path / "edge.toml").write_text(JS_MANIFEST)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("EDGE_ADMIN_TOKEN", "EDGE_SERVER")}
    url = f"http://127.0.0.1:{port}"
    with serve_output(tmp_path, "--port", str(port), "--admin-port", str(free_port()), env=env, command="dev") as dev:
        assert "watching hi and edge.toml" in dev.until("watching")
        assert httpx.get(f"{url}/hi", timeout=10).text == "first"
        source.write_text(JS_HANDLER.replace("WORD", "second"))
        line = dev.until("hi:")
        assert "deployed version 2" in line, dev.seen
        assert httpx.get(f"{url}/hi", timeout=10).text == "second"
        assert dev.stop(signal.SIGINT) == 0


FILE_MANIFEST = f"""
[origins.site]
root = "{SITE}"

[functions.base]
source = "base.wat"

[[behaviors]]
path = "/base"
origin = "site"
viewer_request = "base"

[[behaviors]]
path = "*"
origin = "site"
"""

SINGLE_JS = """'use strict';
exports.handler = async () => ({ status: '200', body: 'WORD' });
"""


def test_functions_a_manifest_edit_adds_are_deployed_or_refused_saying_why(tmp_path):
    """A function the manifest gains whose source is missing gets a line (as `edge serve`
    would refuse it), and is deployed once its source exists; a source that is a file (a
    single .js, a .wasm, a .wat) is deployed, and watched, as a directory is."""
    from edge.runtime.module import to_wasm

    from .control_helpers import generated

    (tmp_path / "base.wat").write_text(generated("base one"))
    manifest = tmp_path / "edge.toml"
    manifest.write_text(FILE_MANIFEST)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("EDGE_ADMIN_TOKEN", "EDGE_SERVER")}
    url = f"http://127.0.0.1:{port}"

    def add(text: str) -> None:
        manifest.write_text(manifest.read_text().replace("[[behaviors]]\npath = \"*\"", text + "[[behaviors]]\npath = \"*\"", 1))

    with serve_output(tmp_path, "--port", str(port), "--admin-port", str(free_port()), env=env, command="dev") as dev:
        assert "watching base and edge.toml" in dev.until("watching")  # a .wat source is watched too
        assert httpx.get(f"{url}/base", timeout=10).text == "base one"
        (tmp_path / "base.wat").write_text(generated("base two"))
        assert "base: deployed version 2" in dev.until("base:")
        assert httpx.get(f"{url}/base", timeout=10).text == "base two"

        # a source directory that does not exist: one line naming it, as edge serve refuses it
        add('[functions.hello2]\nsource = "hello2"\n\n')
        line = dev.until("hello2")
        assert "edge.toml: [functions.hello2]: source" in line and "hello2 does not exist" in line, line
        assert "not deployed; edge dev deploys it once hello2 exists" in line, line
        # ... created afterwards (whole, as an editor or `edge new` elsewhere then a move would): deployed
        staging = tmp_path / "staging"
        staging.mkdir()
        (staging / "index.js").write_text(SINGLE_JS.replace("WORD", "from a directory"))
        staging.rename(tmp_path / "hello2")
        assert "hello2: built in" in (line := dev.until("hello2:", timeout=300)) and "deployed version 1" in line, dev.seen

        # a single-file JavaScript source, and a behavior using it, in one edit
        (tmp_path / "single.js").write_text(SINGLE_JS.replace("WORD", "single one"))
        add('[functions.single]\nsource = "single.js"\n\n[[behaviors]]\npath = "/single"\norigin = "site"\n'
            'viewer_request = "single"\n\n')
        assert "single: built in" in (line := dev.until("single:", timeout=300)) and "deployed version 1" in line, dev.seen
        assert "applied its 3 behaviors" in dev.until("edge.toml:")
        assert httpx.get(f"{url}/single", timeout=10).text == "single one"
        (tmp_path / "single.js").write_text(SINGLE_JS.replace("WORD", "single two"))  # watched since it was added
        assert "single: built in" in (line := dev.until("single:", timeout=300)) and "deployed version 2" in line, dev.seen
        assert httpx.get(f"{url}/single", timeout=10).text == "single two"

        # a .wasm that is not there yet, then written: deployed as it is
        add('[functions.mod]\nsource = "mod.wasm"\n\n[[behaviors]]\npath = "/mod"\norigin = "site"\n'
            'viewer_request = "mod"\n\n')
        assert "once mod.wasm exists" in dev.until("[functions.mod]")
        assert "function 'mod' is not declared" in dev.until("edge.toml:")  # the server's refusal of /mod
        (tmp_path / "mod.wasm.tmp").write_bytes(to_wasm(generated("a module")))
        (tmp_path / "mod.wasm.tmp").rename(tmp_path / "mod.wasm")
        assert "mod: deployed version 1" in dev.until("mod:")
        # the behavior naming it, refused while it was missing, is applied once it is deployed
        assert "applied its 4 behaviors" in dev.until("edge.toml:")
        assert httpx.get(f"{url}/mod", timeout=10).text == "a module"

        # a behavior that can never serve a request: applied as written, the server's warning shown
        add('[[behaviors]]\npath = "/w/*"\norigin = "site"\n\n[[behaviors]]\npath = "/w/x/*"\norigin = "site"\n\n')
        assert "applied its 6 behaviors" in dev.until("edge.toml:")
        line = dev.until("edge.toml: warning:")
        assert "'/w/x/*'" in line and "never serves a request" in line and "'/w/*'" in line, line
        assert dev.stop(signal.SIGINT) == 0


def test_atomic_saves_of_a_file_source_and_of_the_manifest_are_all_deployed(tmp_path):
    """An editor's atomic save (vim, JetBrains' safe write: a temporary file renamed over the
    file) replaces the file the watch was on: every such save of a single-file source and of the
    manifest is still seen (only the first was), and deployed once."""
    from .control_helpers import generated

    def save(path, text: str) -> None:
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text)
        os.replace(temporary, path)

    source = tmp_path / "base.wat"
    source.write_text(generated("base 0"))
    manifest = tmp_path / "edge.toml"
    manifest.write_text(FILE_MANIFEST)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("EDGE_ADMIN_TOKEN", "EDGE_SERVER")}
    url = f"http://127.0.0.1:{port}"
    with serve_output(tmp_path, "--port", str(port), "--admin-port", str(free_port()), env=env, command="dev") as dev:
        assert "watching base and edge.toml" in dev.until("watching")
        for n in range(1, 4):
            save(source, generated(f"base {n}"))
            assert f"base: deployed version {n + 1}" in dev.until("base:", timeout=30), dev.seen
            assert httpx.get(f"{url}/base", timeout=10).text == f"base {n}"
        for n in range(1, 4):  # the behavior moves to /base{n}
            save(manifest, FILE_MANIFEST.replace('path = "/base"', f'path = "/base{n}"'))
            assert "applied its 2 behaviors" in dev.until("edge.toml:", timeout=30), dev.seen
            assert httpx.get(f"{url}/base{n}", timeout=10).text == "base 3"
        save(source, generated("base 4"))  # and the source still, after the manifest's saves
        assert "base: deployed version 5" in dev.until("base:", timeout=30), dev.seen
        assert dev.stop(signal.SIGINT) == 0
        while (line := dev.lines.get(timeout=10)) is not None:  # what it said until it stopped
            dev.seen.append(line)
    # one deploy per save: nothing else was said about base (a second deploy of one save would
    # say "unchanged, still version")
    assert [line for line in dev.seen if line.startswith("edge dev: base:")] == [
        f"edge dev: base: deployed version {n}" for n in range(2, 6)], dev.seen
