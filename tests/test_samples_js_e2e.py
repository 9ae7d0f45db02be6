"""The JavaScript twins of the samples (samples/js/*) end to end: `samples/manifest.toml`
under a real Hypercorn server, every twin built from its Node.js source, each /js/ route's
documented input -> output, the same as its C sample's (tests/test_samples_e2e.py)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from .conftest import Edge
from .test_samples_e2e import SECURITY_HEADERS, USER_AGENTS

ROOT = Path(__file__).resolve().parents[1]
TWINS = ("ab-testing", "basic-auth", "country-origin", "country-redirect", "device-variant", "directory-index",
         "form-body", "redirect", "security-headers", "static-content")


@pytest.fixture(scope="module")
def samples(sample_distribution) -> Edge:  # type: ignore[no-untyped-def]
    return sample_distribution  # one server for both sample modules (tests/conftest.py)


def logs(samples: Edge, function: str, request_id: str | None = None) -> list[str]:
    return [rec.message for rec in samples.state.logs.query(function=function, request_id=request_id)]


def test_every_c_sample_has_a_javascript_twin_on_its_own_route(samples):
    c_samples = {p.parent.name for p in (ROOT / "samples").glob("*/main.c")}
    assert c_samples == set(TWINS)
    functions = samples.state.manifest.functions
    for name in TWINS:
        assert (ROOT / "samples" / "js" / name / "index.js").is_file()
        assert f"js-{name}" in functions
    readme = (ROOT / "README.md").read_text()
    assert readme.count("| `/js/") >= 8  # a README table row per route


def test_site_gets_security_headers_and_directory_index(samples):
    home = samples.get("/js/")
    assert home.status_code == 200 and "through the JavaScript twins" in home.text
    for name, value in SECURITY_HEADERS.items():
        assert home.headers[name] == value
    about = samples.get("/js/about")  # no dot in the last segment: /js/about/index.html
    assert about.status_code == 200 and "JavaScript directory-index" in about.text
    assert any(m == "New URI: /js/about/index.html" for m in logs(samples, "js-directory-index"))


def test_ab_testing_by_cookie_and_by_dice(samples):
    for cookie, group in (("X-Experiment-Name=A", "control"), ("X-Experiment-Name=B", "treatment")):
        r = samples.get("/js/experiment-pixel.jpg", headers={"Cookie": cookie})
        assert r.status_code == 200 and r.content.startswith(b"GIF89a")
        assert f'Request uri set to "/experiment-group/{group}-pixel.jpg"' in logs(samples, "js-ab-testing", r.headers["x-amz-cf-id"])
    r = samples.get("/js/experiment-pixel.jpg")
    lines = logs(samples, "js-ab-testing", r.headers["x-amz-cf-id"])
    assert r.status_code == 200 and "Experiment cookie has not been found. Throwing dice..." in lines


def test_static_content_generated_response(samples):
    r = samples.get("/js/static-content")
    c = samples.get("/static-content")
    assert r.status_code == 200 and r.text == c.text  # byte for byte the C sample's page
    assert r.headers["cache-control"] == "max-age=100" and r.headers["content-type"] == "text/html"
    assert r.headers["x-cache"] == "LambdaGeneratedResponse from edge"


def test_redirect(samples):
    r = samples.get("/js/redirect")
    assert r.status_code == 302
    assert r.headers["location"] == "https://docs.aws.amazon.com/lambda/latest/dg/lambda-edge.html"


@pytest.mark.parametrize("country,location", [("TW", "https://tw.example.com/"), ("US", "https://us.example.com/"),
                                              ("FR", "https://example.com/"), (None, "https://example.com/")])
def test_country_redirect(samples, country, location):
    headers = {"X-Viewer-Country": country} if country else {}
    r = samples.get("/js/country-redirect", headers=headers)
    assert r.status_code == 302 and r.headers["location"] == location
    forged = samples.get("/js/country-redirect", headers={"CloudFront-Viewer-Country": "TW", **headers})
    assert forged.headers["location"] == location  # a viewer's own CloudFront-* header is dropped


@pytest.mark.parametrize("device", list(USER_AGENTS))
def test_device_variant(samples, device):
    r = samples.get("/js/device/index.html", headers={"User-Agent": USER_AGENTS[device]})
    assert r.status_code == 200 and f"Variant: {device}/js/device" in r.text


def test_country_origin_switches_to_the_eu_origin(samples):
    eu = samples.get("/js/country-origin/index.html", headers={"X-Viewer-Country": "GB"})
    assert "EU origin" in eu.text
    default = samples.get("/js/country-origin/index.html", headers={"X-Viewer-Country": "US"})
    assert "default origin" in default.text


def test_form_body_is_logged_and_forwarded_intact(samples):
    r = samples.request("POST", "/js/form", content=b"name=edge&color=blue%20sky&color=red",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and r.json()["body"] == "name=edge&color=blue%20sky&color=red"
    lines = logs(samples, "js-form-body", r.headers["x-amz-cf-id"])
    assert 'For "name" user submitted "edge".' in lines
    assert 'For "color" user submitted "blue sky,red".' in lines  # an array prints joined, as in Node


def test_basic_auth(samples):
    denied = samples.get("/js/private/")
    assert denied.status_code == 401
    assert denied.headers["www-authenticate"] == "Basic" and denied.text == "Unauthorized"
    wrong = samples.get("/js/private/", headers={"Authorization": "Basic " + base64.b64encode(b"alice:nope").decode()})
    assert wrong.status_code == 401
    ok = samples.get("/js/private/", auth=("alice", "s3cret"))
    assert ok.status_code == 200 and "Private area (JavaScript)" in ok.text
