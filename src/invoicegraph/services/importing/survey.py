"""First pass over a file: validate every record, collect problems with paths, remember only ids.

Nothing is written. The pass keeps what the write pass and the reference checks need (ids, a few
invoice facts), never the records themselves, so memory does not grow with the number of events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.db import tables
from invoicegraph.records.file import FORMAT, SECTIONS
from invoicegraph.records.invoice import InvoiceRecord
from invoicegraph.records.problems import Problem, json_path, problems_at, problems_from
from invoicegraph.records.rates import UsageEventRecord
from invoicegraph.services.importing.keys import KeyFacts, key_facts, key_problems
from invoicegraph.services.importing.numbers import NumberIndex
from invoicegraph.services.importing.payments import record_problems as payment_problems
from invoicegraph.services.importing.reader import DUPLICATE_KEY, DUPLICATE_MESSAGE, EMPTY_LIST, CountingReader, iter_items
from invoicegraph.services.importing.references import SECTION_KINDS, ReferenceIndex, definitions, references

MAX_PROBLEMS = 100
Key = tuple[str, str]


@dataclass
class Survey:
    """What the first pass learned about one file."""

    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    sections: list[str] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)
    # OPEN/DRAFT invoices of the file, per platform: computed after the write (docs/importing.md).
    open_invoices: dict[str, list[str]] = field(default_factory=dict)
    invoice_numbers: dict[Key, str | None] = field(default_factory=dict)
    numbers: NumberIndex = field(default_factory=NumberIndex)
    credits: list[tuple[str, str, str]] = field(default_factory=list)
    references: ReferenceIndex = field(default_factory=ReferenceIndex)
    # The API keys of the file (services/importing/keys.py), checked against the stored keys.
    keys: dict[str, KeyFacts] = field(default_factory=dict)  # by the key's SHA-256

    def add(self, problems: list[Problem]) -> None:
        self.problem_count += len(problems)
        room = MAX_PROBLEMS - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def invoices_before_parties(self) -> bool:
        """True when invoices come before customers or billing entities in the file: their snapshots
        must then be taken after those sections are written (a separate write sub-pass)."""
        if "invoices" not in self.sections:
            return False
        position = self.sections.index("invoices")
        return any(s in self.sections[position:] for s in ("customers", "billing_entities"))


def survey_file(reader: CountingReader) -> Survey:
    """Validate a file's records (pass 1); reference checks against the database come after."""
    survey = Survey()
    format_seen = False
    for item in iter_items(reader):
        if item.value is DUPLICATE_KEY:
            survey.add([Problem(item.section, DUPLICATE_MESSAGE)])
            continue
        if item.flaws:
            survey.add([Problem(json_path((item.section, item.index, *loc)), message) for loc, message in item.flaws])
        if item.index < 0:
            if item.section not in survey.sections:
                survey.sections.append(item.section)
            if item.section == "format":
                format_seen = True
                if item.value != FORMAT:
                    survey.add([Problem("format", f"{item.value!r} is not {FORMAT!r}")])
            elif item.section not in SECTIONS:
                survey.add([Problem(item.section, "unknown key")])
            elif item.value is not EMPTY_LIST:
                survey.add([Problem(item.section, "expected a list")])
            continue
        if item.section not in survey.sections:
            survey.sections.append(item.section)
            if item.section not in SECTIONS:
                survey.add([Problem(item.section, "unknown key")])
        if item.section in SECTIONS:
            survey.records[item.section] = survey.records.get(item.section, 0) + 1
            _check_record(survey, item.section, item.index, item.value)
    if not format_seen:
        survey.add([Problem("format", f"required key is missing (must be {FORMAT!r})")])
    return survey


def _check_record(survey: Survey, section: str, index: int, value: Any) -> None:
    where = (section, index)
    if section == "usage_events":
        # Hot path (millions of events): no dump, references read off the model.
        try:
            event = UsageEventRecord.model_validate(value)
        except ValidationError as error:
            survey.add(problems_from(error, where))
            return
        survey.references.want("platform", "", event.platform_id, (*where, "platform_id"))
        survey.references.want("customer", event.platform_id, event.customer_id, (*where, "customer_id"))
        survey.references.want("meter_value", event.platform_id, event.meter_value_id, (*where, "meter_value_id"))
        return
    model = SECTIONS[section]
    try:
        record = model.model_validate(value)
    except ValidationError as error:
        survey.add(problems_from(error, where))
        _define_raw(survey, section, value)
        return
    if isinstance(record, InvoiceRecord):
        survey.add(problems_at(where, record.problems()))
        survey.add(problems_at(where, payment_problems(record)))
        _note_invoice(survey, index, record)
    data = record.model_dump(mode="json")
    if section == "api_keys":
        facts = key_facts(where, data)
        if facts.digest in survey.keys:
            survey.add([Problem(json_path((*where, "key")), "the same key is given twice")])
        survey.keys.setdefault(facts.digest, facts)
    for kind, platform, record_id, loc in definitions(section, data):
        if (kind, platform, record_id) in survey.references.defined:
            survey.add([Problem(json_path((*where, *loc)), f"duplicate id {record_id!r} in this file")])
        survey.references.define(kind, platform, record_id)
    for kind, platform, record_id, loc in references(section, data):
        survey.references.want(kind, platform, record_id, (*where, *loc))


def _define_raw(survey: Survey, section: str, value: Any) -> None:
    # An invalid record still names its ids: references to them are not reported a second time.
    kind = SECTION_KINDS.get(section)
    if kind is None or not isinstance(value, dict):
        return
    platform, record_id = value.get("platform_id"), value.get("id")
    if isinstance(platform, str) and isinstance(record_id, str):
        survey.references.define(kind, platform, record_id)
        for child in value.get("meter_values") or [] if section == "meters" else []:
            if isinstance(child, dict) and isinstance(child.get("id"), str):
                survey.references.define("meter_value", platform, child["id"])


def _note_invoice(survey: Survey, index: int, invoice: InvoiceRecord) -> None:
    key = (invoice.platform_id, invoice.id)
    survey.invoice_numbers[key] = invoice.invoice_number
    survey.add(survey.numbers.note(invoice.platform_id, invoice.id, invoice.invoice_number, index))
    if invoice.status in ("OPEN", "DRAFT"):
        survey.open_invoices.setdefault(invoice.platform_id, []).append(invoice.id)
    if invoice.credit is not None and invoice.credit.original_invoice_info is None:
        path = json_path(("invoices", index, "credit", "original_invoice_id"))
        survey.credits.append((path, invoice.platform_id, invoice.credit.original_invoice_id))


async def check_references(survey: Survey, session: AsyncSession) -> None:
    """Reference problems (pass 1, end): ids missing from both the file and the database, and
    credit invoices whose original has no invoice number to print."""
    problems, unlisted = await survey.references.unresolved(session)
    survey.add(problems)
    survey.problem_count += unlisted
    survey.add(await key_problems(list(survey.keys.values()), session))
    survey.add(await survey.numbers.problems(session, survey.invoice_numbers))
    if not survey.credits:
        return
    numbers = dict(survey.invoice_numbers)
    stored = [(p, i) for _, p, i in survey.credits if (p, i) not in numbers]
    if stored:
        table: Any = tables.Invoice
        rows = await session.execute(
            select(table.platform_id, table.id, table.invoice_number).where(tuple_(table.platform_id, table.id).in_(stored))
        )
        numbers.update({(row[0], row[1]): row[2] for row in rows})
    for path, platform, original in survey.credits:
        if (platform, original) in numbers and not numbers[(platform, original)]:
            survey.add([Problem(path, f"invoice {original!r} has no invoice_number: only numbered (FINAL) invoices can be credited")])
