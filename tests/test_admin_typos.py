"""Typos the admin API used to accept or answer vaguely (findings of an operator walkthrough):
an unknown query parameter on any endpoint, an unknown key in an alias or a configuration, a
version number sent as a string. Each is a 400 naming what was wrong and what is known, and
changes nothing. Through a real server on loopback."""

from __future__ import annotations

from .control_helpers import generated
from .test_control_cli import server  # noqa: F401  (the admin API on a real server, SQLite)


def refusal(r) -> str:  # type: ignore[no-untyped-def]
    assert r.status_code == 400, r.text
    return r.json()["error"]["message"]


def test_an_unknown_query_parameter_is_400_naming_it_and_the_known_ones(server):
    message = refusal(server.admin.post("/v1/functions/x/versions", params={"aliass": "live"},
                                        content=generated("x")))
    assert "unknown query parameter 'aliass'" in message and "POST /v1/functions/{name}/versions" in message
    assert "alias, description, filename, handler" in message and "did you mean 'alias'" in message
    assert server.admin.get("/v1/functions/x").status_code == 404  # nothing deployed
    message = refusal(server.admin.get("/v1/logs", params={"functon": "x", "limit": "3"}))
    assert "'functon'" in message and "function, request_id, limit, follow" in message
    message = refusal(server.admin.get("/v1/functions", params={"verbose": "1"}))
    assert "'verbose'" in message and "takes no query parameters" in message
    message = refusal(server.admin.post("/v1/functions/x/invoke", params={"qualifer": "1"}, content=b"{}"))
    assert "'qualifer'" in message and "it takes qualifier" in message
    # the known ones still work; probes and metrics take whatever a load balancer adds
    r = server.admin.post("/v1/functions/x/versions", params={"alias": "live", "description": "d"},
                          content=generated("x"))
    assert r.status_code == 201 and r.json()["alias"]["name"] == "live", r.text
    assert server.admin.get("/healthz", params={"t": "1"}).status_code == 200
    assert server.admin.get("/readyz", params={"t": "1"}).status_code == 200


def test_an_alias_with_an_unknown_key_or_a_version_string_says_which(server):
    assert server.admin.post("/v1/functions/x/versions", content=generated("1")).status_code == 201
    assert server.admin.post("/v1/functions/x/versions", content=generated("2")).status_code == 201
    message = refusal(server.admin.put("/v1/functions/x/aliases/live",
                                       json={"version": 1, "canry": {"version": 2, "weight": 0.1}}))
    assert "unknown key 'canry'" in message and "did you mean 'canary'" in message
    message = refusal(server.admin.put("/v1/functions/x/aliases/live",
                                       json={"version": 1, "canary": {"version": 2, "wieght": 0.1}}))
    assert "canary: unknown key 'wieght'" in message and "did you mean 'weight'" in message
    message = refusal(server.admin.put("/v1/functions/x/aliases/live", json={"version": "1"}))
    assert "version must be a version number" in message and 'got "1" (a string)' in message
    message = refusal(server.admin.put("/v1/functions/x/aliases/live", json={}))
    assert "no version" in message
    message = refusal(server.admin.put("/v1/functions/x/aliases/live", json=[1]))
    assert "got [1] (a list)" in message
    assert server.admin.get("/v1/functions/x/aliases").json() == {"aliases": []}
    r = server.admin.put("/v1/functions/x/aliases/live", json={"version": 1, "canary": {"version": 2, "weight": 0.1}})
    assert r.status_code == 200, r.text


def test_a_misspelt_limit_in_a_versions_settings_names_the_limit_meant(server):
    """The settings header takes the manifest's limits: a typo there names the one meant, as the
    manifest's [functions.NAME].limits does (edge.config.errors.did_you_mean, one helper for both)."""
    r = server.admin.post("/v1/functions/x/versions", content=generated("x"),
                          headers={"X-Edge-Settings": '{"limits": {"fule": 1000000}}'})
    assert r.status_code == 400, r.text
    message = r.json()["error"]["message"]
    assert "unknown limit fule (did you mean 'fuel'?); valid limits: timeout_ms, memory_bytes, fuel," in message
    assert server.admin.get("/v1/functions/x").status_code == 404  # nothing deployed


def test_a_configuration_with_an_unknown_section_names_it(server):
    before = server.admin.get("/v1/config").json()
    message = refusal(server.admin.put("/v1/config", json={"behavior": []}))
    assert "unknown key 'behavior'" in message and "did you mean 'behaviors'" in message
    message = refusal(server.admin.put("/v1/behaviors", json={"behaviors": [], "origins": {}}))
    assert "unknown key 'origins'" in message and '{"behaviors": ...}' in message
    message = refusal(server.admin.put("/v1/config", json=["behaviors"]))
    assert "got [\"behaviors\"] (a list)" in message
    assert server.admin.get("/v1/config").json() == before
    # a document read and put back as GET shows it (with its read-only "source") is taken
    r = server.admin.put("/v1/config", json=before)
    assert r.status_code == 200, r.text


def test_the_query_parameters_checked_are_those_the_openapi_document_lists():
    from edge.server.admin import ANY_QUERY, QUERY_PARAMS
    from edge.server.openapi import document

    listed = {}
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            names = tuple(p["name"] for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                          if p["in"] == "query")
            if names:
                listed[(method.upper(), path if path.startswith("/v1") or path in ANY_QUERY else f"/v1{path}")] = names
    assert {key: set(names) for key, names in listed.items()} == {key: set(names) for key, names in QUERY_PARAMS.items()}


def test_a_misspelt_setting_names_the_setting_meant(server):
    """X-Edge-Settings' own keys name the one meant, as its limits and the manifest's keys do."""
    message = refusal(server.admin.post("/v1/functions/x/versions", content=generated("x"),
                                        headers={"X-Edge-Settings": '{"isolaton": "per-request", "env": {}}'}))
    assert message == ("unknown setting isolaton (did you mean 'isolation'?); valid settings: isolation, limits, "
                       "env, concurrency, max_reuse, prewarm")
    message = refusal(server.admin.post("/v1/functions/x/versions", content=generated("x"),
                                        headers={"X-Edge-Settings": '{"prewarn": 2, "colour": "red"}'}))
    assert "unknown settings colour, prewarn (did you mean 'prewarm' for 'prewarn'?)" in message
    assert server.admin.get("/v1/functions/x").status_code == 404  # nothing deployed


def test_a_stored_document_with_an_unknown_section_names_the_one_meant(tmp_path):
    """What the watcher logs of a stored document it cannot apply (written by another release:
    the API itself refuses the key first, test_a_configuration_with_an_unknown_section_names_it)."""
    import pytest

    from edge.config.distribution import Distribution
    from edge.config.errors import ConfigError
    from edge.control.routing import parse

    with pytest.raises(ConfigError) as caught:
        parse({"behaviours": [{"path": "*", "origin": "o"}], "origins": {}}, tmp_path, Distribution(), set())
    assert str(caught.value) == ("unknown section behaviours (did you mean 'behaviors'?); valid sections: "
                                 "origins, behaviors")
