"""Everything observability adds to an app, built once per app from the settings.

`create_app` puts `middleware` outermost, adds `routes`, and calls
`shutdown` when the app stops (flushes spans still queued for export).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from invoicegraph.db.engine import Database
from invoicegraph.middleware.access_log import AccessLogMiddleware
from invoicegraph.observability.facts import Telemetry
from invoicegraph.observability.metrics import Metrics, metrics_route
from invoicegraph.settings import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

TRACING_EXTRA_MISSING = (
    "INVOICEGRAPH_TRACING_ENABLED=true needs the OpenTelemetry packages: install the `tracing` extra (pip install 'invoicegraph[tracing]')"
)


@dataclass
class Observability:
    telemetry: Telemetry
    tracer_provider: TracerProvider | None = None
    routes: list[BaseRoute] = field(default_factory=list)

    @property
    def middleware(self) -> Middleware:
        return Middleware(AccessLogMiddleware, telemetry=self.telemetry)

    def shutdown(self) -> None:
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()


def instrument(settings: Settings, database: Database) -> Observability:
    metrics = Metrics(database) if settings.metrics_enabled else None
    provider = None
    if settings.tracing_enabled:
        try:
            from invoicegraph.observability import tracing
        except ImportError as error:
            raise RuntimeError(TRACING_EXTRA_MISSING) from error
        provider = tracing.tracer_provider(settings)
        tracing.instrument_database(provider, database)
    return Observability(
        telemetry=Telemetry(metrics=metrics, tracer=provider.get_tracer("invoicegraph") if provider else None),
        tracer_provider=provider,
        routes=[metrics_route(metrics)] if metrics is not None else [],
    )
