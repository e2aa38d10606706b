"""Read statements run by the driver itself, on the connection SQLAlchemy checked out for the request.

A read session's prepared statements (db/prepared.py `fetch`: the loaders' rounds, list pages, the
refresh history) are built with SQLAlchemy Core, but executing one through SQLAlchemy costs more
than the statement: measured on the bench's SQLite data, one invoice by id took 0.39 ms of CPU
through `AsyncConnection.execute` and 0.07 ms as aiosqlite's `execute_fetchall`. The difference is
the execution context, the greenlet that carries the call to the driver, and aiosqlite's adapter,
which makes four trips to the driver's thread per statement (cursor, execute, fetch, close) where
`execute_fetchall` makes one. On PostgreSQL the driver runs a read outside a transaction of
SQLAlchemy's, which saves the BEGIN and ROLLBACK round trips a read session would otherwise cost.

So a statement is compiled once per dialect and per length of each list parameter (`IN (…)` of 1,
2, 3… keys), with SQLAlchemy's own compiler, and remembered as SQL text, the order of its positional
parameters, and SQLAlchemy's own bind and result processors of its column types; a call then only
puts the values in order, runs the text, and applies the processors. Rows come back as named tuples
(attribute, index and unpacking, as SQLAlchemy rows).

What stays SQLAlchemy's: statements are still built and compiled by it, the connection still comes
from its pool (routing, pool events, the ping), and each statement is announced to the engine's
`before_cursor_execute` listeners as SQLAlchemy announces its own (the request's statement count,
db/statements.py, OpenTelemetry's spans; library_internals.py says how). A driver error is raised as SQLAlchemy raises it (`DBAPIError.instance`), so
outage handling sees the same exceptions. Writes never come here: a unit of work reads through
SQLAlchemy inside its own transaction. A statement this module cannot compile that way (a
parameter rendered as a literal, a named paramstyle) runs through SQLAlchemy as before.
"""

from __future__ import annotations

import re
import sqlite3
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from invoicegraph.library_internals import announced

# Compiled texts kept per process: (statement, dialect, list lengths). Key counts vary per request, so
# one statement has a text per count it met; bounded like the other statement caches.
COMPILED_TEXTS = 1024

Processor = Callable[[Any], Any]


@dataclass(slots=True)
class _Text:
    sql: str
    # Per positional parameter: (name of the call's parameter, index in its list or -1, processor),
    # or, for a parameter the statement carries its own value for, (None, -1, value).
    order: tuple[tuple[str | None, int, Any], ...]
    row: Any  # the named tuple class of its rows
    types: tuple[Any, ...]  # the columns' types, as the dialect implements them
    # SQLAlchemy's result processors of the columns; on PostgreSQL some depend on the type the server
    # answers (a NUMERIC or a float), so they are settled at the text's first run there.
    processors: tuple[Processor | None, ...] | None = None
    processed: bool = False

    def settle(self, dialect: Dialect, server_types: Sequence[Any]) -> None:
        self.processors = tuple(type_.result_processor(dialect, server) for type_, server in zip(self.types, server_types, strict=True))
        self.processed = any(processor is not None for processor in self.processors)


_texts: OrderedDict[tuple[int, str, tuple[int, ...]], tuple[ClauseElement, _Text | None]] = OrderedDict()


def _lengths(parameters: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(len(value) for value in parameters.values() if isinstance(value, (list, tuple)))


def _compile(statement: Any, dialect: Dialect, parameters: Mapping[str, Any]) -> _Text | None:
    plain = statement.compile(dialect=dialect)
    binds = plain.binds
    if any(bind.literal_execute for bind in binds.values()) or plain.positiontup is None:
        return None
    expanding = {name for name, bind in binds.items() if bind.expanding}
    # Placeholder values of the call's lengths: the compiler renders one positional parameter per item.
    lists = {name: [None] * len(parameters[name]) for name in expanding if name in parameters}
    if len(lists) != len(expanding):
        return None
    try:
        compiled = statement.params(**{**parameters, **lists}).compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    except sa_exc.InvalidRequestError:
        return None  # a parameter the call must give and did not: SQLAlchemy's error, from SQLAlchemy
    if compiled.positiontup is None:
        return None
    order: list[tuple[str | None, int, Any]] = []
    for position in compiled.positiontup:
        if position in parameters and position not in expanding:
            order.append((position, -1, _bind_processor(binds[position], dialect)))
            continue
        match = re.fullmatch(r"(.+)_(\d+)", position)
        if match is not None and match.group(1) in lists:
            name = match.group(1)
            order.append((name, int(match.group(2)) - 1, _bind_processor(binds[name], dialect)))
            continue
        bind = compiled.binds.get(position)
        if bind is None or position in parameters or (bind.required and bind.value is None and bind.callable is None):
            return None  # a parameter the call must give and did not: SQLAlchemy's error, from SQLAlchemy
        processor = _bind_processor(bind, dialect)
        value = bind.effective_value
        order.append((None, -1, processor(value) if processor is not None else value))
    columns = list(statement.selected_columns)
    names = [column.key or f"column_{index}" for index, column in enumerate(columns)]
    text = _Text(
        sql=compiled.string,
        order=tuple(order),
        row=namedtuple("Row", names, rename=True),  # the columns' names, known at run time
        types=tuple(column.type.dialect_impl(dialect) for column in columns),
    )
    if dialect.name == "sqlite":
        text.settle(dialect, [None] * len(columns))  # SQLite's processors do not depend on a declared type
    return text


def _bind_processor(bind: Any, dialect: Dialect) -> Processor | None:
    processor: Processor | None = bind.type.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _text(statement: ClauseElement, dialect: Dialect, parameters: Mapping[str, Any]) -> _Text | None:
    key = (id(statement), dialect.name, _lengths(parameters))
    found = _texts.get(key)
    if found is not None and found[0] is statement:
        _texts.move_to_end(key)
        return found[1]
    text = _compile(statement, dialect, parameters)
    _texts[key] = (statement, text)  # the statement is held: its id cannot be reused while cached
    if len(_texts) > COMPILED_TEXTS:
        _texts.popitem(last=False)
    return text


def _values(text: _Text, parameters: Mapping[str, Any]) -> list[Any]:
    values: list[Any] = []
    for name, index, processor in text.order:
        if name is None:
            values.append(processor)  # the statement's own value, already processed
            continue
        value = parameters[name] if index < 0 else parameters[name][index]
        values.append(processor(value) if processor is not None and value is not None else value)
    return values


async def driver_fetch(connection: AsyncConnection, statement: Any, parameters: Mapping[str, Any]) -> Sequence[Any] | None:
    """All rows of `statement`, run by the driver on `connection`; None when it must go through SQLAlchemy."""
    dialect = connection.dialect
    sync = connection.sync_connection
    text = _text(statement, dialect, parameters)
    if text is None:
        return None
    driver = sync.connection.driver_connection if sync is not None else None
    if sync is None or driver is None:
        return None
    values = _values(text, parameters)
    with announced(sync, text.sql, values):  # counted and traced as SQLAlchemy's own statements are
        if dialect.name == "sqlite":
            try:
                fetched: Sequence[Any] = await driver.execute_fetchall(text.sql, values)
            except sqlite3.Error as error:
                raise sa_exc.DBAPIError.instance(text.sql, values, error, sqlite3.Error) from error
        else:
            try:
                if text.processors is None:
                    # The statement's result types, as SQLAlchemy reads them from the cursor (one more
                    # round trip, once per text and process).
                    prepared = await driver.prepare(text.sql)
                    text.settle(dialect, [attribute.type.oid for attribute in prepared.get_attributes()])
                fetched = await driver.fetch(text.sql, *values)
            except TimeoutError:
                # As db/bounds.py does for SQLAlchemy's statements: the connection still waits on the
                # server; end it and let the pool replace it.
                driver.terminate()
                await connection.invalidate()
                raise
            except Exception as error:
                # asyncpg's own errors; the original stays the cause, which outage checks read (db/outage.py).
                raise sa_exc.DBAPIError.instance(text.sql, values, error, Exception) from error
    row = text.row
    if not text.processed:
        return [row(*found) for found in fetched]
    processors = text.processors or ()
    return [
        row(*[value if processor is None else processor(value) for processor, value in zip(processors, found, strict=True)])
        for found in fetched
    ]
