"""AWS's Lambda@Edge examples that need the SDKs' object, header-copy and text-body calls, as
events and what AWS's JavaScript returns for them. The C ports are tests/functions/<name>/main.c
(whole functions the server tests can deploy), the Zig ports tests/functions/<name>/zig/main.zig;
test_sdk_c.py and test_sdk_zig.py run both through the runtime against these cases.
"""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from .test_samples import BODY, ORIGIN_RESPONSE, header, make_event, origin_request, viewer_request

FUNCTIONS = Path(__file__).parent / "functions"
NAMES = ("override-response-header", "modify-form-body", "s3-origin-by-query", "s3-region-by-country",
         "s3-traffic-shift")

S3_DEFAULT = {"s3": {"authMethod": "none", "customHeaders": {}, "domainName": "my-bucket.s3.amazonaws.com",
                     "path": "", "region": "us-east-1"}}
BLUE = "blue-bucket.s3.amazonaws.com"


@dataclass
class Case:
    function: str
    name: str
    event: dict
    result: dict | None  # what the function returns (None: it fails)
    logs: list[str] = field(default_factory=list)
    error: str = ""  # the failure's last ERROR line, when result is None

    @property
    def id(self) -> str:
        return f"{self.function}:{self.name}"


def _request(ev: dict) -> dict:
    return ev["Records"][0]["cf"]["request"]


def _response(ev: dict) -> dict:
    return ev["Records"][0]["cf"]["response"]


# ---- Node's querystring, as the examples use it --------------------------------------------------------------


def node_parse(text: str) -> dict[str, list[str]]:
    """querystring.parse: '&'-separated pairs, '+' is a space, repeated names collect values."""
    from urllib.parse import unquote_plus

    params: dict[str, list[str]] = {}
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        params.setdefault(unquote_plus(name), []).append(unquote_plus(value))
    return params


def node_stringify(params: dict[str, list[str]]) -> str:
    """querystring.stringify: all but A-Z a-z 0-9 - _ . ! ~ * ' ( ) percent-encoded."""
    return "&".join(f"{quote(k, safe='!~*()' + chr(39))}={quote(v, safe='!~*()' + chr(39))}"
                    for k, values in params.items() for v in values)


# ---- the cases ---------------------------------------------------------------------------------------------------


def _override_header() -> list[Case]:
    cases = []
    response = copy.deepcopy(ORIGIN_RESPONSE)
    response["headers"].update(header("X-Amz-Meta-Last-Modified", "Thu, 01 Jan 2015 00:00:00 GMT"))
    response["headers"].update(header("Last-Modified", "Mon, 13 Jan 2020 20:12:38 GMT"))
    ev = make_event("origin-response", origin_request(), response)
    expected = copy.deepcopy(response)  # headers['last-modified'] = [headers['x-amz-meta-last-modified'][0]]
    expected["headers"]["last-modified"] = [expected["headers"]["x-amz-meta-last-modified"][0]]
    cases.append(Case("override-response-header", "replaces-last-modified", ev, expected,
                      ['Response header "Last-Modified" was set to "Thu, 01 Jan 2015 00:00:00 GMT"']))

    response = copy.deepcopy(ORIGIN_RESPONSE)
    response["headers"].update(header("x-amz-meta-last-modified", "Fri, 02 Jan 2015 00:00:00 GMT"))
    ev = make_event("origin-response", origin_request(), response)
    expected = copy.deepcopy(response)
    expected["headers"]["last-modified"] = [{"key": "x-amz-meta-last-modified", "value": "Fri, 02 Jan 2015 00:00:00 GMT"}]
    cases.append(Case("override-response-header", "adds-last-modified", ev, expected,
                      ['Response header "Last-Modified" was set to "Fri, 02 Jan 2015 00:00:00 GMT"']))

    ev = make_event("origin-response", origin_request(), copy.deepcopy(ORIGIN_RESPONSE))
    cases.append(Case("override-response-header", "no-metadata", ev, copy.deepcopy(ORIGIN_RESPONSE)))
    return cases


def _form_body() -> list[Case]:
    cases = []
    forms = {
        "simple": b"name=Jane+Doe&comment=Hello%2C+world%21",
        "repeated-and-odd": b"a=1&b=x&a=2&&flag&=v&sym=%7E*()!'.%2D_&u=%E2%82%AC&pct=%zz",
        "replaces-existing": b"new-param-name=old&x=1&new-param-name=older",
        "empty": b"",
    }
    for name, data in forms.items():
        body = dict(BODY, data=base64.b64encode(data).decode())
        request = viewer_request(uri="/form", method="POST", body=body)
        expected = copy.deepcopy(request)
        params = node_parse(data.decode())
        params["new-param-name"] = ["new-param-value"]
        expected["body"].update(action="replace", encoding="text", data=node_stringify(params))
        cases.append(Case("modify-form-body", name, make_event("viewer-request", request), expected))

    request = viewer_request(uri="/form", method="GET", body=dict(BODY))
    cases.append(Case("modify-form-body", "get-passes-through", make_event("viewer-request", request),
                      copy.deepcopy(request)))
    request = viewer_request(uri="/form", method="POST")
    cases.append(Case("modify-form-body", "post-without-include-body", make_event("viewer-request", request), None,
                      error="POST without a body: enable include-body on this association"))
    return cases


def _s3_by_query() -> list[Case]:
    cases = []
    s3 = "my-bucket.s3.amazonaws.com"
    for name, qs in (("use-s3", "useS3Origin=true"), ("use-s3-among-others", "a=1&useS3Origin=true&b=2")):
        request = origin_request(uri="/img.png", querystring=qs)
        expected = copy.deepcopy(request)
        expected["origin"] = {"s3": {"domainName": s3, "region": "", "authMethod": "none", "path": "",
                                     "customHeaders": {}}}
        expected["headers"]["host"] = [{"key": "host", "value": s3}]
        cases.append(Case("s3-origin-by-query", name, make_event("origin-request", request), expected))
    for name, qs in (("absent", ""), ("false", "useS3Origin=false"), ("twice", "useS3Origin=true&useS3Origin=true"),
                     ("other-name", "useS3=true")):
        request = origin_request(uri="/img.png", querystring=qs)
        cases.append(Case("s3-origin-by-query", name, make_event("origin-request", request), copy.deepcopy(request)))
    return cases


def _s3_by_country() -> list[Case]:
    cases = []
    for country, region in (("DE", "eu-central-1"), ("IE", "eu-west-1"), ("GB", "eu-west-2"), ("FR", "eu-west-3"),
                            ("JP", "ap-northeast-1"), ("IN", "ap-south-1")):
        request = origin_request(headers=header("CloudFront-Viewer-Country", country), origin=copy.deepcopy(S3_DEFAULT))
        expected = copy.deepcopy(request)
        domain = f"my-bucket-in-{region}.s3.amazonaws.com"
        expected["origin"]["s3"].update(region=region, domainName=domain)
        expected["headers"]["host"] = [{"key": "host", "value": domain}]
        cases.append(Case("s3-region-by-country", country, make_event("origin-request", request), expected))
    for name, headers in (("US", header("CloudFront-Viewer-Country", "US")), ("no-header", {})):
        request = origin_request(headers=headers, origin=copy.deepcopy(S3_DEFAULT))
        cases.append(Case("s3-region-by-country", name, make_event("origin-request", request), copy.deepcopy(request)))
    request = origin_request(uri="/x", headers=header("CloudFront-Viewer-Country", "DE"))  # a custom origin
    cases.append(Case("s3-region-by-country", "custom-origin-fails", make_event("origin-request", request), None,
                      error="the origin of /x is not an S3 origin"))
    return cases


CASES: list[Case] = _override_header() + _form_body() + _s3_by_query() + _s3_by_country()


def traffic_shift_event() -> dict:
    return make_event("origin-request", origin_request(uri="/app.js", origin=copy.deepcopy(S3_DEFAULT)))


def traffic_shift_outcomes(event: dict) -> tuple[dict, dict]:
    """The two results AWS's example can return: (to blue-bucket, unchanged)."""
    request = _request(event)
    blue = copy.deepcopy(request)
    blue["origin"]["s3"]["domainName"] = BLUE
    blue["headers"]["host"] = [{"key": "host", "value": BLUE}]
    return blue, copy.deepcopy(request)
