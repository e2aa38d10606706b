"""The dispatcher of batches (db/batching.py): a batch starts once the loop is quiet, or at once when its owner says.

Given: batches that record when they start, on asyncio's loop. When: they wait for the quiet loop,
one of them is started at once (`start_now`), or another callback keeps the loop busy. Then: each
batch starts exactly once; a batch started at once is not started again by the dispatcher, and one
still waiting beside it starts as before; a busy loop delays the start, within the bound. And
`loaded`, which awaits loads one by one, answers as gather would, failures included.
"""

from __future__ import annotations

import asyncio
import gc

import pytest

from invoicegraph.db.batching import MAX_DEFERRALS, loaded, start_now, start_when_quiet


class _Recorded:
    """A batch that records each start (its keys and statement are the loaders' business, tested elsewhere)."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    def join(self, loader: object) -> None:
        raise AssertionError("not used here")

    def start(self) -> None:
        self.log.append(self.name)


async def _busy_turns(count: int) -> None:
    """Turns of the loop with this task ready again on each: the loop is never quiet."""
    for _ in range(count):
        await asyncio.sleep(0)


async def _quiet() -> None:
    """A wait with nothing ready: the loop goes quiet."""
    await asyncio.sleep(0.05)


async def test_a_waiting_batch_starts_once_the_loop_is_quiet() -> None:
    log: list[str] = []
    loop = asyncio.get_running_loop()
    start_when_quiet(_Recorded("a", log), loop)
    start_when_quiet(_Recorded("b", log), loop)
    assert log == []  # not before the loop turns
    await _busy_turns(3)
    assert log == []  # nor while it is busy
    await _quiet()
    assert log == ["a", "b"]
    await _quiet()
    assert log == ["a", "b"]


async def test_start_now_starts_at_once_and_never_again() -> None:
    log: list[str] = []
    loop = asyncio.get_running_loop()
    early = _Recorded("early", log)
    start_when_quiet(early, loop)
    start_now(early, loop)
    assert log == ["early"]
    await _quiet()
    assert log == ["early"]


async def test_a_batch_waiting_beside_one_started_now_still_starts() -> None:
    log: list[str] = []
    loop = asyncio.get_running_loop()
    early, waiting = _Recorded("early", log), _Recorded("waiting", log)
    start_when_quiet(early, loop)
    start_when_quiet(waiting, loop)
    start_now(early, loop)
    await _quiet()
    assert log == ["early", "waiting"]


async def test_a_batch_added_after_a_withdrawal_waits_for_its_own_quiet_loop() -> None:
    log: list[str] = []
    loop = asyncio.get_running_loop()
    early = _Recorded("early", log)
    start_when_quiet(early, loop)
    start_now(early, loop)
    later = _Recorded("later", log)
    start_when_quiet(later, loop)
    await _busy_turns(3)
    assert log == ["early"]  # the busy loop holds `later` back, as any waiting batch
    await _quiet()
    assert log == ["early", "later"]


async def test_a_busy_loop_delays_a_batch_within_the_bound() -> None:
    log: list[str] = []
    loop = asyncio.get_running_loop()
    start_when_quiet(_Recorded("a", log), loop)
    await _busy_turns(MAX_DEFERRALS + 2)
    assert log == ["a"]


async def test_loaded_answers_in_order_and_marks_every_failure_of_a_failed_round_as_seen() -> None:
    loop = asyncio.get_running_loop()
    answered = [loop.create_future() for _ in range(3)]
    for value, future in enumerate(answered):
        future.set_result(value)
    assert await loaded(answered) == [0, 1, 2]

    reported: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        failed = [loop.create_future() for _ in range(3)]
        later = loop.create_future()  # a load of a round that fails after the first error
        for future in failed:
            future.set_exception(RuntimeError("the round failed"))
        with pytest.raises(RuntimeError, match="the round failed"):
            await loaded([*failed, later])
        later.set_exception(RuntimeError("its round failed too"))
        await asyncio.sleep(0)  # its done callbacks run
        del failed, later
        gc.collect()
        assert reported == []
        # Without `loaded`, such a failure is reported when the future goes: the check above can fail.
        unseen = loop.create_future()
        unseen.set_exception(RuntimeError("never awaited"))
        del unseen
        gc.collect()
        assert [str(context["exception"]) for context in reported] == ["never awaited"]
    finally:
        loop.set_exception_handler(None)
