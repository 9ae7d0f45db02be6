"""A behavior listed after one whose path pattern matches every path its own does never serves
a request (the first match wins, as in CloudFront): `/a/b/*` after `/a/*`, or `c/*` after
`/c/*` (the same paths: the leading `/` is optional). It started silently; now `edge serve`
and `edge config put` warn, naming both and what to do, and still apply it as given. The
decision (edge.patterns.covers) is checked against real matching of every path up to a length
for every small pattern: it never says "shadows" wrongly."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import httpx
from click.testing import CliRunner

from edge.cli.main import cli
from edge.config.shadowing import unreachable
from edge.patterns import compile_pattern, covers

from .conftest import free_ports
from .control_helpers import TOKEN, ControlServer, manifest_text
from .serve_output import serve_output


def test_covers_is_never_wrong_when_it_says_yes():
    """Every pattern of up to four symbols from `a b / * ?` (after a `/`), against every other:
    when covers(A, B), every path (up to six characters past the `/`, from `a b c /`) that B
    matches, A matches too."""
    patterns = sorted({"/" + "".join(symbols) for n in range(1, 5) for symbols in itertools.product("ab/*?", repeat=n)})
    paths = ["/" + "".join(chars) for n in range(7) for chars in itertools.product("abc/", repeat=n)]
    matched = {p: frozenset(path for path in paths if compile_pattern(p).match(path)) for p in patterns}
    said = 0
    for wide, narrow in itertools.product(patterns, repeat=2):
        if covers(wide, narrow):
            said += 1
            assert matched[narrow] <= matched[wide], (wide, narrow, sorted(matched[narrow] - matched[wide])[:3])
    assert said > 10_000  # and it does say so, often


def test_covers_on_the_patterns_operators_write():
    shadowing = [("/a/*", "/a/b/*"), ("*", "/anything/*.jpg"), ("/*.jpg", "/img/*.jpg"), ("/img/*", "/img/x?.png"),
                 ("/a?c", "/abc"), ("/a*", "/a?"), ("a/*", "/a/*"), ("/a/*", "a/*"), ("/b/**", "/b/*"),
                 ("/x?*", "/x*?"), ("/api/v?/*", "/api/v1/users/*"), ("/a*b*", "/ab*b")]
    not_shadowing = [("/a/b/*", "/a/*"), ("/a?c", "/a*c"), ("/a?", "/a*"), ("/*.jpg", "/img/*"),
                     ("/img/*.jpg", "/img/*.png"), ("/*", "*"), ("/a/*", "/ab/*"), ("/a", "/a/"),
                     ("/api/v?/*", "/api/v10/*"), ("/x", "/y")]
    for wide, narrow in shadowing:
        assert covers(wide, narrow), (wide, narrow)
    for wide, narrow in not_shadowing:
        assert not covers(wide, narrow), (wide, narrow)
    # specific first, or overlapping without one holding the other: nothing to say
    assert unreachable(["/a/b/*", "/a/*", "/f/*.txt", "/f/a/*", "/img/x?.png", "/img/*", "*"]) == []


def _two_sites(root: Path) -> str:
    """Two static origins with the same file holding different text, and behaviors to them."""
    for name in ("wide", "narrow"):
        (root / name / "a" / "b").mkdir(parents=True)
        (root / name / "a" / "b" / "x.txt").write_text(name)
    return f"""
[origins.wide]
root = "{root / 'wide'}"
[origins.narrow]
root = "{root / 'narrow'}"

[[behaviors]]
path = "/a/*"
origin = "wide"
[[behaviors]]
path = "/a/b/*"
origin = "narrow"
[[behaviors]]
path = "/c/*"
origin = "wide"
[[behaviors]]
path = "c/*"
origin = "narrow"
[[behaviors]]
path = "/e/x?.txt"
origin = "narrow"
[[behaviors]]
path = "/e/*"
origin = "wide"
[[behaviors]]
path = "*"
origin = "wide"
"""


def test_edge_serve_warns_about_a_behavior_that_never_matches_and_serves_as_written(tmp_path):
    (tmp_path / "edge.toml").write_text(_two_sites(tmp_path))
    port, admin_port = free_ports(2)
    env = dict(os.environ, EDGE_ADMIN_TOKEN=TOKEN)
    with serve_output(tmp_path, "--port", str(port), "--admin-port", str(admin_port), env=env) as server:
        server.until("edge: serving")
        warnings = [line for line in server.seen if line.startswith("edge: warning:")]
        assert warnings == [
            "edge: warning: [[behaviors]] #2 (path '/a/b/*') never serves a request: #1 (path '/a/*') comes first "
            "and matches every path it does (behaviors are matched in order: the first that matches serves the "
            "request): move the more specific #2 ('/a/b/*') before #1 ('/a/*')",
            "edge: warning: [[behaviors]] #4 (path 'c/*') never serves a request: #3 (path '/c/*') comes first and "
            "matches the same paths (behaviors are matched in order: the first that matches serves the request): "
            "remove one of the two",
        ], server.seen
        # a warning, not a refusal: served as written, and what it said is so
        assert httpx.get(f"http://127.0.0.1:{port}/a/b/x.txt", timeout=10).text == "wide"


def _put(server: ControlServer, path: Path, behaviors: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    root = path.parent
    path.write_text(json.dumps({
        "origins": {"wide": {"root": str(root / "wide")}, "narrow": {"root": str(root / "narrow")}},
        "behaviors": [{"path": pattern, "origin": origin, "cache": "disabled"} for pattern, origin in behaviors],
    }))
    env = {"EDGE_SERVER": server.admin_url, "EDGE_ADMIN_TOKEN": TOKEN}
    result = CliRunner().invoke(cli, ["config", "put", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert f"applied {len(behaviors)} behaviors and 2 origins" in result.stdout
    return result


def test_config_put_warns_about_a_behavior_that_never_matches(tmp_path):
    _two_sites(tmp_path)
    (tmp_path / "m.toml").write_text(manifest_text())
    server = ControlServer(tmp_path / "m.toml", tmp_path / "state").start()
    try:
        result = _put(server, tmp_path / "routes.json", [("/a/*", "wide"), ("/a/b/*", "narrow"), ("*", "wide")])
        assert result.stderr.strip() == (
            "warning: [[behaviors]] #2 (path '/a/b/*') never serves a request: #1 (path '/a/*') comes first and "
            "matches every path it does (behaviors are matched in order: the first that matches serves the "
            "request): move the more specific #2 ('/a/b/*') before #1 ('/a/*')")
        assert server.edge.get("/a/b/x.txt").text == "wide"  # applied as given
        # in the order the warning asks for: nothing to say, and the specific one serves its paths
        result = _put(server, tmp_path / "routes.json", [("/a/b/*", "narrow"), ("/a/*", "wide"), ("*", "wide")])
        assert result.stderr == ""
        assert server.edge.get("/a/b/x.txt").text == "narrow"
    finally:
        server.stop()
