"""Second pass over a file that passed validation: write it, streaming, in the open transaction."""

from __future__ import annotations

from collections.abc import Container
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from invoicegraph.db import tables
from invoicegraph.records.file import SECTIONS
from invoicegraph.records.invoice import InvoiceRecord
from invoicegraph.records.problems import Problem
from invoicegraph.records.rates import UsageEventRecord
from invoicegraph.services.importing.events import BATCH_SIZE, EventCounts, event_row, write_events
from invoicegraph.services.importing.invoices import Batch, write_invoices
from invoicegraph.services.importing.reader import CountingReader, iter_items
from invoicegraph.services.importing.rows import Row, record_rows
from invoicegraph.services.importing.survey import Survey
from invoicegraph.services.importing.upsert import Tally, replace_children, upsert_rows

RECORD_BATCH = 250


class FileWriter:
    """Buffers one section's records and flushes them in batches."""

    def __init__(
        self, session: AsyncSession, survey: Survey, now: datetime, *, actor: str = "import", allow_overpayment: bool = False
    ) -> None:
        self.session = session
        self.survey = survey
        self.now = now
        self.tally = Tally()
        self.events = EventCounts()
        # OPEN/DRAFT invoices as stored before this file: what their recomputation compares with.
        self.previous_invoices: dict[tuple[str, str], Any] = {}
        self.actor = actor
        self.allow_overpayment = allow_overpayment
        # Records refused while writing (a change to a FINAL/EMPTY/VOID invoice, a payment rule): the
        # file must then be rolled back, not committed.
        self.problems: list[Problem] = []
        self._section = ""
        self._buffer: list[Any] = []

    async def write(self, reader: CountingReader, sections: Container[str]) -> None:
        for item in iter_items(reader):
            if item.index < 0 or item.section not in sections or item.section not in SECTIONS:
                continue
            if item.section != self._section or len(self._buffer) >= self._limit(item.section):
                await self.flush()
                self._section = item.section
            parsed = self._parse(item.section, item.value)
            self._buffer.append((item.index, parsed) if item.section == "invoices" else parsed)
        await self.flush()

    @staticmethod
    def _limit(section: str) -> int:
        return BATCH_SIZE if section == "usage_events" else RECORD_BATCH

    @staticmethod
    def _parse(section: str, value: Any) -> Any:
        # The file passed the first pass, so this validates again only to normalize.
        if section == "usage_events":
            return event_row(UsageEventRecord.model_validate(value))
        record = SECTIONS[section].model_validate(value)
        return record if section == "invoices" else record.model_dump(mode="json")

    async def flush(self) -> None:
        batch, section = self._buffer, self._section
        self._buffer = []
        if not batch:
            return
        if section == "usage_events":
            await write_events(self.session, batch, self.events)
        elif section == "invoices":
            records: list[tuple[int, InvoiceRecord]] = batch
            options = Batch(self.survey.invoice_numbers, self.now, self.tally, self.previous_invoices, self.actor, self.allow_overpayment)
            self.problems += await write_invoices(self.session, records, options)
        else:
            await self._write_records(section, batch)

    async def _write_records(self, section: str, batch: list[dict[str, Any]]) -> None:
        by_table: dict[type[SQLModel], list[Row]] = {}
        for data in batch:
            for row in record_rows(section, data):
                by_table.setdefault(row.table, []).append(row)
        for table, rows in by_table.items():
            await upsert_rows(self.session, table, rows[0].key, [r.values for r in rows], self.now, self.tally.of(table))
        if section == "api_keys":
            links = [
                {"platform_id": platform_id, "api_key_id": data["id"]}
                for data in batch
                for platform_id in dict.fromkeys(data["platform_ids"])
            ]
            changed = await replace_children(
                self.session,
                tables.ApiKeyPlatform,
                ("api_key_id",),
                [(d["id"],) for d in batch],
                ("platform_id", "api_key_id"),
                links,
            )
            if changed:
                self.tally.of(tables.ApiKeyPlatform).updated += 1
