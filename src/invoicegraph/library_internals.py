"""Every use of a library's private attribute, in one place, each with why and what it buys.

Nothing else in the package reads a name with a leading underscore from a library. When a library
upgrade breaks one of these, this file is the one to read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.util import await_

if TYPE_CHECKING:
    from graphql import GraphQLEnumType, GraphQLSchema
    from sqlalchemy.engine import Connection
    from strawberry import Schema


def graphql_core_schema(schema: Schema) -> GraphQLSchema:
    """The graphql-core schema a Strawberry schema built.

    Strawberry keeps it as `Schema._schema` and offers no public accessor; its own `execute` passes
    it to graphql-core the same way. Our endpoint (graphql/endpoint.py) calls graphql-core's
    `parse`, `validate` and `execute` itself, because its unit of work spans the operation.
    """
    core: GraphQLSchema = schema._schema
    return core


def is_default_resolver(resolve: object) -> bool:
    """Whether a graphql-core field's resolver is Strawberry's wrapper around the default resolver.

    Strawberry marks that wrapper with `_is_default`; it calls `config.default_resolver(source,
    python_name)` and nothing else, so a compiled plan calls our default resolver directly instead
    (execution/plan.py). One call less per plain field: the bulk of a large answer.
    """
    return bool(getattr(resolve, "_is_default", False))


def enum_value_names(enum_type: GraphQLEnumType) -> dict[Any, str]:
    """graphql-core's cached table from an enum's values to their names (`GraphQLEnumType._value_lookup`).

    For an exact `str` value the table gives what `coerce_output_value` gives (Strawberry's enum type
    first checks for members of the Python enum, which a `str` never is); generated completers read
    it directly instead of calling the coercion per enum field (execution/unrolled.py). Read only.
    """
    lookup: dict[Any, str] = enum_type._value_lookup
    return lookup


def sqlite_create_aggregate(dbapi_connection: Any, name: str, arguments: int, aggregate: type) -> None:
    """Register an aggregate on the sqlite3 connection behind SQLAlchemy's aiosqlite adapter.

    aiosqlite offers `create_function` but no `create_aggregate`: the sqlite3 connection it owns
    (`Connection._conn`) must be called on aiosqlite's worker thread (`Connection._execute`). Exact
    decimal sums on SQLite (db/sqlite_decimal.py) need it: SQLite's own SUM goes through floats.
    Runs inside SQLAlchemy's synchronous connect event, hence `await_`.
    """
    driver = dbapi_connection.driver_connection  # aiosqlite.Connection (SQLAlchemy's public accessor)
    raw = driver._conn
    await_(driver._execute(raw.create_aggregate, name, arguments, aggregate))


def ready_callbacks(loop: asyncio.AbstractEventLoop) -> int | None:
    """How many callbacks asyncio's loop runs next (its `_ready` deque); None on a loop without one (uvloop).

    db/batching.py dispatches the loaders' batches once the loop goes quiet. Measured against
    dispatching one iteration after the first load (what Strawberry's and aiodataloader's DataLoaders do),
    which needs no private attribute: CPU within 1 % (callgrind, bench/instructions.py), but batches of sibling branches split,
    so the whole invoice graph read 3 statements instead of 2 and a refresh answered with it 13 instead
    of 12 (tests/integration/graphql/test_statement_budget.py, test_refresh_response_budget.py).
    """
    ready = getattr(loop, "_ready", None)
    return len(ready) if ready is not None else None


class _DriverStatement:
    """The execution context handed to listeners for a statement the driver runs: listeners may keep
    attributes on it between the two events (OpenTelemetry keeps its span there)."""


@contextmanager
def announced(connection: Connection, statement: str, parameters: Sequence[Any]) -> Iterator[None]:
    """Tell a connection's cursor listeners about a statement the driver runs directly, around it.

    db/driver_reads.py runs a read session's statements on the driver connection SQLAlchemy checked
    out, without SQLAlchemy's cursor; its engine's listeners must still see each one: the statement
    counter of every request (db/statements.py), OpenTelemetry's statement spans, and in tests the
    tenant guard and the fault injectors. SQLAlchemy fires `before_cursor_execute` and
    `after_cursor_execute` through the connection's `dispatch`, which is not underscored but is not
    documented as something to call either; this fires them the same way, with no cursor. A statement
    that fails ends its span too (`after_cursor_execute` in all cases: SQLAlchemy's `handle_error`
    needs an exception context only its own execution builds); the request's spans carry the error.
    """
    context = _DriverStatement()
    connection.dispatch.before_cursor_execute(connection, None, statement, parameters, context, False)
    try:
        yield
    finally:
        connection.dispatch.after_cursor_execute(connection, None, statement, parameters, context, False)
