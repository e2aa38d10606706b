"""The credential cache keeps a verified key for its ttl, never past the key's expiry, and can be off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from invoicegraph.auth.api_keys import VerifiedKey
from invoicegraph.auth.credential_cache import CredentialCache

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def _key(expires_at: datetime | None = None) -> VerifiedKey:
    return VerifiedKey(id="akey_1", platforms=frozenset({"plat_a"}), permissions=frozenset({"INVOICE.VIEW"}), expires_at=expires_at)


def test_a_key_is_kept_for_the_ttl_and_read_again_after_it() -> None:
    clock = Clock()
    cache = CredentialCache(5, timer=clock)
    cache.put("h", _key())
    clock.seconds = 4.9
    assert cache.get("h", NOW) == _key()
    clock.seconds = 5.0
    assert cache.get("h", NOW) is None


def test_a_key_is_never_kept_past_its_own_expiry() -> None:
    cache = CredentialCache(60, timer=Clock())
    cache.put("h", _key(expires_at=NOW + timedelta(seconds=1)))
    assert cache.get("h", NOW) is not None
    assert cache.get("h", NOW + timedelta(seconds=1)) is None


def test_ttl_zero_keeps_nothing() -> None:
    cache = CredentialCache(0)
    cache.put("h", _key())
    assert cache.get("h", NOW) is None


def test_another_key_is_not_found() -> None:
    cache = CredentialCache(60)
    cache.put("h", _key())
    assert cache.get("other", NOW) is None
