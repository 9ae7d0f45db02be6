"""stale-while-revalidate (RFC 5861, as CloudFront honours it): an expired entry inside the
window the origin allowed is served at once while one background fetch refreshes it; past
the window it is a miss again. Through the real server and a real (slow) origin."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from .polling import eventually
from .test_pipeline import start

BEHAVIORS = """
[[behaviors]]
path = "/slow-swr*"
origin = "slow"
cache = { min_ttl = 0, default_ttl = 60, max_ttl = 600 }
forward = { query_strings = "all" }   # forwarded, not in the key: each request tells the origin how slow to be
"""
def slow_origin(origin) -> str:  # type: ignore[no-untyped-def]
    return f'[origins.slow]\nurl = "{origin.server.url}"\nread_timeout = 10\n'


CC = "cc=max-age%3D60%2C%20stale-while-revalidate%3D30"
PATH = "/slow-swr"


def age_entries(edge, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Make every stored entry `seconds` older (the cache's clock is wall time)."""
    entries = edge.state.cache._entries
    for key in list(entries.keys()):
        entries[key].stored_at -= seconds


def test_an_expired_entry_in_its_window_is_served_at_once_and_refreshed_once_behind(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS, extra=slow_origin(fresh_origin))
    first = edge.get(f"{PATH}?s=0&{CC}")
    assert first.status_code == 200 and first.text == f"origin {PATH} #1"
    age_entries(edge, 61)  # expired a second ago, well inside the 30 s window
    started = time.monotonic()
    with ThreadPoolExecutor(5) as pool:  # the origin now takes 3 s: nobody waits for it
        stale = list(pool.map(lambda _: edge.get(f"{PATH}?s=3&{CC}"), range(10)))
    assert time.monotonic() - started < 2.5
    for r in stale:
        assert r.status_code == 200 and r.text == f"origin {PATH} #1" and r.headers["x-cache"] == "Hit from edge"
        assert int(r.headers["age"]) >= 61
    assert eventually(lambda: fresh_origin.hits[PATH] == 2, timeout=10)  # one refresh for all ten
    assert eventually(lambda: edge.get(f"{PATH}?s=0&{CC}").text == f"origin {PATH} #2", timeout=10)
    assert fresh_origin.hits[PATH] == 2
    refreshed = edge.get(f"{PATH}?s=0&{CC}")
    assert refreshed.headers["x-cache"] == "Hit from edge" and int(refreshed.headers["age"]) < 60


def test_past_the_window_it_is_a_miss_that_waits_for_the_origin(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS, extra=slow_origin(fresh_origin))
    assert edge.get(f"{PATH}?s=0&{CC}").text == f"origin {PATH} #1"
    age_entries(edge, 60 + 31)
    r = edge.get(f"{PATH}?s=0.2&{CC}")
    assert r.text == f"origin {PATH} #2" and r.headers["x-cache"] == "Miss from edge"
    assert fresh_origin.hits[PATH] == 2


def test_without_the_directive_an_expired_entry_is_revalidated_in_line(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS, extra=slow_origin(fresh_origin))
    cc = "cc=max-age%3D60"
    assert edge.get(f"{PATH}?s=0&{cc}").text == f"origin {PATH} #1"
    age_entries(edge, 61)
    r = edge.get(f"{PATH}?s=0.2&{cc}")
    assert r.text == f"origin {PATH} #2" and r.headers["x-cache"] == "Miss from edge"


def test_a_range_request_in_the_window_gets_its_range_and_the_refresh_fetches_the_whole(edge_factory, fresh_origin):
    edge = start(edge_factory, fresh_origin, BEHAVIORS, extra=slow_origin(fresh_origin))
    assert edge.get(f"{PATH}?s=0&{CC}").text == f"origin {PATH} #1"
    age_entries(edge, 61)
    r = edge.get(f"{PATH}?s=0&{CC}", headers={"Range": "bytes=0-5"})
    assert r.status_code == 206 and r.text == "origin"
    assert eventually(lambda: fresh_origin.hits[PATH] == 2, timeout=10)
    refresh = fresh_origin.requests[-1]
    assert not any(k.lower() in ("range", "if-range") for k, _ in refresh["headers"]), refresh["headers"]


def test_a_refresh_that_fails_leaves_the_entry_to_be_served_and_refreshed_again(edge_factory, fresh_origin):
    behaviors = BEHAVIORS.replace('origin = "slow"', 'origin = "api"')  # api gives up on the origin after 1 s
    edge = start(edge_factory, fresh_origin, behaviors)
    assert edge.get(f"{PATH}?s=0&{CC}").text == f"origin {PATH} #1"
    age_entries(edge, 61)
    assert edge.get(f"{PATH}?s=3&{CC}").text == f"origin {PATH} #1"  # the refresh times out behind it
    assert eventually(lambda: fresh_origin.hits[PATH] == 2, timeout=10)
    assert eventually(lambda: not len(edge.state.pipeline.revalidations), timeout=10)
    again = edge.get(f"{PATH}?s=0&{CC}")  # still inside the window: served, and refreshed again
    assert again.text == f"origin {PATH} #1" and again.headers["x-cache"] == "Hit from edge"
    assert eventually(lambda: edge.get(f"{PATH}?s=0&{CC}").text == f"origin {PATH} #3", timeout=10)
