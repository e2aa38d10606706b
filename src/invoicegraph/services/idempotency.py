"""Idempotency keys (refresh.md §4).

A key is scoped to (platform, credential). Its record is written in the same transaction as the
refresh it answers, so a refresh that did not commit leaves no record. "Still running" is detected
without a record: on PostgreSQL the first request holds a transaction-level advisory lock on the key
(released by commit, rollback or a dead connection); on SQLite, write transactions are serialized,
so a second request waits for the first and then replays it (REST) or finds it still in flight
(GraphQL, below).

REST stores its response as it is sent (status, media type, encoded body: the vendor JSON with its
embedded records, rendered inside the refresh's transaction) with the refresh, and a replay sends those
bytes again; nothing is read live. A GraphQL response only exists once the whole document has executed, after the refresh committed, so a GraphQL request is `deferred`: the
refresh writes its record IN_FLIGHT (fingerprint of document, operationName and variables, no body),
and the view stores the encoded response with `store_response` before sending it (state DONE). A
replay is answered from `stored_response` before anything executes. While a record is IN_FLIGHT the
first request has not answered yet: the same request is refused as still in progress (409). A record
still IN_FLIGHT after `PENDING_GRACE` belongs to a request that died between its commit and its
answer (its client never got a response): the key is free again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.auth.principal import Principal
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import IdempotencyRecord, Platform
from invoicegraph.errors import IdempotencyCheckFailed, InvalidField

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_RETENTION = timedelta(hours=48)
# How long a deferred record may wait for its response body before its request counts as dead.
# The view stores the body before the first response leaves, within the same request; this only
# has to outlast the slowest response rendering.
PENDING_GRACE = timedelta(minutes=2)
IN_FLIGHT = "IN_FLIGHT"
DONE = "DONE"


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    fingerprint: str
    # True for GraphQL: the refresh records the key without a body; `store_response` adds it later.
    deferred: bool = False


@dataclass(frozen=True)
class RawResponse:
    """A response exactly as it was sent: status, media type and the encoded body."""

    status: int
    media_type: str
    body: bytes


@dataclass(frozen=True)
class StoredInvoice:
    """A REST record written before responses were stored as sent: it holds the invoice dict the
    response was built from, not the response. Met only within one retention after the upgrade; the
    route renders it again (its embedded records as they are now), as it did when it was written."""

    status: int
    invoice: Any


@dataclass(slots=True)
class OperationIdempotency:
    """One GraphQL request's use of its Idempotency-Key, shared by the view and the mutation."""

    request: IdempotencyRequest
    # The stored first response this request answers with; nothing executes.
    replay: RawResponse | None = None
    # The refresh committed the key's record: the view stores the response into it.
    recorded: bool = False


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


# Keys being refreshed in this process. refresh.md §4 refuses a second request while the first runs;
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
    session: AsyncSession, principal: Principal, request: IdempotencyRequest, *, retention: timedelta = DEFAULT_RETENTION
) -> RawResponse | StoredInvoice | None:
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
    record = await session.get(IdempotencyRecord, _record_key(principal, request))
    if record is None:
        return None
    now = datetime.now(UTC)
    if record.created_at < now - retention:
        # Expired but not purged yet: the key is free again.
        await session.delete(record)
        await session.flush()
        return None
    if record.request_hash != request.fingerprint:
        raise IdempotencyCheckFailed("This Idempotency-Key was used with a different request.", field=HEADER)
    if record.state == IN_FLIGHT and record.created_at < now - PENDING_GRACE:
        # Committed, but its request died before it answered: nothing to replay, run it again.
        await session.delete(record)
        await session.flush()
        return None
    if request.deferred or record.state == IN_FLIGHT:
        # A deferred request's stored response is answered by the view before anything executes
        # (`stored_response`); reaching here means the first request had not answered when this one
        # started.
        raise IdempotencyCheckFailed("A request with this Idempotency-Key is still in progress.", field=HEADER)
    media_type = record.response_headers.get("content-type")
    if media_type is None:
        return StoredInvoice(status=record.response_status or 200, invoice=orjson.loads(record.response_body or "null"))
    return RawResponse(status=record.response_status or 200, media_type=str(media_type), body=(record.response_body or "").encode("utf-8"))


async def stored_response(
    session: AsyncSession, principal: Principal, request: IdempotencyRequest, *, retention: timedelta = DEFAULT_RETENTION
) -> RawResponse | None:
    """The response stored for this key and this same request, to send again as it was; else None.

    Read on the primary before a deferred (GraphQL) request executes. Anything else (no record, an
    expired one, another request, one still in flight) is None: the refresh's `claim` decides it,
    under its lock, with the refusals it gives.
    """
    record = await session.get(IdempotencyRecord, _record_key(principal, request))
    if (
        record is None
        or record.state != DONE
        or record.request_hash != request.fingerprint
        or record.response_body is None
        or record.created_at < datetime.now(UTC) - retention
    ):
        return None
    media_type = str(record.response_headers.get("content-type") or "application/json")
    return RawResponse(status=record.response_status or 200, media_type=media_type, body=record.response_body.encode("utf-8"))


def store(session: AsyncSession, principal: Principal, request: IdempotencyRequest, response: RawResponse | None) -> None:
    """Record the response, as it will be sent, in the caller's (the refresh's) transaction.

    A deferred request records the key and its fingerprint only (IN_FLIGHT); `store_response` adds
    the response the client gets. Any other request must bring its response.
    """
    deferred = request.deferred
    if response is None and not deferred:
        raise ValueError("a request that is not deferred stores its response with the refresh")
    session.add(
        IdempotencyRecord(
            platform_id=principal.platform_id,
            credential_id=principal.credential_id,
            key=request.key,
            request_hash=request.fingerprint,
            state=IN_FLIGHT if deferred else DONE,
            response_status=None if response is None or deferred else response.status,
            # orjson and our encoders write UTF-8, so the text round-trips to the same bytes.
            response_body=None if response is None or deferred else response.body.decode("utf-8"),
            response_headers={} if response is None or deferred else {"content-type": response.media_type},
            created_at=datetime.now(UTC),
        )
    )


async def store_response(database: Database, principal: Principal, request: IdempotencyRequest, response: RawResponse) -> None:
    """Store the response of a deferred request into its IN_FLIGHT record (a small write of its own).

    Called after the refresh committed, before the response is sent: once the client has its
    answer, the same request replays it.
    """
    platform_id, credential_id, key = _record_key(principal, request)
    async with database.write() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(
                col(IdempotencyRecord.platform_id) == platform_id,
                col(IdempotencyRecord.credential_id) == credential_id,
                col(IdempotencyRecord.key) == key,
                col(IdempotencyRecord.request_hash) == request.fingerprint,
                col(IdempotencyRecord.state) == IN_FLIGHT,
            )
            .values(
                state=DONE,
                response_status=response.status,
                response_body=response.body.decode("utf-8"),
                response_headers={"content-type": response.media_type},
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
