"""The store URL carries credentials: it is masked wherever it could be seen (logs, errors,
the admin API), and completed with the connection settings a node needs to notice a lost
database quickly."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from typing import Any
from urllib.parse import unquote

from psycopg import pq
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..config.errors import did_you_mean
from ..control.rows import StoreError
from .answers import ANSWER_TIMEOUT

# libpq settings added unless the URL sets them: fail a connection attempt in seconds, and
# notice a database that vanished without closing the connection (host down, cable cut).
# A database that stops answering while its host still acknowledges (a hung server, a stalled
# relay or pooler) is noticed by the store's own deadlines on every answer (answers.py).
DEFAULTS = {
    "connect_timeout": "5",
    "keepalives": "1",
    "keepalives_idle": "5",
    "keepalives_interval": "2",
    "keepalives_count": "3",
    "tcp_user_timeout": "10000",
    "application_name": "edge",
}

_secrets: set[str] = set()  # every password seen, redacted from messages (and driver logs)

# The node's own setting in the store URL (libpq would refuse it: it is taken out before libpq
# sees the URL): `?answer_timeout=SECONDS`, how long the database has to answer a statement,
# BEGIN, COMMIT or connection check before the node abandons the connection and reports the
# store unavailable (answers.py; docs/fleet.md, *Running three nodes*). In the URL, so that every
# process given the store (the workers, `edge serve`'s start) has the same bound.
ANSWER_TIMEOUT_KEY = "answer_timeout"
ANSWER_TIMEOUT_RANGE = (0.5, 600.0)


def _split(url: str) -> tuple[str, str | None]:
    """`url` without answer_timeout, and its value (None: not given). Only that parameter is
    taken out; the others are left as written (libpq decodes them)."""
    base, mark, query = url.partition("?")
    if not mark:
        return url, None
    kept, value = [], None
    for part in query.split("&"):
        key, _, raw = part.partition("=")
        if unquote(key) == ANSWER_TIMEOUT_KEY:
            value = unquote(raw)
        else:
            kept.append(part)
    return (f"{base}?{'&'.join(kept)}" if kept else base), value


def libpq_url(url: str) -> str:
    """The URL as libpq takes it: without the node's own settings (answer_timeout)."""
    return _split(url)[0]


def answer_timeout(url: str) -> float:
    """The URL's answer_timeout in seconds, else ANSWER_TIMEOUT (2 s). StoreError if it is not a
    number of seconds in ANSWER_TIMEOUT_RANGE."""
    value = _split(url)[1]
    if value is None:
        return ANSWER_TIMEOUT
    low, high = ANSWER_TIMEOUT_RANGE
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not low <= seconds <= high:  # nan fails too
        raise StoreError(f"the store URL's {ANSWER_TIMEOUT_KEY}={value!r} is not a number of seconds from "
                         f"{low:g} to {high:g}")
    return seconds


def _parts(url: str) -> dict[str, Any]:
    url = libpq_url(url)
    try:
        return conninfo_to_dict(url)
    except Exception as exc:
        raise StoreError(f"the store URL is not a valid PostgreSQL URL: {mask(url)}: {_why(exc, url)}") from None


def _why(exc: Exception, url: str) -> str:
    """libpq's reason on one line, without the URL's password; for an unknown parameter, the
    libpq parameter meant (`?connect_timout=3`: did you mean 'connect_timeout'?)."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    password = _userinfo(url).partition(":")[2]
    if password:
        reason = reason.replace(password, "***")
    unknown = UNKNOWN_PARAMETER.search(reason)
    if unknown:
        reason += did_you_mean([unknown.group(1)], (*_libpq_parameters(), ANSWER_TIMEOUT_KEY))
    return reason


UNKNOWN_PARAMETER = re.compile(r'invalid URI query parameter: "([^"]*)"')


def _libpq_parameters() -> list[str]:
    """The connection parameters this libpq knows (connect_timeout, sslmode, options, ...)."""
    return [option.keyword.decode() for option in pq.Conninfo.get_defaults()]


def _userinfo(url: str) -> str:
    """`user:password` of a URL as written (before its host), '' without one."""
    rest = url.partition("://")[2]
    return rest.rpartition("@")[0] if "@" in rest else ""


def mask(url: str) -> str:
    """postgresql://user@host:port/db, without the password and other parameters."""
    url = libpq_url(url)
    try:
        parts = conninfo_to_dict(url)
    except Exception:  # shown as written, up to its parameters, with the user but not the password
        scheme, _, rest = url.partition("://")
        user = _userinfo(url).partition(":")[0]
        where = rest.rpartition("@")[2].split("?")[0]
        return f"{scheme}://{unquote(user) + '@' if user else ''}{where}"
    user = parts.get("user")
    host = parts.get("host", "")
    port = parts.get("port")
    where = f"{host}:{port}" if port else host
    return f"postgresql://{user + '@' if user else ''}{where}/{parts.get('dbname', '')}"


def identity(url: str) -> str:
    """Which store a URL names — where (host, port), which database, which schema (`options`
    sets the search_path) — as a short digest without credentials: a node's saved state is
    served only for the store it was saved from (lastknown.py)."""
    parts = {"port": "5432", **_parts(url)}  # the user is left out: rotating credentials keeps the store
    named = {key: str(parts.get(key, "")) for key in ("host", "hostaddr", "port", "dbname", "options", "service")}
    return hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()[:32]


def conninfo(url: str) -> str:
    """The libpq connection string for `url`, with DEFAULTS filled in."""
    parts = _parts(url)
    password = parts.get("password")
    if password:
        _secrets.add(password)
    extra = {k: v for k, v in DEFAULTS.items() if k not in parts}
    return make_conninfo(libpq_url(url), **extra)


def redact(text: object) -> str:
    """`text` with every known password (and password= settings) replaced by ***."""
    out = str(text)
    for secret in _secrets:
        if len(secret) >= 3:  # a one- or two-letter password would blank out ordinary words
            out = out.replace(secret, "***")
    return out


def one_line(exc: BaseException) -> str:
    """A driver error as one line without passwords (libpq's hints span lines), for /readyz."""
    text = " ".join(redact(exc).split()) or type(exc).__name__
    if text == "connection timeout expired":  # psycopg's words for connect_timeout: say what happened
        return "the database did not answer a new connection in time (connect_timeout): connection timeout expired"
    return text


# the pool's every failed reconnection (dozens over an outage, each a warning), its every
# broken connection given back (one per call that met the outage), and at a stop during the outage
# its workers still in a connection attempt (left to end by themselves: daemon threads): the store
# says once that it is unavailable and once that it answers again
POOL_RETRY_MESSAGES = ("error connecting in ", "reconnection attempt in pool ", "discarding closed connection",
                       "couldn't stop thread 'edge-store-")


class RedactingFilter(logging.Filter):
    """Installed on the driver's loggers: their messages may quote connection settings."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "psycopg.pool" and record.getMessage().startswith(POOL_RETRY_MESSAGES):
            # noise over an outage (above): kept for debug logging
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        if _secrets:
            message = redact(record.getMessage())
            record.msg, record.args = message, None
        return True


def install_log_filter() -> None:
    for name in ("psycopg", "psycopg.pool"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
