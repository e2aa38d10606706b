"""The demo data set and generated files import; a large file imports with flat memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from invoicegraph.auth.keys import hash_key
from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.demo import DEMO_API_KEY, load_demo
from invoicegraph.demo.generate import generate
from invoicegraph.services.importing import import_files

pytestmark = pytest.mark.asyncio


async def test_the_demo_data_set_loads_and_reloads_without_changes(db: Database) -> None:
    first = await load_demo(db)
    assert first.ok, first.summary()

    again = await load_demo(db)

    assert all(c["inserted"] == c["updated"] == 0 for c in again.files[0].tables.values())
    async with db.read() as session:
        invoice: Any = tables.Invoice
        api_key: Any = tables.ApiKey
        statuses = set((await session.execute(select(invoice.status))).scalars())
        types = set((await session.execute(select(invoice.type))).scalars())
        keys = set((await session.execute(select(api_key.key_hash))).scalars())
    assert statuses == {"OPEN", "DRAFT", "FINAL", "EMPTY", "VOID"}
    assert types == {"STANDARD", "ONE_OFF", "CREDIT", "ONE_OFF_CREDIT"}
    assert hash_key(DEMO_API_KEY) in keys
    assert DEMO_API_KEY.startswith("igk_demo_")


async def test_the_demo_invoices_offer_every_way_to_pay(db: Database) -> None:
    # Given the demo data set, whose open invoices are computed on import (a FULL refresh),
    assert (await load_demo(db)).ok
    documents: dict[str, Any] = {}
    async with db.read() as session:
        for platform_id, invoice_id in (("plat_acme", "invo_globex_2026_12"), ("plat_initech", "invo_wayne_2026_11")):
            row = await session.get(tables.Invoice, (platform_id, invoice_id))
            assert row is not None
            documents[invoice_id] = row.document
    # then their payment actions hold the details of each acceptor's type,
    globex, wayne = documents["invo_globex_2026_12"], documents["invo_wayne_2026_11"]
    bank, card = globex["payment_actions"]
    assert bank["bank_account"]["iban"]
    assert bank["payment_gateway"] is None
    assert card["payment_gateway"] == {"variant": "ADYEN", "collection_type": "LINK", "adyen": None, "stripe": None}
    assert wayne["payment_actions"][0]["custom_redirect"] == {"url": "https://pay.initech.example"}
    # and the pay link is the one the portal issued for the card, or the redirect's page.
    assert globex["pay_invoice_link"]["portal_url_id"] == "porl_globex_2026_12"
    assert wayne["pay_invoice_link"] == {"expiry_period": None, "portal_url_id": None, "url": "https://pay.initech.example"}


async def test_a_generated_file_validates_and_imports(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "generated.json"
    with path.open("w") as out:
        generate(out, platforms=2, customers=20, invoices=60, events_per_invoice=5, seed=3)
    same = tmp_path / "same.json"
    with same.open("w") as out:
        generate(out, platforms=2, customers=20, invoices=60, events_per_invoice=5, seed=3)
    assert path.read_bytes() == same.read_bytes()  # deterministic for a seed

    report = await import_files(db, [path], progress=False)

    assert report.ok, report.summary()
    assert report.files[0].events_inserted == 300
    assert report.files[0].tables["invoice"]["inserted"] == 60


async def _peak_import_memory(tmp_path: Path, events_per_invoice: int) -> int:
    path = tmp_path / f"events-{events_per_invoice}.json"
    with path.open("w") as out:
        generate(out, platforms=1, customers=10, invoices=100, events_per_invoice=events_per_invoice, seed=1)
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/memory-{events_per_invoice}.db")
    async with database.engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    tracemalloc.start()
    try:
        report = await import_files(database, [path], progress=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    async with database.read() as session:
        stored = (await session.execute(select(func.count()).select_from(tables.UsageEvent))).scalar_one()
    await database.dispose()
    assert report.ok
    assert stored == 100 * events_per_invoice
    return peak


@pytest.mark.timeout(900)  # two imports in their own processes: minutes on a loaded machine
async def test_memory_does_not_grow_with_the_number_of_events(tmp_path: Path) -> None:
    # 50,000 against 200,000 events (same records otherwise): the peak of traced Python memory may
    # differ only by noise, not by anything proportional to 150,000 events (~ tens of MB if kept).
    small = await _peak_import_memory(tmp_path, 500)
    large = await _peak_import_memory(tmp_path, 2000)

    assert large - small < 3 * 1024 * 1024, (small, large)
