"""The access log's `detailed_result_type` of each refusal the edge makes itself, in one place:
CloudFront's name where it has one (InvalidRequest, InvalidRequestHeader, InvalidRequestMethod,
ClientHungUpRequest, ClientCommError, CapacityExceeded), else one in its style. The front door
(edge/server/handler.py, guard.py, serverhooks.py), the pipeline (edge/pipeline/flow.py) and the
WebSocket handshake (edge/websocket/session.py) use the same name for the same refusal."""

from __future__ import annotations

# the front door's (server/handler.py)
HEAD_TOO_LARGE = "RequestHeaderTooLarge"  # 494
LOOP_DETECTED = "LoopDetected"  # 508
INVALID_REQUEST = "InvalidRequest"  # 400/414: a target that is not a path, or too long
GET_WITH_BODY = "GetWithBody"  # 403: a GET or HEAD announcing a body
INVALID_HEADER = "InvalidRequestHeader"  # 400: a bad X-Forwarded-For entry from a trusted proxy; several Host headers, or none on HTTP/1.1
# ...and of a response the viewer did not stay for (CloudFront's: "the response to the viewer
# was interrupted due to a communication problem between the server and the viewer")
CLIENT_COMM_ERROR = "ClientCommError"

# the guard's (server/guard.py)
VERSION_NOT_SUPPORTED = "HttpVersionNotSupported"  # 505
INVALID_FRAMING = "InvalidRequestFraming"  # 400: Content-Length and Transfer-Encoding both (smuggling's shape)
REQUEST_TIMEOUT = "RequestTimeout"  # 408: the request body stalled or trickled
CLIENT_HUNG_UP = "ClientHungUpRequest"  # 400: the viewer left (or its framing broke) before its body was complete
STOPPING = "ServerStopping"  # 503: arrived while the worker stops
STOPPING_CUT = "ServerStoppingCut"  # in flight when the grace period ended: 503, or cut mid-response

# the server hooks' (server/serverhooks.py): a connection beyond --max-connections, answered 503
# before any request on it reached the app. CloudFront's own x-edge-result-type for "503 because
# the edge location didn't have enough capacity at the time of the request" (LimitExceeded is for a
# CloudFront quota, a distribution's own limit, which this is not: it is the worker's capacity)
CAPACITY_EXCEEDED = "CapacityExceeded"

# the pipeline's (pipeline/flow.py), once a behavior is selected
INVALID_METHOD = "InvalidRequestMethod"  # 403: a method the behavior's `methods` does not allow (CloudFront's name)
# INVALID_HEADER as well: 400, a viewer Host that is not one host[:port] on a behavior that forwards it
BODY_TOO_LARGE = "RequestBodyTooLarge"  # 413: a body a function includes, over what the edge buffers
INTERNAL_ERROR = "InternalError"  # 500: a fault in the edge itself (its traceback in the server's log)

# names that are a result type of their own in CloudFront's log (x-edge-result-type, which then repeats
# in x-edge-detailed-result-type), not a kind of Error
RESULT_TYPES = frozenset({CAPACITY_EXCEEDED})

# the WebSocket handshake's own (websocket/session.py)
WEBSOCKET_NOT_SUPPORTED = "WebSocketNotSupported"  # 403: the behavior runs other functions, or its origin is not HTTP
ORIGIN_WEBSOCKET_REFUSED = "OriginWebSocketRefused"  # 502: the origin answered the handshake with another status than 101
