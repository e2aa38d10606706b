"""Per-request DataLoaders: batched, platform-scoped statements, one per tick for all record types.

Built in the request's context (aiodataloader binds the running loop, and its cache must never be
shared between requests, let alone platforms). Every batch function runs
`WHERE platform_id = :platform AND id IN (:keys)` and returns results in key order, `None` for a miss.
The record loaders (customers, billing entities, subscriptions, coupons…) that dispatch in the same
tick share one statement (`_RecordRound`): their tables have one shape, so one UNION ALL answers all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from aiodataloader import DataLoader

from invoicegraph.db import tables
from invoicegraph.db.batching import QuietDataLoader
from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_reads import invoice_rows_to_dicts
from invoicegraph.db.prepared import fetch, invoices_by_ids, records_by_ids, records_of_kinds
from invoicegraph.db.prepared import keys as ids
from invoicegraph.db.refresh_reads import HistoryPage, refresh_history_for_invoices
from invoicegraph.observability.loaders import observe_loader, observe_loaders

Row = dict[str, Any]
BatchFn = Callable[[list[str]], Coroutine[Any, Any, list[Any]]]


def record_dict(row_id: str, platform_id: str, data: dict[str, Any]) -> Row:
    """A stored record as the API sees it: its document, with the key columns authoritative."""
    return {**data, "id": row_id, "platform_id": platform_id}


def _in_key_order(keys: Sequence[str], found: dict[str, Any]) -> list[Any]:
    return [found.get(key) for key in keys]


class _RecordRound:
    """Record batches requested in one loop tick, answered together by one statement.

    The loaders' dispatcher (db/batching.py) starts every waiting loader's batch in the same loop
    iteration; each record batch adds its keys here and waits. The round runs one loop iteration
    later, when every batch of the tick has joined: one statement for one table, a UNION ALL for more.
    """

    def __init__(self, database: Database, platform_id: str) -> None:
        self._database = database
        self._platform_id = platform_id
        self._waiting: list[tuple[type[tables.TenantRecord], list[str], asyncio.Future[dict[str, Row]]]] = []

    async def records(self, table: type[tables.TenantRecord], keys: list[str]) -> dict[str, Row]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Row]] = loop.create_future()
        self._waiting.append((table, keys, future))
        if len(self._waiting) == 1:
            loop.call_soon(self._start)
        return await future

    def _start(self) -> None:
        waiting, self._waiting = self._waiting, []
        task = asyncio.get_running_loop().create_task(self._run(waiting))
        _running.add(task)
        task.add_done_callback(_running.discard)

    async def _run(self, waiting: list[tuple[type[tables.TenantRecord], list[str], asyncio.Future[dict[str, Row]]]]) -> None:
        wanted: dict[type[tables.TenantRecord], set[str]] = {}
        for table, keys, _ in waiting:
            wanted.setdefault(table, set()).update(keys)
        kinds = tuple(sorted(wanted, key=lambda table: str(table.__tablename__)))
        try:
            async with self._database.read() as session:
                if len(kinds) == 1:
                    parameters: dict[str, Any] = {"platform_id": self._platform_id, "ids": ids(wanted[kinds[0]])}
                    rows = [(str(kinds[0].__tablename__), row) for row in await fetch(session, records_by_ids(kinds[0]), parameters)]
                else:
                    parameters = {"platform_id": self._platform_id}
                    parameters.update({f"ids_{table.__tablename__}": ids(wanted[table]) for table in kinds})
                    rows = [(row.kind, row) for row in await fetch(session, records_of_kinds(kinds), parameters)]
        except Exception as error:  # every batch of the round fails with the statement
            for _, _, future in waiting:
                if not future.done():
                    future.set_exception(error)
            return
        found: dict[str, dict[str, Row]] = {}
        for kind, row in rows:
            found.setdefault(kind, {})[row.id] = record_dict(row.id, self._platform_id, row.data)
        for table, _, future in waiting:
            if not future.done():
                future.set_result(found.get(str(table.__tablename__), {}))


# Rounds in flight (the event loop keeps only weak references to tasks).
_running: set[asyncio.Task[None]] = set()


class Loaders:
    """The loaders of one request, scoped to one platform."""

    def __init__(self, database: Database, platform_id: str | None, *, naive: bool = False) -> None:
        self._database = database
        self._platform_id = platform_id
        # Benchmark baseline only (settings.naive_execution): one statement per load, no cache.
        self._naive = naive
        self._round = _RecordRound(database, platform_id) if platform_id is not None and not naive else None
        self.invoice_by_id = self._loader(self._invoices)
        self.customer_by_id = self._loader(self._records(tables.Customer))
        self.billing_entity_by_id = self._loader(self._records(tables.BillingEntity))
        self.payment_acceptor_by_id = self._loader(self._records(tables.PaymentAcceptor))
        self.coupon_by_id = self._loader(self._records(tables.Coupon))
        self.promotion_code_by_id = self._loader(self._records(tables.PromotionCode))
        self.meter_value_by_id = self._loader(self._records(tables.MeterValue))
        self.credit_type_by_id = self._loader(self._records(tables.CreditType))
        self.subscription_by_id = self._loader(self._records(tables.Subscription))
        # Refresh history pages: one loader per (page size, cursor), made when a selection asks.
        self._history: dict[tuple[int, str | None], DataLoader[str, HistoryPage | None]] = {}
        observe_loaders(self)  # batch sizes (metrics) and batch spans (tracing), when the app has them

    def _loader(self, batch: BatchFn) -> DataLoader[str, Any]:
        if self._naive:
            return DataLoader(batch_load_fn=batch, batch=False, cache=False)
        return QuietDataLoader(batch_load_fn=batch)

    def prime_invoices(self, invoices: Iterable[Row]) -> None:
        """Seed the invoice cache with dicts already in hand (after a refresh, a list query…)."""
        for invoice in invoices:
            self.invoice_by_id.clear(invoice["id"]).prime(invoice["id"], invoice)

    @staticmethod
    def prime(loader: DataLoader[str, Any], records: Iterable[Row | None]) -> None:
        """Seed a record loader with records already read in this request (e.g. by a refresh)."""
        for record in records:
            if record is not None:
                loader.clear(record["id"]).prime(record["id"], record)

    def _records(self, table: type[tables.TenantRecord]) -> BatchFn:
        async def batch(keys: list[str]) -> list[Any]:
            if self._platform_id is None:
                return [None] * len(keys)
            if self._round is not None:
                return _in_key_order(keys, await self._round.records(table, keys))
            async with self._database.read() as session:
                rows = await fetch(session, records_by_ids(table), {"platform_id": self._platform_id, "ids": ids(keys)})
            platform_id = self._platform_id
            return _in_key_order(keys, {row.id: record_dict(row.id, platform_id, row.data) for row in rows})

        return batch

    async def _invoices(self, keys: list[str]) -> list[Any]:
        if self._platform_id is None:
            return [None] * len(keys)
        async with self._database.read() as session:
            rows = await fetch(session, invoices_by_ids(), {"platform_id": self._platform_id, "ids": ids(keys)})
        return _in_key_order(keys, {item["id"]: item for item in invoice_rows_to_dicts(rows)})

    def refresh_history(self, size: int, after: str | None) -> DataLoader[str, HistoryPage | None]:
        """Loader of invoices' refresh history pages of `size` records after record `after`.

        A page is None when `after` is not a record of that invoice's history.
        """
        loader = self._history.get((size, after))
        if loader is None:

            async def batch(invoice_ids: list[str]) -> list[Any]:
                if self._platform_id is None:
                    return [None] * len(invoice_ids)
                async with self._database.read() as session:
                    pages = await refresh_history_for_invoices(session, self._platform_id, invoice_ids, size=size, after=after)
                return [pages[invoice_id] for invoice_id in invoice_ids]

            loader = self._history[(size, after)] = self._loader(batch)
            observe_loader("refresh_history", loader)
        return loader
