"""A bulk refresh job of 1,000 invoices, 3 of them failing, on each database.

Given 997 drafts whose customer changed since they copied it, 2 FINAL invoices and another platform's
invoice id, when a job refreshes those 1,000 ids and the runner works it to the end, then it is
COMPLETED with exactly those 3 failures (the foreign id failing as a missing one does), each of the
997 drafts refreshed exactly once (one audit record naming the job and the caller, one INVOICE.UPDATED
event), and one completion event in the outbox.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.db.tables import RefreshRecord
from invoicegraph.services.refresh_jobs.model import JOB_COMPLETED_EVENT
from tests.integration.services.refresh_jobs.conftest import OTHER_INVOICE, clone, drain, finalize, load_other
from tests.support.api import Api
from tests.support.data import EXAMPLE_KEY, example, load, record

CREATE = """
mutation($ids: [ID!]) {
  refreshInvoices(input: {ids: $ids, types: [CUSTOMER]}) { id status types dryRun actor counts { total pending } }
}
"""
FOLLOW = """
query($id: ID!) {
  invoiceRefreshJob(id: $id) {
    id status startedAt finishedAt
    counts { total pending changed unchanged failed }
    failures { invoiceId code message }
  }
}
"""


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    # The replica adds nothing to a job (it is worked on the primary): the two databases, once each.
    return str(request.param)


async def test_a_thousand_invoices_with_three_failing(database: Database, client: httpx.AsyncClient, tmp_path: Path) -> None:
    data = example()
    await load(database, tmp_path, data)
    await load_other(database, tmp_path)
    drafts = await clone(database, 999)
    final = drafts[-2:]
    await finalize(database, final)
    # The customer moves on: every draft's CUSTOMER refresh now changes it.
    record(data, "customers", "cust_globex")["email"] = "accounts@globex.example"
    await load(database, tmp_path, data, "moved.json")
    ids = [*drafts, OTHER_INVOICE]
    api = Api(client, {"X-API-KEY": EXAMPLE_KEY})

    created = await api.graphql(CREATE, {"ids": ids})
    assert "errors" not in created, created
    job = created["data"]["refreshInvoices"]
    assert job["status"] == "QUEUED"
    assert job["counts"] == {"total": 1000, "pending": 1000}
    assert job["types"] == ["CUSTOMER"]
    assert job["dryRun"] is False
    assert job["actor"] == "api_key:akey_ops"

    assert await drain(database) == 1

    followed = (await api.graphql(FOLLOW, {"id": job["id"]}))["data"]["invoiceRefreshJob"]
    assert followed["status"] == "COMPLETED"
    assert followed["startedAt"]
    assert followed["finishedAt"]
    assert followed["counts"] == {"total": 1000, "pending": 0, "changed": 997, "unchanged": 0, "failed": 3}
    failures = {f["invoiceId"]: (f["code"], f["message"]) for f in followed["failures"]}
    assert failures == {
        final[0]: ("INVALID_OPERATION", f'Invoice "{final[0]}" is FINAL; only OPEN and DRAFT invoices can be refreshed.'),
        final[1]: ("INVALID_OPERATION", f'Invoice "{final[1]}" is FINAL; only OPEN and DRAFT invoices can be refreshed.'),
        # Another platform's invoice: exactly what a single refresh of a missing id answers.
        OTHER_INVOICE: ("RESOURCE_NOT_FOUND", f'Invoice "{OTHER_INVOICE}" was not found.'),
    }
    missing = await api.graphql('mutation { refreshInvoice(id: "invo_other_only") { id } }')
    assert missing["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"
    assert missing["errors"][0]["message"] == failures[OTHER_INVOICE][1]

    audits, events = await _per_invoice(database)
    refreshed = set(drafts) - set(final)
    assert {i: n for i, n in audits.items() if i in refreshed} == dict.fromkeys(refreshed, 1)
    assert set(audits) == refreshed  # nothing else was refreshed, the failures left no audit
    assert events == Counter({**dict.fromkeys(refreshed, 1), job["id"]: 1})


async def _per_invoice(database: Database) -> tuple[Counter[str], Counter[str]]:
    async with database.read() as session:
        audited: list[Any] = list(
            await session.execute(
                select(col(RefreshRecord.invoice_id), col(RefreshRecord.job_id), col(RefreshRecord.credential_id)).where(
                    col(RefreshRecord.platform_id) == "plat_acme"
                )
            )
        )
        events: list[Any] = list(
            await session.execute(
                select(col(OutboxEvent.invoice_id), col(OutboxEvent.event_type)).where(col(OutboxEvent.platform_id) == "plat_acme")
            )
        )
    assert all(row.job_id is not None and row.credential_id == "api_key:akey_ops" for row in audited)
    kinds = {row.invoice_id: row.event_type for row in events}
    assert [k for k in kinds.values() if k == JOB_COMPLETED_EVENT] == [JOB_COMPLETED_EVENT]
    return Counter(row.invoice_id for row in audited), Counter(row.invoice_id for row in events)
