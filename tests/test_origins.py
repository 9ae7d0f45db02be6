"""Origins as requests reach them: two HTTP origins on one host, `allow_hosts` with ports and
never the server's own listeners, and S3 origins (a real SigV4-verifying S3-style endpoint and
a directory) that functions see and switch to as AWS's `origin.s3`."""

from __future__ import annotations

import json
import socket

import pytest

from . import modules as M
from .conftest import Origin, ServerThread, free_port
from .s3_endpoint import S3Endpoint
from .test_pipeline import SITE, events_seen, origin_result

BUCKET = "media.s3.eu-central-1.amazonaws.com"


def custom(domain: str, port: int, protocol: str = "http") -> dict:
    return {"custom": {"customHeaders": {}, "domainName": domain, "keepaliveTimeout": 5, "path": "", "port": port,
                       "protocol": protocol, "readTimeout": 30, "sslProtocols": ["TLSv1.2"]}}


def s3(domain: str, region: str = "", auth: str = "none", path: str = "") -> dict:
    return {"s3": {"authMethod": auth, "customHeaders": {}, "domainName": domain, "path": path, "region": region}}


@pytest.fixture
def second_origin():
    other = Origin()
    other.server.start()
    yield other
    other.server.stop()


def test_two_http_origins_on_one_host(edge_factory, fresh_origin, second_origin):
    edge = edge_factory(f"""
[origins.one]
url = "{fresh_origin.server.url}"

[origins.two]
url = "{second_origin.server.url}"

[functions.oreq]
source = "oreq.wat"

[[behaviors]]
path = "/one/*"
origin = "one"
origin_request = "oreq"

[[behaviors]]
path = "*"
origin = "two"
origin_request = "oreq"
""", {"oreq.wat": M.PASS_REQUEST})
    assert edge.get("/one/a").text == "origin /one/a #1"  # untouched origins are never looked up again
    assert edge.get("/b").text == "origin /b #1"
    assert fresh_origin.hits["/one/a"] == 1 and second_origin.hits["/b"] == 1


def switching(edge_factory, fresh_origin, target: dict, allow: str, **options):  # type: ignore[no-untyped-def]
    host = fresh_origin.server.url.removeprefix("http://")
    return edge_factory(f"""
[origins.api]
url = "{fresh_origin.server.url}"
allow_hosts = {allow}

[functions.switch]
source = "switch.wat"

[[behaviors]]
path = "*"
origin = "api"
origin_request = "switch"
""", {"switch.wat": origin_result(host, origin=target)}, **options)


def test_allow_hosts_permits_only_the_listed_port(edge_factory, fresh_origin, second_origin):
    port = second_origin.server.port
    only_default = switching(edge_factory, fresh_origin, custom("localhost", port), '["localhost"]')
    r = only_default.get("/x")
    assert r.status_code == 502 and "origin-not-allowed" in r.text and second_origin.hits == {}
    with_port = switching(edge_factory, fresh_origin, custom("localhost", port), f'["localhost:{port}"]')
    assert with_port.get("/x").text == "origin / #1"  # (the function sends uri /)


def test_allow_hosts_never_reach_the_servers_own_listeners(edge_factory, fresh_origin):
    async def admin_like(scope, receive, send):  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ADMIN"})

    admin = ServerThread(admin_like).start()
    try:
        allow = f'["localhost:{admin.port}"]'
        edge = switching(edge_factory, fresh_origin, custom("localhost", admin.port), allow,
                         admin_host="127.0.0.1", admin_port=admin.port)
        r = edge.get("/x")
        assert r.status_code == 502 and "ADMIN" not in r.text
        # by a name that resolves to this machine: refused when connecting (the address is pinned)
        name = socket.gethostname().lower()
        try:
            socket.getaddrinfo(name, admin.port)
        except OSError:
            pytest.skip("this machine's host name does not resolve")
        edge = switching(edge_factory, fresh_origin, custom(name, admin.port), f'["{name}:{admin.port}"]',
                         listeners=(("0.0.0.0", admin.port),))
        r = edge.get("/y")
        assert r.status_code == 502 and "ADMIN" not in r.text
    finally:
        admin.stop()


def test_the_unspecified_address_does_not_reach_the_servers_own_listeners(edge_factory, fresh_origin):
    """A connection to 0.0.0.0 reaches this machine (Linux connects it to the loopback): an
    allowed 0.0.0.0 is refused for a listener on 127.0.0.1, as 127.0.0.1 itself is."""
    async def admin_like(scope, receive, send):  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ADMIN"})

    admin = ServerThread(admin_like).start()
    try:
        edge = switching(edge_factory, fresh_origin, custom("0.0.0.0", admin.port), f'["0.0.0.0:{admin.port}"]',
                         admin_host="127.0.0.1", admin_port=admin.port)
        r = edge.get("/x")
        assert r.status_code == 502 and "ADMIN" not in r.text
    finally:
        admin.stop()


@pytest.mark.parametrize("listener", ["127.0.0.1", "0.0.0.0", "::", "::1"])
def test_every_spelling_of_this_machine_is_an_own_listener(listener):
    """What a name an origin-request function may reach resolves to (the address is pinned and
    checked, origins._pinned): an IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, which Linux
    connects to 127.0.0.1) and the unspecified addresses reach the listener as its own address
    does; another port, or another machine's address, does not."""
    from edge.upstream.origins import Origins

    origins = Origins({}, None, own_listeners=((listener, 9000),))  # type: ignore[arg-type]
    for address in ("127.0.0.1", "::ffff:127.0.0.1", "[::ffff:127.0.0.1]", "0.0.0.0", "::", "::1", "127.8.9.10",
                    "::ffff:127.8.9.10"):
        assert origins._is_own(address, 9000), (listener, address)
        assert not origins._is_own(address, 9001), (listener, address)
    for elsewhere in ("192.0.2.1", "::ffff:192.0.2.1", "2001:db8::1"):
        assert not origins._is_own(elsewhere, 9000), (listener, elsewhere)


@pytest.fixture
def endpoint(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    server = S3Endpoint({"media/img/a.txt": b"from s3", "media/prefix/img/a.txt": b"prefixed"},
                        access_key="AKIDEXAMPLE", secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        region="eu-central-1")
    server.server.start()
    yield server
    server.server.stop()


def s3_manifest(endpoint_url: str, extra_behaviors: str = "", functions: dict[str, str] | None = None) -> str:
    tables = "".join(f'\n[functions.{name}]\nsource = "{name}.wat"\n' for name in functions or {})
    return f"""
[origins.media]
type = "s3"
domain_name = "{BUCKET}"
endpoint = "{endpoint_url}"
sign = true

[origins.local]
type = "s3"
domain_name = "local-bucket.s3.us-west-2.amazonaws.com"
root = "{SITE}"
{tables}
{extra_behaviors}
[[behaviors]]
path = "/img/*"
origin = "media"
origin_request = "oreq"

[[behaviors]]
path = "*"
origin = "local"
"""


def test_s3_origin_signs_requests_and_shows_origin_s3(edge_factory, fresh_origin, endpoint):
    edge = edge_factory(s3_manifest(endpoint.url, functions={"oreq": ""}), {"oreq.wat": M.PASS_REQUEST})
    r = edge.get("/img/a.txt")
    assert r.status_code == 200 and r.text == "from s3", r.text
    sent = endpoint.requests[-1]
    assert sent["path"] == "/media/img/a.txt" and sent["headers"]["host"] == endpoint.url.removeprefix("http://")
    request = events_seen(edge, "oreq")[0]["Records"][0]["cf"]["request"]
    assert request["origin"] == s3(BUCKET, "eu-central-1", "origin-access-identity")
    assert request["headers"]["host"][0]["value"] == BUCKET  # functions see the bucket's name
    assert edge.get("/img/missing.txt").status_code == 404
    assert edge.get("/robots.txt").text == "User-agent: *\n"  # the directory-served bucket


def test_wrong_credentials_are_the_origins_answer(edge_factory, fresh_origin, endpoint, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    edge = edge_factory(s3_manifest(endpoint.url, functions={"oreq": ""}), {"oreq.wat": M.PASS_REQUEST})
    r = edge.get("/img/a.txt")
    assert r.status_code == 403 and "SignatureDoesNotMatch" in r.text


def test_signing_needs_credentials(edge_factory, fresh_origin, endpoint, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(RuntimeError, match="AWS_ACCESS_KEY_ID"):
        edge_factory(s3_manifest(endpoint.url, functions={"oreq": ""}), {"oreq.wat": M.PASS_REQUEST})


def test_functions_switch_between_custom_and_s3_origins(edge_factory, fresh_origin, endpoint):
    host = fresh_origin.server.url.removeprefix("http://")
    to_s3 = origin_result(host, uri="/img/a.txt", origin=s3(BUCKET, "eu-central-1", path="/prefix"))
    to_undeclared = origin_result(host, origin=s3("other.s3.eu-central-1.amazonaws.com", "eu-central-1"))
    wrong_region = origin_result(host, origin=s3(BUCKET, "us-east-1"))
    to_custom = origin_result(BUCKET, uri="/x", origin=custom("127.0.0.1", fresh_origin.server.port))
    behaviors = f"""
[origins.api]
url = "{fresh_origin.server.url}"

[[behaviors]]
path = "/to-s3"
origin = "api"
origin_request = "tos3"

[[behaviors]]
path = "/undeclared"
origin = "api"
origin_request = "undeclared"

[[behaviors]]
path = "/wrong-region"
origin = "api"
origin_request = "wrong"

[[behaviors]]
path = "/to-custom"
origin = "media"
origin_request = "tocustom"
"""
    functions = {"oreq": M.PASS_REQUEST, "tos3": to_s3, "undeclared": to_undeclared, "wrong": wrong_region,
                 "tocustom": to_custom}
    edge = edge_factory(s3_manifest(endpoint.url, behaviors, functions),
                        {f"{name}.wat": source for name, source in functions.items()})
    r = edge.get("/to-s3")
    assert r.status_code == 200 and r.text == "prefixed", r.text  # origin path /prefix inside the bucket
    for path in ("/undeclared", "/wrong-region"):
        r = edge.get(path)
        assert r.status_code == 502 and "origin-not-allowed" in r.text, path
    assert edge.get("/to-custom").text == "origin /x #1"
    assert json.loads(json.dumps(endpoint.requests[0]))["path"] == "/media/prefix/img/a.txt"


def test_s3_origin_settings_are_checked(edge_factory, fresh_origin):
    cases = [
        ('type = "s3"\ndomain_name = "bkt.s3.amazonaws.com"\n', "exactly one"),
        ('type = "s3"\ndomain_name = "BKT.S3.amazonaws.com"\nroot = "."\n', "lowercase"),
        ('type = "s3"\ndomain_name = "bkt.s3.amazonaws.com"\nroot = "."\nsign = true\n', "needs an endpoint"),
        ('type = "s3"\ndomain_name = "bkt.s3.amazonaws.com"\nendpoint = "ftp://x"\n', "endpoint must be"),
        ('url = "http://127.0.0.1:1"\nallow_hosts = ["a:b"]\n', "invalid port"),
    ]
    for table, message in cases:
        with pytest.raises(RuntimeError, match=message):
            edge_factory(f'[origins.o]\n{table}\n[[behaviors]]\npath = "*"\norigin = "o"\n')
    free_port()  # (the failed starts left nothing listening)


def test_a_listener_given_by_host_name_is_matched_by_its_addresses():
    """`--admin-host <this machine's name>`: what the name resolves to is the listener's own."""
    import socket as sockets

    from edge.upstream.origins import Origins

    name = sockets.gethostname()
    try:
        addresses = {info[4][0] for info in sockets.getaddrinfo(name, None, type=sockets.SOCK_STREAM)}
    except OSError:
        pytest.skip("this machine's host name does not resolve")
    origins = Origins({}, None, own_listeners=((name, 9000),))  # type: ignore[arg-type]
    for address in addresses:
        assert origins._is_own(address, 9000), (name, address)
        assert not origins._is_own(address, 9001), (name, address)
    assert not origins._is_own("192.0.2.1", 9000)
