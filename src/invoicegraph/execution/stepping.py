"""Awaiting one level of resolver results without a Task per resolver.

`asyncio.gather` wraps every coroutine in a Task: created, scheduled, stepped, then reported back
through a done-callback, for resolvers that each do a few dict reads around one `DataLoader.load`.
`await_all` steps the coroutines itself, the way a Task does (asyncio/tasks.py `__step`): send until
the coroutine blocks on a future, resume it from the future's done-callback, each coroutine in a
context of its own copied at the start (as a Task's is). A bare `yield` (`asyncio.sleep(0)`) is
resumed on the next loop iteration, as a Task resumes it. It returns each result or exception in
order once all have finished, as `gather(..., return_exceptions=True)` does.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable, Coroutine, Sequence
from typing import Any


class _Level:
    __slots__ = ("remaining", "values", "waiter")

    def __init__(self, count: int, waiter: asyncio.Future[None]) -> None:
        self.remaining = count
        self.values: list[Any] = [None] * count
        self.waiter = waiter

    def settle(self, index: int, value: Any) -> None:
        self.values[index] = value
        self.remaining -= 1
        if self.remaining == 0 and not self.waiter.done():
            self.waiter.set_result(None)


class _Stepper:
    """Drives one coroutine to its end; reports its result or exception to the level."""

    __slots__ = ("context", "coroutine", "index", "level", "loop")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], level: _Level, index: int, loop: asyncio.AbstractEventLoop) -> None:
        self.coroutine = coroutine
        self.level = level
        self.index = index
        self.loop = loop
        self.context = contextvars.copy_context()

    def start(self) -> None:
        self.context.run(self.step)

    def step(self, _: object = None) -> None:
        # Runs in `self.context`: entered by `start`, and by the loop for the callbacks below.
        try:
            blocked_on = self.coroutine.send(None)
        except StopIteration as stop:
            self.level.settle(self.index, stop.value)
            return
        except (Exception, asyncio.CancelledError) as error:  # reported to the caller, as gather does
            self.level.settle(self.index, error)
            return
        if blocked_on is None:
            self.loop.call_soon(self.step, context=self.context)
        elif getattr(blocked_on, "_asyncio_future_blocking", None) is not None and blocked_on._asyncio_future_blocking:
            blocked_on._asyncio_future_blocking = False
            blocked_on.add_done_callback(self.step, context=self.context)
        else:  # not an asyncio future: what a Task would refuse
            self.coroutine.close()
            self.level.settle(self.index, RuntimeError(f"resolver awaited {blocked_on!r}, not an asyncio future"))


async def await_all(awaitables: Sequence[Awaitable[Any]]) -> list[Any]:
    """Each awaitable's result, or the exception it raised, in order."""
    loop = asyncio.get_running_loop()
    level = _Level(len(awaitables), loop.create_future())
    for index, awaitable in enumerate(awaitables):
        if asyncio.iscoroutine(awaitable):
            _Stepper(awaitable, level, index, loop).start()
        else:
            asyncio.ensure_future(awaitable).add_done_callback(functools.partial(_settle_from, level, index))
    if level.remaining:
        await level.waiter
    return level.values


def _settle_from(level: _Level, index: int, future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        level.settle(index, asyncio.CancelledError())
        return
    error = future.exception()
    level.settle(index, error if error is not None else future.result())
