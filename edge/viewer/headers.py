"""The CloudFront-* headers a behavior asked for (in its cache key or forward policy),
generated for one request after viewer-request, as CloudFront adds them."""

from __future__ import annotations

from ..config.viewer import ViewerSettings
from .country import CountryDatabase
from .device import DeviceClassifier

DEVICE_HEADERS = {
    "cloudfront-is-desktop-viewer": ("CloudFront-Is-Desktop-Viewer", "desktop"),
    "cloudfront-is-mobile-viewer": ("CloudFront-Is-Mobile-Viewer", "mobile"),
    "cloudfront-is-tablet-viewer": ("CloudFront-Is-Tablet-Viewer", "tablet"),
    "cloudfront-is-smarttv-viewer": ("CloudFront-Is-SmartTV-Viewer", "smarttv"),
}


def is_cloudfront_header(lower_name: str) -> bool:
    return lower_name.startswith("cloudfront-")


class ViewerHeaders:
    def __init__(self, settings: ViewerSettings) -> None:
        self.settings = settings
        self.country_header = settings.country_header
        self.database = CountryDatabase(settings.country_database) if settings.country_database else None
        self.devices = DeviceClassifier()

    async def generate(
        self, wanted: frozenset[str], *, client_ip: str, client_port: int, scheme: str, country: str | None,
        user_agent: str,
    ) -> list[tuple[str, str]]:
        """`(Name, value)` pairs for the wanted headers this edge knows; a country it cannot
        tell is left out, as CloudFront does."""
        out: list[tuple[str, str]] = []
        if "cloudfront-viewer-country" in wanted:
            code = self._country(client_ip, country)
            if code:
                out.append(("CloudFront-Viewer-Country", code))
        if wanted.intersection(DEVICE_HEADERS):
            device = await self.devices.device(user_agent)
            for name, (key, attribute) in DEVICE_HEADERS.items():
                if name in wanted:
                    out.append((key, "true" if getattr(device, attribute) else "false"))
        if "cloudfront-forwarded-proto" in wanted:
            out.append(("CloudFront-Forwarded-Proto", scheme))
        if "cloudfront-viewer-address" in wanted:
            # as CloudFront writes it: address, colon, port (IPv6 too: split at the last colon)
            out.append(("CloudFront-Viewer-Address", f"{client_ip}:{client_port}"))
        return out

    def _country(self, client_ip: str, trusted: str | None) -> str | None:
        if self.country_header is not None:
            code = (trusted or "").strip().upper()
            return code if len(code) == 2 and code.isalpha() else None
        if self.database is not None:
            return self.database.lookup(client_ip)
        return None

    def close(self) -> None:
        if self.database is not None:
            self.database.close()
