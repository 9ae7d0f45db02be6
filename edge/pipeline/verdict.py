"""The server's checks of a function's result, applied to one event outside the server.

`edge invoke` runs a function once with no distribution around it; it must still refuse
what the server would refuse (a 502 LambdaValidationError naming the rule), or a function
that "works" locally fails on every request once served. The decisions here are the ones
`HookRunner.run` makes: a request hook may return a request or a generated response, a
response hook a modified response, each checked by edge/pipeline/request_validation.py or
edge/pipeline/response_validation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .events import EVENT_TYPES, REQUEST_EVENTS
from .hooks import _exposed_body
from .request_validation import validate_request
from .response_validation import validate_response
from .validation import ValidationError, is_response

SENTENCE = "LambdaValidationError"  # what the server's 502 page and X-Cache call it


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the server would make of a result: `error` is None when it would be used."""

    event_type: str
    kind: str  # "request", "generated" (a response from a request hook) or "response"
    error: ValidationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """One line, as the server reports it: `LambdaValidationError [rule: X]: message`."""
        if self.error is None:
            return f"{self.event_type} result accepted ({self.kind})"
        return f"{SENTENCE} [rule: {self.error.rule}]: {self.error.message}"


def event_parts(event: Any) -> tuple[str, dict, dict | None] | None:
    """(event type, request, response) of a Lambda@Edge event, or None if it is not one."""
    try:
        cf = event["Records"][0]["cf"]
        event_type = cf["config"]["eventType"]
        request = cf["request"]
    except (KeyError, IndexError, TypeError):
        return None
    if event_type not in EVENT_TYPES or not isinstance(request, dict):
        return None
    response = cf.get("response")
    return event_type, request, response if isinstance(response, dict) else None


def check_result(
    event_type: str,
    request: dict,
    response: dict | None,
    result: Any,
    *,
    include_body: bool | None = None,
    allow_status_change: bool = False,
) -> Verdict:
    """Validate `result` for this hook as the server would. `include_body` defaults to whether
    the event's request carries a body object (what the behavior's include_body puts there).
    Raises ValueError for an event the server could not have sent (a response hook without
    a response)."""
    if event_type not in REQUEST_EVENTS and response is None:
        raise ValueError(f"a {event_type} event needs Records[0].cf.response")
    if include_body is None:
        include_body = isinstance(request.get("body"), dict)
    kind = "response"
    try:
        if event_type in REQUEST_EVENTS:
            if isinstance(result, dict) and is_response(result):
                kind = "generated"
                validate_response(event_type, None, result, generated=True)
            else:
                kind = "request"
                validate_request(event_type, request, result, include_body=include_body)
        else:
            if isinstance(response.get("body"), dict) and isinstance(result, dict):
                result = _exposed_body(result)
            validate_response(event_type, response, result, generated=False, allow_status_change=allow_status_change)
    except ValidationError as exc:
        return Verdict(event_type, kind, exc)
    return Verdict(event_type, kind)
