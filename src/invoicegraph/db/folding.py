"""Reads of different shapes answered by one statement: each row folded into a JSON object, then unfolded.

A loader round (db/loaders.py) answers every batch of one loop tick. Batches of record tables share a
shape (`id, data`) and meet in a plain UNION ALL; other reads (an invoice's refresh history page, a
customer's invoice page, whole invoices) have columns of their own. To put them in the same UNION
ALL, each such read's statement becomes a subquery whose rows are built into one JSON array in SQL
(`jsonb_agg(jsonb_build_array(…))` on PostgreSQL, `json_group_array(json_array(…))` on SQLite) and
turned back into rows with the same names, types and values in Python, so the code that turns rows
into results is the same code either way. A request whose reads of one level would be several statements becomes one: one
round trip, one pass through SQLAlchemy's execution path.

Exactness: a column is folded only when its value survives JSON unchanged, by its type:
strings, integers, booleans, JSON, `Money` (as text, never a JSON number, so no value passes through a
float) and `UtcDateTime` (ISO 8601 text, read back as the same UTC instant). A statement with any
other column type is not folded (`folded` returns None) and runs as a statement of its own.

Each read's bound parameters are renamed with a prefix of its own (`r0_ids`, `r1_ids`…), so two reads
of the same statement with different values (two history pages, say) can share one UNION ALL; the
platform parameter, the same for every read of a request, is shared.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CompoundSelect, Integer, Select, String, cast, func, literal_column, null, select, type_coerce
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.types import NullType, Text, TypeEngine
from sqlmodel.sql.sqltypes import AutoString

from invoicegraph.db.types import JsonType, Money, UtcDateTime

# Shared by every read of a request: never renamed (db/invoice_queries.py PLATFORM, db/prepared.py).
SHARED_PARAMETERS = frozenset({"platform_id"})
# PostgreSQL functions take at most 100 arguments: 50 name/value pairs.
MAX_COLUMNS = 50

Decoder = Callable[[Any], Any]


def _as_is(value: Any) -> Any:
    return value


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _instant(value: Any) -> datetime | None:
    # PostgreSQL writes a timestamptz as ISO 8601 with an offset; SQLite keeps naive UTC text.
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _boolean(value: Any) -> bool | None:
    return None if value is None else bool(value)  # SQLite stores 0 and 1


def _decoder(type_: TypeEngine[Any]) -> Decoder | None:
    """How a column's JSON value becomes the value a plain select would give; None if it cannot."""
    if isinstance(type_, Money):
        return _decimal
    if isinstance(type_, UtcDateTime):
        return _instant
    if isinstance(type_, Boolean):
        return _boolean
    if isinstance(type_, (JSON, String, Integer, NullType, AutoString)):
        return _as_is  # (AutoString: SQLModel's str column, a String that processes nothing)
    return None


def _json_value(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    if dialect == "postgresql" and isinstance(column.type, Money):
        return cast(column, Text)  # text: exact, where a JSON number would be read as a float
    if dialect == "sqlite" and isinstance(column.type, JSON):
        return func.json(column)  # nested as JSON, not as a string holding JSON
    return column


class Folded:
    """One read folded for a UNION ALL: its branch (`kind, id, data`) and how to read its rows back."""

    def __init__(self, branch: Select[Any], names: tuple[str, ...], decoders: tuple[Decoder, ...], plain: bool) -> None:
        self.branch = branch
        # Only the columns whose JSON value needs turning back (money, instants, booleans): the others
        # are the value itself. Rows are read one by one, so this is a hot loop.
        self._decoders = tuple((index, decode) for index, decode in enumerate(decoders) if decode is not _as_is)
        row_type: Any = namedtuple("FoldedRow", names)  # type: ignore[misc]  # attribute access, like Row
        self._make: Callable[[list[Any]], Any] = row_type._make
        self._plain = plain  # an `id, data` read: `data` is the record itself, nothing folded

    def rows(self, row_id: str | None, data: Any) -> list[Any]:
        """The rows a plain execution of the read's statement would have given, from one row of the union."""
        if self._plain:
            return [self._make([row_id, data])]
        rows = []
        for values in data or ():  # NULL (PostgreSQL) or [] (SQLite) when the read found nothing
            for index, decode in self._decoders:
                values[index] = decode(values[index])
            rows.append(self._make(values))
        return rows


def folded(statement: Select[Any] | CompoundSelect[Any], kind: str, prefix: str, dialect: str) -> Folded | None:
    """`statement` as one branch of a round's UNION ALL, tagged `kind`.

    A record read (`id, data`) is its own statement, one row per record. Any other read becomes one
    row whose `data` is the JSON array of its rows, each a JSON array of its columns: per row, no more
    than the values themselves travel and get decoded. None when a column's type cannot make the round
    trip through JSON exactly (see the module text).
    """
    renamed = prefixed(statement, prefix)
    columns = list(renamed.selected_columns)
    names = tuple(column.key for column in columns if column.key is not None)
    if len(names) != len(columns) or len(names) > MAX_COLUMNS:
        return None
    decoders = tuple(_decoder(column.type) for column in columns)
    if any(decoder is None for decoder in decoders):
        return None
    tag: ColumnElement[str] = literal_column(f"'{kind}'").label("kind")
    if names == ("id", "data") and isinstance(columns[1].type, JSON):
        branch = renamed.with_only_columns(tag, columns[0].label("id"), columns[1].label("data"))
        return Folded(branch, names, (_as_is, _as_is), plain=True)
    inner = renamed.subquery()
    row = (func.jsonb_build_array if dialect == "postgresql" else func.json_array)(*(_json_value(inner.c[name], dialect) for name in names))
    rows = func.jsonb_agg(row) if dialect == "postgresql" else func.json_group_array(row)
    data: ColumnElement[Any] = type_coerce(rows, JsonType).label("data")
    aggregated: Select[Any] = select(tag, cast(null(), String).label("id"), data).select_from(inner)
    return Folded(aggregated, names, tuple(d for d in decoders if d is not None), plain=False)


def prefixed(statement: Select[Any] | CompoundSelect[Any], prefix: str) -> Select[Any]:
    """A copy of `statement` whose named parameters (but the shared ones) carry `prefix`."""

    def rename(element: Any, **_: Any) -> BindParameter[Any] | None:
        if not isinstance(element, BindParameter) or element.unique or element.key in SHARED_PARAMETERS:
            return None  # anonymous parameters carry their own values; the platform is everyone's
        return BindParameter(
            f"{prefix}{element.key}",
            type_=element.type,
            expanding=element.expanding,
            required=element.required,
            literal_execute=element.literal_execute,
        )

    if isinstance(statement, CompoundSelect):
        statement = select(statement.subquery())
    result: Select[Any] = visitors.replacement_traverse(statement, {}, rename)  # type: ignore[assignment]  # a copy of a Select
    return result


def prefixed_parameters(parameters: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """A read's parameter values under the names `prefixed` gave them."""
    return {(name if name in SHARED_PARAMETERS else f"{prefix}{name}"): value for name, value in parameters.items()}
