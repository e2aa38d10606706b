"""The typed principal: who is calling, for which platform, with which permissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CredentialKind = Literal["API_KEY", "JWT"]

# What a stored credential id (idempotency records, audit records, log lines) may hold.
CREDENTIAL_ID_MAX_LENGTH = 255


def api_key_identity(key_id: str) -> str:
    """`api_key:akey_…`: the identity of an API key in records and logs."""
    return f"api_key:{key_id}"


def token_identity(issuer: str, subject: str) -> str:
    """`jwt:<iss>:<sub>`: the identity of a bearer token's subject.

    Namespaced by kind and issuer, so that a token whose `sub` is an API key's id (or another
    issuer's subject) never shares that credential's idempotency records or audit identity.
    """
    return f"jwt:{issuer}:{subject}"


@dataclass(frozen=True, slots=True)
class Principal:
    """Resolved once per request by the middleware; read by the GraphQL context and REST routes.

    `credential_id` is namespaced by kind: `api_key:akey_…` or `jwt:<iss>:<sub>` (see above).

    `platform_id` is None only while the platform could not be chosen (the error is then in
    `RequestAuth.error`); a Principal handed to a resolver always has one.
    """

    credential_id: str
    credential_kind: CredentialKind
    platform_id: str
    permissions: frozenset[str]
    request_id: str

    def has(self, permission: str) -> bool:
        return permission in self.permissions
