"""Response cache: TTL rules (CloudFront's minimum/default/maximum TTL and origin headers), keys, store, revalidation, coalescing."""

from __future__ import annotations

import asyncio

import pytest

from edge.config.selection import Selection
from edge.cache import (
    CachedResponse,
    CachePolicy,
    Coalescer,
    ResponseCache,
    cache_key,
    key_path,
    refreshed,
    revalidation_headers,
    ttl_for,
    xcache,
)
from edge.cache.headers import http_date
from edge.cache.key import key_path
from edge.patterns import slashed
from edge.upstream.response import OriginResponse

NOW = 1_700_000_000.0
DEFAULTS = CachePolicy()  # Min 0, Default 86400, Max 31536000
MIN_POLICY = CachePolicy(min_ttl=60, default_ttl=3600, max_ttl=7200)


def cc(value: str) -> list[tuple[str, str]]:
    return [("Cache-Control", value)]


# -- policy ----------------------------------------------------------------------------------


def test_policy_defaults_and_disabled():
    assert (DEFAULTS.min_ttl, DEFAULTS.default_ttl, DEFAULTS.max_ttl, DEFAULTS.error_ttl) == (
        0,
        86400,
        31536000,
        10,
    )
    off = CachePolicy.disabled()
    assert (off.min_ttl, off.default_ttl, off.max_ttl, off.error_ttl) == (0, 0, 0, 0)
    for status, headers in [(200, []), (200, cc("max-age=600")), (404, []), (503, cc("max-age=60"))]:
        assert ttl_for(off, status, headers, NOW) == 0


def test_policy_validation_and_normalisation():
    with pytest.raises(ValueError):
        CachePolicy(min_ttl=100, default_ttl=10)
    with pytest.raises(ValueError):
        CachePolicy(default_ttl=-1)
    with pytest.raises(ValueError):
        CachePolicy(query_strings="some")
    policy = CachePolicy(headers=("X-B", "x-a", "X-A"), query_strings=["q"])  # type: ignore[arg-type]
    assert policy.headers == ("x-a", "x-b")
    assert policy.query_strings == Selection.whitelist(["q"])
    hash(policy)


# -- TTL table, Min TTL = 0 ------------------------------------------------------------------


def test_max_age_only_min_zero():
    assert ttl_for(DEFAULTS, 200, cc("max-age=600"), NOW) == 600
    assert ttl_for(DEFAULTS, 200, cc("public, max-age=0"), NOW) == 0
    capped = CachePolicy(max_ttl=100, default_ttl=50)
    assert ttl_for(capped, 200, cc("max-age=600"), NOW) == 100  # min(max-age, Max)


def test_s_maxage_wins_over_max_age():
    assert ttl_for(DEFAULTS, 200, cc("max-age=60, s-maxage=600"), NOW) == 600
    assert ttl_for(DEFAULTS, 200, cc("s-maxage=30, max-age=600"), NOW) == 30
    capped = CachePolicy(max_ttl=100, default_ttl=50)
    assert ttl_for(capped, 200, cc("s-maxage=600"), NOW) == 100


def test_expires_only_min_zero():
    headers = [("Expires", http_date(NOW + 300))]
    assert ttl_for(DEFAULTS, 200, headers, NOW) == pytest.approx(300)
    capped = CachePolicy(max_ttl=100, default_ttl=50)
    assert ttl_for(capped, 200, headers, NOW) == 100  # Expires or Max, whichever sooner
    assert ttl_for(DEFAULTS, 200, [("Expires", http_date(NOW - 300))], NOW) == 0
    assert ttl_for(DEFAULTS, 200, [("Expires", "0")], NOW) == 0  # invalid = already expired


def test_expires_measured_from_date_header():
    headers = [("Date", http_date(NOW - 100)), ("Expires", http_date(NOW + 200))]
    assert ttl_for(DEFAULTS, 200, headers, NOW) == pytest.approx(300)


def test_max_age_wins_over_expires():
    headers = [("Expires", http_date(NOW + 5000)), *cc("max-age=60")]
    assert ttl_for(DEFAULTS, 200, headers, NOW) == 60
    headers = [("Expires", http_date(NOW - 5000)), *cc("max-age=60")]
    assert ttl_for(DEFAULTS, 200, headers, NOW) == 60


def test_no_headers_gives_default():
    assert ttl_for(DEFAULTS, 200, [], NOW) == 86400
    assert ttl_for(DEFAULTS, 200, cc("public"), NOW) == 86400


@pytest.mark.parametrize("directive", ["no-cache", "no-store", "private", 'no-cache="Set-Cookie"'])
def test_not_cached_directives_min_zero(directive):
    assert ttl_for(DEFAULTS, 200, cc(f"{directive}, max-age=600"), NOW) == 0


# -- TTL table, Min TTL > 0 ------------------------------------------------------------------


def test_max_age_clamped_when_min_positive():
    assert ttl_for(MIN_POLICY, 200, cc("max-age=600"), NOW) == 600  # within bounds
    assert ttl_for(MIN_POLICY, 200, cc("max-age=5"), NOW) == 60  # below Min -> Min
    assert ttl_for(MIN_POLICY, 200, cc("max-age=0"), NOW) == 60
    assert ttl_for(MIN_POLICY, 200, cc("max-age=99999"), NOW) == 7200  # above Max -> Max


def test_s_maxage_clamped_when_min_positive():
    assert ttl_for(MIN_POLICY, 200, cc("max-age=99999, s-maxage=10"), NOW) == 60
    assert ttl_for(MIN_POLICY, 200, cc("max-age=1, s-maxage=99999"), NOW) == 7200
    assert ttl_for(MIN_POLICY, 200, cc("max-age=1, s-maxage=1000"), NOW) == 1000


def test_expires_clamped_when_min_positive():
    assert ttl_for(MIN_POLICY, 200, [("Expires", http_date(NOW + 10))], NOW) == 60
    assert ttl_for(MIN_POLICY, 200, [("Expires", http_date(NOW - 10))], NOW) == 60
    assert ttl_for(MIN_POLICY, 200, [("Expires", http_date(NOW + 99999))], NOW) == 7200
    assert ttl_for(MIN_POLICY, 200, [("Expires", http_date(NOW + 1000))], NOW) == pytest.approx(1000)


def test_no_headers_min_positive_is_max_of_min_and_default():
    assert ttl_for(MIN_POLICY, 200, [], NOW) == 3600
    equal = CachePolicy(min_ttl=100, default_ttl=100, max_ttl=200)
    assert ttl_for(equal, 200, [], NOW) == 100


@pytest.mark.parametrize("directive", ["no-cache", "no-store", "private"])
def test_not_cached_directives_cached_for_min_when_positive(directive):
    assert ttl_for(MIN_POLICY, 200, cc(directive), NOW) == 60
    assert ttl_for(MIN_POLICY, 200, cc(f"{directive}, max-age=5000"), NOW) == 60


# -- Cache-Control parsing edge cases --------------------------------------------------------


def test_cache_control_parsing_edges():
    assert ttl_for(DEFAULTS, 200, [("cache-control", "MAX-AGE=120")], NOW) == 120
    assert ttl_for(DEFAULTS, 200, cc('max-age="90"'), NOW) == 90
    two_fields = [("Cache-Control", "public"), ("Cache-Control", "max-age=70")]
    assert ttl_for(DEFAULTS, 200, two_fields, NOW) == 70
    assert ttl_for(DEFAULTS, 200, cc("max-age=30, max-age=900"), NOW) == 30  # first occurrence
    assert ttl_for(DEFAULTS, 200, cc("max-age=abc"), NOW) == 0  # invalid -> stale
    assert ttl_for(DEFAULTS, 200, cc("max-age=-5"), NOW) == 0
    assert ttl_for(DEFAULTS, 200, cc('community="a,no-store", max-age=40'), NOW) == 40
    assert ttl_for(DEFAULTS, 200, cc("max-age=99999999999999"), NOW) == 31536000


# -- status codes ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 203, 204, 300, 301, 302, 303, 410])
def test_normally_cacheable_statuses(status):
    assert ttl_for(DEFAULTS, status, [], NOW) == 86400
    assert ttl_for(DEFAULTS, status, cc("max-age=42"), NOW) == 42


@pytest.mark.parametrize("status", [307, 308])
def test_307_308_need_cache_control(status):
    assert ttl_for(DEFAULTS, status, [], NOW) == 0
    assert ttl_for(DEFAULTS, status, [("Expires", http_date(NOW + 100))], NOW) == 0
    assert ttl_for(DEFAULTS, status, cc("max-age=42"), NOW) == 42
    assert ttl_for(DEFAULTS, status, cc("public"), NOW) == 86400


@pytest.mark.parametrize("status", [404, 414, 500, 501, 502, 503, 504])
def test_errors_always_cached_for_error_ttl(status):
    assert ttl_for(DEFAULTS, status, [], NOW) == 10
    honoured = status in (404, 414, 501)  # CloudFront honours these for 404, 410, 414 and 501 only
    for directive, otherwise in (("no-store", 10), ("no-cache", 10), ("private", 10), ("private, max-age=60", 60)):
        assert ttl_for(DEFAULTS, status, cc(directive), NOW) == (0 if honoured else otherwise), directive
    assert ttl_for(DEFAULTS, status, cc("must-revalidate"), NOW) == 10  # other directives: error TTL
    assert ttl_for(DEFAULTS, status, cc("max-age=300"), NOW) == 300  # larger of header and error TTL
    assert ttl_for(DEFAULTS, status, cc("max-age=3"), NOW) == 10
    assert ttl_for(DEFAULTS, status, [("Expires", http_date(NOW + 120))], NOW) == pytest.approx(120)
    assert ttl_for(CachePolicy(error_ttl=30), status, [], NOW) == 30
    assert ttl_for(CachePolicy(max_ttl=100, default_ttl=50), status, cc("max-age=999"), NOW) == 100


def test_a_410_marked_private_is_never_cached_even_with_a_minimum_ttl():
    assert ttl_for(CachePolicy(min_ttl=30), 410, cc("private"), NOW) == 0
    assert ttl_for(CachePolicy(min_ttl=30), 200, cc("private"), NOW) == 30  # a 200: Min TTL wins


@pytest.mark.parametrize("status", [400, 403, 405, 412, 415])
def test_errors_cached_only_with_max_age(status):
    assert ttl_for(DEFAULTS, status, [], NOW) == 0
    assert ttl_for(DEFAULTS, status, [("Expires", http_date(NOW + 100))], NOW) == 0
    assert ttl_for(DEFAULTS, status, cc("public"), NOW) == 0
    assert ttl_for(DEFAULTS, status, cc("max-age=60"), NOW) == 60
    assert ttl_for(DEFAULTS, status, cc("s-maxage=120"), NOW) == 120
    assert ttl_for(DEFAULTS, status, cc("max-age=2"), NOW) == 10


@pytest.mark.parametrize("status", [100, 201, 202, 206, 304, 401, 416, 429, 505])
def test_other_statuses_not_cached(status):
    assert ttl_for(DEFAULTS, status, cc("max-age=600"), NOW) == 0
    assert ttl_for(MIN_POLICY, status, [], NOW) == 0


# -- cache key -------------------------------------------------------------------------------


def key(policy=DEFAULTS, method="GET", host="d.example", path="/a.jpg", query="", headers=()):
    return cache_key(policy, method=method, host=host, path=path, query=query, headers=list(headers))


def test_key_by_method():
    assert key(method="GET") == key(method="HEAD")
    assert key(method="OPTIONS") not in (None, key(method="GET"))
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert key(method=method) is None


def test_key_host_and_path():
    assert key(host="D.Example") == key(host="d.example")
    assert key(host="other.example") != key()
    assert key(path="/b.jpg") != key()
    assert key(path="/A.jpg") != key()  # paths are case-sensitive
    assert key_path(key(path="/x/y z.jpg")) == "/x/y z.jpg"
    assert key_path("/bare") == "/bare"


def test_key_query_strings():
    assert key(query="a=1") == key(query="b=2") == key()  # "none"
    all_qs = CachePolicy(query_strings="all")
    assert key(all_qs, query="a=1&b=2") == key(all_qs, query="b=2&a=1")
    assert key(all_qs, query="a=1") != key(all_qs, query="a=2")
    assert key(all_qs, query="a=1&a=2") != key(all_qs, query="a=2&a=1")  # a name's value order kept
    assert key(all_qs, query="a") != key(all_qs)
    some = CachePolicy(query_strings=("v",))
    assert key(some, query="v=1&utm=x") == key(some, query="utm=y&v=1")
    assert key(some, query="v=1") != key(some, query="v=2")
    assert key(some, query="V=1") == key(some)  # names are case-sensitive


def test_key_headers():
    policy = CachePolicy(headers=("CloudFront-Viewer-Country",))
    us = key(policy, headers=[("cloudfront-viewer-country", "US")])
    assert us == key(policy, headers=[("CLOUDFRONT-VIEWER-COUNTRY", "US")])
    assert us != key(policy, headers=[("cloudfront-viewer-country", "TW")])
    assert key(policy) != key(policy, headers=[("cloudfront-viewer-country", "")])
    assert key(policy, headers=[("X-Other", "1")]) == key(policy)
    assert key(headers=[("cloudfront-viewer-country", "US")]) == key()  # not in the policy


def test_key_cookies():
    policy = CachePolicy(cookies=("session", "lang"))
    a = key(policy, headers=[("Cookie", "session=abc; lang=en; tracking=1")])
    assert a == key(policy, headers=[("Cookie", "lang=en"), ("cookie", "tracking=2;session=abc")])
    assert a != key(policy, headers=[("Cookie", "session=abc; lang=fr")])
    assert key(policy, headers=[("Cookie", "Session=abc")]) == key(policy)  # case-sensitive names
    assert key(headers=[("Cookie", "session=abc")]) == key()


# -- store -----------------------------------------------------------------------------------


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def entry(body: bytes = b"x", *, ttl: float = 60, now: float = NOW, headers=None) -> CachedResponse:
    return CachedResponse(200, "OK", list(headers or [("Content-Type", "text/plain")]), body, now, ttl)


def charged(key: str, stored: CachedResponse) -> int:
    """What an entry stored under `key` counts against the byte bound (its key and path too)."""
    stored.charge_key(key, slashed(key_path(key)))
    return stored.size


def test_entry_age_fresh_size_and_validators():
    validators = [("ETag", '"v1"'), ("Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT")]
    e = entry(b"hello", ttl=10, headers=validators)
    assert e.fresh(NOW) and e.fresh(NOW + 9.9) and not e.fresh(NOW + 10)
    assert e.age(NOW + 4) == 4 and e.age(NOW - 1) == 0
    assert e.etag == '"v1"' and e.last_modified.startswith("Tue")
    assert e.size > len(b"hello")
    assert entry(headers=[("Cache-Control", "max-age=1, stale-if-error=300")]).stale_if_error == 300
    assert entry().stale_if_error is None


def test_entry_from_origin_drops_hop_by_hop():
    hop = [("Connection", "close"), ("Transfer-Encoding", "chunked"), ("X-A", "1")]
    response = OriginResponse(200, hop, reason="OK")
    e = CachedResponse.from_origin(response, b"body", ttl=5, now=NOW)
    assert e.headers == (("X-A", "1"),) and e.body == b"body" and e.stored_at == NOW
    out = e.to_response()
    out.headers.append(("X-B", "2"))
    assert e.headers == (("X-A", "1"),)


def test_a_stored_entry_is_one_object_for_the_garbage_collector():
    """A full cache must not make CPython's full collections long (finding 17): an entry's
    headers, plain and encoded, are tuples the collector stops tracking, and served entries
    keep no per-entry wrapper."""
    import gc

    e = CachedResponse(200, "OK", [("Content-Type", "text/html"), ("ETag", '"v1"')], b"body", stored_at=NOW, ttl=5)
    first, again = e.prepared(), e.prepared()
    assert first.headers is again.headers and (b"etag", b'"v1"') in first.headers
    assert not hasattr(e, "__dict__")
    gc.collect()
    gc.collect()  # an outer tuple is untracked once its inner ones are
    assert not gc.is_tracked(e.headers) and not any(gc.is_tracked(pair) for pair in e.headers)
    assert not gc.is_tracked(first.headers)


def test_get_put_and_stats():
    clock = Clock()
    cache = ResponseCache(clock=clock)
    assert cache.get("k") is None
    assert cache.put("k", entry(ttl=10))
    assert cache.get("k") is not None and len(cache) == 1 and "k" in cache
    clock.now += 20
    stale = cache.get("k")
    assert stale is not None and not stale.fresh(clock.now)  # stale entries are still returned
    assert cache.put("k", entry(ttl=10, now=clock.now), refresh=True)
    stats = cache.stats()
    assert (stats["hits"], stats["misses"], stats["refresh_hits"]) == (1, 1, 1)
    assert stats["entries"] == 1 and stats["bytes"] == charged("k", entry()) and stats["evictions"] == 0


def test_byte_bound_evicts_least_recently_used():
    size = charged("a", entry(b"a" * 1000))
    cache = ResponseCache(max_bytes=size * 3, max_entry_bytes=size * 3)
    for name in "abc":
        assert cache.put(name, entry(b"a" * 1000))
    cache.get("a")  # a is now most recently used
    assert cache.put("d", entry(b"a" * 1000))
    assert "b" not in cache and all(k in cache for k in "acd")
    assert cache.stats()["evictions"] == 1 and cache.stats()["bytes"] <= size * 3
    assert cache.put("big", entry(b"a" * (2 * size + 500)))  # needs all three gone
    assert len(cache) == 1 and cache.stats()["evictions"] == 4


def test_the_byte_bound_counts_what_entries_really_hold_long_keys_included():
    """Many tiny answers under long URLs (a viewer choosing query strings) stay within the bound:
    an entry's size counts its key, the path kept beside it and the objects that hold its
    headers, as tracemalloc measures them (each such entry holds ~2.5 KB plus its URL twice)."""
    import tracemalloc

    cache = ResponseCache(max_bytes=4 * 1024 * 1024)
    headers = [("Content-Type", "text/plain"), ("Cache-Control", "max-age=3600"), ("ETag", '"r1"'),
               ("Date", "Mon, 07 Dec 2026 04:00:00 GMT"), ("Server", "origin")]
    # Only what this test and the cache allocate counts: a test process's other threads (an earlier
    # test's server, a subprocess's reader) allocate meanwhile too (a clean-clone run saw 5x).
    ours = [tracemalloc.Filter(True, __file__), tracemalloc.Filter(True, "*/edge/*")]

    def allocated() -> int:
        return sum(stat.size for stat in tracemalloc.take_snapshot().filter_traces(ours).statistics("filename"))

    tracemalloc.start()
    try:
        before = allocated()
        for i in range(1500):
            key = f"/q/tiny?a{i}=" + "x" * 2000
            fresh = [(k.encode().decode(), v.encode().decode()) for k, v in headers]  # an origin's own strings
            assert cache.put(key, CachedResponse(200, "OK", fresh, b"ok", NOW, 3600))
            cache.get(key).prepared()  # served once: its headers encoded for the wire
        held = allocated() - before
    finally:
        tracemalloc.stop()
    counted = cache.stats()["bytes"]
    assert counted >= held * 0.9, (counted, held)  # the bound is honest (it was ~1/50th of this)
    assert counted <= held * 1.6, (counted, held)  # and not so cautious that it wastes the memory given


def test_max_entry_bytes():
    cache = ResponseCache(max_bytes=10_000, max_entry_bytes=1000)
    assert not cache.put("k", entry(b"x" * 1000))
    assert "k" not in cache and len(cache) == 0
    assert cache.put("k", entry(b"x" * 10))
    assert not cache.put("k", entry(b"x" * 5000))
    assert "k" not in cache  # the older copy went too
    tiny = ResponseCache(max_bytes=500, max_entry_bytes=8 * 1024 * 1024)
    assert not tiny.put("k", entry(b"x" * 600))  # bounded by the cache itself


def test_invalidate_patterns():
    cache = ResponseCache()
    paths = [
        "/images/a.jpg",
        "/images/sub/b.png",
        "/ant.jpg",
        "/abe.jpg",
        "/about.jpg",
        "/LOGO.JPG",
        "/index.html",
    ]
    for path in paths:
        cache.put(key(path=path), entry())
    cache.put(key(path="/images/a.jpg", method="OPTIONS"), entry())
    assert cache.invalidate("/nothing/*") == 0
    assert cache.invalidate("a??.jpg") == 2  # ant, abe; not about, leading / optional
    assert key(path="/about.jpg") in cache
    assert cache.invalidate("/images/*") == 3  # crosses '/', all methods' variants
    assert cache.invalidate("*.jpg") == 1  # about.jpg; case-sensitive, LOGO.JPG stays
    assert key(path="/LOGO.JPG") in cache
    assert cache.invalidate("/index.html") == 1
    assert cache.invalidate("*") == 1 and len(cache) == 0


def test_invalidate_all_query_variants():
    policy = CachePolicy(query_strings="all")
    cache = ResponseCache()
    for q in ("", "v=1", "v=2"):
        cache.put(key(policy, query=q), entry())
    assert cache.invalidate("/a.jpg") == 3


# -- revalidation ----------------------------------------------------------------------------


def test_revalidation_headers():
    assert revalidation_headers(entry()) == []
    lm = "Wed, 01 Jan 2020 00:00:00 GMT"
    e = entry(headers=[("ETag", '"abc"'), ("Last-Modified", lm)])
    assert revalidation_headers(e) == [("If-None-Match", '"abc"'), ("If-Modified-Since", lm)]


def test_refreshed_merges_headers_and_restarts_ttl():
    old = entry(
        b"payload",
        ttl=60,
        headers=[
            ("Content-Type", "text/plain"),
            ("Content-Length", "7"),
            ("ETag", '"v1"'),
            ("Cache-Control", "max-age=60"),
            ("X-Keep", "yes"),
        ],
    )
    later = NOW + 120
    not_modified = OriginResponse(
        304,
        [
            ("Cache-Control", "max-age=300"),
            ("Content-Length", "0"),
            ("X-New", "1"),
            ("Connection", "close"),
        ],
        b"",
    )
    new = refreshed(old, not_modified, DEFAULTS, later)
    assert new.body == b"payload" and new.status == 200
    assert new.stored_at == later and new.ttl == 300 and new.fresh(later + 299)
    names = {k.lower(): v for k, v in new.headers}
    assert names["cache-control"] == "max-age=300"
    assert names["content-length"] == "7"  # not taken from the 304
    assert names["x-keep"] == "yes" and names["x-new"] == "1" and "connection" not in names
    assert [k for k, _ in new.headers].count("Cache-Control") == 1
    assert old.ttl == 60 and old.stored_at == NOW  # the original is untouched


def test_a_304_ages_the_entry_by_its_own_age_not_the_stored_answers():
    """The stored 200 arrived with `Age: 100` (max-age=60: stale at once); the 304 refreshing it
    says nothing of age, so the refreshed entry is fresh for 60 s (it stayed stale for good)."""
    old = CachedResponse(200, "OK", [("Cache-Control", "max-age=60"), ("ETag", '"v1"'), ("Age", "100")], b"x",
                         NOW, ttl_for(DEFAULTS, 200, [("Cache-Control", "max-age=60"), ("Age", "100")], NOW))
    assert old.ttl == 0
    new = refreshed(old, OriginResponse(304, [("ETag", '"v1"')]), DEFAULTS, NOW + 1)
    assert new.ttl == 60 and new.fresh(NOW + 30) and new.age(NOW + 30) == 29
    aged = refreshed(old, OriginResponse(304, [("ETag", '"v1"'), ("Age", "20")]), DEFAULTS, NOW + 1)
    assert aged.ttl == 40 and aged.age(NOW + 1) == 20  # the 304's own Age counts


def test_an_answer_that_arrives_old_keeps_the_minimum_and_error_ttls():
    """The origin's Age shortens its own lifetime, never the policy's floors: an origin behind
    another cache (Age on every answer) still gets its errors cached and Min TTL honoured."""
    assert ttl_for(DEFAULTS, 200, [("Cache-Control", "max-age=60"), ("Age", "10")], NOW) == 50
    assert ttl_for(CachePolicy(min_ttl=3600), 200, [("Cache-Control", "max-age=60"), ("Age", "4000")], NOW) == 3600
    assert ttl_for(DEFAULTS, 404, [("Age", "20")], NOW) == 10  # error_ttl
    assert ttl_for(DEFAULTS, 404, [("Cache-Control", "max-age=300"), ("Age", "100")], NOW) == 200
    expires = [("Date", http_date(NOW)), ("Expires", http_date(NOW + 100)), ("Age", "30")]
    assert ttl_for(DEFAULTS, 200, expires, NOW) == pytest.approx(70)
    stored = CachedResponse(200, "OK", [("Age", "4000")], b"x", NOW, 3600)
    assert stored.fresh(NOW + 3000) and stored.age(NOW + 3000) == 7000  # fresh by the TTL; Age says the truth


def test_refreshed_keeps_stored_cache_control_and_applies_policy():
    old = entry(headers=[("Cache-Control", "max-age=5"), ("ETag", '"v1"')])
    new = refreshed(old, OriginResponse(304, [("ETag", '"v1"')]), MIN_POLICY, NOW + 50)
    assert new.ttl == 60  # stored max-age=5, clamped up to Min
    with pytest.raises(ValueError):
        refreshed(old, OriginResponse(200, []), DEFAULTS, NOW)


def test_xcache_values():
    assert xcache.HIT == "Hit from edge"
    assert xcache.MISS == "Miss from edge"
    assert xcache.REFRESH_HIT == "RefreshHit from edge"
    assert xcache.ERROR == "Error from edge"
    assert xcache.LAMBDA_GENERATED == "LambdaGeneratedResponse from edge"
    assert xcache.LAMBDA_EXECUTION_ERROR == "LambdaExecutionError from edge"
    assert xcache.LAMBDA_VALIDATION_ERROR == "LambdaValidationError from edge"
    assert xcache.LAMBDA_LIMIT_EXCEEDED == "LambdaLimitExceeded from edge"
    assert len(set(xcache.ALL)) == 8


# -- coalescing ------------------------------------------------------------------------------


async def test_coalescing_runs_factory_once():
    coalescer = Coalescer()
    calls = 0
    gate = asyncio.Event()

    async def fetch():
        nonlocal calls
        calls += 1
        await gate.wait()
        return "body"

    tasks = [asyncio.create_task(coalescer.run("k", fetch)) for _ in range(20)]
    await asyncio.sleep(0)
    assert "k" in coalescer
    gate.set()
    assert await asyncio.gather(*tasks) == ["body"] * 20
    assert calls == 1
    await asyncio.sleep(0)
    assert "k" not in coalescer and len(coalescer) == 0


async def test_coalescing_exception_reaches_everyone():
    coalescer = Coalescer()
    calls = 0

    async def boom():
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise RuntimeError("origin down")

    calls_ = (coalescer.run("k", boom) for _ in range(20))
    results = await asyncio.gather(*calls_, return_exceptions=True)
    assert calls == 1
    assert all(isinstance(r, RuntimeError) and str(r) == "origin down" for r in results)
    await asyncio.sleep(0)
    # Released: the next call fetches again.
    assert await coalescer.run("k", lambda: asyncio.sleep(0, result="ok")) == "ok"


async def test_coalescing_different_keys_run_separately():
    coalescer = Coalescer()
    started: list[str] = []
    gate = asyncio.Event()

    def factory(name):
        async def fetch():
            started.append(name)
            await gate.wait()
            return name

        return fetch

    tasks = [asyncio.create_task(coalescer.run(name, factory(name))) for name in ("a", "b", "a", "b")]
    await asyncio.sleep(0.01)
    assert sorted(started) == ["a", "b"]  # both running at once, once each
    gate.set()
    assert await asyncio.gather(*tasks) == ["a", "b", "a", "b"]


async def test_cancelled_leader_does_not_strand_followers():
    coalescer = Coalescer()
    calls = 0

    async def fetch():
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        return 42

    leader = asyncio.create_task(coalescer.run("k", fetch))
    await asyncio.sleep(0)
    followers = [asyncio.create_task(coalescer.run("k", fetch)) for _ in range(5)]
    await asyncio.sleep(0)
    leader.cancel()
    results = await asyncio.wait_for(asyncio.gather(*followers), timeout=1)
    assert results == [42] * 5 and calls == 1
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_fetch_cancelled_when_every_caller_leaves():
    coalescer = Coalescer()
    cancelled = asyncio.Event()

    async def fetch():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    callers = [asyncio.create_task(coalescer.run("k", fetch)) for _ in range(3)]
    await asyncio.sleep(0)
    for caller in callers:
        caller.cancel()
    await asyncio.wait_for(cancelled.wait(), timeout=1)
    assert "k" not in coalescer
    assert await coalescer.run("k", lambda: asyncio.sleep(0, result="again")) == "again"
