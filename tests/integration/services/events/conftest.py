"""Fixtures for the event tests: the example loaded, a way to make the next refresh change something, a
real receiver on loopback, an endpoint pointing at it, and the delivery loop running in the test's loop."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from invoicegraph.db.engine import Database
from invoicegraph.services.events.endpoints import create_endpoint
from invoicegraph.services.events.signing_secrets import SecretBox
from invoicegraph.services.events.targets import TargetPolicy
from invoicegraph.services.events.worker import Deliverer
from invoicegraph.settings import Settings
from tests.support.data import example, load
from tests.support.receiver import Receiver

# Quick retries, so a test sees several attempts; the window is long unless a test shortens it.
QUICK = {"webhook_retry_base_seconds": 0.05, "event_poll_interval_seconds": 0.05, "webhook_timeout_seconds": 5.0}
_references = itertools.count()


@pytest.fixture
def quick_settings(settings: Settings) -> Settings:
    return settings.model_copy(update=QUICK)


@pytest.fixture
def late_usage(database: Database, tmp_path: Path) -> Callable[[], Awaitable[None]]:
    """Import one more usage event of the example's customer: the next FULL refresh changes the invoice."""

    async def add() -> None:
        data = example()
        number = next(_references)
        late = {**data["usage_events"][0], "reference": f"evt-late-{number}", "value": str(100 + number)}
        await load(database, tmp_path, {"format": data["format"], "usage_events": [late]}, f"late-{number}.json")

    return add


async def add_endpoint(database: Database, settings: Settings, receiver: Receiver, platform_id: str = "plat_acme", **options: Any) -> str:
    """An endpoint for `receiver`; the receiver learns its secret. Returns the endpoint id."""
    made = await create_endpoint(
        database,
        platform_id=platform_id,
        url=options.pop("url", receiver.url),
        event_types=[],
        box=SecretBox.from_settings(settings),
        policy=TargetPolicy.from_settings(settings),
        **options,
    )
    receiver.secret = made.secret
    return made.endpoint_id


@asynccontextmanager
async def delivering(database: Database, settings: Settings) -> AsyncIterator[Deliverer]:
    """The delivery loop, running until the block ends."""
    deliverer = Deliverer(database, settings, seed=7)
    stop = asyncio.Event()
    task = asyncio.create_task(deliverer.run(stop))
    try:
        yield deliverer
    finally:
        stop.set()
        await task
