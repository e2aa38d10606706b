"""DataLoader batches, observed: their size (a histogram per loader) and, when tracing, a span each.

`observe_loader` is called when a request makes a loader (on its first use); it wraps the loader's
batch function in place. Outside a request, or with neither metrics nor tracing, it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from aiodataloader import DataLoader

from invoicegraph.observability.facts import Telemetry, current_facts

BatchFn = Callable[[list[Any]], Coroutine[Any, Any, list[Any]]]


def observe_loader(name: str, loader: DataLoader[Any, Any]) -> None:
    """Wrap the batch function of `loader`, reported as `name`."""
    facts = current_facts()
    if facts is None or (facts.telemetry.metrics is None and facts.telemetry.tracer is None):
        return
    loader.batch_load_fn = observed_batch(name, loader.batch_load_fn, facts.telemetry)


def observed_batch(name: str, batch: BatchFn, telemetry: Telemetry) -> BatchFn:
    async def run(keys: list[Any]) -> list[Any]:
        if telemetry.metrics is not None:
            telemetry.metrics.observe_batch(name, len(keys))
        if telemetry.tracer is None:
            return await batch(keys)
        with telemetry.tracer.start_as_current_span(f"loader {name}") as span:
            span.set_attribute("invoicegraph.loader", name)
            span.set_attribute("invoicegraph.batch_size", len(keys))
            return await batch(keys)

    return run
