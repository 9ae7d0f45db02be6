"""The `[viewer]` section: where the edge learns facts about viewers for the CloudFront-*
headers it generates (docs/pipeline.md, "CloudFront headers")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


@dataclass(frozen=True)
class ViewerSettings:
    # A MaxMind-format database (GeoLite2/GeoIP2 Country or City) for CloudFront-Viewer-Country.
    country_database: Path | None = None
    # Or a header a load balancer in front sets with the viewer's ISO country code: trusted
    # only because the operator names it here (viewers' own values of it are replaced).
    country_header: str | None = None

    @classmethod
    def parse(cls, raw: Any, base_dir: Path) -> "ViewerSettings":
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ConfigError("[viewer] must be a table")
        unknown = set(raw) - {"country_database", "country_header"}
        if unknown:
            raise ConfigError(f"[viewer]: unknown key(s) {', '.join(sorted(unknown))}")
        database = raw.get("country_database")
        header = raw.get("country_header")
        if database is not None and header is not None:
            raise ConfigError("[viewer]: give country_database or country_header, not both")
        path = None
        if database is not None:
            if not isinstance(database, str) or not (base_dir / database).is_file():
                raise ConfigError(f"[viewer].country_database: {database!r} is not a file (a MaxMind .mmdb database)")
            path = (base_dir / database).resolve()
            _check_database(path)
        if header is not None and (not isinstance(header, str) or not _TOKEN.match(header)):
            raise ConfigError("[viewer].country_header must be a header name")
        return cls(path, header.lower() if header else None)


def _check_database(path: Path) -> None:
    """Refuse the manifest now, not in every worker later, when the file is not a database."""
    import maxminddb

    try:
        maxminddb.open_database(str(path)).close()
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise ConfigError(f"[viewer].country_database {path}: not a MaxMind database ({exc})") from None
