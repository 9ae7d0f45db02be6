"""`edge generate-event HOOK`: events shaped by the server's own builder, accepted by `edge invoke`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.pipeline.verdict import event_parts

from .scaffolds import HOOKS


def edge(*args: str, code: int = 0, **kw):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, **kw)
    assert result.exit_code == code, result.output
    return result


@pytest.mark.parametrize("hook", HOOKS)
def test_generated_event_feeds_the_starter(scaffolds, hook, tmp_path):
    event = tmp_path / "event.json"
    edge("generate-event", hook, "--uri", "/docs/", "--out", str(event))
    parsed = json.loads(event.read_text())
    event_type, request, response = event_parts(parsed)
    assert event_type == hook and request["uri"] == "/docs/"
    assert (response is not None) == hook.endswith("response")
    for lang in ("c", "zig"):
        made = scaffolds[(lang, hook)]
        wasm = made["dir"] / "build" / f"{made['dir'].name}.wasm"
        result = edge("invoke", str(wasm), "--event", str(event))
        value = json.loads(result.stdout)
        if hook == "origin-request":
            assert value["uri"] == "/docs/index.html"
        # stdin works too, as in `edge generate-event ... | edge invoke fn.wasm`
        piped = edge("invoke", str(wasm), input=event.read_text())
        assert json.loads(piped.stdout) == value


def test_options_shape_the_event():
    out = edge("generate-event", "viewer-request", "--uri", "/a/b?x=1&y=2", "-X", "post", "-H", "Cookie: k=v",
               "-H", "user-agent: test/1", "--body", "name=edge", "--client-ip", "198.51.100.7").stdout
    cf = json.loads(out)["Records"][0]["cf"]
    request = cf["request"]
    assert cf["config"]["eventType"] == "viewer-request" and len(cf["config"]["requestId"]) == 56
    assert (request["uri"], request["querystring"], request["method"]) == ("/a/b", "x=1&y=2", "POST")
    assert request["clientIp"] == "198.51.100.7"
    mapped = json.loads(edge("generate-event", "viewer-request", "--client-ip", "::ffff:192.0.2.7").stdout)
    assert mapped["Records"][0]["cf"]["request"]["clientIp"] == "192.0.2.7"  # an IPv4 viewer, as CloudFront shows it
    assert request["headers"]["cookie"] == [{"key": "Cookie", "value": "k=v"}]
    assert request["headers"]["user-agent"] == [{"key": "user-agent", "value": "test/1"}]  # replaced, case kept
    assert request["headers"]["host"][0]["value"] == "d111111abcdef8.cloudfront.net"
    assert request["body"] == {"inputTruncated": False, "action": "read-only", "encoding": "base64",
                               "data": "bmFtZT1lZGdl"}
    assert request["headers"]["content-length"] == [{"key": "Content-Length", "value": "9"}]  # as the viewer sent it
    assert request["headers"]["content-type"] == [{"key": "Content-Type", "value": "application/x-www-form-urlencoded"}]
    posted = json.loads(edge("generate-event", "origin-request", "--body", "name=edge").stdout)["Records"][0]["cf"]
    assert posted["request"]["method"] == "POST"  # as `curl -d` sends it
    assert posted["request"]["headers"]["content-length"][0]["value"] == "9"
    assert posted["request"]["headers"]["content-type"][0]["value"] == "application/x-www-form-urlencoded"
    typed = json.loads(edge("generate-event", "viewer-request", "-X", "PUT", "-d", "{}", "-H",
                            "Content-Type: application/json").stdout)["Records"][0]["cf"]["request"]
    assert typed["method"] == "PUT" and typed["headers"]["content-type"] == [
        {"key": "Content-Type", "value": "application/json"}]
    assert json.loads(edge("generate-event", "viewer-request").stdout)["Records"][0]["cf"]["request"]["method"] == "GET"
    origin = json.loads(edge("generate-event", "origin-request", "--origin-domain", "api.example.com",
                             "--origin-protocol", "http").stdout)["Records"][0]["cf"]["request"]
    assert origin["origin"]["custom"]["domainName"] == "api.example.com" and origin["origin"]["custom"]["port"] == 80
    assert origin["headers"]["host"] == [{"key": "Host", "value": "api.example.com"}]
    assert "body" not in origin
    response = json.loads(edge("generate-event", "viewer-response", "--status", "404",
                               "--response-header", "Cache-Control: max-age=60").stdout)["Records"][0]["cf"]["response"]
    assert response["status"] == "404" and response["statusDescription"] == "Not Found"
    assert response["headers"]["cache-control"] == [{"key": "Cache-Control", "value": "max-age=60"}]


def test_a_viewers_cloudfront_headers_are_left_out_of_viewer_events_as_the_server_does():
    """The server drops a viewer's CloudFront-* headers and adds its own after viewer-request: a
    viewer-request event made with one would pass a test the served function then fails, so it is
    left out, saying where such a function runs; an origin-request event keeps it."""
    result = edge("generate-event", "viewer-request", "-H", "CloudFront-Viewer-Country: DE", "-H", "X-A: 1")
    headers = json.loads(result.stdout)["Records"][0]["cf"]["request"]["headers"]
    assert "cloudfront-viewer-country" not in headers and headers["x-a"] == [{"key": "X-A", "value": "1"}]
    assert result.stderr.startswith("note: CloudFront-Viewer-Country left out: the server's viewer-request events "
                                    "never hold CloudFront-* headers")
    assert "edge generate-event origin-request" in result.stderr
    origin = edge("generate-event", "origin-request", "-H", "CloudFront-Viewer-Country: DE")
    assert json.loads(origin.stdout)["Records"][0]["cf"]["request"]["headers"]["cloudfront-viewer-country"] == [
        {"key": "CloudFront-Viewer-Country", "value": "DE"}]
    assert origin.stderr == ""


def test_bad_input_is_a_usage_error(tmp_path):
    assert "expected 'Name: value'" in edge("generate-event", "viewer-request", "-H", "nocolon", code=2).output
    assert "must start with '/'" in edge("generate-event", "viewer-request", "--uri", "x", code=2).output
    assert "cannot read" in edge("generate-event", "viewer-request", "--body", f"@{tmp_path}/missing", code=2).output
    edge("generate-event", "origin-nothing", code=2)


@pytest.mark.parametrize("hook, option, applies", [
    ("origin-response", ["--body", "hello"], "viewer-request and origin-request"),
    ("viewer-response", ["-d", "@/dev/null"], "viewer-request and origin-request"),
    ("viewer-request", ["--status", "404"], "origin-response and viewer-response"),
    ("origin-request", ["--status", "200"], "origin-response and viewer-response"),  # the default, given: still
    ("viewer-request", ["--response-header", "X-A: 1"], "origin-response and viewer-response"),
    ("viewer-request", ["--origin-domain", "api.example.com"], "origin-request and origin-response"),
    ("viewer-response", ["--origin-protocol", "http"], "origin-request and origin-response"),
])
def test_an_option_the_hooks_event_has_no_place_for_is_a_usage_error(hook, option, applies):
    """It was left out of the event, exit 0 (`origin-response --body hello`: a POST with no body)."""
    result = edge("generate-event", hook, *option, code=2)
    name = "--body" if option[0] == "-d" else option[0]
    assert f"Error: {name} applies to {applies} events, not {hook}" in result.output, result.output
    assert result.stdout.count("{") == 0  # no event printed
