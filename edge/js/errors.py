"""The one error a JavaScript build raises (its `summary` is what `edge build` prints)."""

from __future__ import annotations


class JsBuildError(Exception):
    """The function could not be built; `summary` is one line (what `edge build` prints)."""

    def __init__(self, message: str, summary: str | None = None) -> None:
        super().__init__(message)
        self.summary = summary or (message.splitlines()[0] if message else "build failed")
