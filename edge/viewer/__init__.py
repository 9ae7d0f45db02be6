"""Facts about the viewer, as the CloudFront-* headers the edge generates after viewer-request:

    location.py  CloudFront-Viewer-Country, -City, -Time-Zone, -ASN, ...: MaxMind databases
                 (or the country from a trusted load-balancer header)
    device.py    CloudFront-Is-{Desktop,Mobile,Tablet,SmartTV,Android,IOS}-Viewer: from the User-Agent
    headers.py   the door: which headers a behavior asked for, generated for one request (also
                 the protocol, address, HTTP version and header order/count of the request)

Viewers' own `CloudFront-*` headers never get this far: the front door drops them, so no
viewer can claim a country or a device.
"""

from .headers import ViewerHeaders, is_cloudfront_header

__all__ = ["ViewerHeaders", "is_cloudfront_header"]
