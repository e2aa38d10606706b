"""Bearer tokens verified against a JWKS URL (`INVOICEGRAPH_JWT_JWKS_URL`), served on loopback by the test.

A real HTTP server (http.server in a thread) serves the identity provider's key set and counts its
fetches, so the tests see what the service does on the wire: one fetch for many tokens, a new fetch
when a token names a key the cached set lacks (a rotation), none for made-up kids during the cooldown.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from invoicegraph.auth.tokens import TokenVerifier
from invoicegraph.settings import Settings


class IdentityProvider:
    """A JWKS endpoint on 127.0.0.1 whose keys the test changes; counts GETs."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.fetches = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                body = json.dumps({"keys": [provider.public_jwk(kid) for kid in list(provider.keys)]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"

    def public_jwk(self, kid: str) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
        return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}

    def add_key(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def token(self, kid: str, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        payload = {"sub": "user-1", "exp": int(time.time()) + 300, "platforms": ["plat_a"], "permissions": ["INVOICE.VIEW"], **claims}
        return jwt.encode(payload, key or self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def provider() -> Iterator[IdentityProvider]:
    idp = IdentityProvider()
    thread = threading.Thread(target=idp.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        idp.server.shutdown()
        idp.server.server_close()
        thread.join()


def _verifier(provider: IdentityProvider, **settings: Any) -> TokenVerifier:
    return TokenVerifier(Settings(jwt_jwks_url=provider.url, **settings))


def test_tokens_are_verified_against_the_fetched_keys_and_the_set_is_cached(provider: IdentityProvider) -> None:
    # Given an identity provider with one key
    provider.add_key("k1")
    verifier = _verifier(provider)

    # When two tokens signed with it are verified
    first = verifier.verify(provider.token("k1"))
    second = verifier.verify(provider.token("k1", sub="user-2"))

    # Then both are accepted, and the key set was fetched once
    assert first is not None
    assert first.subject == "user-1"
    assert second is not None
    assert second.subject == "user-2"
    assert provider.fetches == 1


def test_a_rotated_key_is_fetched_when_a_token_names_it(provider: IdentityProvider) -> None:
    provider.add_key("k1")
    verifier = _verifier(provider, jwt_jwks_refresh_cooldown_seconds=0)
    assert verifier.verify(provider.token("k1")) is not None

    # Given the provider rotates: a new key k2 joins the set
    provider.add_key("k2")

    # When a token signed with k2 arrives, the cached set lacks it: the set is fetched again
    verified = verifier.verify(provider.token("k2"))
    assert verified is not None
    assert provider.fetches == 2


def test_made_up_kids_do_not_make_fetches_during_the_cooldown(provider: IdentityProvider) -> None:
    provider.add_key("k1")
    verifier = _verifier(provider, jwt_jwks_refresh_cooldown_seconds=3600)
    assert verifier.verify(provider.token("k1")) is not None

    # A token with a kid nobody has, signed by an attacker's key, many times over
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for attempt in range(20):
        assert verifier.verify(provider.token(f"forged-{attempt}", key=attacker)) is None

    assert provider.fetches == 1


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(provider: IdentityProvider) -> None:
    provider.add_key("k1")
    verifier = _verifier(provider)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert verifier.verify(provider.token("k1", key=attacker)) is None
    # The HS256 path is not open to a JWKS kid: algorithm confusion is refused.
    assert (
        verifier.verify(
            jwt.encode(
                {"sub": "x", "exp": int(time.time()) + 60},
                "a-shared-secret-long-enough-for-hs256-0123456789",
                algorithm="HS256",
                headers={"kid": "k1"},
            )
        )
        is None
    )


def test_an_unreachable_provider_refuses_the_token(provider: IdentityProvider) -> None:
    provider.add_key("k1")
    token = provider.token("k1")
    provider.server.shutdown()
    provider.server.server_close()
    verifier = TokenVerifier(Settings(jwt_jwks_url=provider.url))
    assert verifier.verify(token) is None


async def test_verify_request_fetches_off_the_event_loop_then_uses_the_cache(provider: IdentityProvider) -> None:
    provider.add_key("k1")
    verifier = _verifier(provider)
    token = provider.token("k1")

    # The first token needs a fetch: a worker thread does it
    assert verifier._may_fetch(token) is True
    assert await verifier.verify_request(token) is not None

    # Then the key is cached: the next one verifies inline
    assert verifier._may_fetch(token) is False
    assert await verifier.verify_request(token) is not None
    assert provider.fetches == 1
