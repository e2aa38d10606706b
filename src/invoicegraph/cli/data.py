"""Billing data in: `import` files, load the `demo` data set, `generate` a synthetic file."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO, cast

import typer
from rich.progress import DownloadColumn, Progress, SpinnerColumn, TextColumn, TransferSpeedColumn

from invoicegraph.cli.output import console, errors
from invoicegraph.cli.resources import checked_settings, migrate_database, open_database


def import_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True, help="Import files (invoicegraph/v1 JSON).")],
    progress: Annotated[bool, typer.Option(help="Show a progress bar (on a terminal).")] = True,
) -> None:
    """Import billing data files, each in one transaction (all or nothing)."""
    from invoicegraph.services.importing import import_files

    allow_overpayment = checked_settings().allow_overpayment

    async def run() -> int:
        database = open_database()
        try:
            report = await import_files(
                database, list(files), progress=progress and sys.stdout.isatty(), allow_overpayment=allow_overpayment
            )
        finally:
            await database.dispose()
        if report.ok:
            console.print(report.summary(), markup=False, highlight=False)
            return 0
        # Problems go to stderr, one per line with its JSON path; nothing of a failed file was written.
        errors.print(report.summary(), markup=False, highlight=False)
        return 1

    raise typer.Exit(asyncio.run(run()))


def demo() -> None:
    """Load the demo data set (two platforms, customers, plans, usage, invoices)."""
    from invoicegraph.demo import DEMO_API_KEY, load_demo

    async def run() -> bool:
        database = open_database()
        try:
            report = await load_demo(database)
        finally:
            await database.dispose()
        (console if report.ok else errors).print(report.summary(), markup=False, highlight=False)
        return report.ok

    migrate_database(checked_settings().database_url)
    if not asyncio.run(run()):
        raise typer.Exit(1)
    console.print(f"demo API key: {DEMO_API_KEY}", markup=False, highlight=False)


def generate(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write ('-' for stdout).")] = Path("-"),
    platforms: Annotated[int, typer.Option(min=1, help="Platforms (tenants); customers and invoices are spread over them.")] = 1,
    customers: Annotated[int, typer.Option(min=1, help="Customers in all.")] = 100,
    invoices: Annotated[int, typer.Option(min=0, help="Invoices in all (FINAL and DRAFT, computed on import).")] = 1000,
    events_per_invoice: Annotated[int, typer.Option(min=0, help="Usage events per invoice.")] = 10,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes the same file.")] = 1,
) -> None:
    """Write a synthetic import file of any size (streamed, deterministic for a seed)."""
    from invoicegraph.demo.generate import generate as write

    options = {"platforms": platforms, "customers": customers, "invoices": invoices, "events_per_invoice": events_per_invoice, "seed": seed}
    if str(output) == "-":
        write(sys.stdout, **options)
        return
    with output.open("w", encoding="utf-8") as handle, _byte_progress(f"writing {output}", enabled=sys.stderr.isatty()) as advance:
        write(cast(TextIO, _CountingWriter(handle, advance)), **options)
    errors.print(f"wrote {output} ({output.stat().st_size:,} bytes)")


class _CountingWriter(io.TextIOBase):
    """A text stream that reports how much was written (for the progress bar)."""

    def __init__(self, target: TextIO, advance: Callable[[int], None]) -> None:
        self._target = target
        self._advance = advance

    def write(self, text: str) -> int:
        self._advance(len(text))
        return self._target.write(text)


@contextmanager
def _byte_progress(label: str, *, enabled: bool) -> Iterator[Callable[[int], None]]:
    if not enabled:
        yield lambda _: None
        return
    with Progress(SpinnerColumn(), TextColumn(label), DownloadColumn(), TransferSpeedColumn(), console=errors, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda size: progress.advance(task, size)
