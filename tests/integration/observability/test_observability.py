"""Logs, metrics, tracing and probes over HTTP, on SQLite and PostgreSQL (docs/operations.md)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import httpx
import orjson
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.faults import add_unreadable_invoice
from tests.support.seed import Key, add_key, add_platforms, bearer

GET_INVOICE = {"query": 'query GetInvoice { invoice(id: "invo_x") { id } }', "operationName": "GetInvoice"}
REFRESH = "mutation Refresh($id: ID!) { refreshInvoice(id: $id) { id version } }"


def _client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def _logs(capsys: pytest.CaptureFixture[str]) -> tuple[str, list[dict[str, Any]]]:
    """Everything written to stderr, and its lines parsed: every line must be one JSON object."""
    text = capsys.readouterr().err
    return text, [orjson.loads(line) for line in text.splitlines() if line.strip()]


def _access(lines: list[dict[str, Any]], request_id: str) -> dict[str, Any]:
    (line,) = [entry for entry in lines if entry["logger"] == "invoicegraph.access" and entry.get("request_id") == request_id]
    return line


@pytest.fixture
def json_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"log_format": "json"})


@pytest.fixture
async def http(json_settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(create_app(json_settings, database)) as client:
        yield client


@pytest.fixture
async def key(database: Database) -> Key:
    await add_platforms(database, "plat_a")
    return await add_key(database, ["plat_a"])


async def test_one_json_line_per_request_with_who_what_and_how_long(
    http: httpx.AsyncClient, key: Key, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = await http.post("/graphql", json=GET_INVOICE, headers=key.headers)
    assert response.json() == {"data": {"invoice": None}}
    text, lines = _logs(capsys)
    line = _access(lines, response.headers["x-request-id"])
    assert line["level"] == "info"
    assert line["message"] == "POST /graphql 200"
    assert line["method"] == "POST"
    assert line["path"] == "/graphql"
    assert line["status"] == 200
    assert line["outcome"] == "OK"
    assert line["operation_name"] == "GetInvoice"
    assert line["operation_type"] == "query"
    assert line["platform_id"] == "plat_a"
    assert line["credential_id"] == f"api_key:{key.id}"
    assert line["credential_kind"] == "API_KEY"
    assert line["statements"] >= 2  # the key lookup, then the invoice
    assert line["duration_ms"] >= 0
    assert key.key not in text


async def test_refusals_and_errors_log_their_code_never_the_credential(
    http: httpx.AsyncClient, key: Key, json_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    forged = "igk_" + "x" * 43
    refused = await http.post("/graphql", json=GET_INVOICE, headers={"X-API-KEY": forged})
    token = bearer(json_settings, platforms=["plat_a"])
    missing = await http.get("/v1/invoices/invo_nope", headers=token)
    text, lines = _logs(capsys)
    refused_line = _access(lines, refused.headers["x-request-id"])
    assert (refused_line["status"], refused_line["outcome"]) == (401, "UNAUTHORISED")
    assert refused_line["credential_kind"] == "API_KEY"
    assert "credential_id" not in refused_line
    missing_line = _access(lines, missing.headers["x-request-id"])
    assert (missing_line["status"], missing_line["outcome"]) == (404, "RESOURCE_NOT_FOUND")
    assert (missing_line["operation_type"], missing_line["route"]) == ("rest", "/v{version}/invoices/{id}")
    assert (missing_line["credential_kind"], missing_line["credential_id"]) == ("JWT", "jwt::user-1")
    assert forged not in text
    assert token["Authorization"].split()[1] not in text


async def test_incoming_request_id_is_kept(http: httpx.AsyncClient, key: Key, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    response = await http.post("/graphql", json=GET_INVOICE, headers={**key.headers, "x-request-id": "reqr_from_caller"})
    assert response.headers["x-request-id"] == "reqr_from_caller"
    assert _access(_logs(capsys)[1], "reqr_from_caller")["status"] == 200


async def test_unexpected_errors_are_logged_with_request_id_and_traceback(
    http: httpx.AsyncClient, key: Key, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stored invoice that our readers cannot read (its document is not an object)
    await add_unreadable_invoice(database, "plat_a", "invo_x")
    capsys.readouterr()
    graphql = await http.post("/graphql", json=GET_INVOICE, headers=key.headers)
    rest = await http.get("/v1/invoices/invo_x", headers=key.headers)
    text, lines = _logs(capsys)
    assert graphql.json()["errors"][0]["extensions"]["code"] == "INTERNAL_ERROR"
    assert rest.status_code == 500
    assert rest.json()["code"] == "INTERNAL_ERROR"
    assert rest.headers["x-request-id"] in rest.json()["message"]
    for response in (graphql, rest):
        assert "dictionary update" not in response.text
        request_id = response.headers["x-request-id"]
        errors = [e for e in lines if e.get("request_id") == request_id and e["level"] == "error" and "exception" in e]
        assert errors
        assert all("Traceback (most recent call last)" in error["exception"] for error in errors)
        assert all("ValueError: dictionary update sequence" in error["exception"] for error in errors)
        assert _access(lines, request_id)["outcome"] == "INTERNAL_ERROR"
    assert key.key not in text


async def _metrics(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_metrics_count_requests_latency_refreshes_batches_and_pool(
    http: httpx.AsyncClient, database: Database, tmp_path: Path, backend: str
) -> None:
    data = example()
    await load(database, tmp_path, data)
    headers = {"X-API-KEY": EXAMPLE_KEY}
    for _ in range(2):
        await http.post("/graphql", json=GET_INVOICE, headers=headers)
    await http.post("/graphql", json={"query": REFRESH, "variables": {"id": INVOICE_ID}}, headers=headers)
    # Late usage arrives: the next refresh changes the invoice.
    data["usage_events"].append({**data["usage_events"][0], "reference": "evt-late", "value": "100"})
    await load(database, tmp_path, {**data, "invoices": []}, "late.json")
    await http.post("/graphql", json={"query": REFRESH, "variables": {"id": INVOICE_ID}}, headers=headers)
    await http.post("/graphql", json={"query": REFRESH, "variables": {"id": "invo_nope"}}, headers=headers)
    await http.post("/v1/invoices/invo_nope/refresh", headers=headers)
    await http.post(f"/v1/invoices/{INVOICE_ID}/refresh?dry_run=true", headers=headers)
    samples = await _metrics(http)
    assert samples[("invoicegraph_requests_total", (("operation", "GetInvoice"), ("outcome", "OK")))] == 2
    assert samples[("invoicegraph_requests_total", (("operation", "Refresh"), ("outcome", "RESOURCE_NOT_FOUND")))] == 1
    rest = (("operation", "POST /v{version}/invoices/{id}/refresh"), ("outcome", "RESOURCE_NOT_FOUND"))
    assert samples[("invoicegraph_requests_total", rest)] == 1
    assert samples[("invoicegraph_request_duration_seconds_count", (("operation", "GetInvoice"),))] == 2
    refreshes = {labels[0][1]: value for (name, labels), value in samples.items() if name == "invoicegraph_refresh_outcomes_total"}
    # The example's invoice is up to date; after the late usage it is not.
    assert refreshes == {"changed": 1, "unchanged": 1, "RESOURCE_NOT_FOUND": 2}
    assert samples[("invoicegraph_loader_batch_size_count", (("loader", "invoice_by_id"),))] >= 2
    assert samples[("invoicegraph_db_pool_checked_out", ())] == 0
    if backend != "sqlite":  # the primary's pool (a QueuePool); SQLite has none
        assert samples[("invoicegraph_db_pool_size", ())] == 5


async def test_metrics_can_be_turned_off(json_settings: Settings, database: Database) -> None:
    app = create_app(json_settings.model_copy(update={"metrics_enabled": False}), database)
    async with _client(app) as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_tracing_is_off_by_default(http: httpx.AsyncClient, json_settings: Settings, database: Database) -> None:
    assert create_app(json_settings, database).state.observability.tracer_provider is None


async def test_spans_for_request_operation_loader_batches_and_statements(json_settings: Settings, database: Database, key: Key) -> None:
    app = create_app(json_settings.model_copy(update={"tracing_enabled": True, "tracing_exporter": "none"}), database)
    exporter = InMemorySpanExporter()
    app.state.observability.tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    caller = {"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
    async with _client(app) as client:
        # With a replica, a database's first read measures it: statements of no request, traced on
        # their own (db/routing.py). Measured before the request under test.
        await client.post("/graphql", json=GET_INVOICE, headers=key.headers)
        exporter.clear()
        response = await client.post("/graphql", json=GET_INVOICE, headers={**key.headers, **caller})
    assert response.status_code == 200
    spans = {span.name: span for span in exporter.get_finished_spans()}
    server, operation, batch = spans["POST /graphql"], spans["query GetInvoice"], spans["loader invoice_by_id"]
    assert {format(span.context.trace_id, "032x") for span in exporter.get_finished_spans()} == {trace_id}
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["invoicegraph.request_id"] == response.headers["x-request-id"]
    assert operation.parent is not None
    assert operation.parent.span_id == server.context.span_id
    assert batch.parent is not None
    assert batch.parent.span_id == operation.context.span_id
    assert batch.attributes is not None
    assert batch.attributes["invoicegraph.batch_size"] == 1
    statements = [span for span in exporter.get_finished_spans() if span.attributes and "db.statement" in span.attributes]
    in_batch = [span for span in statements if span.parent is not None and span.parent.span_id == batch.context.span_id]
    assert in_batch
    if database.replicas.replicas:  # the batch read the replica: its statements are traced, with its address
        port = int(database.replicas.replicas[0].name.rsplit(":", 1)[1])
        assert {span.attributes.get("net.peer.port") for span in in_batch if span.attributes} == {port}
    assert all(key.key not in str(span.attributes) for span in exporter.get_finished_spans())


async def test_healthz_and_readyz(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["database"] == "ok"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///{tmp}/missing/dir/db.sqlite", "postgresql+asyncpg://app@127.0.0.1:{port}/app"])
async def test_readyz_fails_when_the_database_is_unreachable(url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=url.format(tmp=tmp_path, port=_closed_port()), database_connect_timeout_seconds=2)
    app = create_app(settings)
    try:
        async with _client(app) as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
    finally:
        await app.state.database.dispose()
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "unreachable"}


async def test_readyz_fails_until_migrations_are_applied(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()  # an empty database (serving never creates the file)
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"))
    try:
        async with _client(app) as client:
            ready = await client.get("/readyz")
    finally:
        await app.state.database.dispose()
    assert ready.status_code == 503
    assert ready.json()["database"] == "migrations pending"


async def test_metrics_count_planned_and_fallback_completions(http: httpx.AsyncClient, database: Database, tmp_path: Path) -> None:
    await load(database, tmp_path, example())
    headers = {"X-API-KEY": EXAMPLE_KEY}

    def plans(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[str, float]:
        return {labels[0][1]: value for (name, labels), value in samples.items() if name == "invoicegraph_execution_plan_results_total"}

    before = await _metrics(http)
    await http.post("/graphql", json=GET_INVOICE, headers=headers)
    # A refresh of a missing invoice: the root resolver raises, nothing is left to complete.
    await http.post("/graphql", json={"query": REFRESH, "variables": {"id": "invo_nope"}}, headers=headers)
    after = await _metrics(http)
    assert plans(after)["planned"] == plans(before)["planned"] + 1
    assert plans(after)["fallback"] == plans(before)["fallback"]
    assert plans(after)["mismatch"] == 0


async def test_only_authenticated_validated_operations_name_a_metric_series(http: httpx.AsyncClient, key: Key) -> None:
    for number in range(5):  # anonymous junk names, valid documents: they used to take label slots
        await http.post("/graphql", json={"query": f"query Junk{number} {{ __typename }}"})
    await http.post("/graphql", json={"query": "query Invalid { nope }"}, headers=key.headers)  # does not validate
    await http.post("/graphql", json={"query": "query Mine { __typename }"}, headers=key.headers)

    operations = {dict(labels)["operation"] for name, labels in await _metrics(http) if name == "invoicegraph_requests_total"}

    assert operations == {"POST /graphql", "Mine"}


async def test_a_round_of_several_loaders_is_one_span_with_a_child_per_loader(
    json_settings: Settings, database: Database, key: Key
) -> None:
    app = create_app(json_settings.model_copy(update={"tracing_enabled": True, "tracing_exporter": "none"}), database)
    exporter = InMemorySpanExporter()
    app.state.observability.tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    both = {"query": 'query Both { invoice(id: "invo_x") { id } customer(id: "cust_x") { id } }', "operationName": "Both"}
    async with _client(app) as client:
        await client.post("/graphql", json=GET_INVOICE, headers=key.headers)  # a replica's first read is measured apart
        exporter.clear()
        response = await client.post("/graphql", json=both, headers=key.headers)
    assert response.status_code == 200, response.text
    spans = {span.name: span for span in exporter.get_finished_spans()}
    operation, round_ = spans["query Both"], spans["loader round"]
    assert round_.parent is not None
    assert round_.parent.span_id == operation.context.span_id
    assert round_.attributes is not None
    assert sorted(str(name) for name in cast("list[str]", round_.attributes["invoicegraph.loaders"])) == ["customer_by_id", "invoice_by_id"]
    for name in ("loader invoice_by_id", "loader customer_by_id"):
        batch = spans[name]
        assert batch.parent is not None
        assert batch.parent.span_id == round_.context.span_id
        assert batch.attributes is not None
        assert batch.attributes["invoicegraph.batch_size"] == 1
    statements = [span for span in exporter.get_finished_spans() if span.attributes and "db.statement" in span.attributes]
    assert [span for span in statements if span.parent is not None and span.parent.span_id == round_.context.span_id]
