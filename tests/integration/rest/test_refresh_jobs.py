"""`POST /v1/invoices/refresh` and `GET /v1/invoices/refresh/{job_id}`: a bulk refresh job over REST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.db.refresh_job_tables import RefreshJob
from invoicegraph.db.tables import Invoice, RefreshRecord
from invoicegraph.settings import Settings
from tests.integration.services.refresh_jobs.conftest import OTHER_KEY, drain, load_other
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record
from tests.support.seed import add_key

KEY = {"X-API-KEY": EXAMPLE_KEY}


@pytest.fixture
async def bounded(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app with small bounds: jobs of at most 2 invoices, 2 jobs in flight per platform."""
    app = create_app(settings.model_copy(update={"refresh_job_max_invoices": 2, "refresh_jobs_in_flight": 2}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        yield http


@pytest.mark.usefixtures("data")
async def test_a_job_is_accepted_with_its_location_and_followed_there(client: httpx.AsyncClient, database: Database) -> None:
    created = await client.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID, "invo_missing"], "types": ["CUSTOMER"]}, headers=KEY)
    assert created.status_code == 202, created.text
    job: dict[str, Any] = created.json()
    assert job["id"].startswith("rjob_")
    assert created.headers["location"] == f"/v1/invoices/refresh/{job['id']}"
    assert job["status"] == "QUEUED"
    assert job["counts"] == {"total": 2, "pending": 2, "changed": 0, "unchanged": 0, "failed": 0}
    await drain(database)
    followed = await client.get(created.headers["location"], headers=KEY)
    assert followed.status_code == 200
    body = followed.json()
    assert body["status"] == "COMPLETED"
    assert body["counts"] == {"total": 2, "pending": 0, "changed": 0, "unchanged": 1, "failed": 1}
    assert body["failures"] == [
        {"invoice_id": "invo_missing", "code": "RESOURCE_NOT_FOUND", "message": 'Invoice "invo_missing" was not found.'}
    ]
    # A viewer may follow a job too; it may not create one.
    viewer = await add_key(database, ["plat_acme"], ["INVOICE.VIEW"])
    assert (await client.get(created.headers["location"], headers=viewer.headers)).status_code == 200
    refused = await client.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID]}, headers=viewer.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "USER_NOT_ALLOWED"


@pytest.mark.usefixtures("data")
async def test_another_platforms_job_looks_missing(client: httpx.AsyncClient, database: Database, tmp_path: Path) -> None:
    await load_other(database, tmp_path)
    created = (await client.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID]}, headers=KEY)).json()
    other = {"X-API-KEY": OTHER_KEY}
    foreign = await client.get(f"/v1/invoices/refresh/{created['id']}", headers=other)
    missing = await client.get("/v1/invoices/refresh/rjob_00000000000000000000", headers=other)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["code"] == missing.json()["code"] == "RESOURCE_NOT_FOUND"
    assert foreign.json()["message"].replace(created["id"], "X") == missing.json()["message"].replace("rjob_00000000000000000000", "X")
    query = "query($id: ID!) { invoiceRefreshJob(id: $id) { id } }"
    answer = await client.post("/graphql", json={"query": query, "variables": {"id": created["id"]}}, headers=other)
    assert answer.json() == {"data": {"invoiceRefreshJob": None}}


async def test_bounds_are_coded_refusals_that_write_nothing(bounded: httpx.AsyncClient, database: Database, tmp_path: Path) -> None:
    data = example()
    data["invoices"] += [{**record(data, "invoices", INVOICE_ID), "id": f"invo_copy_{number}"} for number in (1, 2)]
    await load(database, tmp_path, data)
    too_many = await bounded.post("/v1/invoices/refresh", json={"ids": ["invo_a", "invo_b", "invo_c"]}, headers=KEY)
    assert too_many.status_code == 400
    assert (too_many.json()["code"], too_many.json()["field"]) == ("INVALID_FIELD", "ids")
    # The filter admits the 3 drafts; the bound is 2.
    mutation = "mutation($f: InvoiceFilter) { refreshInvoices(input: {filter: $f}) { id } }"
    graphql = (await bounded.post("/graphql", json={"query": mutation, "variables": {"f": {"statuses": ["DRAFT"]}}}, headers=KEY)).json()
    assert graphql["data"] is None
    assert (graphql["errors"][0]["extensions"]["code"], graphql["errors"][0]["extensions"]["field"]) == ("INVALID_FIELD", "input.filter")
    neither = await bounded.post("/v1/invoices/refresh", json={}, headers=KEY)
    assert (neither.status_code, neither.json()["code"], neither.json()["field"]) == (400, "MISSING_FIELD", "ids")
    both = await bounded.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID], "filter": {}}, headers=KEY)
    assert (both.json()["code"], both.json()["field"]) == ("INVALID_FIELD", "filter")
    assert await _jobs(database) == 0
    for _ in range(2):
        assert (await bounded.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID]}, headers=KEY)).status_code == 202
    in_flight = await bounded.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID]}, headers=KEY)
    assert (in_flight.status_code, in_flight.json()["code"]) == (400, "INVALID_OPERATION")
    assert await _jobs(database) == 2
    await drain(database)
    assert (await bounded.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID]}, headers=KEY)).status_code == 202


async def _jobs(database: Database) -> int:
    async with database.read() as session:
        return int(
            await session.scalar(select(func.count()).select_from(RefreshJob).where(col(RefreshJob.platform_id) == "plat_acme")) or 0
        )


@pytest.mark.usefixtures("data")
async def test_a_dry_run_writes_nothing_and_counts_what_would_change(client: httpx.AsyncClient, database: Database, tmp_path: Path) -> None:
    data = example()
    record(data, "customers", "cust_globex")["email"] = "accounts@globex.example"
    data["invoices"] = []  # the draft keeps its copy of the customer: a CUSTOMER refresh would change it
    await load(database, tmp_path, data, "moved.json")
    before = await _written(database)
    created = await client.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID], "types": ["CUSTOMER"], "dry_run": True}, headers=KEY)
    assert created.json()["dry_run"] is True
    await drain(database)
    job = (await client.get(created.headers["location"], headers=KEY)).json()
    assert job["counts"] == {"total": 1, "pending": 0, "changed": 1, "unchanged": 0, "failed": 0}
    # No invoice written, no audit record, no invoice event: only the job's completion event.
    after = await _written(database)
    assert after == {**before, "events": before["events"] + 1}


async def _written(database: Database) -> dict[str, Any]:
    async with database.read() as session:
        version = await session.scalar(
            select(col(Invoice.version)).where(col(Invoice.platform_id) == "plat_acme", col(Invoice.id) == INVOICE_ID)
        )
        audits = await session.scalar(select(func.count()).select_from(RefreshRecord).where(col(RefreshRecord.platform_id) == "plat_acme"))
        events = await session.scalar(select(func.count()).select_from(OutboxEvent).where(col(OutboxEvent.platform_id) == "plat_acme"))
    return {"version": version, "audits": audits, "events": events}


@pytest.mark.usefixtures("data")
async def test_the_same_idempotency_key_answers_the_same_job(client: httpx.AsyncClient, database: Database) -> None:
    headers = {**KEY, "Idempotency-Key": "bulk-1"}
    first = await client.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID]}, headers=headers)
    again = await client.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID]}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert await _jobs(database) == 1
    other = await client.post("/v1/invoices/refresh", json={"ids": [INVOICE_ID], "dry_run": True}, headers=headers)
    assert other.json()["code"] == "IDEMPOTENCY_CHECK_FAILED"


@pytest.mark.usefixtures("data")
async def test_a_bad_filter_is_named_inside_the_input(client: httpx.AsyncClient) -> None:
    mutation = (
        'mutation { refreshInvoices(input: {filter: {invoiceDate: {from: "2026-12-01T00:00:00Z", to: "2026-11-01T00:00:00Z"}}}) { id } }'
    )
    body = (await client.post("/graphql", json={"query": mutation}, headers=KEY)).json()
    assert (body["errors"][0]["extensions"]["code"], body["errors"][0]["extensions"]["field"]) == (
        "INVALID_FIELD",
        "input.filter.invoiceDate.to",
    )
    rest = await client.post(
        "/v1/invoices/refresh", json={"filter": {"invoice_date": {"from": "2026-12-01T00:00:00Z", "to": "x"}}}, headers=KEY
    )
    assert (rest.status_code, rest.json()["field"]) == (400, "filter.invoice_date.to")
    unknown = await client.post("/v1/invoices/refresh", json={"filter": {"stail": True}}, headers=KEY)
    assert (unknown.status_code, unknown.json()["field"]) == (400, "filter.stail")
