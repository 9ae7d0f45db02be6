"""CloudFront-Viewer-Country from a MaxMind-format database (GeoLite2 / GeoIP2 Country or
City, read by MaxMind's own `maxminddb` reader), looked up by the viewer's address."""

from __future__ import annotations

import functools
import ipaddress
from pathlib import Path

from ..config.errors import ConfigError


class CountryDatabase:
    def __init__(self, path: Path) -> None:
        import maxminddb

        try:
            self._reader = maxminddb.open_database(str(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
            raise ConfigError(f"[viewer].country_database {path}: not a MaxMind database ({exc})") from None
        self.lookup = functools.lru_cache(maxsize=65536)(self._lookup)

    def _lookup(self, address: str) -> str | None:
        """The ISO 3166 country code of an address, or None when the database does not know it."""
        try:
            ipaddress.ip_address(address)
            record = self._reader.get(address)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        for key in ("country", "registered_country"):
            entry = record.get(key)
            if isinstance(entry, dict) and isinstance(entry.get("iso_code"), str):
                return entry["iso_code"].upper()
        return None

    def close(self) -> None:
        self._reader.close()
