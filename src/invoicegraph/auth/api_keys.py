"""Verifying an `X-API-KEY`: one statement that reads the key and its platforms."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from invoicegraph.auth.credential_cache import CredentialCache
from invoicegraph.auth.keys import hash_key
from invoicegraph.auth.permissions import expand
from invoicegraph.db.engine import Database
from invoicegraph.db.prepared import api_key_by_hash, fetch
from invoicegraph.db.tables import ApiKey

# last_used_at is a hint for people, not an audit trail: writing it on every request would turn
# every read into a write. It is refreshed when older than this.
LAST_USED_GRANULARITY = timedelta(minutes=5)
_log = logging.getLogger("invoicegraph.auth")


@dataclass(frozen=True, slots=True)
class VerifiedKey:
    id: str
    platforms: frozenset[str]
    permissions: frozenset[str]
    expires_at: datetime | None


async def verify_api_key(
    database: Database, key: str, *, now: datetime | None = None, cache: CredentialCache | None = None
) -> VerifiedKey | None:
    """The key's grants, or None when it is unknown, inactive or expired (indistinguishable).

    With a `cache`, a key verified within its ttl is not read again (auth/credential_cache.py).
    """
    now = now or datetime.now(UTC)
    key_hash = hash_key(key)
    if cache is not None and (cached := cache.get(key_hash, now)) is not None:
        return cached
    async with database.read() as session:
        rows = await fetch(session, api_key_by_hash(), {"key_hash": key_hash})
    if not rows:
        return None
    first = rows[0]
    if first.status != "ACTIVE" or (first.expires_at is not None and first.expires_at <= now):
        return None
    if first.last_used_at is None or now - first.last_used_at > LAST_USED_GRANULARITY:
        await _touch(database, first.id, now)
    platforms = frozenset(row.platform_id for row in rows if row.platform_id is not None)
    verified = VerifiedKey(id=first.id, platforms=platforms, permissions=expand(first.permissions), expires_at=first.expires_at)
    if cache is not None:
        cache.put(key_hash, verified)
    return verified


async def _touch(database: Database, key_id: str, now: datetime) -> None:
    """Best effort: a hint must not fail the request it was noted on.

    On SQLite a long write (an import, a refresh waiting on a lock) holds the database's write lock;
    the touch then fails after the busy timeout and the request goes on (the next one tries again).
    """
    try:
        async with database.write() as session:
            await session.execute(update(ApiKey).where(col(ApiKey.id) == key_id).values(last_used_at=now))
    except OperationalError as error:
        _log.warning("could not record the use of API key %s: %r", key_id, error.orig)
