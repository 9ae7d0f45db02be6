"""The `edge new` starters pass through the real server at their hook, and `edge invoke` refuses
what the server refuses, naming the same rule.

Every language `edge new --lang` offers is served (tests/scaffolds.py finds them), so a new
language's starters are covered here as soon as `edge new` knows it.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .control_helpers import ControlServer, manifest_text, serving
from .modules import returning
from .scaffolds import EVENTS, HOOKS, languages

SECURITY_HEADERS = ("strict-transport-security", "x-content-type-options", "x-frame-options", "referrer-policy")
STARTERS = [(lang, hook) for lang in languages() for hook in HOOKS]


def _manifest(scaffolds: dict) -> str:
    lines = ["[origins.echo]", 'type = "echo"', ""]
    for (lang, hook), made in scaffolds.items():
        lines += [f"[functions.{lang}-{hook}]", f'source = "{made["dir"]}"', ""]
    first = languages()[0]
    lines += ["[[behaviors]]", 'path = "/hello"', 'origin = "echo"', 'cache = "disabled"',
              f'viewer_request = "{first}-viewer-request"', ""]
    for lang, hook in scaffolds:
        lines += ["[[behaviors]]", f'path = "/{lang}-{hook}/*"', 'origin = "echo"', 'cache = "disabled"',
                  f'{hook.replace("-", "_")} = "{lang}-{hook}"', ""]
    lines += ["[[behaviors]]", 'path = "*"', 'origin = "echo"']
    return "\n".join(lines)


@pytest.fixture(scope="module")
def served(scaffolds, tmp_path_factory):
    """One `edge serve` process with every starter at its hook, in front of the echo origin."""
    for made in scaffolds.values():
        assert made["build"].returncode == 0, made["build"].stderr
    root = tmp_path_factory.mktemp("starters")
    manifest = root / "edge.toml"
    manifest.write_text(_manifest(scaffolds))
    with serving(root, manifest, root / "state") as proc:
        proc.wait_ready(180)
        with httpx.Client(base_url=proc.url, timeout=30) as client:
            yield client


@pytest.mark.parametrize(("lang", "hook"), STARTERS)
def test_starter_passes_through_the_server(served, scaffolds, lang, hook):
    name = scaffolds[(lang, hook)]["dir"].name
    prefix = f"/{lang}-{hook}"
    response = served.get(f"{prefix}/docs/")
    assert response.status_code == 200, response.text
    assert response.headers["x-cache"] != "LambdaValidationError from edge"
    if hook == "viewer-request":
        seen = dict((k.lower(), v) for k, v in response.json()["headers"])
        assert seen["x-function-name"] == name
    elif hook == "origin-request":
        assert response.json()["uri"] == f"{prefix}/docs/index.html"
    else:
        for header in SECURITY_HEADERS:
            assert header in response.headers, (header, dict(response.headers))


def test_viewer_request_starter_generates_hello_when_served(served, scaffolds):
    response = served.get("/hello")
    assert response.status_code == 200
    assert response.text == f"Hello from {scaffolds[(languages()[0], 'viewer-request')]['dir'].name}!\n"


# ---- edge invoke applies the server's rules --------------------------------------------------------------------

# A generated response with a header CloudFront reserves: the function runs fine, the server refuses it.
REFUSED = returning(
    '{"status":"200","headers":{"x-edge-origin":[{"key":"X-Edge-Origin","value":"mine"}]},"body":"hi"}'
)


def test_invoke_names_the_rule_the_server_refuses_with(tmp_path):
    module = tmp_path / "refused.wat"
    module.write_text(REFUSED)
    result = CliRunner().invoke(cli, ["invoke", str(module), "--event", str(EVENTS / "viewer-request.json")])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["body"] == "hi"  # what the function returned is still shown
    assert "Status: ok" in result.stderr  # it ran; its result is what fails
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("error: "))
    assert line.startswith("error: LambdaValidationError [rule: disallowed-header]: ")
    assert "x-edge-origin" in line

    # the same module behind the server: a 502 naming the same rule
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        server.deploy("refused", REFUSED)
        server.associate("/fn", "refused")
        page = server.edge.get("/fn")
        assert page.status_code == 502 and "[rule: disallowed-header]" in page.text
    finally:
        server.stop()


def test_invoke_checks_response_hooks_and_skips_non_edge_events(tmp_path):
    module = tmp_path / "status.wat"
    module.write_text(returning('{"status":"302","statusDescription":"Found","headers":{}}'))
    result = CliRunner().invoke(cli, ["invoke", str(module), "--event", str(EVENTS / "viewer-response.json")])
    assert result.exit_code == 1 and "[rule: status-change]" in result.stderr
    result = CliRunner().invoke(cli, ["invoke", str(module), "--event", str(EVENTS / "origin-response.json")])
    assert result.exit_code == 0, result.output
    plain = tmp_path / "plain.json"
    plain.write_text('{"hello": "world"}')
    result = CliRunner().invoke(cli, ["invoke", str(module), "--event", str(plain)])
    assert result.exit_code == 0 and "not a Lambda@Edge event" in result.stderr
    broken = json.loads((EVENTS / "viewer-response.json").read_text())
    del broken["Records"][0]["cf"]["response"]
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    result = CliRunner().invoke(cli, ["invoke", str(module), "--event", str(tmp_path / "broken.json")])
    assert result.exit_code == 2 and "needs Records[0].cf.response" in result.stderr


def test_starter_readme_and_source_warn_about_reserved_headers(scaffolds):
    made = scaffolds[("c", "viewer-request")]
    assert "X-Edge-" in (Path(made["dir"]) / "main.c").read_text()
