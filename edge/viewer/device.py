"""CloudFront-Is-*-Viewer from the User-Agent, classified by the Matomo device detector
(`device_detector`, kept current with new devices). Parsing a new User-Agent costs a few
milliseconds, so results are cached and misses are parsed on a worker thread: a flood of
unique User-Agents never blocks the event loop that serves other requests."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from dataclasses import dataclass

MAX_USER_AGENT = 512  # longer values are classified by their first 512 characters
CACHE_SIZE = 8192

MOBILE = frozenset({"smartphone", "feature phone", "phablet", "wearable", "portable media player"})


@dataclass(frozen=True)
class Device:
    desktop: bool
    mobile: bool
    tablet: bool
    smarttv: bool
    android: bool = False  # its operating system is Android (phones, tablets, TVs alike)
    ios: bool = False  # ... or Apple's for phones and tablets (iOS, iPadOS)


DESKTOP = Device(True, False, False, False)
APPLE_MOBILE = frozenset({"ios", "ipados"})


def classify(user_agent: str) -> Device:
    """Blocking: parse one User-Agent. Desktop unless the detector finds a phone, a tablet or a TV."""
    from device_detector import DeviceDetector

    if not user_agent:
        return DESKTOP
    parsed = DeviceDetector(user_agent, skip_bot_detection=True).parse()
    kind = str(parsed.device_type() or "").lower()
    system = str(parsed.os_name() or "").lower()
    android, ios = system == "android", system in APPLE_MOBILE
    if kind == "tablet":
        return Device(False, False, True, False, android, ios)
    if kind in ("tv", "smart display"):
        return Device(False, False, False, True, android, ios)
    if kind in MOBILE:
        return Device(False, True, False, False, android, ios)
    return Device(True, False, False, False, android, ios) if android or ios else DESKTOP


class DeviceClassifier:
    def __init__(self) -> None:
        self._cache: OrderedDict[str, Device] = OrderedDict()
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Load the detector's rules (about 2 s) before the first request needs them."""
        classify("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)")

    async def device(self, user_agent: str) -> Device:
        user_agent = user_agent[:MAX_USER_AGENT]
        with self._lock:
            found = self._cache.get(user_agent)
            if found is not None:
                self._cache.move_to_end(user_agent)
                return found
        device = await asyncio.to_thread(classify, user_agent)
        with self._lock:
            self._cache[user_agent] = device
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return device
