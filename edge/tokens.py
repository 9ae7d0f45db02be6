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


def token_refusal(token: str | None) -> str | None:
    """Why the server must not start with this admin token, or None. A token of only
    whitespace, or with whitespace around it, can never match what a client sends (header
    values are trimmed), and a character outside visible ASCII cannot be sent in a header:
    an admin API nobody could authenticate to."""
    if token is None or token == "":
        return None
    where = "the admin token (--admin-token or EDGE_ADMIN_TOKEN)"
    problem = bearer_token_problem(token)
    if problem is None:
        return None
    if not token.strip():
        return (f"{where} {problem}: no request could authenticate with it; set a real token (e.g. "
                "`openssl rand -hex 32`), or unset it to serve the admin API on loopback only")
    if token != token.strip():
        return f"{where} {problem} (no request would ever match it): remove it"
    return f"{where} {problem}"
