"""Migration 0004: lines an older import numbered by position get their platform-wide ids.

Given a database whose stored invoice carries position ids (`line_0_0_0`, as imports filled them
before) beside an id an import file gave, when it is migrated to the head, then the position id is the
id a new import derives (so a re-import of the same file finds the invoice unchanged) and the file's
id is kept.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text

from invoicegraph.billing.shapes import line_id
from invoicegraph.db.engine import Database
from invoicegraph.db.migrate import alembic_config, upgrade_async
from invoicegraph.settings import Settings
from tests.support.data import example, load

READ = text("SELECT platform_id, id, document FROM invoice WHERE platform_id = :p ORDER BY id")
WRITE = text("UPDATE invoice SET document = :d WHERE platform_id = :p AND id = :i")


def _document(value: Any) -> dict[str, Any]:
    document: dict[str, Any] = value if isinstance(value, dict) else json.loads(value)
    return document


def _lines(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for period in document.get("periods") or [] for group in period.get("groups") or [] for line in group.get("lines") or []]


async def test_position_line_ids_become_platform_wide(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade_async(url)
    data = example()
    platform_id = data["platforms"][0]["id"]
    database = Database.from_settings(Settings(database_url=url))
    try:
        # Given an imported invoice with two lines, put back to what an older import stored
        await load(database, tmp_path, data, "example.json")
        async with database.engine.begin() as connection:
            rows = (await connection.execute(READ, {"p": platform_id})).all()
            invoice_id, document = next((row.id, _document(row.document)) for row in rows if len(_lines(_document(row.document))) >= 2)
            first, second = document["periods"][0]["groups"][0]["lines"][:2]
            first["id"], second["id"] = "line_0_0_0", "line_from_the_file"
            await connection.execute(WRITE, {"d": json.dumps(document), "p": platform_id, "i": invoice_id})
            await connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))  # before 0004
    finally:
        await database.dispose()

    # When it is migrated (0004; the later revisions' tables are there already)
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0004")

    # Then the position id is the derived one, and the file's id is kept
    database = Database.from_settings(Settings(database_url=url))
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.execute(READ, {"p": platform_id})).all()
    finally:
        await database.dispose()
    migrated = next(_document(row.document) for row in rows if row.id == invoice_id)
    ids = [line["id"] for line in migrated["periods"][0]["groups"][0]["lines"][:2]]
    assert ids == [line_id(invoice_id, "imported", 0, 0, 0), "line_from_the_file"]
