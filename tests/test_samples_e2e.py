"""The sample distribution end to end: `samples/manifest.toml` under a real Hypercorn server,
every sample built from source, each route's documented input -> output (README routes), and
the JavaScript twins of the samples (samples/js/*, TestJavaScriptTwins below): each /js/ route's
documented input -> output, the same as its C sample's."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from .conftest import Edge

ROOT = Path(__file__).resolve().parents[1]

SECURITY_HEADERS = {
    "strict-transport-security": "max-age= 63072000; includeSubdomains; preload",
    "content-security-policy": "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "x-xss-protection": "1; mode=block",
    "referrer-policy": "same-origin",
}


@pytest.fixture(scope="module")
def samples(sample_distribution) -> Edge:  # type: ignore[no-untyped-def]
    return sample_distribution  # one server for the C samples and their JavaScript twins (tests/conftest.py)


def test_static_site_gets_security_headers_and_directory_index(samples):
    home = samples.get("/")
    assert home.status_code == 200 and "Hello from the origin" in home.text
    for name, value in SECURITY_HEADERS.items():
        assert home.headers[name] == value
    about = samples.get("/about/")
    assert about.status_code == 200 and "<h1>About</h1>" in about.text
    assert samples.get("/about").status_code == 200  # no dot in the last segment: /about/index.html


def test_ab_testing_by_cookie(samples):
    for cookie, group in (("X-Experiment-Name=A", "control"), ("X-Experiment-Name=B", "treatment")):
        r = samples.get("/experiment-pixel.jpg", headers={"Cookie": cookie})
        assert r.status_code == 200 and r.content.startswith(b"GIF89a")
    logs = [rec.message for rec in samples.state.logs.query(function="ab-testing")]
    assert any("/experiment-group/control-pixel.jpg" in m for m in logs)
    assert any("/experiment-group/treatment-pixel.jpg" in m for m in logs)


def test_static_content_generated_response(samples):
    r = samples.get("/static-content")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "max-age=100" and r.headers["content-type"] == "text/html"
    assert "<p>Hello from Lambda@Edge!</p>" in r.text
    assert r.headers["x-cache"] == "LambdaGeneratedResponse from edge"


def test_redirect_from_a_wasi_command_module(samples):
    r = samples.get("/redirect")
    assert r.status_code == 302
    assert r.headers["location"] == "https://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html"


@pytest.mark.parametrize(
    "country,location",
    [("TW", "https://tw.example.com/"), ("US", "https://us.example.com/"), ("FR", "https://example.com/"), (None, "https://example.com/")],
)
def test_country_redirect(samples, country, location):
    headers = {"X-Viewer-Country": country} if country else {}  # the sample trusts this header
    r = samples.get("/country-redirect", headers=headers)
    forged = samples.get("/country-redirect", headers={"CloudFront-Viewer-Country": "TW", **headers})
    assert forged.headers["location"] == location  # a viewer's own CloudFront-* header is dropped
    assert r.status_code == 302 and r.headers["location"] == location


USER_AGENTS = {
    "desktop": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "mobile": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.0 Mobile/15E148 Safari/604.1",
    "tablet": "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Version/17.0 Mobile/15E148 Safari/604.1",
    "smarttv": "Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) "
               "SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36",
}


@pytest.mark.parametrize("device", ["desktop", "mobile", "tablet", "smarttv"])
def test_device_variant(samples, device):
    """CloudFront-Is-*-Viewer come from the User-Agent, not from the viewer's own headers."""
    r = samples.get("/device/index.html", headers={"User-Agent": USER_AGENTS[device]})
    assert r.status_code == 200 and f"Variant: {device}/device" in r.text
    forged = samples.get("/device/index.html", headers={"User-Agent": USER_AGENTS["desktop"],
                                                        "CloudFront-Is-Tablet-Viewer": "true"})
    assert "Variant: desktop/device" in forged.text


def test_country_origin_switches_to_the_eu_origin(samples):
    eu = samples.get("/country-origin/index.html", headers={"X-Viewer-Country": "DE"})
    assert "EU origin" in eu.text
    default = samples.get("/country-origin/index.html", headers={"X-Viewer-Country": "US"})
    assert "default origin" in default.text


def test_form_body_is_logged_and_forwarded_intact(samples):
    r = samples.request("POST", "/form", content=b"name=edge&color=blue%20sky",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    assert r.json()["body"] == "name=edge&color=blue%20sky"
    lines = [rec.message for rec in samples.state.logs.query(function="form-body", request_id=r.headers["x-amz-cf-id"])]
    assert any("name" in line and "edge" in line for line in lines)
    assert any("color" in line and "blue sky" in line for line in lines)


def test_basic_auth(samples):
    denied = samples.get("/private/")
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"] == "Basic" and denied.text == "Unauthorized"
    wrong = samples.get("/private/", headers={"Authorization": "Basic " + base64.b64encode(b"alice:nope").decode()})
    assert wrong.status_code == 401
    ok = samples.get("/private/", auth=("alice", "s3cret"))
    assert ok.status_code == 200 and "Private area" in ok.text
    for sneaky in ("/private%2Findex.html", "/private%2f", "/%70rivate/index.html"):  # the function still guards it
        r = samples.get(sneaky)
        assert r.status_code in (401, 404) and "Private area" not in r.text, (sneaky, r.status_code)


# ---- the JavaScript twins (samples/js/*) --------------------------------------------------------------
# Each /js/ route's documented input -> output, the same as its C sample's. Here, not in a module of
# their own: the sample server (every sample and twin built and compiled, ~20 optimizing compiles in
# the background) is one per test process, and under `--dist loadfile` two modules ran on both.

TWINS = ("ab-testing", "basic-auth", "country-origin", "country-redirect", "device-variant", "directory-index",
         "form-body", "redirect", "security-headers", "static-content")


def logs(samples: Edge, function: str, request_id: str | None = None) -> list[str]:
    return [rec.message for rec in samples.state.logs.query(function=function, request_id=request_id)]


class TestJavaScriptTwins:
    """samples/js/*, every twin built from its Node.js source, on its own /js/ route."""

    def test_every_c_sample_has_a_javascript_twin_on_its_own_route(self, samples):
        c_samples = {p.parent.name for p in (ROOT / "samples").glob("*/main.c")}
        assert c_samples == set(TWINS)
        functions = samples.state.manifest.functions
        for name in TWINS:
            assert (ROOT / "samples" / "js" / name / "index.js").is_file()
            assert f"js-{name}" in functions
        readme = (ROOT / "README.md").read_text()
        assert readme.count("| `/js/") >= 8  # a README table row per route

    def test_site_gets_security_headers_and_directory_index(self, samples):
        home = samples.get("/js/")
        assert home.status_code == 200 and "through the JavaScript twins" in home.text
        for name, value in SECURITY_HEADERS.items():
            assert home.headers[name] == value
        about = samples.get("/js/about")  # no dot in the last segment: /js/about/index.html
        assert about.status_code == 200 and "JavaScript directory-index" in about.text
        assert any(m == "New URI: /js/about/index.html" for m in logs(samples, "js-directory-index"))

    def test_ab_testing_by_cookie_and_by_dice(self, samples):
        for cookie, group in (("X-Experiment-Name=A", "control"), ("X-Experiment-Name=B", "treatment")):
            r = samples.get("/js/experiment-pixel.jpg", headers={"Cookie": cookie})
            assert r.status_code == 200 and r.content.startswith(b"GIF89a")
            assert f'Request uri set to "/experiment-group/{group}-pixel.jpg"' in logs(samples, "js-ab-testing", r.headers["x-amz-cf-id"])
        r = samples.get("/js/experiment-pixel.jpg")
        lines = logs(samples, "js-ab-testing", r.headers["x-amz-cf-id"])
        assert r.status_code == 200 and "Experiment cookie has not been found. Throwing dice..." in lines

    def test_static_content_generated_response(self, samples):
        r = samples.get("/js/static-content")
        c = samples.get("/static-content")
        assert r.status_code == 200 and r.text == c.text  # byte for byte the C sample's page
        assert r.headers["cache-control"] == "max-age=100" and r.headers["content-type"] == "text/html"
        assert r.headers["x-cache"] == "LambdaGeneratedResponse from edge"

    def test_redirect(self, samples):
        r = samples.get("/js/redirect")
        assert r.status_code == 302
        assert r.headers["location"] == "https://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html"

    @pytest.mark.parametrize("country,location", [("TW", "https://tw.example.com/"), ("US", "https://us.example.com/"),
                                                  ("FR", "https://example.com/"), (None, "https://example.com/")])
    def test_country_redirect(self, samples, country, location):
        headers = {"X-Viewer-Country": country} if country else {}
        r = samples.get("/js/country-redirect", headers=headers)
        assert r.status_code == 302 and r.headers["location"] == location
        forged = samples.get("/js/country-redirect", headers={"CloudFront-Viewer-Country": "TW", **headers})
        assert forged.headers["location"] == location  # a viewer's own CloudFront-* header is dropped

    @pytest.mark.parametrize("device", list(USER_AGENTS))
    def test_device_variant(self, samples, device):
        r = samples.get("/js/device/index.html", headers={"User-Agent": USER_AGENTS[device]})
        assert r.status_code == 200 and f"Variant: {device}/js/device" in r.text

    def test_country_origin_switches_to_the_eu_origin(self, samples):
        eu = samples.get("/js/country-origin/index.html", headers={"X-Viewer-Country": "GB"})
        assert "EU origin" in eu.text
        default = samples.get("/js/country-origin/index.html", headers={"X-Viewer-Country": "US"})
        assert "default origin" in default.text

    def test_form_body_is_logged_and_forwarded_intact(self, samples):
        r = samples.request("POST", "/js/form", content=b"name=edge&color=blue%20sky&color=red",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 200 and r.json()["body"] == "name=edge&color=blue%20sky&color=red"
        lines = logs(samples, "js-form-body", r.headers["x-amz-cf-id"])
        assert 'For "name" user submitted "edge".' in lines
        assert 'For "color" user submitted "blue sky,red".' in lines  # an array prints joined, as in Node

    def test_basic_auth(self, samples):
        denied = samples.get("/js/private/")
        assert denied.status_code == 401
        assert denied.headers["www-authenticate"] == "Basic" and denied.text == "Unauthorized"
        wrong = samples.get("/js/private/", headers={"Authorization": "Basic " + base64.b64encode(b"alice:nope").decode()})
        assert wrong.status_code == 401
        ok = samples.get("/js/private/", auth=("alice", "s3cret"))
        assert ok.status_code == 200 and "Private area (JavaScript)" in ok.text
