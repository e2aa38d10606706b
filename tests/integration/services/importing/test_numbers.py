"""Invoice numbers are unique per platform: the import refuses a number used twice, and so does the database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.services.importing import import_files
from tests.integration.services.importing.conftest import final_of, write

pytestmark = pytest.mark.asyncio


def numbered(example: dict[str, Any], *numbers: tuple[str, str]) -> dict[str, Any]:
    data = copy.deepcopy(example)
    data["invoices"] = [final_of(example["invoices"][0], id=invoice_id, invoice_number=number) for invoice_id, number in numbers]
    return data


async def problems(db: Database, tmp_path: Path, data: dict[str, Any], name: str) -> list[str]:
    report = await import_files(db, [write(tmp_path, data, name)], progress=False)
    return [str(p) for f in report.files for p in f.problems]


async def test_a_number_given_twice_in_a_file_is_refused_at_its_path(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    data = numbered(example, ("invo_a", "INV-1"), ("invo_b", "INV-2"), ("invo_c", "INV-1"))
    assert await problems(db, tmp_path, data, "twice.json") == [
        "invoices[2].invoice_number: invoice number 'INV-1' is also given to invoice 'invo_a' in this file"
    ]


async def test_a_number_a_stored_invoice_has_is_refused(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    assert await problems(db, tmp_path, numbered(example, ("invo_a", "INV-1")), "first.json") == []

    assert await problems(db, tmp_path, numbered(example, ("invo_b", "INV-2"), ("invo_c", "INV-1")), "second.json") == [
        "invoices[1].invoice_number: invoice number 'INV-1' is already used by invoice 'invo_a'"
    ]
    # The invoice that has it may be repeated with it.
    other = numbered(example, ("invo_a", "INV-1"))
    assert await problems(db, tmp_path, other, "again.json") == []


async def test_the_database_enforces_it_for_numbered_invoices_only(db: Database) -> None:
    now = datetime.now(UTC)
    row = {"platform_id": "plat_a", "status": "FINAL", "type": "STANDARD", "customer_id": "cust_1", "billing_entity_id": "enti_1",
           "billing_currency": "EUR", "version": 1, "created_at": now, "updated_at": now, "document": {}}  # fmt: skip
    async with db.write() as session:
        await session.execute(
            insert(tables.table_of(tables.Invoice)),
            [
                {**row, "id": "invo_1", "invoice_number": "INV-1"},
                {**row, "id": "invo_2", "invoice_number": None},
                {**row, "id": "invo_3", "invoice_number": None},  # drafts have no number: not a clash
                {**row, "platform_id": "plat_b", "id": "invo_1", "invoice_number": "INV-1"},  # another platform
            ],
        )
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            await session.execute(insert(tables.table_of(tables.Invoice)).values(**row, id="invo_4", invoice_number="INV-1"))
