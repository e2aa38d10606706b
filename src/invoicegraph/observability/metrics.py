"""Prometheus metrics of one application, served at `GET /metrics`.

Each app has its own `CollectorRegistry` (not prometheus-client's global one), so several apps in one
process (tests, embedding) never collide. The values are per process: with `serve --workers N`,
each worker has its own and a scrape reaches one of them (run one worker per container instead).

Label values are bounded: outcomes are vendor error codes; operation names come from clients, so
only authenticated, validated GraphQL operations name their series (the access log decides), only
the first `MAX_OPERATIONS` distinct names get their own series, and the rest count as `other`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.pool import QueuePool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from invoicegraph.db.engine import Database
from invoicegraph.execution.context import PLAN_STATS

MAX_OPERATIONS = 200
OTHER = "other"
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")  # a GraphQL name of sensible length
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


class Metrics:
    def __init__(self, database: Database) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "invoicegraph_requests",
            "HTTP requests by operation (GraphQL operation name, or METHOD /route) and outcome (OK or the error code).",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "invoicegraph_request_duration_seconds",
            "Time from the first byte in to the last byte out, by operation.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.refreshes = Counter(
            "invoicegraph_refresh_outcomes",
            "Invoice refreshes by outcome: changed, unchanged, replayed (idempotent replay) or the error code.",
            ["outcome"],
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "invoicegraph_loader_batch_size",
            "Keys per DataLoader batch (one SQL statement each), by loader.",
            ["loader"],
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(PoolCollector(database))
        self.registry.register(ReplicaSkipCollector(database))
        self.registry.register(ExecutionPlanCollector())
        self._operations: set[str] = set()
        self._lock = threading.Lock()
        # Label children by label values. `labels()` validates and locks on every call (a noticeable
        # share of a small request); the label values are bounded (see above), so this is too.
        self._children: dict[tuple[object, ...], Any] = {}

    def _child(self, metric: Counter | Histogram, *values: str) -> Any:
        key = (id(metric), *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    def observe_batch(self, loader: str, size: int) -> None:
        self._child(self.batch_size, loader).observe(size)

    def client_label(self, name: str) -> str:
        """A client-chosen operation name as a label: itself, or `other` (not a name, or too many names)."""
        if name in self._operations:
            return name
        if not _NAME.match(name):
            return OTHER
        with self._lock:
            if len(self._operations) >= MAX_OPERATIONS:
                return OTHER
            self._operations.add(name)
        return name

    def observe_request(self, operation: str, outcome: str, seconds: float, *, client_named: bool) -> None:
        """Count a request; `client_named` when the operation name came from the client (GraphQL)."""
        label = self.client_label(operation) if client_named else operation
        self._child(self.requests, label, outcome).inc()
        self._child(self.duration, label).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class PoolCollector(Collector):
    """Database pool use, read at scrape time.

    PostgreSQL uses a QueuePool: its own counts. SQLite opens a connection per checkout (NullPool),
    so the checked-out count comes from pool events and there is no configured size.
    """

    def __init__(self, database: Database) -> None:
        self.pool = database.engine.pool
        self._checked_out = 0
        if not isinstance(self.pool, QueuePool):
            event.listen(database.engine.sync_engine, "checkout", self._on_checkout)
            event.listen(database.engine.sync_engine, "checkin", self._on_checkin)

    def _on_checkout(self, *_args: object) -> None:
        self._checked_out += 1

    def _on_checkin(self, *_args: object) -> None:
        self._checked_out = max(0, self._checked_out - 1)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pool = self.pool
        checked_out = pool.checkedout() if isinstance(pool, QueuePool) else self._checked_out
        yield GaugeMetricFamily("invoicegraph_db_pool_checked_out", "Database connections in use.", value=checked_out)
        if isinstance(pool, QueuePool):
            yield GaugeMetricFamily(
                "invoicegraph_db_pool_size", "Connections the pool keeps open (its configured size).", value=pool.size()
            )
            yield GaugeMetricFamily(
                "invoicegraph_db_pool_overflow", "Connections open beyond the pool size (negative: room left).", value=pool.overflow()
            )


class ReplicaSkipCollector(Collector):
    """Read replicas passed over by a request's routing (db/routing.py), read at scrape time."""

    REASONS = ("down", "lagging")

    def __init__(self, database: Database) -> None:
        self.replicas = database.replicas

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "invoicegraph_db_replica_skipped",
            "Requests that passed over a read replica, by replica (host:port) and reason: down (failed to connect) or lagging.",
            labels=["replica", "reason"],
        )
        for replica in self.replicas.replicas:
            for reason in self.REASONS:
                family.add_metric([replica.name, reason], self.replicas.skips[(replica.name, reason)])
        yield family


class ExecutionPlanCollector(Collector):
    """Compiled completion plans (execution/context.py): how often a plan answered, gave up, differed."""

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "invoicegraph_execution_plan_results",
            "GraphQL root values by how they were completed: planned (a compiled plan), fallback (the plan gave up and "
            "graphql-core completed it, e.g. for an error), mismatch (verify mode: the two differed; always 0 in a healthy "
            "service). Per process.",
            labels=["outcome"],
        )
        family.add_metric(["planned"], PLAN_STATS.completed)
        family.add_metric(["fallback"], PLAN_STATS.gave_up)
        family.add_metric(["mismatch"], PLAN_STATS.mismatched)
        yield family


def metrics_route(metrics: Metrics) -> Route:
    """`GET /metrics` in Prometheus' text format (public, like the probes: see the auth middleware)."""

    async def metrics_endpoint(_request: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics_endpoint, methods=["GET"])
