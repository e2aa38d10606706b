"""Webhook signing secrets: made here, shown once, stored encrypted.

The service must sign with the secret, so it keeps it (a hash, as for API keys, would not sign). It keeps
it encrypted with Fernet (AES-128-CBC and HMAC-SHA256, authenticated) under a key derived (HKDF-SHA256)
from `INVOICEGRAPH_WEBHOOK_SECRET_KEYS`: a copy of the database, a backup or a replica alone does not
reveal any secret. The first key encrypts, every key decrypts (MultiFernet), so the key can be rotated
by putting a new one first. Without keys, development uses a published key and production refuses to
store a secret (docs/events.md).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from invoicegraph.settings import Settings

SECRET_PREFIX = "whsec_"  # noqa: S105  (the public prefix of every secret, not a secret)
# Published on purpose, like the development JWT secret: production never uses it.
DEVELOPMENT_KEY = "invoicegraph-development-webhook-secret-key-not-for-production"
_HKDF_INFO = b"invoicegraph webhook signing secrets"


class SecretUnavailable(RuntimeError):
    """A secret cannot be stored or read with the configured keys."""


def new_secret() -> str:
    """A new signing secret: `whsec_` + 32 random bytes, URL-safe base64."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


class SecretBox:
    def __init__(self, keys: Sequence[str]) -> None:
        self._box = MultiFernet([_fernet(key) for key in keys]) if keys else None

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        keys = settings.webhook_secret_keys or ([] if settings.is_production else [DEVELOPMENT_KEY])
        return cls(keys)

    def seal(self, secret: str) -> str:
        if self._box is None:
            raise SecretUnavailable("set INVOICEGRAPH_WEBHOOK_SECRET_KEYS: production stores no signing secret without its own key")
        return self._box.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        if self._box is None:
            raise SecretUnavailable("INVOICEGRAPH_WEBHOOK_SECRET_KEYS is empty: the signing secret cannot be read")
        try:
            return self._box.decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise SecretUnavailable("the signing secret was stored under a key INVOICEGRAPH_WEBHOOK_SECRET_KEYS does not hold") from error
