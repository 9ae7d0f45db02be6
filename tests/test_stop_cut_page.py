"""A request still running when a graceful stop's grace period ends is cut and answered 503. It
got a plain-text `503 Service Unavailable: the server is stopping`, unlike every other 503 the
edge makes (a throttled function's, an unreachable origin's: CloudFront's HTML error page), and
nothing said which behavior it was for. Now it is the same error page (with `Retry-After`, the
edge's X-Cache, Via and X-Amz-Cf-Id), whose request id finds the detail, naming the behavior, in
`edge logs`. A real server on loopback (Hypercorn, in process), a slow real origin, raw sockets."""

from __future__ import annotations

from edge.server.drain import CUT_SENTENCE

from .test_access_log_refusals import (
    assert_edge_error,
    by_uri,
    guard_manifest,
    header,
    stop_while_slow,
)
from .test_pipeline import status_of


def test_a_request_cut_at_the_end_of_the_grace_period_gets_the_edges_error_page(edge_factory, fresh_origin, tmp_path):
    log_path = tmp_path / "access.log"
    edge = edge_factory(guard_manifest(fresh_origin.server.url), access_log=str(log_path), graceful_timeout=1.0,
                        debug_errors=False)
    slow, cut = stop_while_slow(edge, fresh_origin)
    slow.join(15)
    reply = cut[0]
    assert status_of(reply) == 503, reply[:300]
    [line] = by_uri(log_path, 1).values()
    assert (line["status"], line["detailed_result_type"]) == (503, "ServerStoppingCut"), line
    assert_edge_error(reply, line)  # X-Cache: Error from edge, Via, the X-Amz-Cf-Id logged
    request_id = line["request_id"]
    # the page a throttled function's 503 is: CloudFront's, with the request id and where to look
    head, _, body = reply.partition(b"\r\n\r\n")
    assert header(reply, "content-type") == "text/html" and header(reply, "retry-after") == "1", head
    assert header(reply, "connection") == "close" and int(header(reply, "content-length")) == len(body), head
    page = body.decode("latin-1")
    assert "<H1>503 ERROR</H1>" in page and "<H2>The request could not be satisfied.</H2>" in page, page
    assert CUT_SENTENCE in page and f"Request ID: {request_id}" in page, page
    assert f"edge logs --request-id {request_id}" in page and "grace period" not in page, page  # detail: the log's
    [record] = edge.app.state.edge.logs.query(None, request_id, 10)
    assert record.level == "ERROR" and record.message == (
        "503: GET /slow-cut (behavior '/slow*') was cut while the server stopped: it outlived the 1.0 s grace "
        "period; nothing of its response had been sent"), record
