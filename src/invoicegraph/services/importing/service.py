"""`import_files`: validate each file completely, then write it in one transaction.

Per file: a first streaming pass validates every record and keeps only ids; references are then
checked against the file and the database. Only a clean file gets a second streaming pass, which
writes inside one transaction (all or nothing) and finally computes the file's OPEN/DRAFT invoices.
The one check left to the second pass needs the stored row beside the record: a change to an invoice
that is FINAL, EMPTY or VOID in the database (services/importing/invoices.py). Its problems roll the
transaction back, so the file is still all or nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import ijson
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn
from sqlalchemy.exc import IntegrityError

from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.errors import InvalidOperation
from invoicegraph.records.problems import Problem
from invoicegraph.services.importing.compute import compute_open_invoices
from invoicegraph.services.importing.markers import mark_written
from invoicegraph.services.importing.reader import CountingReader
from invoicegraph.services.importing.report import FileReport, ImportReport
from invoicegraph.services.importing.survey import MAX_PROBLEMS, Survey, check_references, survey_file
from invoicegraph.services.importing.writer import FileWriter

PARTY_SECTIONS = frozenset({"customers", "billing_entities"})


async def import_files(database: Database, paths: list[Path], *, progress: bool, allow_overpayment: bool = False) -> ImportReport:
    """Import files in order; stop at the first file that fails (nothing of it is written).

    `allow_overpayment`: accept payments that take an invoice above its total (services/importing/payments.py).
    """
    report = ImportReport()
    show = progress and sys.stdout.isatty()
    with _progress(show) as bar:
        for position, path in enumerate(paths):
            result = await import_file(database, path, bar, allow_overpayment=allow_overpayment)
            report.files.append(result)
            if not result.ok:
                report.skipped.extend(paths[position + 1 :])
                break
    return report


async def import_file(database: Database, path: Path, bar: Progress | None = None, *, allow_overpayment: bool = False) -> FileReport:
    started = time.perf_counter()
    result = FileReport(path=path, bytes=path.stat().st_size)  # noqa: ASYNC240  (one stat per file)
    survey = await _survey(database, path, bar)
    result.records = dict(survey.records)
    if not survey.ok:
        result.problems, result.problem_count = survey.problems, survey.problem_count
        result.seconds = time.perf_counter() - started
        return result
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        try:
            await _write(database, path, bar, survey, now, result, allow_overpayment=allow_overpayment)
        except IntegrityError as error:
            if not _is_number_clash(error):
                raise
            # Another import numbered an invoice the same way after this file was checked: the
            # database refused it (ux_invoice_number), and the file was rolled back.
            raise _Refused([Problem("invoices", NUMBER_CLASH)]) from None
    except _Refused as refused:
        result.problems, result.problem_count = refused.problems[:MAX_PROBLEMS], len(refused.problems)
        result.seconds = time.perf_counter() - started
        return result
    result.ok = True
    result.seconds = time.perf_counter() - started
    return result


NUMBER_CLASH = "an invoice number is already used by another invoice of its platform (stored while this file was imported)"


def _is_number_clash(error: IntegrityError) -> bool:
    text = str(error.orig)
    return "ux_invoice_number" in text or "invoice.platform_id, invoice.invoice_number" in text


class _Refused(Exception):
    """Problems found while writing: raised out of the transaction so that it rolls back."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


async def _write(
    database: Database, path: Path, bar: Progress | None, survey: Survey, now: datetime, result: FileReport, *, allow_overpayment: bool
) -> None:
    async with database.write() as session:
        writer = FileWriter(session, survey, now, actor=f"import:{path.name}", allow_overpayment=allow_overpayment)
        if survey.invoices_before_parties:
            # Snapshots of customers and billing entities are taken from the written rows, so the
            # invoices of such a file are written in a separate read of it, after everything else.
            with _reading(path, bar, f"writing {path.name}") as reader:
                await writer.write(reader, set(survey.sections) - {"invoices"})
            with _reading(path, bar, f"writing invoices of {path.name}") as reader:
                await writer.write(reader, {"invoices"})
        else:
            with _reading(path, bar, f"writing {path.name}") as reader:
                await writer.write(reader, set(survey.sections))
        if writer.problems:
            raise _Refused(writer.problems)
        await mark_written(session, writer.tally, now, {platform for _, platform, _ in survey.references.defined if platform})
        for platform_id, invoice_ids in survey.open_invoices.items():
            try:
                restored = await compute_open_invoices(session, platform_id, invoice_ids, writer.previous_invoices)
            except InvalidOperation as error:  # a computed total the database cannot hold
                raise _Refused([Problem("invoices", error.message)]) from None
            # Rewritten, then computed back to what was stored: for the report, unchanged.
            counts = writer.tally.of(tables.Invoice)
            counts.updated, counts.unchanged = counts.updated - restored, counts.unchanged + restored
    result.tables = {name: counts.as_dict() for name, counts in writer.tally.tables.items()}
    result.events_inserted, result.events_duplicate = writer.events.inserted, writer.events.duplicates


async def _survey(database: Database, path: Path, bar: Progress | None) -> Survey:
    try:
        with _reading(path, bar, f"checking {path.name}") as reader:
            survey = survey_file(reader)
    except (ijson.JSONError, ValueError, UnicodeDecodeError) as error:
        failed = Survey()
        failed.add([Problem("$", f"not a valid JSON import file: {error}")])
        return failed
    if survey.ok or survey.references.wanted or survey.keys:
        async with database.read() as session:
            await check_references(survey, session)
    return survey


@contextmanager
def _reading(path: Path, bar: Progress | None, label: str) -> Iterator[CountingReader]:
    with path.open("rb") as raw:
        if bar is None:
            yield CountingReader(raw)
            return
        task = bar.add_task(label, total=path.stat().st_size)
        try:
            yield CountingReader(raw, lambda n: bar.advance(task, n))
        finally:
            bar.update(task, completed=path.stat().st_size)


@contextmanager
def _progress(show: bool) -> Iterator[Progress | None]:
    if not show:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as bar:
        yield bar
