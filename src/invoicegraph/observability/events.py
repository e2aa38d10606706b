"""Event metrics of one process, read at scrape time: subscriptions and sockets open, webhook attempts."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from invoicegraph.graphql.subscriptions import Subscriptions
from invoicegraph.services.events.worker import Deliverer


class EventsCollector(Collector):
    def __init__(self, subscriptions: Subscriptions, deliverer: Callable[[], Deliverer | None]) -> None:
        self.subscriptions = subscriptions
        self.deliverer = deliverer

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield GaugeMetricFamily(
            "invoicegraph_subscriptions", "GraphQL subscriptions running in this process.", value=self.subscriptions.feed.subscriptions
        )
        yield GaugeMetricFamily(
            "invoicegraph_websocket_connections",
            "Authenticated GraphQL WebSocket connections open to this process.",
            value=sum(self.subscriptions.limits.connections.values()),
        )
        attempts = CounterMetricFamily(
            "invoicegraph_webhook_attempts",
            "Webhook requests this process made, by what became of their delivery: SUCCEEDED, PENDING (to be retried), "
            "FAILED (no retry left) or OVERTAKEN (its lease ran out first).",
            labels=["outcome"],
        )
        deliverer = self.deliverer()
        for outcome, count in sorted((deliverer.stats.outcomes if deliverer is not None else {}).items()):
            attempts.add_metric([outcome], count)
        yield attempts
