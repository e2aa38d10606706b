"""Data for the bulk refresh job tests: the example platform with many draft copies of its invoice, and a second platform."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import Invoice, InvoiceSubscription, table_of
from invoicegraph.services.refresh_jobs.runner import RunnerSettings, run_once
from tests.support.data import INVOICE_ID, example, load, record

OTHER_KEY = "igk_test_other_platform_0123456789abcdef01"
OTHER_INVOICE = "invo_other_only"


def copies(data: dict[str, Any], count: int) -> list[str]:
    """`count` copies of the example's draft, added to `data`; their ids."""
    source = record(data, "invoices", INVOICE_ID)
    ids = []
    for number in range(count):
        invoice = copy.deepcopy(source)
        invoice["id"] = f"invo_bulk_{number:04d}"
        data["invoices"].append(invoice)
        ids.append(invoice["id"])
    return ids


async def clone(database: Database, count: int, platform_id: str = "plat_acme") -> list[str]:
    """`count` stored copies of the example's imported draft (rows copied, ids new): a large platform in a second."""
    invoices, links = table_of(Invoice), table_of(InvoiceSubscription)
    async with database.write() as session:
        row = (await session.execute(select(invoices).where(invoices.c.platform_id == platform_id, invoices.c.id == INVOICE_ID))).one()
        subscriptions = (
            await session.execute(select(links).where(links.c.platform_id == platform_id, links.c.invoice_id == INVOICE_ID))
        ).all()
        ids = [f"invo_bulk_{number:04d}" for number in range(count)]
        await session.execute(insert(invoices), [{**row._asdict(), "id": invoice_id} for invoice_id in ids])
        await session.execute(insert(links), [{**link._asdict(), "invoice_id": i} for i in ids for link in subscriptions])
    return ids


async def finalize(database: Database, invoice_ids: list[str]) -> None:
    """Lock these drafts as FINAL, as finalizing them would (no refresh may touch them after)."""
    async with database.write() as session:
        await session.execute(
            update(Invoice).where(col(Invoice.platform_id) == "plat_acme", col(Invoice.id).in_(invoice_ids)).values(status="FINAL")
        )


def other_platform() -> dict[str, Any]:
    """The example file moved to another platform, with its own key and an invoice id only it has."""
    text = json.dumps(example()).replace("plat_acme", "plat_other").replace("akey_ops", "akey_other")
    data: dict[str, Any] = json.loads(text)
    data["api_keys"][0]["key"] = OTHER_KEY
    record(data, "invoices", INVOICE_ID)["id"] = OTHER_INVOICE
    return data


async def load_other(database: Database, directory: Path) -> None:
    await load(database, directory, other_platform(), "other.json")


def runner(owner: str = "test-runner", lease_seconds: float = 30) -> RunnerSettings:
    return RunnerSettings(owner=owner, lease=timedelta(seconds=lease_seconds), lock_timeout=5.0)


async def drain(database: Database) -> int:
    """Work every job to completion, as a serving process's runner does; how many jobs it worked."""
    worked = 0
    while await run_once(database, runner()):
        worked += 1
    return worked
