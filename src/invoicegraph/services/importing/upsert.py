"""Upsert by key that leaves identical rows alone: load the stored rows of a batch, compare, write
only what differs. A re-import of the same file therefore writes nothing and moves no `updated_at`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from invoicegraph.billing.instants import format_instant


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class Tally:
    """Counts per table name."""

    tables: dict[str, Counts] = field(default_factory=dict)

    def of(self, table: type[SQLModel]) -> Counts:
        name = str(table.__tablename__)
        return self.tables.setdefault(name, Counts())


async def load_existing(
    session: AsyncSession, table: type[SQLModel], key: tuple[str, ...], keys: Sequence[tuple[Any, ...]]
) -> dict[tuple[Any, ...], Any]:
    """Stored rows by key (ORM objects are avoided: plain Row mappings are cheaper)."""
    t: Any = table
    columns = [getattr(t, name) for name in key]
    found: dict[tuple[Any, ...], Any] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        condition = columns[0].in_([k[0] for k in chunk]) if len(key) == 1 else tuple_(*columns).in_(chunk)
        result = await session.execute(select(t.__table__).where(condition))
        for row in result.mappings():
            found[tuple(row[name] for name in key)] = row
    return found


def _fill_created(values: dict[str, Any], stored: Any, now: datetime, table: type[SQLModel]) -> None:
    # created_at is set once: kept from the stored row, else the record's own, else now.
    columns = table.__table__.columns  # type: ignore[attr-defined]
    if "created_at" in columns and values.get("created_at") is None:
        values["created_at"] = stored["created_at"] if stored is not None else now
    data = values.get("data")
    if isinstance(data, dict) and "created_at" in data and data["created_at"] is None and _needs_created(table):
        stored_data = stored["data"] if stored is not None else {}
        values["data"] = {**data, "created_at": stored_data.get("created_at") or format_instant(now)}


def _needs_created(table: type[SQLModel]) -> bool:
    # GraphQL createdAt is non-null on Customer and BillingEntity only.
    return table.__tablename__ in ("customer", "billing_entity")


async def upsert_rows(
    session: AsyncSession,
    table: type[SQLModel],
    key: tuple[str, ...],
    rows: Sequence[dict[str, Any]],
    now: datetime,
    counts: Counts,
    derived: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Insert new rows, update changed ones, skip identical ones. Returns the rows written.

    `derived`: columns computed from a whole row as it will be stored (an invoice's served form),
    written with the row's other values and never compared (they follow from those).
    """
    t: Any = table
    stored = await load_existing(session, table, key, [tuple(r[name] for name in key) for r in rows])
    has_updated_at = "updated_at" in t.__table__.columns
    inserts: list[dict[str, Any]] = []
    written: list[dict[str, Any]] = []
    for values in rows:
        row_key = tuple(values[name] for name in key)
        old = stored.get(row_key)
        values = dict(values)
        _fill_created(values, old, now, table)
        if old is None:
            if has_updated_at and values.get("updated_at") is None:
                values["updated_at"] = now
            if "version" in t.__table__.columns and values.get("version") is None:
                values["version"] = 1
            if derived is not None:
                values.update(derived(values))
            inserts.append(values)
            stored[row_key] = values
            counts.inserted += 1
            written.append(values)
            continue
        changes = {name: value for name, value in values.items() if name != "updated_at" and old[name] != value}
        if not changes:
            counts.unchanged += 1
            continue
        if has_updated_at:
            changes["updated_at"] = values.get("updated_at") or now
        if "version" in t.__table__.columns and "version" not in changes:
            # Every saved change of an invoice bumps its optimistic-lock counter.
            changes["version"] = old["version"] + 1
        if derived is not None:
            changes.update(derived({**old, **changes}))
        await session.execute(update(t.__table__).where(and_(*(getattr(t, name) == old[name] for name in key))).values(**changes))
        counts.updated += 1
        written.append(values)
    if inserts:
        await session.execute(insert(t.__table__), inserts)
    return written


async def replace_children(
    session: AsyncSession,
    table: type[SQLModel],
    parent: tuple[str, ...],
    parents: Sequence[tuple[Any, ...]],
    key: tuple[str, ...],
    rows: Sequence[dict[str, Any]],
) -> bool:
    """Make the child rows of some parents exactly `rows` (payments, links, subscriptions of
    invoices; platforms of API keys), touching only what differs. True when anything changed."""
    if not parents:
        return False
    t: Any = table
    columns = [getattr(t, name) for name in parent]
    result = await session.execute(select(t.__table__).where(tuple_(*columns).in_(list(dict.fromkeys(parents)))))
    stored = {tuple(row[name] for name in key): dict(row) for row in result.mappings()}
    wanted = {tuple(row[name] for name in key): row for row in rows}
    gone = [k for k in stored if k not in wanted]
    changed = [row for k, row in wanted.items() if k not in stored or _differs(stored[k], row)]
    key_columns = [getattr(t, name) for name in key]
    if gone or changed:
        replaced = [k for k in (tuple(row[name] for name in key) for row in changed) if k in stored]
        if gone or replaced:
            await session.execute(delete(t.__table__).where(tuple_(*key_columns).in_(gone + replaced)))
        if changed:
            await session.execute(insert(t.__table__), changed)
    return bool(gone or changed)


def _differs(stored: dict[str, Any], row: dict[str, Any]) -> bool:
    return any(stored.get(name) != value for name, value in row.items())
