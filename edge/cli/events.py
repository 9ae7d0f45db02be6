"""`edge generate-event HOOK`: a Lambda@Edge test event for `edge invoke`, like
`sam local generate-event cloudfront ...`, shaped by the server's own event builder
(edge/pipeline/events.py) so it is exactly what a function sees when served."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import click
import orjson

from ..config.behaviors import ALL_METHODS, EVENT_TYPES

DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"
DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"
CLIENT_IP = "203.0.113.178"
ORIGIN_DOMAIN = "example.org"
VIA = "2.0 8f22423015641505b8c857a37450d6c0.cloudfront.net (CloudFront)"

# What a request line and header fields can carry, so a generated event is one the server
# could build: a URI and query without spaces, controls or '#'; header names as HTTP tokens;
# values without controls (tab aside) or characters outside ISO-8859-1.
_TARGET = re.compile(r"[\x21\x22\x24-\x7e]*")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0100-\U0010ffff]")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


def _header_pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    pairs = []
    for raw in values:
        name, sep, value = raw.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected 'Name: value', got {raw!r}", param_hint=option)
        name, value = name.strip(), value.strip()
        if not _TOKEN.fullmatch(name):
            raise click.BadParameter(f"header name {name!r} is not an HTTP token (letters, digits and "
                                     "!#$%&'*+-.^_`|~, no spaces)", param_hint=option)
        if _BAD_VALUE.search(value):
            raise click.BadParameter(f"the value of {name} has control characters or characters outside "
                                     "ISO-8859-1 (percent-encode them)", param_hint=option)
        pairs.append((name, value))
    return pairs


def _viewer_headers(hook: str, values: tuple[str, ...]) -> list[tuple[str, str]]:
    """--header pairs as the server would have them in HOOK's event: a viewer's own CloudFront-*
    headers never reach viewer-request or viewer-response (the edge drops them at the front door,
    and adds its own after viewer-request), so they are left out, saying so."""
    pairs = _header_pairs(values, "--header")
    if hook not in ("viewer-request", "viewer-response"):
        return pairs
    dropped = [name for name, _ in pairs if name.lower().startswith("cloudfront-")]
    if dropped:
        click.echo(f"note: {', '.join(dropped)} left out: the server's {hook} events never hold CloudFront-* "
                   "headers (it drops a viewer's own at the front door and adds its own after viewer-request); "
                   "a function reading them runs at origin-request: edge generate-event origin-request -H ...",
                   err=True)
    return [(name, value) for name, value in pairs if not name.lower().startswith("cloudfront-")]


def _checked_request_line(uri: str, method: str, querystring: str | None) -> str:
    """The method, upper-cased, once the URI, method and query string could be on a request line."""
    if not _TARGET.fullmatch(uri):
        raise click.BadParameter(f"{uri!r} has spaces, control characters, '#' or non-ASCII characters "
                                 "(percent-encode them, e.g. %20 for a space)", param_hint="--uri")
    if querystring is not None and not _TARGET.fullmatch(querystring):
        raise click.BadParameter(f"{querystring!r} has spaces, control characters, '#' or non-ASCII characters "
                                 "(percent-encode them)", param_hint="--querystring")
    if method.upper() not in ALL_METHODS:
        raise click.BadParameter(f"{method!r} is not a method CloudFront passes to functions: "
                                 f"{', '.join(ALL_METHODS)}", param_hint="--method")
    return method.upper()


def _client_ip(value: str) -> str:
    try:
        address = ipaddress.ip_address(value)
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:192.0.2.7 is an IPv4 viewer, as CloudFront shows it
        return str(mapped or address)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IPv4 or IPv6 address", param_hint="--client-ip") from None


def _origin_domain(value: str) -> str:
    if not _HOST.fullmatch(value):
        raise click.BadParameter(f"{value!r} is not a host name", param_hint="--origin-domain")
    return value


ORIGIN_EVENTS = ("origin-request", "origin-response")


def _hook_options() -> tuple[tuple[str, str, tuple[str, ...], str], ...]:
    """(parameter, option, the hooks it applies to, what to do instead) of the options that are
    part of only some hooks' events: given for another hook, they would be left out of the event
    unsaid. (The server's event builder is imported when an event is made, not with the CLI.)"""
    from ..pipeline.events import REQUEST_EVENTS, RESPONSE_EVENTS

    return (
        ("body", "--body", REQUEST_EVENTS,
         "a response event's request has no body; for the response to a POST: --method POST"),
        ("status", "--status", RESPONSE_EVENTS, "a request event has no response"),
        ("response_headers", "--response-header", RESPONSE_EVENTS, "a request event has no response"),
        ("origin_domain", "--origin-domain", ORIGIN_EVENTS, "a viewer event has no origin"),
        ("origin_protocol", "--origin-protocol", ORIGIN_EVENTS, "a viewer event has no origin"),
    )


def _check_hook_options(ctx: click.Context, hook: str) -> None:
    """An option given for a hook whose event has no place for it is a usage error naming the
    hooks it applies to (it was dropped, the command exiting 0)."""
    for param, option, hooks, why in _hook_options():
        source = ctx.get_parameter_source(param)
        if hook not in hooks and source not in (None, click.core.ParameterSource.DEFAULT,
                                                click.core.ParameterSource.DEFAULT_MAP):
            raise click.UsageError(f"{option} applies to {' and '.join(hooks)} events, not {hook} ({why})", ctx)


def _merged(defaults: list[tuple[str, str]], given: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The given headers replace defaults of the same name (any case); the rest are kept."""
    names = {name.lower() for name, _ in given}
    return [pair for pair in defaults if pair[0].lower() not in names] + given


def _body(value: str | None) -> bytes | None:
    if value is None:
        return None
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_bytes()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {value[1:]}: {exc.strerror}", param_hint="--body") from None
    return value.encode()


def build(
    hook: str,
    *,
    uri: str = "/",
    method: str = "GET",
    querystring: str | None = None,
    headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    body: bytes | None = None,
    client_ip: str = CLIENT_IP,
    status: int = 200,
    response_headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    origin_domain: str = ORIGIN_DOMAIN,
    origin_protocol: str = "https",
    request_id: str | None = None,
) -> dict:
    """The event as a JSON-shaped dict (see the command's help for the defaults)."""
    from ..pipeline import events
    from ..pipeline.events import REQUEST_EVENTS, RESPONSE_EVENTS

    method = _checked_request_line(uri, method, querystring)
    if "?" in uri:
        uri, _, query_in_uri = uri.partition("?")
        querystring = query_in_uri if querystring is None else querystring
    if not uri.startswith("/"):
        raise click.BadParameter(f"the uri must start with '/', got {uri!r}", param_hint="--uri")
    defaults = [("Host", DISTRIBUTION_DOMAIN), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*")]
    if body is not None:  # as the viewer's request carries it (the server's events have it too); the type
        # `curl -d` sends unless told otherwise
        defaults += [("Content-Length", str(len(body))), ("Content-Type", "application/x-www-form-urlencoded")]
    viewer_headers = _merged(defaults, list(headers))
    include_body = body is not None and hook in REQUEST_EVENTS
    request = events.viewer_request(
        client_ip=client_ip, method=method.upper(), uri=uri, querystring=querystring or "", headers=viewer_headers,
        body=body, include_body=include_body and hook == "viewer-request",
    )
    if hook in ("origin-request", "origin-response"):
        forwarded = _merged([("X-Forwarded-For", client_ip), ("User-Agent", "Amazon CloudFront"), ("Via", VIA),
                             ("Host", origin_domain)] + [(k, v) for k, v in defaults if k in ("Content-Length", "Content-Type")],
                            [(k, v) for k, v in headers if k.lower() != "host"])
        origin = events.custom_origin(domain_name=origin_domain, port=443 if origin_protocol == "https" else 80,
                                      protocol=origin_protocol)
        request = events.origin_request(
            request, origin=origin, forwarded_headers=events.to_cf_headers(forwarded), body=body,
            include_body=include_body and hook == "origin-request",
        )
    response = None
    if hook in RESPONSE_EVENTS:
        request.pop("body", None)
        defaults = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "0"),
                    ("Date", "Mon, 13 Jan 2020 20:12:38 GMT"), ("Server", "ExampleCustomOriginServer")]
        response = events.response_object(status, "", _merged(defaults, list(response_headers)))
    config = events.event_config(DISTRIBUTION_DOMAIN, DISTRIBUTION_ID, hook, request_id or events.new_request_id())
    return orjson.loads(events.build_event(config, request, response))


@click.command("generate-event")
@click.argument("hook", type=click.Choice(EVENT_TYPES))
@click.option("--uri", "-u", default="/", show_default=True, help="Request URI; a ?query part sets the query string.")
@click.option("--method", "-X", default=None, help="[default: GET, or POST with --body, as curl]")
@click.option("--querystring", "-q", default=None, help="Query string without '?' (default: from --uri).")
@click.option("--header", "-H", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="Request header (repeatable); replaces a default of the same name.")
@click.option("--body", "-d", default=None, metavar="TEXT|@FILE",
              help="Request body, exposed as with include_body (request hooks only); as with `curl -d`, the "
                   "request is a POST (unless --method says otherwise) with Content-Type "
                   "application/x-www-form-urlencoded (unless a --header sets one).")
@click.option("--client-ip", default=CLIENT_IP, show_default=True)
@click.option("--status", type=click.IntRange(100, 599), default=200, show_default=True,
              help="Response status (response hooks).")
@click.option("--response-header", "response_headers", multiple=True, metavar="'NAME: VALUE'",
              help="Response header (response hooks, repeatable).")
@click.option("--origin-domain", default=ORIGIN_DOMAIN, show_default=True, help="Custom origin (origin hooks).")
@click.option("--origin-protocol", type=click.Choice(["https", "http"]), default="https", show_default=True,
              help="Custom origin's protocol (origin hooks).")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the event here instead of stdout.")
def generate_event(
    hook: str, uri: str, method: str | None, querystring: str | None, headers: tuple[str, ...], body: str | None,
    client_ip: str, status: int, response_headers: tuple[str, ...], origin_domain: str, origin_protocol: str,
    out: Path | None,
) -> None:
    """Print a Lambda@Edge event for HOOK, shaped as the server shapes it, to feed `edge invoke`.

    \b
    edge generate-event viewer-request --uri '/docs/?lang=en' -H 'Cookie: a=1' > event.json
    edge invoke fn/build/fn.wasm --event event.json
    edge generate-event origin-response --status 404 | edge invoke fn.wasm

    An option for other hooks than HOOK (--body, --status, --response-header, --origin-domain,
    --origin-protocol) is a usage error: HOOK's event has no place for it.
    """
    _check_hook_options(click.get_current_context(), hook)
    if method is None:
        method = "GET" if body is None else "POST"
    event = build(
        hook, uri=uri, method=method, querystring=querystring, headers=_viewer_headers(hook, headers),
        body=_body(body), client_ip=_client_ip(client_ip), status=status,
        response_headers=_header_pairs(response_headers, "--response-header"),
        origin_domain=_origin_domain(origin_domain), origin_protocol=origin_protocol,
    )
    text = orjson.dumps(event, option=orjson.OPT_INDENT_2) + b"\n"
    if out is None:
        click.echo(text.decode(), nl=False)
    else:
        out.write_bytes(text)
        click.echo(f"wrote {out}", err=True)
