"""Signing secrets are stored encrypted, under keys from the settings; production needs its own key."""

from __future__ import annotations

import pytest

from invoicegraph.services.events.signing_secrets import SECRET_PREFIX, SecretBox, SecretUnavailable, new_secret
from invoicegraph.settings import Settings

KEY_A = "a" * 32
KEY_B = "b" * 32
PRODUCTION = {"environment": "production", "jwt_secret": "x" * 40, "database_url": "postgresql+asyncpg://h/db"}


def test_a_secret_is_long_random_and_never_stored_in_clear() -> None:
    secret = new_secret()
    assert secret.startswith(SECRET_PREFIX)
    assert len(secret) >= 40
    assert new_secret() != secret
    sealed = SecretBox([KEY_A]).seal(secret)
    assert secret not in sealed
    assert SecretBox([KEY_A]).open(sealed) == secret


def test_keys_rotate_the_first_encrypts_every_one_decrypts() -> None:
    old = SecretBox([KEY_A]).seal("whsec_x")
    rotated = SecretBox([KEY_B, KEY_A])
    assert rotated.open(old) == "whsec_x"
    assert SecretBox([KEY_B]).open(rotated.seal("whsec_y")) == "whsec_y"
    with pytest.raises(SecretUnavailable):
        SecretBox([KEY_B]).open(old)


def test_production_without_a_key_stores_no_secret_and_development_has_a_published_one() -> None:
    with pytest.raises(SecretUnavailable, match="INVOICEGRAPH_WEBHOOK_SECRET_KEYS"):
        SecretBox.from_settings(Settings(**PRODUCTION)).seal("whsec_x")  # type: ignore[arg-type]
    development = SecretBox.from_settings(Settings(environment="development"))
    assert development.open(development.seal("whsec_x")) == "whsec_x"
    production = SecretBox.from_settings(Settings(**PRODUCTION, webhook_secret_keys=[KEY_A]))  # type: ignore[arg-type]
    assert production.open(production.seal("whsec_x")) == "whsec_x"
    with pytest.raises(SecretUnavailable):  # a secret sealed with the development key is not readable in production
        production.open(development.seal("whsec_x"))


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings(webhook_secret_keys=["short"])
