"""`await_all` (execution/stepping.py) answers what `asyncio.gather(..., return_exceptions=True)` answers."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest

from invoicegraph.execution.stepping import await_all

marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="outside")


async def _after_future(value: Any, delay: float) -> Any:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    loop.call_later(delay, future.set_result, value)
    return await future


async def _after_yields(value: Any, yields: int) -> Any:
    for _ in range(yields):
        await asyncio.sleep(0)  # a bare yield: resumed on the next loop iteration
    return value


async def _raises_after_await(message: str) -> Any:
    await asyncio.sleep(0)
    raise ValueError(message)


async def _sets_marker(value: str) -> str:
    marker.set(value)
    await asyncio.sleep(0)
    return marker.get()


async def _synchronous(value: Any) -> Any:
    return value


def _cases() -> list[Any]:
    return [
        _after_future("slow", 0.02),
        _after_yields("yields", 3),
        _raises_after_await("boom"),
        _synchronous("now"),
        _after_future("fast", 0.0),
    ]


async def test_results_and_exceptions_in_order_as_gather_gives_them() -> None:
    stepped = await await_all(_cases())
    gathered = await asyncio.gather(*_cases(), return_exceptions=True)
    assert [repr(value) for value in stepped] == [repr(value) for value in gathered]
    assert stepped[0] == "slow"
    assert isinstance(stepped[2], ValueError)


async def test_each_coroutine_runs_in_a_context_of_its_own() -> None:
    marker.set("request")
    assert await await_all([_sets_marker("a"), _sets_marker("b")]) == ["a", "b"]
    assert marker.get() == "request", "a resolver's context change must not leak into the caller's"


async def test_futures_are_awaited_too() -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()
    failed: asyncio.Future[str] = loop.create_future()
    loop.call_soon(done.set_result, "ok")
    loop.call_soon(failed.set_exception, KeyError("missing"))
    values = await await_all([done, failed, _synchronous(1)])
    assert values[0] == "ok"
    assert isinstance(values[1], KeyError)
    assert values[2] == 1


async def test_an_empty_level_is_empty() -> None:
    assert await await_all([]) == []


class _Foreign:
    """An awaitable that yields something no asyncio Task would accept."""

    def __await__(self) -> Any:
        yield "not a future"


async def _awaits_foreign() -> Any:
    return await _Foreign()


async def test_an_awaitable_that_is_not_an_asyncio_future_is_an_error_not_a_hang() -> None:
    [value] = await asyncio.wait_for(await_all([_awaits_foreign()]), timeout=5)
    assert isinstance(value, RuntimeError)
    with pytest.raises(RuntimeError):  # and gather refuses it too
        await asyncio.gather(_awaits_foreign())
