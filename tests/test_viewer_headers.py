"""The CloudFront-* headers the edge generates after viewer-request — country from a real
MaxMind database made here (or a trusted load-balancer header), device from the User-Agent —
and viewers' own CloudFront-* headers never reaching a function or an origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import modules as M
from .test_pipeline import events_seen, start

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.0 Mobile/15E148 Safari/604.1")
ALL_GENERATED = ('["cloudfront-viewer-country", "cloudfront-is-desktop-viewer", "cloudfront-is-mobile-viewer", '
                 '"cloudfront-is-tablet-viewer", "cloudfront-is-smarttv-viewer", "cloudfront-forwarded-proto", '
                 '"cloudfront-viewer-address"]')


@pytest.fixture(scope="module")
def country_db(tmp_path_factory) -> Path:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    writer.insert_network(IPSet(["127.0.0.0/8"]), {"country": {"iso_code": "DE", "names": {"en": "Germany"}}})
    path = tmp_path_factory.mktemp("geo") / "country.mmdb"
    writer.to_db_file(str(path))
    return path


def headers_of(event: dict) -> dict[str, str]:
    return {k: v[0]["value"] for k, v in event["Records"][0]["cf"]["request"]["headers"].items()}


def test_generated_from_the_database_and_user_agent_never_from_the_viewer(edge_factory, fresh_origin, country_db):
    edge = start(edge_factory, fresh_origin, f"""
[[behaviors]]
path = "/geo*"
origin = "api"
viewer_request = "vreq"
origin_request = "oreq"
cache = {{ headers = {ALL_GENERATED} }}
""", {"vreq": M.PASS_REQUEST, "oreq": M.PASS_REQUEST}, extra=f'[viewer]\ncountry_database = "{country_db}"\n')
    forged = {"CloudFront-Viewer-Country": "US", "CloudFront-Is-Desktop-Viewer": "true", "User-Agent": IPHONE}
    assert edge.get("/geo", headers=forged).status_code == 200
    viewer = headers_of(events_seen(edge, "vreq")[0])
    assert not [name for name in viewer if name.startswith("cloudfront-")]  # viewer-request sees none
    origin = headers_of(events_seen(edge, "oreq")[0])
    assert origin["cloudfront-viewer-country"] == "DE"
    assert (origin["cloudfront-is-mobile-viewer"], origin["cloudfront-is-desktop-viewer"]) == ("true", "false")
    assert origin["cloudfront-is-tablet-viewer"] == origin["cloudfront-is-smarttv-viewer"] == "false"
    assert origin["cloudfront-forwarded-proto"] == "http"
    address, port = origin["cloudfront-viewer-address"].rsplit(":", 1)
    assert address == "127.0.0.1" and port.isdigit()
    received = {k.lower(): v for k, v in fresh_origin.requests[-1]["headers"]}
    assert received["cloudfront-viewer-country"] == "DE" and received["cloudfront-is-mobile-viewer"] == "true"


def test_only_the_headers_a_behavior_names(edge_factory, fresh_origin, country_db):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/some*"
origin = "api"
forward = { headers = ["cloudfront-is-mobile-viewer"] }
""", extra=f'[viewer]\ncountry_database = "{country_db}"\n')
    edge.get("/some", headers={"User-Agent": IPHONE, "CloudFront-Viewer-Country": "US"})
    received = {k.lower(): v for k, v in fresh_origin.requests[-1]["headers"]}
    assert received["cloudfront-is-mobile-viewer"] == "true"
    assert "cloudfront-viewer-country" not in received and "cloudfront-is-desktop-viewer" not in received


def test_a_trusted_load_balancer_header(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, """
[[behaviors]]
path = "/lb*"
origin = "api"
origin_request = "oreq"
cache = { headers = ["cloudfront-viewer-country"] }
""", {"oreq": M.PASS_REQUEST}, extra='[viewer]\ncountry_header = "X-LB-Country"\n')
    edge.get("/lb", headers={"X-LB-Country": "tw"})
    origin = headers_of(events_seen(edge, "oreq")[0])
    assert origin["cloudfront-viewer-country"] == "TW" and "x-lb-country" not in origin
    assert edge.get("/lb", headers={"X-LB-Country": "de"}).headers["x-cache"] == "Miss from edge"  # keyed
    edge.get("/lb2", headers={"X-LB-Country": "not a country"})
    assert "cloudfront-viewer-country" not in headers_of(events_seen(edge, "oreq")[-1])


def test_a_bad_viewer_section_refuses_the_manifest(edge_factory, fresh_origin, tmp_path):
    bad = tmp_path / "not.mmdb"
    bad.write_bytes(b"not a database")
    with pytest.raises(RuntimeError, match="not a MaxMind database"):
        start(edge_factory, fresh_origin, "", extra=f'[viewer]\ncountry_database = "{bad}"\n')
    with pytest.raises(RuntimeError, match="not both"):
        start(edge_factory, fresh_origin, "", extra=f'[viewer]\ncountry_database = "{bad}"\ncountry_header = "X-C"\n')
