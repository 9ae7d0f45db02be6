"""Facts about the viewer, as the CloudFront-* headers the edge generates after viewer-request:

    country.py   CloudFront-Viewer-Country: a MaxMind database, or a trusted load-balancer header
    device.py    CloudFront-Is-{Desktop,Mobile,Tablet,SmartTV}-Viewer: from the User-Agent
    headers.py   the door: which headers a behavior asked for, generated for one request

Viewers' own `CloudFront-*` headers never get this far: the front door drops them, so no
viewer can claim a country or a device.
"""

from .headers import ViewerHeaders, is_cloudfront_header

__all__ = ["ViewerHeaders", "is_cloudfront_header"]
