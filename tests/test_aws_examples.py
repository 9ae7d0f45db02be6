"""AWS's published Lambda@Edge examples, ported to C (tests/functions/, samples/), served by
the real server in front of real origins: S3-style buckets behind an S3-compatible
endpoint, the echo origin and the static one. The ten examples the samples reproduce are
served by tests/test_samples_e2e.py; these are the ones that need S3 origins, header entries
copied with their keys, and a form body replaced as text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from edge import toolchain

from . import aws_examples
from .s3_endpoint import S3Endpoint

NAMES = ("override-response-header", "modify-form-body", "s3-origin-by-query", "s3-region-by-country",
         "s3-traffic-shift")


@pytest.fixture(scope="module")
def functions(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("aws-examples")
    return {name: toolchain.build(aws_examples.FUNCTIONS / name, out=out / f"{name}.wasm") for name in NAMES}


@pytest.fixture(scope="module")
def buckets():
    metadata = {"x-amz-meta-last-modified": "Thu, 01 Jan 2015 00:00:00 GMT"}
    objects = {
        "my-bucket/override/photo.jpg": (b"default bucket", metadata),
        "my-bucket/custom-or-s3/photo.jpg": b"default bucket",
        "my-bucket/regional/photo.jpg": b"default bucket",
        "my-bucket-in-eu-central-1/regional/photo.jpg": b"eu-central-1 bucket",
        "my-bucket-in-ap-northeast-1/regional/photo.jpg": b"ap-northeast-1 bucket",
        "blue-bucket/shift/photo.jpg": b"blue",
        "green-bucket/shift/photo.jpg": b"green",
    }
    endpoint = S3Endpoint(objects)
    endpoint.server.start()
    yield endpoint
    endpoint.server.stop()


def manifest(functions: dict[str, Path], endpoint: str) -> str:
    def bucket(name: str, domain: str, region: str = "us-east-1") -> str:
        return f'[origins.{name}]\ntype = "s3"\ndomain_name = "{domain}"\nregion = "{region}"\nendpoint = "{endpoint}"\n'

    tables = "".join(f'[functions.{name}]\nsource = "{path}"\n\n' for name, path in functions.items())
    return f"""
[viewer]
country_header = "X-Viewer-Country"

[origins.echo]
type = "echo"
domain_name = "origin.example.com"

{bucket("default", "my-bucket.s3.amazonaws.com")}
{bucket("eu", "my-bucket-in-eu-central-1.s3.amazonaws.com", "eu-central-1")}
{bucket("jp", "my-bucket-in-ap-northeast-1.s3.amazonaws.com", "ap-northeast-1")}
{bucket("blue", "blue-bucket.s3.amazonaws.com")}
{bucket("green", "green-bucket.s3.amazonaws.com")}
{tables}
[[behaviors]]
path = "/override/*"
origin = "default"
origin_response = "override-response-header"

[[behaviors]]
path = "/form"
origin = "echo"
methods = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
viewer_request = {{ function = "modify-form-body", include_body = true }}

[[behaviors]]
path = "/custom-or-s3/*"
origin = "echo"
origin_request = "s3-origin-by-query"
cache = {{ query_strings = ["useS3Origin"] }}

[[behaviors]]
path = "/regional/*"
origin = "default"
origin_request = "s3-region-by-country"
cache = {{ headers = ["cloudfront-viewer-country"] }}

[[behaviors]]
path = "/shift/*"
origin = "green"
origin_request = "s3-traffic-shift"
cache = "disabled"

[[behaviors]]
path = "*"
origin = "echo"
"""


@pytest.fixture(scope="module")
def edge(functions, buckets, tmp_path_factory):
    from .conftest import Edge

    directory = tmp_path_factory.mktemp("edge")
    (directory / "manifest.toml").write_text(manifest(functions, buckets.url))
    server = Edge(directory / "manifest.toml", directory / "state")
    server.server.start()
    yield server
    server.close()


def test_overriding_a_response_header(edge):
    """The X-Amz-Meta-Last-Modified entry is copied, key and all, under last-modified."""
    r = edge.get("/override/photo.jpg")
    assert r.status_code == 200 and r.text == "default bucket", r.text
    assert r.headers["last-modified"] == "Thu, 01 Jan 2015 00:00:00 GMT"
    assert edge.get("/override/photo.jpg").headers["x-cache"] == "Hit from edge"  # cached as overridden


def test_modifying_a_form_body_as_text(edge):
    r = edge.request("POST", "/form", content=b"name=edge&color=blue",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    assert r.json()["body"] == "name=edge&color=blue&new-param-name=new-param-value"


def test_custom_origin_to_s3_by_query_string(edge):
    to_s3 = edge.get("/custom-or-s3/photo.jpg?useS3Origin=true")
    assert to_s3.status_code == 200 and to_s3.text == "default bucket"
    custom = edge.get("/custom-or-s3/photo.jpg?useS3Origin=false")
    assert custom.json()["uri"] == "/custom-or-s3/photo.jpg"  # the echo (custom) origin answered


@pytest.mark.parametrize(("country", "served"), [("DE", "eu-central-1 bucket"), ("JP", "ap-northeast-1 bucket"),
                                                 ("US", "default bucket"), (None, "default bucket")])
def test_s3_region_by_country(edge, country, served):
    headers = {"X-Viewer-Country": country} if country else {}
    r = edge.get("/regional/photo.jpg", headers=headers)
    assert r.status_code == 200 and r.text == served


def test_gradual_traffic_shift_between_buckets(edge):
    seen = Counter(edge.get("/shift/photo.jpg").text for _ in range(60))
    assert set(seen) == {"blue", "green"} and seen["blue"] > seen["green"]  # 80 % blue
