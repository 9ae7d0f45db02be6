"""A fault inside the edge itself is the edge's 500, with its request id, a log line and a traceback.

A bug on the request path (a function's non-ASCII uri once raised in the upstream client) gave
the server's bare `500 Internal server error`: no X-Amz-Cf-Id, no X-Cache, nothing under the
request id in `edge logs`, a traceback only on the server's stdout. The fault here is made by
replacing the origins' fetch on a real server with one that raises, as such a bug would.
"""

from __future__ import annotations

import logging


def test_a_fault_in_the_edge_is_a_cloudfront_style_500_logged_under_its_request_id(edge_factory, origin, monkeypatch,
                                                                                     caplog):
    edge = edge_factory(f'[origins.o]\nurl = "{origin.server.url}"\n[[behaviors]]\npath = "*"\norigin = "o"\n'
                        'cache = "disabled"\n')
    assert edge.get("/before").status_code == 200
    origins = edge.state.pipeline.routing.origins

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise UnicodeEncodeError("latin-1", "/日本", 1, 2, "ordinal not in range(256)")

    monkeypatch.setattr(origins, "fetch", broken)
    with caplog.at_level(logging.ERROR, logger="edge.pipeline"):
        failed = edge.get("/during")
    assert failed.status_code == 500
    request_id = failed.headers["x-amz-cf-id"]
    assert failed.headers["x-cache"] == "Error from edge"
    assert "The request could not be satisfied." in failed.text
    logged = [r.message for r in edge.state.logs.query(request_id=request_id)]
    assert any(m.startswith("500: an internal error in the edge (UnicodeEncodeError:") for m in logged), logged
    tracebacks = [r for r in caplog.records if request_id in r.getMessage()]
    assert tracebacks and tracebacks[0].exc_info is not None
    monkeypatch.undo()
    assert edge.get("/after").status_code == 200  # the next request is served as before


def test_a_behaviors_debug_errors_shows_the_internal_errors_detail(edge_factory, origin, monkeypatch):
    edge = edge_factory(f'[origins.o]\nurl = "{origin.server.url}"\n'
                        '[[behaviors]]\npath = "/debug/*"\norigin = "o"\ncache = "disabled"\ndebug_errors = true\n'
                        '[[behaviors]]\npath = "*"\norigin = "o"\ncache = "disabled"\n', debug_errors=False)

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("a fault in the edge")

    monkeypatch.setattr(edge.state.pipeline.routing.origins, "fetch", broken)
    shown, hidden = edge.get("/debug/x"), edge.get("/other")
    assert shown.status_code == hidden.status_code == 500
    assert "RuntimeError: a fault in the edge" in shown.text
    assert "RuntimeError" not in hidden.text and hidden.headers["x-amz-cf-id"] in hidden.text
