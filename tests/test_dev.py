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
