"""The CloudFront-* headers a behavior asked for (in its cache key or forward policy),
generated for one request after viewer-request, as CloudFront adds them."""

from __future__ import annotations

from ..config.viewer import ViewerSettings
from .device import DeviceClassifier
from .location import LOCATION_HEADERS, GeoDatabase

DEVICE_HEADERS = {
    "cloudfront-is-desktop-viewer": ("CloudFront-Is-Desktop-Viewer", "desktop"),
    "cloudfront-is-mobile-viewer": ("CloudFront-Is-Mobile-Viewer", "mobile"),
    "cloudfront-is-tablet-viewer": ("CloudFront-Is-Tablet-Viewer", "tablet"),
    "cloudfront-is-smarttv-viewer": ("CloudFront-Is-SmartTV-Viewer", "smarttv"),
    "cloudfront-is-android-viewer": ("CloudFront-Is-Android-Viewer", "android"),
    "cloudfront-is-ios-viewer": ("CloudFront-Is-IOS-Viewer", "ios"),
}
REQUEST_HEADERS = frozenset({"cloudfront-forwarded-proto", "cloudfront-viewer-address",
                             "cloudfront-viewer-http-version", "cloudfront-viewer-header-order",
                             "cloudfront-viewer-header-count"})
# Every header the edge generates; a behavior names them (config/policies.py).
GENERATED = (*LOCATION_HEADERS, *DEVICE_HEADERS, *sorted(REQUEST_HEADERS))
HEADER_ORDER_LIMIT = 7680  # characters of CloudFront-Viewer-Header-Order kept
HTTP_VERSIONS = {"1": "1.0", "2": "2.0", "3": "3.0"}  # ASGI's spelling (Granian's "1" is HTTP/1.0) -> CloudFront's


def is_cloudfront_header(lower_name: str) -> bool:
    return lower_name.startswith("cloudfront-")


class ViewerHeaders:
    def __init__(self, settings: ViewerSettings) -> None:
        self.settings = settings
        self.country_header = settings.country_header
        self.database = GeoDatabase(settings.country_database, "country_database") if settings.country_database else None
        self.asn_database = GeoDatabase(settings.asn_database, "asn_database") if settings.asn_database else None
        self.devices = DeviceClassifier()

    async def generate(
        self, wanted: frozenset[str], *, client_ip: str, client_port: int, scheme: str, country: str | None,
        user_agent: str, http_version: str = "1.1", raw_headers: list[tuple[bytes, bytes]] | None = None,
    ) -> list[tuple[str, str]]:
        """`(Name, value)` pairs for the wanted headers this edge knows; what it cannot tell
        (a country not in the database) is left out, as CloudFront does."""
        out: list[tuple[str, str]] = []
        if not wanted.isdisjoint(LOCATION_HEADERS):
            location = self._location(client_ip, country)
            for name, (key, field) in LOCATION_HEADERS.items():
                if name in wanted and field in location:
                    out.append((key, location[field]))
        if not wanted.isdisjoint(DEVICE_HEADERS):
            device = await self.devices.device(user_agent)
            for name, (key, attribute) in DEVICE_HEADERS.items():
                if name in wanted:
                    out.append((key, "true" if getattr(device, attribute) else "false"))
        if wanted.isdisjoint(REQUEST_HEADERS):
            return out
        if "cloudfront-forwarded-proto" in wanted:
            out.append(("CloudFront-Forwarded-Proto", scheme))
        if "cloudfront-viewer-address" in wanted:
            # as CloudFront writes it: address, colon, port (IPv6 too: split at the last colon)
            out.append(("CloudFront-Viewer-Address", f"{client_ip}:{client_port}"))
        if "cloudfront-viewer-http-version" in wanted:
            out.append(("CloudFront-Viewer-Http-Version", HTTP_VERSIONS.get(http_version, http_version)))
        if raw_headers is not None:
            if "cloudfront-viewer-header-order" in wanted:
                out.append(("CloudFront-Viewer-Header-Order", header_order(raw_headers)))
            if "cloudfront-viewer-header-count" in wanted:
                out.append(("CloudFront-Viewer-Header-Count", str(len(raw_headers))))
        return out

    def _location(self, client_ip: str, trusted: str | None) -> dict[str, str]:
        """The location fields known of the viewer (LOCATION_HEADERS): from the database, or
        just the country from the trusted load-balancer header; and the ASN database's."""
        location: dict[str, str] = {}
        if self.country_header is not None:
            code = (trusted or "").strip().upper()
            if len(code) == 2 and code.isalpha():
                location["country"] = code
        elif self.database is not None:
            location = self.database.lookup(client_ip)
        if self.asn_database is not None:
            asn = self.asn_database.lookup(client_ip).get("asn")
            if asn is not None:
                location = {**location, "asn": asn}
        return location

    def close(self) -> None:
        for database in (self.database, self.asn_database):
            if database is not None:
                database.close()


def header_order(raw_headers: list[tuple[bytes, bytes]]) -> str:
    """The viewer's header names in the order they came, joined by colons, as CloudFront's
    `Host:User-Agent:Accept`. The servers hand names over lowercased, so each name takes the
    canonical form (`user-agent` -> `User-Agent`), as header keys do; cut at 7,680 characters."""
    names = ":".join("-".join(part.capitalize() for part in name.decode("latin-1").split("-")) for name, _ in raw_headers)
    return names[:HEADER_ORDER_LIMIT]
