"""Invoice numbers: one invoice per number and platform.

An invoice number is the legal number of an issued invoice; two invoices of a platform with the same
number are two documents a customer cannot tell apart. The database enforces it (the partial unique
index `ux_invoice_number`); the import finds it first, at the path of the number: a number given twice
in the file, or one a stored invoice of the platform already has (unless the file renumbers that one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.db import tables
from invoicegraph.records.problems import Problem, json_path

CHUNK = 500
Key = tuple[str, str]


class NumberIndex:
    """The numbered invoices of a file: (platform, number) -> (invoice id, path of its number)."""

    def __init__(self) -> None:
        self.owners: dict[Key, tuple[str, str]] = {}

    def note(self, platform_id: str, invoice_id: str, number: str | None, index: int) -> list[Problem]:
        if number is None:
            return []
        path = json_path(("invoices", index, "invoice_number"))
        owner, _ = self.owners.setdefault((platform_id, number), (invoice_id, path))
        if owner == invoice_id:
            return []
        return [Problem(path, f"invoice number {number!r} is also given to invoice {owner!r} in this file")]

    async def problems(self, session: AsyncSession, numbers_in_file: Mapping[Key, str | None]) -> list[Problem]:
        """Numbers a stored invoice of the same platform already has. `numbers_in_file`: (platform, id) -> number."""
        by_platform: dict[str, list[str]] = {}
        for platform_id, number in self.owners:
            by_platform.setdefault(platform_id, []).append(number)
        table: Any = tables.Invoice
        problems: list[Problem] = []
        for platform_id, numbers in sorted(by_platform.items()):
            for start in range(0, len(numbers), CHUNK):
                rows = await session.execute(
                    select(table.invoice_number, table.id).where(
                        table.platform_id == platform_id, table.invoice_number.in_(numbers[start : start + CHUNK])
                    )
                )
                for number, stored_id in rows:
                    owner, path = self.owners[(platform_id, number)]
                    renumbered = numbers_in_file.get((platform_id, stored_id), number) != number
                    if stored_id != owner and not renumbered:
                        problems.append(Problem(path, f"invoice number {number!r} is already used by invoice {stored_id!r}"))
        return sorted(problems, key=lambda p: p.path)
