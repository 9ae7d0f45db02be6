"""Vary in the shared cache (RFC 9111): a stored response serves only requests
with the same values of the headers it names; `Vary: *` is never stored; coalesced
requests with other values do not get the leader's answer. Unit cases, then the real
server against an origin that answers with Vary."""

from __future__ import annotations

import asyncio
import gc
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from edge.cache import CachedResponse, ResponseCache
from edge.cache.vary import request_value, request_vary, vary_matches, vary_names

from .conftest import ServerThread
from .test_pipeline import manifest

NOW = 1_700_000_000.0


# -- unit ------------------------------------------------------------------------------------


def test_vary_names_are_lower_case_once_each_sorted():
    assert vary_names([("Content-Type", "text/plain")]) == ()
    assert vary_names([("Vary", "X-Lang, Origin"), ("vary", " origin ,accept-encoding,, ")]) == (
        "accept-encoding", "origin", "x-lang")
    assert "*" in vary_names([("Vary", "Origin, *")])


def test_request_values_combine_field_lines_trimmed():
    headers = [("X-Lang", " fr "), ("Accept", "a"), ("x-lang", "en")]
    assert request_value(headers, "x-lang") == "fr, en"
    assert request_value(headers, "origin") is None  # absent differs from empty
    assert request_value([("Origin", "")], "origin") == ""
    vary = request_vary(("origin", "x-lang"), headers)
    assert vary == (("origin", None), ("x-lang", "fr, en"))
    assert vary_matches(vary, [("X-LANG", "fr"), ("X-Lang", "en ")])
    assert not vary_matches(vary, [("X-Lang", "fr")])
    assert not vary_matches(vary, [("X-Lang", "fr"), ("x-lang", "en"), ("Origin", "https://a.example")])


def stored(vary=None, body=b"fr") -> CachedResponse:
    return CachedResponse(200, "OK", [("Vary", "X-Lang")], body, NOW, 60, vary=vary)


def test_a_lookup_with_other_values_is_a_miss():
    cache = ResponseCache(clock=lambda: NOW)
    cache.put("k", stored((("x-lang", "fr"),)))
    assert cache.get("k", [("X-Lang", "fr")]).body == b"fr"
    assert cache.get("k", [("X-Lang", "en")]) is None  # not even as a stale copy
    assert cache.get("k") is None
    assert (cache.stats()["hits"], cache.stats()["misses"]) == (1, 2)
    cache.put("k", stored((("x-lang", "en"),), b"en"))  # one variant per key: the new one replaces it
    assert cache.get("k", [("X-Lang", "fr")]) is None and cache.get("k", [("X-Lang", "en")]).body == b"en"


def test_an_entry_with_a_vary_is_still_one_object_for_the_collector():
    e = stored((("origin", None), ("x-lang", "fr")))
    assert e.size > stored().size and not hasattr(e, "__dict__")
    gc.collect()
    gc.collect()
    assert not gc.is_tracked(e.vary) and not gc.is_tracked(e.headers)


# -- through the server ----------------------------------------------------------------------


class VaryOrigin:
    """Answers with the request's headers as JSON, `Cache-Control: max-age=60` and the Vary
    its path names: /lang (X-Lang), /star (*), /cors (Origin), /al (Accept-Language),
    /ae (Accept-Encoding), /ua (User-Agent), /xff (X-Forwarded-For); /slow-lang waits first."""

    VARY: ClassVar[dict[str, str]] = {"lang": "X-Lang", "slow-lang": "X-Lang", "star": "*", "cors": "Origin", "al": "Accept-Language",
            "ae": "Accept-Encoding", "ua": "User-Agent", "xff": "X-Forwarded-For", "two": "X-Lang, Origin"}

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.server = ServerThread(Starlette(routes=[Route("/{kind}/{rest:path}", self.handle)]))

    async def handle(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        self.hits[request.url.path] += 1
        if kind == "slow-lang":
            await asyncio.sleep(0.3)
        body = json.dumps({"headers": dict(request.headers), "n": self.hits[request.url.path]})
        headers = {"Cache-Control": "max-age=60", "Vary": self.VARY[kind]}
        if kind == "cors" and "origin" in request.headers:
            headers["Access-Control-Allow-Origin"] = request.headers["origin"]
        return Response(body, headers=headers, media_type="application/json")


@pytest.fixture(scope="module")
def vary_origin():
    origin = VaryOrigin()
    origin.server.start()
    yield origin
    origin.server.stop()


@pytest.fixture
def edge(edge_factory, vary_origin):
    vary_origin.hits.clear()
    behaviors = """
[[behaviors]]
path = "/ae-keyed/*"
origin = "ae"
cache = { headers = ["accept-encoding"] }

[[behaviors]]
path = "/lang-keyed/*"
origin = "lang"
cache = { headers = ["x-lang"] }

[[behaviors]]
path = "/*"
origin = "api"
"""
    extra = (f'[origins.ae]\nurl = "{vary_origin.server.url}/ae"\n'
             f'[origins.lang]\nurl = "{vary_origin.server.url}/lang"\n')
    return edge_factory(manifest(vary_origin.server.url, behaviors, extra=extra))


def fetch(edge, path: str, **headers: str) -> tuple[str, dict]:
    r = edge.get(path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    assert r.status_code == 200, r.text
    return r.headers["x-cache"], r.json()["headers"]


def test_vary_on_a_forwarded_header_keeps_variants_apart(edge, vary_origin):
    """The tester's repro: fr, then en must not get the fr body."""
    assert fetch(edge, "/lang/p", X_Lang="fr") == ("Miss from edge", fetch(edge, "/lang/p", X_Lang="fr")[1])
    x_cache, seen = fetch(edge, "/lang/p", X_Lang="en")
    assert (x_cache, seen["x-lang"]) == ("Miss from edge", "en")
    assert fetch(edge, "/lang/p", X_Lang="en")[0] == "Hit from edge"
    x_cache, seen = fetch(edge, "/lang/p", X_Lang="fr")  # en replaced fr: one variant per key
    assert (x_cache, seen["x-lang"]) == ("Miss from edge", "fr")
    x_cache, seen = fetch(edge, "/lang/p")  # absent is a value of its own
    assert x_cache == "Miss from edge" and "x-lang" not in seen
    assert vary_origin.hits["/lang/p"] == 4


def test_vary_star_is_never_stored(edge, vary_origin):
    assert fetch(edge, "/star/p")[0] == "Miss from edge"
    assert fetch(edge, "/star/p")[0] == "Miss from edge"
    assert vary_origin.hits["/star/p"] == 2 and len(edge.state.cache) == 0


def test_cors_vary_origin(edge, vary_origin):
    r = edge.get("/cors/font.woff", headers={"Origin": "https://a.example"})
    assert r.headers["access-control-allow-origin"] == "https://a.example"
    r = edge.get("/cors/font.woff", headers={"Origin": "https://b.example"})
    assert r.headers["x-cache"] == "Miss from edge" and r.headers["access-control-allow-origin"] == "https://b.example"
    r = edge.get("/cors/font.woff", headers={"Origin": "https://b.example"})
    assert r.headers["x-cache"] == "Hit from edge" and r.headers["access-control-allow-origin"] == "https://b.example"
    r = edge.get("/cors/font.woff")
    assert r.headers["x-cache"] == "Miss from edge" and "access-control-allow-origin" not in r.headers


def test_several_names_and_field_lines(edge, vary_origin):
    edge.get("/two/p", headers=[("X-Lang", "fr"), ("X-Lang", "en"), ("Origin", "o")])
    assert edge.get("/two/p", headers=[("x-lang", "fr"), ("x-lang", "en"), ("origin", "o")]).headers["x-cache"] == "Hit from edge"
    assert edge.get("/two/p", headers=[("X-Lang", "fr, en"), ("Origin", "o")]).headers["x-cache"] == "Hit from edge"
    assert edge.get("/two/p", headers=[("X-Lang", "en"), ("X-Lang", "fr"), ("Origin", "o")]).headers["x-cache"] == "Miss from edge"


def test_headers_the_origin_never_gets_do_not_split_the_cache(edge, vary_origin):
    """Accept-Language, User-Agent and Accept-Encoding are not forwarded by default: the
    origin's answer cannot depend on them, so its Vary on them costs no hits."""
    for path, header in (("/al/p", "Accept-Language"), ("/ua/p", "User-Agent"), ("/ae/p", "Accept-Encoding")):
        assert edge.get(path, headers={header: "one"}).headers["x-cache"] == "Miss from edge"
        assert edge.get(path, headers={header: "two"}).headers["x-cache"] == "Hit from edge", path
        assert vary_origin.hits[path] == 1


def test_keyed_headers_are_compared_by_the_key(edge, vary_origin):
    """Accept-Encoding in the key is forwarded and keys the entry: Vary on it adds nothing."""
    for path, header in (("/ae-keyed/p", "Accept-Encoding"), ("/lang-keyed/p", "X-Lang")):
        assert edge.get(path, headers={header: "gzip"}).headers["x-cache"] == "Miss from edge"
        assert edge.get(path, headers={header: "br"}).headers["x-cache"] == "Miss from edge"
        assert edge.get(path, headers={header: "gzip"}).headers["x-cache"] == "Hit from edge"
        assert edge.get(path, headers={header: "br"}).headers["x-cache"] == "Hit from edge"
        (entry,) = [e for k, e in edge.state.cache._entries.items() if '"br"' in k and path in k]
        assert entry.vary is None


def test_vary_on_x_forwarded_for_is_not_stored(edge, vary_origin):
    """The origin got the viewer's own address in it: no two viewers share that answer."""
    fetch(edge, "/xff/p")
    assert fetch(edge, "/xff/p")[0] == "Miss from edge"


def test_coalesced_requests_with_other_values_fetch_their_own(edge, vary_origin):
    langs = ["fr", "en", "fr", "en", "de", "fr"]

    def one(lang: str) -> tuple[str, str]:
        with httpx.Client(base_url=edge.url, timeout=10) as client:
            r = client.get("/slow-lang/p", headers={"X-Lang": lang})
            return lang, r.json()["headers"]["x-lang"]

    with ThreadPoolExecutor(len(langs)) as pool:
        answers = list(pool.map(one, langs))
    assert all(asked == got for asked, got in answers), answers
    assert 3 <= vary_origin.hits["/slow-lang/p"] <= len(langs)
