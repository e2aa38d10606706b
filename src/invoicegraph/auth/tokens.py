"""Verifying `Authorization: Bearer <JWT>` with PyJWT.

HS256 with the configured shared secret, or RS256/ES256 with public keys from a JWKS file (chosen by
the token's `kid`). The accepted algorithms are fixed per key, so `alg=none` and algorithm confusion
(an HS256 token signed with a public key) are refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from invoicegraph.auth.permissions import expand
from invoicegraph.settings import Settings

ASYMMETRIC_ALGORITHMS = ("RS256", "ES256")


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    # `iss` ("" when the token has none): a subject is only unique within its issuer.
    issuer: str
    subject: str
    platforms: frozenset[str]
    permissions: frozenset[str]


class TokenVerifier:
    """Holds the verification keys of one process (the JWKS file is read once)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jwks: dict[str, jwt.PyJWK] = {}
        if settings.jwt_jwks_file:
            data = json.loads(Path(settings.jwt_jwks_file).read_text(encoding="utf-8"))
            for key in jwt.PyJWKSet.from_dict(data).keys:
                if key.key_id:
                    self._jwks[key.key_id] = key

    def verify(self, token: str) -> VerifiedToken | None:
        """The token's grants, or None for any defect (bad signature, expired, wrong audience…)."""
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
        if algorithm in ASYMMETRIC_ALGORITHMS and isinstance(kid, str) and kid in self._jwks:
            jwk = self._jwks[kid]
            expected = jwk.algorithm_name if jwk.algorithm_name in ASYMMETRIC_ALGORITHMS else algorithm
            return jwk.key, [expected]
        raise KeyError("no verification key for this token")
