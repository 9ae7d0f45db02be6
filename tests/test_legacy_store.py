"""A store written by an earlier release, served by this one (SQLite and a real PostgreSQL).

Earlier releases accepted, through the admin API, values today's rules refuse: flags given
as strings (read by truthiness, so "false" meant true), `fn:latest` naming an alias called
`latest`, such an alias, and version settings past today's ranges. The rows are written
into a real store as those releases wrote them, a real server starts on it (or syncs from
it, as from another node), and must serve what the earlier release served, warn once about
each value, and still refuse new writes of them.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.config.behaviors import parse_behavior
from edge.config.errors import ConfigError
from edge.config.origins import OriginSpec
from edge.config.values import LegacyRead
from edge.control.store import Tx, open_store

from .control_helpers import ControlServer, generated, manifest_text
from .polling import eventually

CANON = {"concurrency": 0, "env": {}, "isolation": "per-request", "limits": {}, "max_reuse": 1000, "prewarm": 1}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request) -> str | None:  # type: ignore[no-untyped-def]
    """None: the server's own SQLite store; else a fresh PostgreSQL schema's URL."""
    return request.getfixturevalue("pg_url") if request.param == "postgresql" else None


def start(tmp_path: Path, store: str | None) -> ControlServer:
    manifest = tmp_path / "m.toml"
    if not manifest.exists():
        manifest.write_text(manifest_text())
    return ControlServer(manifest, tmp_path / "state", store=store).start()


@contextlib.contextmanager
def written(tmp_path: Path, store: str | None) -> Iterator[Tx]:
    """A write transaction on the store as another process opens it: rows as an earlier release
    wrote them, through no check of today's."""
    opened = open_store(store or str(tmp_path / "state" / "store"), cache_dir=tmp_path / "writer-cache")
    try:
        with opened.write() as tx:
            yield tx
    finally:
        opened.close()


def set_behaviors(tx: Tx, behaviors: list[dict], origins: dict | None = None) -> None:
    """Replace the stored behaviors (and origins) as PUT /v1/behaviors did: stored as given."""
    current = tx.routing()
    assert current is not None
    document = dict(current.document, behaviors=behaviors)
    if origins is not None:
        document["origins"] = origins
    tx.set_routing(document, "api", current.manifest_digest)


def warnings_about(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "edge.control" and r.levelno == logging.WARNING and text in r.getMessage()]


def behaviors_with(assoc: object, **extra: object) -> list[dict]:
    return [{"path": "/fn/*", "origin": "site", "cache": "disabled", "viewer_request": assoc, **extra},
            {"path": "*", "origin": "site"}]


def error(r) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return r.status_code, r.json()["error"]["message"]


# -- flags stored as strings ---------------------------------------------------------------------


def test_string_flags_serve_as_earlier_releases_read_them(tmp_path, store, origin, caplog):
    s = start(tmp_path, store)
    s.deploy("fn", generated("v1"))
    site = s.admin.get("/v1/origins").json()["origins"]["site"]
    s.stop()
    with written(tmp_path, store) as tx:
        behaviors = behaviors_with({"function": "fn", "include_body": "false"}, forward_host="no")
        behaviors.insert(1, {"path": "/api/*", "origin": "api", "cache": "disabled"})
        set_behaviors(tx, behaviors, {"site": site, "api": {"url": origin.server.url, "http2": "false",
                                                             "verify_tls": "false"}})
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        assert s.edge.get("/fn/x").text == "v1"  # served, not "kept the previous routing" or a failed start
        assert s.edge.get("/api/hello").text.startswith("origin /api/hello #")  # the http2 = true client
        behavior = s.state.manifest.behaviors[0]  # what the pipeline serves with: "false" and "no" read as true
        assert behavior.associations["viewer-request"].include_body is True and behavior.forward_host is True
        api = s.state.manifest.origins["api"]
        assert api.http2 is True and api.verify_tls is True
        for key, value in (("include_body", "'false'"), ("forward_host", "'no'"), ("http2", "'false'"),
                           ("verify_tls", "'false'")):
            found = warnings_about(caplog, f"{key} is the string {value}, which earlier releases read as true; "
                                           "serving it as true")
            assert len(found) == 1, (key, found)
        [note] = warnings_about(caplog, "include_body is the string")
        assert note.startswith("stored behaviors: [[behaviors]] #1 (path '/fn/*').viewer-request:")
        assert 'PUT /v1/behaviors with "include_body": true' in note

        # the API still refuses them in a write, saying what they meant
        stored = s.admin.get("/v1/behaviors").json()["behaviors"]
        assert stored[0]["viewer_request"]["include_body"] == "false"  # shown as stored, never rewritten
        status, message = error(s.admin.put("/v1/behaviors", json={"behaviors": stored}))
        assert status == 400 and "include_body must be true or false, got 'false' (earlier releases read 'false' " \
            "as true)" in message
        status, message = error(s.admin.put("/v1/origins", json={"origins": {
            "site": site, "api": {"url": origin.server.url, "http2": "false"}}}))
        assert status == 400 and "http2 must be true or false, got 'false'" in message
        # a write of the other section keeps the stored behaviors as they are, with their meaning
        r = s.admin.put("/v1/origins", json={"origins": {"site": site, "api": {"url": origin.server.url}}})
        assert r.status_code == 200, r.text
        assert s.admin.get("/v1/behaviors").json()["behaviors"] == stored
        assert s.state.manifest.behaviors[0].associations["viewer-request"].include_body is True
        assert s.state.manifest.origins["api"].http2 is False
        assert s.admin.get("/v1/functions").json()["functions"][0]["name"] == "fn"  # listings read it too
        s.deploy("other", generated("o"))  # more syncs: each warning stays said once
        assert len(warnings_about(caplog, "include_body is the string 'false'")) == 1
        stored[0]["viewer_request"]["include_body"] = True
        stored[0]["forward_host"] = True
        assert s.admin.put("/v1/behaviors", json={"behaviors": stored}).status_code == 200
    finally:
        s.stop()


def test_flags_no_release_stored_otherwise_stay_refused_in_a_stored_document():
    """`debug_errors` and `sign` were checked from the start, so no legacy reading applies."""
    read = LegacyRead()
    with pytest.raises(ConfigError, match="debug_errors must be true or false"):
        parse_behavior(0, {"path": "*", "origin": "o", "debug_errors": "false"}, {"o"}, read)
    s3 = {"type": "s3", "domain_name": "bucket.s3.us-east-1.amazonaws.com", "endpoint": "http://127.0.0.1:9",
          "sign": "no"}
    with pytest.raises(ConfigError, match="sign must be true or false"):
        OriginSpec.parse("o", s3, Path("."), read)
    assert read.found == []
    # the manifest and the API read with today's rules: refused, with the earlier meaning
    with pytest.raises(ConfigError, match=r"include_body must be true or false, got 0 \(earlier releases read 0 as "
                                          r"false\)"):
        parse_behavior(0, {"path": "*", "origin": "o", "viewer_request": {"function": "f", "include_body": 0}}, {"o"})
    behavior = parse_behavior(0, {"path": "*", "origin": "o", "viewer_request": {"function": "f", "include_body": 0}},
                              {"o"}, read)
    assert behavior.associations["viewer-request"].include_body is False and read.found[0].read_as is False


# -- fn:latest and an alias named latest ---------------------------------------------------------


def test_fn_latest_keeps_naming_the_stored_alias(tmp_path, store, caplog):
    s = start(tmp_path, store)
    for body in ("v1", "v2", "v3"):
        s.deploy("fn", generated(body))
    s.stop()
    with written(tmp_path, store) as tx:
        tx.set_alias("fn", "latest", 1, None)  # PUT /v1/functions/fn/aliases/latest, before it was reserved
        set_behaviors(tx, behaviors_with("fn:latest"))
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        assert s.edge.get("/fn/x").text == "v1"  # the alias, as before; not version 3
        [note] = warnings_about(caplog, "fn:latest names the alias 'latest' of fn (version 1)")
        assert "serving that alias as before" in note and "DELETE /v1/functions/fn/aliases/latest" in note
        [note] = warnings_about(caplog, "function fn: alias 'latest' (version 1) has a name now reserved")
        assert "can no longer be moved" in note
        # new writes are refused; the alias cannot be removed while the stored behavior uses it
        status, message = error(s.admin.put("/v1/behaviors", json={"behaviors": behaviors_with("fn:latest")}))
        assert status == 400 and "qualifier 'latest' is reserved" in message
        status, message = error(s.admin.put("/v1/functions/fn/aliases/latest", json={"version": 2}))
        assert status == 400 and "reserved" in message
        status, message = error(s.admin.delete("/v1/functions/fn/aliases/latest"))
        assert status == 409 and "still referenced: behavior '/fn/*' viewer-request uses fn:latest" in message
        # the way out the warning gives: another name, the behavior moved to it, then the delete
        assert s.admin.put("/v1/functions/fn/aliases/pinned", json={"version": 1}).status_code == 200
        assert s.admin.put("/v1/behaviors", json={"behaviors": behaviors_with("fn:pinned")}).status_code == 200
        assert s.admin.delete("/v1/functions/fn/aliases/latest").status_code == 200
        assert s.edge.get("/fn/x").text == "v1"
    finally:
        s.stop()


def test_fn_latest_without_such_an_alias_answers_503_as_before(tmp_path, store, caplog):
    """Earlier releases stored `fn:latest` from a manifest without checking the alias: its
    requests got 503 (not deployed). Reading it as the latest version would change what runs."""
    s = start(tmp_path, store)
    s.deploy("fn", generated("v1"))
    s.stop()
    with written(tmp_path, store) as tx:
        set_behaviors(tx, behaviors_with("fn:latest"))
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        r = s.edge.get("/fn/x")
        assert r.status_code == 503 and "function fn:latest is not deployed" in r.text
        assert s.edge.get("/index.html").status_code == 200  # the rest of the stored routing serves
        [note] = warnings_about(caplog, "fn:latest names an alias 'latest' that fn does not have")
        assert "answered its requests with 503" in note
        good = behaviors_with("fn")
        assert s.admin.put("/v1/behaviors", json={"behaviors": good}).status_code == 200
        assert s.edge.get("/fn/x").text == "v1"
    finally:
        s.stop()


def test_an_alias_named_latest_alone_is_served_and_deletable(tmp_path, store, caplog):
    s = start(tmp_path, store)
    s.deploy("fn", generated("v1"))
    s.deploy("fn", generated("v2"))
    s.associate("/fn/*", "fn")
    s.stop()
    with written(tmp_path, store) as tx:
        tx.set_alias("fn", "LATEST", 1, (2, 0.25))
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        assert s.edge.get("/fn/x").text == "v2"  # unqualified: the latest version, never the alias
        aliases = s.admin.get("/v1/functions/fn").json()["aliases"]
        assert aliases["LATEST"]["version"] == 1 and aliases["LATEST"]["canary"] == {"version": 2, "weight": 0.25}
        [note] = warnings_about(caplog, "function fn: alias 'LATEST' (version 1, canary version 2 at 0.25)")
        assert "DELETE /v1/functions/fn/aliases/LATEST" in note
        assert s.admin.delete("/v1/functions/fn/aliases/LATEST").status_code == 200
    finally:
        s.stop()


# -- version settings past today's ranges -------------------------------------------------------------


def test_version_settings_past_todays_ranges_run_as_stored(tmp_path, store, caplog):
    s = start(tmp_path, store)
    s.deploy("warm", generated("w"))
    s.deploy("big", generated("b"))
    s.associate("/w/*", "warm")
    s.associate("/b/*", "big")
    s.stop()
    with written(tmp_path, store) as tx:  # what a deploy of an earlier release stored
        for name, extra in (("warm", {"prewarm": 100}), ("big", {"concurrency": 2**70, "max_reuse": 2**63})):
            tx._execute("UPDATE versions SET settings = ? WHERE function = ?",
                        (json.dumps(CANON | extra, sort_keys=True, separators=(",", ":")), name))
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        assert s.edge.get("/w/x").text == "w" and s.edge.get("/b/x").text == "b"
        fn = s.state.registry.loaded("warm", 1).functions["viewer"]
        assert fn.wanted_prewarm == 100  # as stored (the runtime's own budget of ready instances still applies)
        [note] = warnings_about(caplog, "function warm version 1: its stored settings are refused for new deploys")
        assert "prewarm must be a whole number from 0 to 64" in note and "got 100" in note
        assert "runs with them as stored" in note
        [note] = warnings_about(caplog, "function big version 1:")
        assert "concurrency must be a whole number" in note
        # shown (a number past 64 bits as a string: the API's JSON cannot carry it), not a 500
        r = s.admin.get("/v1/functions/big")
        assert r.status_code == 200, r.text
        assert r.json()["versions"][0]["settings"]["concurrency"] == str(2**70)
        assert r.json()["versions"][0]["settings"]["max_reuse"] == 2**63
        r = s.admin.post("/v1/functions/warm/versions", content=generated("w2"),
                         headers={"X-Edge-Settings": '{"prewarm": 100}'})
        assert r.status_code == 400 and "prewarm must be a whole number" in r.json()["error"]["message"]
    finally:
        s.stop()


# -- a running node syncing from another that wrote them -----------------------------------------------


def test_a_running_server_applies_a_legacy_document_another_node_wrote(tmp_path, store, caplog):
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        s.deploy("fn", generated("v1"))
        s.deploy("fn", generated("v2"))
        with written(tmp_path, store) as tx:  # a node still on an earlier release, during a rolling upgrade
            tx.set_alias("fn", "latest", 1, None)
            set_behaviors(tx, behaviors_with({"function": "fn:latest", "include_body": "0"}))
        assert eventually(lambda: s.edge.get("/fn/x").text == "v1", timeout=15)  # its watcher synced
        assert s.state.manifest.behaviors[0].associations["viewer-request"].include_body is True  # "0" is true
        assert len(warnings_about(caplog, "include_body is the string '0', which earlier releases read as true")) == 1
        assert len(warnings_about(caplog, "fn:latest names the alias 'latest' of fn (version 1)")) == 1
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "edge.control"]
    finally:
        s.stop()


def test_a_stored_document_no_release_accepted_keeps_the_previous_routing_and_syncing(tmp_path, store, caplog):
    """Unreadable even as earlier releases read it (`debug_errors` was always checked): the
    routing served before stays, and every other change (a deploy) still reaches this node."""
    caplog.set_level(logging.WARNING, logger="edge.control")
    s = start(tmp_path, store)
    try:
        s.deploy("fn", generated("v1"))
        s.associate("/fn/*", "fn")
        with written(tmp_path, store) as tx:
            set_behaviors(tx, behaviors_with("fn", debug_errors="false"))
        assert eventually(lambda: any("cannot be applied here" in r.getMessage() for r in caplog.records), 15)
        s.deploy("fn", generated("v2"))
        assert s.edge.get("/fn/x").text == "v2"  # the previous behaviors, the new latest version
        s.deploy("fn", generated("v3"))  # another sync: the same document is not logged again
        assert s.edge.get("/fn/x").text == "v3"
        refused = [r for r in caplog.records if "cannot be applied here" in r.getMessage()]
        assert len(refused) == 1, [r.getMessage() for r in refused]
        status, message = error(s.admin.delete("/v1/functions/fn"))
        assert status == 409 and "the stored behaviors cannot be read" in message
        assert s.admin.get("/v1/functions").status_code == 200
    finally:
        s.stop()
