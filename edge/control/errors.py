"""The control plane's one error type: an HTTP status, a short code and a message naming the problem."""

from __future__ import annotations


class ControlError(Exception):
    """A refused control-plane request. Nothing was changed when this is raised."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})  # e.g. Retry-After on a 503

    def to_dict(self) -> dict[str, object]:
        return {"error": {"status": self.status, "code": self.code, "message": self.message}}


def bad_request(message: str, code: str = "bad_request") -> ControlError:
    return ControlError(400, code, message)


def not_found(message: str) -> ControlError:
    return ControlError(404, "not_found", message)


def conflict(message: str, code: str = "conflict") -> ControlError:
    return ControlError(409, code, message)
