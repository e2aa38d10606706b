"""Loader batches, observed: their size (a histogram per loader) and, when tracing, a span each.

A request's round of loads (db/loaders.py) asks for its instruments once, when the request makes
its loaders, and wraps each round's reading in `observed_round`. Outside a request, or with neither
metrics nor tracing, both do nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from invoicegraph.observability.facts import Telemetry, current_facts


def loader_telemetry() -> Telemetry | None:
    """The instruments the current request's loaders report to, or None when there are none."""
    facts = current_facts()
    if facts is None or (facts.telemetry.metrics is None and facts.telemetry.tracer is None):
        return None
    return facts.telemetry


@contextmanager
def observed_round(telemetry: Telemetry | None, batches: Sequence[tuple[str, int]]) -> Iterator[None]:
    """Around one round's reading: each loader's batch size, and a span per loader.

    `batches` is (loader name, keys) per loader of the round. With one loader its span is the
    current one while the round reads; with several (one folded statement) a `loader round` span
    is, with a child span per loader.
    """
    if telemetry is None:
        yield
        return
    if telemetry.metrics is not None:
        for name, size in batches:
            telemetry.metrics.observe_batch(name, size)
    tracer = telemetry.tracer
    if tracer is None:
        yield
        return
    with ExitStack() as spans:
        if len(batches) > 1:
            round_ = spans.enter_context(tracer.start_as_current_span("loader round"))
            round_.set_attribute("invoicegraph.loaders", [name for name, _ in batches])
        for name, size in batches:
            if len(batches) == 1:
                span = spans.enter_context(tracer.start_as_current_span(f"loader {name}"))
            else:
                span = spans.enter_context(tracer.start_span(f"loader {name}"))  # siblings, not current
            span.set_attribute("invoicegraph.loader", name)
            span.set_attribute("invoicegraph.batch_size", size)
        yield
