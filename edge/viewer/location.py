"""Where a viewer is, from MaxMind-format databases (GeoLite2 / GeoIP2 Country, City or ASN,
read by MaxMind's own `maxminddb` reader), looked up by the viewer's address.

A Country database gives `CloudFront-Viewer-Country` and `-Country-Name`; a City database also
the region, city, postal code, time zone, coordinates and (in the US) metro code; an ASN
database (or a database whose records carry `autonomous_system_number`) the viewer's network.
What a database does not know is left out, as CloudFront leaves out what it cannot tell.
"""

from __future__ import annotations

import functools
import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..config.errors import ConfigError

# CloudFront's location headers, lowercase -> (the header's name, the Location field)
LOCATION_HEADERS = {
    "cloudfront-viewer-country": ("CloudFront-Viewer-Country", "country"),
    "cloudfront-viewer-country-name": ("CloudFront-Viewer-Country-Name", "country_name"),
    "cloudfront-viewer-country-region": ("CloudFront-Viewer-Country-Region", "region"),
    "cloudfront-viewer-country-region-name": ("CloudFront-Viewer-Country-Region-Name", "region_name"),
    "cloudfront-viewer-city": ("CloudFront-Viewer-City", "city"),
    "cloudfront-viewer-postal-code": ("CloudFront-Viewer-Postal-Code", "postal_code"),
    "cloudfront-viewer-time-zone": ("CloudFront-Viewer-Time-Zone", "time_zone"),
    "cloudfront-viewer-latitude": ("CloudFront-Viewer-Latitude", "latitude"),
    "cloudfront-viewer-longitude": ("CloudFront-Viewer-Longitude", "longitude"),
    "cloudfront-viewer-metro-code": ("CloudFront-Viewer-Metro-Code", "metro_code"),
    "cloudfront-viewer-asn": ("CloudFront-Viewer-ASN", "asn"),
}


class GeoDatabase:
    """One MaxMind database; lookups are cached (viewers come back)."""

    def __init__(self, path: Path, setting: str) -> None:
        import maxminddb

        try:
            self._reader = maxminddb.open_database(str(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
            raise ConfigError(f"[viewer].{setting} {path}: not a MaxMind database ({exc})") from None
        self.lookup = functools.lru_cache(maxsize=65536)(self._lookup)

    def _lookup(self, address: str) -> dict[str, str]:
        """The location fields (header values) this database knows of an address; {} for none."""
        try:
            ipaddress.ip_address(address)
            record = self._reader.get(address)
        except ValueError:
            return {}
        return location_fields(record) if isinstance(record, dict) else {}

    def close(self) -> None:
        self._reader.close()


def location_fields(record: dict[str, Any]) -> dict[str, str]:
    """A MaxMind record as header values, by Location field name (see LOCATION_HEADERS)."""
    out: dict[str, str] = {}
    for key in ("country", "registered_country"):
        entry = record.get(key)
        if isinstance(entry, dict) and isinstance(entry.get("iso_code"), str):
            out["country"] = entry["iso_code"].upper()
            _put(out, "country_name", _english(entry))
            break
    subdivisions = record.get("subdivisions")
    if isinstance(subdivisions, list) and subdivisions and isinstance(subdivisions[0], dict):
        region = subdivisions[0]
        _put(out, "region", region.get("iso_code"))
        _put(out, "region_name", _english(region))
    _put(out, "city", _english(record.get("city")))
    postal = record.get("postal")
    if isinstance(postal, dict):
        _put(out, "postal_code", postal.get("code"))
    location = record.get("location")
    if isinstance(location, dict):
        _put(out, "time_zone", location.get("time_zone"))
        for name in ("latitude", "longitude"):
            value = location.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out[name] = f"{value:.5f}"
        metro = location.get("metro_code")
        if isinstance(metro, int) and not isinstance(metro, bool):
            out["metro_code"] = str(metro)
    asn = record.get("autonomous_system_number")
    if isinstance(asn, int) and not isinstance(asn, bool):
        out["asn"] = str(asn)
    return out


def _english(entry: object) -> object:
    names = entry.get("names") if isinstance(entry, dict) else None
    return names.get("en") if isinstance(names, dict) else None


def _put(out: dict[str, str], field: str, value: object) -> None:
    """A text value as a header may carry it: characters outside printable ASCII (a city named
    `Kraków`) percent-encoded as UTF-8, so every origin and function reads the same bytes."""
    if isinstance(value, str) and value.strip():
        out[field] = quote(value.strip(), safe=" !#$&'()*+,-./:;=?@[]^_`{|}~")
