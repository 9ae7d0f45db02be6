"""Which methods the cache stores: GET and HEAD always, OPTIONS only when a behavior's
`cached_methods` asks for it (CloudFront's CachedMethods), and then apart from GET/HEAD.
The setting's checks, then the real server against a real origin."""

from __future__ import annotations

import pytest

from edge.config.behaviors import parse_behavior
from edge.config.errors import ConfigError

from .test_pipeline import start

ALL = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]


def behavior(**raw):  # type: ignore[no-untyped-def]
    return parse_behavior(0, {"path": "/x", "origin": "api", **raw}, {"api"})


def test_cached_methods_default_to_get_and_head():
    assert behavior().cached_methods == {"GET", "HEAD"}
    assert behavior(methods=ALL).cached_methods == {"GET", "HEAD"}
    assert behavior(methods=ALL, cached_methods=["get", "head", "options"]).cached_methods == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("cached, fragment", [
    ("GET", "must be a list"),
    (["GET", 1], "must be a list"),
    (["GET"], "not one of CloudFront's choices"),
    (["GET", "HEAD", "POST"], "not one of CloudFront's choices"),
    (["GET", "HEAD", "OPTIONS", "PUT"], "not one of CloudFront's choices"),
])
def test_cached_methods_are_one_of_cloudfronts_two_choices(cached, fragment):
    with pytest.raises(ConfigError, match=fragment):
        behavior(methods=ALL, cached_methods=cached)


def test_cached_methods_must_be_allowed():
    with pytest.raises(ConfigError, match="cached_methods names OPTIONS, which methods does not allow"):
        behavior(cached_methods=["GET", "HEAD", "OPTIONS"])


PREFLIGHT = {"origin": "https://a.example", "access-control-request-method": "PUT"}


def test_options_answers_are_not_stored_by_default(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, f"""
[[behaviors]]
path = "/cors/*"
origin = "api"
methods = {ALL!r}
""".replace("'", '"'))
    for _ in range(2):
        r = edge.request("OPTIONS", "/cors/x", headers=PREFLIGHT)
        assert r.status_code == 200 and r.headers["x-cache"] == "Miss from edge"
    assert fresh_origin.hits["/cors/x"] == 2
    assert edge.get("/cors/x").headers["x-cache"] == "Miss from edge"
    assert edge.get("/cors/x").headers["x-cache"] == "Hit from edge"  # GET still is


def test_options_answers_are_stored_apart_when_opted_in(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, f"""
[[behaviors]]
path = "/cors/*"
origin = "api"
methods = {ALL!r}
cached_methods = ["GET", "HEAD", "OPTIONS"]
""".replace("'", '"'))
    assert edge.request("OPTIONS", "/cors/x", headers=PREFLIGHT).headers["x-cache"] == "Miss from edge"
    hit = edge.request("OPTIONS", "/cors/x", headers=PREFLIGHT)
    assert hit.headers["x-cache"] == "Hit from edge" and hit.text == "origin /cors/x #1"
    got = edge.get("/cors/x")  # never the OPTIONS answer
    assert got.headers["x-cache"] == "Miss from edge" and got.text == "origin /cors/x #2"
    assert edge.request("OPTIONS", "/cors/x").text == "origin /cors/x #1"
