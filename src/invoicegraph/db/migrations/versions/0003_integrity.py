"""invoice numbers unique per platform; the audit of changes to locked invoices

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicegraph.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_NUMBERED = sa.text("invoice_number IS NOT NULL")


def upgrade() -> None:
    _refuse_duplicate_numbers()
    with op.batch_alter_table("invoice") as batch:
        batch.create_index("ux_invoice_number", ["platform_id", "invoice_number"], unique=True, sqlite_where=_NUMBERED, postgresql_where=_NUMBERED)
    op.create_table(
        "invoice_audit_record",
        sa.Column("platform_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version_before", sa.Integer(), nullable=False),
        sa.Column("version_after", sa.Integer(), nullable=False),
        sa.Column("changes", _JSON, nullable=False),
        sa.Column("created_at", invoicegraph.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform_id", "id"),
    )
    with op.batch_alter_table("invoice_audit_record") as batch:
        batch.create_index("ix_invoice_audit_record_invoice", ["platform_id", "invoice_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("invoice_audit_record")
    with op.batch_alter_table("invoice") as batch:
        batch.drop_index("ux_invoice_number")


def _refuse_duplicate_numbers() -> None:
    """Stop with the duplicates named, rather than with the database's bare unique violation."""
    connection = op.get_bind()
    found: list[str] = []
    for (platform_id,) in connection.execute(sa.text("SELECT id FROM platform ORDER BY id")):
        rows = connection.execute(
            sa.text(
                "SELECT invoice_number, id FROM invoice WHERE platform_id = :platform AND invoice_number IN ("
                " SELECT invoice_number FROM invoice WHERE platform_id = :platform AND invoice_number IS NOT NULL"
                " GROUP BY invoice_number HAVING count(*) > 1) ORDER BY invoice_number, id"
            ),
            {"platform": platform_id},
        )
        numbers: dict[str, list[str]] = {}
        for number, invoice_id in rows:
            numbers.setdefault(number, []).append(invoice_id)
        found += [f"{platform_id}: {number!r} on {', '.join(ids)}" for number, ids in numbers.items()]
    if found:
        raise RuntimeError(
            "cannot make invoice numbers unique per platform: some are used twice; renumber these invoices and migrate again:\n  "
            + "\n  ".join(found)
        )
