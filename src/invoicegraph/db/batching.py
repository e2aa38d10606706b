"""A DataLoader that waits for the event loop to go quiet before it dispatches a batch.

aiodataloader dispatches a batch one loop iteration after the first `load`. graphql-core resolves
sibling branches of a query through different numbers of awaits (a single object versus the items
of a list), so loads of the same depth can straddle that moment and split one batch into two, which
makes a query's statement count depend on the length of its lists. Deferring the dispatch until
no other callback is ready (bounded) lets every branch that is not waiting on I/O enqueue its keys.

One deferral per event loop, shared by every loader with keys waiting: if each loader deferred on
its own, each would see the others' deferral callbacks in the ready queue, call the loop busy, and
they would keep each other spinning until the bound (hundreds of idle loop iterations per request).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

from aiodataloader import DataLoader, Loader, dispatch_queue

from invoicegraph.library_internals import dataloader_queue, ready_callbacks

# Upper bound on deferrals: a busy loop still dispatches within this many iterations.
MAX_DEFERRALS = 64
# Without a readable ready queue (uvloop), defer a fixed number of iterations instead.
FIXED_DEFERRALS = 8


class _Dispatcher:
    """Dispatches the waiting loaders of one event loop once nothing else is ready to run."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: list[DataLoader[Any, Any]] = []

    def add(self, loader: DataLoader[Any, Any]) -> None:
        self.waiting.append(loader)
        if len(self.waiting) == 1:
            self.loop.call_soon(self._tick, 0)

    def _tick(self, hops: int) -> None:
        ready = ready_callbacks(self.loop)
        busy = ready > 0 if ready is not None else hops < FIXED_DEFERRALS
        if busy and hops < MAX_DEFERRALS:
            self.loop.call_soon(self._tick, hops + 1)
            return
        waiting, self.waiting = self.waiting, []
        for loader in waiting:
            dispatch_queue(loader)


_dispatchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Dispatcher] = weakref.WeakKeyDictionary()


def _same(key: Any) -> Any:
    return key


class QuietDataLoader(DataLoader[Any, Any]):
    get_cache_key = staticmethod(_same)  # aiodataloader's default, without a lambda per loader

    def __init__(self, batch_load_fn: Callable[[list[Any]], Coroutine[Any, Any, list[Any]]]) -> None:
        # The cache is a dict of ours (aiodataloader's `cache_map`), so that `put` can replace an entry.
        self.futures: dict[Any, asyncio.Future[Any]] = {}
        super().__init__(batch_load_fn=batch_load_fn, cache_map=self.futures, loop=asyncio.get_running_loop())

    def put(self, key: Any, value: Any) -> None:
        """`clear(key).prime(key, value)`: the value read for `key`, replacing what was cached."""
        future = self.loop.create_future()
        future.set_result(value)
        self.futures[key] = future

    def do_resolve_reject(self, key: Any, future: asyncio.Future[Any]) -> None:
        queue = dataloader_queue(self)
        queue.append(Loader(key=key, future=future))
        if len(queue) == 1:
            dispatcher = _dispatchers.get(self.loop)
            if dispatcher is None:
                dispatcher = _dispatchers[self.loop] = _Dispatcher(self.loop)
            dispatcher.add(self)
