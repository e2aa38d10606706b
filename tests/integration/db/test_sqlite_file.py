"""The SQLite file the service serves: never created by serving, and a damaged one answers a coded 503.

(`invoicegraph migrate` and `demo` create the file; the CLI's one-line refusal is tests/unit/cli/test_resources.py's.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import MissingDatabaseFile
from invoicegraph.settings import Settings

KEY = {"X-API-KEY": "igk_" + "k" * 43}


@pytest.fixture
def served(tmp_path: Path) -> tuple[Path, Settings]:
    path = tmp_path / "served.db"
    return path, Settings(database_url=f"sqlite+aiosqlite:///{path}")


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
    await app.state.database.dispose()


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    body = response.json()
    error = body["errors"][0]["extensions"] if "errors" in body else body
    assert error["code"] == "INTERNAL_ERROR"
    assert "sqlite" not in response.text.lower()


async def test_serving_never_creates_a_missing_database_file(served: tuple[Path, Settings]) -> None:
    path, settings = served
    app = create_app(settings)
    with pytest.raises(MissingDatabaseFile, match="does not exist"):
        async with app.router.lifespan_context(app):
            pass
    async for client in _client(settings):  # even without the start-up check, a request does not create it
        _assert_unavailable(await client.post("/graphql", json={"query": "{ __typename }"}, headers=KEY))
        assert (await client.get("/readyz")).status_code == 503
    assert not path.exists()


@pytest.mark.parametrize("damage", [b"this is not a database " * 400, b"SQLite format 3\x00" + b"\xff" * 8000])
async def test_a_damaged_database_file_answers_a_coded_503_and_readiness_fails(served: tuple[Path, Settings], damage: bytes) -> None:
    path, settings = served
    path.write_bytes(damage)
    async for client in _client(settings):
        _assert_unavailable(await client.post("/graphql", json={"query": "{ __typename }"}, headers=KEY))
        _assert_unavailable(await client.get("/v1/invoices/invo_1", headers=KEY))
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()["status"]) == (503, "unavailable")
