"""How the edge connects to an origin: connection attempts and timeouts, in CloudFront's ranges.

CloudFront tries to connect to an origin up to ConnectionAttempts times (1-3, default 3),
each within ConnectionTimeout (1-10 s), then waits up to the response timeout (1-60 s, up to
180 s on request) for the answer. An origin's settings here keep those ranges, so a viewer
waits at most 3 x 10 s for a connection. Earlier releases accepted wider timeouts (0.1-60 s
to connect, from 0.1 s to read): a stored document keeps them, served as stored with a
warning (values.py, `LegacyRead`); new writes follow today's ranges. What counts as an
attempt is the upstream's business (edge/upstream/attempts.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ConfigError
from .values import LegacyRead

CONNECTION_ATTEMPTS = (1, 3)
DEFAULT_CONNECTION_ATTEMPTS = 3
DEFAULT_CONNECT_TIMEOUT = 5.0  # CloudFront's is 10 s: the wait on an origin that drops packets stays 15 s
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_KEEPALIVE_TIMEOUT = 5.0


@dataclass(frozen=True)
class Seconds:
    """A timeout setting: CloudFront's range (`low`-`high`), and the wider one earlier releases
    accepted (`then_low`-`then_high`), which a stored document keeps."""

    key: str
    default: float
    low: float
    high: float
    then_low: float
    then_high: float
    cloudfront: str  # CloudFront's name for it and its range, for the refusal


CONNECT_TIMEOUT = Seconds("connect_timeout", DEFAULT_CONNECT_TIMEOUT, 1, 10, 0.1, 60,
                          "CloudFront's connection timeout, 1-10 s")
READ_TIMEOUT = Seconds("read_timeout", DEFAULT_READ_TIMEOUT, 1, 180, 0.1, 180,
                       "CloudFront's response timeout, 1-60 s and up to 180 s on request")
KEEPALIVE_TIMEOUT = Seconds("keepalive_timeout", DEFAULT_KEEPALIVE_TIMEOUT, 1, 60, 1, 60,
                            "CloudFront's keep-alive timeout, 1-60 s")


def connecting(raw: dict, where: str, legacy: LegacyRead | None) -> dict[str, Any]:
    """`connect_timeout` (each attempt's) and `connection_attempts`, as OriginSpec's fields."""
    attempts = raw.get("connection_attempts", DEFAULT_CONNECTION_ATTEMPTS)
    low, high = CONNECTION_ATTEMPTS
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not low <= attempts <= high:
        raise ConfigError(
            f"{where}: connection_attempts must be 1, 2 or 3 (how many times the edge tries to connect to the "
            f"origin before it answers 502 or 504, as CloudFront's connection attempts), got {attempts!r}"
        )
    return {"connect_timeout": seconds(raw, CONNECT_TIMEOUT, where, legacy), "connection_attempts": attempts}


def seconds(raw: dict, setting: Seconds, where: str, legacy: LegacyRead | None) -> float:
    """A timeout in CloudFront's range, or, read from a stored document, one earlier releases
    accepted (recorded in `legacy`); anything else is a ConfigError naming key and range."""
    value = raw.get(setting.key, setting.default)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and setting.low <= value <= setting.high:
        return float(value)
    refusal = (f"{where}: {setting.key} must be a number of seconds from {setting.low:g} to {setting.high:g} "
               f"({setting.cloudfront}), got {value!r}")
    accepted_then = isinstance(value, (int, float)) and setting.then_low <= value <= setting.then_high
    if legacy is None or not accepted_then:
        raise ConfigError(refusal)
    legacy.add(where, setting.key, value, float(value), refusal)
    return float(value)
