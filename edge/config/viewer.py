"""The `[viewer]` section: where the edge learns facts about viewers for the CloudFront-*
headers it generates (docs/pipeline.md, "CloudFront headers")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, check_keys

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


@dataclass(frozen=True)
class ViewerSettings:
    # A MaxMind-format database (GeoLite2/GeoIP2 Country or City) for CloudFront-Viewer-Country
    # and, from a City database, the other location headers (city, region, time zone, ...).
    country_database: Path | None = None
    # Or a header a load balancer in front sets with the viewer's ISO country code: trusted
    # only because the operator names it here (viewers' own values of it are replaced).
    country_header: str | None = None
    # A MaxMind-format ASN database (GeoLite2-ASN) for CloudFront-Viewer-ASN.
    asn_database: Path | None = None

    @classmethod
    def parse(cls, raw: Any, base_dir: Path) -> "ViewerSettings":
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ConfigError("[viewer] must be a table")
        check_keys(raw, ("country_database", "country_header", "asn_database"), "[viewer]")
        header = raw.get("country_header")
        if raw.get("country_database") is not None and header is not None:
            raise ConfigError("[viewer]: give country_database or country_header, not both")
        if header is not None and (not isinstance(header, str) or not _TOKEN.match(header)):
            raise ConfigError("[viewer].country_header must be a header name")
        return cls(_database(raw, "country_database", base_dir), header.lower() if header else None,
                   _database(raw, "asn_database", base_dir))


def _database(raw: dict[str, Any], setting: str, base_dir: Path) -> Path | None:
    """The setting's database file; the manifest is refused now, not in every worker later,
    when it is not a MaxMind database."""
    import maxminddb

    database = raw.get(setting)
    if database is None:
        return None
    if not isinstance(database, str) or not (base_dir / database).is_file():
        raise ConfigError(f"[viewer].{setting}: {database!r} is not a file (a MaxMind .mmdb database)")
    path = (base_dir / database).resolve()
    try:
        maxminddb.open_database(str(path)).close()
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise ConfigError(f"[viewer].{setting} {path}: not a MaxMind database ({exc})") from None
    return path
