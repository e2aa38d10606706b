"""A request's loaders (db/batching.py, db/loaders.py): a tick of loads is one round, one task, one statement.

Given: the example platform imported, on SQLite and PostgreSQL. When: loads of several loaders in one
loop tick, loads started at once (`start_now`), loads of a key already loaded or primed, loads in a
round whose statement fails, and loads without a platform. Then: the tick starts one task and runs one
statement; an early start runs its round before the loop turns and adds no task; a key's loads share one
future; a primed value replaces the cached one without robbing a load in flight; a failed statement
fails every load of its round and leaves the cache, so the next load reads again; the round runs in the
context of the request that loaded first; no platform reads nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Select, exc, literal_column, select, table

from invoicegraph.db.engine import Database
from invoicegraph.db.loaders import Loaders, _Round
from invoicegraph.db.statements import start_tally
from tests.support.data import INVOICE_ID, example, load

PLATFORM = "plat_acme"
_asker: ContextVar[str] = ContextVar("asker", default="nobody")


@dataclass(frozen=True)
class MissingTableRead:
    """A read whose statement the database refuses: its table does not exist."""

    def statement(self, dialect: str) -> Select[Any]:
        columns: list[Any] = [literal_column("id"), literal_column("data")]
        return select(*columns).select_from(table("no_such_records"))

    def parameters(self, platform_id: str, keys: Sequence[str]) -> dict[str, Any]:
        return {}

    def results(self, rows: Sequence[Any], platform_id: str, keys: Sequence[str]) -> dict[str, Any]:
        return {row.id: row.data for row in rows}


@pytest.fixture
async def data(database: Database, tmp_path: Path) -> dict[str, Any]:
    source = example()
    await load(database, tmp_path, source, "example.json")
    return source


class _TaskCount:
    """Counts the tasks the running loop creates (its task factory), and their coroutines' names."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._loop = asyncio.get_running_loop()

    def __enter__(self) -> _TaskCount:
        def factory(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], **kwargs: Any) -> asyncio.Task[Any]:
            self.names.append(getattr(coro, "__qualname__", repr(coro)))
            return asyncio.Task(coro, loop=loop, **kwargs)

        self._loop.set_task_factory(factory)  # type: ignore[arg-type]
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.set_task_factory(None)


@pytest.mark.usefixtures("data")
async def test_a_tick_of_loads_is_one_round_one_task_and_one_statement(database: Database, data: dict[str, Any]) -> None:
    request = database.for_request()
    loaders = Loaders(request, PLATFORM)
    customers = [c["id"] for c in data["customers"]]
    tally = start_tally()
    with _TaskCount() as tasks:
        first = loaders.customer_by_id.load(customers[0])
        assert loaders.customer_by_id.load(customers[0]) is first  # one future per key per request
        invoice, found, entities, history = await asyncio.gather(
            loaders.invoice_by_id.load(INVOICE_ID),
            loaders.customer_by_id.load_many([*customers, "cust_missing"]),
            loaders.billing_entity_by_id.load_many([b["id"] for b in data["billing_entities"]]),
            loaders.refresh_history(5, None).load(INVOICE_ID),
        )
    await request.close()
    assert tasks.names == ["_Round._run"], tasks.names
    assert tally.count == 1, tally.statements
    assert invoice is not None
    assert invoice["id"] == INVOICE_ID
    assert [c["id"] if c else None for c in found] == [*customers, None]
    assert await first is found[0]
    assert all(entity is not None for entity in entities)
    assert history is not None
    assert history.total_count == 0


@pytest.mark.usefixtures("data")
async def test_start_now_starts_the_round_at_once_and_the_dispatcher_adds_no_other(database: Database, data: dict[str, Any]) -> None:
    request = database.for_request()
    loaders = Loaders(request, PLATFORM)
    customers = [c["id"] for c in data["customers"]]
    tally = start_tally()
    with _TaskCount() as tasks:
        customer = loaders.customer_by_id.load(customers[0])
        entity = loaders.billing_entity_by_id.load(data["billing_entities"][0]["id"])
        loaders.start_now()
        assert tasks.names == ["_Round._run"]  # before the loop has turned once
        found = await asyncio.gather(customer, entity)
        # The dispatcher's turn for the early round came meanwhile and found nothing to start; a later
        # load is a round of its own, started by the dispatcher.
        later = await loaders.invoice_by_id.load(INVOICE_ID)
    await request.close()
    assert tasks.names == ["_Round._run", "_Round._run"], tasks.names
    assert tally.count == 2, tally.statements
    assert [record["id"] for record in found if record is not None] == [customers[0], data["billing_entities"][0]["id"]]
    assert later is not None
    assert later["id"] == INVOICE_ID


@pytest.mark.usefixtures("data")
async def test_a_primed_value_replaces_the_cached_one_but_not_a_load_in_flight(database: Database, data: dict[str, Any]) -> None:
    request = database.for_request()
    loaders = Loaders(request, PLATFORM)
    customer_id = data["customers"][0]["id"]
    in_flight = loaders.customer_by_id.load(customer_id)
    loaders.prime(loaders.customer_by_id, [{"id": customer_id, "name": "primed"}])
    read = await in_flight
    primed = await loaders.customer_by_id.load(customer_id)
    await request.close()
    assert read is not None
    assert read.get("name") != "primed"  # the database's record
    assert read["id"] == customer_id
    assert primed == {"id": customer_id, "name": "primed"}


@pytest.mark.usefixtures("data")
async def test_a_failed_statement_fails_its_round_and_leaves_the_cache(database: Database, data: dict[str, Any]) -> None:
    request = database.for_request()
    loaders = Loaders(request, PLATFORM)
    customer_id = data["customers"][0]["id"]
    failing = loaders._round.loader("missing", MissingTableRead())
    tally = start_tally()
    outcomes = await asyncio.gather(failing.load("x"), failing.load("y"), loaders.customer_by_id.load(customer_id), return_exceptions=True)
    assert all(isinstance(outcome, exc.DBAPIError) for outcome in outcomes), outcomes
    assert failing.futures == {}
    assert loaders.customer_by_id.futures == {}
    again = await loaders.customer_by_id.load(customer_id)  # read again, not the cached failure
    await request.close()
    assert again is not None
    assert again["id"] == customer_id
    assert tally.count >= 2, tally.statements


@pytest.mark.usefixtures("data")
async def test_a_round_runs_in_the_context_of_its_first_load(database: Database, data: dict[str, Any]) -> None:
    seen: list[str] = []

    class _Noting(_Round):
        async def _run(self, batches: Any) -> None:
            seen.append(_asker.get())
            await super()._run(batches)

    async def ask(name: str) -> Any:
        _asker.set(name)
        request = database.for_request()
        loaders = Loaders(request, PLATFORM)
        loaders._round = _Noting(request, PLATFORM, None)
        try:
            return await loaders.invoice_by_id.load(INVOICE_ID)
        finally:
            await request.close()

    # Two requests in one tick: each round is its own request's, in its context (tasks copy it).
    first, second = await asyncio.gather(asyncio.create_task(ask("first")), asyncio.create_task(ask("second")))
    assert first is not None
    assert second is not None
    assert sorted(seen) == ["first", "second"]


async def test_without_a_platform_every_load_finds_nothing_and_reads_nothing(database: Database) -> None:
    request = database.for_request()
    loaders = Loaders(request, None)
    tally = start_tally()
    found = await asyncio.gather(loaders.invoice_by_id.load(INVOICE_ID), loaders.customer_by_id.load_many(["a", "b"]))
    await request.close()
    assert found == [None, [None, None]]
    assert tally.count == 0
