"""The typed principal: who is calling, for which platform, with which permissions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CredentialKind = Literal["API_KEY", "JWT"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Resolved once per request by the middleware; read by the GraphQL context and REST routes.

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
