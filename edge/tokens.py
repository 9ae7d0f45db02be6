"""What an admin bearer token may be, for the server that checks it and the CLI that sends it."""

from __future__ import annotations


def bearer_token_problem(token: str) -> str | None:
    """Why `token` cannot work as a bearer token, phrased to follow the token's name, or None.
    Header values are trimmed, so whitespace around it never matches what a client sends, and
    a character outside visible ASCII cannot be sent in a header at all."""
    if not token.strip():
        return "is only whitespace"
    if token != token.strip():
        return "has leading or trailing whitespace, which an Authorization header cannot carry"
    for index, char in enumerate(token):
        if not "!" <= char <= "~":
            code = f"U+{ord(char):04X}"
            shown = code if not char.isprintable() or char.isspace() else f"{char!r} ({code})"
            return (f"has {shown} at character {index}: a bearer token is visible ASCII characters without spaces "
                    "(e.g. from `openssl rand -hex 32`)")
    return None
