"""line edit audit records (line adjustments themselves live in the invoice document); usage events keep when they were received

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import invoicegraph.db.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "line_edit_record",
        sa.Column("platform_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("invoice_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("line_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("credential_id", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("adjustment", _JSON, nullable=True),
        sa.Column("replaced", _JSON, nullable=True),
        sa.Column("version_before", sa.Integer(), nullable=False),
        sa.Column("version_after", sa.Integer(), nullable=False),
        sa.Column("changes", _JSON, nullable=False),
        sa.Column("created_at", invoicegraph.db.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform_id", "id"),
    )
    with op.batch_alter_table("line_edit_record") as batch:
        batch.create_index("ix_line_edit_record_invoice", ["platform_id", "invoice_id", "created_at"], unique=False)
    # Events stored before this revision count as received when it ran: the change marker of late usage.
    with op.batch_alter_table("usage_event") as batch:
        batch.add_column(
            sa.Column("received_at", invoicegraph.db.types.UtcDateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp())
        )


def downgrade() -> None:
    with op.batch_alter_table("usage_event") as batch:
        batch.drop_column("received_at")
    with op.batch_alter_table("line_edit_record") as batch:
        batch.drop_index("ix_line_edit_record_invoice")
    op.drop_table("line_edit_record")
