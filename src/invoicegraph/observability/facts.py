"""What one request learned about itself, for its log line, its metrics and its spans.

The access-log middleware creates a `RequestFacts` per HTTP request and puts it in a context
variable; layers further in (the GraphQL extension, the refresh service, the loaders) fill it in
without knowing about logs or metrics. The object is mutable on purpose: tasks spawned during the
request copy the context, i.e. the reference, so what they note lands in the same object.

Nothing here imports Strawberry, Starlette or OpenTelemetry.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

    from invoicegraph.observability.metrics import Metrics

# Outcome of a request that succeeded (other outcomes are the vendor error codes).
OK = "OK"


@dataclass(frozen=True, slots=True)
class Telemetry:
    """The instruments of one application: its metrics registry and, when tracing is on, its tracer."""

    metrics: Metrics | None = None
    tracer: Tracer | None = None


@dataclass(slots=True)
class RequestFacts:
    method: str
    path: str
    request_id: str
    telemetry: Telemetry = field(default_factory=Telemetry)
    # Filled by the GraphQL extension (or, for REST, from the matched route by the middleware).
    operation_name: str | None = None
    operation_type: str | None = None
    # The vendor error code the caller saw, or OK; None until a layer knows better than the status.
    outcome: str | None = None
    # One entry per refresh attempted in the request: changed, unchanged, replayed or an error code.
    refresh_outcomes: list[str] = field(default_factory=list)
    # Known when the response is done: the status sent and the matched route's path template.
    status: int | None = None
    route: str | None = None


_current: ContextVar[RequestFacts | None] = ContextVar("invoicegraph_request_facts", default=None)


def current_facts() -> RequestFacts | None:
    return _current.get()


def enter(facts: RequestFacts) -> Token[RequestFacts | None]:
    return _current.set(facts)


def leave(token: Token[RequestFacts | None]) -> None:
    _current.reset(token)


def note_refresh_result(*, changed: bool, replayed: bool) -> None:
    """Called by the refresh service once a refresh committed (or was replayed)."""
    facts = _current.get()
    if facts is not None:
        facts.refresh_outcomes.append("replayed" if replayed else "changed" if changed else "unchanged")
