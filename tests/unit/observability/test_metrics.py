"""Metric names and labels, and how client-chosen operation names are kept bounded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from invoicegraph.db.engine import Database
from invoicegraph.observability.metrics import MAX_OPERATIONS, OTHER, Metrics


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    yield db
    await db.dispose()


def _samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.render().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_requests_latency_refreshes_batches_and_pool_are_exposed(database: Database) -> None:
    metrics = Metrics(database)
    metrics.observe_request("GetInvoice", "OK", 0.02, client_named=True)
    metrics.observe_request("GET /v{version}/invoices/{id}", "RESOURCE_NOT_FOUND", 0.01, client_named=False)
    metrics.refreshes.labels(outcome="changed").inc()
    metrics.batch_size.labels(loader="invoice_by_id").observe(3)
    async with database.read() as session:
        await session.execute(text("SELECT 1"))
        samples = _samples(metrics)
    assert samples[("invoicegraph_requests_total", (("operation", "GetInvoice"), ("outcome", "OK")))] == 1
    route = (("operation", "GET /v{version}/invoices/{id}"), ("outcome", "RESOURCE_NOT_FOUND"))
    assert samples[("invoicegraph_requests_total", route)] == 1
    assert samples[("invoicegraph_request_duration_seconds_count", (("operation", "GetInvoice"),))] == 1
    assert samples[("invoicegraph_refresh_outcomes_total", (("outcome", "changed"),))] == 1
    assert samples[("invoicegraph_loader_batch_size_sum", (("loader", "invoice_by_id"),))] == 3
    assert samples[("invoicegraph_db_pool_checked_out", ())] == 1  # the session above holds one
    assert _samples(metrics)[("invoicegraph_db_pool_checked_out", ())] == 0


async def test_client_operation_names_are_bounded(database: Database) -> None:
    metrics = Metrics(database)
    names = [f"Op{n}" for n in range(MAX_OPERATIONS)]
    assert [metrics.client_label(name) for name in names] == names
    assert metrics.client_label("OneTooMany") == OTHER
    assert metrics.client_label("Op0") == "Op0"
    assert metrics.client_label("not a name!") == OTHER
    assert metrics.client_label("x" * 65) == OTHER


async def test_each_app_has_its_own_registry(database: Database) -> None:
    one, two = Metrics(database), Metrics(database)
    one.observe_request("Q", "OK", 0.1, client_named=True)
    assert ("invoicegraph_requests_total", (("operation", "Q"), ("outcome", "OK"))) not in _samples(two)
