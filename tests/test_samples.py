"""Every sample, built from source with edge.toolchain, against AWS-shaped events (the documented Lambda@Edge event structure and AWS's example functions).

Builds run once per session into a temp dir (a clean checkout works), in parallel.
"""

from __future__ import annotations

import base64
import copy
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest

from edge import toolchain
from edge.runtime.limits import FunctionConfig
from edge.runtime.module import STYLE_COMMAND, STYLE_REACTOR
from edge.runtime.outcome import ErrorKind
from edge.runtime.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent
SAMPLES_DIR = REPO / "samples"
SAMPLES = (
    "ab-testing",
    "static-content",
    "redirect",
    "country-redirect",
    "device-variant",
    "country-origin",
    "form-body",
    "security-headers",
    "directory-index",
    "basic-auth",
)

# ---- AWS sample events (verbatim from the AWS documentation) ------------------------------------

CONFIG = {
    "distributionDomainName": "d111111abcdef8.cloudfront.net",
    "distributionId": "EDFDVBD6EXAMPLE",
    "eventType": "viewer-request",
    "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
}
VIEWER_REQUEST = {
    "clientIp": "203.0.113.178",
    "headers": {
        "host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}],
        "user-agent": [{"key": "User-Agent", "value": "curl/7.66.0"}],
        "accept": [{"key": "accept", "value": "*/*"}],
    },
    "method": "GET",
    "querystring": "",
    "uri": "/",
}
ORIGIN_REQUEST = {
    "clientIp": "203.0.113.178",
    "headers": {
        "x-forwarded-for": [{"key": "X-Forwarded-For", "value": "203.0.113.178"}],
        "user-agent": [{"key": "User-Agent", "value": "Amazon CloudFront"}],
        "via": [{"key": "Via", "value": "2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"}],
        "host": [{"key": "Host", "value": "example.org"}],
        "cache-control": [{"key": "Cache-Control", "value": "no-cache, cf-no-cache"}],
    },
    "method": "GET",
    "origin": {
        "custom": {
            "customHeaders": {},
            "domainName": "example.org",
            "keepaliveTimeout": 5,
            "path": "",
            "port": 443,
            "protocol": "https",
            "readTimeout": 30,
            "sslProtocols": ["TLSv1", "TLSv1.1", "TLSv1.2"],
        }
    },
    "querystring": "",
    "uri": "/",
}
ORIGIN_RESPONSE = {
    "headers": {
        "access-control-allow-credentials": [{"key": "Access-Control-Allow-Credentials", "value": "true"}],
        "access-control-allow-origin": [{"key": "Access-Control-Allow-Origin", "value": "*"}],
        "date": [{"key": "Date", "value": "Mon, 13 Jan 2020 20:12:38 GMT"}],
        "referrer-policy": [{"key": "Referrer-Policy", "value": "no-referrer-when-downgrade"}],
        "server": [{"key": "Server", "value": "ExampleCustomOriginServer"}],
        "x-content-type-options": [{"key": "X-Content-Type-Options", "value": "nosniff"}],
        "x-frame-options": [{"key": "X-Frame-Options", "value": "DENY"}],
        "x-xss-protection": [{"key": "X-XSS-Protection", "value": "1; mode=block"}],
        "content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}],
        "content-length": [{"key": "Content-Length", "value": "9593"}],
    },
    "status": "200",
    "statusDescription": "OK",
}
BODY = {  # the field-complete illustration's body (decodes to a small JSON document)
    "action": "read-only",
    "data": "eyJ1c2VybmFtZSI6IkxhbWJkYUBFZGdlIiwiY29tbWVudCI6IlRoaXMgaXMgcmVxdWVzdCBib2R5In0=",
    "encoding": "base64",
    "inputTruncated": False,
}


def make_event(event_type: str, request: dict, response: dict | None = None) -> dict:
    cf: dict = {"config": dict(CONFIG, eventType=event_type), "request": request}
    if response is not None:
        cf["response"] = response
    return {"Records": [{"cf": cf}]}


def viewer_request(*, uri: str = "/", headers: dict | None = None, **fields) -> dict:
    request = copy.deepcopy(VIEWER_REQUEST)
    request["uri"] = uri
    request["headers"].update(copy.deepcopy(headers or {}))
    request.update(fields)
    return request


def origin_request(*, uri: str = "/", headers: dict | None = None, **fields) -> dict:
    request = copy.deepcopy(ORIGIN_REQUEST)
    request["uri"] = uri
    request["headers"].update(copy.deepcopy(headers or {}))
    request.update(fields)
    return request


def header(key: str, *values: str) -> dict:
    return {key.lower(): [{"key": key, "value": v} for v in values]}


# ---- builds and runtime --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def runtime():
    rt = Runtime()
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every sample copied to a temp dir and built there once, in parallel."""
    root = tmp_path_factory.mktemp("samples")

    def one(name: str) -> tuple[str, Path]:
        src = root / name
        shutil.copytree(SAMPLES_DIR / name, src, ignore=shutil.ignore_patterns("build"))
        return name, toolchain.build(src)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(pool.map(one, SAMPLES))


@pytest.fixture(scope="session")
def sample(runtime, built):
    """sample(name, isolation=..., env=...) -> a Function (cached per configuration)."""
    cache: dict = {}

    def get(name: str, *, isolation: str = "per-request", env: tuple = ()):
        key = (name, isolation, env)
        if key not in cache:
            config = FunctionConfig(name=name, isolation=isolation, env=env)
            cache[key] = runtime.function(built[name].read_bytes(), config)
        return cache[key]

    return get


def run(fn, event: dict):
    out = fn.invoke(orjson.dumps(event))
    assert out.ok, (out.error, out.message, out.logs)
    return out


def messages(out) -> list[str]:
    return [line.message for line in out.logs]


# ---- layout ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_layout_and_module_style(name, built, runtime):
    directory = SAMPLES_DIR / name
    assert (directory / "main.c").is_file()
    readme = (directory / "README.md").read_text()
    assert "Hook:" in readme and "Reproduces:" in readme
    compiled = runtime.load(built[name].read_bytes())
    expected = STYLE_COMMAND if name == "redirect" else STYLE_REACTOR
    assert compiled.style == expected
    assert toolchain.exec_model(directory) == ("command" if name == "redirect" else "reactor")
    assert built[name].stat().st_size < 64 * 1024  # optimized and stripped


# ---- 1. ab-testing ------------------------------------------------------------------------------------------

CONTROL = "/experiment-group/control-pixel.jpg"
TREATMENT = "/experiment-group/treatment-pixel.jpg"


def test_ab_testing_other_uris_pass_through(sample):
    request = viewer_request(uri="/index.html", headers=header("Cookie", "X-Experiment-Name=B"))
    out = run(sample("ab-testing"), make_event("viewer-request", request))
    assert out.value == request
    assert out.logs == []


@pytest.mark.parametrize(
    "cookies, uri, log",
    [
        (["X-Experiment-Name=A"], CONTROL, "Experiment A cookie found"),
        (["X-Experiment-Name=B"], TREATMENT, "Experiment B cookie found"),
        (["First=1; Second=2", "theme=dark; X-Experiment-Name=B"], TREATMENT, "Experiment B cookie found"),
        (["X-Experiment-Name=B; X-Experiment-Name=A"], CONTROL, "Experiment A cookie found"),  # A checked first
        (["X-Experiment-Name=B", "X-Experiment-Name=A"], TREATMENT, "Experiment B cookie found"),  # first line wins
    ],
)
def test_ab_testing_cookie_picks_group(sample, cookies, uri, log):
    request = viewer_request(uri="/experiment-pixel.jpg", headers=header("Cookie", *cookies))
    out = run(sample("ab-testing"), make_event("viewer-request", request))
    assert out.value == dict(request, uri=uri)
    assert messages(out) == [log, f'Request uri set to "{uri}"']


def test_ab_testing_dice_split_75_25(sample):
    fn = sample("ab-testing", isolation="reuse")
    event = orjson.dumps(make_event("viewer-request", viewer_request(uri="/experiment-pixel.jpg")))
    uris = []
    for _ in range(400):
        out = fn.invoke(event)
        assert out.ok
        uris.append(out.value["uri"])
    assert set(uris) == {CONTROL, TREATMENT}
    assert 240 <= uris.count(CONTROL) <= 360  # expected 300, sd ~8.7
    assert messages(out)[0] == "Experiment cookie has not been found. Throwing dice..."


# ---- 2. static-content ---------------------------------------------------------------------------------------

STATIC_BODY = (
    "\n<!DOCTYPE html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\">\n"
    "    <title>Simple Lambda@Edge Static Content Response</title>\n  </head>\n  <body>\n"
    "    <p>Hello from Lambda@Edge!</p>\n  </body>\n</html>\n"
)


@pytest.mark.parametrize("event_type", ["viewer-request", "origin-request"])
def test_static_content(sample, event_type):
    request = viewer_request(uri="/anything") if event_type == "viewer-request" else origin_request()
    out = run(sample("static-content"), make_event(event_type, request))
    assert out.value == {
        "status": "200",
        "statusDescription": "OK",
        "headers": {
            "cache-control": [{"key": "Cache-Control", "value": "max-age=100"}],
            "content-type": [{"key": "Content-Type", "value": "text/html"}],
        },
        "body": STATIC_BODY,
    }


def test_static_content_does_not_parse_its_event(sample):
    """It never reads the event, so the SDK never parses it: the fuel does not grow with the event."""
    small = run(sample("static-content"), make_event("viewer-request", viewer_request()))
    headers = {f"x-h{i}": [{"key": f"X-H{i}", "value": "v" * 100}] for i in range(200)}
    big = run(sample("static-content"), make_event("viewer-request", viewer_request(headers=headers)))  # ~30 KB
    assert small.value == big.value
    assert small.fuel_used < 40_000  # 68,500 when the SDK parsed every event up front (bench/README.md, 15)
    assert big.fuel_used < small.fuel_used + 1_000


# ---- 3. redirect (WASI command module) -----------------------------------------------------------------------

REDIRECT = {
    "status": "302",
    "statusDescription": "Found",
    "headers": {
        "location": [{"key": "Location", "value": "https://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html"}]
    },
}


@pytest.mark.parametrize("isolation", ["per-request", "reuse"])  # reuse behaves like per-request for commands
def test_redirect_command_module(sample, isolation):
    fn = sample("redirect", isolation=isolation)
    for event in (make_event("viewer-request", viewer_request(uri="/x")), make_event("origin-request", origin_request())):
        out = run(fn, event)
        assert out.value == REDIRECT
        assert "body" not in out.value


# ---- 4. country-redirect --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "country, url",
    [("TW", "https://tw.example.com/"), ("US", "https://us.example.com/"), ("FR", "https://example.com/"),
     ("tw", "https://example.com/"), (None, "https://example.com/")],
)
def test_country_redirect(sample, country, url):
    headers = header("CloudFront-Viewer-Country", country) if country else {}
    out = run(sample("country-redirect"), make_event("origin-request", origin_request(headers=headers)))
    assert out.value == {
        "status": "302",
        "statusDescription": "Found",
        "headers": {"location": [{"key": "Location", "value": url}]},
    }


# ---- 5. device-variant -----------------------------------------------------------------------------------------


def devices(**flags: str) -> dict:
    out: dict = {}
    for device, value in flags.items():
        out.update(header(f"CloudFront-Is-{device.capitalize() if device != 'smarttv' else 'SmartTV'}-Viewer", value))
    return out


@pytest.mark.parametrize(
    "flags, prefix",
    [
        (dict(desktop="true", mobile="false", tablet="false", smarttv="false"), "/desktop"),
        (dict(desktop="false", mobile="true", tablet="true", smarttv="false"), "/mobile"),
        (dict(desktop="false", mobile="false", tablet="true", smarttv="true"), "/tablet"),
        (dict(desktop="false", mobile="false", tablet="false", smarttv="true"), "/smarttv"),
        (dict(desktop="false", mobile="false", tablet="false", smarttv="false"), ""),
        (dict(desktop="TRUE"), ""),  # the AWS code compares with === 'true'
        ({}, ""),
    ],
)
def test_device_variant(sample, flags, prefix):
    request = origin_request(uri="/media/video.mp4", headers=devices(**flags))
    out = run(sample("device-variant"), make_event("origin-request", request))
    assert out.value == dict(request, uri=prefix + "/media/video.mp4")
    assert messages(out) == [f'Request uri set to "{prefix}/media/video.mp4"']


# ---- 6. country-origin -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["GB", "DE", "IE"])
def test_country_origin_eu(sample, country):
    request = origin_request(uri="/page", headers=header("CloudFront-Viewer-Country", country))
    out = run(sample("country-origin"), make_event("origin-request", request))
    expected = copy.deepcopy(request)
    expected["origin"]["custom"]["domainName"] = "eu.example.com"
    expected["headers"]["host"] = [{"key": "host", "value": "eu.example.com"}]
    assert out.value == expected
    assert out.value["origin"]["custom"]["port"] == 443  # numbers and arrays pass through intact


@pytest.mark.parametrize("country", ["US", "UK", "FR", None])
def test_country_origin_elsewhere_unchanged(sample, country):
    headers = header("CloudFront-Viewer-Country", country) if country else {}
    request = origin_request(uri="/page", headers=headers)
    out = run(sample("country-origin"), make_event("origin-request", request))
    assert out.value == request


# ---- 7. form-body ------------------------------------------------------------------------------------------------


def form_event(data: bytes, method: str = "POST") -> tuple[dict, dict]:
    request = viewer_request(uri="/submit", method=method)
    request["headers"].update(header("Content-Type", "application/x-www-form-urlencoded"))
    request["body"] = dict(BODY, data=base64.b64encode(data).decode())
    return make_event("viewer-request", request), request


def test_form_body_logs_fields_and_returns_request_unchanged(sample):
    event, request = form_event(b"name=Jane+Doe&comment=Hello%2C+world%21+%C3%A9&empty=&flag&name=J.")
    out = run(sample("form-body"), event)
    assert out.value == request  # body forwarded intact (action read-only)
    assert messages(out) == [
        'For "name" user submitted "Jane Doe,J.".',
        'For "comment" user submitted "Hello, world! é".',
        'For "empty" user submitted "".',
        'For "flag" user submitted "".',
    ]
    assert all(line.level == "INFO" for line in out.logs)


def test_form_body_reference_json_body(sample):
    """The reference's include-body sample (a JSON body): querystring.parse sees one key."""
    request = viewer_request(uri="/picture.jpg", method="POST", body=dict(BODY))
    out = run(sample("form-body"), make_event("viewer-request", request))
    assert out.value == request
    assert messages(out) == ['For "{"username":"Lambda@Edge","comment":"This is request body"}" user submitted "".']


def test_form_body_get_passes_through(sample):
    event, request = form_event(b"a=1", method="GET")
    out = run(sample("form-body"), event)
    assert out.value == request and out.logs == []


def test_form_body_post_without_include_body_fails_cleanly(sample):
    out = sample("form-body").invoke(orjson.dumps(make_event("viewer-request", viewer_request(method="POST"))))
    assert out.error is ErrorKind.HANDLER_ERROR
    assert out.logs[-1].level == "ERROR" and "include-body" in out.logs[-1].message


# ---- 8. security-headers ------------------------------------------------------------------------------------------

SECURITY = {
    "strict-transport-security": [
        {"key": "Strict-Transport-Security", "value": "max-age= 63072000; includeSubdomains; preload"}
    ],
    "content-security-policy": [
        {
            "key": "Content-Security-Policy",
            "value": "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'",
        }
    ],
    "x-content-type-options": [{"key": "X-Content-Type-Options", "value": "nosniff"}],
    "x-frame-options": [{"key": "X-Frame-Options", "value": "DENY"}],
    "x-xss-protection": [{"key": "X-XSS-Protection", "value": "1; mode=block"}],
    "referrer-policy": [{"key": "Referrer-Policy", "value": "same-origin"}],
}


def test_security_headers(sample):
    response = copy.deepcopy(ORIGIN_RESPONSE)
    out = run(sample("security-headers"), make_event("origin-response", origin_request(), response))
    expected = copy.deepcopy(ORIGIN_RESPONSE)
    expected["headers"].update(SECURITY)
    assert out.value == expected
    assert out.value["headers"]["referrer-policy"] == SECURITY["referrer-policy"]  # replaced, not appended


def test_security_headers_on_an_error_response(sample):
    response = {"headers": {}, "status": "404", "statusDescription": "Not Found"}
    out = run(sample("security-headers"), make_event("origin-response", origin_request(), response))
    assert out.value == {"headers": SECURITY, "status": "404", "statusDescription": "Not Found"}


# ---- 9. directory-index -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri, expected",
    [
        ("/about/", "/about/index.html"),
        ("/", "/index.html"),
        ("/about", "/about/index.html"),
        ("/docs/guide", "/docs/guide/index.html"),
        ("/v1.2/about", "/v1.2/about/index.html"),
        ("/a.b/", "/a.b/index.html"),
        ("/style.css", "/style.css"),
        ("/docs/app.min.js", "/docs/app.min.js"),
    ],
)
def test_directory_index(sample, uri, expected):
    request = origin_request(uri=uri)
    out = run(sample("directory-index"), make_event("origin-request", request))
    assert out.value == dict(request, uri=expected)
    assert messages(out) == [f"Old URI: {uri}", f"New URI: {expected}"]


# ---- 10. basic-auth -------------------------------------------------------------------------------------------------

UNAUTHORIZED = {
    "status": "401",
    "statusDescription": "Unauthorized",
    "headers": {"www-authenticate": [{"key": "WWW-Authenticate", "value": "Basic"}]},
    "body": "Unauthorized",
}


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


@pytest.mark.parametrize("auth", [None, basic("user:wrong"), "Bearer abc", basic("user:pass") + " "])
def test_basic_auth_rejects(sample, auth):
    headers = header("Authorization", auth) if auth else {}
    out = run(sample("basic-auth"), make_event("viewer-request", viewer_request(uri="/secret", headers=headers)))
    assert out.value == UNAUTHORIZED


def test_basic_auth_default_credentials_accepted_with_warning(sample):
    request = viewer_request(uri="/secret", headers=header("Authorization", basic("user:pass")))
    out = run(sample("basic-auth"), make_event("viewer-request", request))
    assert out.value == request
    assert [line.level for line in out.logs] == ["WARN"]


def test_basic_auth_credentials_from_env(sample):
    fn = sample("basic-auth", env=(("EDGE_BASIC_AUTH", "alice:s3cret"),))
    good = viewer_request(uri="/secret", headers=header("Authorization", basic("alice:s3cret")))
    out = run(fn, make_event("viewer-request", good))
    assert out.value == good and out.logs == []
    bad = viewer_request(uri="/secret", headers=header("Authorization", basic("user:pass")))
    assert run(fn, make_event("viewer-request", bad)).value == UNAUTHORIZED


# ---- toolchain ------------------------------------------------------------------------------------------------------


def test_needs_build_tracks_sources_and_sdk(tmp_path, built):
    src = tmp_path / "fn"
    shutil.copytree(SAMPLES_DIR / "directory-index", src, ignore=shutil.ignore_patterns("build"))
    wasm = toolchain.output_path(src)
    assert wasm == src / "build" / "fn.wasm"
    assert toolchain.needs_build(src, wasm)  # missing
    wasm.parent.mkdir()
    shutil.copy(built["directory-index"], wasm)
    future = time.time() + 10
    os.utime(wasm, (future, future))
    assert not toolchain.needs_build(src, wasm)
    os.utime(src / "main.c", (future + 10, future + 10))
    assert toolchain.needs_build(src, wasm)  # source newer
    os.utime(wasm, (future + 20, future + 20))
    assert not toolchain.needs_build(src, wasm)
    sdk_mtime = toolchain.SDK_HEADER.stat().st_mtime
    os.utime(wasm, (sdk_mtime - 1, sdk_mtime - 1))
    os.utime(src / "main.c", (sdk_mtime - 2, sdk_mtime - 2))
    assert toolchain.needs_build(src, wasm)  # the SDK header changed after the build


def test_exec_model_markers(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "main.c").write_text('#include "edge.h"\nint edge_main(edge_event *ev) { return 0; }\n')
    assert toolchain.exec_model(tmp_path / "a") == "reactor"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "main.c").write_text("#define EDGE_COMMAND\n#define EDGE_IMPLEMENTATION\n")
    assert toolchain.exec_model(tmp_path / "b") == "command"
    (tmp_path / "a" / "edge-build.toml").write_text('exec_model = "command"\n')
    assert toolchain.exec_model(tmp_path / "a") == "command"
    (tmp_path / "a" / "edge-build.toml").write_text('exec_model = "daemon"\n')
    with pytest.raises(toolchain.ToolchainError, match="exec_model"):
        toolchain.exec_model(tmp_path / "a")


def test_compile_error_carries_compiler_output(tmp_path):
    (tmp_path / "main.c").write_text("int edge_main(void) { return undefined_thing; }\n")
    with pytest.raises(toolchain.ToolchainError) as info:
        toolchain.build(tmp_path, out=tmp_path / "out.wasm")
    assert "undefined_thing" in str(info.value)
    assert not (tmp_path / "out.wasm").exists()


def test_zig_and_empty_dirs_are_reported(tmp_path):
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "build.zig").write_text("")
    with pytest.raises(toolchain.ToolchainError, match="sdk/zig"):
        toolchain.build(tmp_path / "z")
    (tmp_path / "empty").mkdir()
    with pytest.raises(toolchain.ToolchainError, match="no C"):
        toolchain.build(tmp_path / "empty")
