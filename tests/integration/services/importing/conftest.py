"""A fresh database per test, schema made with `SQLModel.metadata.create_all`: a SQLite file, and a
database on the session's throwaway PostgreSQL cluster (the same tests run on both)."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

import invoicegraph.db.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from invoicegraph.db.engine import Database

FIXTURES = Path(__file__).parent / "fixtures"
_names = itertools.count()


# No replica backend here: the import service reads and writes the primary only (docs/scaling.md), and
# these tests call it directly, without the app's routing.
@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    # A sync fixture: the shared cluster fixture runs its migrations with asyncio.run().
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/t.db"
    cluster = request.getfixturevalue("postgres")
    name = f"import_{next(_names)}"
    cluster.psql(f"CREATE DATABASE {name}")
    return str(cluster.url(name))


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    async with database.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "example.json").read_text())
    return data


def write(tmp_path: Path, data: dict[str, Any], name: str = "file.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def eur(quantity: str) -> dict[str, str]:
    return {"quantity": quantity, "currency": "EUR"}


def final_of(invoice: dict[str, Any], total: str = "0.00", **changes: Any) -> dict[str, Any]:
    """The example's DRAFT invoice as FINAL, with the computed parts a FINAL record must carry."""
    period = {**invoice["periods"][0], "amount_excluding_tax": eur(total), "amount_including_tax": eur(total)}
    return (
        invoice | {"status": "FINAL", "invoice_number": "INV-7", "invoice_amount_including_tax": eur(total), "periods": [period]} | changes
    )
