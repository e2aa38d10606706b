"""The SSRF guard: which webhook URLs are accepted, and where a request really goes."""

from __future__ import annotations

import socket

import pytest

from invoicegraph.services.events.targets import TargetPolicy, TargetRefused, check_url, resolve

PRODUCTION = TargetPolicy(allow_http=False, allow_private_networks=False)
DEVELOPMENT = TargetPolicy(allow_http=True, allow_private_networks=True)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.com/x", "https://"),
        ("file:///etc/passwd", "https://"),
        ("hooks.example.com/x", "https://"),
        ("http://hooks.example.com/x", "plain http://"),
        ("https://user:pw@hooks.example.com/x", "credentials"),
        ("https://hooks.example.com/x#frag", "fragment"),
        ("https:///x", "no host"),
        ("https://hooks.example.com:99999/x", "malformed"),
        ("https://127.0.0.1/x", "not a public address"),
        ("https://10.1.2.3/x", "not a public address"),
        ("https://169.254.169.254/latest/meta-data", "not a public address"),
        ("https://[::1]/x", "not a public address"),
        ("https://[::ffff:192.168.0.1]/x", "not a public address"),
        ("https://100.64.0.1/x", "not a public address"),
        ("https://localhost/x", "not a public address"),
        ("https://" + "a" * 2048 + ".example.com/", "longer than"),
    ],
)
def test_production_refuses(url: str, reason: str) -> None:
    with pytest.raises(TargetRefused, match=reason):
        check_url(url, PRODUCTION)


def test_production_accepts_https_to_a_public_host() -> None:
    assert check_url("HTTPS://hooks.example.com:8443/in?x=1", PRODUCTION) == "https://hooks.example.com:8443/in?x=1"
    assert check_url("https://93.184.216.34/in", PRODUCTION) == "https://93.184.216.34/in"


def test_the_settings_allow_http_and_private_networks() -> None:
    assert check_url("http://127.0.0.1:9000/hooks", DEVELOPMENT) == "http://127.0.0.1:9000/hooks"
    with pytest.raises(TargetRefused):
        check_url("gopher://127.0.0.1/", DEVELOPMENT)  # never another scheme


async def test_a_name_is_resolved_and_checked_before_every_request() -> None:
    # The machine's own name passes the check on the URL, and resolves to one of its own (loopback or
    # private) addresses: the request is refused before any connection.
    name = socket.gethostname()
    assert check_url(f"https://{name}:8443/hooks", PRODUCTION)
    with pytest.raises(TargetRefused, match="resolves to a non-public address"):
        await resolve(f"https://{name}:8443/hooks", PRODUCTION)


async def test_a_public_address_is_pinned_with_the_name_kept_for_host_and_tls() -> None:
    target = await resolve("https://93.184.216.34:8443/in", PRODUCTION)
    assert (target.url, target.server_name, target.host_header, target.pinned) == (
        "https://93.184.216.34:8443/in",
        "93.184.216.34",
        "93.184.216.34:8443",
        True,
    )
    unpinned = await resolve("http://127.0.0.1:9000/hooks", DEVELOPMENT)
    assert (unpinned.url, unpinned.pinned) == ("http://127.0.0.1:9000/hooks", False)
