"""Per-request DataLoaders: batched, platform-scoped reads, one statement per loop tick for all of them.

Built in the request's context (aiodataloader binds the running loop, and its cache must never be
shared between requests, let alone platforms). Every read is described once (db/reads.py): its
statement runs `WHERE platform_id = :platform AND <key> IN (:keys)`, and its results come back in key
order, `None` for a miss. The batches of one loop tick meet in a `_Round`: a single batch runs its own
statement; several run as one UNION ALL (record tables share their `id, data` shape; other reads are
folded into JSON rows and unfolded, db/folding.py), so a level of a GraphQL query costs one statement.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterable, Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import Select, union_all

from invoicegraph.db import tables
from invoicegraph.db.batching import QuietDataLoader
from invoicegraph.db.folding import Folded, folded, prefixed_parameters
from invoicegraph.db.invoice_listing import InvoicePage, InvoiceQuery
from invoicegraph.db.invoice_reads import InvoiceShape
from invoicegraph.db.prepared import Reads, dialect_of, fetch
from invoicegraph.db.reads import CustomerInvoicesRead, HistoryRead, InvoicesRead, Read, RecordsRead, record_dict
from invoicegraph.db.refresh_reads import HistoryPage
from invoicegraph.db.request import RequestDatabase
from invoicegraph.db.stale_reads import RefreshMarksRead, TableMarksRead, UsageMarksRead
from invoicegraph.observability.loaders import observe_loader
from invoicegraph.rows import Row

__all__ = ["Loaders", "record_dict"]

BatchFn = Callable[[list[str]], Coroutine[Any, Any, list[Any]]]
# Round statements built once per (reads, dialect); bounded like the other statement caches.
ROUND_STATEMENTS = 256


def _in_key_order(keys: Sequence[str], found: dict[str, Any]) -> list[Any]:
    return [found.get(key) for key in keys]


async def _alone(session: Reads, read: Read, platform_id: str, keys: Sequence[str]) -> dict[str, Any]:
    dialect = dialect_of(session)
    return read.results(await fetch(session, read.statement(dialect), read.parameters(platform_id, keys)), platform_id, keys)


class _RoundStatement:
    """The UNION ALL of some reads (in a fixed order), with the reads that could not be folded."""

    def __init__(self, reads: tuple[Read, ...], dialect: str) -> None:
        self.folds: dict[str, tuple[Read, Folded]] = {}
        self.unfolded: list[Read] = []
        branches: list[Select[Any]] = []
        for index, read in enumerate(reads):
            kind = f"r{index}"
            fold = folded(read.statement(dialect), kind, f"{kind}_", dialect)
            if fold is None:
                self.unfolded.append(read)
                continue
            self.folds[kind] = (read, fold)
            branches.append(fold.branch)
        self.statement: Any = None
        if len(branches) > 1:
            self.statement = union_all(*branches)
        elif branches:
            self.statement = branches[0]


_statements: OrderedDict[tuple[tuple[Read, ...], str], _RoundStatement] = OrderedDict()


def _round_statement(reads: tuple[Read, ...], dialect: str) -> _RoundStatement:
    key = (reads, dialect)
    built = _statements.get(key)
    if built is None:
        built = _statements[key] = _RoundStatement(reads, dialect)
        if len(_statements) > ROUND_STATEMENTS:
            _statements.popitem(last=False)
    else:
        _statements.move_to_end(key)
    return built


class _Round:
    """The batches requested in one loop tick, answered together.

    The loaders' dispatcher (db/batching.py) starts every waiting loader's batch in the same loop
    iteration; each batch adds its read and keys here and waits. The round runs one loop iteration
    later, when every batch of the tick has joined: equal reads share their keys, one read runs its
    own statement, several run as one folded UNION ALL (db/folding.py).
    """

    def __init__(self, database: RequestDatabase, platform_id: str) -> None:
        self._database = database
        self._platform_id = platform_id
        self._waiting: list[tuple[Read, list[str], asyncio.Future[dict[str, Any]]]] = []

    async def ask(self, read: Read, keys: list[str]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._waiting.append((read, keys, future))
        if len(self._waiting) == 1:
            loop.call_soon(self._start)
        return await future

    def _start(self) -> None:
        waiting, self._waiting = self._waiting, []
        task = asyncio.get_running_loop().create_task(self._run(waiting))
        _running.add(task)
        task.add_done_callback(_running.discard)

    async def _run(self, waiting: list[tuple[Read, list[str], asyncio.Future[dict[str, Any]]]]) -> None:
        wanted: dict[Read, set[str]] = {}
        for read, keys, _ in waiting:
            wanted.setdefault(read, set()).update(keys)
        try:
            async with self._database.reads() as session:
                found = await self._answer(session, {read: sorted(keys) for read, keys in wanted.items()})
        except Exception as error:  # every batch of the round fails with the statement
            for _, _, future in waiting:
                if not future.done():
                    future.set_exception(error)
            return
        for read, _, future in waiting:
            if not future.done():
                future.set_result(found[read])

    async def _answer(self, session: Reads, wanted: dict[Read, list[str]]) -> dict[Read, dict[str, Any]]:
        platform_id = self._platform_id
        if len(wanted) == 1:
            [(read, keys)] = wanted.items()
            return {read: await _alone(session, read, platform_id, keys)}
        reads = tuple(sorted(wanted, key=repr))  # a stable order: one statement per set of reads
        built = _round_statement(reads, dialect_of(session))
        found: dict[Read, dict[str, Any]] = {}
        if built.statement is not None:
            parameters: dict[str, Any] = {}
            for kind, (read, _) in built.folds.items():
                parameters.update(prefixed_parameters(read.parameters(platform_id, wanted[read]), f"{kind}_"))
            rows: dict[str, list[Any]] = {kind: [] for kind in built.folds}
            unfold = {kind: fold.rows for kind, (_, fold) in built.folds.items()}
            fetched: Sequence[Any] = await fetch(session, built.statement, parameters)
            for kind, row_id, data in fetched:  # a loop per record (or per other read): kept lean
                rows[kind] += unfold[kind](row_id, data)
            for kind, (read, _) in built.folds.items():
                found[read] = read.results(rows[kind], platform_id, wanted[read])
        for read in built.unfolded:
            found[read] = await _alone(session, read, platform_id, wanted[read])
        return found


# Rounds in flight (the event loop keeps only weak references to tasks).
_running: set[asyncio.Task[None]] = set()


class _Made:
    """A loader of the request, made on first use: most requests use a few of them, and making one is not free.

    A non-data descriptor: the loader it makes is stored on the instance under the same name, so
    later uses read the instance's attribute and never come back here.
    """

    def __init__(self, read: Read) -> None:
        self._read = read
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, loaders: Loaders | None, owner: type) -> Any:
        if loaders is None:
            return self
        loader = loaders._loader(self._read)
        observe_loader(self._name, loader)  # batch sizes (metrics) and batch spans (tracing), when the app has them
        loaders.__dict__[self._name] = loader
        return loader


class Loaders:
    """The loaders of one request, scoped to one platform."""

    invoice_by_id: QuietDataLoader = _Made(InvoicesRead())  # type: ignore[assignment]  # made per request
    customer_by_id: QuietDataLoader = _Made(RecordsRead(tables.Customer))  # type: ignore[assignment]
    billing_entity_by_id: QuietDataLoader = _Made(RecordsRead(tables.BillingEntity))  # type: ignore[assignment]
    payment_acceptor_by_id: QuietDataLoader = _Made(RecordsRead(tables.PaymentAcceptor))  # type: ignore[assignment]
    coupon_by_id: QuietDataLoader = _Made(RecordsRead(tables.Coupon))  # type: ignore[assignment]
    promotion_code_by_id: QuietDataLoader = _Made(RecordsRead(tables.PromotionCode))  # type: ignore[assignment]
    meter_value_by_id: QuietDataLoader = _Made(RecordsRead(tables.MeterValue))  # type: ignore[assignment]
    credit_type_by_id: QuietDataLoader = _Made(RecordsRead(tables.CreditType))  # type: ignore[assignment]
    subscription_by_id: QuietDataLoader = _Made(RecordsRead(tables.Subscription))  # type: ignore[assignment]
    # Change markers of Invoice.staleSources (services/staleness.py).
    refresh_marks_by_invoice: QuietDataLoader = _Made(RefreshMarksRead())  # type: ignore[assignment]
    table_marks: QuietDataLoader = _Made(TableMarksRead())  # type: ignore[assignment]
    usage_marks_by_customer: QuietDataLoader = _Made(UsageMarksRead())  # type: ignore[assignment]

    def __init__(self, database: RequestDatabase, platform_id: str | None) -> None:
        self._database = database
        self._platform_id = platform_id
        self._round = _Round(database, platform_id) if platform_id is not None else None
        # Pages (refresh history, a customer's invoices): one loader per read, made when a selection asks.
        self._pages: dict[Read, DataLoader[str, Any]] = {}

    def _loader(self, read: Read) -> DataLoader[str, Any]:
        return QuietDataLoader(batch_load_fn=self._batch(read))

    def _batch(self, read: Read) -> BatchFn:
        # The batch function holds what it uses, not the Loaders: a loader refers to its batch
        # function, so a reference back would make every request's loaders a cycle that only the
        # garbage collector can free (and collections cost the more, the more garbage they find).
        round_ = self._round

        async def batch(keys: list[str]) -> list[Any]:
            if round_ is None:  # no platform: nothing to read
                return [None] * len(keys)
            return _in_key_order(keys, await round_.ask(read, keys))

        return batch

    def prime_invoices(self, invoices: Iterable[Row]) -> None:
        """Seed the invoice cache with dicts already in hand (after a refresh, a list query…)."""
        self.prime(self.invoice_by_id, invoices)

    @staticmethod
    def prime(loader: QuietDataLoader, records: Iterable[Row | None]) -> None:
        """Seed a record loader with records already read in this request (e.g. by a refresh)."""
        for record in records:
            if record is not None:
                loader.put(record["id"], record)

    def refresh_history(self, size: int, after: str | None) -> DataLoader[str, HistoryPage | None]:
        """Loader of invoices' refresh history pages of `size` records after record `after`.

        A page is None when `after` is not a record of that invoice's history.
        """
        return self._page_loader("refresh_history", HistoryRead(size, after))

    def customer_invoices(
        self, query: InvoiceQuery, first: int, after: str | None, shape: InvoiceShape, backward: bool = False
    ) -> DataLoader[str, InvoicePage]:
        """Loader of customers' invoice pages (backward: `first` before the cursor `after`); customers asking alike share a batch."""
        return self._page_loader("customer_invoices", CustomerInvoicesRead(query, first, after, shape, backward))

    def _page_loader(self, name: str, read: Read) -> DataLoader[str, Any]:
        loader = self._pages.get(read)
        if loader is None:
            loader = self._pages[read] = self._loader(read)
            observe_loader(name, loader)
        return loader


def ready(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def settled(future: asyncio.Future[Any]) -> Any:
    """A loaded value already in the request's cache (primed, or read earlier) as the value itself.

    Awaiting a done future costs a loop iteration and, in a compiled plan, a pending entry; most of a
    refresh's response is records the refresh already read. A failed or pending load stays a future.
    """
    return future.result() if ready(future) else future
