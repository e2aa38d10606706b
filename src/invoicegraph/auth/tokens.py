"""Verifying `Authorization: Bearer <JWT>` with PyJWT.

HS256 with the configured shared secret, or RS256/ES256 with public keys chosen by the token's `kid`:
from a JWKS file (read once) or a JWKS URL (`INVOICEGRAPH_JWT_JWKS_URL`, your identity provider's
`jwks_uri`) through PyJWT's `PyJWKClient`: fetched on first use, cached for
`jwt_jwks_cache_seconds`, and fetched again when a token names a `kid` the cached set lacks (a key
rotation), at most once per `jwt_jwks_refresh_cooldown_seconds`, so tokens with made-up kids cannot
make us hammer the identity provider. The accepted algorithms are fixed per key, so `alg=none` and
algorithm confusion (an HS256 token signed with a public key) are refused.

`PyJWKClient` fetches with blocking urllib: `verify_request` runs a verification that may fetch in a
worker thread, so the event loop never waits on the identity provider; one whose key is cached runs
inline.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from invoicegraph.auth.permissions import expand
from invoicegraph.settings import Settings

ASYMMETRIC_ALGORITHMS = ("RS256", "ES256")
JWKS_FETCH_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    # `iss` ("" when the token has none): a subject is only unique within its issuer.
    issuer: str
    subject: str
    platforms: frozenset[str]
    permissions: frozenset[str]


class TokenVerifier:
    """Holds the verification keys of one process (the JWKS file is read once, the URL's set is cached)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks: dict[str, jwt.PyJWK] = {}
        if settings.jwt_jwks_file:
            data = json.loads(Path(settings.jwt_jwks_file).read_text(encoding="utf-8"))
            for key in jwt.PyJWKSet.from_dict(data).keys:
                if key.key_id:
                    self._jwks[key.key_id] = key
        self._client: jwt.PyJWKClient | None = None
        if settings.jwt_jwks_url:
            self._client = jwt.PyJWKClient(
                settings.jwt_jwks_url,
                cache_jwk_set=True,
                lifespan=settings.jwt_jwks_cache_seconds,
                timeout=JWKS_FETCH_TIMEOUT_SECONDS,
                cooldown_duration=settings.jwt_jwks_refresh_cooldown_seconds,
            )

    async def verify_request(self, token: str) -> VerifiedToken | None:
        """`verify`, in a worker thread when it may have to fetch the JWKS (never blocking the event loop)."""
        if self._may_fetch(token):
            return await asyncio.to_thread(self.verify, token)
        return self.verify(token)

    def verify(self, token: str) -> VerifiedToken | None:
        """The token's grants, or None for any defect (bad signature, expired, wrong audience, unknown kid…)."""
        try:
            header = jwt.get_unverified_header(token)
            key, algorithms = self._key_for(header)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=algorithms,
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                leeway=self._settings.jwt_leeway_seconds,
                options={"require": ["sub", "exp"]},
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            return None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            return None
        platforms = claims.get("platforms", [])
        if not isinstance(platforms, list) or not all(isinstance(p, str) for p in platforms):
            return None
        granted: list[str] = []
        permissions = claims.get("permissions")
        if isinstance(permissions, list):
            granted += [p for p in permissions if isinstance(p, str)]
        scope = claims.get("scope")
        if isinstance(scope, str):
            granted += scope.split()
        issuer = claims.get("iss", "")
        if not isinstance(issuer, str):
            return None
        return VerifiedToken(issuer=issuer, subject=subject, platforms=frozenset(platforms), permissions=expand(granted))

    def _key_for(self, header: dict[str, Any]) -> tuple[Any, list[str]]:
        algorithm = header.get("alg")
        kid = header.get("kid")
        if algorithm == "HS256" and kid is None:
            return self._settings.jwt_secret, ["HS256"]
        if algorithm not in ASYMMETRIC_ALGORITHMS or not isinstance(kid, str):
            raise KeyError("no verification key for this token")
        jwk = self._jwks.get(kid)
        if jwk is None and self._client is not None:
            # Cached set first; a kid it lacks makes one fetch (after the cooldown), else PyJWKClientError.
            jwk = self._client.get_signing_key(kid)
        if jwk is None:
            raise KeyError("no verification key for this token")
        expected = jwk.algorithm_name if jwk.algorithm_name in ASYMMETRIC_ALGORITHMS else algorithm
        return jwk.key, [expected]

    def _may_fetch(self, token: str) -> bool:
        """Whether verifying `token` could fetch the JWKS: a URL is set and its cached set lacks the token's kid."""
        if self._client is None:
            return False
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return False
        if not isinstance(kid, str) or kid in self._jwks:
            return False
        cache = self._client.jwk_set_cache
        cached = cache.get() if cache is not None else None
        return cached is None or all(key.key_id != kid for key in cached.keys)
