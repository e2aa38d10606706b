"""Verified API keys remembered for a few seconds, so that a request does not read its key every time.

Reading the key was a session of its own on every request (a connection checkout, BEGIN, one SELECT,
ROLLBACK): on SQLite 9 of a GET's 22 trips to the driver's thread. A key found valid is kept here,
by the hash of the key, for `INVOICEGRAPH_CREDENTIAL_CACHE_SECONDS` (never past the key's own expiry).

The price is a bound on revocation: a key revoked (or its grants changed) by another process is still
accepted by a serving process that verified it within the last `ttl` seconds; docs/security.md says
so. Only valid keys are kept: an unknown key is read every time, so guessing fills nothing, and a
revoked key that was never cached stops at once. `ttl` 0 turns the cache off.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from cachetools import TTLCache

if TYPE_CHECKING:
    from invoicegraph.auth.api_keys import VerifiedKey

# Enough for every key a deployment uses at once; past it the oldest entry is read again.
MAX_KEYS = 10_000


class CredentialCache:
    def __init__(self, ttl_seconds: float, *, timer: Callable[[], float] = time.monotonic) -> None:
        self._keys: TTLCache[str, VerifiedKey] | None = TTLCache(MAX_KEYS, ttl_seconds, timer) if ttl_seconds > 0 else None

    def get(self, key_hash: str, now: datetime) -> VerifiedKey | None:
        """The key's grants when verified within the last ttl seconds and not expired since."""
        if self._keys is None:
            return None
        found = self._keys.get(key_hash)
        if found is None or (found.expires_at is not None and found.expires_at <= now):
            return None
        return found

    def put(self, key_hash: str, key: VerifiedKey) -> None:
        if self._keys is not None:
            self._keys[key_hash] = key
