"""Where a webhook may go: the SSRF guard.

A webhook URL is chosen by a platform, and the service sends requests to it from inside its own network.
Unchecked, that lets a platform reach what only the service should (a cloud metadata endpoint, a database
port, an admin page on loopback). So:

- only `https://` (and `http://` where `INVOICEGRAPH_WEBHOOK_ALLOW_HTTP` allows it), no credentials in
  the URL, no fragment;
- unless `INVOICEGRAPH_WEBHOOK_ALLOW_PRIVATE_NETWORKS` allows it, the host must be public: an address
  literal is checked when the endpoint is made, and before every request every address the name
  resolves to is checked and the request goes to the checked address (a name that resolves to a public
  address when the endpoint is made and to a private one later gains nothing);
- redirects are not followed (the sender treats a 3xx as a failure).

Both settings default to on in development (receivers on loopback) and off in production.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from invoicegraph.settings import Settings

MAX_URL_LENGTH = 2048


class TargetRefused(ValueError):
    """A URL the service will not send to (the message says why)."""


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    allow_http: bool
    allow_private_networks: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> TargetPolicy:
        return cls(allow_http=settings.webhook_http_allowed, allow_private_networks=settings.webhook_private_networks_allowed)


@dataclass(frozen=True, slots=True)
class Target:
    """Where one request goes: the URL to connect to and, when pinned to a checked address, the names it stands for.

    A pinned request connects to the address but sends the URL's `Host` header and uses its host name for
    TLS (SNI and the certificate check), as a request to the name would.
    """

    url: str
    server_name: str
    host_header: str
    pinned: bool


def check_url(url: str, policy: TargetPolicy) -> str:
    """The URL as stored, or TargetRefused. Names are not resolved here (see `resolve`)."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    parts = _split(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("the URL must start with https:// (or http://)")
    if parts.scheme == "http" and not policy.allow_http:
        raise TargetRefused("plain http:// URLs are refused (INVOICEGRAPH_WEBHOOK_ALLOW_HTTP); use https://")
    if not parts.hostname:
        raise TargetRefused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("the URL must not carry credentials (user:password@)")
    if parts.fragment:
        raise TargetRefused("the URL must not have a #fragment")
    if not policy.allow_private_networks:
        address = _address(parts.hostname)
        if (address is not None and not _public(address)) or parts.hostname.rstrip(".").lower() in ("localhost", "localhost.localdomain"):
            raise TargetRefused(
                f"{parts.hostname} is not a public address (INVOICEGRAPH_WEBHOOK_ALLOW_PRIVATE_NETWORKS guards against SSRF)"
            )
    return urlunsplit(parts)


async def resolve(url: str, policy: TargetPolicy) -> Target:
    """The target of one request: checked again, and its name resolved and pinned unless private networks are allowed."""
    parts = _split(check_url(url, policy))
    host = parts.hostname or ""
    if policy.allow_private_networks:
        return Target(url=url, server_name=host, host_header=_host_header(parts), pinned=False)
    address = _address(host)
    if address is None:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as error:
            raise TargetRefused(f"{host} does not resolve ({error.strerror})") from error
        addresses = [ipaddress.ip_address(str(entry[4][0]).split("%", 1)[0]) for entry in found]
        refused = [str(a) for a in addresses if not _public(a)]
        if not addresses or refused:
            raise TargetRefused(f"{host} resolves to a non-public address ({', '.join(refused)}); refused by the SSRF guard")
        address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    return Target(url=urlunsplit(parts._replace(netloc=netloc)), server_name=host, host_header=_host_header(parts), pinned=True)


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises on a port that is not a number or out of range)
    except ValueError as error:
        raise TargetRefused(f"the URL is malformed ({error})") from error
    return parts._replace(scheme=parts.scheme.lower())


def _host_header(parts: SplitResult) -> str:
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A globally routable unicast address (not loopback, private, link-local, shared, reserved, multicast…)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast
