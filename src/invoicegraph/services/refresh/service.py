"""The refresh use case: given the caller's unit of work, refresh one invoice inside it, all or nothing.

Both adapters (the GraphQL mutation, the REST route) open the unit of work (one write transaction,
db/request.py), call `refresh` with it and commit it; the preview runs the same computation in a read
session and writes nothing. Nothing here knows about GraphQL or HTTP, and nothing here commits.

Inside the unit, in this order: the invoice row is locked (PostgreSQL `FOR UPDATE` with the lock
timeout; on SQLite the unit's `BEGIN IMMEDIATE` already holds the write lock), its sources are read,
the pure engine computes, a result equal to what is stored writes nothing, and then the audit record
and, when the invoice changed, its `INVOICE.UPDATED` outbox event are written. So the event exists
if and only if the refresh commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Insert, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.auth.principal import Principal
from invoicegraph.billing.instants import format_instant
from invoicegraph.billing.money import parse_amount
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.db.invoice_reads import invoice_row_to_dict, served_columns
from invoicegraph.db.prepared import invoice_row, save_invoice_row
from invoicegraph.db.tables import RefreshRecord, table_of
from invoicegraph.errors import InvalidOperation, ResourceNotFound, RetryableError, reflected
from invoicegraph.ids import new_id
from invoicegraph.records.invoice_document import invoice_dict_to_row_values
from invoicegraph.services.refresh.compute import compute
from invoicegraph.services.refresh.diff import Change, differs, vendor_changes
from invoicegraph.services.refresh.sources import Sources, read_sources
from invoicegraph.services.refresh.types import checked_invoice_id, expand
from invoicegraph.services.staleness import stamp_read

REFRESHABLE = frozenset({"OPEN", "DRAFT"})
INVOICE_UPDATED = "INVOICE.UPDATED"
Document = dict[str, Any]
# Totals are stored as NUMERIC(38, 12) (db/types.py `Money`): 26 digits before the point.
_STORABLE = Decimal(10) ** 26


@dataclass(frozen=True)
class RefreshCommand:
    invoice_id: str
    types: tuple[str, ...]
    # Recorded in the audit (the adapter handles the key itself: services/idempotency.py).
    idempotency_key: str | None = None
    # How long to wait for another refresh of the same invoice before answering "retry".
    lock_timeout: float = 5.0
    # The bulk refresh job this refresh is part of (services/refresh_jobs/), recorded in the audit.
    job_id: str | None = None

    def __post_init__(self) -> None:
        checked_invoice_id(self.invoice_id)  # both adapters build one: an empty id fails the same way


@dataclass
class RefreshResult:
    invoice: Document
    types: tuple[str, ...]
    based_on_version: int
    # Whether anything stored changed (internal keys included): the refresh wrote, version + 1.
    changed: bool = False
    # The changed leaves as vendor JSON paths (diff.py); may be empty when only internal keys changed.
    changes: list[Change] = field(default_factory=list)
    # The live records the computation read: an adapter's answer may show them without reading again.
    sources: Sources | None = None


async def refresh(unit: AsyncSession, principal: Principal, command: RefreshCommand) -> RefreshResult:
    """Refresh one invoice in the caller's unit of work (docs/refresh.md); the caller commits."""
    try:
        row = _refreshable(await _lock(unit, principal.platform_id, command.invoice_id, command.lock_timeout), command.invoice_id)
    except DBAPIError as error:
        if _is_lock_timeout(error):
            raise RetryableError("The invoice is being refreshed by another request; retry shortly.") from error
        raise
    before = invoice_row_to_dict(row)
    after, sources = await _compute(unit, principal.platform_id, before, command.types)
    check_storable(after)
    # Whether to write is decided on our dicts; the reported paths on the vendor JSON (diff.py).
    changed = differs(before, after)
    found = vendor_changes(before, after) if changed else []
    if changed:
        after = await save_invoice(unit, principal.platform_id, row, after)
    else:
        after = before
    now = datetime.now(UTC)
    await _audit(unit, principal, command, before, after, changed, found, now)
    if changed:
        await _emit(unit, principal.platform_id, after, found, now)
    return RefreshResult(
        invoice=after, types=command.types, based_on_version=before["version"], changed=changed, changes=found, sources=sources
    )


async def preview(session: AsyncSession, principal: Principal, command: RefreshCommand) -> RefreshResult:
    """The same computation on what `session` reads, writing nothing (docs/refresh.md)."""
    row = _refreshable(await read_invoice(session, principal.platform_id, command.invoice_id), command.invoice_id)
    before = invoice_row_to_dict(row)
    after, sources = await _compute(session, principal.platform_id, before, command.types)
    changed = differs(before, after)
    found = vendor_changes(before, after) if changed else []
    return RefreshResult(
        invoice=after, types=command.types, based_on_version=before["version"], changed=changed, changes=found, sources=sources
    )


async def compute_refresh(session: AsyncSession, platform_id: str, before: Document, types: tuple[str, ...]) -> Document:
    """The invoice as a refresh of `types` leaves it: read the sources, compute, write nothing (the import's use)."""
    return (await _compute(session, platform_id, before, types))[0]


async def _compute(session: AsyncSession, platform_id: str, before: Document, types: tuple[str, ...]) -> tuple[Document, Sources]:
    parts = expand(types)
    read_at = datetime.now(UTC)
    sources = await read_sources(session, platform_id, before, full="FULL" in types, payment_acceptors="PAYMENT_ACCEPTOR" in parts)
    return stamp_read(compute(before, sources, types, format_instant(read_at)), types, read_at), sources


def _is_lock_timeout(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None) or getattr(getattr(error.orig, "__cause__", None), "sqlstate", None)
    return code in {"55P03", "57014"} or "database is locked" in str(error.orig)


async def _lock(session: AsyncSession, platform_id: str, invoice_id: str, lock_timeout: float) -> Any:
    """The invoice row, locked for the rest of the transaction (PostgreSQL `FOR UPDATE`); None when absent.

    On SQLite the unit of work's `BEGIN IMMEDIATE` already holds the database's write lock.
    """
    parameters = {"platform_id": platform_id, "invoice_id": invoice_id}
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'"))
        return (await session.execute(invoice_row(locked=True), parameters)).one_or_none()
    return (await session.execute(invoice_row(locked=False), parameters)).one_or_none()


async def read_invoice(session: AsyncSession, platform_id: str, invoice_id: str) -> Any:
    """The invoice row as `session` reads it (unlocked); None when the platform has no such invoice."""
    return (await session.execute(invoice_row(locked=False), {"platform_id": platform_id, "invoice_id": invoice_id})).one_or_none()


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


async def save_invoice(
    session: AsyncSession, platform_id: str, row: Any, after: Document, *, version: int | None = None, updated_at: datetime | None = None
) -> Document:
    """Write a computed invoice over `row` (by default version + 1, updated_at now); return it as stored."""
    values = invoice_dict_to_row_values(after)
    changed = {
        "document": values["document"],
        "on_hold": values["on_hold"],
        "invoice_amount_including_tax": values["invoice_amount_including_tax"],
        "version": row.version + 1 if version is None else version,
        "updated_at": updated_at or datetime.now(UTC),
    }
    served = served_columns({**row._mapping, **changed})
    written = await session.execute(
        save_invoice_row(),
        {
            "in_platform": platform_id,
            "invoice_id": row.id,
            "new_document": changed["document"],
            "new_on_hold": changed["on_hold"],
            "new_amount": changed["invoice_amount_including_tax"],
            "new_version": changed["version"],
            "new_updated_at": changed["updated_at"],
            "new_served": served["served"],
            "new_served_places": served["served_places"],
        },
    )
    return invoice_row_to_dict(written.one())


def check_storable(invoice: Document) -> None:
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


def change_entries(found: list[Change]) -> list[dict[str, Any]]:
    """Changes as stored with the audit record and the event: path, value before, value after."""
    return [{"path": change.path, "before": change.before, "after": change.after} for change in found]


@cache
def _insert(table: type[RefreshRecord] | type[OutboxEvent]) -> Insert:
    """An INSERT of one row, its values given at execution. Built once: `insert().values(…)` per call
    coerced every value into a clause and had SQLAlchemy derive the statement's cache key again, a
    tenth of a no-op refresh's CPU (callgrind)."""
    return insert(table_of(table))


async def _audit(
    session: AsyncSession,
    principal: Principal,
    command: RefreshCommand,
    before: Document,
    after: Document,
    changed: bool,
    found: list[Change],
    now: datetime,
) -> None:
    """Append the audit record (docs/refresh.md)."""
    await session.execute(
        _insert(RefreshRecord),
        {
            "platform_id": principal.platform_id,
            "id": new_id("rfsh"),
            "invoice_id": before["id"],
            "credential_id": principal.credential_id,
            "request_id": principal.request_id,
            "idempotency_key": command.idempotency_key,
            "job_id": command.job_id,
            "types": list(command.types),
            "status_before": before["status"],
            "status_after": after["status"],
            "currency": before["billing_currency"],
            "total_before": parse_amount(before["invoice_amount_including_tax"]),
            "total_after": parse_amount(after["invoice_amount_including_tax"]),
            "version_before": before["version"],
            "version_after": after["version"],
            "changed": changed,
            "changed_paths": [change.path for change in found],
            "changes": change_entries(found),
            "created_at": now,
        },
    )


async def _emit(session: AsyncSession, platform_id: str, invoice: Document, found: list[Change], now: datetime) -> None:
    """The INVOICE.UPDATED event of a refresh that changed the invoice, in the same transaction (docs/refresh.md)."""
    await session.execute(
        _insert(OutboxEvent),
        {
            "platform_id": platform_id,
            "id": new_id("evnt"),
            "event_type": INVOICE_UPDATED,
            "invoice_id": invoice["id"],
            "version": invoice["version"],
            "changed_paths": [change.path for change in found],
            "changes": change_entries(found),
            # The event carries the invoice as this version left it (docs/events.md).
            "invoice": invoice,
            "created_at": now,
        },
    )


async def lock_refreshable(unit: AsyncSession, platform_id: str, invoice_id: str, lock_timeout: float) -> Any:
    """The invoice row locked as a refresh locks it, refused as a refresh refuses it (other writers of a draft)."""
    try:
        return _refreshable(await _lock(unit, platform_id, invoice_id, lock_timeout), invoice_id)
    except DBAPIError as error:
        if _is_lock_timeout(error):
            raise RetryableError("The invoice is being changed by another request; retry shortly.") from error
        raise


async def emit_invoice_updated(session: AsyncSession, platform_id: str, invoice: Document, found: list[Change], now: datetime) -> None:
    """The same INVOICE.UPDATED outbox event a refresh writes, for another writer of a draft (a line edit)."""
    await _emit(session, platform_id, invoice, found, now)
