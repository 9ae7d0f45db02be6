"""Who the viewer is: its address as CloudFront gives it, behind the trusted proxies
`--proxy-hops` names (their X-Forwarded-For entry), or the connection's peer."""

from __future__ import annotations

import ipaddress


def viewer_ip(client: tuple[str, int] | list | None) -> str:
    """The viewer's address as CloudFront gives it: an IPv4 viewer of a dual-stack listener
    (`--host ::`) arrives as `::ffff:192.0.2.7`, a form CloudFront never shows (an IPv4 allow
    list in a function, X-Forwarded-For at the origin and the country lookup all want 192.0.2.7)."""
    if not client:
        return "127.0.0.1"
    host = client[0]
    if host.startswith("::ffff:") and "." in host:
        return host[7:]
    return host



def behind_proxies(headers: list[tuple[str, str]], peer: str, hops: int) -> str:
    """The viewer's address behind `hops` trusted proxies (a TLS-terminating load balancer is
    one): the entry those proxies appended last to X-Forwarded-For. Their entries are taken
    off the header (in place), so functions and the origin see what came from beyond them,
    and the edge appends the viewer's address as CloudFront does. A request with fewer
    entries than hops did not come through them all: the connection's peer stays the client.

    Every X-Forwarded-For line counts, in order, as one list (RFC 9110): a proxy that adds a
    line of its own (HAProxy's `option forwardfor`) would otherwise leave the viewer's forged
    first line to be taken for its entry. An entry that is not an IP address (with or without a
    port) refuses the request (UntrustedForward): never the peer, which behind a proxy is an
    internal address every viewer would share."""
    lines = [i for i, (name, _) in enumerate(headers) if name == "X-Forwarded-For"]
    if not lines:
        return peer
    entries = [e.strip() for i in lines for e in headers[i][1].split(",") if e.strip()]
    if len(entries) < hops:
        return peer
    client, rest = entries[-hops], entries[:-hops]
    for i in reversed(lines[1:]):
        del headers[i]
    if rest:
        headers[lines[0]] = ("X-Forwarded-For", ", ".join(rest))
    else:
        del headers[lines[0]]
    address = address_of(client)
    if address is None:
        raise UntrustedForward(f"the X-Forwarded-For entry the trusted proxies added ({client[:100]!r}) is not an IP "
                               "address: check the proxies in front of the edge (--proxy-hops)")
    return address


class UntrustedForward(Exception):
    """The entry --proxy-hops trusts is not an address: the request is refused (400)."""


def address_of(entry: str) -> str | None:
    """An X-Forwarded-For entry's IP address (some proxies add `203.0.113.7:51234` or
    `[2001:db8::1]:443`; an IPv4-mapped address is its IPv4 form), or None for anything else."""
    host = entry
    if entry.startswith("[") and "]" in entry:
        host = entry[1:entry.index("]")]
    elif entry.count(":") == 1:
        host = entry.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    mapped = address.ipv4_mapped if address.version == 6 else None
    return str(mapped) if mapped else str(address)
