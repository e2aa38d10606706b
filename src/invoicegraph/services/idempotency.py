"""Idempotency keys (refresh.md §4).

A key is scoped to (platform, credential). Its record is written in the same transaction as the
refresh it answers, so a refresh that did not commit leaves no record. "Still running" is detected
without a record: on PostgreSQL the first request holds a transaction-level advisory lock on the key
(released by commit, rollback or a dead connection); on SQLite, write transactions are serialized,
so a second request waits for the first and then replays it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.auth.principal import Principal
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import IdempotencyRecord, Platform
from invoicegraph.errors import IdempotencyCheckFailed, InvalidField

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_RETENTION = timedelta(hours=48)


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    fingerprint: str


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any


def parse_key(value: str | None) -> str | None:
    """The header's key, or None when absent; 1–255 visible ASCII characters."""
    if value is None:
        return None
    if not 1 <= len(value) <= 255 or any(not 0x21 <= ord(ch) <= 0x7E for ch in value):
        raise InvalidField("Idempotency-Key must be 1 to 255 visible ASCII characters.", field=HEADER)
    return value


def fingerprint(*parts: Any) -> str:
    """A hash of what identifies the request (operation, variables or path and body)."""
    return hashlib.sha256(orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def claim(
    session: AsyncSession, principal: Principal, request: IdempotencyRequest, *, retention: timedelta = DEFAULT_RETENTION
) -> StoredResponse | None:
    """Inside the refresh transaction: the stored response to replay, or None to go ahead.

    Refuses a key that is in flight in another transaction, or that was used for another request.
    """
    if session.get_bind().dialect.name == "postgresql":
        lock_id = int.from_bytes(
            hashlib.sha256(f"{principal.platform_id}\0{principal.credential_id}\0{request.key}".encode()).digest()[:8], "big", signed=True
        )
        got = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id})
        if not got:
            raise IdempotencyCheckFailed("A request with this Idempotency-Key is still in progress.", field=HEADER)
    record = await session.get(IdempotencyRecord, (principal.platform_id, principal.credential_id, request.key))
    if record is None:
        return None
    if record.created_at < datetime.now(UTC) - retention:
        # Expired but not purged yet: the key is free again.
        await session.delete(record)
        await session.flush()
        return None
    if record.request_hash != request.fingerprint:
        raise IdempotencyCheckFailed("This Idempotency-Key was used with a different request.", field=HEADER)
    return StoredResponse(status=record.response_status or 200, body=orjson.loads(record.response_body or "null"))


def store(session: AsyncSession, principal: Principal, request: IdempotencyRequest, response: StoredResponse) -> None:
    """Record the response, in the caller's (the refresh's) transaction."""
    session.add(
        IdempotencyRecord(
            platform_id=principal.platform_id,
            credential_id=principal.credential_id,
            key=request.key,
            request_hash=request.fingerprint,
            state="DONE",
            response_status=response.status,
            response_body=orjson.dumps(response.body).decode(),
            response_headers={},
            created_at=datetime.now(UTC),
        )
    )


async def purge(database: Database, *, retention: timedelta = DEFAULT_RETENTION) -> int:
    """Delete records older than the retention; returns how many went.

    One platform at a time, like every statement on tenant data (the test suite's tenant guard
    refuses a statement on a tenant table without platform_id).
    """
    cutoff = datetime.now(UTC) - retention
    total = 0
    async with database.write() as session:
        platform_ids = (await session.scalars(select(col(Platform.id)))).all()
        for platform_id in platform_ids:
            expired = (col(IdempotencyRecord.platform_id) == platform_id, col(IdempotencyRecord.created_at) < cutoff)
            count = await session.scalar(select(func.count()).select_from(IdempotencyRecord).where(*expired))
            if count:
                await session.execute(delete(IdempotencyRecord).where(*expired))
                total += int(count)
    return total
