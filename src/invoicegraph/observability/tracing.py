"""Optional OpenTelemetry tracing (the `tracing` extra; `INVOICEGRAPH_TRACING_ENABLED=true`).

Spans, nested as they happen:
- `POST /graphql` (server span, per HTTP request, continuing a caller's `traceparent`), with the
  status, route, request id and outcome;
- `query GetInvoice`: the GraphQL operation (graphql/endpoint.py), the current span while it executes,
  so that what runs inside nests under it;
- `loader invoice_by_id` per loader batch, with its size (under a `loader round` span when one
  statement answers several loaders);
- one span per SQL statement (opentelemetry-instrumentation-sqlalchemy, on this app's engines only:
  the primary's and each read replica's).

No span per GraphQL field: wrapping every field resolver costs more than the fields themselves.
Each app has its own TracerProvider (nothing global), so tests and embedders can add processors
(`app.state.telemetry.tracer_provider`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import metrics, propagate, trace
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBasedTraceIdRatio
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import Scope

from invoicegraph.db.engine import Database
from invoicegraph.observability.facts import OK, RequestFacts
from invoicegraph.settings import Settings

TRACER_NAME = "invoicegraph"


def tracer_provider(settings: Settings) -> TracerProvider:
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.tracing_service_name}),
        sampler=ParentBasedTraceIdRatio(settings.tracing_sample_ratio),
    )
    exporter = _exporter(settings)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _exporter(settings: Settings) -> SpanExporter | None:
    if settings.tracing_exporter == "none":
        return None
    if settings.tracing_exporter == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # Without an endpoint the exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, else localhost:4318.
    return OTLPSpanExporter(endpoint=settings.otlp_endpoint) if settings.otlp_endpoint else OTLPSpanExporter()


def instrument_database(provider: TracerProvider, database: Database) -> None:
    """A span per SQL statement of this database's engines, replicas included (not every engine in the process)."""
    tracer = provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
    # The instrumentation also counts pool connections through a meter; we export no OTel metrics.
    usage = metrics.NoOpMeter("invoicegraph").create_up_down_counter("db.client.connections.usage")
    for engine in (database.engine, *(replica.engine for replica in database.replicas.replicas)):
        EngineTracer(tracer, engine.sync_engine, usage)  # type: ignore[no-untyped-call]  # untyped library


@contextmanager
def operation_span(tracer: trace.Tracer, query: str | None, facts: RequestFacts) -> Iterator[trace.Span]:
    """The span of one GraphQL operation (graphql/endpoint.py), current while it executes.

    Named `<type> <name>` (`query GetInvoice`) once the operation is known; its status is the
    outcome's (an error outcome is an error span).
    """
    with tracer.start_as_current_span("GraphQL operation", kind=SpanKind.INTERNAL, record_exception=False) as span:
        if query:
            span.set_attribute("graphql.document", query)
        try:
            yield span
        finally:
            kind, name = facts.operation_type, facts.operation_name
            span.update_name(" ".join(part for part in (kind, name) if part) or "GraphQL operation")
            if name:
                span.set_attribute("graphql.operation.name", name)
            if kind:
                span.set_attribute("graphql.operation.type", kind)


@contextmanager
def request_span(tracer: trace.Tracer, scope: Scope, facts: RequestFacts) -> Iterator[trace.Span]:
    """The server span of one HTTP request, continuing the caller's trace when it sent one."""
    parent = propagate.extract(dict(Headers(scope=scope)))
    with tracer.start_as_current_span(facts.method, context=parent, kind=SpanKind.SERVER, record_exception=False) as span:
        span.set_attribute("http.request.method", facts.method)
        span.set_attribute("url.path", facts.path)
        span.set_attribute("invoicegraph.request_id", facts.request_id)
        try:
            yield span
        finally:
            if facts.route:
                span.update_name(f"{facts.method} {facts.route}")
                span.set_attribute("http.route", facts.route)
            if facts.status is not None:
                span.set_attribute("http.response.status_code", facts.status)
            if facts.outcome:
                span.set_attribute("invoicegraph.outcome", facts.outcome)
            if facts.operation_name:
                span.set_attribute("graphql.operation.name", facts.operation_name)
            if (facts.status or 500) >= 500:
                span.set_status(Status(StatusCode.ERROR, facts.outcome or OK))
