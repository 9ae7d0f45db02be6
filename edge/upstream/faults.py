"""How an origin can fail, named as CloudFront's access logs name it (`x-edge-detailed-result-type`),
and the bounds an origin's response head must keep.

Every origin failure carries one of these names: the access log writes it as
`detailed_result_type`, so an operator can tell a refused connection from a timeout or a
malformed answer without reading each request's log.
"""

from __future__ import annotations

CONNECT = "OriginConnectError"  # no connection (refused, unreachable, TLS handshake failed)
DNS = "OriginDnsError"  # the origin's name did not resolve
COMM = "OriginCommError"  # timed out connecting, or waiting for the answer or the next piece of it
READ = "OriginReadError"  # the connection ended before the answer did
WRITE = "OriginWriteError"  # the request could not be sent (the connection broke, or it cannot be put on the wire)
INVALID = "OriginInvalidResponseError"  # not a valid HTTP answer (framing, status, a second answer)
HEADER_TOO_BIG = "OriginHeaderTooBigError"  # a response head over the bounds below

# An origin's status line and headers, 1xx answers before them included. Beyond them the answer
# is refused (502) before more of it is held in memory. 1,024 header lines is also what the
# C SDK reads in one headers object, so every function can read any head that passes.
MAX_HEAD_BYTES = 64 * 1024
MAX_HEADERS = 1024


def status_problem(status: int) -> str | None:
    """Why a final status cannot be passed on (functions may not set one outside 200-599 either)."""
    if status == 101:
        return "the origin answered 101 Switching Protocols, but the edge asked for no upgrade"
    if not 200 <= status <= 599:
        return f"the origin answered with status {status}, outside 200-599"
    return None


def headers_problem(headers: list[tuple[str, str]]) -> str | None:
    """Why a response head is too big to pass on, if it is."""
    if len(headers) > MAX_HEADERS:
        return f"the origin sent {len(headers)} header lines; at most {MAX_HEADERS} are accepted"
    size = sum(len(k) + len(v) + 4 for k, v in headers)
    if size > MAX_HEAD_BYTES:
        return f"the origin's headers are {size} bytes; at most {MAX_HEAD_BYTES} are accepted"
    return None
