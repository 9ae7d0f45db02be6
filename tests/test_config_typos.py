"""A misspelt key in the manifest, edge.toml or a file for `edge config put` names the key
meant (`did you mean 'isolation'?`, as the admin API's refusals do) and every key the table
takes; it said only `unknown key(s) isolaton`. `edge config put` refuses it before sending
anything: it sends only origins and behaviors, so `{"behaviours": []}` said only "has neither
origins nor behaviors"."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from edge.cli.main import cli

from .conftest import free_port
from .control_helpers import SITE

FUNCTION = '[functions.f]\nsource = "f.wat"\n{extra}\n'
ROUTES = """[origins.site]
root = "{site}"
{origin}
[[behaviors]]
path = "/a"
origin = "site"
{behavior}
[[behaviors]]
path = "*"
origin = "site"
"""


def serve_error(tmp_path: Path, text: str) -> str:
    (tmp_path / "f.wat").write_text('(module (memory (export "memory") 1) (func (export "_start")))')
    (tmp_path / "m.toml").write_text(text)
    result = CliRunner().invoke(cli, ["serve", "-m", str(tmp_path / "m.toml"), "--state-dir", str(tmp_path / "s"),
                                      "--port", str(free_port()), "--admin-port", str(free_port())])
    assert result.exit_code == 1, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: {tmp_path / 'm.toml'}: "), line
    return line.split(": ", 2)[2]


def manifest(*, function: str = "", origin: str = "", behavior: str = "", top: str = "") -> str:
    return top + FUNCTION.format(extra=function) + ROUTES.format(site=SITE, origin=origin, behavior=behavior)


def test_a_misspelt_manifest_key_names_the_key_meant_and_the_keys_the_table_takes(tmp_path):
    cases = [
        (manifest(function='isolaton = "reuse"'),
         "[functions.f]: unknown key isolaton (did you mean 'isolation'?); valid keys: source, handler, isolation,"),
        (manifest(behavior='viewer_requst = "f"'),
         "[[behaviors]] #1 (path '/a'): unknown key viewer_requst (did you mean 'viewer_request'?); valid keys: "
         "path, origin, viewer_request, origin_request, origin_response, viewer_response, methods,"),
        (manifest(behavior='viewer_request = { function = "f", include_bdy = true }'),
         "[[behaviors]] #1 (path '/a').viewer-request: unknown key include_bdy (did you mean 'include_body'?); "
         "valid keys: function, include_body, include_origin_body, allow_status_change"),
        (manifest(behavior="cache = { default_tl = 5 }"),
         "[[behaviors]] #1 (path '/a').cache: unknown key default_tl (did you mean 'default_ttl'?)"),
        (manifest(behavior='forward = { cookie = "all" }'),
         "[[behaviors]] #1 (path '/a').forward: unknown key cookie (did you mean 'cookies'?); valid keys: "
         "query_strings, headers, cookies"),
        (manifest(origin='indx = "home.html"'),
         "[origins.site]: unknown key indx (did you mean 'index'?); valid keys: type, root, index, domain_name"),
        (manifest(top='[distribution]\ndomain = "x.example"\n'),
         "[distribution]: unknown key domain (did you mean 'domain_name'?); valid keys: domain_name, id, server_timing"),
        (manifest(top='[viewer]\ncountry_headr = "CF-IPCountry"\n'),
         "[viewer]: unknown key country_headr (did you mean 'country_header'?)"),
        (manifest().replace("[[behaviors]]", "[[behaviours]]"),
         "unknown top-level section behaviours (did you mean 'behaviors'?); valid top-level sections: distribution, "
         "origins, functions, behaviors, viewer, store"),
        # inside a function's limits, a behavior's methods and its forwarded CloudFront headers too
        (manifest(function="limits = { fule = 10 }"),
         "[functions.f].limits: unknown limit fule (did you mean 'fuel'?); valid limits: timeout_ms, memory_bytes, "
         "fuel, max_result_bytes, max_log_bytes"),
        (manifest(function="limits = { memory_mb = 128 }"),
         "[functions.f].limits: unknown limit memory_mb (did you mean 'memory_bytes'?); valid limits:"),
        (manifest(function='limits = { timout_ms = "5" }'),  # the name first: its value is not the problem
         "[functions.f].limits: unknown limit timout_ms (did you mean 'timeout_ms'?)"),
        (manifest(behavior='methods = ["GET", "HEAD", "PSOT"]'),
         "[[behaviors]] #1 (path '/a').methods: unknown method PSOT (did you mean 'POST'?); valid methods: GET, HEAD,"),
        (manifest(behavior='forward = { headers = ["CloudFront-Viewer-Contry"] }'),
         "[[behaviors]] #1 (path '/a').forward.headers: unknown CloudFront header(s) cloudfront-viewer-contry (did you "
         "mean 'cloudfront-viewer-country'?); the edge generates"),
        # nothing close: every valid key, and no guess
        (manifest(function="zzz = 1"), "[functions.f]: unknown key zzz; valid keys: source, handler,"),
        # several: the one the guess is for is named
        (manifest(function="zzz = 1\nprewram = 2"),
         "[functions.f]: unknown keys prewram, zzz (did you mean 'prewarm' for 'prewram'?); valid keys:"),
    ]
    for text, expected in cases:
        said = serve_error(tmp_path, text)
        assert said.startswith(expected), (expected, said)


def test_a_misspelt_project_setting_names_the_setting_meant(tmp_path, monkeypatch):
    (tmp_path / "edge.toml").write_text("prot = 9000\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["versions", "fn"])
    assert result.exit_code == 2, result.output
    assert "unknown setting 'prot' (did you mean 'port'?); known: manifest, host, port" in result.output


def test_config_put_names_a_misspelt_key_before_sending_anything(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: a request would say it cannot reach it
    (tmp_path / "c.json").write_text(json.dumps({"behaviours": []}))
    (tmp_path / "both.json").write_text(json.dumps({"origins": {"site": {"root": str(SITE)}}, "behaviours": []}))
    (tmp_path / "c.toml").write_text(manifest().replace("[[behaviors]]", "[[behaviours]]"))
    cases = {
        "c.json": "unknown key behaviours (did you mean 'behaviors'?); valid keys: origins, behaviors",
        # the origins alone would have been sent, the misspelt behaviors dropped unseen
        "both.json": "unknown key behaviours (did you mean 'behaviors'?); valid keys: origins, behaviors",
        "c.toml": "unknown top-level section behaviours (did you mean 'behaviors'?); valid top-level sections: "
                  "distribution, origins, functions, behaviors, viewer, store",
    }
    for name, expected in cases.items():
        result = CliRunner().invoke(cli, ["config", "put", str(tmp_path / name), "--server", closed])
        assert result.exit_code == 2, result.output
        [line] = result.output.strip().splitlines()
        assert line == f"Error: {tmp_path / name}: {expected} (edge config put sends the origins and behaviors)", line
    # what `edge config get` prints (with its read-only "source") is still taken: it goes to the server
    (tmp_path / "got.json").write_text(json.dumps({"source": "api", "origins": {}, "behaviors": []}))
    result = CliRunner().invoke(cli, ["config", "put", str(tmp_path / "got.json"), "--server", closed])
    assert result.exit_code == 1 and "cannot reach the admin API" in result.output, result.output
