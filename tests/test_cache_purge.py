"""Invalidation at scale: every pattern matched in one pass over the entries' paths, and a
large purge that gives the event loop back while it runs."""

from __future__ import annotations

import asyncio
import random

from edge.cache import (
    CachedResponse,
    CachePolicy,
    ResponseCache,
    cache_key,
    compile_pattern,
)
from edge.patterns import PathMatcher, slashed

NOW = 1_700_000_000.0


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def key(path: str, query: str = "", method: str = "GET") -> str:
    policy = CachePolicy(query_strings="all")
    return cache_key(policy, method=method, host="d.example", path=path, query=query, headers=[])  # type: ignore[return-value]


def entry(now: float = NOW) -> CachedResponse:
    return CachedResponse(200, "OK", [("Content-Type", "text/plain")], b"x", now, 600)


def test_the_matcher_agrees_with_one_regex_per_pattern():
    rng = random.Random(20261206)

    def text(chars: str, low: int, high: int) -> str:
        return "".join(rng.choice(chars) for _ in range(rng.randint(low, high)))

    for _ in range(2000):
        patterns = [text("ab/.*?", 1, 7) for _ in range(rng.randint(1, 6))]
        matcher = PathMatcher(patterns)
        assert matcher.compile()
        for _ in range(25):
            path = slashed(text("ab/.", 0, 8))
            expected = any(compile_pattern(p).fullmatch(path) for p in patterns)
            assert matcher.matches(path) == expected, (patterns, path)


def test_the_matcher_sorts_patterns_by_kind():
    matcher = PathMatcher(["/a/b.html", "img/*", "/img/sub/*", "*.css", "/x/*/y?.png", "/**"])
    assert matcher.compile(budget=0)  # each step compiles at least one regex (here the only one)
    assert matcher.everything is False  # "/**" is "/*": every path, through the prefix list
    assert all(matcher.matches(p) for p in ("/a/b.html", "/img/a", "/anything", "/"))
    only = PathMatcher(["/a/*", "/a/b/*", "/b"])
    assert only._prefixes == ["/a/"]  # a longer prefix under a shorter one adds nothing
    assert only.matches("/a/b/c") and only.matches("/b") and not only.matches("/b/") and not only.matches("/ab")
    pending = PathMatcher(["/x/*/y"])
    assert pending.matches("/x/1/y") is None and pending.matches("/z") is False  # not compiled yet
    pending.compile()
    assert pending.matches("/x/1/y") is True and pending.matches("/x/1/z") is False


def test_invalidate_takes_many_patterns_in_one_call():
    cache = ResponseCache()
    for path in ("/a.jpg", "/b.jpg", "/img/1.png", "/img/2.png", "/keep.html"):
        cache.put(key(path), entry())
        cache.put(key(path, "v=2"), entry())
    cache.put(key("/a.jpg", method="OPTIONS"), entry())
    assert cache.invalidate(["/a.jpg", "/img/*", "/nothing"]) == 2 + 1 + 4
    assert cache.invalidate(("*.jpg",)) == 2
    assert len(cache) == 2 and cache.get(key("/keep.html")) is not None


def test_a_thousand_patterns_against_twenty_thousand_entries():
    """The tester's case (14 s before, one orjson decode per key per pattern): now one pass.
    Exact paths, prefixes, suffixes and general patterns mixed; the survivors are exactly
    the entries no pattern names."""
    cache = ResponseCache(max_bytes=1 << 30)
    paths = [f"/section{i % 50}/item{i}.html" for i in range(20_000)]
    for path in paths:
        cache.put(key(path), entry())
    patterns = [f"/section{i % 50}/item{i}.html" for i in range(0, 2_000, 4)]  # 500 exact
    patterns += [f"/section{s}/item1*" for s in range(40, 50)]  # prefixes
    patterns += [f"*item{i}.html" for i in range(19_000, 19_400)]  # suffixes
    patterns += [f"/section{s}/*9?.html" for s in range(90)]  # general (wildcards inside)
    assert len(patterns) == 1000
    exact = set(patterns[:500])

    def named(path: str) -> bool:  # the patterns above, spelled out
        section, _, name = path[len("/section"):].partition("/")
        number = int(name[len("item"):-len(".html")])
        return (path in exact or (int(section) >= 40 and name.startswith("item1"))
                or 19_000 <= number < 19_400 or (int(section) < 90 and name[-7] == "9"))

    expected = {p for p in paths if named(p)}
    assert cache.invalidate(patterns) == len(expected) > 1000
    assert len(cache) == 20_000 - len(expected)
    survivors = set(cache._entries.paths.values())
    assert survivors == set(paths) - expected


async def test_a_large_purge_yields_to_the_loop_and_never_serves_what_it_covers():
    clock = Clock()
    cache = ResponseCache(max_bytes=1 << 30, clock=clock)
    paths = [f"/p/{i}" for i in range(20_000)]
    for path in paths:
        cache.put(key(path), entry())
    patterns = [f"/p/{i}" for i in range(0, 20_000, 20)] + ["/p/1*"]  # 1,001 patterns
    exact = set(patterns)
    doomed = {p for p in paths if p in exact or p.startswith("/p/1")}
    ticks = 0
    stop = False

    async def traffic() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(traffic())
    await asyncio.sleep(0)
    task = cache.purge(patterns)
    # from the call on, nothing it covers is served, though the task has not run yet
    assert not task.done()
    assert cache.get(key("/p/100")) is None and cache.get(key("/p/2")) is not None
    clock.now += 1
    cache.put(key("/p/1000"), entry(now=clock.now))  # fetched after the invalidation: kept
    assert await task == len(doomed) - 1
    stop = True
    await ticker
    assert ticks > 0  # the loop ran other work while the purge was in progress
    assert cache.get(key("/p/1000")) is not None
    assert all(cache.get(key(p)) is None for p in doomed if p != "/p/1000")
    assert len(cache) == 20_000 - len(doomed) + 1
    await cache.purged()


async def test_purges_in_progress_are_awaitable_and_general_patterns_wait_for_their_regex():
    cache = ResponseCache()
    cache.put(key("/x/1/y"), entry())
    cache.put(key("/z"), entry())
    task = cache.purge(["/x/*/y"])
    assert cache.get(key("/x/1/y")) is None  # skipped while its regex is compiled
    assert cache.get(key("/z")) is not None
    await cache.purged()
    assert task.result() == 1 and len(cache) == 1


def test_paths_follow_evictions_replacements_and_clear():
    one = entry()
    one.charge_key(key("/a"), "/a")  # as stored: its key and path count too
    cache = ResponseCache(max_bytes=one.size * 2, max_entry_bytes=one.size * 2)
    for name in ("/a", "/b", "/c"):
        cache.put(key(name), entry())
    assert sorted(cache._entries.paths.values()) == ["/b", "/c"]  # /a evicted with its path
    cache.put(key("/b"), entry())
    assert len(cache._entries.paths) == 2
    assert not cache.put(key("/c"), CachedResponse(200, "OK", [], b"x" * one.size * 3, NOW, 60))
    assert list(cache._entries.paths.values()) == ["/b"]
    cache.put("bare", entry())  # a key not made by cache_key is its own path
    assert cache._entries.paths["bare"] == "/bare" and cache.invalidate("bare") == 1
    cache.clear()
    assert cache._entries.paths == {} and len(cache) == 0


def test_an_answer_asked_for_before_an_invalidation_is_not_stored_even_once_it_is_forgotten(monkeypatch):
    """What an in-flight fetch brings back after an invalidation that covers it is not stored;
    past the purges remembered (by age or count), anything asked for before the newest one
    forgotten is not stored either (its fetch may have taken any time); after all of them it is."""
    from edge.cache import store as store_module

    monkeypatch.setattr(store_module, "RECENT_PURGES", 3)
    clock = Clock()
    cache = ResponseCache(clock=clock)
    asked = clock.now
    clock.now += 1
    cache.invalidate("/a/*")
    assert not cache.put(key("/a/x"), entry(clock.now), asked_at=asked)  # covered, asked for before
    assert cache.put(key("/b/x"), entry(clock.now), asked_at=asked)  # not covered
    assert cache.put(key("/a/x"), entry(clock.now), asked_at=clock.now + 0.5)  # asked for after
    for pattern in ("/c", "/d", "/e"):  # the /a purge is forgotten (three remembered)
        clock.now += 1
        cache.invalidate(pattern)
    assert not cache.put(key("/z/y"), entry(clock.now), asked_at=asked)  # before a forgotten purge: refused
    assert cache.put(key("/z/y"), entry(clock.now), asked_at=clock.now + 0.5)
    clock.now += store_module.RECENT_PURGE_SECONDS + 1  # all forgotten by age at the next purge
    cache.invalidate("/f")
    assert not cache.put(key("/z/w"), entry(clock.now), asked_at=clock.now - 901)  # before /e, forgotten
    assert cache.put(key("/z/w"), entry(clock.now), asked_at=clock.now - 10)  # only /f since: not covered
    cache.clear()  # everything, answers in flight included
    assert not cache.put(key("/z/v"), entry(clock.now), asked_at=clock.now - 0.1)
