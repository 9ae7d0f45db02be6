"""The sample distribution end to end: `samples/manifest.toml` under a real Hypercorn server,
every sample built from source, each route's documented input -> output (README routes)."""

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
    return sample_distribution  # shared with the JavaScript twins' tests (tests/conftest.py)


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
