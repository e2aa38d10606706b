"""Fixtures of the integration tests: the example import file loaded, and a client helper for GraphQL calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.support.api import Api
from tests.support.data import EXAMPLE_KEY, example, load


@pytest.fixture
async def data(database: Database, tmp_path: Path) -> dict[str, Any]:
    loaded = example()
    await load(database, tmp_path, loaded, "example.json")
    return loaded


@pytest.fixture
def api(client: httpx.AsyncClient, data: dict[str, Any]) -> Api:
    return Api(client, {"X-API-KEY": EXAMPLE_KEY})
