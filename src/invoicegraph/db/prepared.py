"""Hot-path statements built once, executed with parameters, on the session's connection.

Building `select(...).where(...)` costs more than running it: each build coerces every clause and
the execution then computes the statement's cache key from the new objects (about 0.2 ms of a
0.4 ms loader statement, measured with bench-style data). These statements are built once per table
with bound parameters, so a request only supplies values. Executing on the session's connection
skips the ORM layer (these reads want Core rows, never ORM objects); the connection is the same one
the session routed and began (db/engine.py), so routing, transactions and statement counting are
unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Row,
    Select,
    String,
    Update,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from invoicegraph.db import tables
from invoicegraph.db.driver_reads import driver_fetch
from invoicegraph.db.invoice_reads import INVOICE_COLUMNS, select_invoices

# What prepared statements run on: a read request's connection, or a session (a unit of work's, or
# an ORM session of a read request, which carries its connection in `info`).
Reads = AsyncSession | AsyncConnection


def dialect_of(reads: Reads) -> str:
    return reads.dialect.name if isinstance(reads, AsyncConnection) else reads.get_bind().dialect.name


async def fetch(reads: Reads, statement: Select[Any] | CompoundSelect[Any], parameters: Mapping[str, Any]) -> Sequence[Row[Any]]:
    """All rows of a prepared statement, as Core rows (a read request's: rows the driver read, db/driver_reads.py)."""
    if isinstance(reads, AsyncConnection):
        connection: AsyncConnection | None = reads
    else:
        connection = reads.info.get(READ_CONNECTION)
    if connection is None:
        connection = await session_connection(cast(AsyncSession, reads))
        # A unit of work on SQLite began its transaction on this connection (BEGIN IMMEDIATE, when the
        # session took it): the driver's statements on it read inside that transaction. PostgreSQL's
        # adapter begins lazily, at SQLAlchemy's first statement, so there its reads stay SQLAlchemy's.
        by_driver = connection.dialect.name == "sqlite"
    else:
        by_driver = True
    if by_driver:
        read: Sequence[Any] | None = await driver_fetch(connection, statement, parameters)
        if read is not None:
            return read
    rows: Sequence[Row[Any]] = (await connection.execute(statement, dict(parameters))).all()
    return rows


# In `session.info`: the connection of a session that only reads (db/request.py), which its prepared
# statements run on through the driver.
READ_CONNECTION = "invoicegraph.read_connection"


_CONNECTION = "invoicegraph.connection"


async def session_connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection, remembered while its transaction lasts.

    `AsyncSession.connection()` crosses into SQLAlchemy's greenlet even when the connection is already
    there (~50 µs); a GraphQL request asks for it once per loader batch. After the transaction ends
    (commit, rollback, close) the remembered connection is closed or the session is out of a
    transaction, and the session is asked again.
    """
    remembered = session.info.get(_CONNECTION)
    if remembered is not None and session.in_transaction() and not remembered.closed and not remembered.invalidated:
        connection: AsyncConnection = remembered
        return connection
    connection = await session.connection()
    session.info[_CONNECTION] = connection
    return connection


def keys(ids: Iterable[str]) -> list[str]:
    """An expanding parameter's value: distinct, in a stable order (one SQL text per count)."""
    return sorted(set(ids))


@cache
def records_by_ids(table: type[tables.TenantRecord]) -> Select[Any]:
    """`id, data` of a platform's records by id (:platform_id, :ids)."""
    return select(col(table.id), col(table.data)).where(
        col(table.platform_id) == bindparam("platform_id"),
        col(table.id).in_(bindparam("ids", expanding=True)),
    )


@cache
def records_of_kinds(kinds: tuple[type[tables.TenantRecord], ...]) -> CompoundSelect[Any]:
    """`kind, id, data` of records of several tables by id, in one statement (:platform_id, :ids_<table>).

    The record tables share their shape (`TenantRecord`): loaders of different types that dispatch in
    the same loop tick are answered by one UNION ALL instead of one statement each (db/loaders.py).
    """
    return union_all(
        *(
            select(
                literal_column(f"'{table.__tablename__}'").label("kind"), col(table.id).label("id"), col(table.data).label("data")
            ).where(
                col(table.platform_id) == bindparam("platform_id"),
                col(table.id).in_(bindparam(f"ids_{table.__tablename__}", expanding=True)),
            )
            for table in kinds
        )
    )


@cache
def all_records(table: type[tables.TenantRecord]) -> Select[Any]:
    """`id, data` of all a platform's records of a type, by id (:platform_id)."""
    return select(col(table.id), col(table.data)).where(col(table.platform_id) == bindparam("platform_id")).order_by(col(table.id))


@cache
def all_records_of_kinds(kinds: tuple[type[tables.TenantRecord], ...]) -> CompoundSelect[Any]:
    """`kind, id, data` of all a platform's records of several types, by kind then id (:platform_id).

    The refresh reads whole catalogues (products, tax rates, meters, exchange rates): one statement.
    """
    union: CompoundSelect[Any] = union_all(
        *(
            select(
                literal_column(f"'{table.__tablename__}'").label("kind"), col(table.id).label("id"), col(table.data).label("data")
            ).where(col(table.platform_id) == bindparam("platform_id"))
            for table in kinds
        )
    )
    return union.order_by(literal_column("kind"), literal_column("id"))


@cache
def invoices_by_ids() -> Select[Any]:
    """Whole invoice rows by id (:platform_id, :ids)."""
    return select_invoices().where(
        col(tables.Invoice.platform_id) == bindparam("platform_id"),
        col(tables.Invoice.id).in_(bindparam("ids", expanding=True)),
    )


@cache
def served_invoices_by_ids() -> Select[Any]:
    """`id, version, served, served_places` of invoices by id (:platform_id, :ids): their REST bodies as stored."""
    invoice = tables.Invoice
    return select(col(invoice.id), col(invoice.version), col(invoice.served), col(invoice.served_places)).where(
        col(invoice.platform_id) == bindparam("platform_id"),
        col(invoice.id).in_(bindparam("ids", expanding=True)),
    )


@cache
def refresh_history_pages(*, after: bool = True) -> Select[Any]:
    """One page of the refresh audit of each invoice, newest first (:platform_id, :ids, :after, :size).

    Every row carries its `position` (1 = newest) in its invoice's history, the history's
    `total_count`, and the position of the record `:after` names (`after_position`, NULL when
    `:after` is NULL or not in that history). Returned: the `:size` records after that position,
    plus the newest record of each history, so that an empty page still tells the count. An
    invoice refreshed ten thousand times costs one page of rows, not its whole history.

    `after=False` is the statement for first pages (no `:after` parameter; `after_position` NULL): one
    scan with both windows, which PostgreSQL plans several times faster than the anchor join, and a
    GraphQL request plans it every time it reads a history.
    """
    table = tables.RefreshRecord.__table__  # type: ignore[attr-defined]
    position = (
        func.row_number().over(partition_by=table.c.invoice_id, order_by=(table.c.created_at.desc(), table.c.id.desc())).label("position")
    )
    total = func.count().over(partition_by=table.c.invoice_id).label("total_count")
    scoped = (table.c.platform_id == bindparam("platform_id"), table.c.invoice_id.in_(bindparam("ids", expanding=True)))
    if not after:
        first = select(table, position, total, null().label("after_position")).where(*scoped).subquery("ranked")
        size = bindparam("size", type_=Integer)
        return select(first).where(or_(first.c.position <= size, first.c.position == 1)).order_by(first.c.invoice_id, first.c.position)
    ranked = (
        select(table, position, total).where(*scoped).cte("ranked", nesting=True)
    )  # inside its own SELECT: two folded pages may meet in one round
    anchor = (
        select(ranked.c.invoice_id.label("anchor_invoice_id"), ranked.c.position.label("after_position"))
        .where(ranked.c.id == bindparam("after", type_=String))
        .subquery("anchor")
    )
    start = func.coalesce(anchor.c.after_position, 0)
    return (
        select(ranked, anchor.c.after_position)
        .select_from(ranked.outerjoin(anchor, anchor.c.anchor_invoice_id == ranked.c.invoice_id))
        .where(
            or_(
                and_(ranked.c.position > start, ranked.c.position <= start + bindparam("size", type_=Integer)),
                ranked.c.position == 1,
            )
        )
        .order_by(ranked.c.invoice_id, ranked.c.position)
    )


@cache
def platform_by_id() -> Select[Any]:
    """A platform's row (:platform_id): what a refresh reads of it, built once."""
    platform = tables.table_of(tables.Platform)
    return select(platform.c.id, platform.c.name, platform.c.default_billing_entity_id, platform.c.settings).where(
        platform.c.id == bindparam("platform_id")
    )


@cache
def acceptors_of_billing_entity() -> Select[Any]:
    """`id, data` of a billing entity's payment acceptors, by id (:platform_id, :billing_entity_id)."""
    acceptor = tables.PaymentAcceptor
    return (
        select(col(acceptor.id), col(acceptor.data))
        .where(col(acceptor.platform_id) == bindparam("platform_id"), col(acceptor.billing_entity_id) == bindparam("billing_entity_id"))
        .order_by(col(acceptor.id))
    )


@cache
def first_invoices_of_subscriptions() -> Select[Any]:
    """Each subscription's first invoice that is not VOID, with its first period's start (:platform_id, :subscription_ids).

    Built once: a refresh of an invoice with subscriptions runs it, and building it per call cost
    about as much as running it and left a cycle of clause objects for the garbage collector. The
    invoices are ranked on their columns, and only each winner's document is read, by one JSON path:
    extracting from every invoice of a subscription, step by step, re-encoded its periods each time.
    """
    invoice = tables.table_of(tables.Invoice)
    link = tables.table_of(tables.InvoiceSubscription)
    position = func.row_number().over(partition_by=link.c.subscription_id, order_by=(invoice.c.invoice_date.asc(), invoice.c.id.asc()))
    ranked = (
        select(link.c.subscription_id, invoice.c.id, position.label("position"))
        .join(invoice, (invoice.c.platform_id == link.c.platform_id) & (invoice.c.id == link.c.invoice_id))
        .where(
            link.c.platform_id == bindparam("platform_id"),
            link.c.subscription_id.in_(bindparam("subscription_ids", expanding=True)),
            invoice.c.status != "VOID",
        )
        .subquery("ranked")
    )
    winner = invoice.alias("winner")
    return (
        select(ranked.c.subscription_id, ranked.c.id, winner.c.document[("periods", 0, "start_at")].as_string().label("start_at"))
        .join(winner, (winner.c.platform_id == bindparam("platform_id")) & (winner.c.id == ranked.c.id))
        .where(ranked.c.position == 1)
    )


@cache
def api_key_by_hash() -> Select[Any]:
    """A key's grants by its hash (:key_hash): one row per platform, or one without when it has none."""
    columns: list[Any] = [
        col(tables.ApiKey.id),
        col(tables.ApiKey.status),
        col(tables.ApiKey.permissions),
        col(tables.ApiKey.expires_at),
        col(tables.ApiKey.last_used_at),
        col(tables.ApiKeyPlatform.platform_id),
    ]
    return (
        select(*columns)
        .outerjoin(tables.ApiKeyPlatform, col(tables.ApiKeyPlatform.api_key_id) == col(tables.ApiKey.id))
        .where(col(tables.ApiKey.key_hash) == bindparam("key_hash"))
    )


@cache
def invoice_row(*, locked: bool) -> Select[Any]:
    """One invoice's row (:platform_id, :invoice_id); `locked`: `FOR UPDATE` (PostgreSQL; SQLite ignores it)."""
    statement = select(*INVOICE_COLUMNS).where(
        col(tables.Invoice.platform_id) == bindparam("platform_id"), col(tables.Invoice.id) == bindparam("invoice_id")
    )
    return statement.with_for_update() if locked else statement


@cache
def save_invoice_row() -> Update:
    """Write a computed invoice over its row and return the row as stored, in one statement (RETURNING).

    Parameters (not named after columns, which an UPDATE reserves): :in_platform, :invoice_id, and the
    new :new_document, :new_on_hold, :new_amount, :new_version, :new_updated_at, and the row's served
    form :new_served, :new_served_places (db/invoice_reads.py `served_columns`).
    """
    invoice = tables.Invoice
    columns = invoice.__table__.c  # type: ignore[attr-defined]
    return (
        update(invoice)
        .where(col(invoice.platform_id) == bindparam("in_platform"), col(invoice.id) == bindparam("invoice_id"))
        .values(
            document=bindparam("new_document", type_=columns.document.type),
            on_hold=bindparam("new_on_hold", type_=columns.on_hold.type),
            invoice_amount_including_tax=bindparam("new_amount", type_=columns.invoice_amount_including_tax.type),
            version=bindparam("new_version", type_=columns.version.type),
            updated_at=bindparam("new_updated_at", type_=columns.updated_at.type),
            served=bindparam("new_served", type_=columns.served.type),
            served_places=bindparam("new_served_places", type_=columns.served_places.type),
        )
        .returning(*INVOICE_COLUMNS)
    )
