"""Batch loaders of one request, and the dispatcher that starts their batches once the event loop goes quiet.

A `BatchLoader` answers `load(key)` with a future that the request shares: the first load of a key
queues it, later loads get the same future. A loader does not read anything itself: it joins its
request's `Batch` (db/loaders.py's round), which answers the keys of all its loaders together, in one
task and one statement.

Why not a DataLoader library: aiodataloader (and Strawberry's) start a task per loader one loop
iteration after its first load, and each such task then had to meet the others in a round. A full
invoice graph made 20 of those tasks per request, `staleSources` alone six, for a statement each round
that answers them all. Here a round starts one task for all its loaders.

When: graphql-core resolves sibling branches of a query through different numbers of awaits (a single
object versus the items of a list), so loads of the same depth can straddle "the next iteration" and
split one batch into two, which would make a query's statement count depend on the length of its lists.
So a batch starts once no other callback is ready (bounded): every branch not waiting on I/O has queued
its keys by then. One deferral per event loop, shared by every batch with keys waiting: if each deferred
on its own, each would see the others' deferral callbacks in the ready queue, call the loop busy, and
they would keep each other spinning until the bound.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from invoicegraph.library_internals import ready_callbacks

# Upper bound on deferrals: a busy loop still dispatches within this many iterations.
MAX_DEFERRALS = 64
# Without a readable ready queue (uvloop), defer a fixed number of iterations instead.
FIXED_DEFERRALS = 8


class Batch(Protocol):
    """Keys of some loaders, waiting to be answered together."""

    def join(self, loader: BatchLoader[Any]) -> None:
        """`loader` has keys waiting (its first since the batch last started)."""

    def start(self) -> None:
        """Take every waiting loader's keys and answer them (called once the loop is quiet)."""


class _Dispatcher:
    """Starts the waiting batches of one event loop once nothing else is ready to run."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: list[Batch] = []
        self.chain = 0  # which chain of deferrals is current (one runs while batches wait)

    def add(self, batch: Batch) -> None:
        self.waiting.append(batch)
        if len(self.waiting) == 1:
            self.chain += 1
            self.loop.call_soon(self._tick, self.chain, 0)

    def withdraw(self, batch: Batch) -> None:
        """`batch` starts now, by its owner's call: it waits no more (and, if it was the last, nothing does)."""
        if batch in self.waiting:
            self.waiting.remove(batch)

    def _tick(self, chain: int, hops: int) -> None:
        if chain != self.chain or not self.waiting:
            return  # everything waiting was withdrawn (a later add runs a chain of its own)
        ready = ready_callbacks(self.loop)
        busy = ready > 0 if ready is not None else hops < FIXED_DEFERRALS
        if busy and hops < MAX_DEFERRALS:
            self.loop.call_soon(self._tick, chain, hops + 1)
            return
        waiting, self.waiting = self.waiting, []
        for batch in waiting:
            batch.start()


_dispatchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Dispatcher] = weakref.WeakKeyDictionary()


def _dispatcher(loop: asyncio.AbstractEventLoop) -> _Dispatcher:
    dispatcher = _dispatchers.get(loop)
    if dispatcher is None:
        dispatcher = _dispatchers[loop] = _Dispatcher(loop)
    return dispatcher


def start_when_quiet(batch: Batch, loop: asyncio.AbstractEventLoop) -> None:
    """Call `batch.start()` once `loop` has no other callback ready (or after a bounded wait)."""
    _dispatcher(loop).add(batch)


def start_now(batch: Batch, loop: asyncio.AbstractEventLoop) -> None:
    """Call `batch.start()` at once: its owner knows nothing more will join it. The deferrals it was
    waiting for stop, unless another batch still waits."""
    _dispatcher(loop).withdraw(batch)
    batch.start()


async def loaded(futures: Sequence[asyncio.Future[Any]]) -> list[Any]:
    """The values of loads already asked for, in order (what `asyncio.gather` would give for them).

    Awaiting the loaders' futures one by one costs less than gathering them (no done callback and no
    outer future per call; 6 % of a 25-invoice list with `staleSources`). When one fails, the others'
    failures are marked as seen, as gather marks them, so that a failed round logs no "exception was
    never retrieved" for the loads nobody awaited after the first error.
    """
    try:
        return [await future for future in futures]
    except BaseException:
        for future in futures:
            if future.done():
                _seen(future)
            else:
                future.add_done_callback(_seen)
        raise


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


# Keys handed to a batch, each with the future its loads share.
Waiting = list[tuple[str, "asyncio.Future[Any]"]]
R = TypeVar("R")


class BatchLoader(Generic[R]):
    """The cached, batched loads of one kind of value (one read, `R`) in one request, by string key."""

    __slots__ = ("_batch", "_loop", "futures", "name", "read", "waiting")

    def __init__(self, name: str, read: R, batch: Batch, loop: asyncio.AbstractEventLoop) -> None:
        self.name = name  # for metrics and spans
        self.read = read  # what the batch reads for this loader's keys
        self._batch = batch
        self._loop = loop
        self.futures: dict[str, asyncio.Future[Any]] = {}  # the request's cache
        self.waiting: Waiting = []  # keys (with their futures) not yet handed to a batch

    def load(self, key: str) -> asyncio.Future[Any]:
        future = self.futures.get(key)
        if future is None:
            future = self.futures[key] = self._loop.create_future()
            self.waiting.append((key, future))
            if len(self.waiting) == 1:
                self._batch.join(self)
        return future

    def load_many(self, keys: Iterable[str]) -> Awaitable[list[Any]]:
        return asyncio.gather(*[self.load(key) for key in keys])

    def put(self, key: str, value: Any) -> None:
        """The value read for `key`, replacing what was cached (a pending load still gets the batch's answer)."""
        future = self._loop.create_future()
        future.set_result(value)
        self.futures[key] = future

    def take(self) -> Waiting:
        """The keys waiting, handed to a batch that starts now."""
        waiting, self.waiting = self.waiting, []
        return waiting

    def answer(self, waiting: Waiting, found: dict[Any, Any]) -> None:
        for key, future in waiting:
            if not future.done():  # a request cancelled meanwhile cancels its futures
                future.set_result(found.get(key))

    def fail(self, waiting: Waiting, error: BaseException) -> None:
        """Every waiting key fails with the batch, and leaves the cache: a later load reads again."""
        for key, future in waiting:
            if self.futures.get(key) is future:
                del self.futures[key]
            if not future.done():
                future.set_exception(error)
