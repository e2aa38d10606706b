"""Idempotency keys (docs/refresh.md): one response per key, stored in the same transaction as the work.

A key is scoped to (platform, credential). The adapter that owns the unit of work (the GraphQL
endpoint for a keyed mutation, the REST refresh route) calls, inside that unit:

1. `claim` before the request runs: the stored response of the same request (replayed as it was sent,
   nothing runs), or None to go ahead; a key used for another request, or one still running in
   another transaction, is refused (409);
2. `record` once the response is rendered, before the commit.

So a committed refresh always has its response stored with it, and a crash before the commit leaves
neither: no key is ever left "in flight". On PostgreSQL the first request holds a transaction-level
advisory lock on the key (released by commit, rollback or a dead connection), so a concurrent second
request is refused at once; on SQLite, write transactions are serialized, so `in_flight` refuses a
second request of the same process while the first runs (one of another process waits for the first
and then replays it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
DEFAULT_RETENTION = timedelta(hours=48)  # INVOICEGRAPH_IDEMPOTENCY_RETENTION_HOURS
# Only DONE records are written now; an older release left IN_FLIGHT ones without a response.
DONE = "DONE"


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    fingerprint: str


@dataclass(frozen=True)
class RawResponse:
    """A response exactly as it was sent: status, media type and the encoded body."""

    status: int
    media_type: str
    body: bytes


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


def graphql_fingerprint(document: str, operation_name: str | None, variables: Mapping[str, Any] | None) -> str:
    """A GraphQL request: its document text (any change, even in the selection, is another request),
    the operation it names and its variables (as sent, key order aside)."""
    digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
    return fingerprint("graphql", digest, operation_name, dict(variables or {}))


def _record_key(principal: Principal, request: IdempotencyRequest) -> tuple[str, str, str]:
    return (principal.platform_id, principal.credential_id, request.key)


# Keys being refreshed in this process. docs/refresh.md refuses a second request while the first runs;
# PostgreSQL's advisory lock (in `claim`) also covers other processes, but SQLite serializes writers, so
# without this a second request would wait for the first and then replay it. Process-local on purpose:
# it is only ever a faster "no", never the record of anything.
_in_flight: set[tuple[str, str, str]] = set()


@contextmanager
def in_flight(principal: Principal, request: IdempotencyRequest | None) -> Iterator[None]:
    """Hold the key for the duration of a refresh; a second holder in this process is refused (409)."""
    if request is None:
        yield
        return
    key = _record_key(principal, request)
    if key in _in_flight:
        raise IdempotencyCheckFailed("A request with this Idempotency-Key is still in progress.", field=HEADER)
    _in_flight.add(key)
    try:
        yield
    finally:
        _in_flight.discard(key)


async def claim(
    unit: AsyncSession, principal: Principal, request: IdempotencyRequest, *, retention: timedelta = DEFAULT_RETENTION
) -> RawResponse | None:
    """Inside the adapter's unit of work: the stored response to replay, or None to go ahead.

    Refuses a key that is in flight in another transaction, or that was used for another request.
    """
    if unit.get_bind().dialect.name == "postgresql":
        lock_id = int.from_bytes(
            hashlib.sha256(f"{principal.platform_id}\0{principal.credential_id}\0{request.key}".encode()).digest()[:8], "big", signed=True
        )
        got = await unit.scalar(text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": lock_id})
        if not got:
            raise IdempotencyCheckFailed("A request with this Idempotency-Key is still in progress.", field=HEADER)
    record = await unit.get(IdempotencyRecord, _record_key(principal, request))
    if record is None:
        return None
    media_type = record.response_headers.get("content-type")
    if record.created_at < datetime.now(UTC) - retention or record.state != DONE or record.response_body is None or media_type is None:
        # Expired but not purged yet, or left by an older release without the response as it was sent
        # (in flight, or the invoice it was rendered from): the key is free, the request runs again.
        await unit.delete(record)
        await unit.flush()
        return None
    if record.request_hash != request.fingerprint:
        raise IdempotencyCheckFailed("This Idempotency-Key was used with a different request.", field=HEADER)
    return RawResponse(status=record.response_status or 200, media_type=str(media_type), body=record.response_body.encode("utf-8"))


async def record(unit: AsyncSession, principal: Principal, request: IdempotencyRequest, response: RawResponse) -> None:
    """Store the response, as it will be sent, in the adapter's unit of work (committed with the work)."""
    unit.add(
        IdempotencyRecord(
            platform_id=principal.platform_id,
            credential_id=principal.credential_id,
            key=request.key,
            request_hash=request.fingerprint,
            state=DONE,
            response_status=response.status,
            # orjson and our encoders write UTF-8, so the text round-trips to the same bytes.
            response_body=response.body.decode("utf-8"),
            response_headers={"content-type": response.media_type},
            created_at=datetime.now(UTC),
        )
    )
    await unit.flush()


@dataclass(frozen=True)
class Purged:
    """What one purge removed: records past the retention, and older records beyond a credential's bound."""

    expired: int = 0
    trimmed: int = 0

    def __bool__(self) -> bool:
        return bool(self.expired or self.trimmed)  # nothing removed: nothing to log


async def purge(database: Database, *, retention: timedelta = DEFAULT_RETENTION, keep: int | None = None) -> Purged:
    """Delete records older than the retention, and each credential's records beyond its newest `keep`.

    One platform per transaction, like every statement on tenant data (the test suite's tenant guard
    refuses a statement on a tenant table without platform_id), so no transaction holds the table long.
    A key whose record went is free again: a retry runs the request again (a refresh recomputes the
    same result from its sources; nothing is billed twice).
    """
    cutoff = datetime.now(UTC) - retention
    expired = trimmed = 0
    async with database.read() as session:
        platform_ids = (await session.scalars(select(col(Platform.id)))).all()
    for platform_id in platform_ids:
        async with database.write() as session:
            old = (col(IdempotencyRecord.platform_id) == platform_id, col(IdempotencyRecord.created_at) < cutoff)
            expired += _count(await session.execute(delete(IdempotencyRecord).where(*old)))
            if keep is not None:
                trimmed += await _trim(session, platform_id, keep)
    return Purged(expired=expired, trimmed=trimmed)


async def _trim(session: AsyncSession, platform_id: str, keep: int) -> int:
    """Each credential of the platform keeps its newest `keep` records (the bound per credential)."""
    record = IdempotencyRecord
    in_platform = col(record.platform_id) == platform_id
    over = await session.execute(
        select(col(record.credential_id)).where(in_platform).group_by(col(record.credential_id)).having(func.count() > keep)
    )
    trimmed = 0
    for (credential_id,) in over.all():
        mine = (in_platform, col(record.credential_id) == credential_id)
        older = select(col(record.key)).where(*mine).order_by(col(record.created_at).desc(), col(record.key).desc()).offset(keep)
        trimmed += _count(await session.execute(delete(record).where(*mine, col(record.key).in_(older))))
    return trimmed


def _count(result: Any) -> int:
    return int(result.rowcount or 0)
