"""imported invoice lines get platform-wide ids (invl_…) in place of line_{period}_{group}_{line}

An import used to fill a line without an id with its position (`line_0_0_0`), unique only within its
invoice: a normalized client cache merged the lines of different invoices. The import now derives the
id from the invoice id and the position (records/invoice.py, `line_id(invoice_id, "imported", p, g,
l)`); this rewrites the ids that older imports filled in the same way, so stored invoices (FINAL ones
included) and a re-import of the same file agree. Only ids equal to their own position's
`line_{p}_{g}_{l}` are touched: an id an import file gave explicitly stays as it is.

Revision ID: 0004
Revises: 0003
"""

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BATCH = 500


def _line_id(*parts: object) -> str:
    # The formula of billing/shapes.py `line_id` as of this revision (a migration keeps its own copy).
    return "invl_" + hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:24]


def _renamed(invoice_id: str, document: dict[str, Any]) -> dict[str, Any] | None:
    """The document with its position-derived line ids replaced; None when it has none."""
    changed = False
    periods = []
    for p, period in enumerate(document.get("periods") or []):
        groups = []
        for g, group in enumerate(period.get("groups") or []):
            lines = []
            for index, line in enumerate(group.get("lines") or []):
                if isinstance(line, dict) and line.get("id") == f"line_{p}_{g}_{index}":
                    line = {**line, "id": _line_id(invoice_id, "imported", p, g, index)}
                    changed = True
                lines.append(line)
            groups.append({**group, "lines": lines} if isinstance(group, dict) else group)
        periods.append({**period, "groups": groups} if isinstance(period, dict) else period)
    return {**document, "periods": periods} if changed else None


def upgrade() -> None:
    bind = op.get_bind()
    platform = sa.table("platform", sa.column("id", sa.String))
    invoice = sa.table("invoice", sa.column("platform_id", sa.String), sa.column("id", sa.String), sa.column("document", _JSON))
    for (platform_id,) in bind.execute(sa.select(platform.c.id)).all():
        last = ""
        while True:  # one platform at a time, in batches by id: memory stays bounded on large tables
            rows = bind.execute(
                sa.select(invoice.c.id, invoice.c.document)
                .where(invoice.c.platform_id == platform_id, invoice.c.id > last)
                .order_by(invoice.c.id)
                .limit(_BATCH)
            ).all()
            if not rows:
                break
            for invoice_id, document in rows:
                renamed = _renamed(invoice_id, document or {})
                if renamed is not None:
                    bind.execute(
                        invoice.update().where(invoice.c.platform_id == platform_id, invoice.c.id == invoice_id).values(document=renamed)
                    )
            last = rows[-1][0]


def downgrade() -> None:
    # The new ids are as good as the old ones for every reader; nothing to undo.
    pass
