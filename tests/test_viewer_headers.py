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
    with pytest.raises(RuntimeError, match=r"asn_database .*not a MaxMind database"):
        start(edge_factory, fresh_origin, "", extra=f'[viewer]\nasn_database = "{bad}"\n')


ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
           "Mobile Safari/537.36")
IPAD = ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
        "Mobile/15E148 Safari/604.1")


@pytest.fixture(scope="module")
def city_and_asn_db(tmp_path_factory) -> tuple[Path, Path]:
    """A City database (with a city whose name is not ASCII) and an ASN database, made here."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    city = MMDBWriter(ip_version=6, database_type="GeoLite2-City", ipv4_compatible=True)
    city.insert_network(IPSet(["127.0.0.0/8"]), {
        "country": {"iso_code": "US", "names": {"en": "United States", "de": "Vereinigte Staaten"}},
        "subdivisions": [{"iso_code": "MI", "names": {"en": "Michigan"}}],
        "city": {"names": {"en": "Ann Arbor"}},
        "postal": {"code": "48105"},
        "location": {"latitude": 42.3068, "longitude": -83.7059, "time_zone": "America/Detroit", "metro_code": 505},
    })
    city.insert_network(IPSet(["10.0.0.0/8"]), {
        "country": {"iso_code": "PL", "names": {"en": "Poland"}}, "city": {"names": {"en": "Kraków"}},
    })
    asn = MMDBWriter(ip_version=6, database_type="GeoLite2-ASN", ipv4_compatible=True)
    asn.insert_network(IPSet(["127.0.0.0/8"]), {"autonomous_system_number": 64500,
                                                "autonomous_system_organization": "Example Net"})
    folder = tmp_path_factory.mktemp("geo-city")
    city.to_db_file(str(folder / "city.mmdb"))
    asn.to_db_file(str(folder / "asn.mmdb"))
    return folder / "city.mmdb", folder / "asn.mmdb"


def test_location_device_and_request_headers_as_cloudfront_adds_them(edge_factory, fresh_origin, city_and_asn_db):
    """A City and an ASN database give every location header; the User-Agent the Android and
    iOS ones; the request itself its HTTP version and its headers' order and count."""
    from edge.config.policies import CLOUDFRONT_HEADERS
    from edge.viewer.headers import GENERATED

    assert set(CLOUDFRONT_HEADERS) == set(GENERATED)  # a policy may name exactly what the edge makes
    city, asn = city_and_asn_db
    names = ", ".join(f'"{name}"' for name in CLOUDFRONT_HEADERS)
    edge = start(edge_factory, fresh_origin, f"""
[[behaviors]]
path = "/where*"
origin = "api"
origin_request = "oreq"
forward = {{ headers = {{ all_viewer_and = [{names}] }} }}
""", {"oreq": M.PASS_REQUEST}, extra=f'[viewer]\ncountry_database = "{city}"\nasn_database = "{asn}"\n')
    assert edge.get("/where", headers={"User-Agent": ANDROID, "X-First": "1", "CloudFront-Viewer-City": "forged"}).status_code == 200
    origin = headers_of(events_seen(edge, "oreq")[0])
    assert {k: v for k, v in origin.items() if k.startswith("cloudfront-viewer-") and k != "cloudfront-viewer-address"
            and not k.startswith("cloudfront-viewer-header-")} == {
        "cloudfront-viewer-country": "US", "cloudfront-viewer-country-name": "United States",
        "cloudfront-viewer-country-region": "MI", "cloudfront-viewer-country-region-name": "Michigan",
        "cloudfront-viewer-city": "Ann Arbor", "cloudfront-viewer-postal-code": "48105",
        "cloudfront-viewer-time-zone": "America/Detroit", "cloudfront-viewer-latitude": "42.30680",
        "cloudfront-viewer-longitude": "-83.70590", "cloudfront-viewer-metro-code": "505",
        "cloudfront-viewer-asn": "64500", "cloudfront-viewer-http-version": "1.1",
    }
    assert (origin["cloudfront-is-android-viewer"], origin["cloudfront-is-ios-viewer"]) == ("true", "false")
    assert origin["cloudfront-is-mobile-viewer"] == "true"
    # the viewer's headers as they came (httpx sends its own first), the forged one counted too
    order = origin["cloudfront-viewer-header-order"].split(":")
    assert order[0] == "Host" and order[-2:] == ["X-First", "Cloudfront-Viewer-City"], order
    assert origin["cloudfront-viewer-header-count"] == str(len(order))
    received = {k.lower(): v for k, v in fresh_origin.requests[-1]["headers"]}
    assert received["cloudfront-viewer-city"] == "Ann Arbor" and received["cloudfront-viewer-asn"] == "64500"

    edge.get("/where-else", headers={"User-Agent": IPAD})  # another path: not the first answer, cached
    origin = headers_of(events_seen(edge, "oreq")[-1])
    assert (origin["cloudfront-is-ios-viewer"], origin["cloudfront-is-tablet-viewer"]) == ("true", "true")
    assert origin["cloudfront-is-android-viewer"] == "false"


def test_location_values_outside_ascii_and_unknown_fields():
    """A name a header cannot carry as is (`Kraków`) is percent-encoded as UTF-8; what a record
    does not hold (a Country database has no city) is left out."""
    from edge.viewer.location import location_fields

    assert location_fields({"country": {"iso_code": "pl", "names": {"en": "Poland"}},
                            "city": {"names": {"en": "Kraków"}}}) == {
        "country": "PL", "country_name": "Poland", "city": "Krak%C3%B3w"}
    assert location_fields({"registered_country": {"iso_code": "DE"}}) == {"country": "DE"}
    assert location_fields({"location": {"latitude": True, "metro_code": "x"}, "autonomous_system_number": 7}) == {
        "asn": "7"}
