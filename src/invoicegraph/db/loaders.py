"""Per-request loaders: batched, platform-scoped reads, one statement per loop tick for all of them.

Built in the request's context (a loader's cache must never be shared between requests, let alone
platforms). Every read is described once (db/reads.py): its statement runs `WHERE platform_id =
:platform AND <key> IN (:keys)`, and its results come back by key, `None` for a miss. The loads of one
loop tick meet in the request's `_Round`, one task for all of them (db/batching.py starts it): a single
read runs its own statement; several run as one UNION ALL (record tables share their `id, data` shape;
other reads are folded into JSON rows and unfolded, db/folding.py), so a level of a GraphQL query costs
one statement.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from contextvars import Context, copy_context
from typing import Any, overload

from sqlalchemy import Select, union_all

from invoicegraph.db import tables
from invoicegraph.db.batching import BatchLoader, Waiting, start_now, start_when_quiet
from invoicegraph.db.folding import Folded, folded, prefixed_parameters
from invoicegraph.db.invoice_listing import InvoiceQuery
from invoicegraph.db.invoice_reads import InvoiceShape
from invoicegraph.db.prepared import Reads, dialect_of, fetch
from invoicegraph.db.reads import CustomerInvoicesRead, HistoryRead, InvoicesRead, Read, RecordsRead, ServedInvoicesRead, record_dict
from invoicegraph.db.request import RequestDatabase
from invoicegraph.db.stale_reads import RefreshMarksRead, TableMarksRead, UsageMarksRead
from invoicegraph.observability.facts import Telemetry
from invoicegraph.observability.loaders import loader_telemetry, observed_round
from invoicegraph.rows import Row

__all__ = ["Loaders", "record_dict"]

# Round statements built once per (reads, dialect); bounded like the other statement caches.
ROUND_STATEMENTS = 256


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
    """The loads of one request that one batch answers: every loader's waiting keys, in one task.

    Loaders join when their first key waits; the loop's dispatcher (db/batching.py) starts the round
    once the loop is quiet, so every branch of the query that is not waiting on I/O has joined. Equal
    reads share their keys; one read runs its own statement, several run as one folded UNION ALL
    (db/folding.py). The task runs in the context of the first load, so its statements belong to
    that request's spans.
    """

    def __init__(self, database: RequestDatabase, platform_id: str | None, telemetry: Telemetry | None) -> None:
        self._database = database
        self._platform_id = platform_id
        self._telemetry = telemetry
        self._loop = asyncio.get_running_loop()
        self._joined: list[BatchLoader[Read]] = []
        self._context: Context | None = None

    def loader(self, name: str, read: Read) -> BatchLoader[Read]:
        return BatchLoader(name, read, self, self._loop)

    def join(self, loader: BatchLoader[Read]) -> None:
        self._joined.append(loader)
        if len(self._joined) == 1:
            self._context = copy_context()
            start_when_quiet(self, self._loop)

    def start_now(self) -> None:
        if self._joined:
            start_now(self, self._loop)

    def start(self) -> None:
        joined, self._joined = self._joined, []
        batches = [(loader, loader.take()) for loader in joined]
        task = self._loop.create_task(self._run(batches), context=self._context)
        _running.add(task)
        task.add_done_callback(_running.discard)

    async def _run(self, batches: list[tuple[BatchLoader[Read], Waiting]]) -> None:
        wanted: dict[Read, set[str]] = {}
        for loader, waiting in batches:
            keys = wanted.setdefault(loader.read, set())
            keys.update(key for key, _ in waiting)
        found: dict[Read, dict[str, Any]] = {}
        platform_id = self._platform_id
        try:
            if platform_id is not None:  # no platform: nothing to read
                with observed_round(self._telemetry, [(loader.name, len(waiting)) for loader, waiting in batches]):
                    async with self._database.reads() as session:
                        found = await self._answer(session, platform_id, {read: sorted(keys) for read, keys in wanted.items()})
        except Exception as error:  # every load of the round fails with the statement
            for loader, waiting in batches:
                loader.fail(waiting, error)
            return
        for loader, waiting in batches:
            loader.answer(waiting, found.get(loader.read, {}))

    @staticmethod
    async def _answer(session: Reads, platform_id: str, wanted: dict[Read, list[str]]) -> dict[Read, dict[str, Any]]:
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

    @overload
    def __get__(self, loaders: None, owner: type) -> _Made: ...

    @overload
    def __get__(self, loaders: Loaders, owner: type) -> BatchLoader[Read]: ...

    def __get__(self, loaders: Loaders | None, owner: type) -> _Made | BatchLoader[Read]:
        if loaders is None:
            return self
        loader = loaders.__dict__[self._name] = loaders._round.loader(self._name, self._read)
        return loader


class Loaders:
    """The loaders of one request, scoped to one platform (none: every load finds nothing)."""

    invoice_by_id = _Made(InvoicesRead())
    # The REST body as stored (records/served.py): `GET /v1/invoices/{id}` reads this, not the document.
    served_invoice_by_id = _Made(ServedInvoicesRead())
    customer_by_id = _Made(RecordsRead(tables.Customer))
    billing_entity_by_id = _Made(RecordsRead(tables.BillingEntity))
    payment_acceptor_by_id = _Made(RecordsRead(tables.PaymentAcceptor))
    coupon_by_id = _Made(RecordsRead(tables.Coupon))
    promotion_code_by_id = _Made(RecordsRead(tables.PromotionCode))
    meter_value_by_id = _Made(RecordsRead(tables.MeterValue))
    credit_type_by_id = _Made(RecordsRead(tables.CreditType))
    subscription_by_id = _Made(RecordsRead(tables.Subscription))
    # Change markers of Invoice.staleSources (services/staleness.py).
    refresh_marks_by_invoice = _Made(RefreshMarksRead())
    table_marks = _Made(TableMarksRead())
    usage_marks_by_customer = _Made(UsageMarksRead())

    def __init__(self, database: RequestDatabase, platform_id: str | None) -> None:
        self._round = _Round(database, platform_id, loader_telemetry())
        # Pages (refresh history, a customer's invoices): one loader per read, made when a selection asks.
        self._pages: dict[Read, BatchLoader[Read]] = {}

    def start_now(self) -> None:
        """Start the round of the loads asked for so far, without waiting for the loop to go quiet.

        For a caller that has asked for everything it needs before it awaits any of it (a REST
        route): nothing else would join the round, and the wait is all it would cost (eight loop
        iterations on uvloop, db/batching.py). GraphQL resolvers never call it: their siblings'
        loads join the round while it waits.
        """
        self._round.start_now()

    def prime_invoices(self, invoices: Iterable[Row]) -> None:
        """Seed the invoice cache with dicts already in hand (after a refresh, a list query…)."""
        self.prime(self.invoice_by_id, invoices)

    @staticmethod
    def prime(loader: BatchLoader[Read], records: Iterable[Row | None]) -> None:
        """Seed a record loader with records already read in this request (e.g. by a refresh)."""
        for record in records:
            if record is not None:
                loader.put(record["id"], record)

    def refresh_history(self, size: int, after: str | None) -> BatchLoader[Read]:
        """Loader of invoices' refresh history pages (`HistoryPage`) of `size` records after record `after`.

        A page is None when `after` is not a record of that invoice's history.
        """
        return self._page_loader("refresh_history", HistoryRead(size, after))

    def customer_invoices(
        self, query: InvoiceQuery, first: int, after: str | None, shape: InvoiceShape, backward: bool = False
    ) -> BatchLoader[Read]:
        """Loader of customers' invoice pages (`InvoicePage`; backward: `first` before the cursor `after`); customers asking alike share a batch."""
        return self._page_loader("customer_invoices", CustomerInvoicesRead(query, first, after, shape, backward))

    def _page_loader(self, name: str, read: Read) -> BatchLoader[Read]:
        loader = self._pages.get(read)
        if loader is None:
            loader = self._pages[read] = self._round.loader(name, read)
        return loader


def ready(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def settled(future: asyncio.Future[Any]) -> Any:
    """A loaded value already in the request's cache (primed, or read earlier) as the value itself.

    Awaiting a done future costs a loop iteration and, in a compiled plan, a pending entry; most of a
    refresh's response is records the refresh already read. A failed or pending load stays a future.
    """
    return future.result() if ready(future) else future
