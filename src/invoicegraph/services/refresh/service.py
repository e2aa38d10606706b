"""The refresh use case: one transaction, the invoice row locked first, all or nothing (refresh.md §3).

Both adapters (the GraphQL mutation and preview, the REST route) call `refresh` or `preview` here.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.auth.principal import Principal
from invoicegraph.billing.money import parse_amount
from invoicegraph.billing.records import format_instant
from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_reads import INVOICE_COLUMNS, invoice_row_to_dict
from invoicegraph.db.tables import Invoice, OutboxEvent, RefreshRecord
from invoicegraph.errors import InvalidOperation, ResourceNotFound, RetryableError, reflected
from invoicegraph.observability.facts import note_refresh_result
from invoicegraph.records.invoice_document import invoice_dict_to_row_values
from invoicegraph.services import idempotency
from invoicegraph.services.idempotency import IdempotencyRequest, RawResponse, StoredInvoice
from invoicegraph.services.refresh.compute import compute
from invoicegraph.services.refresh.diff import Change, differs, vendor_changes
from invoicegraph.services.refresh.sources import Sources, read_sources
from invoicegraph.services.refresh.types import checked_invoice_id, expand

REFRESHABLE = frozenset({"OPEN", "DRAFT"})
Record = dict[str, Any]
# An adapter's response to a refreshed invoice, rendered inside the refresh's transaction (the session
# reads what the refresh sees, and the records the computation read, None for an old stored replay):
# REST's is what is sent, and what an Idempotency-Key stores and replays. GraphQL's completes its
# answer there and returns None (the view stores the response it sends).
Responder = Callable[[AsyncSession, Record, "Sources | None"], Awaitable[RawResponse | None]]


@dataclass(frozen=True)
class RefreshCommand:
    invoice_id: str
    types: tuple[str, ...]
    idempotency: IdempotencyRequest | None = None
    # Both render their response in the transaction (REST its body, GraphQL its completed answer).
    respond: Responder | None = None

    def __post_init__(self) -> None:
        checked_invoice_id(self.invoice_id)  # both adapters build one: an empty id fails the same way


@dataclass
class RefreshResult:
    invoice: Record
    types: tuple[str, ...]
    based_on_version: int
    # Whether anything stored changed (internal keys included): the refresh wrote, version + 1.
    changed: bool = False
    # The changed leaves as vendor JSON paths (diff.py); may be empty when only internal keys changed.
    changes: list[Change] = field(default_factory=list)
    replayed: bool = False
    # The adapter's response (`RefreshCommand.respond`): for a replay, the stored one, byte for byte.
    # A replay of stored bytes has no invoice dict (`invoice` is empty): the bytes are the answer.
    response: RawResponse | None = None
    # The records the computation read (not for a replay): a GraphQL response primes its loaders
    # with them instead of reading them again.
    sources: Sources | None = None


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def _is_lock_timeout(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(getattr(error.orig, "__cause__", None), "sqlstate", None)
    return code in {"55P03", "57014"} or "database is locked" in str(error.orig)


async def _lock(session: AsyncSession, platform_id: str, invoice_id: str, lock_timeout: float) -> Any:
    """The invoice row, locked for the rest of the transaction (PostgreSQL `FOR UPDATE`).

    On SQLite the write transaction (BEGIN IMMEDIATE) already holds the database's write lock.
    """
    statement = select(*INVOICE_COLUMNS).where(col(Invoice.platform_id) == platform_id, col(Invoice.id) == invoice_id)
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'"))
        statement = statement.with_for_update()
    return (await session.execute(statement)).one_or_none()


async def read_invoice(session: AsyncSession, platform_id: str, invoice_id: str, *, lock: bool, lock_timeout: float = 5.0) -> Any:
    """The invoice row (locked when `lock`); None when the platform has no such invoice."""
    if lock:
        return await _lock(session, platform_id, invoice_id, lock_timeout)
    statement = select(*INVOICE_COLUMNS).where(col(Invoice.platform_id) == platform_id, col(Invoice.id) == invoice_id)
    return (await session.execute(statement)).one_or_none()


async def compute_refresh(session: AsyncSession, platform_id: str, before: Record, types: tuple[str, ...]) -> Record:
    """The invoice as a refresh of `types` leaves it: read the sources, compute, write nothing."""
    return (await _compute_with_sources(session, platform_id, before, types))[0]


async def _compute_with_sources(session: AsyncSession, platform_id: str, before: Record, types: tuple[str, ...]) -> tuple[Record, Sources]:
    parts = expand(types)
    sources = await read_sources(session, platform_id, before, full="FULL" in types, payment_acceptors="PAYMENT_ACCEPTOR" in parts)
    return compute(before, sources, types, format_instant(datetime.now(UTC))), sources


async def save_invoice(
    session: AsyncSession, platform_id: str, row: Any, after: Record, *, version: int | None = None, updated_at: datetime | None = None
) -> Record:
    """Write a computed invoice over `row` (by default version + 1, updated_at now); return it as stored."""
    values = invoice_dict_to_row_values(after)
    await session.execute(
        update(Invoice)
        .where(col(Invoice.platform_id) == platform_id, col(Invoice.id) == row.id)
        .values(
            document=values["document"],
            on_hold=values["on_hold"],
            invoice_amount_including_tax=values["invoice_amount_including_tax"],
            version=row.version + 1 if version is None else version,
            updated_at=updated_at or datetime.now(UTC),
        )
    )
    written = await session.execute(select(*INVOICE_COLUMNS).where(col(Invoice.platform_id) == platform_id, col(Invoice.id) == row.id))
    return invoice_row_to_dict(written.one())


# Totals are stored as NUMERIC(38, 12) (db/types.py `Money`): 26 digits before the point.
_STORABLE = Decimal(10) ** 26


def check_storable(invoice: Record) -> None:
    """Refuse a total the database cannot hold (absurd prices times absurd usage), before writing it.

    The import bounds each price and value (records/values.py), not their products: a refresh, or an
    import computing its open invoices, would otherwise end in the database's numeric overflow.
    """
    total = parse_amount(invoice["invoice_amount_including_tax"])
    if abs(total) >= _STORABLE:
        raise InvalidOperation(
            f"Invoice {reflected(str(invoice['id']))}'s total would have more than 26 digits before the decimal point; "
            "check its prices and usage.",
            resource_id=str(invoice["id"]),
            resource_type="INVOICE",
        )


class RefreshService:
    def __init__(self, database: Database, *, lock_timeout: float = 5.0) -> None:
        self.database = database
        self.lock_timeout = lock_timeout

    async def refresh(self, principal: Principal, command: RefreshCommand) -> RefreshResult:
        """Refresh one invoice (refresh.md), in a task of its own.

        A refresh waits on the database some fifteen times. Run in the caller's task, each wait
        resumes every frame above it (the middlewares, and for GraphQL the view, graphql-core's
        executor and Strawberry's wrappers: some 25 coroutine frames); in its own task, only the
        refresh's. Cancelling the caller cancels the task with it.
        """
        return await asyncio.ensure_future(self._refresh_and_report(principal, command))

    async def _refresh_and_report(self, principal: Principal, command: RefreshCommand) -> RefreshResult:
        try:
            with idempotency.in_flight(principal, command.idempotency):
                result = await self._refresh(principal, command)
        except (OperationalError, DBAPIError) as error:
            if _is_lock_timeout(error):
                raise RetryableError("The invoice is being refreshed by another request; retry shortly.") from error
            raise
        note_refresh_result(changed=result.changed, replayed=result.replayed)  # for the refresh metrics
        if result.changed and not result.replayed:
            await self._emit(principal, result)
        return result

    async def preview(self, principal: Principal, command: RefreshCommand) -> RefreshResult:
        """The same computation in a transaction that is rolled back: nothing is written."""
        async with self.database.read() as session:
            row = await self._read(session, principal, command)
            before = invoice_row_to_dict(row)
            after, sources = await _compute_with_sources(session, principal.platform_id, before, command.types)
            await session.rollback()  # reads only; said out loud so it stays that way
        changed = differs(before, after)
        found = vendor_changes(before, after) if changed else []
        return RefreshResult(
            invoice=after, types=command.types, based_on_version=before["version"], changed=changed, changes=found, sources=sources
        )

    async def _read(self, session: AsyncSession, principal: Principal, command: RefreshCommand) -> Any:
        statement = select(*INVOICE_COLUMNS).where(col(Invoice.platform_id) == principal.platform_id, col(Invoice.id) == command.invoice_id)
        row = (await session.execute(statement)).one_or_none()
        return self._refreshable(row, command.invoice_id)

    @staticmethod
    def _refreshable(row: Any, invoice_id: str) -> Any:
        if row is None:
            raise ResourceNotFound(f"Invoice {reflected(invoice_id)} was not found.", resource_id=invoice_id, resource_type="INVOICE")
        if row.status not in REFRESHABLE:
            raise InvalidOperation(
                f"Invoice {reflected(invoice_id)} is {row.status}; only OPEN and DRAFT invoices can be refreshed.",
                resource_id=invoice_id,
                resource_type="INVOICE",
            )
        return row

    async def _refresh(self, principal: Principal, command: RefreshCommand) -> RefreshResult:
        async with self.database.write() as session:
            if command.idempotency is not None:
                stored = await idempotency.claim(session, principal, command.idempotency)
                if isinstance(stored, RawResponse):
                    return RefreshResult(invoice={}, types=command.types, based_on_version=-1, replayed=True, response=stored)
                if isinstance(stored, StoredInvoice):  # written before responses were stored as sent
                    response = await command.respond(session, stored.invoice, None) if command.respond is not None else None
                    return RefreshResult(invoice=stored.invoice, types=command.types, based_on_version=-1, replayed=True, response=response)
            row = self._refreshable(await _lock(session, principal.platform_id, command.invoice_id, self.lock_timeout), command.invoice_id)
            before = invoice_row_to_dict(row)
            after, sources = await _compute_with_sources(session, principal.platform_id, before, command.types)
            check_storable(after)
            # Whether to write is decided on our dicts; the reported paths on the vendor JSON (diff.py).
            changed = differs(before, after)
            found = vendor_changes(before, after) if changed else []
            if changed:
                after = await save_invoice(session, principal.platform_id, row, after)
            else:
                after = before
            self._audit(session, principal, command, before, after, changed, found)
            response = await command.respond(session, after, sources) if command.respond is not None else None
            if command.idempotency is not None:
                idempotency.store(session, principal, command.idempotency, response)
        return RefreshResult(
            invoice=after,
            types=command.types,
            based_on_version=before["version"],
            changed=changed,
            changes=found,
            sources=sources,
            response=response,
        )

    @staticmethod
    def _audit(
        session: AsyncSession,
        principal: Principal,
        command: RefreshCommand,
        before: Record,
        after: Record,
        changed: bool,
        found: list[Change],
    ) -> None:
        """Append the audit record (refresh.md §5), in the refresh's transaction."""
        session.add(
            RefreshRecord(
                platform_id=principal.platform_id,
                id=_new_id("rfsh"),
                invoice_id=before["id"],
                credential_id=principal.credential_id,
                request_id=principal.request_id,
                idempotency_key=command.idempotency.key if command.idempotency else None,
                types=list(command.types),
                status_before=before["status"],
                status_after=after["status"],
                currency=before["billing_currency"],
                total_before=parse_amount(before["invoice_amount_including_tax"]),
                total_after=parse_amount(after["invoice_amount_including_tax"]),
                version_before=before["version"],
                version_after=after["version"],
                changed=changed,
                changed_paths=[change.path for change in found],
                created_at=datetime.now(UTC),
            )
        )

    async def _emit(self, principal: Principal, result: RefreshResult) -> None:
        """The INVOICE.UPDATED event, written after the refresh committed (refresh.md §7)."""
        async with self.database.write() as session:
            session.add(
                OutboxEvent(
                    platform_id=principal.platform_id,
                    id=_new_id("evnt"),
                    event_type="INVOICE.UPDATED",
                    invoice_id=result.invoice["id"],
                    version=result.invoice["version"],
                    changed_paths=[change.path for change in result.changes],
                    created_at=datetime.now(UTC),
                )
            )
